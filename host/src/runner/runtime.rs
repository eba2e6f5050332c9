//! The durabox runtime: registered functions, the service, and one driver thread per
//! running execution that invokes the handler whenever the service says work is due.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::model::mocks::Mocks;
use crate::sandbox::{Limits, LoadedFunction, PoolConfig, Sandbox, SandboxError};
use crate::service::execution::InvocationRecord;
use crate::service::execution::{InvokeTargets, ParentLink, PendingInvoke};
use crate::service::{
    ChaosPlan, Execution, ExecutionCell, ExecutionSpec, Service, ServiceError, TimerKind,
};
use crate::store::{ExecutionStore, StoreError};

/// Settings of one registered function.
#[derive(Clone, Debug)]
pub struct FunctionConfig {
    pub limits: Limits,
    /// Environment variables the guest sees through WASI.
    pub env: Vec<(String, String)>,
    /// AWS `DurableConfig.ExecutionTimeout`.
    pub execution_timeout_seconds: u64,
    /// Crashed invocations in a row before the execution fails.
    pub max_consecutive_crashes: u32,
    /// Fail the execution when the handler reads a clock or random numbers outside a
    /// step (otherwise those reads are reported as warnings).
    pub strict_determinism: bool,
    /// Invocations one execution may take before it fails.
    pub max_invocations: u32,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            env: Vec::new(),
            execution_timeout_seconds: 86_400,
            max_consecutive_crashes: 3,
            strict_determinism: false,
            max_invocations: 10_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("function '{0}' is not registered")]
    UnknownFunction(String),
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    Ended(String),
}

pub struct RegisteredFunction {
    pub name: String,
    pub loaded: LoadedFunction,
    pub config: FunctionConfig,
}

/// How to start an execution.
#[derive(Clone, Debug)]
pub struct StartOptions {
    /// Defaults to a fresh unique name.
    pub execution_name: Option<String>,
    pub skip_time: bool,
    /// With skipped time, skip to callback timeouts and heartbeat deadlines too (once the
    /// execution has been idle `timeout_grace`), as AWS's testing runners do. Off: a
    /// pending callback's deadline passes only in real time, so a test can answer it.
    pub fire_callback_timeouts: bool,
    /// Time moves only when the test advances it ([`Runtime::advance_clocks`]); timers
    /// fire exactly when due. Overrides `skip_time`.
    pub manual_clock: bool,
    /// Steps and chained invokes answered without running them.
    pub mocks: Mocks,
    /// Chaos testing (crash points, branch order); see [`crate::runner::chaos`].
    pub chaos: Option<ChaosPlan>,
    pub region: String,
    pub account_id: String,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            execution_name: None,
            skip_time: true,
            fire_callback_timeouts: false,
            manual_clock: false,
            mocks: Mocks::default(),
            chaos: None,
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
        }
    }
}

pub struct RuntimeOptions {
    pub cache_dir: Option<PathBuf>,
    /// Where guest log lines go, one JSON-lines file per function
    /// (`<dir>/<function>.jsonl`), shaped like CloudWatch Logs events.
    pub logs_dir: Option<PathBuf>,
    /// With skipped time firing callback timeouts (`StartOptions::fire_callback_timeouts`),
    /// they fire only after the execution has been idle this long in real time.
    pub timeout_grace: Duration,
    /// Sizes of the instance pool; invocations beyond its instances wait for one.
    pub pool: PoolConfig,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            cache_dir: crate::cache::default_cache_root(),
            logs_dir: None,
            timeout_grace: Duration::from_millis(500),
            pool: PoolConfig::default(),
        }
    }
}

/// Registered functions by name; also what chained invokes can reach.
#[derive(Default)]
struct FunctionRegistry(RwLock<HashMap<String, Arc<RegisteredFunction>>>);

impl InvokeTargets for FunctionRegistry {
    fn exists(&self, function_name: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(function_name)
    }
}

struct Inner {
    logs_dir: Option<PathBuf>,
    store: RwLock<Option<Arc<dyn ExecutionStore>>>,
    sandbox: Sandbox,
    service: Service,
    functions: Arc<FunctionRegistry>,
    timeout_grace: Duration,
}

/// A durabox host: cheap to clone, shareable across threads.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

/// A [`Runtime`] that is gone once every `Runtime` clone is dropped.
pub(super) struct WeakRuntime(std::sync::Weak<Inner>);

impl WeakRuntime {
    pub(super) fn upgrade(&self) -> Option<Runtime> {
        self.0.upgrade().map(|inner| Runtime { inner })
    }
}

impl Runtime {
    pub fn new(options: RuntimeOptions) -> Result<Self, RuntimeError> {
        Ok(Self {
            inner: Arc::new(Inner {
                logs_dir: options.logs_dir,
                store: RwLock::new(None),
                sandbox: Sandbox::with_pool(options.cache_dir, &options.pool)?,
                service: Service::default(),
                functions: Arc::default(),
                timeout_grace: options.timeout_grace,
            }),
        })
    }

    pub fn service(&self) -> &Service {
        &self.inner.service
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.inner.sandbox
    }

    /// Loads the component at `path` and registers it under `name`.
    pub fn register_file(
        &self,
        name: &str,
        path: &Path,
        config: FunctionConfig,
    ) -> Result<Arc<RegisteredFunction>, RuntimeError> {
        let loaded = self.inner.sandbox.load_file(path)?;
        Ok(self.register(name, loaded, config))
    }

    pub fn register(
        &self,
        name: &str,
        loaded: LoadedFunction,
        config: FunctionConfig,
    ) -> Arc<RegisteredFunction> {
        let function = Arc::new(RegisteredFunction {
            name: name.to_owned(),
            loaded,
            config,
        });
        self.inner
            .functions
            .0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), function.clone());
        function
    }

    pub fn function(&self, name: &str) -> Result<Arc<RegisteredFunction>, RuntimeError> {
        self.inner
            .functions
            .0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
            .ok_or_else(|| RuntimeError::UnknownFunction(name.to_owned()))
    }

    /// Starts an execution of `function` and returns its ARN at once.
    pub fn start_execution(
        &self,
        function: &str,
        input: &str,
        options: StartOptions,
    ) -> Result<String, RuntimeError> {
        self.start_with(self.function(function)?, input, options, None, None)
    }

    fn start_with(
        &self,
        function: Arc<RegisteredFunction>,
        input: &str,
        options: StartOptions,
        invocation_id: Option<String>,
        parent: Option<ParentLink>,
    ) -> Result<String, RuntimeError> {
        let invocation_id = invocation_id.unwrap_or_else(unique_id);
        let spec = ExecutionSpec {
            function_name: function.name.clone(),
            execution_name: options
                .execution_name
                .unwrap_or_else(|| invocation_id.clone()),
            invocation_id,
            region: options.region,
            account_id: options.account_id,
            input: input.to_owned(),
            execution_timeout_seconds: function.config.execution_timeout_seconds,
            skip_time: options.skip_time && !options.manual_clock,
            fire_callback_timeouts: options.fire_callback_timeouts,
            manual_clock: options.manual_clock,
            mocks: options.mocks,
        };
        let mut execution = Execution::new(spec);
        execution.chaos = options.chaos;
        execution.max_consecutive_crashes = function.config.max_consecutive_crashes;
        execution.parent = parent;
        let arn = execution.arn.clone();
        let store = self
            .inner
            .store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let cell = ExecutionCell::with_store(execution, store)?;
        self.inner.service.insert(cell.clone());
        self.spawn_driver(cell, function)?;
        Ok(arn)
    }

    pub(super) fn spawn_driver(
        &self,
        cell: Arc<ExecutionCell>,
        function: Arc<RegisteredFunction>,
    ) -> Result<(), RuntimeError> {
        let runtime = self.clone();
        cell.lock().invoke_targets = Some(self.inner.functions.clone());
        std::thread::Builder::new()
            .name("durabox-execution".into())
            .spawn(move || drive(&runtime, &cell, &function))
            .map_err(|e| {
                RuntimeError::Timeout(format!("cannot start the execution thread: {e}"))
            })?;
        Ok(())
    }

    /// The store new executions go to, once attached (`runner::stored`).
    pub(super) fn set_store(&self, store: Arc<dyn ExecutionStore>) {
        *self.inner.store.write().unwrap_or_else(|p| p.into_inner()) = Some(store);
    }

    /// A handle that does not keep the runtime alive (background work stops with it).
    pub(super) fn downgrade(&self) -> WeakRuntime {
        WeakRuntime(Arc::downgrade(&self.inner))
    }

    /// Starts the child execution of a chained invoke; an unstartable one fails the
    /// parent's operation at once.
    fn start_chained(&self, parent: &ExecutionCell, invoke: PendingInvoke) {
        let (
            parent_arn,
            region,
            account_id,
            skip_time,
            fire_callback_timeouts,
            manual_clock,
            mocks,
        ) = {
            let p = parent.lock();
            (
                p.arn.clone(),
                p.spec.region.clone(),
                p.spec.account_id.clone(),
                p.clock.skips_time(),
                p.spec.fire_callback_timeouts,
                p.spec.manual_clock,
                p.spec.mocks.clone(),
            )
        };
        let link = ParentLink {
            arn: parent_arn,
            op_id: invoke.op_id.clone(),
        };
        let options = StartOptions {
            execution_name: Some(invoke.execution_name.clone()),
            skip_time,
            fire_callback_timeouts,
            manual_clock,
            mocks,
            chaos: None,
            region,
            account_id,
        };
        let started = self.function(&invoke.function_name).and_then(|function| {
            self.start_with(
                function,
                &invoke.input,
                options,
                Some(invoke.invocation_id.clone()),
                Some(link.clone()),
            )
        });
        if let Err(e) = started {
            let error = crate::model::ErrorObject::new("ServiceException", e.to_string());
            self.complete_parent(
                &link,
                (crate::model::ExecutionStatus::Failed, None, Some(error)),
            );
        }
    }

    /// Reports a child execution's end to the parent operation waiting for it.
    fn complete_parent(
        &self,
        link: &ParentLink,
        (status, result, error): (
            crate::model::ExecutionStatus,
            Option<String>,
            Option<crate::model::ErrorObject>,
        ),
    ) {
        // Only a parent held here can take the report (not a read-only copy of one
        // another server runs).
        let Some(parent) = self.inner.service.local(&link.arn) else {
            return;
        };
        loop {
            let reported = parent.update(|p| {
                p.complete_chained_invoke(&link.op_id, status, result.clone(), error.clone())
            });
            match reported {
                Ok(()) => return,
                // The parent waits for this report: retry until the store takes it.
                Err(ServiceError::Service(e)) if !parent.is_lost() => {
                    tracing::warn!("chained invoke {} not yet reported: {e}", link.op_id);
                    std::thread::sleep(STORE_RETRY);
                }
                Err(e) => {
                    tracing::warn!("chained invoke {} not reported: {e}", link.op_id);
                    return;
                }
            }
        }
    }

    /// DeleteDurableExecution: forgets a finished execution, in the store too.
    pub fn delete_execution(&self, arn: &str) -> Result<(), RuntimeError> {
        let store = match self.inner.service.remove(arn) {
            Some(cell) => cell.store().cloned(),
            // Held by no server: only in the shared store.
            None => self.inner.service.shared(),
        };
        if let Some(store) = store {
            store.delete(arn)?;
        }
        Ok(())
    }

    /// Blocks until the execution is terminal (or `timeout` passes).
    pub fn wait_for_completion(
        &self,
        arn: &str,
        timeout: Duration,
    ) -> Result<Arc<ExecutionCell>, RuntimeError> {
        let cell = self.inner.service.get(arn)?;
        let done = self.wait_until(&cell, timeout, |e| {
            e.status.is_terminal() && !e.invocation_running
        });
        if !done {
            let message = format!("Execution did not complete within {timeout:?}");
            return Err(RuntimeError::Timeout(message));
        }
        Ok(cell)
    }

    /// Blocks until `condition` holds on the execution; false if `timeout` passed first.
    pub fn wait_until(
        &self,
        cell: &ExecutionCell,
        timeout: Duration,
        mut condition: impl FnMut(&Execution) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        let mut execution = cell.lock();
        loop {
            if condition(&execution) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            execution = cell.wait(execution, (deadline - now).min(Duration::from_millis(200)));
        }
    }
}

/// How long a driver waits before retrying a change the store refused.
const STORE_RETRY: Duration = Duration::from_millis(500);

/// Invokes the handler whenever the execution needs it, fires its timers, and returns
/// once it is terminal.
fn drive(runtime: &Runtime, cell: &Arc<ExecutionCell>, function: &RegisteredFunction) {
    let inner = &runtime.inner;
    let mut idle_since = (0u64, Instant::now());
    loop {
        let Some(request_id) = next_invocation(runtime, cell, function, &mut idle_since) else {
            return;
        };
        cell.notify();
        let report = inner.sandbox.invoke(
            &function.loaded,
            cell,
            &function.config.limits,
            &function.config.env,
            function.config.strict_determinism,
        );
        if let Some(dir) = &inner.logs_dir {
            if let Err(e) = super::log_capture::append(
                dir,
                &function.name,
                &cell.lock().arn,
                &request_id,
                &report.logs,
                &report.stdout,
            ) {
                tracing::warn!("cannot write guest logs to {}: {e}", dir.display());
            }
        }
        let finished = cell.update(|execution| {
            let error = match &report.outcome {
                crate::service::InvocationOutcome::Crashed(e)
                | crate::service::InvocationOutcome::Fatal(e) => Some(e.clone()),
                _ => None,
            };
            execution.invocations.push(InvocationRecord {
                request_id: request_id.clone(),
                stdout: report.stdout,
                stderr: report.stderr,
                logs: report.logs,
                warnings: report.warnings,
                fuel_consumed: report.fuel_consumed,
                error,
            });
            execution.finish_invocation(&request_id, report.outcome);
            execution.take_pending_invokes()
        });
        match finished {
            Ok(invokes) => {
                for invoke in invokes {
                    runtime.start_chained(cell, invoke);
                }
            }
            Err(_) => {
                // Its end could not be stored: the invocation counts as lost and runs again.
                cell.lock().abandon_invocation();
                std::thread::sleep(STORE_RETRY);
            }
        }
    }
}

/// Waits until the execution needs an invocation, firing its timers meanwhile, and
/// begins one; None once the execution is terminal.
fn next_invocation(
    runtime: &Runtime,
    cell: &Arc<ExecutionCell>,
    function: &RegisteredFunction,
    idle_since: &mut (u64, Instant),
) -> Option<String> {
    let inner = &runtime.inner;
    let mut execution = cell.lock();
    loop {
        if cell.is_lost() {
            // Another server sharing the store drives it now.
            let arn = execution.arn.clone();
            drop(execution);
            runtime.service().forget(&arn, cell);
            return None;
        }
        if execution.status.is_terminal() {
            let parent = execution.parent.clone();
            let outcome = (
                execution.status,
                execution.result.clone(),
                execution.error.clone(),
            );
            let arn = execution.arn.clone();
            drop(execution);
            cell.notify();
            if let Some(parent) = parent {
                runtime.complete_parent(&parent, outcome);
            }
            if cell.store().is_some_and(|store| store.owner().is_some()) {
                // Shared: every server reads finished executions from the store, so a
                // delete made on any of them is seen by all.
                runtime.service().forget(&arn, cell);
            }
            return None;
        }
        if execution.needs_invocation && !execution.paused {
            if execution.invocation_count() >= function.config.max_invocations {
                let limit = function.config.max_invocations;
                execution.fail(crate::model::ErrorObject::new(
                    "Execution.TooManyInvocations",
                    format!("The execution needed more than {limit} invocations (max_invocations)"),
                ));
                execution = commit_or_pause(cell, execution);
                continue;
            }
            // Not committed on its own: a crash before the invocation's first commit
            // finds it not running and invokes again, as it would a running one.
            return Some(execution.begin_invocation());
        }
        if execution.complete_due_timers() {
            execution = commit_or_pause(cell, execution);
            continue;
        }
        if execution.version != idle_since.0 {
            *idle_since = (execution.version, Instant::now());
        }
        let skip = execution
            .clock
            .skips_time()
            .then(|| execution.skip_target())
            .flatten();
        let wait = match skip.or_else(|| execution.next_timer()) {
            Some((at, kind)) if skip.is_some() => {
                let idle = idle_since.1.elapsed();
                if kind == TimerKind::Progress || idle >= inner.timeout_grace {
                    // Committed with the timer it reaches: a crash before then only
                    // skips the same time again.
                    execution.clock.advance_to(at);
                    continue;
                }
                inner.timeout_grace - idle
            }
            Some((at, _)) => Duration::from_millis(execution.clock.real_delay_until(at) as u64),
            None => Duration::from_secs(1),
        };
        execution = cell.wait(execution, wait.max(Duration::from_millis(1)));
    }
}

/// Commits the driver's own change; when the store refuses it (and the change is
/// undone), waits a moment before the driver tries again.
fn commit_or_pause<'a>(
    cell: &'a ExecutionCell,
    mut execution: std::sync::MutexGuard<'a, Execution>,
) -> std::sync::MutexGuard<'a, Execution> {
    match cell.commit(&mut execution) {
        Ok(()) => execution,
        Err(_) => cell.wait(execution, STORE_RETRY),
    }
}

/// A unique, URL-safe id (`[a-f0-9-]`) for executions.
pub fn unique_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let seed = format!(
        "{}/{}/{n}",
        std::process::id(),
        crate::service::clock::real_now()
    );
    crate::model::ids::uuid_from(&format!("{seed}/{}", fastrand::u64(..)))
}
