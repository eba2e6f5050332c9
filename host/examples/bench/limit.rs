//! The do-nothing host: the sandbox's own limit. The same component, on durabox's engine
//! (same `Config`, same pooling allocator, fuel and epoch deadline per store), run by a
//! host that answers every durable call at once: no service, no history, no replay
//! engine, no driver thread, no locks. Steps are told to run, waits return, child
//! contexts and map branches run, every outcome is the body's own result.
//!
//! An execution makes as many invocations as it does in durabox: invocation `k` of `n`
//! suspends at the `k`-th wait (as durabox's would) and the last one runs to the end, so
//! the limit pays for the same instantiations. What is left between this and durabox is
//! what durabox adds: ids, replay, checkpoints, history, the driver and the service.

use std::path::Path;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

wasmtime::component::bindgen!({
    world: "durable-function",
    path: "../wit",
    imports: { default: trappable },
    with: {
        "durabox:durable/types.context": Ctx,
        "durabox:durable/types.batch": Batch,
    },
});

use self::durabox::durable::types as wit;
use self::exports::durabox::durable::handler::InvocationOutput;

/// A 64-character operation id, as long as the ids durabox hands out (not derived).
const OP_ID: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:bench:$LATEST/durable-execution/limit/limit";
/// The fuel and wall-time budget durabox gives an invocation by default.
const FUEL: u64 = 1_000_000_000_000;
const EPOCH_TICKS: u64 = 6000;

/// A context: nothing to remember.
pub struct Ctx;

/// A running map/parallel: how many branches, which is next, what they returned.
pub struct Batch {
    count: u32,
    next: u32,
    items: Vec<wit::BatchItem>,
}

struct LimitState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// The wait (0-based, in call order) this invocation suspends at; `u32::MAX`: none.
    suspend_at_wait: u32,
    waits: u32,
}

impl WasiView for LimitState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn outcome(body: Result<Option<String>, wit::ErrorObject>) -> wit::Outcome {
    match body {
        Ok(payload) => wit::Outcome::Succeeded(payload),
        Err(error) => wit::Outcome::Failed(error),
    }
}

fn batch_outcome(batch: &Batch) -> wit::BatchOutcome {
    wit::BatchOutcome {
        items: batch.items.clone(),
        completion_reason: wit::CompletionReason::AllCompleted,
    }
}

type Op<T> = wasmtime::Result<Result<T, wit::OpError>>;

impl wit::HostContext for LimitState {
    fn id(&mut self, _: Resource<Ctx>) -> wasmtime::Result<Option<String>> {
        Ok(None)
    }
    fn execution_arn(&mut self, _: Resource<Ctx>) -> wasmtime::Result<String> {
        Ok(ARN.into())
    }
    fn step_begin(
        &mut self,
        _: Resource<Ctx>,
        _: Option<String>,
        _: wit::StepConfig,
    ) -> Op<wit::StepStart> {
        Ok(Ok(wit::StepStart::Run(wit::StepAttempt {
            id: OP_ID.into(),
            attempt: 1,
        })))
    }
    fn step_end(
        &mut self,
        _: Resource<Ctx>,
        _: String,
        body: Result<Option<String>, wit::ErrorObject>,
        _: Option<wit::RetryDecision>,
    ) -> Op<wit::Outcome> {
        Ok(Ok(outcome(body)))
    }
    fn wait(&mut self, _: Resource<Ctx>, _: Option<String>, _: u64) -> Op<()> {
        let this = self.waits;
        self.waits += 1;
        Ok(if this == self.suspend_at_wait {
            Err(wit::OpError::Suspended)
        } else {
            Ok(())
        })
    }
    fn child_begin(
        &mut self,
        _: Resource<Ctx>,
        _: Option<String>,
        _: Option<String>,
    ) -> Op<wit::ChildStart> {
        Ok(Ok(wit::ChildStart::Run(self.table.push(Ctx)?)))
    }
    fn create_callback(
        &mut self,
        _: Resource<Ctx>,
        _: Option<String>,
        _: wit::CallbackConfig,
    ) -> Op<wit::CallbackHandle> {
        Ok(Ok(wit::CallbackHandle {
            id: OP_ID.into(),
            callback_id: OP_ID.into(),
        }))
    }
    fn callback_result(&mut self, _: Resource<Ctx>, _: String) -> Op<wit::CallbackOutcome> {
        Ok(Ok(wit::CallbackOutcome::Succeeded(None)))
    }
    fn condition_begin(
        &mut self,
        _: Resource<Ctx>,
        _: Option<String>,
        state: String,
    ) -> Op<wit::ConditionStart> {
        Ok(Ok(wit::ConditionStart::Check(wit::ConditionCheck {
            id: OP_ID.into(),
            attempt: 1,
            state,
        })))
    }
    fn condition_end(
        &mut self,
        _: Resource<Ctx>,
        _: String,
        checked: Result<String, wit::ErrorObject>,
        _: wit::ConditionDecision,
    ) -> Op<wit::Outcome> {
        Ok(Ok(outcome(checked.map(Some))))
    }
    fn invoke(
        &mut self,
        _: Resource<Ctx>,
        _: Option<String>,
        _: String,
        _: Option<String>,
        _: Option<String>,
    ) -> Op<wit::Outcome> {
        Ok(Ok(wit::Outcome::Succeeded(None)))
    }
    fn batch_begin(
        &mut self,
        _: Resource<Ctx>,
        _: Option<String>,
        _: wit::BatchKind,
        count: u32,
        _: wit::BatchConfig,
    ) -> Op<wit::BatchStart> {
        let batch = Batch {
            count,
            next: 0,
            items: Vec::with_capacity(count as usize),
        };
        Ok(Ok(wit::BatchStart::Run(self.table.push(batch)?)))
    }
    fn log(&mut self, _: Resource<Ctx>, _: wit::LogLevel, _: String) -> wasmtime::Result<()> {
        Ok(())
    }
    fn log_always(
        &mut self,
        _: Resource<Ctx>,
        _: wit::LogLevel,
        _: String,
    ) -> wasmtime::Result<()> {
        Ok(())
    }
    fn drop(&mut self, ctx: Resource<Ctx>) -> wasmtime::Result<()> {
        self.table.delete(ctx)?;
        Ok(())
    }
}

impl wit::HostBatch for LimitState {
    fn next(&mut self, batch: Resource<Batch>) -> Op<Option<wit::Branch>> {
        let b = self.table.get_mut(&batch)?;
        if b.next >= b.count {
            return Ok(Ok(None));
        }
        let index = b.next;
        b.next += 1;
        let ctx = self.table.push(Ctx)?;
        Ok(Ok(Some(wit::Branch { index, ctx })))
    }
    fn branch_end(
        &mut self,
        batch: Resource<Batch>,
        index: u32,
        ctx: Resource<Ctx>,
        body: Result<Option<String>, wit::ErrorObject>,
    ) -> Op<()> {
        self.table.delete(ctx)?;
        let (status, result, error) = match body {
            Ok(payload) => (wit::ItemStatus::Succeeded, payload, None),
            Err(error) => (wit::ItemStatus::Failed, None, Some(error)),
        };
        self.table.get_mut(&batch)?.items.push(wit::BatchItem {
            index,
            status,
            result,
            error,
        });
        Ok(Ok(()))
    }
    fn complete(&mut self, _: Resource<Batch>, _: Option<u32>) -> wasmtime::Result<bool> {
        Ok(false)
    }
    fn settle(&mut self, batch: Resource<Batch>) -> Op<wit::BatchOutcome> {
        Ok(Ok(batch_outcome(self.table.get(&batch)?)))
    }
    fn finish(&mut self, batch: Resource<Batch>, _: Option<String>) -> Op<wit::BatchOutcome> {
        Ok(Ok(batch_outcome(self.table.get(&batch)?)))
    }
    fn progress(
        &mut self,
        batch: Resource<Batch>,
    ) -> wasmtime::Result<Vec<Option<wit::ItemStatus>>> {
        let b = self.table.get(&batch)?;
        let mut statuses = vec![None; b.count as usize];
        for item in &b.items {
            statuses[item.index as usize] = Some(item.status);
        }
        Ok(statuses)
    }
    fn decide(&mut self, _: Resource<Batch>, _: Option<wit::CustomOutcome>) -> Op<()> {
        Ok(Ok(()))
    }
    fn drop(&mut self, batch: Resource<Batch>) -> wasmtime::Result<()> {
        self.table.delete(batch)?;
        Ok(())
    }
}

impl wit::Host for LimitState {
    fn child_end(
        &mut self,
        child: Resource<Ctx>,
        body: Result<Option<String>, wit::ErrorObject>,
    ) -> Op<wit::Outcome> {
        self.table.delete(child)?;
        Ok(Ok(outcome(body)))
    }
    fn declare_sdk(&mut self, _: wit::SdkFlavour) -> wasmtime::Result<()> {
        Ok(())
    }
    fn handler_started(&mut self) -> wasmtime::Result<()> {
        Ok(())
    }
    fn invocation_envelope(&mut self) -> wasmtime::Result<String> {
        Ok("{}".into())
    }
    fn checkpoint(&mut self, _: String) -> wasmtime::Result<Result<String, wit::ErrorObject>> {
        Ok(Ok("{}".into()))
    }
}

/// One component ready to run on the do-nothing host.
pub struct LimitHost {
    engine: Engine,
    pre: DurableFunctionPre<LimitState>,
}

impl LimitHost {
    /// Compiles `path` with `engine` (durabox's: pass `runtime.sandbox().engine()`).
    pub fn load(engine: &Engine, path: &Path) -> wasmtime::Result<Self> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        DurableFunction::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        let component = Component::from_file(engine, path)?;
        let pre = DurableFunctionPre::new(linker.instantiate_pre(&component)?)?;
        Ok(Self {
            engine: engine.clone(),
            pre,
        })
    }

    /// One invocation in a fresh store; returns whether the handler ended (not pending).
    fn invoke(&self, input: &str, suspend_at_wait: u32) -> wasmtime::Result<bool> {
        let state = LimitState {
            wasi: WasiCtxBuilder::new().build(),
            table: ResourceTable::new(),
            suspend_at_wait,
            waits: 0,
        };
        let mut store = Store::new(&self.engine, state);
        store.set_fuel(FUEL)?;
        store.set_epoch_deadline(EPOCH_TICKS);
        store.epoch_deadline_trap();
        let bindings = self.pre.instantiate(&mut store)?;
        let root = store.data_mut().table.push(Ctx)?;
        match bindings
            .durabox_durable_handler()
            .call_handle(&mut store, root, input)?
        {
            InvocationOutput::Succeeded(_) => Ok(true),
            InvocationOutput::Pending => Ok(false),
            InvocationOutput::Failed(e) => {
                Err(wasmtime::Error::msg(format!("the handler failed: {e:?}")))
            }
        }
    }

    /// One execution of `invocations` invocations (as many as durabox made): the wall
    /// time of all of them.
    pub fn execution(&self, input: &str, invocations: u32) -> wasmtime::Result<Duration> {
        let started = Instant::now();
        for k in 0..invocations {
            let last = k + 1 == invocations;
            let ended = self.invoke(input, if last { u32::MAX } else { k })?;
            if ended != last {
                return Err(wasmtime::Error::msg(format!(
                    "invocation {k} of {invocations}: ended {ended}, expected {last}"
                )));
            }
        }
        Ok(started.elapsed())
    }
}
