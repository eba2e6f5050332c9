//! Suite `wait_for_callback` (7-x): a callback plus a submitter step in one child context
//! (SubType `WaitForCallback`).

use durabox_sdk::{
    CallbackConfig, DurableContext, DurableError, DurableResult, Error, OperationName,
    RetryStrategy, WaitForCallbackConfig,
};
use serde_json::{json, Value};

use crate::{input_str, secs};

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    input: &Value,
) -> Option<DurableResult<Value>> {
    let name = input_str(input);
    let plain = CallbackConfig::new;
    let timeout = |s| CallbackConfig::new().timeout(secs(s));
    let heartbeat = |s| CallbackConfig::new().heartbeat_timeout(secs(s));
    Some(match id {
        "7-1" | "7-4" | "7-15" => wait_for(ctx, &name, plain()),
        "7-2" => wait_for(ctx, "approval", plain()),
        "7-3" => wait_for(ctx, None::<&str>, plain()),
        "7-5" => wait_for(ctx, &name, timeout(3)),
        "7-6" => recovered(ctx, &name, plain(), "recovered"),
        "7-7" => submitter_fails(ctx, &name),
        "7-8" => in_child(ctx, &name),
        "7-9" => two_in_a_row(ctx),
        "7-10" => after_wait_and_step(ctx, &name),
        "7-11" => json_payload(ctx, &name),
        "7-12" => wait_for(ctx, &name, heartbeat(5)),
        "7-13" => wait_for(ctx, &name, heartbeat(10)),
        "7-14" => recovered(ctx, &name, timeout(3), "timed-out-handled"),
        _ => return None,
    })
}

/// A submitter that only hands the callback id over (nothing durable).
fn submit(callback_id: &str, step: &durabox_sdk::StepContext<'_>) -> Result<(), Error> {
    step.logger()
        .info(format!("submitting callback {callback_id}"));
    Ok(())
}

/// 7-1..7-5, 7-12, 7-13, 7-15: one wait_for_callback whose result is returned; failures and
/// timeouts are not caught.
fn wait_for(
    ctx: &DurableContext,
    name: impl OperationName,
    config: CallbackConfig,
) -> DurableResult<Value> {
    ctx.wait_for_callback(name, submit, config)
}

/// 7-6 (failure) and 7-14 (timeout): the error is caught and `fallback` returned.
fn recovered(
    ctx: &DurableContext,
    name: &str,
    config: CallbackConfig,
    fallback: &str,
) -> DurableResult<Value> {
    match ctx.wait_for_callback::<Value, _>(name, submit, config) {
        Ok(value) => Ok(value),
        Err(DurableError::CallbackFailed(_) | DurableError::CallbackTimedOut(_)) => {
            Ok(json!(fallback))
        }
        Err(other) => Err(other),
    }
}

/// 7-7: the submitter always throws; 2 attempts 1 s apart, then the operation fails.
fn submitter_fails(ctx: &DurableContext, name: &str) -> DurableResult<Value> {
    let config = WaitForCallbackConfig::new(CallbackConfig::new())
        .retry_strategy(RetryStrategy::fixed(2, secs(1)));
    ctx.wait_for_callback(
        name,
        |_, step| {
            Err(Error::new(
                "SubmitterError",
                format!("submitter attempt {} failed", step.attempt()),
            ))
        },
        config,
    )
}

/// 7-8: the operation runs inside a child context named "wrapper".
fn in_child(ctx: &DurableContext, name: &str) -> DurableResult<Value> {
    ctx.run_in_child_context("wrapper", |child| {
        child.wait_for_callback(name, submit, CallbackConfig::new())
    })
}

/// 7-9: "first", then "second"; returns the second result.
fn two_in_a_row(ctx: &DurableContext) -> DurableResult<Value> {
    let _first: Value = ctx.wait_for_callback("first", submit, CallbackConfig::new())?;
    ctx.wait_for_callback("second", submit, CallbackConfig::new())
}

/// 7-10: a 1 s wait, a top-level step, then the operation.
fn after_wait_and_step(ctx: &DurableContext, name: &str) -> DurableResult<Value> {
    ctx.wait(secs(1))?;
    let _: Value = ctx.step("fixed_data", |_| Ok(json!({ "data": "fixed" })))?;
    ctx.wait_for_callback(name, submit, CallbackConfig::new())
}

/// 7-11: the payload is read as a JSON object; its `status` field is returned.
fn json_payload(ctx: &DurableContext, name: &str) -> DurableResult<Value> {
    let payload: Value = ctx.wait_for_callback(name, submit, CallbackConfig::new())?;
    Ok(payload["status"].clone())
}
