//! Replay-only mode, for the replay gate: the code runs against a recorded history and
//! runs nothing the history did not record. Where it would (a new operation, a step
//! attempt to run), the engine notes the spot and suspends that context instead.

use super::*;

/// What the code did against the recorded history, kept on the execution.
#[derive(Clone, Debug, Default)]
pub struct GateLog {
    /// Operation ids the code asked for, in the order it asked.
    pub touched: Vec<String>,
    /// Contexts whose bodies the code ran (their recorded children must be reproduced).
    pub entered: Vec<String>,
    /// The first point where the code went beyond the history: id and what it asked for.
    pub beyond: Option<(String, String)>,
    /// Non-determinism at an id: (id, recorded, requested).
    pub mismatch: Option<(String, String, String)>,
    /// A completed child context re-run to a different result: (id, recorded, got).
    pub changed_result: Option<(String, String, String)>,
}

impl GateLog {
    fn note_beyond(&mut self, id: &str, what: String) {
        self.beyond.get_or_insert_with(|| (id.to_owned(), what));
    }
}

impl ReplayEngine {
    /// Notes that the code runs the body of context `id`.
    pub(super) fn note_entered(execution: &mut dyn ReplayHost, id: &str) {
        if let Some(gate) = execution.gate() {
            gate.entered.push(id.to_owned());
        }
    }

    /// In replay-only mode, stops at an operation the history cannot answer: notes it
    /// and suspends `ctx`. None when not in replay-only mode.
    pub(super) fn beyond_history<T>(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        id: &str,
        request: &Request<'_>,
    ) -> Option<OpResult<T>> {
        let gate = execution.gate()?;
        gate.note_beyond(id, request.describe());
        Some(self.suspend(ctx))
    }

    /// In replay-only mode, a checkpoint means the code went beyond the history where no
    /// graceful stop was possible: the invocation ends there.
    pub(super) fn refuse_in_gate(
        execution: &mut dyn ReplayHost,
        update: &OperationUpdate,
    ) -> Result<(), ReplayFault> {
        let Some(gate) = execution.gate() else {
            return Ok(());
        };
        let what = format!("{} {}", update.action.as_str(), update.op_type.as_str());
        gate.note_beyond(&update.id, what.clone());
        Err(ReplayFault::BeyondHistory {
            id: update.id.clone(),
            what,
        })
    }

    /// In replay-only mode, compares a re-run completed context's result with the record
    /// (not when the record kept no payload, as for a result too large to store).
    pub(super) fn check_rerun_result(
        execution: &mut dyn ReplayHost,
        id: &str,
        body: &Result<Option<String>, ErrorObject>,
    ) {
        let Some(recorded) = execution.operation(id).and_then(Operation::result) else {
            return;
        };
        if recorded.is_empty() {
            return;
        }
        let got = match body {
            Ok(payload) if same_json(Some(recorded), payload.as_deref()) => return,
            Ok(payload) => format!("result {}", payload.as_deref().unwrap_or("(none)")),
            Err(error) => format!("error {error}"),
        };
        let recorded = format!("result {recorded}");
        if let Some(gate) = execution.gate() {
            gate.changed_result
                .get_or_insert_with(|| (id.to_owned(), recorded, got));
        }
    }
}

/// Whether two payloads are the same JSON value (or the same text, or both absent).
pub fn same_json(a: Option<&str>, b: Option<&str>) -> bool {
    let parse = |p: &str| serde_json::from_str::<serde_json::Value>(p).ok();
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b || (parse(a).is_some() && parse(a) == parse(b)),
        _ => false,
    }
}

/// A recorded operation's identity, as non-determinism errors name it.
pub fn describe_operation(op: &Operation) -> String {
    describe(
        op.op_type,
        op.sub_type.as_deref(),
        op.name.as_deref(),
        op.parent_id.as_deref(),
    )
}
