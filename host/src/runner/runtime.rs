//! The durabox runtime: registered functions, the service, and one driver thread per
//! running execution that invokes the handler whenever the service says work is due.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::driver::{Stopped, WhenIdle};
use crate::model::mocks::Mocks;
use crate::sandbox::{Limits, LoadedFunction, PoolConfig, Sandbox, SandboxError};
use crate::service::execution::{InvokeTargets, ParentLink};
use crate::service::{ChaosPlan, Execution, ExecutionCell, ExecutionSpec, Service, ServiceError};
use crate::store::{ExecutionStore, StoreError};

/// Settings of one registered function.
#[derive(Clone, Debug)]
pub struct FunctionConfig {
    /// Per-invocation limits: fuel, memory, wall time, operations.
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

/// Why a [`Runtime`] call failed.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// Loading a component failed.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// The service refused the call (the AWS API error it maps to).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The execution store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No function of that name is registered.
    #[error("function '{0}' is not registered")]
    UnknownFunction(String),
    /// A wait gave up before the execution got where it was waited for (or a thread could
    /// not be started).
    #[error("{0}")]
    Timeout(String),
    /// An argument is not usable: input that is not JSON, a history without its input,
    /// advancing a clock that is not manual.
    #[error("{0}")]
    InvalidInput(String),
    /// The execution ended before what was waited for happened (a callback created).
    #[error("{0}")]
    Ended(String),
}

/// A function registered with a [`Runtime`]: its loaded component and settings.
pub struct RegisteredFunction {
    /// The name executions and chained invokes call it by.
    pub(crate) name: String,
    /// The component.
    pub loaded: LoadedFunction,
    /// Its settings.
    pub(crate) config: FunctionConfig,
}

/// How to start an execution.
#[derive(Clone, Debug)]
pub struct StartOptions {
    /// Defaults to a fresh unique name.
    pub execution_name: Option<String>,
    /// Timers (waits, retry delays) fire at once instead of in real time; the
    /// execution's clock jumps ahead to each.
    pub skip_time: bool,
    /// With skipped time, skip to callback timeouts and heartbeat deadlines too (once the
    /// execution has been idle `timeout_grace`), as AWS's testing runners do. Off: a
    /// pending callback's deadline passes only in real time, so a test can answer it.
    pub fire_callback_timeouts: bool,
    /// Time moves only when the test advances it ([`Runtime::advance_clock`]); timers
    /// fire exactly when due. Overrides `skip_time`.
    pub manual_clock: bool,
    /// Steps and chained invokes answered without running them.
    pub mocks: Mocks,
    /// Chaos testing (crash points, branch order); see [`crate::runner::chaos`].
    pub chaos: Option<ChaosPlan>,
    /// The AWS region in the execution's ARN.
    pub region: String,
    /// The AWS account id in the execution's ARN.
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

/// How to build a [`Runtime`].
pub struct RuntimeOptions {
    /// Where compiled components are cached (`None`: compiled on every load). Defaults
    /// to durabox's cache folder.
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

/// What every clone of a [`Runtime`] shares (the runner's modules read it directly).
pub(super) struct Inner {
    pub(super) logs_dir: Option<PathBuf>,
    store: RwLock<Option<Arc<dyn ExecutionStore>>>,
    pub(super) sandbox: Sandbox,
    pub(super) service: Service,
    functions: Arc<FunctionRegistry>,
    pub(super) timeout_grace: Duration,
}

/// A durabox host: cheap to clone, shareable across threads.
#[derive(Clone)]
pub struct Runtime {
    pub(super) inner: Arc<Inner>,
}

/// A [`Runtime`] that is gone once every `Runtime` clone is dropped.
pub(super) struct WeakRuntime(std::sync::Weak<Inner>);

impl WeakRuntime {
    pub(super) fn upgrade(&self) -> Option<Runtime> {
        self.0.upgrade().map(|inner| Runtime { inner })
    }
}

impl Runtime {
    /// A runtime with no functions registered and no store (executions live in memory).
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

    /// The service: every execution this runtime holds, and the AWS API over them.
    pub fn service(&self) -> &Service {
        &self.inner.service
    }

    /// The sandbox components are loaded into and run in.
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

    /// Registers a loaded component under `name`, replacing any function of that name.
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

    /// The function registered under `name`.
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

    /// Starts an execution of `function` and runs it on the calling thread until it ends
    /// or waits for something (a timer in real time, a callback, a child execution); a
    /// driver thread then takes over, as after [`Runtime::start_execution`]. Returns its
    /// ARN. For callers that wait for the execution anyway: it saves handing the
    /// execution to another thread and back. An invocation under way is not cut short,
    /// so this can take as long as the function's invocation time limit.
    pub fn start_and_run(
        &self,
        function: &str,
        input: &str,
        options: StartOptions,
    ) -> Result<String, RuntimeError> {
        let function = self.function(function)?;
        let (arn, cell) = self.create(&function, input, options, None, None)?;
        let driven = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::driver::drive(self, &cell, &function, WhenIdle::Return)
        }));
        // A panic ends its driving, as on a driver thread.
        if let Ok(Stopped::Idle) = driven {
            self.spawn_driver(cell, function)?;
        }
        Ok(arn)
    }

    pub(super) fn start_with(
        &self,
        function: Arc<RegisteredFunction>,
        input: &str,
        options: StartOptions,
        invocation_id: Option<String>,
        parent: Option<ParentLink>,
    ) -> Result<String, RuntimeError> {
        let (arn, cell) = self.create(&function, input, options, invocation_id, parent)?;
        self.spawn_driver(cell, function)?;
        Ok(arn)
    }

    /// A new execution of `function`, held by the service (and its store), not driven.
    fn create(
        &self,
        function: &RegisteredFunction,
        input: &str,
        options: StartOptions,
        invocation_id: Option<String>,
        parent: Option<ParentLink>,
    ) -> Result<(String, Arc<ExecutionCell>), RuntimeError> {
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
        execution.wiring.chaos = options.chaos;
        execution.schedule.max_consecutive_crashes = function.config.max_consecutive_crashes;
        execution.parent = parent;
        execution.wiring.invoke_targets = Some(self.invoke_targets());
        let arn = execution.arn.clone();
        let store = self
            .inner
            .store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let cell = ExecutionCell::with_store(execution, store)?;
        self.inner.service.insert(cell.clone());
        Ok((arn, cell))
    }

    pub(super) fn spawn_driver(
        &self,
        cell: Arc<ExecutionCell>,
        function: Arc<RegisteredFunction>,
    ) -> Result<(), RuntimeError> {
        let runtime = self.clone();
        super::driver_pool::spawn("durabox-execution", move || {
            super::driver::drive(&runtime, &cell, &function, WhenIdle::Wait);
        })
        .map_err(|e| RuntimeError::Timeout(format!("cannot start the execution thread: {e}")))?;
        Ok(())
    }

    /// What chained invokes of this runtime's executions can reach.
    pub(super) fn invoke_targets(&self) -> Arc<dyn InvokeTargets> {
        self.inner.functions.clone()
    }

    /// The store new executions go to, once attached (`runner::stored`).
    pub(super) fn set_store(&self, store: Arc<dyn ExecutionStore>) {
        *self.inner.store.write().unwrap_or_else(|p| p.into_inner()) = Some(store);
    }

    /// A handle that does not keep the runtime alive (background work stops with it).
    pub(super) fn downgrade(&self) -> WeakRuntime {
        WeakRuntime(Arc::downgrade(&self.inner))
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
            e.status.is_terminal() && !e.schedule.invocation_running
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

/// A unique, URL-safe id (`[a-f0-9-]`) for executions.
pub fn unique_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let seed = format!(
        "{}/{}/{n}/{}",
        std::process::id(),
        crate::service::clock::real_now(),
        fastrand::u64(..)
    );
    crate::model::ids::uuid_from(&seed)
}
