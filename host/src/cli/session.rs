//! `durabox test-session HANDLER`: a test runner's session over stdin / stdout, one JSON
//! object per line, so test frameworks in other languages (the Node package
//! `bindings/node`) drive durabox without a native addon.
//!
//! durabox prints `{"ready": {"component": PATH}}` once the handler is loaded (built first
//! when it is a source), then answers each request line `{"id": N, "method": M, "params":
//! {...}}` with `{"id": N, "result": ...}` or `{"id": N, "error": {"type": T, "message":
//! ...}}` (T: `Timeout`, `InvalidInput`, `Error`). Requests run concurrently, so a
//! blocking `wait` does not hold up a callback answer. EOF on stdin ends the session.
//!
//! Methods (params → result): `start` {input: JSON text, name?, manual_clock?: bool,
//! mocks?: {steps?: [MOCK], invokes?: [MOCK]}} → ARN, where MOCK is {name: step name (or
//! `context/…/step` path) or function name, result?: JSON text, error?: ErrorObject} (a
//! step mock's error goes through the step's retries; neither: no payload); `wait` {arn,
//! timeout: s} → ended (bool); `snapshot` {arn} → the execution document
//! (`ExecutionResult::document`); `run_until_idle` {arn, timeout?} → the document once
//! the execution is ended or suspended with nothing due; `advance` {arn, seconds, timeout?}
//! → the document once a manual clock moved on by `seconds` (each timer fired at its
//! instant) and the execution is idle again; `wait_for_callback` {arn, name?, timeout} →
//! callback id; `send_callback_success` {callback_id, result?}; `send_callback_failure`
//! {callback_id, error?: ErrorObject}; `send_callback_heartbeat` {callback_id};
//! `register_function` {name, handler} (a component or a source, built); `replay`
//! {history: GetDurableExecutionHistory JSON (`{"Events": [...]}`, ISO or epoch
//! timestamps) as text or as an object, input?: JSON text (overrides the recorded input)}
//! → the replay gate's report (`ReplayReport`: recorded_operations,
//! reproduced_operations, finished, continued_at, divergence: null or {position, id, name,
//! expected, got}) plus `reproduced` (bool), the handler re-run against the history
//! without running recorded step bodies; `chaos` {input?: JSON text, mocks?, timeout?: s
//! per run} → `ChaosReport` (checkpoints, points: [{index, after, differences}]) plus
//! `all_same` (bool): the execution run uninterrupted, then once per checkpoint with the
//! invocation crashing right after it (with `start`'s mocks; time skipped as the session
//! skips it, never a manual clock).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use durabox::build::Builder;
use durabox::model::mocks::MockAnswer;
use durabox::runner::test_runner::TEST_FUNCTION;
use durabox::runner::RuntimeError;
use durabox::{ErrorObject, FunctionConfig, TestRunner};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Args)]
pub struct SessionArgs {
    /// The handler: a component (.wasm) or its sources (built as `durabox build` does).
    handler: PathBuf,
    /// Take waits and timeouts in real time instead of skipping them.
    #[arg(long)]
    no_skip_time: bool,
    /// Skip to callback timeouts too (see `durabox run --fire-callback-timeouts`).
    #[arg(long)]
    fire_callback_timeouts: bool,
    /// Environment variable for the guest, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
}

#[derive(Deserialize)]
struct Request {
    id: Value,
    method: String,
    #[serde(default)]
    params: Value,
}

pub fn session(args: SessionArgs) -> anyhow::Result<ExitCode> {
    let env = super::env_pairs(&args.env)?;
    let config = FunctionConfig {
        env,
        ..FunctionConfig::default()
    };
    let component = component_of(&args.handler)?;
    let runner = TestRunner::with_config(&component, config.clone())
        .with_context(|| format!("cannot load {}", component.display()))?
        .skip_time(!args.no_skip_time)
        .fire_callback_timeouts(args.fire_callback_timeouts);
    let session = Arc::new(Session {
        runner,
        config,
        skip_time: !args.no_skip_time,
        fire_callback_timeouts: args.fire_callback_timeouts,
    });
    let out = Arc::new(Mutex::new(std::io::stdout()));
    write_line(&out, &json!({ "ready": { "component": component } }));

    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let request: Request = match serde_json::from_str(&line) {
            Ok(request) => request,
            Err(e) => {
                let error =
                    json!({ "type": "InvalidInput", "message": format!("not a request: {e}") });
                write_line(&out, &json!({ "id": null, "error": error }));
                continue;
            }
        };
        let (session, out) = (session.clone(), out.clone());
        std::thread::spawn(move || {
            let response = match session.handle(&request.method, &request.params) {
                Ok(result) => json!({ "id": request.id, "result": result }),
                Err(error) => json!({ "id": request.id, "error": error.to_json() }),
            };
            write_line(&out, &response);
        });
    }
    Ok(ExitCode::SUCCESS)
}

fn write_line(out: &Mutex<std::io::Stdout>, value: &Value) {
    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
    // A closed stdout means the test runner is gone; nothing left to tell it.
    let _ = writeln!(out, "{value}").and_then(|()| out.flush());
}

/// A component as is; sources built through the cache.
fn component_of(handler: &Path) -> anyhow::Result<PathBuf> {
    if handler.extension().is_some_and(|e| e == "wasm") {
        return Ok(handler.to_owned());
    }
    Ok(Builder::from_env()?.build_for_test(handler)?.component)
}

struct Session {
    runner: TestRunner,
    config: FunctionConfig,
    skip_time: bool,
    fire_callback_timeouts: bool,
}

/// `start`'s `mocks` parameter.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MocksParam {
    #[serde(default)]
    steps: Vec<MockParam>,
    #[serde(default)]
    invokes: Vec<MockParam>,
}

/// One mock: the step (or function) `name` answered with `result` or `error`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MockParam {
    #[serde(alias = "function")]
    name: String,
    #[serde(default)]
    result: Option<String>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

impl MockParam {
    fn answer(self) -> Result<(String, MockAnswer), SessionError> {
        let answer = match (self.result, self.error) {
            (Some(_), Some(_)) => {
                return Err(SessionError::Invalid(format!(
                    "the mock of '{}' has both a result and an error",
                    self.name
                )))
            }
            (_, Some(error)) => MockAnswer::Error(error),
            (result, None) => {
                if let Some(text) = &result {
                    serde_json::from_str::<Value>(text).map_err(|e| {
                        SessionError::Invalid(format!(
                            "the result of the mock of '{}' is not JSON text: {e}",
                            self.name
                        ))
                    })?;
                }
                MockAnswer::Result(result)
            }
        };
        Ok((self.name, answer))
    }
}

enum SessionError {
    Runtime(RuntimeError),
    Invalid(String),
    Other(String),
}

impl SessionError {
    fn to_json(&self) -> Value {
        let (kind, message) = match self {
            Self::Runtime(RuntimeError::Timeout(m)) => ("Timeout", m.clone()),
            Self::Runtime(RuntimeError::InvalidInput(m)) | Self::Invalid(m) => {
                ("InvalidInput", m.clone())
            }
            Self::Runtime(e) => ("Error", e.to_string()),
            Self::Other(m) => ("Error", m.clone()),
        };
        json!({ "type": kind, "message": message })
    }
}

impl From<RuntimeError> for SessionError {
    fn from(e: RuntimeError) -> Self {
        Self::Runtime(e)
    }
}

fn param<'a>(params: &'a Value, name: &str) -> Result<&'a str, SessionError> {
    params[name]
        .as_str()
        .ok_or_else(|| SessionError::Invalid(format!("missing string parameter '{name}'")))
}

fn seconds_param(params: &Value) -> Result<Duration, SessionError> {
    let invalid = || {
        SessionError::Invalid("parameter 'seconds' must be a number of seconds, 0 or more".into())
    };
    let seconds = params["seconds"].as_f64().ok_or_else(invalid)?;
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

fn timeout(params: &Value) -> Duration {
    Duration::from_secs_f64(params["timeout"].as_f64().unwrap_or(60.0).max(0.0))
}

/// `report` as a JSON object with `name: value` added.
fn with_field(report: &impl Serialize, name: &str, value: bool) -> Value {
    let mut report = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut report {
        fields.insert(name.to_owned(), Value::Bool(value));
    }
    report
}

impl Session {
    /// A runner starting executions with `start`'s options: the session's time
    /// settings, plus `manual_clock` and `mocks`.
    fn starter(&self, params: &Value) -> Result<TestRunner, SessionError> {
        let manual_clock = match &params["manual_clock"] {
            Value::Null => false,
            Value::Bool(manual) => *manual,
            _ => {
                let message = "parameter 'manual_clock' must be true or false";
                return Err(SessionError::Invalid(message.into()));
            }
        };
        let mocks: MocksParam = match &params["mocks"] {
            Value::Null => MocksParam::default(),
            raw => serde_json::from_value(raw.clone())
                .map_err(|e| SessionError::Invalid(format!("invalid 'mocks': {e}")))?,
        };
        let mut starter = TestRunner::on_runtime(self.runner.runtime().clone(), TEST_FUNCTION)
            .skip_time(self.skip_time)
            .fire_callback_timeouts(self.fire_callback_timeouts)
            .manual_clock(manual_clock);
        for mock in mocks.steps {
            let (name, answer) = mock.answer()?;
            starter = starter.mock_step(&name, answer);
        }
        for mock in mocks.invokes {
            let (name, answer) = mock.answer()?;
            starter = starter.mock_invoke(&name, answer);
        }
        Ok(starter)
    }

    fn handle(&self, method: &str, params: &Value) -> Result<Value, SessionError> {
        let runner = &self.runner;
        let name = params["name"].as_str();
        Ok(match method {
            "start" => {
                let input = params["input"].as_str().unwrap_or("{}");
                json!(self
                    .starter(params)?
                    .start_json(input, name.map(str::to_owned))?)
            }
            "wait" => json!(runner.wait(param(params, "arn")?, timeout(params))?),
            "snapshot" => runner.snapshot(param(params, "arn")?)?.document(),
            "run_until_idle" => {
                let arn = param(params, "arn")?;
                runner.runtime().wait_until_idle(arn, timeout(params))?;
                runner.snapshot(arn)?.document()
            }
            "advance" => {
                let arn = param(params, "arn")?;
                let by = seconds_param(params)?;
                runner.runtime().advance_clock(arn, by, timeout(params))?;
                runner.snapshot(arn)?.document()
            }
            "wait_for_callback" => {
                json!(runner.wait_for_callback(param(params, "arn")?, name, timeout(params))?)
            }
            "send_callback_success" => {
                let result = params["result"].as_str();
                runner.send_callback_success(param(params, "callback_id")?, result)?;
                Value::Null
            }
            "send_callback_failure" => {
                let error = error_param(params)?;
                runner.send_callback_failure(param(params, "callback_id")?, error)?;
                Value::Null
            }
            "send_callback_heartbeat" => {
                runner.send_callback_heartbeat(param(params, "callback_id")?)?;
                Value::Null
            }
            "replay" => self.replay(params)?,
            "chaos" => self.chaos(params)?,
            "register_function" => {
                let handler = PathBuf::from(param(params, "handler")?);
                let component =
                    component_of(&handler).map_err(|e| SessionError::Other(format!("{e:#}")))?;
                runner.register_function(
                    param(params, "name")?,
                    &component,
                    self.config.clone(),
                )?;
                Value::Null
            }
            other => return Err(SessionError::Invalid(format!("unknown method '{other}'"))),
        })
    }

    /// `replay`: re-runs a recorded history and reports whether it was reproduced.
    fn replay(&self, params: &Value) -> Result<Value, SessionError> {
        let history = match &params["history"] {
            Value::String(text) => text.clone(),
            Value::Object(_) => params["history"].to_string(),
            _ => {
                let message = "parameter 'history' must be the history's JSON text \
                               or object ({\"Events\": [...]})";
                return Err(SessionError::Invalid(message.into()));
            }
        };
        let input = params["input"].as_str();
        if let Some(input) = input {
            json_input(input)?;
        }
        let report = self.runner.replay(&history, input)?;
        Ok(with_field(&report, "reproduced", report.reproduced()))
    }

    /// `chaos`: crashes the execution at every checkpoint and compares the outcomes.
    fn chaos(&self, params: &Value) -> Result<Value, SessionError> {
        let input = json_input(params["input"].as_str().unwrap_or("{}"))?;
        let mut chaos = self.starter(params)?.manual_clock(false);
        chaos.timeout = timeout(params);
        let report = chaos.chaos(&input)?;
        Ok(with_field(&report, "all_same", report.all_same()))
    }
}

/// The parsed execution input, or an error naming why it is not JSON.
fn json_input(input: &str) -> Result<Value, SessionError> {
    serde_json::from_str(input)
        .map_err(|e| SessionError::Invalid(format!("the input is not valid JSON: {e}")))
}

/// The `error` parameter as an ErrorObject (an empty one when absent).
fn error_param(params: &Value) -> Result<ErrorObject, SessionError> {
    match &params["error"] {
        Value::Null => Ok(ErrorObject::default()),
        raw => serde_json::from_value(raw.clone())
            .map_err(|e| SessionError::Invalid(format!("not an ErrorObject: {e}"))),
    }
}
