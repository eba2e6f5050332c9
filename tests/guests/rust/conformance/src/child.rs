//! Suite `child` (3-x): child contexts, nesting, failures, replay, large results, serdes.

use durabox_sdk::bindings::durabox::durable::types::invocation_envelope;
use durabox_sdk::{
    DurableContext, DurableError, DurableResult, Error, LoggerConfig, RetryPresets, Serdes,
    StepConfig,
};
use serde_json::{json, Value};

use crate::{input_str, secs};

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    input: &Value,
) -> Option<DurableResult<Value>> {
    let text = input_str(input);
    Some(match id {
        "3-1" => single_step(ctx, "child", &text),
        "3-2" => named(ctx, input),
        "3-3" => two_steps(ctx, &text),
        "3-4" => failing_step(ctx),
        "3-5" => failure_caught(ctx, &text),
        "3-6" => nested(ctx, &text),
        "3-7" => step_retry(ctx, &text),
        "3-8" => step_retry_exhausted(ctx),
        "3-9" => replay_cached(ctx, &text),
        "3-10" => step_and_wait(ctx, &text),
        "3-11" => large_result(ctx, &text),
        "3-12" => interrupted(ctx, &text),
        "3-13" => wait_inside(ctx, &text),
        "3-14" => custom_serdes(ctx, &text),
        "3-15" => throws_directly(ctx),
        "3-16" => returns_null(ctx),
        "3-17" => logger_only(ctx, &text),
        "3-18" => inside_and_after(ctx, &text),
        _ => return None,
    })
}

fn no_retry() -> StepConfig {
    StepConfig::new().retry_strategy(RetryPresets::none())
}

/// A step inside `ctx` returning `value`.
fn echo(ctx: &DurableContext, name: &str, value: &str) -> DurableResult<String> {
    ctx.step(name, |_| Ok(value.to_string()))
}

/// 3-1: a child context with one step returning the input.
fn single_step(ctx: &DurableContext, name: &str, text: &str) -> DurableResult<Value> {
    let result = ctx.run_in_child_context(name, |child| echo(child, "echo", text))?;
    Ok(json!(result))
}

/// 3-2: the child context is named after `input.name`; its step returns `input.value`.
fn named(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let name = input_str(&input["name"]);
    let value = input_str(&input["value"]);
    single_step(ctx, &name, &value)
}

/// 3-3: two steps, the second receiving the first step's result.
fn two_steps(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let result = ctx.run_in_child_context("two_steps", |child| {
        let first = echo(child, "first", text)?;
        echo(child, "second", &first)
    })?;
    Ok(json!(result))
}

/// A step (no retry) that always fails.
fn fail(ctx: &DurableContext) -> DurableResult<String> {
    ctx.step_with_config("failing_step", no_retry(), |_| {
        Err(Error::new("StepError", "child step failed"))
    })
}

/// 3-4: the inner step fails; the child context and the execution fail.
fn failing_step(ctx: &DurableContext) -> DurableResult<Value> {
    let result = ctx.run_in_child_context("failing_child", fail)?;
    Ok(json!(result))
}

/// 3-5: the child context's failure is caught; a recovery step returns the input.
fn failure_caught(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    match ctx.run_in_child_context("failing_child", fail) {
        Ok(_) | Err(DurableError::ChildContextFailed(_)) => {}
        Err(other) => return Err(other),
    }
    let result = echo(ctx, "recovery", text)?;
    Ok(json!(result))
}

/// 3-6: an outer child (one step) containing an inner child (one step).
fn nested(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let result = ctx.run_in_child_context("outer", |outer| {
        echo(outer, "outer_step", text)?;
        outer.run_in_child_context("inner", |inner| echo(inner, "inner_step", text))
    })?;
    Ok(json!(result))
}

/// 3-7: the inner step fails on attempt 1 and succeeds on attempt 2.
fn step_retry(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let result = ctx.run_in_child_context("retrying_child", |child| {
        let config =
            StepConfig::new().retry_strategy(durabox_sdk::RetryStrategy::fixed(3, secs(1)));
        child.step_with_config("flaky", config, |step| {
            if step.attempt() < 2 {
                return Err(Error::new("TemporaryError", "first attempt fails"));
            }
            Ok(text.to_string())
        })
    })?;
    Ok(json!(result))
}

/// 3-8: the inner step always fails, 2 attempts; the child context and execution fail.
fn step_retry_exhausted(ctx: &DurableContext) -> DurableResult<Value> {
    let result: String = ctx.run_in_child_context("exhausted_child", |child| {
        let config =
            StepConfig::new().retry_strategy(durabox_sdk::RetryStrategy::fixed(2, secs(1)));
        child.step_with_config("always_fails", config, |step| {
            Err(Error::new(
                "AlwaysFails",
                format!("attempt {} failed", step.attempt()),
            ))
        })
    })?;
    Ok(json!(result))
}

/// 3-9: a child context, then a wait; on replay the child returns its recorded result.
fn replay_cached(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let result = ctx.run_in_child_context("cached_child", |child| echo(child, "echo", text))?;
    ctx.wait(secs(1))?;
    Ok(json!(result))
}

/// 3-10: a step and a wait inside the child context.
fn step_and_wait(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let result = ctx.run_in_child_context("step_and_wait", |child| {
        let value = echo(child, "echo", text)?;
        child.wait(secs(1))?;
        Ok(value)
    })?;
    Ok(json!(result))
}

/// Bigger than the 256 KiB checkpoint limit for a child context's result.
const LARGE_RESULT_BYTES: usize = 300 * 1024;

/// 3-11: the child logs the input, runs a small step and builds a result over 256 KiB
/// (checkpointed with ReplayChildren, so it re-runs on replay); then a wait. Replay
/// logging is on, so the re-run child logs again.
fn large_result(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    ctx.configure_logger(LoggerConfig { mode_aware: false });
    let large = ctx.run_in_child_context("large_child", |child| {
        child
            .logger()
            .info(format!("building large result for {text}"));
        let small = echo(child, "small", text)?;
        let unit = format!("{small};");
        Ok(unit.repeat(LARGE_RESULT_BYTES / unit.len() + 1))
    })?;
    ctx.wait(secs(1))?;
    Ok(json!({ "length": large.len() }))
}

/// Whether an earlier invocation already started a step (read from the invocation's
/// initial state, before this invocation issues any operation).
fn step_started_earlier() -> bool {
    let envelope: Value = serde_json::from_str(&invocation_envelope()).unwrap_or_default();
    envelope["InitialExecutionState"]["Operations"]
        .as_array()
        .is_some_and(|ops| ops.iter().any(|op| op["Type"] == "STEP"))
}

/// 3-12: the step crashes the runtime on the first invocation (after StepStarted); the next
/// invocation runs it again and it succeeds.
fn interrupted(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let crash = !step_started_earlier();
    let result = ctx.run_in_child_context("interrupted_child", |child| {
        child.step("crashing_step", |_| {
            if crash {
                std::process::exit(1);
            }
            Ok(text.to_string())
        })
    })?;
    Ok(json!(result))
}

/// 3-13: a child context with only a wait, then a step outside it.
fn wait_inside(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let from_child = ctx.run_in_child_context("waiting_child", |child| {
        child.wait(secs(1))?;
        Ok(text.to_string())
    })?;
    let result = echo(ctx, "after_child", &from_child)?;
    Ok(json!(result))
}

/// Checkpoints a string upper-cased, as is (not JSON); reads the payload back unchanged.
struct UppercaseSerdes;

impl Serdes<String> for UppercaseSerdes {
    fn serialize(&self, value: &String) -> Result<String, Error> {
        Ok(value.to_uppercase())
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<String, Error> {
        Ok(payload.unwrap_or_default().to_string())
    }
}

/// 3-14: the child's result goes through the upper-casing serdes.
fn custom_serdes(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let result =
        ctx.run_in_child_context_with_serdes("uppercase_child", &UppercaseSerdes, |child| {
            echo(child, "echo", text)
        })?;
    Ok(json!(result))
}

/// 3-15: the child function fails without any durable operation.
fn throws_directly(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.run_in_child_context("throwing_child", |_| -> DurableResult<Value> {
        Err(Error::new("ChildError", "child failed directly").into())
    })
}

/// 3-16: the child function returns null.
fn returns_null(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.run_in_child_context("null_child", |_| Ok(Value::Null))
}

/// 3-17: the child only logs and returns the input; then a wait (the child is not re-run).
fn logger_only(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let result = ctx.run_in_child_context("logging_child", |child| {
        child
            .logger()
            .info(format!("child context received {text}"));
        Ok(text.to_string())
    })?;
    ctx.wait(secs(1))?;
    Ok(json!(result))
}

/// 3-18: a step and a wait in the child context, then a step and a wait after it.
fn inside_and_after(ctx: &DurableContext, text: &str) -> DurableResult<Value> {
    let from_child = ctx.run_in_child_context("step_and_wait", |child| {
        let value = echo(child, "inner_step", text)?;
        child.wait(secs(1))?;
        Ok(value)
    })?;
    let result = echo(ctx, "outer_step", &from_child)?;
    ctx.wait(secs(1))?;
    Ok(json!(result))
}
