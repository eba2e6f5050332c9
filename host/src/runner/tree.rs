//! A readable operation tree for terminals: one line per operation (labelled by what it
//! is: map, map item, parallel branch, wait for callback, ...), its status, duration,
//! result or error, every failed attempt of a retried step, and the log lines each
//! operation's code wrote, under that operation.

use std::fmt::Write;

use super::result::{ExecutionResult, OperationView};
use crate::model::{EventType, LogLine, Millis, OperationType};

/// Renders the operation tree, children indented, log lines under their operation.
pub fn render_tree(result: &ExecutionResult) -> String {
    let logs: Vec<&LogLine> = result.invocations.iter().flat_map(|i| &i.logs).collect();
    let mut out = String::new();
    render_children(&mut out, result, &result.operations(), None, &logs, 0);
    out
}

/// `children` of the context `parent` (None: the root), with the lines logged in that
/// context placed where they were written (after `position` operations).
fn render_children(
    out: &mut String,
    result: &ExecutionResult,
    children: &[OperationView<'_>],
    parent: Option<&str>,
    logs: &[&LogLine],
    depth: usize,
) {
    let mut own: Vec<&LogLine> = logs
        .iter()
        .copied()
        .filter(|l| l.context_id.as_deref() == parent)
        .collect();
    own.sort_by_key(|l| l.position);
    let mut pending = own.into_iter().peekable();
    for (index, op) in children.iter().enumerate() {
        while let Some(line) = pending.next_if(|l| l.position as usize <= index) {
            render_log(out, line, depth);
        }
        render(out, result, op, logs, depth);
    }
    for line in pending {
        render_log(out, line, depth);
    }
}

fn render_log(out: &mut String, line: &LogLine, depth: usize) {
    let indent = "  ".repeat(depth);
    let _ = writeln!(out, "{indent}· {} {}", line.level, line.message);
}

fn render(
    out: &mut String,
    result: &ExecutionResult,
    op: &OperationView<'_>,
    logs: &[&LogLine],
    depth: usize,
) {
    let indent = "  ".repeat(depth);
    let name = op.name().unwrap_or("(unnamed)");
    let status = format!("{:?}", op.status()).to_uppercase();
    let mut detail = String::new();
    if let Some(end) = op.end_timestamp() {
        let _ = write!(detail, " {}", duration(end - op.start_timestamp()));
    }
    if let Some(attempt) = op.attempt().filter(|&a| a > 1) {
        let _ = write!(detail, " attempts={attempt}");
    }
    if let Some(id) = op.callback_id() {
        let _ = write!(detail, " callback-id={id}");
    }
    if let Some(result) = op.result() {
        let _ = write!(detail, " → {}", abbreviate(result));
    }
    if let Some(error) = op.error() {
        let _ = write!(detail, " ✗ {error}");
    }
    let _ = writeln!(out, "{indent}{} {name} [{status}]{detail}", label(op));
    for (attempt, error) in failed_attempts(result, op.id()) {
        let _ = writeln!(out, "{indent}  attempt {attempt} ✗ {error}");
    }
    let children = op.children();
    render_children(out, result, &children, Some(op.id()), logs, depth + 1);
}

/// What the operation is, from its type and AWS subtype.
fn label(op: &OperationView<'_>) -> &'static str {
    match (op.op_type(), op.sub_type()) {
        (OperationType::Context, Some("Map")) => "map",
        (OperationType::Context, Some("MapIteration")) => "map item",
        (OperationType::Context, Some("Parallel")) => "parallel",
        (OperationType::Context, Some("ParallelBranch")) => "branch",
        (OperationType::Context, Some("WaitForCallback")) => "wait for callback",
        (OperationType::Context, _) => "context",
        (OperationType::Step, Some("WaitForCondition")) => "wait for condition",
        (OperationType::Step, _) => "step",
        (OperationType::Wait, _) => "wait",
        (OperationType::Callback, _) => "callback",
        (OperationType::ChainedInvoke, _) => "invoke",
        (OperationType::Execution, _) => "execution",
    }
}

/// The error of every failed attempt of a step that failed more than once (its
/// StepFailed events, numbered from 1); one failure shows as the operation's error.
fn failed_attempts(result: &ExecutionResult, id: &str) -> Vec<(usize, String)> {
    let errors: Vec<String> = result
        .events
        .iter()
        .filter(|e| e.id.as_deref() == Some(id) && e.event_type == EventType::StepFailed)
        .filter_map(|e| {
            let error = &e.detail("Error")?["Payload"];
            let kind = error["ErrorType"].as_str().unwrap_or("Error");
            let message = error["ErrorMessage"].as_str().unwrap_or("");
            Some(format!("{kind}: {message}"))
        })
        .collect();
    if errors.len() < 2 {
        return Vec::new();
    }
    errors
        .into_iter()
        .enumerate()
        .map(|(i, e)| (i + 1, e))
        .collect()
}

fn duration(millis: Millis) -> String {
    if millis < 1000 {
        format!("{millis}ms")
    } else if millis < 120_000 {
        format!("{:.1}s", millis as f64 / 1000.0)
    } else {
        humantime::format_duration(std::time::Duration::from_secs((millis / 1000) as u64))
            .to_string()
            .replace(' ', "")
    }
}

fn abbreviate(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}… ({} bytes)", text.len())
    }
}
