//! Chaos testing. Crash at every checkpoint: run an execution once uninterrupted, then
//! once per checkpoint with the invocation crashing right after it (a Lambda dying there;
//! an at-least-once step's START checkpoint is its body interrupted mid-way), and report
//! every crash point whose final outcome differs from the uninterrupted run. Shuffled
//! branches: run it again with the admitted branches of each map/parallel in a seeded
//! random order (any order AWS's concurrent branches could finish in), seed by seed.

use serde::Serialize;
use serde_json::Value;

use super::result::ExecutionResult;
use crate::model::{ErrorObject, OperationType};
use crate::service::ChaosPlan;

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
    /// One per checkpoint: the run that crashed right after it.
    pub points: Vec<CrashPoint>,
}

impl ChaosReport {
    /// Whether every crash point kept the outcome.
    pub fn all_same(&self) -> bool {
        self.points.iter().all(|p| p.differences.is_empty())
    }
}

/// One run with shuffled branches and what it changed.
#[derive(Clone, Debug, Serialize)]
pub struct ShuffledRun {
    /// The branch-order seed of this run.
    pub seed: u64,
    /// How the outcome differs from the run in index order; empty when it does not.
    pub differences: Vec<String>,
}

/// Runs with shuffled branch order, seed by seed.
#[derive(Clone, Debug, Serialize)]
pub struct ShuffleReport {
    /// One per seed, in seed order.
    pub runs: Vec<ShuffledRun>,
}

impl ShuffleReport {
    /// Whether every order kept the outcome.
    pub fn all_same(&self) -> bool {
        self.runs.iter().all(|r| r.differences.is_empty())
    }
}

/// What a trial returns: the finished execution and the checkpoints it made.
pub type Trial = (ExecutionResult, Vec<String>);

/// The trial an execution run under a chaos plan amounts to.
pub fn trial_of(execution: &crate::service::Execution) -> Trial {
    let checkpoints = execution
        .wiring
        .chaos
        .as_ref()
        .map(|plan| plan.history.clone())
        .unwrap_or_default();
    (ExecutionResult::snapshot(execution), checkpoints)
}

/// Runs the crash trials. `run(plan)` runs the execution to its end under `plan` and
/// returns its result and the checkpoints it made.
pub fn crash_at_every_checkpoint<E>(
    mut run: impl FnMut(ChaosPlan) -> Result<Trial, E>,
) -> Result<ChaosReport, E> {
    let (baseline, checkpoints) = run(ChaosPlan::default())?;
    let expected = Outcome::of(&baseline);
    let mut points = Vec::with_capacity(checkpoints.len());
    for (index, after) in (1..).zip(&checkpoints) {
        let plan = ChaosPlan {
            crash_at: index,
            ..ChaosPlan::default()
        };
        let (result, _) = run(plan)?;
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

/// Runs the execution in index order, then `runs` times with branch order seeds
/// `first_seed`, `first_seed + 1`, …, comparing each outcome with the first.
pub fn shuffle_branch_order<E>(
    mut run: impl FnMut(ChaosPlan) -> Result<Trial, E>,
    first_seed: u64,
    runs: u32,
) -> Result<ShuffleReport, E> {
    let (baseline, _) = run(ChaosPlan::default())?;
    let expected = Outcome::of(&baseline);
    let mut shuffled = Vec::with_capacity(runs as usize);
    for seed in (first_seed..).take(runs as usize) {
        let plan = ChaosPlan {
            branch_order_seed: Some(seed),
            ..ChaosPlan::default()
        };
        let (result, _) = run(plan)?;
        shuffled.push(ShuffledRun {
            seed,
            differences: expected.differences(&Outcome::of(&result)),
        });
    }
    Ok(ShuffleReport { runs: shuffled })
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

/// A payload as its JSON value, or as a string when it is not JSON.
pub(crate) fn json_or_text(payload: &str) -> Value {
    serde_json::from_str(payload).unwrap_or_else(|_| Value::String(payload.to_owned()))
}

fn error_key(error: &ErrorObject) -> (Option<String>, Option<String>) {
    (error.error_type.clone(), error.error_message.clone())
}
