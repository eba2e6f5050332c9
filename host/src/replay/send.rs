//! The engine's requests to the service: each goes through the door in one
//! `CheckpointRequest`, after the updates deferred so far.

use super::*;

impl ReplayEngine {
    pub(super) fn checkpoint(
        &mut self,
        execution: &mut dyn ReplayHost,
        update: OperationUpdate,
    ) -> Result<(), ReplayFault> {
        self.checkpoint_all(execution, vec![update])
    }

    /// Sends the deferred updates and then `updates` through the service's door in one
    /// request (none: no request).
    pub(super) fn checkpoint_all(
        &mut self,
        execution: &mut dyn ReplayHost,
        updates: Vec<OperationUpdate>,
    ) -> Result<(), ReplayFault> {
        for update in &updates {
            Self::refuse_in_gate(execution, update)?;
        }
        let updates = self.with_deferred(updates);
        if updates.is_empty() {
            return Ok(());
        }
        Self::send(execution, updates)
    }

    /// `updates` after those deferred so far (which are no longer deferred).
    fn with_deferred(&mut self, updates: Vec<OperationUpdate>) -> Vec<OperationUpdate> {
        if self.deferred.is_empty() {
            return updates;
        }
        let mut all = std::mem::take(&mut self.deferred);
        all.extend(updates);
        all
    }

    /// Sends checked `updates` in one request (also when empty: the service then only
    /// completes the timers that came due).
    pub(super) fn send(
        execution: &mut dyn ReplayHost,
        updates: Vec<OperationUpdate>,
    ) -> Result<(), ReplayFault> {
        // Chaos testing describes the updates after they are applied; only then are they kept.
        let described = execution.chaos().is_some().then(|| updates.clone());
        execution.checkpoint(CheckpointRequest::from_engine(updates))?;
        for update in described.iter().flatten() {
            chaos::crash_if_planned(execution, update)?;
        }
        Ok(())
    }

    /// Keeps `update` for the engine's next request (refused at once in replay-only mode,
    /// as a checkpoint would be). Chaos testing sends it at once instead: a crash right
    /// after it is then a body interrupted mid-way, as when AWS's SDKs store a START alone
    /// because its body outlasted their batching window.
    pub(super) fn defer(
        &mut self,
        execution: &mut dyn ReplayHost,
        update: OperationUpdate,
    ) -> Result<(), ReplayFault> {
        if execution.chaos().is_some() {
            return self.checkpoint(execution, update);
        }
        Self::refuse_in_gate(execution, &update)?;
        self.deferred.push(update);
        Ok(())
    }

    /// Sends the deferred updates, if any: before the invocation ends, and before a
    /// checkpoint that does not go through the engine.
    pub fn flush(&mut self, execution: &mut dyn ReplayHost) -> Result<(), ReplayFault> {
        if self.deferred.is_empty() {
            return Ok(());
        }
        let updates = std::mem::take(&mut self.deferred);
        Self::send(execution, updates)
    }
}
