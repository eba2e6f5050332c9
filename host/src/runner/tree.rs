//! A readable operation tree for terminals: one line per operation (labelled by what it
//! is: map, map item, parallel branch, wait for callback, ...), its status, duration,
//! result or error, every failed attempt of a retried step, and the log lines each
//! operation's code wrote, under that operation.

use std::collections::HashMap;
use std::fmt::Write;

use super::result::{ExecutionResult, OperationView};
use crate::model::{EventType, LogLine, Millis, OperationType};

/// Renders the operation tree, children indented, log lines under their operation.
pub fn render_tree(result: &ExecutionResult) -> String {
    let index = Index::of(result);
    let mut out = String::new();
    render_children(&mut out, &index, &result.operations(), None, 0);
    out
}

/// What the tree shows besides the operations, gathered in one pass each: the log lines
/// by the context that wrote them (in order of position), and each step's failed
/// attempts' errors.
struct Index<'a> {
    logs: HashMap<Option<&'a str>, Vec<&'a LogLine>>,
    failures: HashMap<&'a str, Vec<String>>,
}

impl<'a> Index<'a> {
    fn of(result: &'a ExecutionResult) -> Self {
        let mut logs: HashMap<Option<&str>, Vec<&LogLine>> = HashMap::new();
        for line in result.invocations.iter().flat_map(|i| &i.logs) {
            logs.entry(line.context_id.as_deref())
                .or_default()
                .push(line);
        }
        for lines in logs.values_mut() {
            lines.sort_by_key(|l| l.position);
        }
        let mut failures: HashMap<&str, Vec<String>> = HashMap::new();
        for event in &result.events {
            if event.event_type != EventType::StepFailed {
                continue;
            }
            let (Some(id), Some(error)) = (event.id.as_deref(), event.details.error()) else {
                continue;
            };
            let kind = error.error_type.as_deref().unwrap_or("Error");
            let message = error.error_message.as_deref().unwrap_or("");
            failures
                .entry(id)
                .or_default()
                .push(format!("{kind}: {message}"));
        }
        Self { logs, failures }
    }
}

/// `children` of the context `parent` (None: the root), with the lines logged in that
/// context placed where they were written (after `position` operations).
fn render_children(
    out: &mut String,
    index: &Index<'_>,
    children: &[OperationView<'_>],
    parent: Option<&str>,
    depth: usize,
) {
    let own = index.logs.get(&parent).map_or(&[][..], Vec::as_slice);
    let mut pending = own.iter().copied().peekable();
    for (at, op) in children.iter().enumerate() {
        while let Some(line) = pending.next_if(|l| l.position as usize <= at) {
            render_log(out, line, depth);
        }
        render(out, index, op, depth);
    }
    for line in pending {
        render_log(out, line, depth);
    }
}

fn render_log(out: &mut String, line: &LogLine, depth: usize) {
    let indent = "  ".repeat(depth);
    let _ = writeln!(out, "{indent}· {} {}", line.level, line.message);
}

fn render(out: &mut String, index: &Index<'_>, op: &OperationView<'_>, depth: usize) {
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
    // Every attempt's error when a step failed more than once (once is the op's error).
    let failures = index.failures.get(op.id()).map_or(&[][..], Vec::as_slice);
    if failures.len() > 1 {
        for (attempt, error) in failures.iter().enumerate() {
            let _ = writeln!(out, "{indent}  attempt {} ✗ {error}", attempt + 1);
        }
    }
    let children = op.children();
    render_children(out, index, &children, Some(op.id()), depth + 1);
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
