//! Suite `wait` (2-x): durable waits, named waits, sequences and long durations.

use durabox_sdk::{DurableContext, DurableResult};
use serde_json::{json, Value};

use crate::secs;

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    _input: &Value,
) -> Option<DurableResult<Value>> {
    Some(match id {
        "2-1" => wait(ctx, None, 2),
        "2-2" => wait(ctx, Some("custom_wait_name"), 2),
        "2-3" => sequential(ctx),
        // 1 minute and 1 hour: the suite only checks the WaitStarted duration (history-only).
        "2-4" => wait(ctx, None, 60),
        "2-5" => wait(ctx, None, 60 * 60),
        _ => return None,
    })
}

/// 2-1, 2-2, 2-4, 2-5: one wait.
fn wait(ctx: &DurableContext, name: Option<&str>, seconds: u64) -> DurableResult<Value> {
    ctx.wait_named(name, secs(seconds))?;
    Ok(Value::Null)
}

/// 2-3: two named waits of 2 s, one invocation each.
fn sequential(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.wait_named("wait-1", secs(2))?;
    ctx.wait_named("wait-2", secs(2))?;
    Ok(json!({ "completedWaits": 2 }))
}
