//! A readable operation tree for terminals.

use std::fmt::Write;

use super::result::{ExecutionResult, OperationView};
use crate::model::OperationType;

/// Renders the operation tree, one operation per line, children indented.
pub fn render_tree(result: &ExecutionResult) -> String {
    let mut out = String::new();
    for op in result.operations() {
        render(&mut out, &op, 0);
    }
    out
}

fn render(out: &mut String, op: &OperationView<'_>, depth: usize) {
    let indent = "  ".repeat(depth);
    let kind = match op.op_type() {
        OperationType::Step => "step",
        OperationType::Wait => "wait",
        OperationType::Context => "context",
        OperationType::Callback => "callback",
        OperationType::ChainedInvoke => "invoke",
        OperationType::Execution => "execution",
    };
    let name = op.name().unwrap_or("(unnamed)");
    let status = format!("{:?}", op.status()).to_uppercase();
    let mut detail = String::new();
    if let Some(attempt) = op.attempt().filter(|&a| a > 1) {
        let _ = write!(detail, " attempts={attempt}");
    }
    if let (Some(end), OperationType::Wait) = (op.end_timestamp(), op.op_type()) {
        let _ = write!(detail, " waited={}s", (end - op.start_timestamp()) / 1000);
    }
    if let Some(result) = op.result() {
        let _ = write!(detail, " → {}", abbreviate(result));
    }
    if let Some(error) = op.error() {
        let _ = write!(detail, " ✗ {error}");
    }
    let _ = writeln!(out, "{indent}{kind} {name} [{status}]{detail}");
    for child in op.children() {
        render(out, &child, depth + 1);
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
