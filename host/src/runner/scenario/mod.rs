//! Declarative test scenarios (`durabox test`): a component or handler source, input,
//! mocks, scripted callbacks, manual clock steps and the expected status, result, error
//! and history subset, in YAML shaped like AWS's conformance files.
//!
//! A file holds one scenario, or shared keys plus a `Scenarios:` list whose entries
//! override them. Paths are relative to the file.

mod coverage;
mod execute;
mod matcher;

pub use coverage::Coverage;
pub use execute::{run_scenario, ScenarioRun};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::callback_script::{CallbackAction, CallbackScript};
use crate::model::mocks::{MockAnswer, Mocks};
use crate::model::ErrorObject;

/// Why a scenario file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file is not a valid scenario file.
    #[error("{file}: {reason}")]
    Invalid {
        /// The scenario file.
        file: PathBuf,
        /// What is wrong, for the message.
        reason: String,
    },
    /// The file could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The scenario file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What runs the scenario's handler.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// A built component (.wasm).
    Component(PathBuf),
    /// Handler sources, built through `durabox build`'s cache.
    Handler(PathBuf),
}

/// One clock step of a scenario run on a manual clock.
#[derive(Clone, Debug)]
pub(crate) enum ClockStep {
    /// Advance the manual clock by this much.
    Advance(Duration),
    /// Check the execution's state now.
    Expect(Expected),
}

/// Expected state (subset: absent keys are not checked).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(crate) struct Expected {
    /// The execution status (`SUCCEEDED`, …).
    pub execution_status: Option<String>,
    /// The result as JSON (compared as values).
    pub result: Option<Value>,
    /// A subset of the ErrorObject (`ErrorType`, `ErrorMessage`, …).
    pub error: Option<Value>,
}

/// A scenario ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario's `Name` (else the file's stem, with its index in a list).
    pub name: String,
    /// What runs the handler.
    pub subject: Subject,
    /// Chained-invoke targets: function name → component or handler.
    pub functions: BTreeMap<String, Subject>,
    /// The input as JSON text.
    pub(crate) input: String,
    /// Steps and invokes answered without running them.
    pub(crate) mocks: Mocks,
    /// Answers given to callbacks once they are pending.
    pub(crate) callbacks: CallbackScript,
    /// Some: run on a manual clock through these steps; None: skip time.
    pub(crate) clock: Option<Vec<ClockStep>>,
    /// See [`StartOptions::fire_callback_timeouts`](crate::runner::StartOptions).
    pub(crate) fire_callback_timeouts: bool,
    /// The state expected at the end.
    pub(crate) expected: Expected,
    /// Events that must appear in this order (each a subset of the event).
    pub(crate) expected_history: Vec<Value>,
    /// How long the execution may take.
    pub(crate) timeout: Duration,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Spec {
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    component: Option<PathBuf>,
    handler: Option<PathBuf>,
    #[serde(default)]
    functions: BTreeMap<String, PathBuf>,
    input: Option<Value>,
    #[serde(default)]
    mocks: MockSpec,
    #[serde(default)]
    callback_actions: Vec<CallbackSpec>,
    clock: Option<Vec<ClockSpec>>,
    #[serde(default)]
    fire_callback_timeouts: bool,
    expected_result: Option<Expected>,
    expected_execution_history: Option<Vec<Value>>,
    /// Seconds.
    timeout: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct MockSpec {
    #[serde(default)]
    steps: BTreeMap<String, AnswerSpec>,
    #[serde(default)]
    invokes: BTreeMap<String, AnswerSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
enum AnswerSpec {
    Result(Value),
    Error(ErrorObject),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CallbackSpec {
    #[serde(default = "any_callback")]
    callback_name: String,
    action: ActionKind,
    payload: Option<Value>,
}

fn any_callback() -> String {
    "*".into()
}

#[derive(Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum ActionKind {
    Succeed,
    Fail,
    Heartbeat,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
enum ClockSpec {
    /// Seconds, or a duration like `1h 30m`.
    Advance(Value),
    Expect(Expected),
}

/// Reads the scenarios of one YAML file.
pub fn load_file(file: &Path) -> Result<Vec<Scenario>, ScenarioError> {
    let invalid = |reason: String| ScenarioError::Invalid {
        file: file.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(file).map_err(|source| ScenarioError::Read {
        file: file.to_owned(),
        source,
    })?;
    let document: Value =
        serde_yaml_ng::from_str(&text).map_err(|e| invalid(format!("not YAML: {e}")))?;
    let Value::Object(mut shared) = document else {
        return Err(invalid("expected a mapping of scenario keys".into()));
    };
    let entries = match shared.remove("Scenarios") {
        None => vec![Value::Object(Default::default())],
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        Some(_) => return Err(invalid("`Scenarios` must be a non-empty list".into())),
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    let several = entries.len() > 1;
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let Value::Object(overrides) = entry else {
                return Err(invalid(format!("Scenarios[{i}] is not a mapping")));
            };
            let mut merged = shared.clone();
            merged.extend(overrides);
            let spec: Spec = serde_json::from_value(Value::Object(merged))
                .map_err(|e| invalid(format!("scenario {}: {e}", i + 1)))?;
            let fallback = if several {
                format!("{stem}[{}]", i + 1)
            } else {
                stem.to_owned()
            };
            resolve(spec, base, fallback).map_err(invalid)
        })
        .collect()
}

fn resolve(spec: Spec, base: &Path, fallback: String) -> Result<Scenario, String> {
    let _ = spec.description;
    let name = spec.name.unwrap_or(fallback);
    let subject = match (spec.component, spec.handler) {
        (Some(component), None) => Subject::Component(base.join(component)),
        (None, Some(handler)) => Subject::Handler(base.join(handler)),
        _ => {
            return Err(format!(
                "scenario '{name}': give exactly one of Component or Handler"
            ))
        }
    };
    let functions = spec
        .functions
        .into_iter()
        .map(|(function, path)| {
            let path = base.join(path);
            let is_wasm = path.extension().is_some_and(|e| e == "wasm");
            let subject = if is_wasm {
                Subject::Component(path)
            } else {
                Subject::Handler(path)
            };
            (function, subject)
        })
        .collect();
    let clock = spec
        .clock
        .map(|steps| {
            steps
                .into_iter()
                .map(clock_step)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
        .map_err(|e| format!("scenario '{name}': {e}"))?;
    let callbacks =
        callback_script(spec.callback_actions).map_err(|e| format!("scenario '{name}': {e}"))?;
    Ok(Scenario {
        name,
        subject,
        functions,
        input: spec
            .input
            .unwrap_or_else(|| Value::Object(Default::default()))
            .to_string(),
        mocks: Mocks {
            steps: answers(spec.mocks.steps),
            invokes: answers(spec.mocks.invokes),
        },
        callbacks,
        clock,
        fire_callback_timeouts: spec.fire_callback_timeouts,
        expected: spec.expected_result.unwrap_or_default(),
        expected_history: spec.expected_execution_history.unwrap_or_default(),
        timeout: Duration::from_secs(spec.timeout.unwrap_or(300)),
    })
}

fn answers(specs: BTreeMap<String, AnswerSpec>) -> Vec<(String, MockAnswer)> {
    specs
        .into_iter()
        .map(|(name, answer)| {
            let answer = match answer {
                AnswerSpec::Result(value) => MockAnswer::Result(Some(value.to_string())),
                AnswerSpec::Error(error) => MockAnswer::Error(error),
            };
            (name, answer)
        })
        .collect()
}

fn callback_script(specs: Vec<CallbackSpec>) -> Result<CallbackScript, String> {
    let mut script = CallbackScript::default();
    for spec in specs {
        let action = match spec.action {
            ActionKind::Succeed => CallbackAction::Succeed(spec.payload.map(|p| p.to_string())),
            ActionKind::Heartbeat => CallbackAction::Heartbeat,
            ActionKind::Fail => {
                let error = spec.payload.unwrap_or(Value::Object(Default::default()));
                let error = serde_json::from_value(error)
                    .map_err(|e| format!("a FAIL payload must be an ErrorObject: {e}"))?;
                CallbackAction::Fail(error)
            }
        };
        script.push(spec.callback_name, action);
    }
    Ok(script)
}

fn clock_step(spec: ClockSpec) -> Result<ClockStep, String> {
    match spec {
        ClockSpec::Expect(expected) => Ok(ClockStep::Expect(expected)),
        ClockSpec::Advance(Value::Number(seconds)) => seconds
            .as_f64()
            .filter(|s| *s >= 0.0)
            .map(|s| ClockStep::Advance(Duration::from_secs_f64(s)))
            .ok_or_else(|| format!("Advance: {seconds} is not a number of seconds")),
        ClockSpec::Advance(Value::String(text)) => humantime::parse_duration(&text)
            .map(ClockStep::Advance)
            .map_err(|e| format!("Advance: '{text}': {e}")),
        ClockSpec::Advance(other) => Err(format!("Advance: {other} is not a duration")),
    }
}
