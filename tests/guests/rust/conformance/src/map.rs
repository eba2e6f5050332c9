//! Suite `map` (9-x): map over items (named, unnamed, indexed, empty), completion policies,
//! concurrency, FLAT nesting, item namers, item and whole-result serdes, suspension and
//! replay, large results.

use durabox_sdk::{
    BatchItem, BatchItemStatus, BatchResult, CompletionConfig, CompletionReason, DurableContext,
    DurableResult, Error, JsonSerdes, MapConfig, Nesting, Serdes,
};
use serde_json::{json, Value};

use crate::{projection, secs, tolerate, COUNTS, FULL};

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    input: &Value,
) -> Option<DurableResult<Value>> {
    Some(match id {
        "9-1" => greet(ctx, input),
        "9-2" => numbers(ctx, None, input, |n, _| n * 2),
        "9-3" => numbers(ctx, Some("indexed"), input, |n, i| n + i as i64),
        "9-4" => numbers(ctx, Some("empty"), input, |n, _| n),
        "9-5" => summary(ctx, "failfast", "sfs", tolerate(0), FULL),
        "9-6" => throw_if_error(ctx),
        "9-7" => summary(
            ctx,
            "min-successful",
            "ssss",
            CompletionConfig {
                min_successful: Some(2),
                ..CompletionConfig::default()
            },
            &["completionReason", "successCount", "totalCount"],
        ),
        "9-8" => summary(ctx, "tolerated", "sfs", tolerate(1), FULL),
        "9-9" => summary(ctx, "tolerated-exceeded", "ffs", tolerate(1), COUNTS),
        "9-10" => summary(
            ctx,
            "tolerated-pct",
            "ffss",
            CompletionConfig {
                tolerated_failure_percentage: Some(25.0),
                ..CompletionConfig::default()
            },
            COUNTS,
        ),
        "9-11" => concurrent(ctx),
        "9-12" => flat(ctx),
        "9-13" => item_namer(ctx, input),
        "9-14" => item_serdes(ctx),
        "9-15" => suspend_inside(ctx),
        "9-16" => large(ctx),
        "9-17" => then_wait(ctx),
        "9-18" => failure_then_wait(ctx),
        "9-19" => whole_result_serdes(ctx, "op-serde", false),
        "9-20" => whole_result_serdes(ctx, "op-serde-replay", true),
        _ => return None,
    })
}

/// Max concurrency 1: items run one after the other, in index order.
fn sequential<I>() -> MapConfig<I> {
    MapConfig {
        max_concurrency: Some(1),
        ..MapConfig::default()
    }
}

/// The input as a list of `T` (an absent or malformed list reads as empty).
fn items<T: serde::de::DeserializeOwned>(input: &Value) -> Vec<T> {
    serde_json::from_value(input.clone()).unwrap_or_default()
}

/// 9-1: each item runs a step greeting it.
fn greet(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let names: Vec<String> = items(input);
    let result = ctx.map(
        "map",
        &names,
        |item_ctx, name, _| item_ctx.step("greet", |_| Ok(format!("Hello, {name}!"))),
        sequential(),
    )?;
    Ok(json!(result.get_results()))
}

/// 9-2..9-4: `f(item, index)` returned directly for each number of the input.
fn numbers(
    ctx: &DurableContext,
    name: Option<&str>,
    input: &Value,
    f: fn(i64, usize) -> i64,
) -> DurableResult<Value> {
    let numbers: Vec<i64> = items(input);
    let result = ctx.map(name, &numbers, |_, n, i| Ok(f(*n, i)), sequential())?;
    Ok(json!(result.get_results()))
}

/// One item per letter of `plan`: `s` returns "ok", `f` raises `ItemError`.
fn run_plan(
    ctx: &DurableContext,
    name: &str,
    plan: &str,
    completion: CompletionConfig,
) -> DurableResult<BatchResult<Value>> {
    let plan: Vec<char> = plan.chars().collect();
    let config = MapConfig {
        completion,
        ..sequential()
    };
    ctx.map(
        name,
        &plan,
        |_, c, i| {
            if *c == 'f' {
                Err(Error::new("ItemError", format!("item {i} failed")).into())
            } else {
                Ok(json!("ok"))
            }
        },
        config,
    )
}

/// 9-5, 9-7..9-10: runs the `plan` items with `completion`; returns the projection `keys`.
fn summary(
    ctx: &DurableContext,
    name: &str,
    plan: &str,
    completion: CompletionConfig,
    keys: &[&str],
) -> DurableResult<Value> {
    Ok(projection(&run_plan(ctx, name, plan, completion)?, keys))
}

/// 9-6: fail fast on item 0; the batch result rethrows it (not caught).
fn throw_if_error(ctx: &DurableContext) -> DurableResult<Value> {
    let completion = CompletionConfig {
        tolerated_failure_count: Some(0),
        ..CompletionConfig::default()
    };
    let result = run_plan(ctx, "throwing", "fs", completion)?;
    result.throw_if_error()?;
    Ok(json!(result.get_results()))
}

/// 9-11: three items, two at a time.
fn concurrent(ctx: &DurableContext) -> DurableResult<Value> {
    let config = MapConfig {
        max_concurrency: Some(2),
        ..MapConfig::default()
    };
    let items = ["r0", "r1", "r2"];
    let result = ctx.map(
        "concurrent",
        &items,
        |_, item, _| Ok(item.to_string()),
        config,
    )?;
    Ok(json!(result.get_results()))
}

/// 9-12: FLAT nesting; each item's step returns the item.
fn flat(ctx: &DurableContext) -> DurableResult<Value> {
    let config = MapConfig {
        nesting: Nesting::Flat,
        ..sequential()
    };
    let items = ["fa", "fb"];
    let result = ctx.map(
        "flat",
        &items,
        |item_ctx, item, _| item_ctx.step("item", |_| Ok(item.to_string())),
        config,
    )?;
    Ok(json!(result.get_results()))
}

/// 9-13: iterations named `item-<item>`; each returns item * 10.
fn item_namer(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let numbers: Vec<i64> = items(input);
    let config = MapConfig {
        item_namer: Some(Box::new(|item: &i64, _| format!("item-{item}"))),
        ..sequential()
    };
    let result = ctx.map("named-items", &numbers, |_, n, _| Ok(n * 10), config)?;
    Ok(json!(result.get_results()))
}

/// 9-14's item serdes: `v` is checkpointed as `wrapped:v` and read back without the prefix.
struct WrappedText;

impl Serdes<String> for WrappedText {
    fn serialize(&self, value: &String) -> Result<String, Error> {
        Ok(format!("wrapped:{value}"))
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<String, Error> {
        payload
            .and_then(|p| p.strip_prefix("wrapped:"))
            .map(str::to_string)
            .ok_or_else(|| Error::new("SerDesError", format!("not wrapped: {payload:?}")))
    }
}

/// 9-14: items "x" and "y" uppercased, through the wrapping item serdes.
fn item_serdes(ctx: &DurableContext) -> DurableResult<Value> {
    let items = ["x", "y"];
    let result = ctx.map_with_serdes(
        "serdes",
        &items,
        |_, item, _| Ok(item.to_uppercase()),
        sequential(),
        &WrappedText,
    )?;
    Ok(json!(result.get_results()))
}

/// 9-15: item 0 runs a step; item 1 waits 1 s (the invocation suspends), then runs a step.
fn suspend_inside(ctx: &DurableContext) -> DurableResult<Value> {
    let items = ["r0", "r1"];
    let result = ctx.map(
        "suspend",
        &items,
        |item_ctx, item, i| {
            if i == 1 {
                item_ctx.wait(secs(1))?;
            }
            item_ctx.step("item", |_| Ok(item.to_string()))
        },
        sequential(),
    )?;
    Ok(json!(result.get_results()))
}

/// 9-16: four items of about 70 KB each: the map's result exceeds the 256 KB checkpoint
/// threshold. Returns `{successCount, totalCount}`.
fn large(ctx: &DurableContext) -> DurableResult<Value> {
    let items = ['a', 'b', 'c', 'd'];
    let result = ctx.map(
        "large",
        &items,
        |_, c, _| Ok(c.to_string().repeat(70 * 1024)),
        sequential(),
    )?;
    Ok(projection(&result, &["successCount", "totalCount"]))
}

/// 9-17: items uppercased, then a 1 s wait; the replay takes the map from the checkpoint.
fn then_wait(ctx: &DurableContext) -> DurableResult<Value> {
    let items = ["a", "b"];
    let result = ctx.map(
        "then-wait",
        &items,
        |_, item, _| Ok(item.to_uppercase()),
        sequential(),
    )?;
    ctx.wait(secs(1))?;
    Ok(json!(result.get_results()))
}

/// 9-18: item "fail" fails (tolerated, not rethrown), then a 1 s wait.
fn failure_then_wait(ctx: &DurableContext) -> DurableResult<Value> {
    let items = ["ok", "fail"];
    let config = MapConfig {
        completion: CompletionConfig {
            tolerated_failure_count: Some(1),
            ..CompletionConfig::default()
        },
        ..sequential()
    };
    let result = ctx.map(
        "fail-then-wait",
        &items,
        |_, item, i| {
            if *item == "fail" {
                Err(Error::new("ItemError", format!("item {i} failed")).into())
            } else {
                Ok(item.to_string())
            }
        },
        config,
    )?;
    ctx.wait(secs(1))?;
    Ok(projection(
        &result,
        &[
            "completionReason",
            "status",
            "successCount",
            "failureCount",
            "totalCount",
        ],
    ))
}

/// 9-19 / 9-20: items "x" and "y" uppercased; the whole map result goes through
/// [`OpSerde`] ("OPSERDE:X,Y"). With `then_wait`, a 1 s wait follows, so the replay
/// reads the map back through `OpSerde::deserialize`.
fn whole_result_serdes(ctx: &DurableContext, name: &str, then_wait: bool) -> DurableResult<Value> {
    let items = ["x", "y"];
    let result = ctx.map_with_result_serdes(
        name,
        &items,
        |_, item, _| Ok(item.to_uppercase()),
        sequential(),
        &JsonSerdes::new(),
        Some(&OpSerde),
    )?;
    if then_wait {
        ctx.wait(secs(1))?;
    }
    Ok(json!(result.get_results()))
}

/// A whole-result serdes: "OPSERDE:" + the comma-joined results of a map whose items
/// all succeeded; reads back as that many succeeded items.
struct OpSerde;

impl Serdes<BatchResult<String>> for OpSerde {
    fn serialize(&self, value: &BatchResult<String>) -> Result<String, Error> {
        let results: Vec<&str> = value
            .get_results()
            .into_iter()
            .map(String::as_str)
            .collect();
        Ok(format!("OPSERDE:{}", results.join(",")))
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<BatchResult<String>, Error> {
        let body = payload
            .and_then(|p| p.strip_prefix("OPSERDE:"))
            .ok_or_else(|| Error::new("SerDesError", format!("not OPSERDE: {payload:?}")))?;
        let all = body
            .split(',')
            .enumerate()
            .map(|(index, result)| BatchItem {
                index,
                status: BatchItemStatus::Succeeded,
                result: Some(result.to_string()),
                error: None,
            })
            .collect();
        Ok(BatchResult {
            all,
            completion_reason: CompletionReason::AllCompleted,
        })
    }
}
