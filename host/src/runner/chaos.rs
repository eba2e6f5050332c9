//! Crash at every checkpoint: run an execution once uninterrupted, then once per
//! checkpoint with the invocation crashing right after it (a Lambda dying there; an
//! at-least-once step's START checkpoint is its body interrupted mid-way), and report
//! every crash point whose final outcome differs from the uninterrupted run.

use serde::Serialize;
use serde_json::Value;

use super::result::ExecutionResult;
use crate::model::{ErrorObject, OperationType};

/// One crash point and what it changed.
#[derive(Clone, Debug, Serialize)]
pub struct CrashPoint {
    /// 1-based checkpoint number.
    pub index: u32,
    /// The checkpoint the invocation crashed after (`SUCCEED STEP 'one'`).
    pub after: String,
    /// How the outcome differs from the uninterrupted run; empty when it does not.
    pub differences: Vec<String>,
}

/// Every crash point of one execution.
#[derive(Clone, Debug, Serialize)]
pub struct ChaosReport {
    /// The uninterrupted run's checkpoints, in order.
    pub checkpoints: Vec<String>,
    pub points: Vec<CrashPoint>,
}

impl ChaosReport {
    /// Whether every crash point kept the outcome.
    pub fn all_same(&self) -> bool {
        self.points.iter().all(|p| p.differences.is_empty())
    }
}

/// Runs the chaos trials. `run(k)` runs the execution to its end crashing right after
/// checkpoint `k` (0: never) and returns its result and the checkpoints it made.
pub fn crash_at_every_checkpoint<E>(
    mut run: impl FnMut(u32) -> Result<(ExecutionResult, Vec<String>), E>,
) -> Result<ChaosReport, E> {
    let (baseline, checkpoints) = run(0)?;
    let expected = Outcome::of(&baseline);
    let mut points = Vec::with_capacity(checkpoints.len());
    for (index, after) in (1..).zip(&checkpoints) {
        let (result, _) = run(index)?;
        points.push(CrashPoint {
            index,
            after: after.clone(),
            differences: expected.differences(&Outcome::of(&result)),
        });
    }
    Ok(ChaosReport {
        checkpoints,
        points,
    })
}

/// What must not change when an invocation crashes: the execution's end and the final
/// state of every operation (not the extra invocations, attempts or timestamps).
#[derive(PartialEq)]
struct Outcome {
    status: String,
    result: Option<Value>,
    error: Option<(Option<String>, Option<String>)>,
    /// (id, described operation).
    operations: Vec<(String, String)>,
}

impl Outcome {
    fn of(result: &ExecutionResult) -> Self {
        let operations = result
            .all_operations
            .iter()
            .filter(|op| op.op_type != OperationType::Execution)
            .map(|op| {
                let payload = op.result().map(json_or_text);
                let described = format!(
                    "{} '{}' {:?}{}{}",
                    op.op_type.as_str(),
                    op.name.as_deref().unwrap_or("-"),
                    op.status,
                    payload.map(|p| format!(" result {p}")).unwrap_or_default(),
                    op.error()
                        .map(|e| format!(" error {e}"))
                        .unwrap_or_default()
                );
                (op.id.clone(), described)
            })
            .collect();
        Self {
            status: result.status.as_str().to_owned(),
            result: result.result.as_deref().map(json_or_text),
            error: result.error.as_ref().map(error_key),
            operations,
        }
    }

    fn differences(&self, got: &Self) -> Vec<String> {
        let mut out = Vec::new();
        if self.status != got.status {
            out.push(format!(
                "status: expected {}, got {}",
                self.status, got.status
            ));
        }
        if self.result != got.result {
            let show = |v: &Option<Value>| v.as_ref().map_or("(none)".into(), Value::to_string);
            out.push(format!(
                "result: expected {}, got {}",
                show(&self.result),
                show(&got.result)
            ));
        }
        if self.error != got.error {
            out.push(format!(
                "error: expected {:?}, got {:?}",
                self.error, got.error
            ));
        }
        for (id, expected) in &self.operations {
            match got.operations.iter().find(|(other, _)| other == id) {
                None => out.push(format!("operation {expected} (id {id}) is missing")),
                Some((_, found)) if found != expected => {
                    out.push(format!("operation {id}: expected {expected}, got {found}"))
                }
                Some(_) => {}
            }
        }
        for (id, found) in &got.operations {
            if !self.operations.iter().any(|(other, _)| other == id) {
                out.push(format!("extra operation {found} (id {id})"));
            }
        }
        out
    }
}

fn json_or_text(payload: &str) -> Value {
    serde_json::from_str(payload).unwrap_or_else(|_| Value::String(payload.to_owned()))
}

fn error_key(error: &ErrorObject) -> (Option<String>, Option<String>) {
    (error.error_type.clone(), error.error_message.clone())
}
