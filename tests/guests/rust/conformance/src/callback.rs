//! Suite `callback` (4-x): callbacks completed, failed or timed out by the outside world,
//! combined with steps and waits, custom deserialization, several callbacks.

use durabox_sdk::{CallbackConfig, DurableContext, DurableError, DurableResult, Error};
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
        "4-1" => await_one(ctx, &name, plain()),
        "4-2" => await_one(ctx, "approval", plain()),
        "4-3" => await_one(ctx, &name, timeout(5)),
        "4-4" => await_one(ctx, &name, heartbeat(5)),
        "4-5" => await_one(ctx, &name, heartbeat(10)),
        "4-6" => await_one(ctx, &name, plain()),
        "4-7" => step_between(ctx, &name, plain()),
        "4-8" => step_between(ctx, &name, timeout(5)),
        "4-9" | "4-10" => wait_between(ctx, &name, plain(), 5),
        "4-11" => wait_between(ctx, &name, timeout(3), 6),
        "4-12" => wait_after(ctx, &name),
        "4-13" | "4-14" => caught_then_wait(ctx, &name, id == "4-14"),
        "4-15" => typed_payload(ctx, &name),
        "4-16" => numeric_payload(ctx, &name),
        "4-17" => sequential_pair(ctx, input),
        "4-18" => await_pair(ctx, input, false),
        "4-19" => await_pair(ctx, input, true),
        _ => return None,
    })
}

/// 4-1..4-6: create a callback and return its result; failures and timeouts are not
/// caught, so they fail the execution.
fn await_one(ctx: &DurableContext, name: &str, config: CallbackConfig) -> DurableResult<Value> {
    ctx.create_callback(name, config)?.result()
}

/// 4-7, 4-8: create the callback, run a step, then await the callback.
fn step_between(ctx: &DurableContext, name: &str, config: CallbackConfig) -> DurableResult<Value> {
    let callback = ctx.create_callback(name, config)?;
    let _: String = ctx.step("between", |_| Ok("step done".to_string()))?;
    callback.result()
}

/// 4-9..4-11: create the callback, wait, then await the callback.
fn wait_between(
    ctx: &DurableContext,
    name: &str,
    config: CallbackConfig,
    wait: u64,
) -> DurableResult<Value> {
    let callback = ctx.create_callback(name, config)?;
    ctx.wait(secs(wait))?;
    callback.result()
}

/// 4-12: await the callback, then wait 2 s, then return the callback's result.
fn wait_after(ctx: &DurableContext, name: &str) -> DurableResult<Value> {
    let result: Value = ctx.create_callback(name, CallbackConfig::new())?.result()?;
    ctx.wait(secs(2))?;
    Ok(result)
}

/// 4-13 (failure) and 4-14 (3 s timeout): the error is caught and its message kept; then a
/// 2 s wait, then the message is returned.
fn caught_then_wait(ctx: &DurableContext, name: &str, with_timeout: bool) -> DurableResult<Value> {
    let config = if with_timeout {
        CallbackConfig::new().timeout(secs(3))
    } else {
        CallbackConfig::new()
    };
    let message = match ctx.create_callback(name, config)?.result::<Value>() {
        Ok(value) => json!({ "result": value }),
        Err(e @ (DurableError::CallbackFailed(_) | DurableError::CallbackTimedOut(_))) => {
            json!({ "error": e.to_string() })
        }
        Err(other) => return Err(other),
    };
    ctx.wait(secs(2))?;
    Ok(message)
}

/// 4-15: a custom deserializer reads `{id, message, timestamp: ISO-8601}` and turns the
/// timestamp into epoch seconds.
fn typed_payload(ctx: &DurableContext, name: &str) -> DurableResult<Value> {
    let raw = ctx
        .create_callback(name, CallbackConfig::new())?
        .result_raw()?;
    let payload: Value = serde_json::from_str(raw.as_deref().unwrap_or("null"))?;
    let timestamp = payload["timestamp"]
        .as_str()
        .and_then(epoch_seconds)
        .ok_or_else(|| Error::new("DeserializationError", "timestamp is not ISO-8601"))?;
    Ok(json!({
        "received": {
            "id": payload["id"],
            "message": payload["message"],
            "timestamp": timestamp,
        }
    }))
}

/// 4-16: a custom deserializer parses the payload into a number.
fn numeric_payload(ctx: &DurableContext, name: &str) -> DurableResult<Value> {
    let raw = ctx
        .create_callback(name, CallbackConfig::new())?
        .result_raw()?;
    let count: i64 = raw
        .as_deref()
        .map(|s| s.trim().trim_matches('"'))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::new("DeserializationError", format!("not a number: {raw:?}")))?;
    Ok(json!({ "count": count, "doubled": count * 2 }))
}

/// The two callback names of 4-17..4-19 (`[A, B]`).
fn pair_names(input: &Value) -> (String, String) {
    (input_str(&input[0]), input_str(&input[1]))
}

/// 4-17: create and await A, then create and await B.
fn sequential_pair(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let (a, b) = pair_names(input);
    let first: Value = ctx.create_callback(a, CallbackConfig::new())?.result()?;
    let second: Value = ctx.create_callback(b, CallbackConfig::new())?.result()?;
    Ok(json!([first, second]))
}

/// 4-18 (await A first) and 4-19 (await B first): create A and B, then await both.
fn await_pair(ctx: &DurableContext, input: &Value, b_first: bool) -> DurableResult<Value> {
    let (a, b) = pair_names(input);
    let callback_a = ctx.create_callback(a, CallbackConfig::new())?;
    let callback_b = ctx.create_callback(b, CallbackConfig::new())?;
    let (first, second): (Value, Value) = if b_first {
        let second = callback_b.result()?;
        (callback_a.result()?, second)
    } else {
        let first = callback_a.result()?;
        (first, callback_b.result()?)
    };
    Ok(json!([first, second]))
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` as whole seconds since the Unix epoch.
fn epoch_seconds(iso: &str) -> Option<i64> {
    let iso = iso.strip_suffix('Z')?;
    let (date, time) = iso.split_once('T')?;
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, d) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let time = time.split('.').next()?;
    let mut time = time.splitn(3, ':').map(str::parse::<i64>);
    let (hh, mm, ss) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3_600 + mm * 60 + ss)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iso_timestamps() {
        assert_eq!(
            epoch_seconds("2026-01-01T00:00:00.000Z"),
            Some(1_767_225_600)
        );
        assert_eq!(epoch_seconds("1970-01-01T00:00:01Z"), Some(1));
        assert_eq!(epoch_seconds("not a date"), None);
    }
}
