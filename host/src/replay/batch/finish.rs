//! Ending a batch: the completion decision (the policy, a guest's own predicate, or a
//! concurrent guest's snapshot), then the container's checkpoint or a suspension.

use super::{BatchHandle, BatchOutcome, CompletionReason, CustomOutcome};
use crate::model::OperationAction as Action;
use crate::replay::child::set_context_result;
use crate::replay::host::ReplayHost;
use crate::replay::{OpResult, ReplayEngine, ReplayFault};

impl ReplayEngine {
    /// Whether the batch is complete: for a guest running branches concurrently, the
    /// first time the policy holds fixes the outcome (see `Batch::snapshot`).
    pub fn batch_complete(
        &mut self,
        handle: BatchHandle,
        ended: Option<u32>,
    ) -> Result<bool, ReplayFault> {
        let batch = self.batch(handle)?;
        if let Some(index) = ended {
            batch.unreported.remove(&index);
        }
        if batch.snapshot.is_some() {
            return Ok(true);
        }
        let Some(reason) = batch.reason() else {
            return Ok(false);
        };
        batch.decided = Some(reason);
        batch.snapshot = Some(batch.outcome(reason));
        Ok(true)
    }

    /// A guest's completion predicate decided (AWS Python `should_complete`): from the
    /// first call on the thresholds are off; `Some` completes the batch now, unless it
    /// was already decided.
    pub fn batch_decide(
        &mut self,
        handle: BatchHandle,
        decision: Option<CustomOutcome>,
    ) -> OpResult<()> {
        let batch = self.batch(handle)?;
        batch.custom = true;
        if let (Some(outcome), None) = (decision, batch.decided) {
            batch.decided = Some(match outcome {
                CustomOutcome::Succeeded => CompletionReason::CustomCompletionSucceeded,
                CustomOutcome::Failed => CompletionReason::CustomCompletionFailed,
            });
        }
        Ok(Ok(()))
    }

    /// The outcome [`batch_finish`](Self::batch_finish) would record now, or a
    /// suspension while unfinished branches wait for something outside this invocation.
    pub fn batch_settle(&mut self, handle: BatchHandle) -> OpResult<BatchOutcome> {
        let batch = self.batch(handle)?;
        if let Some(snapshot) = &batch.snapshot {
            return Ok(Ok(snapshot.clone()));
        }
        match batch.settled_reason() {
            Some(reason) => Ok(Ok(batch.outcome(reason))),
            None if batch.branches.any_running().is_some() => Err(ReplayFault::Protocol(
                "batch finished while a branch was still running".into(),
            )),
            // Unfinished branches wait (or wait for a free slot): suspend.
            None => {
                let parent = batch.parent_ctx;
                self.suspend(parent)
            }
        }
    }

    /// Completes the batch: checkpoints the container with `payload` (a guest's
    /// whole-result serialization) or the host's JSON of the BatchResult, or suspends
    /// (see [`batch_settle`](Self::batch_settle)).
    pub fn batch_finish(
        &mut self,
        execution: &mut dyn ReplayHost,
        handle: BatchHandle,
        payload: Option<String>,
    ) -> OpResult<BatchOutcome> {
        let outcome = match self.batch_settle(handle)? {
            Ok(outcome) => outcome,
            Err(e) => return Ok(Err(e)),
        };
        let batch = &mut self.batches[handle.0];
        batch.finished = true;
        if !batch.replaying_completed {
            let container = batch.container.clone();
            let mut update = batch.request.borrow().update(&container, Action::Succeed);
            let payload =
                payload.unwrap_or_else(|| serde_json::to_string(&outcome).unwrap_or_default());
            set_context_result(&mut update, Some(payload));
            self.checkpoint(execution, update)?;
        }
        Ok(Ok(outcome))
    }
}
