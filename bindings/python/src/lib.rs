//! `durabox._native`: the durabox host embedded in a Python process. The Python half
//! (`durabox.testing`) shapes results as AWS's testing runner does; this half runs
//! executions and hands their state over as JSON, releasing the GIL while it waits.

use std::path::PathBuf;
use std::time::Duration;

use durabox::build::{BuildRequest, Builder};
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions, StartOptions};
use durabox::{ErrorObject, ExecutionResult, Limits};
use pyo3::exceptions::{PyException, PyTimeoutError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    _native,
    DuraboxError,
    PyException,
    "An error durabox reported (loading, building, the emulated service)."
);

fn durabox_error(e: impl std::fmt::Display) -> PyErr {
    DuraboxError::new_err(e.to_string())
}

/// The function name the handler under test is registered as (AWS's runner's default).
const TEST_FUNCTION: &str = "test-function";

/// One runtime with the handler under test registered, and the functions it may invoke.
#[pyclass(frozen)]
struct Runner {
    runtime: Runtime,
    config: FunctionConfig,
    skip_time: bool,
    fire_callback_timeouts: bool,
}

#[pymethods]
impl Runner {
    #[new]
    #[pyo3(signature = (component, *, skip_time=true, fire_callback_timeouts=false,
                        execution_timeout=None, env=None, fuel=None, memory_mb=None,
                        invocation_timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        component: PathBuf,
        skip_time: bool,
        fire_callback_timeouts: bool,
        execution_timeout: Option<u64>,
        env: Option<Vec<(String, String)>>,
        fuel: Option<u64>,
        memory_mb: Option<usize>,
        invocation_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let defaults = Limits::default();
        let mut config = FunctionConfig {
            limits: Limits {
                fuel: fuel.unwrap_or(defaults.fuel),
                memory_bytes: memory_mb.map_or(defaults.memory_bytes, |mb| mb << 20),
                invocation_timeout: invocation_timeout
                    .map_or(defaults.invocation_timeout, Duration::from_secs_f64),
                max_operations: defaults.max_operations,
            },
            env: env.unwrap_or_default(),
            ..FunctionConfig::default()
        };
        if let Some(seconds) = execution_timeout {
            config.execution_timeout_seconds = seconds;
        }
        let runtime = py.detach(|| -> Result<Runtime, String> {
            let runtime = Runtime::new(RuntimeOptions::default()).map_err(|e| e.to_string())?;
            runtime
                .register_file(TEST_FUNCTION, &component, config.clone())
                .map_err(|e| format!("cannot load {}: {e}", component.display()))?;
            Ok(runtime)
        });
        Ok(Self {
            runtime: runtime.map_err(durabox_error)?,
            config,
            skip_time,
            fire_callback_timeouts,
        })
    }

    /// Registers a component chained invokes can call by `name`.
    fn register_function(&self, py: Python<'_>, name: &str, component: PathBuf) -> PyResult<()> {
        py.detach(|| {
            self.runtime
                .register_file(name, &component, self.config.clone())
                .map(|_| ())
                .map_err(|e| format!("cannot load {}: {e}", component.display()))
        })
        .map_err(durabox_error)
    }

    /// Starts an execution of the handler with `input` (JSON); returns its ARN.
    #[pyo3(signature = (input, execution_name=None))]
    fn start(
        &self,
        py: Python<'_>,
        input: &str,
        execution_name: Option<String>,
    ) -> PyResult<String> {
        serde_json::from_str::<serde_json::Value>(input)
            .map_err(|e| PyValueError::new_err(format!("input is not valid JSON: {e}")))?;
        let options = StartOptions {
            execution_name,
            skip_time: self.skip_time,
            fire_callback_timeouts: self.fire_callback_timeouts,
            ..StartOptions::default()
        };
        py.detach(|| self.runtime.start_execution(TEST_FUNCTION, input, options))
            .map_err(durabox_error)
    }

    /// Blocks (without the GIL) until the execution ends; False when `timeout` seconds
    /// passed first.
    fn wait(&self, py: Python<'_>, arn: &str, timeout: f64) -> PyResult<bool> {
        let cell = self.runtime.service().get(arn).map_err(durabox_error)?;
        let timeout = Duration::from_secs_f64(timeout.max(0.0));
        Ok(py.detach(|| {
            self.runtime.wait_until(&cell, timeout, |e| {
                e.status.is_terminal() && !e.invocation_running
            })
        }))
    }

    /// The execution now, as JSON: `{"Execution": GetDurableExecution, "Events": [...],
    /// "Operations": [...], "Invocations": [...]}`.
    fn snapshot(&self, arn: &str) -> PyResult<String> {
        let cell = self.runtime.service().get(arn).map_err(durabox_error)?;
        let result = ExecutionResult::snapshot(&cell.lock());
        let document = serde_json::json!({
            "Execution": result.execution_json(),
            "Events": result.history_json()["Events"],
            "Operations": result.all_operations,
            "Invocations": result.invocations,
        });
        Ok(document.to_string())
    }

    /// The id of the pending callback named `name` (any, when None) once the invocation
    /// that created it has ended.
    #[pyo3(signature = (arn, name=None, timeout=60.0))]
    fn wait_for_callback(
        &self,
        py: Python<'_>,
        arn: &str,
        name: Option<&str>,
        timeout: f64,
    ) -> PyResult<String> {
        let cell = self.runtime.service().get(arn).map_err(durabox_error)?;
        let timeout = Duration::from_secs_f64(timeout.max(0.0));
        let mut found = None;
        let mut ended = false;
        let available = py.detach(|| {
            self.runtime.wait_until(&cell, timeout, |e| {
                found = e
                    .pending_callback_id(name)
                    .filter(|_| !e.invocation_running);
                ended = e.status.is_terminal();
                found.is_some() || ended
            })
        });
        match found {
            Some(id) => Ok(id),
            None if available && ended => Err(DuraboxError::new_err(
                "the execution ended before the callback was created",
            )),
            None => Err(PyTimeoutError::new_err(format!(
                "Callback did not become available within {timeout:?}"
            ))),
        }
    }

    #[pyo3(signature = (callback_id, result=None))]
    fn send_callback_success(&self, callback_id: &str, result: Option<String>) -> PyResult<()> {
        self.runtime
            .service()
            .send_callback_success(callback_id, result)
            .map_err(durabox_error)
    }

    /// `error`: an ErrorObject as JSON (`{"ErrorType", "ErrorMessage", "ErrorData",
    /// "StackTrace"}`), or None.
    #[pyo3(signature = (callback_id, error=None))]
    fn send_callback_failure(&self, callback_id: &str, error: Option<&str>) -> PyResult<()> {
        let error: ErrorObject = match error {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| PyValueError::new_err(format!("not an ErrorObject: {e}")))?,
            None => ErrorObject::default(),
        };
        self.runtime
            .service()
            .send_callback_failure(callback_id, error)
            .map_err(durabox_error)
    }

    fn send_callback_heartbeat(&self, callback_id: &str) -> PyResult<()> {
        self.runtime
            .service()
            .send_callback_heartbeat(callback_id)
            .map_err(durabox_error)
    }
}

/// Builds a handler's sources (a file or folder, as `durabox build` takes) into a
/// component in durabox's cache, reusing an earlier build of the same inputs; returns
/// the component's path.
#[pyfunction]
fn build(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.detach(|| -> Result<String, String> {
        let builder = Builder::from_env().map_err(|e| e.to_string())?;
        let out = components_dir(builder.cache().root(), &path);
        let built = builder
            .build(&BuildRequest {
                path,
                out: Some(out),
                force: false,
            })
            .map_err(|e| e.to_string())?;
        Ok(built.component.display().to_string())
    })
    .map_err(durabox_error)
}

/// Where a handler's component goes: one file per source path, inside the cache (a test
/// must not write into the user's project).
fn components_dir(cache_root: &std::path::Path, source: &std::path::Path) -> PathBuf {
    let absolute = std::path::absolute(source).unwrap_or_else(|_| source.to_owned());
    let stem = absolute
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("handler");
    // SipHash with fixed keys: the same source path maps to the same file every run.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&absolute, &mut hasher);
    let key = std::hash::Hasher::finish(&hasher);
    cache_root
        .join("testing")
        .join(format!("{stem}-{key:016x}.wasm"))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Runner>()?;
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add("DuraboxError", m.py().get_type::<DuraboxError>())?;
    Ok(())
}
