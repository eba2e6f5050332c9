//! Which branch the guest runs next: admitted branches in index order (or the chaos
//! order), then suspended branches whose timer came due; each gets its own context.

use super::{BatchHandle, Branch, Nesting, NextBranch};
use crate::model::ids::DerivedId;
use crate::model::{
    Millis, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate,
};
use crate::replay::host::ReplayHost;
use crate::replay::{Frame, OpResult, OwnedRequest, ReplayEngine, ReplayFault};

/// The timer of a wait that ended (or a retry that came due): the service completed it.
const DUE: Millis = Millis::MIN;

impl ReplayEngine {
    /// Which branch the guest should run next (see [`NextBranch`]).
    pub fn next_branch(
        &mut self,
        execution: &mut dyn ReplayHost,
        handle: BatchHandle,
    ) -> OpResult<NextBranch> {
        // A checkpoint (the deferred updates, or none) lets the service complete the
        // timers that came due while branches ran (it does at every checkpoint), so a
        // resumed branch sees its wait finished. The engine reads no clock: what came due
        // shows in the statuses.
        Self::send(execution, std::mem::take(&mut self.deferred))?;
        let concurrent = self.runs_concurrently();
        let batch = self.batch(handle)?;
        if concurrent {
            return self.next_concurrent_branch(execution, handle);
        }
        if let Some(running) = batch.branches.any_running() {
            return Err(ReplayFault::Protocol(format!(
                "branch {running} was neither ended nor dropped before asking for the next one"
            )));
        }
        self.admit_branches(execution, handle)?;
        let batch = self.batch(handle)?;
        let admitted = batch.branches.admitted().len();
        if let Some(at) = crate::replay::chaos::pick_branch(execution, admitted) {
            let index = batch.branches.admitted()[at];
            return self.run_branch(execution, handle, index).map(Ok);
        }
        if batch.decided.is_some() {
            return Ok(Ok(NextBranch::Finish));
        }
        // A suspended branch whose timer came due while other branches ran resumes in
        // this invocation. Otherwise everything left waits: the batch suspends, as AWS
        // does when no branch is running.
        match self.earliest_branch_timer(execution, handle)? {
            Some((index, DUE)) => self.run_branch(execution, handle, index).map(Ok),
            _ => Ok(Ok(NextBranch::Finish)),
        }
    }

    /// [`next_branch`](Self::next_branch) for a guest running branches concurrently: the
    /// next branch that may start now (slots are held by running branches), else `Finish`,
    /// which then only means that none can start until a running branch ends.
    fn next_concurrent_branch(
        &mut self,
        execution: &mut dyn ReplayHost,
        handle: BatchHandle,
    ) -> OpResult<NextBranch> {
        let batch = self.batch(handle)?;
        if batch.snapshot.is_some() {
            return Ok(Ok(NextBranch::Finish));
        }
        self.admit_branches(execution, handle)?;
        let batch = self.batch(handle)?;
        match batch.branches.admitted().front().copied() {
            Some(index) => self.run_branch(execution, handle, index).map(Ok),
            None => Ok(Ok(NextBranch::Finish)),
        }
    }

    /// The suspended branch whose timer comes due first: of the operations it waited
    /// on when it suspended, a wait that ended since (or a step whose retry came due) is
    /// due now. Finished waits it only replayed on its way are no reason to resume it.
    fn earliest_branch_timer(
        &mut self,
        execution: &dyn ReplayHost,
        handle: BatchHandle,
    ) -> Result<Option<(u32, Millis)>, ReplayFault> {
        let batch = self.batch(handle)?;
        let timer_of = |id: &String| {
            let op = execution.operation(id)?;
            match (op.op_type, op.status) {
                (Type::Wait, Status::Started) => {
                    op.wait_details.as_ref().map(|d| d.scheduled_end_timestamp)
                }
                (Type::Wait, Status::Succeeded) | (Type::Step, Status::Ready) => Some(DUE),
                (Type::Step, Status::Pending) => op.step_details.as_ref()?.next_attempt_timestamp,
                _ => None,
            }
        };
        Ok(batch
            .branches
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, Branch::Suspended))
            .filter_map(|(index, _)| {
                let waiting_on = batch.suspended_on.get(&(index as u32))?;
                let at = waiting_on.iter().filter_map(timer_of).min()?;
                Some((index as u32, at))
            })
            .min_by_key(|(_, at)| *at))
    }

    /// Admits the branches the free slots allow. They start at once, as AWS's threads
    /// (or JS promises) do: their CONTEXT starts go in one request, as AWS's SDKs send
    /// the checkpoints queued together; their bodies run later, one after another.
    fn admit_branches(
        &mut self,
        execution: &mut dyn ReplayHost,
        handle: BatchHandle,
    ) -> Result<(), ReplayFault> {
        let mut starts = Vec::new();
        for index in self.batch(handle)?.admit() {
            let (derived, request) = self.branch_identity(handle, index)?;
            if let Some(start) = self.branch_start(execution, handle, &derived, &request)? {
                starts.push(start);
            }
        }
        self.checkpoint_all(execution, starts)
    }

    /// Branch `index`'s id and CONTEXT operation.
    fn branch_identity(
        &mut self,
        handle: BatchHandle,
        index: u32,
    ) -> Result<(DerivedId, OwnedRequest), ReplayFault> {
        let batch = self.batch(handle)?;
        Ok((
            batch.branch_ids[index as usize].clone(),
            batch.branch_request(index),
        ))
    }

    /// The START of a branch's CONTEXT, when it is NESTED, not recorded, and the batch is
    /// not only replaying to rebuild its result. A recorded branch is still checked
    /// against the record (non-determinism).
    fn branch_start(
        &mut self,
        execution: &mut dyn ReplayHost,
        handle: BatchHandle,
        derived: &DerivedId,
        request: &OwnedRequest,
    ) -> Result<Option<OperationUpdate>, ReplayFault> {
        let batch = self.batch(handle)?;
        if batch.config.nesting != Nesting::Nested {
            return Ok(None);
        }
        let replaying_completed = batch.replaying_completed;
        let recorded = Self::recorded(execution, &derived.id, &request.borrow())?;
        Ok((recorded.is_none() && !replaying_completed)
            .then(|| request.borrow().update(&derived.id, Action::Start)))
    }

    /// Opens branch `index`'s context: its operations hang under the branch when it is
    /// NESTED, under the container when FLAT.
    fn run_branch(
        &mut self,
        execution: &mut dyn ReplayHost,
        handle: BatchHandle,
        index: u32,
    ) -> Result<NextBranch, ReplayFault> {
        let (derived, request) = self.branch_identity(handle, index)?;
        if let Some(start) = self.branch_start(execution, handle, &derived, &request)? {
            self.checkpoint(execution, start)?;
        }
        let DerivedId { id, key } = derived;
        let batch = self.batch(handle)?;
        let nested = batch.config.nesting == Nesting::Nested;
        let container = batch.container.clone();
        let parent_ctx = batch.parent_ctx;
        let replaying_completed = batch.replaying_completed;
        let frame = self.frames.len();
        Self::note_entered(execution, if nested { &id } else { &container });
        let ctx = self.push_frame(Frame {
            op_id: Some(if nested { id } else { container }),
            prefix: Some(key),
            branch_owner: Some(frame),
            allocated: Vec::new(),
            parent: Some(parent_ctx.0),
            counter: 0,
            suspended: false,
            replaying_completed,
            request: nested.then_some(request),
            closed: false,
        });
        self.batches[handle.0]
            .branches
            .set(index, Branch::Running(ctx));
        Ok(NextBranch::Run { index, ctx })
    }
}
