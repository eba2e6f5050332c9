//! Suite `wait_for_condition` (6-x): polling a check function until the wait strategy
//! stops, with names, initial states, fixed delays, attempt limits, failing checks,
//! structured, null and custom-serialized states, and sequences.

use durabox_sdk::{
    DurableContext, DurableError, DurableResult, Error, JitterStrategy, WaitDecision,
    WaitForConditionConfig, WaitStrategy, WaitStrategyConfig,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use crate::secs;

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    input: &Value,
) -> Option<DurableResult<Value>> {
    let threshold = input.as_i64().unwrap_or(0);
    Some(match id {
        "6-1" => count_up(ctx, None, 0, threshold, fixed(1)),
        "6-2" => unchanged(ctx, threshold),
        "6-3" => count_up(ctx, Some("poll-status"), 0, threshold, fixed(1)),
        "6-4" => count_up(ctx, None, 5, threshold, fixed(1)),
        "6-5" => count_up(ctx, None, 0, threshold, fixed(2)),
        "6-6" => never_met(ctx),
        "6-7" => failing_check(ctx),
        "6-8" => match failing_check(ctx) {
            Err(DurableError::ConditionFailed(_)) => Ok(json!("recovered")),
            other => other,
        },
        "6-9" => object_state(ctx),
        "6-10" => null_state(ctx),
        "6-11" => custom_serdes(ctx),
        "6-12" => then_step(ctx, threshold),
        "6-13" => sequential(ctx),
        _ => return None,
    })
}

/// A fixed delay between checks: no backoff, no jitter.
fn fixed(seconds: u64) -> WaitStrategyConfig {
    WaitStrategyConfig {
        initial_delay: secs(seconds),
        max_delay: secs(seconds),
        backoff_rate: 1.0,
        jitter: JitterStrategy::None,
        ..WaitStrategyConfig::default()
    }
}

/// Increments the state from `initial` while it is below `threshold`; returns the final
/// state. (6-1, 6-3..6-5; 6-12 and 6-13 build on it.)
fn poll_counter(
    ctx: &DurableContext,
    name: Option<&str>,
    initial: i64,
    threshold: i64,
    config: WaitStrategyConfig,
) -> DurableResult<i64> {
    let strategy = WaitStrategy::with_config(move |n: &i64| *n < threshold, config);
    ctx.wait_for_condition(
        name,
        |n: i64, _| Ok(n + 1),
        WaitForConditionConfig::new(initial, strategy),
    )
}

fn count_up(
    ctx: &DurableContext,
    name: Option<&str>,
    initial: i64,
    threshold: i64,
    config: WaitStrategyConfig,
) -> DurableResult<Value> {
    Ok(json!(poll_counter(ctx, name, initial, threshold, config)?))
}

/// 6-2: the state starts at 5 and is returned unchanged; the strategy continues only while
/// it is below the input (5), so the first check stops.
fn unchanged(ctx: &DurableContext, threshold: i64) -> DurableResult<Value> {
    let strategy = WaitStrategy::with_config(move |n: &i64| *n < threshold, fixed(1));
    let state = ctx.wait_for_condition(
        None::<&str>,
        |n: i64, _| Ok(n),
        WaitForConditionConfig::new(5, strategy),
    )?;
    Ok(json!(state))
}

/// 6-6: the condition is never met; at most 3 attempts with a fixed 1 s delay, so the third
/// check fails the operation (not caught).
fn never_met(ctx: &DurableContext) -> DurableResult<Value> {
    let config = WaitStrategyConfig {
        max_attempts: 3,
        ..fixed(1)
    };
    count_up(ctx, None, 0, i64::MAX, config)
}

/// 6-7, 6-8: the first check raises.
fn failing_check(ctx: &DurableContext) -> DurableResult<Value> {
    let strategy = WaitStrategy::with_config(|_: &i64| true, fixed(1));
    let state = ctx.wait_for_condition(
        None::<&str>,
        |_: i64, _| Err(Error::new("CheckError", "the check function failed")),
        WaitForConditionConfig::new(0, strategy),
    )?;
    Ok(json!(state))
}

#[derive(Serialize, Deserialize)]
struct Job {
    status: String,
    attempts: u32,
}

/// 6-9: `{status, attempts}` state: PENDING until the second check sets DONE.
fn object_state(ctx: &DurableContext) -> DurableResult<Value> {
    let initial = Job {
        status: "PENDING".into(),
        attempts: 0,
    };
    let strategy = WaitStrategy::with_config(|job: &Job| job.status == "PENDING", fixed(1));
    let job = ctx.wait_for_condition(
        None::<&str>,
        |job: Job, _| {
            let attempts = job.attempts + 1;
            let status = if attempts >= 2 { "DONE" } else { "PENDING" };
            Ok(Job {
                status: status.into(),
                attempts,
            })
        },
        WaitForConditionConfig::new(initial, strategy),
    )?;
    Ok(serde_json::to_value(job)?)
}

/// 6-10: the check returns null and the strategy stops at once.
fn null_state(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.wait_for_condition(
        None::<&str>,
        |_: Value, _| Ok(Value::Null),
        WaitForConditionConfig::new(
            Value::Null,
            WaitStrategy::function(|_, _| WaitDecision::Stop),
        ),
    )
}

/// 6-11's state with a custom serialization: checkpointed as `{"encoded": <reversed>}`
/// and decoded back when read.
struct Encoded(String);

impl Serialize for Encoded {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let reversed: String = self.0.chars().rev().collect();
        json!({ "encoded": reversed }).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Encoded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Envelope {
            encoded: String,
        }
        let envelope = Envelope::deserialize(deserializer)?;
        Ok(Encoded(envelope.encoded.chars().rev().collect()))
    }
}

/// 6-11: the check appends "x" until the state is 2 characters long.
fn custom_serdes(ctx: &DurableContext) -> DurableResult<Value> {
    let strategy = WaitStrategy::with_config(|s: &Encoded| s.0.len() < 2, fixed(1));
    let Encoded(state) = ctx.wait_for_condition(
        None::<&str>,
        |Encoded(s), _| Ok(Encoded(s + "x")),
        WaitForConditionConfig::new(Encoded(String::new()), strategy),
    )?;
    Ok(json!(state))
}

/// 6-12: count up to the input, then a step multiplies the result by 10.
fn then_step(ctx: &DurableContext, threshold: i64) -> DurableResult<Value> {
    let n = poll_counter(ctx, None, 0, threshold, fixed(1))?;
    let times_ten: i64 = ctx.step("multiply", |_| Ok(n * 10))?;
    Ok(json!(times_ten))
}

/// 6-13: count 0 -> 2, then 2 -> 4 in a second operation.
fn sequential(ctx: &DurableContext) -> DurableResult<Value> {
    let first = poll_counter(ctx, None, 0, 2, fixed(1))?;
    count_up(ctx, None, first, 4, fixed(1))
}
