//! Suite `step` (1-x): single steps, results, serdes, replay, retry strategies, semantics.

use durabox_sdk::{
    Backoff, DurableContext, DurableError, DurableResult, Error, JitterStrategy, RetryDecision,
    RetryPresets, RetryStrategy, RetryStrategyConfig, Serdes, StepConfig, StepSemantics,
};
use serde_json::{json, Value};

use crate::{input_str, secs};

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    input: &Value,
) -> Option<DurableResult<Value>> {
    Some(match id {
        "1-1" => greet(ctx, None, input),
        "1-2" => greet(ctx, Some("custom_step_name"), input),
        "1-3" => sequential(ctx),
        "1-4" => complex_object(ctx, input),
        "1-5" => null_result(ctx),
        "1-6" => custom_serdes(ctx, input),
        "1-7" => logger(ctx, input),
        "1-8" => step_then_wait(ctx, "computed", 2),
        "1-9" => step_then_wait(ctx, "cached_value", 1),
        "1-10" => failed_step_replayed(ctx),
        "1-11" => retry_then_succeed(ctx),
        "1-12" => retry_exhausted(ctx),
        "1-13" => default_retry(ctx),
        "1-14" => custom_backoff(ctx),
        "1-15" => retry_on_transient(ctx),
        "1-16" => no_retry_on_transient(ctx),
        "1-17" => at_most_once_crash(ctx, input),
        "1-18" => at_most_once_crash_then_retry(ctx, input),
        "1-19" => fails_permanently(ctx),
        "1-20" => caught_error(ctx),
        _ => return None,
    })
}

fn no_retry() -> StepConfig {
    StepConfig::new().retry_strategy(RetryPresets::none())
}

/// 1-1, 1-2: `Hello, <input>!`, with an optional step name.
fn greet(ctx: &DurableContext, name: Option<&str>, input: &Value) -> DurableResult<Value> {
    let who = input_str(input);
    let greeting: String = ctx.step(name, |_| Ok(format!("Hello, {who}!")))?;
    Ok(json!(greeting))
}

/// 1-3: the second step uses the first step's result.
fn sequential(ctx: &DurableContext) -> DurableResult<Value> {
    let first: String = ctx.step("step_one", |_| Ok("first".to_string()))?;
    let second: String = ctx.step("step_two", |_| Ok(format!("{first}_second")))?;
    Ok(json!(second))
}

/// 1-4: a nested object built from `{name, tags}`.
fn complex_object(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    ctx.step("build_response", |_| {
        let tags = input["tags"].as_array().cloned().unwrap_or_default();
        Ok(json!({
            "user": { "name": input["name"], "tags": tags },
            "count": tags.len(),
        }))
    })
}

/// 1-5: a step returning null.
fn null_result(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.step("do_nothing", |_| Ok(Value::Null))
}

/// Serializes JSON with every string value upper-cased (the suite's `uppercase_serdes`).
struct UppercaseSerdes;

fn uppercase(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.to_uppercase()),
        Value::Array(items) => Value::Array(items.iter().map(uppercase).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), uppercase(v))).collect())
        }
        other => other.clone(),
    }
}

impl Serdes<Value> for UppercaseSerdes {
    fn serialize(&self, value: &Value) -> Result<String, Error> {
        Ok(uppercase(value).to_string())
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<Value, Error> {
        Ok(serde_json::from_str(payload.unwrap_or("null"))?)
    }
}

/// 1-6: the step returns its input; the serdes upper-cases it.
fn custom_serdes(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    ctx.step_with_serdes("return_input", StepConfig::new(), &UppercaseSerdes, |_| {
        Ok(input.clone())
    })
}

/// 1-7: the step logs through its step-context logger.
fn logger(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let who = input_str(input);
    let greeting: String = ctx.step("greet", |step| {
        step.logger()
            .info(format!("Greeting step started for: {who}"));
        let greeting = format!("Hello, {who}!");
        step.logger()
            .info(format!("Greeting step completed with: {greeting}"));
        Ok(greeting)
    })?;
    Ok(json!(greeting))
}

/// 1-8, 1-9: a step, then a wait; on replay the step returns its recorded result.
fn step_then_wait(ctx: &DurableContext, value: &str, wait: u64) -> DurableResult<Value> {
    let result: String = ctx.step("compute", |step| {
        step.logger().info("step executed");
        Ok(value.to_string())
    })?;
    ctx.wait(secs(wait))?;
    Ok(json!(result))
}

/// 1-10: a failed step (no retry) is caught; on replay it fails again without running.
fn failed_step_replayed(ctx: &DurableContext) -> DurableResult<Value> {
    let caught = match ctx.step_with_config("failing_step", no_retry(), |step| {
        step.logger().info("step executed");
        Err::<Value, _>(Error::new("StepError", "step failed on purpose"))
    }) {
        Ok(_) => None,
        Err(DurableError::StepFailed(e)) => e.error_message,
        Err(other) => return Err(other),
    };
    ctx.wait(secs(1))?;
    Ok(json!({ "caught": caught }))
}

/// `attempts` in total, 1 s apart.
fn every_second(attempts: u32) -> RetryStrategyConfig {
    RetryStrategyConfig {
        max_attempts: attempts,
        initial_delay: secs(1),
        backoff: Backoff::Exponential { rate: 1.0 },
        jitter: JitterStrategy::None,
        ..RetryStrategyConfig::default()
    }
}

/// 1-11: fails attempt 1, succeeds on attempt 2.
pub(crate) fn retry_then_succeed(ctx: &DurableContext) -> DurableResult<Value> {
    let config = StepConfig::new().retry_strategy(every_second(3));
    let result: String = ctx.step_with_config("unreliable", config, |step| {
        if step.attempt() < 2 {
            return Err(Error::new("TemporaryError", "first attempt fails"));
        }
        Ok("Operation succeeded".to_string())
    })?;
    Ok(json!(result))
}

/// 1-12: always fails; 4 attempts 1 s apart, then the execution fails.
fn retry_exhausted(ctx: &DurableContext) -> DurableResult<Value> {
    let config = StepConfig::new().retry_strategy(every_second(4));
    ctx.step_with_config("always_fail", config, |step| {
        Err::<Value, _>(Error::new(
            "AlwaysFails",
            format!("attempt {} failed", step.attempt()),
        ))
    })
}

/// 1-13: no retry config (the SDK default); fails attempts 1 and 2.
fn default_retry(ctx: &DurableContext) -> DurableResult<Value> {
    let attempt: u32 = ctx.step("unreliable", |step| {
        if step.attempt() < 3 {
            return Err(Error::new(
                "TemporaryError",
                format!("attempt {} failed", step.attempt()),
            ));
        }
        Ok(step.attempt())
    })?;
    Ok(json!({ "attempts": attempt }))
}

/// 1-14: fails attempts 1 and 2; 5 attempts, 2 s initial delay, backoff 3, no jitter.
fn custom_backoff(ctx: &DurableContext) -> DurableResult<Value> {
    let config = StepConfig::new().retry_strategy(RetryStrategyConfig {
        max_attempts: 5,
        initial_delay: secs(2),
        backoff: Backoff::Exponential { rate: 3.0 },
        jitter: JitterStrategy::None,
        ..RetryStrategyConfig::default()
    });
    let attempt: u32 = ctx.step_with_config("flaky", config, |step| {
        if step.attempt() < 3 {
            return Err(Error::new(
                "TemporaryError",
                format!("attempt {} failed", step.attempt()),
            ));
        }
        Ok(step.attempt())
    })?;
    Ok(json!({ "attempts": attempt }))
}

fn is_transient(error: &durabox_sdk::ErrorObject) -> bool {
    error.error_type.as_deref() == Some("TransientError")
}

/// 1-15: throws `TransientError` once; the strategy retries only that type (1 s).
fn retry_on_transient(ctx: &DurableContext) -> DurableResult<Value> {
    let strategy = RetryStrategy::function(|error, attempt| {
        if is_transient(error) && attempt < 3 {
            RetryDecision::retry(secs(1))
        } else {
            RetryDecision::no_retry()
        }
    });
    let config = StepConfig::new().retry_strategy(strategy);
    let result: String = ctx.step_with_config("transient_once", config, |step| {
        if step.attempt() < 2 {
            return Err(Error::new("TransientError", "temporary glitch"));
        }
        Ok("recovered from transient error".to_string())
    })?;
    Ok(json!(result))
}

/// 1-16: throws `TransientError`; the strategy never retries it, the execution fails.
fn no_retry_on_transient(ctx: &DurableContext) -> DurableResult<Value> {
    let strategy = RetryStrategy::function(|error, _| {
        if is_transient(error) {
            RetryDecision::no_retry()
        } else {
            RetryDecision::retry(secs(1))
        }
    });
    let config = StepConfig::new().retry_strategy(strategy);
    ctx.step_with_config("transient_fails", config, |_| {
        Err::<Value, _>(Error::new("TransientError", "not retried"))
    })
}

/// 1-17: an at-most-once step without retry logs its input and crashes the runtime; the
/// interrupted attempt fails the step (and the execution) on the next invocation.
fn at_most_once_crash(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let config = StepConfig::new()
        .semantics(StepSemantics::AtMostOncePerRetry)
        .retry_strategy(RetryPresets::none());
    let who = input_str(input);
    ctx.step_with_config("at_most_once_flaky_step", config, |step| {
        step.logger().info(format!("executing step for {who}"));
        std::process::exit(1)
    })
}

/// 1-18: an at-most-once step with retry crashes on attempt 1 and succeeds on attempt 2.
fn at_most_once_crash_then_retry(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let config = StepConfig::new()
        .semantics(StepSemantics::AtMostOncePerRetry)
        .retry_strategy(every_second(3));
    let who = input_str(input);
    let result: String = ctx.step_with_config("at_most_once_retry_step", config, |step| {
        step.logger().info(format!(
            "executing step for {who}, attempt {}",
            step.attempt()
        ));
        if step.attempt() < 2 {
            std::process::exit(1);
        }
        Ok("succeeded on second attempt".to_string())
    })?;
    Ok(json!(result))
}

/// 1-19: a step without retry that always fails; the execution fails.
pub(crate) fn fails_permanently(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.step_with_config("failing_step", no_retry(), |_| {
        Err::<Value, _>(Error::new("StepError", "step always fails"))
    })
}

/// 1-20: the failure is caught, a second step returns the fallback value.
fn caught_error(ctx: &DurableContext) -> DurableResult<Value> {
    let fallback = match ctx.step_with_config("failing_step", no_retry(), |_| {
        Err::<String, _>(Error::new("StepError", "step fails"))
    }) {
        Ok(value) => value,
        Err(DurableError::StepFailed(_)) => "fallback_result".to_string(),
        Err(other) => return Err(other),
    };
    let result: String = ctx.step("use_fallback", |_| Ok(fallback))?;
    Ok(json!(result))
}
