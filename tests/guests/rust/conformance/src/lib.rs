//! The Rust handlers of AWS's durable-execution conformance suite
//! (`aws-durable-execution-conformance-tests` 1.0.0), one component for all of them.
//!
//! The environment variable `DURABOX_CONFORMANCE_FN` holds the requirement id (e.g. `1-11`)
//! and selects the handler; `tests/conformance/rust.yaml` maps each id to a function that
//! sets it. Each handler does what its YAML's `handler:`/`invocations:` text describes.
//! The chained-invoke targets of suite 5 are served too, with ids `target-<kind>`, and
//! suite 10's requirements register their plugins.

mod callback;
mod child;
mod invoke;
mod map;
mod parallel;
mod plugin;
mod step;
mod wait;
mod wait_for_callback;
mod wait_for_condition;

use durabox_sdk::{BatchResult, DurableContext, DurableResult, Error};
use serde_json::{json, Map, Value};

/// The environment variable naming the requirement to serve.
const FN_VAR: &str = "DURABOX_CONFORMANCE_FN";

fn handler(ctx: &DurableContext, input: Value) -> DurableResult<Value> {
    let id = std::env::var(FN_VAR).unwrap_or_default();
    let handled = match id.split_once('-').map(|(suite, _)| suite) {
        Some("1") => step::handle(&id, ctx, &input),
        Some("2") => wait::handle(&id, ctx, &input),
        Some("3") => child::handle(&id, ctx, &input),
        Some("4") => callback::handle(&id, ctx, &input),
        Some("5") => invoke::handle(&id, ctx, &input),
        Some("6") => wait_for_condition::handle(&id, ctx, &input),
        Some("7") => wait_for_callback::handle(&id, ctx, &input),
        Some("8") => parallel::handle(&id, ctx, &input),
        Some("9") => map::handle(&id, ctx, &input),
        Some("10") => plugin::handle(&id, ctx, &input),
        Some("target") => invoke::target(&id, &input),
        _ => None,
    };
    handled.unwrap_or_else(|| {
        Err(Error::new(
            "UnknownRequirement",
            format!("{FN_VAR}={id:?} names no implemented requirement"),
        )
        .into())
    })
}

/// The plugins of the requirement being served (suite 10 only).
fn plugins() -> Vec<Box<dyn durabox_sdk::Plugin>> {
    plugin::plugins(&std::env::var(FN_VAR).unwrap_or_default())
}

durabox_sdk::handler!(handler, plugins = plugins);

/// The input as a string (the suite passes plain JSON strings; anything else is
/// rendered as JSON).
pub(crate) fn input_str(input: &Value) -> String {
    match input {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whole seconds.
pub(crate) fn secs(n: u64) -> std::time::Duration {
    std::time::Duration::from_secs(n)
}

/// Every field of a batch projection.
pub(crate) const FULL: &[&str] = &[
    "completionReason",
    "status",
    "successCount",
    "failureCount",
    "totalCount",
];
/// A batch projection without `status`.
pub(crate) const COUNTS: &[&str] = &[
    "completionReason",
    "successCount",
    "failureCount",
    "totalCount",
];

/// A completion config tolerating `n` failed branches.
pub(crate) fn tolerate(n: u32) -> durabox_sdk::CompletionConfig {
    durabox_sdk::CompletionConfig {
        tolerated_failure_count: Some(n),
        ..durabox_sdk::CompletionConfig::default()
    }
}

/// The projection of a batch result the map/parallel requirements return: the subset
/// `keys` of `{completionReason, status, successCount, failureCount, totalCount}`, where
/// `status` is FAILED when a branch failed and `totalCount` counts the started branches.
pub(crate) fn projection<T>(result: &BatchResult<T>, keys: &[&str]) -> Value {
    let reason = result.completion_reason.aws_name();
    let status = if result.has_failure() {
        "FAILED"
    } else {
        "SUCCEEDED"
    };
    let all = json!({
        "completionReason": reason,
        "status": status,
        "successCount": result.success_count(),
        "failureCount": result.failure_count(),
        "totalCount": result.all.len(),
    });
    let picked: Map<String, Value> = keys
        .iter()
        .map(|k| (k.to_string(), all[*k].clone()))
        .collect();
    Value::Object(picked)
}
