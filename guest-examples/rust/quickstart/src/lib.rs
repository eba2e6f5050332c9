//! The seed quickstart, ported to Rust: step `one`, a one-second wait, child context `two`
//! (steps `two_1`, `two_2`), step `three`.

use std::time::Duration;

use durabox_sdk::{DurableContext, DurableResult};
use serde_json::Value;

fn handler(ctx: &DurableContext, _event: Value) -> DurableResult<Vec<String>> {
    let one: String = ctx.step("one", |_| Ok("1 2".to_string()))?;

    ctx.wait(Duration::from_secs(1))?;

    let two: String = ctx.run_in_child_context("two", |child| {
        let a: String = child.step("two_1", |_| Ok("3 4".to_string()))?;
        let b: String = child.step("two_2", |_| Ok("4 3".to_string()))?;
        Ok(format!("{a} {b}"))
    })?;

    let three: String = ctx.step("three", |_| Ok("5 6".to_string()))?;

    Ok(vec![one, two, three])
}

durabox_sdk::handler!(handler);
