//! The benchmark workloads of `cargo xtask bench`, the same as the Python handlers of
//! `tests/bench/official.py`. The input `{"workload": "<name>", ...}` selects one:
//!
//! * `empty`: returns at once (one invocation, no operation);
//! * `steps`: `n` sequential steps; with `waits` > 0, a 1 s wait after every `n / waits`
//!   steps (each wait ends the invocation, so the steps before it are replayed);
//! * `map`: a map over the items `0..n`, each branch doubling its item.

use std::time::Duration;

use durabox_sdk::{DurableContext, DurableResult, MapConfig};
use serde_json::{json, Value};

fn handler(ctx: &DurableContext, input: Value) -> DurableResult<Value> {
    let n = input["n"].as_u64().unwrap_or(0);
    match input["workload"].as_str().unwrap_or_default() {
        "steps" => steps(ctx, n, input["waits"].as_u64().unwrap_or(0)),
        "map" => map(ctx, n),
        _ => Ok(json!("done")),
    }
}

fn steps(ctx: &DurableContext, n: u64, waits: u64) -> DurableResult<Value> {
    let every = n.checked_div(waits).unwrap_or(0);
    let mut total = 0u64;
    for i in 0..n {
        let value: u64 = ctx.step(format!("step-{i}"), |_| Ok(i))?;
        total += value;
        if every > 0 && (i + 1) % every == 0 {
            ctx.wait_named(format!("wait-{}", (i + 1) / every), Duration::from_secs(1))?;
        }
    }
    Ok(json!(total))
}

fn map(ctx: &DurableContext, n: u64) -> DurableResult<Value> {
    let items: Vec<u64> = (0..n).collect();
    let result = ctx.map(
        "map",
        &items,
        |_branch, item, _index| Ok(item * 2),
        MapConfig::default(),
    )?;
    result.throw_if_error()?;
    Ok(json!(result.get_results().into_iter().sum::<u64>()))
}

durabox_sdk::handler!(handler);
