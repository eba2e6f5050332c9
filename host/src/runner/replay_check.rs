//! The replay gate: run a handler against a recorded history (from AWS or durabox) without
//! running any step body the history recorded, and say whether the code reproduces it.

use serde::Serialize;

use super::runtime::{RegisteredFunction, Runtime};
use crate::model::history::{RecordedEnd, RecordedHistory};
use crate::model::{ErrorObject, Operation};
use crate::replay::{same_json, GateLog};
use crate::service::{Execution, ExecutionCell, ExecutionSpec, InvocationOutcome};

/// Where the code stopped matching the history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Divergence {
    /// 1-based position among the operations in start order, where one applies.
    pub position: Option<usize>,
    /// The operation id there (None when the whole execution differs, e.g. its result).
    pub id: Option<String>,
    /// The recorded operation's name, if it has one.
    pub name: Option<String>,
    /// What the history recorded there, in words.
    pub expected: String,
    /// What the code did instead, in words.
    pub got: String,
}

/// What replaying one history found.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayReport {
    /// Operations in the history (the EXECUTION one aside).
    pub recorded_operations: usize,
    /// Recorded operations the code asked for and matched.
    pub reproduced_operations: usize,
    /// Whether the history recorded the execution's end (then the result is compared).
    pub finished: bool,
    /// Where the code went past an unfinished history, if it did: what it asked for.
    pub continued_at: Option<String>,
    /// None when the code reproduces the history.
    pub divergence: Option<Divergence>,
}

impl ReplayReport {
    /// Whether the code reproduces the history (no divergence).
    pub fn reproduced(&self) -> bool {
        self.divergence.is_none()
    }
}

/// Replays `history` against `function` in one invocation of replay-only mode.
/// `input` overrides the recorded input (needed when the history was fetched without
/// execution data).
pub fn replay_history(
    runtime: &Runtime,
    function: &RegisteredFunction,
    history: &RecordedHistory,
    input: Option<&str>,
) -> Result<ReplayReport, super::RuntimeError> {
    let input = input.or(history.input.as_deref()).ok_or_else(|| {
        super::RuntimeError::InvalidInput(
            "the history carries no input (it was fetched without execution data): \
             give the input explicitly"
                .into(),
        )
    })?;
    let invocation_id = super::runtime::unique_id();
    let spec = ExecutionSpec {
        function_name: function.name.clone(),
        execution_name: invocation_id.clone(),
        invocation_id,
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        input: input.to_owned(),
        execution_timeout_seconds: function.config.execution_timeout_seconds,
        skip_time: true,
        fire_callback_timeouts: false,
        manual_clock: false,
        mocks: Default::default(),
    };
    let cell = ExecutionCell::new(Execution::replaying(spec, &history.operations));
    cell.lock().begin_invocation();
    let report = runtime.sandbox().invoke(
        &function.loaded,
        &cell,
        &function.config.limits,
        &function.config.env,
        false,
    );
    let gate = cell.lock().wiring.replay_gate.take().unwrap_or_default();
    Ok(judge(history, &gate, &report.outcome))
}

/// Compares what the code did (`gate`, `outcome`) with the history.
fn judge(history: &RecordedHistory, gate: &GateLog, outcome: &InvocationOutcome) -> ReplayReport {
    let recorded = &history.operations;
    let reproduced = recorded
        .iter()
        .filter(|op| gate.touched.contains(&op.id))
        .count();
    let mut report = ReplayReport {
        recorded_operations: recorded.len(),
        reproduced_operations: reproduced,
        finished: history.end.is_some(),
        continued_at: None,
        divergence: None,
    };
    report.divergence = first_divergence(history, gate, outcome);
    if report.divergence.is_none() {
        report.continued_at = gate.beyond.as_ref().map(|(_, what)| what.clone());
    }
    report
}

fn first_divergence(
    history: &RecordedHistory,
    gate: &GateLog,
    outcome: &InvocationOutcome,
) -> Option<Divergence> {
    if let Some(divergence) = gate_mismatch(history, gate) {
        return Some(divergence);
    }
    if let InvocationOutcome::Crashed(error) | InvocationOutcome::Fatal(error) = outcome {
        if gate.beyond.is_none() {
            return Some(whole_execution(
                "an invocation that ends normally",
                format!("the invocation failed: {error}"),
            ));
        }
    }
    if history.end.is_some() {
        if let Some((id, what)) = &gate.beyond {
            return Some(beyond_the_end(history, gate, id, what));
        }
    }
    if gate.beyond.is_none() {
        if let Some(missing) = first_missing(history, gate) {
            let position = history.operations.iter().position(|op| op.id == missing.id);
            return Some(Divergence {
                position: position.map(|i| i + 1),
                id: Some(missing.id.clone()),
                name: missing.name.clone(),
                expected: crate::replay::describe_operation(missing),
                got: format!("the code {} before reaching it", ended(outcome)),
            });
        }
    }
    let end = history.end.as_ref()?;
    compare_end(end, outcome)
}

/// A recorded operation the code asked for differently, or a child context whose
/// replayed result changed.
fn gate_mismatch(history: &RecordedHistory, gate: &GateLog) -> Option<Divergence> {
    let name_of = |id: &str| {
        history
            .operations
            .iter()
            .find(|op| op.id == id)
            .and_then(|op| op.name.clone())
    };
    if let Some((id, recorded, requested)) = &gate.mismatch {
        return Some(Divergence {
            position: gate.touched.iter().rposition(|t| t == id).map(|i| i + 1),
            id: Some(id.clone()),
            name: name_of(id),
            expected: recorded.clone(),
            got: requested.clone(),
        });
    }
    let (id, recorded, got) = gate.changed_result.as_ref()?;
    Some(Divergence {
        position: touched_position(gate, id),
        id: Some(id.clone()),
        name: name_of(id),
        expected: format!("the child context's recorded {recorded}"),
        got: got.clone(),
    })
}

/// The code went on past the end of a finished history, at operation `id`.
fn beyond_the_end(history: &RecordedHistory, gate: &GateLog, id: &str, what: &str) -> Divergence {
    let position = touched_position(gate, id).unwrap_or(gate.touched.len() + 1);
    // Most often the history has an operation there under another id (another
    // SDK's id scheme, or operations reordered inside a context).
    let expected = match history.operations.get(position - 1) {
        Some(op) if !gate.touched.contains(&op.id) => format!(
            "{} with id {}; the history has no operation with the code's id",
            crate::replay::describe_operation(op),
            op.id
        ),
        _ => "no such operation: the recorded execution ended without it".into(),
    };
    Divergence {
        position: Some(position),
        id: Some(id.to_owned()),
        name: None,
        expected,
        got: what.to_owned(),
    }
}

/// 1-based position of the first touch of operation `id`.
fn touched_position(gate: &GateLog, id: &str) -> Option<usize> {
    gate.touched.iter().position(|t| t == id).map(|i| i + 1)
}

/// The first recorded operation the code should have reached but did not: one whose
/// every enclosing context the code ran.
fn first_missing<'h>(history: &'h RecordedHistory, gate: &GateLog) -> Option<&'h Operation> {
    history.operations.iter().find(|op| {
        let reachable = op
            .parent_id
            .as_ref()
            .is_none_or(|parent| gate.entered.contains(parent));
        reachable && !gate.touched.contains(&op.id)
    })
}

fn ended(outcome: &InvocationOutcome) -> &'static str {
    match outcome {
        InvocationOutcome::Succeeded(_) => "returned",
        InvocationOutcome::Failed(_) => "failed",
        InvocationOutcome::Pending => "suspended",
        InvocationOutcome::Crashed(_) | InvocationOutcome::Fatal(_) => "crashed",
    }
}

/// The handler's end against the recorded end. Timeouts and stops are the service's
/// doing, so only SUCCEEDED and FAILED ends are compared.
fn compare_end(end: &RecordedEnd, outcome: &InvocationOutcome) -> Option<Divergence> {
    let same_error = |a: &ErrorObject, b: &ErrorObject| {
        a.error_type == b.error_type && a.error_message == b.error_message
    };
    match (end, outcome) {
        (RecordedEnd::Succeeded(recorded), InvocationOutcome::Succeeded(got))
            if same_json(recorded.as_deref(), got.as_deref()) =>
        {
            None
        }
        (
            RecordedEnd::Failed(crate::model::EventType::ExecutionFailed, recorded),
            InvocationOutcome::Failed(got),
        ) if same_error(recorded, got) => None,
        (RecordedEnd::Failed(kind, _), _) if *kind != crate::model::EventType::ExecutionFailed => {
            None
        }
        (end, outcome) => Some(whole_execution(
            describe_end(end),
            describe_outcome(outcome),
        )),
    }
}

fn whole_execution(expected: impl Into<String>, got: String) -> Divergence {
    Divergence {
        position: None,
        id: None,
        name: None,
        expected: expected.into(),
        got,
    }
}

fn describe_end(end: &RecordedEnd) -> String {
    match end {
        RecordedEnd::Succeeded(result) => {
            format!(
                "execution SUCCEEDED with result {}",
                result.as_deref().unwrap_or("(none)")
            )
        }
        RecordedEnd::Failed(_, error) => format!("execution FAILED with {error}"),
    }
}

fn describe_outcome(outcome: &InvocationOutcome) -> String {
    match outcome {
        InvocationOutcome::Succeeded(result) => {
            format!("handler returned {}", result.as_deref().unwrap_or("(none)"))
        }
        InvocationOutcome::Failed(error) => format!("handler failed with {error}"),
        InvocationOutcome::Pending => {
            "handler suspended (it waits for something the history completed)".into()
        }
        InvocationOutcome::Crashed(error) | InvocationOutcome::Fatal(error) => {
            format!("invocation crashed: {error}")
        }
    }
}
