//! What the guest reports about its branches: how one ended (checkpointed when NESTED),
//! that one suspended, and where every branch stands for a completion predicate.

use super::{BatchHandle, Branch, ItemStatus};
use crate::model::{
    ErrorObject, OperationAction as Action, OperationStatus as Status, OperationType as Type,
};
use crate::replay::child::set_context_result;
use crate::replay::host::ReplayHost;
use crate::replay::{ContextHandle, OpResult, ReplayEngine, ReplayFault};

impl ReplayEngine {
    /// Reports how branch `index` ended.
    pub fn branch_end(
        &mut self,
        execution: &mut dyn ReplayHost,
        handle: BatchHandle,
        index: u32,
        body: Result<Option<String>, ErrorObject>,
    ) -> OpResult<()> {
        let batch = self.batch(handle)?;
        let ctx = match batch.branches.get(index) {
            Some(Branch::Running(ctx)) => *ctx,
            _ => {
                return Err(ReplayFault::Protocol(format!(
                    "branch {index} is not running"
                )));
            }
        };
        let id = batch.branch_id(index).to_owned();
        let frame = &mut self.frames[ctx.0];
        frame.closed = true;
        let checkpoint = !frame.replaying_completed;
        let request = frame.request.take();
        if let (true, Some(request)) = (checkpoint, request) {
            let mut update = request.borrow().update(
                &id,
                if body.is_ok() {
                    Action::Succeed
                } else {
                    Action::Fail
                },
            );
            match &body {
                Ok(payload) => set_context_result(&mut update, payload.clone()),
                Err(error) => update.error = Some(error.clone()),
            }
            self.checkpoint(execution, update)?;
        }
        if self.runs_concurrently() {
            self.batches[handle.0].unreported.insert(index);
        }
        let ended = match body {
            Ok(payload) => Branch::Succeeded(payload),
            Err(error) => Branch::Failed(error),
        };
        self.batches[handle.0].branches.set(index, ended);
        Ok(Ok(()))
    }

    /// A branch context dropped without `branch_end`: the branch suspended, waiting on
    /// the timers its operations hold now (if any).
    pub(in crate::replay) fn branch_dropped(
        &mut self,
        ctx: ContextHandle,
        execution: &dyn ReplayHost,
    ) {
        let waiting_on: Vec<String> = self.frames[ctx.0]
            .allocated
            .iter()
            .filter(|id| {
                execution.operation(id).is_some_and(|op| {
                    matches!(
                        (op.op_type, op.status),
                        (Type::Wait, Status::Started) | (Type::Step, Status::Pending)
                    )
                })
            })
            .cloned()
            .collect();
        for batch in &mut self.batches {
            if let Some(index) = batch.branches.running_in(ctx) {
                batch.branches.set(index, Branch::Suspended);
                batch.suspended_on.insert(index, waiting_on.clone());
            }
        }
    }

    /// Each branch's status now (None: not started yet), for a completion predicate.
    pub fn batch_progress(
        &mut self,
        handle: BatchHandle,
    ) -> Result<Vec<Option<ItemStatus>>, ReplayFault> {
        let batch = self.batch(handle)?;
        Ok(batch
            .branches
            .iter()
            .map(|b| match b {
                Branch::Pending => None,
                Branch::Admitted | Branch::Running(_) | Branch::Suspended => {
                    Some(ItemStatus::Started)
                }
                Branch::Succeeded(_) => Some(ItemStatus::Succeeded),
                Branch::Failed(_) => Some(ItemStatus::Failed),
            })
            .collect())
    }
}
