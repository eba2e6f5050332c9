//! `durabox._native`: the durabox host embedded in a Python process. The Python half
//! (`durabox.testing`) shapes results as AWS's testing runner does; this half drives a
//! `durabox::TestRunner` and hands executions over as JSON, without the GIL while it waits.

use std::path::PathBuf;
use std::time::Duration;

use durabox::build::Builder;
use durabox::model::mocks::MockAnswer;
use durabox::runner::test_runner::TEST_FUNCTION;
use durabox::runner::RuntimeError;
use durabox::{ErrorObject, FunctionConfig, Limits, TestRunner};
use pyo3::exceptions::{PyException, PyTimeoutError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    _native,
    DuraboxError,
    PyException,
    "An error durabox reported (loading, building, the emulated service)."
);

fn to_py(e: RuntimeError) -> PyErr {
    match e {
        RuntimeError::Timeout(message) => PyTimeoutError::new_err(message),
        RuntimeError::InvalidInput(message) => PyValueError::new_err(message),
        other => DuraboxError::new_err(other.to_string()),
    }
}

fn seconds(timeout: f64) -> Duration {
    Duration::from_secs_f64(timeout.max(0.0))
}

/// A mock as `durabox.testing` hands it over: (step name or path / function name, the
/// result as JSON text or None, the error as ErrorObject JSON or None).
type Mock = (String, Option<String>, Option<String>);

fn answer((name, result, error): Mock) -> PyResult<(String, MockAnswer)> {
    let answer = match (result, error) {
        (Some(_), Some(_)) => {
            let message = format!("the mock of '{name}' has both a result and an error");
            return Err(PyValueError::new_err(message));
        }
        (_, Some(error)) => MockAnswer::Error(error_object(&error)?),
        (result, None) => {
            if let Some(text) = &result {
                serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
                    let message = format!("the result of the mock of '{name}' is not JSON: {e}");
                    PyValueError::new_err(message)
                })?;
            }
            MockAnswer::Result(result)
        }
    };
    Ok((name, answer))
}

fn error_object(json: &str) -> PyResult<ErrorObject> {
    serde_json::from_str(json)
        .map_err(|e| PyValueError::new_err(format!("not an ErrorObject: {e}")))
}

/// The handler under test (registered as `test-function`) and the functions it may invoke.
#[pyclass(frozen)]
struct Runner {
    runner: TestRunner,
    config: FunctionConfig,
    skip_time: bool,
    fire_callback_timeouts: bool,
}

impl Runner {
    /// A runner on the same runtime starting executions with the runner's time settings,
    /// `manual_clock` and the mocks given.
    fn starter(
        &self,
        manual_clock: bool,
        step_mocks: Vec<Mock>,
        invoke_mocks: Vec<Mock>,
    ) -> PyResult<TestRunner> {
        let mut starter = TestRunner::on_runtime(self.runner.runtime().clone(), TEST_FUNCTION)
            .skip_time(self.skip_time)
            .fire_callback_timeouts(self.fire_callback_timeouts)
            .manual_clock(manual_clock);
        for mock in step_mocks {
            let (name, answer) = answer(mock)?;
            starter = starter.mock_step(&name, answer);
        }
        for mock in invoke_mocks {
            let (name, answer) = answer(mock)?;
            starter = starter.mock_invoke(&name, answer);
        }
        Ok(starter)
    }
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
                invocation_timeout: invocation_timeout.map_or(defaults.invocation_timeout, seconds),
                max_operations: defaults.max_operations,
            },
            env: env.unwrap_or_default(),
            ..FunctionConfig::default()
        };
        if let Some(seconds) = execution_timeout {
            config.execution_timeout_seconds = seconds;
        }
        let runner = py
            .detach(|| TestRunner::with_config(&component, config.clone()))
            .map_err(|e| {
                DuraboxError::new_err(format!("cannot load {}: {e}", component.display()))
            })?
            .skip_time(skip_time)
            .fire_callback_timeouts(fire_callback_timeouts);
        Ok(Self {
            runner,
            config,
            skip_time,
            fire_callback_timeouts,
        })
    }

    /// Registers a component chained invokes can call by `name`.
    fn register_function(&self, py: Python<'_>, name: &str, component: PathBuf) -> PyResult<()> {
        py.detach(|| {
            self.runner
                .register_function(name, &component, self.config.clone())
        })
        .map(|_| ())
        .map_err(|e| DuraboxError::new_err(format!("cannot load {}: {e}", component.display())))
    }

    /// Starts an execution of the handler with `input` (JSON text); returns its ARN.
    /// `manual_clock`: time moves only through `advance`. `step_mocks` / `invoke_mocks`:
    /// steps and chained invokes answered without running them. `run_here`: run the
    /// execution on this thread until it ends or waits in real time, for a caller that
    /// waits for it anyway (no handoff to a driver thread and back).
    #[pyo3(signature = (input, execution_name=None, *, manual_clock=false,
                        step_mocks=Vec::new(), invoke_mocks=Vec::new(), run_here=false))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        py: Python<'_>,
        input: &str,
        execution_name: Option<String>,
        manual_clock: bool,
        step_mocks: Vec<Mock>,
        invoke_mocks: Vec<Mock>,
        run_here: bool,
    ) -> PyResult<String> {
        let starter = self.starter(manual_clock, step_mocks, invoke_mocks)?;
        py.detach(|| match run_here {
            true => starter.start_json_and_run(input, execution_name),
            false => starter.start_json(input, execution_name),
        })
        .map_err(to_py)
    }

    /// The replay gate: re-runs the handler against `history` (GetDurableExecutionHistory
    /// JSON text, `{"Events": [...]}`, ISO or epoch timestamps) without running recorded
    /// step bodies. `input` (JSON text) overrides the recorded input. Returns the report
    /// (`ReplayReport`) as JSON; an unreadable history raises ValueError.
    #[pyo3(signature = (history, input=None))]
    fn replay(&self, py: Python<'_>, history: &str, input: Option<&str>) -> PyResult<String> {
        if let Some(input) = input {
            serde_json::from_str::<serde_json::Value>(input)
                .map_err(|e| PyValueError::new_err(format!("the input is not valid JSON: {e}")))?;
        }
        let report = py
            .detach(|| self.runner.replay(history, input))
            .map_err(to_py)?;
        serde_json::to_string(&report).map_err(|e| DuraboxError::new_err(e.to_string()))
    }

    /// Crash at every checkpoint: runs the handler with `input` (JSON text) uninterrupted,
    /// then once per checkpoint with the invocation crashing right after it, each run
    /// waited for up to `timeout` seconds, with the mocks given (time as the runner
    /// takes it, never a manual clock). Returns the report (`ChaosReport`) as JSON.
    #[pyo3(signature = (input, timeout=60.0, *, step_mocks=Vec::new(), invoke_mocks=Vec::new()))]
    fn chaos(
        &self,
        py: Python<'_>,
        input: &str,
        timeout: f64,
        step_mocks: Vec<Mock>,
        invoke_mocks: Vec<Mock>,
    ) -> PyResult<String> {
        let input: serde_json::Value = serde_json::from_str(input)
            .map_err(|e| PyValueError::new_err(format!("the input is not valid JSON: {e}")))?;
        let mut runner = self.starter(false, step_mocks, invoke_mocks)?;
        runner.timeout = seconds(timeout);
        let report = py.detach(|| runner.chaos(&input)).map_err(to_py)?;
        serde_json::to_string(&report).map_err(|e| DuraboxError::new_err(e.to_string()))
    }

    /// Blocks until the execution is idle (ended, or suspended with nothing due); returns
    /// it as JSON, as `snapshot` does.
    fn run_until_idle(&self, py: Python<'_>, arn: &str, timeout: f64) -> PyResult<String> {
        py.detach(|| self.runner.runtime().wait_until_idle(arn, seconds(timeout)))
            .map_err(to_py)?;
        self.snapshot(arn)
    }

    /// Moves the execution's manual clock on by `by` seconds, firing each timer at its
    /// instant; returns the execution as JSON once it is idle again.
    fn advance(&self, py: Python<'_>, arn: &str, by: f64, timeout: f64) -> PyResult<String> {
        let by = Duration::try_from_secs_f64(by).map_err(|_| {
            PyValueError::new_err(format!("cannot advance the clock by {by} seconds"))
        })?;
        py.detach(|| {
            self.runner
                .runtime()
                .advance_clock(arn, by, seconds(timeout))
        })
        .map_err(to_py)?;
        self.snapshot(arn)
    }

    /// Blocks until the execution ends; False when `timeout` seconds passed first.
    fn wait(&self, py: Python<'_>, arn: &str, timeout: f64) -> PyResult<bool> {
        py.detach(|| self.runner.wait(arn, seconds(timeout)))
            .map_err(to_py)
    }

    /// The execution now, as JSON (`ExecutionResult::document`).
    fn snapshot(&self, arn: &str) -> PyResult<String> {
        let result = self.runner.snapshot(arn).map_err(to_py)?;
        Ok(result.document().to_string())
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
        py.detach(|| self.runner.wait_for_callback(arn, name, seconds(timeout)))
            .map_err(to_py)
    }

    #[pyo3(signature = (callback_id, result=None))]
    fn send_callback_success(&self, callback_id: &str, result: Option<&str>) -> PyResult<()> {
        self.runner
            .send_callback_success(callback_id, result)
            .map_err(to_py)
    }

    /// `error`: an ErrorObject as JSON (`{"ErrorType", "ErrorMessage", "ErrorData",
    /// "StackTrace"}`), or None.
    #[pyo3(signature = (callback_id, error=None))]
    fn send_callback_failure(&self, callback_id: &str, error: Option<&str>) -> PyResult<()> {
        let error = match error {
            Some(json) => error_object(json)?,
            None => ErrorObject::default(),
        };
        self.runner
            .send_callback_failure(callback_id, error)
            .map_err(to_py)
    }

    fn send_callback_heartbeat(&self, callback_id: &str) -> PyResult<()> {
        self.runner
            .send_callback_heartbeat(callback_id)
            .map_err(to_py)
    }
}

/// Builds a handler's sources (a file or folder, as `durabox build` takes) into a
/// component in durabox's cache, reusing an earlier build of the same inputs; returns
/// the component's path.
#[pyfunction]
fn build(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.detach(|| {
        let builder = Builder::from_env()?;
        builder.build_for_test(&path)
    })
    .map(|built| built.component.display().to_string())
    .map_err(|e| DuraboxError::new_err(e.to_string()))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Runner>()?;
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add("DuraboxError", m.py().get_type::<DuraboxError>())?;
    Ok(())
}
