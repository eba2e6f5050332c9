//! The `batch` resource: a guest drives a map or parallel through it, branch by branch
//! (see `replay::batch`). Bookkeeping calls that touch no operation skip the lock.

use wasmtime::component::Resource;

use super::{wit, BatchRes, ContextRes, GuestState};
use crate::model::ErrorObject;
use crate::replay;

impl wit::HostBatch for GuestState {
    fn next(
        &mut self,
        batch: Resource<BatchRes>,
    ) -> wasmtime::Result<Result<Option<wit::Branch>, wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        match self.engine_call(|engine, ex| engine.next_branch(ex, handle))? {
            Err(e) => Ok(Err(e)),
            Ok(replay::NextBranch::Finish) => Ok(Ok(None)),
            Ok(replay::NextBranch::Run { index, ctx }) => {
                let ctx = self.table.push(ContextRes { handle: ctx })?;
                Ok(Ok(Some(wit::Branch { index, ctx })))
            }
        }
    }

    fn branch_end(
        &mut self,
        batch: Resource<BatchRes>,
        index: u32,
        ctx: Resource<ContextRes>,
        body: Result<Option<String>, wit::ErrorObject>,
    ) -> wasmtime::Result<Result<(), wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        self.table.delete(ctx)?;
        let body = body.map_err(ErrorObject::from);
        self.engine_call(|engine, ex| engine.branch_end(ex, handle, index, body))
    }

    fn complete(
        &mut self,
        batch: Resource<BatchRes>,
        ended: Option<u32>,
    ) -> wasmtime::Result<bool> {
        let handle = self.table.get(&batch)?.handle;
        let complete = self.engine_only(|engine| engine.batch_complete(handle, ended).map(Ok))?;
        Ok(complete.unwrap_or(false))
    }

    fn settle(
        &mut self,
        batch: Resource<BatchRes>,
    ) -> wasmtime::Result<Result<wit::BatchOutcome, wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        let result = self.engine_only(|engine| engine.batch_settle(handle))?;
        Ok(result.map(Into::into))
    }

    fn finish(
        &mut self,
        batch: Resource<BatchRes>,
        payload: Option<String>,
    ) -> wasmtime::Result<Result<wit::BatchOutcome, wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        let result = self.engine_call(|engine, ex| engine.batch_finish(ex, handle, payload))?;
        Ok(result.map(Into::into))
    }

    fn progress(
        &mut self,
        batch: Resource<BatchRes>,
    ) -> wasmtime::Result<Vec<Option<wit::ItemStatus>>> {
        let handle = self.table.get(&batch)?.handle;
        let statuses = self.engine_only(|engine| Ok(Ok(engine.batch_progress(handle)?)))?;
        Ok(statuses
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.map(Into::into))
            .collect())
    }

    fn decide(
        &mut self,
        batch: Resource<BatchRes>,
        decision: Option<wit::CustomOutcome>,
    ) -> wasmtime::Result<Result<(), wit::OpError>> {
        let handle = self.table.get(&batch)?.handle;
        let decision = decision.map(|d| match d {
            wit::CustomOutcome::Succeeded => replay::CustomOutcome::Succeeded,
            wit::CustomOutcome::Failed => replay::CustomOutcome::Failed,
        });
        self.engine_only(|engine| engine.batch_decide(handle, decision))
    }

    fn drop(&mut self, batch: Resource<BatchRes>) -> wasmtime::Result<()> {
        self.table.delete(batch)?;
        Ok(())
    }
}
