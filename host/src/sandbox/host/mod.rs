//! Host side of the WIT world: the guest's durable calls land here, are converted to
//! engine types and handed to the replay engine under the execution's lock.
//!
//! - [`context`]: the `context` resource, one method per durable operation;
//! - [`batch`]: the `batch` resource, the steps of a map or parallel;
//! - [`invocation`]: the interface's free functions (SDK declaration, envelope, raw
//!   checkpoints for guests speaking AWS's protocol themselves, child ends);
//! - [`convert`]: WIT types to engine types and back.

mod batch;
mod context;
mod convert;
mod invocation;

use std::sync::Arc;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::replay::{self, ContextHandle, ReplayEngine, ReplayFault};
use crate::service::ExecutionCell;

wasmtime::component::bindgen!({
    world: "durable-function",
    path: "../wit",
    imports: { default: trappable },
    with: {
        "durabox:durable/types.context": ContextRes,
        "durabox:durable/types.batch": BatchRes,
    },
});

use self::durabox::durable::types as wit;

/// The host's view of a guest `context` resource.
pub struct ContextRes {
    handle: ContextHandle,
}

/// The host's view of a guest `batch` resource.
pub struct BatchRes {
    handle: replay::BatchHandle,
}

/// Per-invocation store data.
pub struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) limiter: super::limits::MemoryLimiter,
    cell: Arc<ExecutionCell>,
    pub(super) engine: ReplayEngine,
    arn: String,
    /// The first fault reported to the guest (it traps right after).
    pub(super) fault: Option<ReplayFault>,
    lint: Arc<super::lint::DeterminismLint>,
    /// The guest's stdout, to place each log line among what it printed.
    stdout: super::output::CappedOutput,
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl GuestState {
    /// A guest log line; `while_replaying` keeps it even where the context replays.
    fn log_line(
        &mut self,
        ctx: Resource<ContextRes>,
        level: wit::LogLevel,
        message: String,
        while_replaying: bool,
    ) -> wasmtime::Result<()> {
        let handle = self.handle(&ctx)?;
        let level = match level {
            wit::LogLevel::Debug => "DEBUG",
            wit::LogLevel::Info => "INFO",
            wit::LogLevel::Warn => "WARN",
            wit::LogLevel::Error => "ERROR",
        };
        let stdout_offset = self.stdout.kept_bytes();
        let execution = self.cell.lock();
        self.engine.log(
            &*execution,
            handle,
            level,
            message,
            while_replaying,
            stdout_offset,
        );
        Ok(())
    }

    pub fn new(
        wasi: WasiCtx,
        limiter: super::limits::MemoryLimiter,
        cell: Arc<ExecutionCell>,
        execution_id: &str,
        arn: String,
        lint: Arc<super::lint::DeterminismLint>,
        stdout: super::output::CappedOutput,
    ) -> Self {
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter,
            cell,
            engine: ReplayEngine::new(execution_id),
            arn,
            fault: None,
            lint,
            stdout,
        }
    }

    pub fn root_context(&mut self) -> wasmtime::Result<Resource<ContextRes>> {
        Ok(self.table.push(ContextRes {
            handle: ReplayEngine::ROOT,
        })?)
    }

    fn handle(&self, res: &Resource<ContextRes>) -> wasmtime::Result<ContextHandle> {
        Ok(self.table.get(res)?.handle)
    }

    /// Runs an engine call under the execution lock, turning faults into traps.
    fn engine_call<T>(
        &mut self,
        f: impl FnOnce(&mut ReplayEngine, &mut crate::service::Execution) -> replay::OpResult<T>,
    ) -> wasmtime::Result<Result<T, wit::OpError>> {
        let engine = &mut self.engine;
        let result = self
            .cell
            .update_deferred(|execution| f(engine, execution))
            .unwrap_or_else(|e| Err(ReplayFault::NotStored(e.to_string())));
        let (last, issued) = self.engine.position();
        self.lint
            .set_position(last, issued, self.engine.inside_step());
        self.op_result(result)
    }

    /// Sends the engine's deferred updates (before the invocation ends, or before a
    /// checkpoint that does not go through the engine); a fault becomes a trap.
    pub(crate) fn flush_deferred(&mut self) -> wasmtime::Result<()> {
        let engine = &mut self.engine;
        let flushed = self
            .cell
            .update_deferred(|execution| engine.flush(execution))
            .unwrap_or_else(|e| Err(ReplayFault::NotStored(e.to_string())));
        flushed.map_err(|fault| {
            self.fault.get_or_insert(fault.clone());
            wasmtime::Error::new(fault)
        })
    }

    /// An engine call that neither reads nor changes the execution (batch bookkeeping):
    /// no lock and no store write, faults still become traps.
    fn engine_only<T>(
        &mut self,
        f: impl FnOnce(&mut ReplayEngine) -> replay::OpResult<T>,
    ) -> wasmtime::Result<Result<T, wit::OpError>> {
        let result = f(&mut self.engine);
        self.op_result(result)
    }

    fn op_result<T>(
        &mut self,
        result: replay::OpResult<T>,
    ) -> wasmtime::Result<Result<T, wit::OpError>> {
        match result {
            Ok(Ok(value)) => Ok(Ok(value)),
            Ok(Err(op_error)) => Ok(Err(op_error.into())),
            Err(fault) => {
                self.fault.get_or_insert(fault.clone());
                Err(wasmtime::Error::new(fault))
            }
        }
    }
}
