//! The analogue of the AWS testing SDK's `DurableFunctionTestRunner`: load a component,
//! run it with time skipped, answer its callbacks, inspect the result.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::chaos::{ChaosReport, ShuffleReport, Trial};
use super::replay_check::ReplayReport;
use super::result::ExecutionResult;
use super::runtime::{FunctionConfig, Runtime, RuntimeError, RuntimeOptions, StartOptions};
use crate::model::history::RecordedHistory;
use crate::model::mocks::MockAnswer;
use crate::model::ErrorObject;
use crate::service::ChaosPlan;

/// Name the runner registers its component under.
pub const TEST_FUNCTION: &str = "test-function";

/// Runs one registered function's executions for a test: start, wait, answer
/// callbacks, inspect the result (the Rust counterpart of AWS's testing runners).
pub struct TestRunner {
    runtime: Runtime,
    function: String,
    options: StartOptions,
    /// How long `run` waits for a terminal state.
    pub timeout: Duration,
}

impl TestRunner {
    /// Loads the component at `path` with default limits; time skipping is on.
    pub fn new(path: impl AsRef<Path>) -> Result<Self, RuntimeError> {
        Self::with_config(path, FunctionConfig::default())
    }

    /// Loads the component at `path` with the given limits and environment.
    pub fn with_config(
        path: impl AsRef<Path>,
        config: FunctionConfig,
    ) -> Result<Self, RuntimeError> {
        let runtime = Runtime::new(RuntimeOptions::default())?;
        runtime.register_file(TEST_FUNCTION, path.as_ref(), config)?;
        Ok(Self::on_runtime(runtime, TEST_FUNCTION))
    }

    /// A runner for a function already registered on `runtime`.
    pub fn on_runtime(runtime: Runtime, function: &str) -> Self {
        Self {
            runtime,
            function: function.to_owned(),
            options: StartOptions::default(),
            timeout: Duration::from_secs(60),
        }
    }

    /// Turns time skipping off (waits and timeouts then take real time).
    pub fn skip_time(mut self, skip: bool) -> Self {
        self.options.skip_time = skip;
        self
    }

    /// With skipped time, skip to callback timeouts and heartbeat deadlines too, once the
    /// execution has been idle a moment. Off (the default), a pending callback's deadline
    /// passes only in real time, so a test can answer it whenever it likes.
    pub fn fire_callback_timeouts(mut self, fire: bool) -> Self {
        self.options.fire_callback_timeouts = fire;
        self
    }

    /// Stops time: it moves only through [`TestRunner::advance`], and every timer fires
    /// exactly when due. Overrides time skipping.
    pub fn manual_clock(mut self, manual: bool) -> Self {
        self.options.manual_clock = manual;
        self
    }

    /// Answers the step named `name` (or the path `context/…/step`) with `answer`
    /// without running its body; an error answer goes through the step's retries.
    pub fn mock_step(mut self, name: &str, answer: MockAnswer) -> Self {
        self.options.mocks.steps.push((name.to_owned(), answer));
        self
    }

    /// Answers chained invokes of `function` with `answer`; the target never runs and
    /// need not be registered.
    pub fn mock_invoke(mut self, function: &str, answer: MockAnswer) -> Self {
        self.options
            .mocks
            .invokes
            .push((function.to_owned(), answer));
        self
    }

    /// Blocks until the execution is idle (ended, or suspended with nothing due) and
    /// returns its state.
    pub fn run_until_idle(&self, arn: &str) -> Result<ExecutionResult, RuntimeError> {
        self.runtime.wait_until_idle(arn, self.timeout)?;
        self.snapshot(arn)
    }

    /// Advances a manual clock by `by` (timers fire at their instants, the handler runs
    /// in between) and returns the execution's state once it is idle again.
    pub fn advance(&self, arn: &str, by: Duration) -> Result<ExecutionResult, RuntimeError> {
        self.runtime.advance_clock(arn, by, self.timeout)?;
        self.snapshot(arn)
    }

    /// The replay gate: re-runs the handler against a recorded history
    /// (`GetDurableExecutionHistory` JSON from AWS, boto3, the AWS CLI or durabox) without
    /// running recorded step bodies; the report names the first divergent operation.
    /// `input` overrides the recorded input (for histories without execution data).
    pub fn replay(&self, history: &str, input: Option<&str>) -> Result<ReplayReport, RuntimeError> {
        let history = RecordedHistory::parse(history)
            .map_err(|e| RuntimeError::InvalidInput(e.to_string()))?;
        let function = self.runtime.function(&self.function)?;
        super::replay_check::replay_history(&self.runtime, &function, &history, input)
    }

    /// Crash at every checkpoint: runs `input` uninterrupted, then once per checkpoint
    /// with the invocation crashing right after it, and reports each crash point whose
    /// final status, result, error or operations differ from the uninterrupted run.
    pub fn chaos(&self, input: &impl Serialize) -> Result<ChaosReport, RuntimeError> {
        let input = input_json(input);
        super::chaos::crash_at_every_checkpoint(|plan| self.trial(&input, plan))
    }

    /// Runs `input` in index order, then `runs` times with the admitted branches of each
    /// map/parallel in a seeded random order (seeds `first_seed`, `first_seed + 1`, …), and
    /// reports the seeds whose outcome differs.
    pub fn shuffle_branches(
        &self,
        input: &impl Serialize,
        first_seed: u64,
        runs: u32,
    ) -> Result<ShuffleReport, RuntimeError> {
        let input = input_json(input);
        super::chaos::shuffle_branch_order(|plan| self.trial(&input, plan), first_seed, runs)
    }

    /// One chaos trial: the finished execution and the checkpoints it made.
    fn trial(&self, input: &str, plan: ChaosPlan) -> Result<Trial, RuntimeError> {
        let options = StartOptions {
            chaos: Some(plan),
            ..self.options.clone()
        };
        let arn = self.runtime.start_and_run(&self.function, input, options)?;
        let cell = self.runtime.wait_for_completion(&arn, self.timeout)?;
        let trial = super::chaos::trial_of(&cell.lock());
        Ok(trial)
    }

    /// Registers another component that chained invokes can call by `name` (the analogue
    /// of `register_durable_function`); it runs as its own child execution.
    pub fn register_function(
        &self,
        name: &str,
        path: impl AsRef<Path>,
        config: FunctionConfig,
    ) -> Result<&Self, RuntimeError> {
        self.runtime.register_file(name, path.as_ref(), config)?;
        Ok(self)
    }

    /// The child executions a finished execution started through chained invokes.
    pub fn child_executions(&self, arn: &str) -> Result<Vec<ExecutionResult>, RuntimeError> {
        let parent = self.snapshot(arn)?;
        parent
            .events
            .iter()
            .filter_map(|e| e.details.durable_execution_arn())
            .map(|child| self.snapshot(child))
            .collect()
    }

    /// The runtime the runner starts executions on.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Runs the handler with `input` (serialized to JSON) until the execution ends.
    pub fn run(&self, input: &impl Serialize) -> Result<ExecutionResult, RuntimeError> {
        let input = input_json(input);
        let arn = self
            .runtime
            .start_and_run(&self.function, &input, self.options.clone())?;
        self.wait_for_result(&arn, self.timeout)
    }

    /// Starts an execution and returns its ARN.
    pub fn run_async(&self, input: &impl Serialize) -> Result<String, RuntimeError> {
        let input = input_json(input);
        self.runtime
            .start_execution(&self.function, &input, self.options.clone())
    }

    /// Starts an execution of `input` (JSON text, checked), optionally named; returns its
    /// ARN. For runners in other languages, which hold the input as text.
    pub fn start_json(
        &self,
        input: &str,
        execution_name: Option<String>,
    ) -> Result<String, RuntimeError> {
        let options = self.json_start(input, execution_name)?;
        self.runtime.start_execution(&self.function, input, options)
    }

    /// As [`Self::start_json`], but runs the execution on this thread until it ends or
    /// waits in real time ([`Runtime::start_and_run`]): for a caller that waits anyway.
    pub fn start_json_and_run(
        &self,
        input: &str,
        execution_name: Option<String>,
    ) -> Result<String, RuntimeError> {
        let options = self.json_start(input, execution_name)?;
        self.runtime.start_and_run(&self.function, input, options)
    }

    /// The options of an execution of `input` (JSON text, checked).
    fn json_start(
        &self,
        input: &str,
        execution_name: Option<String>,
    ) -> Result<StartOptions, RuntimeError> {
        serde_json::from_str::<serde_json::Value>(input)
            .map_err(|e| RuntimeError::InvalidInput(format!("the input is not valid JSON: {e}")))?;
        Ok(StartOptions {
            execution_name,
            ..self.options.clone()
        })
    }

    /// Blocks until the execution ends; false when `timeout` passed first.
    pub fn wait(&self, arn: &str, timeout: Duration) -> Result<bool, RuntimeError> {
        let cell = self.runtime.service().get(arn)?;
        Ok(self.runtime.wait_until(&cell, timeout, |e| {
            e.status.is_terminal() && !e.schedule.invocation_running
        }))
    }

    /// Blocks until the execution ends and returns its result (an error after `timeout`).
    pub fn wait_for_result(
        &self,
        arn: &str,
        timeout: Duration,
    ) -> Result<ExecutionResult, RuntimeError> {
        let cell = self.runtime.wait_for_completion(arn, timeout)?;
        let execution = cell.lock();
        Ok(ExecutionResult::snapshot(&execution))
    }

    /// The current state of an execution, finished or not.
    pub fn snapshot(&self, arn: &str) -> Result<ExecutionResult, RuntimeError> {
        let cell = self.runtime.service().get(arn)?;
        let execution = cell.lock();
        Ok(ExecutionResult::snapshot(&execution))
    }

    /// The callback id of the pending callback named `name` (or the latest one), once
    /// the invocation that created it has ended.
    pub fn wait_for_callback(
        &self,
        arn: &str,
        name: Option<&str>,
        timeout: Duration,
    ) -> Result<String, RuntimeError> {
        let cell = self.runtime.service().get(arn)?;
        let mut found = None;
        let available = self.runtime.wait_until(&cell, timeout, |e| {
            found = e
                .pending_callback_id(name)
                .filter(|_| !e.schedule.invocation_running);
            found.is_some() || e.status.is_terminal()
        });
        if !available {
            let message = format!("Callback did not become available within {timeout:?}");
            return Err(RuntimeError::Timeout(message));
        }
        found.ok_or_else(|| {
            RuntimeError::Ended("the execution ended before the callback was created".into())
        })
    }

    /// SendDurableExecutionCallbackSuccess with an optional JSON result.
    pub fn send_callback_success(
        &self,
        callback_id: &str,
        result: Option<&str>,
    ) -> Result<(), RuntimeError> {
        Ok(self
            .runtime
            .service()
            .send_callback_success(callback_id, result.map(str::to_owned))?)
    }

    /// SendDurableExecutionCallbackFailure with the given error.
    pub fn send_callback_failure(
        &self,
        callback_id: &str,
        error: ErrorObject,
    ) -> Result<(), RuntimeError> {
        Ok(self
            .runtime
            .service()
            .send_callback_failure(callback_id, error)?)
    }

    /// SendDurableExecutionCallbackHeartbeat: pushes the heartbeat deadline back.
    pub fn send_callback_heartbeat(&self, callback_id: &str) -> Result<(), RuntimeError> {
        Ok(self
            .runtime
            .service()
            .send_callback_heartbeat(callback_id)?)
    }
}

/// A runner's input as the JSON text an execution starts from (`null` if it cannot be
/// serialized).
fn input_json(input: &impl Serialize) -> String {
    serde_json::to_string(input).unwrap_or_else(|_| "null".into())
}
