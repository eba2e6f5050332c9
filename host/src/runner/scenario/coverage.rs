//! Coverage of durable paths across scenarios: which operations were reached and how
//! they ended, retries taken, batch completion reasons and callback outcomes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::model::{Operation, OperationType};
use crate::runner::ExecutionResult;

/// Coverage per handler (component or source path).
#[derive(Debug, Default, Serialize)]
pub struct Coverage {
    handlers: BTreeMap<String, HandlerCoverage>,
}

/// What the scenarios of one handler exercised.
#[derive(Debug, Default, Serialize)]
pub struct HandlerCoverage {
    pub scenarios: usize,
    /// `STEP charge` (nested: `CONTEXT two / STEP two_1`) → statuses it ended in.
    pub operations: BTreeMap<String, BTreeSet<String>>,
    /// Step → the most attempts any scenario took.
    pub retries: BTreeMap<String, u32>,
    /// Map/parallel → completion reasons seen.
    pub completion_reasons: BTreeMap<String, BTreeSet<String>>,
    /// Callback → outcomes seen (SUCCEEDED, FAILED, TIMED_OUT, still STARTED).
    pub callbacks: BTreeMap<String, BTreeSet<String>>,
    /// Execution statuses seen.
    pub outcomes: BTreeSet<String>,
}

impl Coverage {
    /// Adds one finished scenario's execution of `handler`.
    pub fn add(&mut self, handler: &str, result: &ExecutionResult) {
        let entry = self.handlers.entry(handler.to_owned()).or_default();
        entry.scenarios += 1;
        entry.outcomes.insert(result.status.as_str().to_owned());
        let ops = &result.all_operations;
        for op in ops
            .iter()
            .filter(|op| op.op_type != OperationType::Execution)
        {
            let key = path(ops, op);
            let status = serde_json::to_value(op.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            entry
                .operations
                .entry(key.clone())
                .or_default()
                .insert(status.clone());
            match op.op_type {
                OperationType::Step => {
                    let attempts = op.step_details.as_ref().map_or(0, |d| d.attempt);
                    if attempts > 1 {
                        let max = entry.retries.entry(key).or_default();
                        *max = (*max).max(attempts);
                    }
                }
                OperationType::Callback => {
                    entry.callbacks.entry(key).or_default().insert(status);
                }
                OperationType::Context => {
                    if let Some(reason) = completion_reason(op) {
                        entry
                            .completion_reasons
                            .entry(key)
                            .or_default()
                            .insert(reason);
                    }
                }
                _ => {}
            }
        }
    }

    /// A readable summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (handler, c) in &self.handlers {
            let _ = writeln!(out, "coverage of {handler} ({} scenarios)", c.scenarios);
            let outcomes: Vec<_> = c.outcomes.iter().map(String::as_str).collect();
            let _ = writeln!(out, "  execution outcomes: {}", outcomes.join(", "));
            let _ = writeln!(out, "  operations reached: {}", c.operations.len());
            for (op, statuses) in &c.operations {
                let statuses: Vec<_> = statuses.iter().map(String::as_str).collect();
                let _ = writeln!(out, "    {op}: {}", statuses.join(", "));
            }
            for (step, attempts) in &c.retries {
                let _ = writeln!(out, "  retries: {step} up to attempt {attempts}");
            }
            for (batch, reasons) in &c.completion_reasons {
                let reasons: Vec<_> = reasons.iter().map(String::as_str).collect();
                let _ = writeln!(out, "  completion: {batch}: {}", reasons.join(", "));
            }
            for (callback, outcomes) in &c.callbacks {
                let outcomes: Vec<_> = outcomes.iter().map(String::as_str).collect();
                let _ = writeln!(out, "  callback: {callback}: {}", outcomes.join(", "));
            }
        }
        out
    }
}

/// `CONTEXT outer / STEP inner`: the operation with its enclosing operations.
fn path(ops: &[Operation], op: &Operation) -> String {
    let label = |op: &Operation| {
        format!(
            "{} {}",
            op.op_type.as_str(),
            op.name.as_deref().unwrap_or("(unnamed)")
        )
    };
    let mut parts = vec![label(op)];
    let mut parent = op.parent_id.as_deref();
    while let Some(id) = parent {
        let Some(up) = ops.iter().find(|o| o.id == id) else {
            break;
        };
        parts.push(label(up));
        parent = up.parent_id.as_deref();
    }
    parts.reverse();
    parts.join(" / ")
}

/// A map or parallel container's completion reason, from its BatchResult.
fn completion_reason(op: &Operation) -> Option<String> {
    let batch: Value = serde_json::from_str(op.result()?).ok()?;
    batch.get("completionReason")?.as_str().map(str::to_owned)
}
