//! The wasmtime sandbox: loading a component (read → hash → compile or load from the
//! artifact cache → link → pre-instantiate) and running one invocation in a fresh,
//! fuel-limited, memory-capped store.

mod cache;
mod engine;
mod host;
mod limits;
mod lint;
mod output;
mod slots;
mod wasi;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store, Trap};

use cache::content_hash;
use engine::EPOCH_TICK;
pub use engine::{pagemap_scan_available, PoolConfig, DEFAULT_MAX_QUEUED_INVOCATIONS};
pub use limits::Limits;
pub use slots::SlotUsage;

use crate::model::{limits as aws_limits, DeterminismWarning, ErrorObject};
use crate::replay::{LogLine, ReplayFault};
use crate::service::{ExecutionCell, InvocationOutcome};
use host::{DurableFunctionPre, GuestState};

/// Errors loading a component.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The component file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a component wasmtime can compile.
    #[error("not a WebAssembly component (or it failed to compile): {0}")]
    Compile(String),
    /// The component compiled but does not fit the host's WIT world (imports or exports).
    #[error(
        "the component does not implement the durabox:durable@0.1.0 `durable-function` world: {0}"
    )]
    WrongWorld(String),
    /// The wasmtime engine or linker could not be set up.
    #[error("wasmtime engine setup failed: {0}")]
    Engine(String),
}

/// A component ready to instantiate (cheap to clone).
#[derive(Clone)]
pub struct LoadedFunction {
    /// BLAKE2b content hash (hex) of the component bytes.
    pub hash: String,
    /// Whether the compiled artifact came from the on-disk cache.
    pub from_cache: bool,
    pre: DurableFunctionPre<GuestState>,
}

/// What one invocation produced.
pub struct InvocationReport {
    /// How the invocation ended: returned, suspended, failed, crashed or hit a guest bug.
    pub outcome: InvocationOutcome,
    /// What the guest wrote to stdout (capped).
    pub(crate) stdout: String,
    /// What the guest wrote to stderr (capped).
    pub(crate) stderr: String,
    /// Log lines written through the durable context (capped, see
    /// [`MAX_LOG_BYTES`](crate::replay::MAX_LOG_BYTES)).
    pub(crate) logs: Vec<LogLine>,
    /// Determinism lint findings.
    pub(crate) warnings: Vec<DeterminismWarning>,
    /// Wasm fuel (roughly, instructions) the invocation used.
    pub(crate) fuel_consumed: u64,
}

/// The wasmtime engine, linker and artifact cache every component runs through; one per
/// [`Runtime`](crate::Runtime), shared by all its executions.
pub struct Sandbox {
    engine: Engine,
    linker: Linker<GuestState>,
    cache: cache::ArtifactCache,
    /// Invocations beyond the pool's instances wait here instead of failing.
    slots: slots::InstanceSlots,
    /// How many may wait before new work is refused (the front door's policy).
    max_queued: usize,
    _ticker: engine::EpochTicker,
}

impl Sandbox {
    /// A sandbox with the default pool sizes and `cache_dir` for compiled artifacts.
    pub fn new(cache_dir: Option<PathBuf>) -> Result<Self, SandboxError> {
        Self::with_pool(cache_dir, &PoolConfig::default())
    }

    /// A sandbox whose pooling allocator has `pool`'s sizes: at most
    /// `pool.component_instances` invocations run at once; the others wait for a slot.
    pub(crate) fn with_pool(
        cache_dir: Option<PathBuf>,
        pool: &PoolConfig,
    ) -> Result<Self, SandboxError> {
        let engine = engine::build_engine(pool).map_err(|e| SandboxError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| SandboxError::Engine(e.to_string()))?;
        host::DurableFunction::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)
            .map_err(|e| SandboxError::Engine(e.to_string()))?;
        Ok(Self {
            _ticker: engine::EpochTicker::start(engine.clone()),
            engine,
            linker,
            cache: cache::ArtifactCache::new(cache_dir),
            slots: slots::InstanceSlots::new(pool.component_instances),
            max_queued: pool.max_queued_invocations,
        })
    }

    /// The wasmtime engine every component of this sandbox is compiled for and runs on
    /// (its configuration is `engine::build_engine`'s). The benchmark's do-nothing host
    /// runs on it to measure the sandbox's own limit with the same settings.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Instances in use and invocations waiting for one, right now.
    pub fn slot_usage(&self) -> SlotUsage {
        self.slots.usage()
    }

    /// [`PoolConfig::max_queued_invocations`] of this sandbox.
    pub fn max_queued_invocations(&self) -> usize {
        self.max_queued
    }

    /// Whether new work should be refused: every instance is busy and
    /// `max_queued_invocations` invocations already wait. Checked by the HTTP server
    /// before it starts a new execution; invocations of accepted executions always wait.
    pub fn queue_full(&self) -> bool {
        self.slots.usage().queue_full(self.max_queued)
    }

    /// Loads the component at `path`: compiled, or taken from the artifact cache when
    /// the same bytes were compiled before by this wasmtime build.
    pub fn load_file(&self, path: &Path) -> Result<LoadedFunction, SandboxError> {
        let bytes = std::fs::read(path).map_err(|source| SandboxError::Read {
            path: path.to_owned(),
            source,
        })?;
        self.load_bytes(&bytes)
    }

    /// [`Sandbox::load_file`] with the component's bytes.
    pub(crate) fn load_bytes(&self, bytes: &[u8]) -> Result<LoadedFunction, SandboxError> {
        if !bytes.starts_with(b"\0asm") {
            return Err(SandboxError::Compile(
                "the file does not start with the WebAssembly magic bytes".into(),
            ));
        }
        let hash = content_hash(bytes);
        let (component, from_cache): (Component, bool) =
            self.cache.load(&self.engine, bytes, &hash)?;
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| SandboxError::WrongWorld(format!("{e:#}")))?;
        let pre = DurableFunctionPre::new(instance_pre)
            .map_err(|e| SandboxError::WrongWorld(format!("{e:#}")))?;
        Ok(LoadedFunction {
            hash,
            from_cache,
            pre,
        })
    }

    /// Runs one invocation of `function` for the execution in `cell`. Never panics
    /// because of the guest: every failure becomes an [`InvocationOutcome`].
    pub fn invoke(
        &self,
        function: &LoadedFunction,
        cell: &Arc<ExecutionCell>,
        limits: &Limits,
        env: &[(String, String)],
        strict_determinism: bool,
    ) -> InvocationReport {
        let (input, execution_id, arn, now) = invocation_inputs(cell);
        let seed = crate::model::ids::hash_prefix_u64(&execution_id);
        // Held until the store (and its instance) is dropped at the end of this call.
        let _slot = self.slots.acquire();
        let lint = Arc::new(lint::DeterminismLint::default());
        let (wasi, output) = wasi::guest_wasi(seed, now, env, &lint);
        let mut state = GuestState::new(
            wasi,
            limits::MemoryLimiter::new(limits.memory_bytes),
            cell.clone(),
            &execution_id,
            arn,
            lint.clone(),
            output.stdout.clone(),
        );
        state.engine.max_operations = limits.max_operations;
        let mut store = self.limited_store(state, limits);

        let started = Instant::now();
        let result = function.pre.instantiate(&mut store).and_then(|bindings| {
            let root = store.data_mut().root_context()?;
            lint.arm();
            bindings
                .durabox_durable_handler()
                .call_handle(&mut store, root, &input)
        });
        // What the engine deferred reaches the service before the invocation ends,
        // whatever its outcome (a trapped body's START too).
        let flushed = store.data_mut().flush_deferred();
        let result = result.and_then(|output| flushed.map(|()| output));
        let fuel_consumed = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
        let mut outcome = match result {
            Ok(output) => output_outcome(output),
            Err(error) => classify_failure(&error, store.data(), limits, started),
        };
        let warnings = lint.take_warnings();
        if strict_determinism && !matches!(outcome, InvocationOutcome::Crashed(_)) {
            if let Some(first) = warnings.first() {
                outcome = InvocationOutcome::Fatal(nondeterministic_read(first));
            }
        }
        let logs = take_logs(&mut store.data_mut().engine, output.stdout.kept_bytes());
        InvocationReport {
            outcome,
            stdout: output.stdout.text(),
            stderr: output.stderr.text(),
            logs,
            warnings,
            fuel_consumed,
        }
    }
}

/// What an invocation starts from: the input, the execution's id and ARN, and its time.
fn invocation_inputs(cell: &ExecutionCell) -> (String, String, String, crate::model::Millis) {
    let execution = cell.lock();
    (
        execution.spec.input.clone(),
        execution.execution_op_id().to_owned(),
        execution.arn.clone(),
        execution.clock.now(),
    )
}

/// The strict-determinism failure for the first clock or random read outside a step.
fn nondeterministic_read(first: &crate::model::DeterminismWarning) -> ErrorObject {
    ErrorObject::new(
        "NondeterministicReadError",
        format!(
            "strict determinism: the handler read the {} outside any step (after {} operations{}); \
             on AWS a replay would see a different value — move the read into a step",
            first.source,
            first.operations_before,
            first
                .after_operation
                .as_deref()
                .map(|id| format!(", last {id}"))
                .unwrap_or_default()
        ),
    )
}

/// The invocation's log lines, ending with a note when some were dropped over the limit.
fn take_logs(engine: &mut crate::replay::ReplayEngine, stdout_offset: usize) -> Vec<LogLine> {
    let mut logs = std::mem::take(&mut engine.logs);
    if engine.logs_dropped > 0 {
        logs.push(LogLine {
            level: "WARN".into(),
            message: format!(
                "[durabox] {} more log lines dropped (limit {})",
                engine.logs_dropped,
                crate::replay::MAX_LOG_LINES
            ),
            context_id: None,
            position: 0,
            stdout_offset,
        });
    }
    logs
}

impl Sandbox {
    /// A store for one invocation with its fuel, memory and wall-clock limits set.
    fn limited_store(&self, state: GuestState, limits: &Limits) -> Store<GuestState> {
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        let _ = store.set_fuel(limits.fuel);
        let ticks = (limits.invocation_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        store
    }
}

fn output_outcome(
    output: host::exports::durabox::durable::handler::InvocationOutput,
) -> InvocationOutcome {
    use host::exports::durabox::durable::handler::InvocationOutput as Out;
    match output {
        Out::Succeeded(Some(result)) if result.len() > aws_limits::MAX_EXECUTION_PAYLOAD => {
            InvocationOutcome::Failed(ErrorObject::new(
                "InvalidParameterValueException",
                format!(
                    "Execution output payload size must be less than or equal to {} bytes.",
                    aws_limits::MAX_EXECUTION_PAYLOAD
                ),
            ))
        }
        Out::Succeeded(result) => InvocationOutcome::Succeeded(result),
        Out::Failed(error) => InvocationOutcome::Failed(error.into()),
        Out::Pending => InvocationOutcome::Pending,
    }
}

/// Names why an invocation ended abnormally, as Lambda would report it.
fn classify_failure(
    error: &wasmtime::Error,
    state: &GuestState,
    limits: &Limits,
    started: Instant,
) -> InvocationOutcome {
    if let Some(fault) = state
        .fault
        .as_ref()
        .or_else(|| error.downcast_ref::<ReplayFault>())
    {
        if matches!(
            fault,
            ReplayFault::InjectedCrash { .. } | ReplayFault::NotStored(_)
        ) {
            return InvocationOutcome::Crashed(fault.to_error_object());
        }
        return InvocationOutcome::Fatal(fault.to_error_object());
    }
    if let Some(exit) = error.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return InvocationOutcome::Crashed(ErrorObject::new(
            "Runtime.ExitError",
            format!("Runtime exited with error: exit status {}", exit.0),
        ));
    }
    trap_outcome(error, state, limits, started)
}

/// A trap (or any other wasmtime error) as the Lambda runtime error it stands for.
fn trap_outcome(
    error: &wasmtime::Error,
    state: &GuestState,
    limits: &Limits,
    started: Instant,
) -> InvocationOutcome {
    let crashed =
        |kind: &str, message: String| InvocationOutcome::Crashed(ErrorObject::new(kind, message));
    match error.downcast_ref::<Trap>() {
        Some(Trap::StackOverflow) => crashed(
            "Runtime.StackOverflow",
            "Runtime exited: the guest exhausted its call stack (unbounded recursion?)".into(),
        ),
        Some(Trap::OutOfFuel) => crashed(
            "Runtime.OutOfFuel",
            format!("Invocation ran out of fuel after {} units", limits.fuel),
        ),
        Some(Trap::Interrupt) => crashed(
            "Sandbox.Timedout",
            format!(
                "Task timed out after {:.2} seconds",
                started
                    .elapsed()
                    .as_secs_f64()
                    .max(limits.invocation_timeout.as_secs_f64())
            ),
        ),
        Some(_) if state.limiter.denied.is_some() => crashed(
            "Runtime.OutOfMemory",
            format!(
                "Runtime exited: memory limit of {} MiB exceeded (the guest asked for {} MiB)",
                limits.memory_bytes >> 20,
                state.limiter.denied.unwrap_or(0) >> 20
            ),
        ),
        Some(trap) => crashed(
            "Runtime.ExitError",
            format!("Runtime exited with error: wasm trap: {trap}"),
        ),
        None => crashed(
            "Runtime.ExitError",
            format!("Runtime exited with error: {error:#}"),
        ),
    }
}
