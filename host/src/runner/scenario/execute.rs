//! Runs one scenario and checks its expectations.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::matcher::{find_in_order, matches};
use super::{ClockStep, Expected, Scenario};
use crate::runner::callback_script::run_to_end;
use crate::runner::{ExecutionResult, Runtime, RuntimeError, StartOptions};

/// What running a scenario showed.
#[derive(Debug)]
pub struct ScenarioRun {
    /// The scenario's name.
    pub name: String,
    /// Empty when the scenario passed.
    pub failures: Vec<String>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// The execution at the end (None when it could not start).
    pub result: Option<ExecutionResult>,
}

impl ScenarioRun {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs `scenario` with its handler registered on `runtime` as `function` (and its
/// chained-invoke targets registered under their names).
pub fn run_scenario(runtime: &Runtime, function: &str, scenario: &Scenario) -> ScenarioRun {
    let started = Instant::now();
    let mut failures = Vec::new();
    let result = match drive(runtime, function, scenario, &mut failures) {
        Ok(result) => Some(result),
        Err(error) => {
            failures.push(format!("the execution could not run: {error}"));
            None
        }
    };
    if let Some(result) = &result {
        check(&scenario.expected, result, "", &mut failures);
        let events = result.history_json()["Events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let Err(missing) = find_in_order(&scenario.expected_history, &events) {
            failures.push(missing);
        }
    }
    ScenarioRun {
        name: scenario.name.clone(),
        failures,
        elapsed: started.elapsed(),
        result,
    }
}

fn drive(
    runtime: &Runtime,
    function: &str,
    scenario: &Scenario,
    failures: &mut Vec<String>,
) -> Result<ExecutionResult, RuntimeError> {
    let options = StartOptions {
        fire_callback_timeouts: scenario.fire_callback_timeouts,
        manual_clock: scenario.clock.is_some(),
        mocks: scenario.mocks.clone(),
        ..StartOptions::default()
    };
    let Some(steps) = &scenario.clock else {
        let (cell, settled) = run_to_end(
            runtime,
            function,
            &scenario.input,
            options,
            scenario.callbacks.clone(),
            scenario.timeout,
        )?;
        if !settled {
            failures.push(format!(
                "the execution did not settle within {:?}",
                scenario.timeout
            ));
        }
        return Ok(ExecutionResult::snapshot(&cell.lock()));
    };
    let arn = runtime.start_and_run(function, &scenario.input, options)?;
    let cell = runtime.service().get(&arn)?;
    let mut script = scenario.callbacks.clone();
    let settle = |script: &mut super::CallbackScript| -> Result<(), RuntimeError> {
        runtime.wait_until_idle(&arn, scenario.timeout)?;
        while script.answer_pending(runtime, &cell)? > 0 {
            runtime.wait_until_idle(&arn, scenario.timeout)?;
        }
        Ok(())
    };
    settle(&mut script)?;
    for (i, step) in steps.iter().enumerate() {
        match step {
            ClockStep::Advance(by) => {
                runtime.advance_clock(&arn, *by, scenario.timeout)?;
                settle(&mut script)?;
            }
            ClockStep::Expect(expected) => {
                let now = ExecutionResult::snapshot(&cell.lock());
                check(
                    expected,
                    &now,
                    &format!("at clock step {}: ", i + 1),
                    failures,
                );
            }
        }
    }
    let result = ExecutionResult::snapshot(&cell.lock());
    Ok(result)
}

/// Compares the execution with `expected`; adds one failure per mismatch.
fn check(expected: &Expected, result: &ExecutionResult, at: &str, failures: &mut Vec<String>) {
    if let Some(status) = &expected.execution_status {
        if status != result.status.as_str() {
            let why = result
                .error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            failures.push(format!(
                "{at}status: expected {status}, got {}{why}",
                result.status.as_str()
            ));
        }
    }
    if let Some(want) = &expected.result {
        let got = result
            .result
            .as_deref()
            .map(crate::runner::chaos::json_or_text);
        if got.as_ref() != Some(want) {
            let shown = got.map_or("(none)".into(), |g| g.to_string());
            failures.push(format!("{at}result: expected {want}, got {shown}"));
        }
    }
    if let Some(want) = &expected.error {
        let got = result
            .error
            .as_ref()
            .and_then(|e| serde_json::to_value(e).ok())
            .unwrap_or(Value::Null);
        if !matches(want, &got) {
            failures.push(format!("{at}error: expected {want}, got {got}"));
        }
    }
}
