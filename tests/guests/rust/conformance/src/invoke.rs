//! Suite `invoke` (5-x): chained invokes of other functions, their failures, replay,
//! tenant ids and custom payload/result (de)serialization; plus the invoke targets.
//!
//! The targets are served by this same component: `DURABOX_CONFORMANCE_FN=target-echo`
//! etc. (see `targets:` in tests/conformance/rust.yaml).

use durabox_sdk::{
    DurableContext, DurableError, DurableResult, Error, InvokeConfig, JsonSerdes, Serdes,
};
use serde_json::{json, Value};

use crate::{input_str, secs};

/// Returns its input unchanged.
pub(crate) const ECHO: &str = "conformance-target-echo";
/// Always fails with `TargetError`.
pub(crate) const FAIL: &str = "conformance-target-fail";
/// Returns `{"length": <bytes of the input as JSON>}`.
pub(crate) const MEASURE: &str = "conformance-target-measure";
/// Uppercases a string input (other inputs are returned unchanged).
pub(crate) const UPPER: &str = "conformance-target-upper";

/// The target functions' handlers (`DURABOX_CONFORMANCE_FN=target-...`).
pub(crate) fn target(id: &str, input: &Value) -> Option<DurableResult<Value>> {
    Some(match id {
        "target-echo" => Ok(input.clone()),
        "target-fail" => Err(Error::new("TargetError", "the target function failed").into()),
        "target-measure" => Ok(json!({ "length": input.to_string().len() })),
        "target-upper" => Ok(match input {
            Value::String(s) => json!(s.to_uppercase()),
            other => other.clone(),
        }),
        _ => return None,
    })
}

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    input: &Value,
) -> Option<DurableResult<Value>> {
    Some(match id {
        "5-1" | "5-3" | "5-4" => call(ctx, None, ECHO, input),
        "5-2" => call(
            ctx,
            Some(&input_str(&input["name"])),
            ECHO,
            &input["payload"],
        ),
        "5-5" => call(ctx, None, FAIL, &Value::Null),
        "5-6" => fallback(ctx),
        "5-7" => large_payload(ctx),
        "5-8" => with_tenant(ctx, input),
        "5-9" => then_wait(ctx),
        "5-10" => failed_then_wait(ctx),
        "5-11" => step_then_invoke(ctx),
        "5-12" => invoke_then_step(ctx),
        "5-13" => in_child_context(ctx),
        "5-14" => two_targets(ctx),
        "5-15" => payload_serdes(ctx, input),
        "5-16" => result_serdes(ctx, input),
        _ => return None,
    })
}

/// 5-1..5-5: invoke `function` with `payload` and return its result; failures are not caught.
fn call(
    ctx: &DurableContext,
    name: Option<&str>,
    function: &str,
    payload: &Value,
) -> DurableResult<Value> {
    ctx.invoke(name, function, payload)
}

/// The invoke's result, or `{"fallback": true, "error": <ErrorType>}` when the target failed.
fn caught(result: DurableResult<Value>) -> DurableResult<Value> {
    match result {
        Err(DurableError::InvokeFailed(e)) => Ok(json!({
            "fallback": true,
            "error": e.error_type,
        })),
        other => other,
    }
}

/// 5-6: the failing target's InvokeError is caught; a fallback value is returned.
fn fallback(ctx: &DurableContext) -> DurableResult<Value> {
    caught(ctx.invoke(None::<&str>, FAIL, &Value::Null))
}

/// 5-7: a payload of about 200 KB (below the 256 KB asynchronous Lambda payload limit);
/// the target reports the size it received.
fn large_payload(ctx: &DurableContext) -> DurableResult<Value> {
    let payload = json!({ "data": "x".repeat(200 * 1024) });
    ctx.invoke(None::<&str>, MEASURE, &payload)
}

/// 5-8: `input.payload` is sent with `input.tenantId` as the tenant.
fn with_tenant(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let config = InvokeConfig {
        tenant_id: Some(input_str(&input["tenantId"])),
    };
    ctx.invoke_with_config(None::<&str>, ECHO, &input["payload"], config)
}

/// 5-9: invoke, then a 1 s wait; the replay takes the invoke's result from the checkpoint.
fn then_wait(ctx: &DurableContext) -> DurableResult<Value> {
    let result: Value = ctx.invoke(None::<&str>, ECHO, &json!("cached"))?;
    ctx.wait(secs(1))?;
    Ok(result)
}

/// 5-10: the failing invoke is caught, then a 1 s wait; the replay re-raises the recorded
/// failure, which is caught again.
fn failed_then_wait(ctx: &DurableContext) -> DurableResult<Value> {
    let result = caught(ctx.invoke(None::<&str>, FAIL, &Value::Null))?;
    ctx.wait(secs(1))?;
    Ok(result)
}

/// 5-11: a step, then an invoke of its result.
fn step_then_invoke(ctx: &DurableContext) -> DurableResult<Value> {
    let prepared: String = ctx.step("prepare", |_| Ok("prepared".to_string()))?;
    ctx.invoke(None::<&str>, ECHO, &prepared)
}

/// 5-12: an invoke, then a step processing its result.
fn invoke_then_step(ctx: &DurableContext) -> DurableResult<Value> {
    let result: Value = ctx.invoke(None::<&str>, ECHO, &json!("invoked"))?;
    ctx.step("process", |_| Ok(json!({ "processed": result })))
}

/// 5-13: the invoke runs inside a child context, which returns its result.
fn in_child_context(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.run_in_child_context("invoke-child", |child| {
        child.invoke(None::<&str>, ECHO, &json!("from child"))
    })
}

/// 5-14: two different targets invoked one after the other.
fn two_targets(ctx: &DurableContext) -> DurableResult<Value> {
    let first: Value = ctx.invoke(None::<&str>, ECHO, &json!("first"))?;
    let second: Value = ctx.invoke(None::<&str>, UPPER, &json!("second"))?;
    Ok(json!([first, second]))
}

/// 5-15's payload serdes: the string is sent uppercased (as JSON, the target's input).
struct UppercasePayload;

impl Serdes<String> for UppercasePayload {
    fn serialize(&self, value: &String) -> Result<String, Error> {
        Ok(json!(value.to_uppercase()).to_string())
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<String, Error> {
        serde_json::from_str(payload.unwrap_or("null")).map_err(|e| Error::new("SerDesError", e))
    }
}

/// 5-15: `input.data` is serialized by the custom payload serdes before it is sent.
fn payload_serdes(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let data = input_str(&input["data"]);
    ctx.invoke_with_serdes(
        None::<&str>,
        ECHO,
        &data,
        InvokeConfig::default(),
        &UppercasePayload,
        &JsonSerdes::new(),
    )
}

/// 5-16's result serdes: the target's result payload is read uppercased, as text (so the
/// JSON string `"hello"` reads as the text `"HELLO"`, quotes included, like the AWS SDKs'
/// string serdes).
struct UppercaseResult;

impl Serdes<String> for UppercaseResult {
    fn serialize(&self, value: &String) -> Result<String, Error> {
        Ok(value.clone())
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<String, Error> {
        Ok(payload.unwrap_or_default().to_uppercase())
    }
}

/// 5-16: the echoed input is read back through the custom result serdes.
fn result_serdes(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let result: String = ctx.invoke_with_serdes(
        None::<&str>,
        ECHO,
        &input_str(input),
        InvokeConfig::default(),
        &JsonSerdes::new(),
        &UppercaseResult,
    )?;
    Ok(json!(result))
}
