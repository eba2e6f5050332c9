//! Suite `parallel` (8-x): branches (plain, unnamed, named), completion policies, nesting
//! modes, replay across a suspension, custom branch serdes, nested parallels, validation.

use durabox_sdk::{
    BatchResult, CompletionConfig, DurableContext, DurableResult, Error, Nesting, ParallelBranch,
    ParallelConfig, Serdes,
};
use serde_json::{json, Value};

use crate::{projection, secs, tolerate, COUNTS, FULL};

pub(crate) fn handle(
    id: &str,
    ctx: &DurableContext,
    _input: &Value,
) -> Option<DurableResult<Value>> {
    let percentage = |p| CompletionConfig {
        tolerated_failure_percentage: Some(p),
        ..CompletionConfig::default()
    };
    let min_successful = |n| CompletionConfig {
        min_successful: Some(n),
        ..CompletionConfig::default()
    };
    Some(match id {
        "8-1" => with_steps(ctx, "parallel", &["task-1", "task-2"], Nesting::Nested),
        "8-2" => results(ctx, None, constants(&["alpha", "beta"]), sequential()),
        "8-3" => named_branches(ctx),
        "8-4" => heterogeneous(ctx),
        "8-5" => results(ctx, Some("empty"), Vec::new(), ParallelConfig::default()),
        "8-6" => summary(ctx, "failfast", "sf.", tolerate(0), FULL),
        "8-7" => throw_if_error(ctx),
        "8-8" => summary(
            ctx,
            "min-successful",
            "ssss",
            min_successful(2),
            &["completionReason", "successCount", "totalCount"],
        ),
        "8-9" => summary(ctx, "tolerated", "sfs", tolerate(1), FULL),
        "8-10" => summary(ctx, "tolerated-exceeded", "ffs", tolerate(1), COUNTS),
        "8-11" => concurrent(ctx),
        "8-12" => with_steps(ctx, "flat", &["fa", "fb"], Nesting::Flat),
        "8-13" => summary(ctx, "tolerated-pct", "ffss", percentage(25.0), COUNTS),
        "8-14" => replay(ctx),
        "8-15" => custom_serdes(ctx),
        "8-16" => summary(ctx, "all-fail", "fff", tolerate(3), FULL),
        "8-17" => summary(ctx, "min-not-reached", "sfs", min_successful(3), FULL),
        "8-18" => summary(
            ctx,
            "combined",
            "ffss",
            CompletionConfig {
                min_successful: Some(3),
                tolerated_failure_count: Some(1),
                ..CompletionConfig::default()
            },
            COUNTS,
        ),
        "8-19" => invalid_concurrency(ctx),
        "8-20" => accessors(ctx),
        "8-21" => nested(ctx),
        "8-22" => summary(ctx, "pct-boundary", "fsss", percentage(25.0), FULL),
        _ => return None,
    })
}

/// Max concurrency 1 (branches run one after the other, in index order); the parallel
/// default completion (all successful).
fn sequential() -> ParallelConfig {
    ParallelConfig {
        max_concurrency: Some(1),
        ..ParallelConfig::default()
    }
}

/// Branches returning the given strings directly.
fn constants(values: &[&'static str]) -> Vec<ParallelBranch<'static, Value>> {
    values
        .iter()
        .copied()
        .map(|v| ParallelBranch::new(move |_: &DurableContext| Ok(json!(v))))
        .collect()
}

/// Runs the parallel; returns the succeeded branches' results in index order.
fn results(
    ctx: &DurableContext,
    name: Option<&str>,
    branches: Vec<ParallelBranch<'_, Value>>,
    config: ParallelConfig,
) -> DurableResult<Value> {
    let result = ctx.parallel(name, branches, config)?;
    Ok(json!(result.get_results()))
}

/// 8-1 (NESTED) and 8-12 (FLAT): each branch runs one step returning its value.
fn with_steps(
    ctx: &DurableContext,
    name: &str,
    values: &[&'static str],
    nesting: Nesting,
) -> DurableResult<Value> {
    let branches = values
        .iter()
        .copied()
        .map(|v| ParallelBranch::new(move |b: &DurableContext| b.step("task", |_| Ok(json!(v)))))
        .collect();
    let config = ParallelConfig {
        nesting,
        ..sequential()
    };
    results(ctx, Some(name), branches, config)
}

/// 8-3: branches "first" and "second".
fn named_branches(ctx: &DurableContext) -> DurableResult<Value> {
    let branches = vec![
        ParallelBranch::named("first", |_: &DurableContext| Ok(json!("one"))),
        ParallelBranch::named("second", |_: &DurableContext| Ok(json!("two"))),
    ];
    results(ctx, Some("named"), branches, sequential())
}

/// 8-4: a string, a number and an object.
fn heterogeneous(ctx: &DurableContext) -> DurableResult<Value> {
    let branches = vec![
        ParallelBranch::new(|_: &DurableContext| Ok(json!("hello"))),
        ParallelBranch::new(|_: &DurableContext| Ok(json!(42))),
        ParallelBranch::new(|_: &DurableContext| Ok(json!({ "k": "v" }))),
    ];
    results(ctx, Some("hetero"), branches, sequential())
}

/// One branch per letter of `plan`: `s` returns "ok", `f` raises `BranchError`.
fn planned(plan: &str) -> Vec<ParallelBranch<'static, Value>> {
    plan.chars()
        .enumerate()
        .map(|(i, c)| {
            let fails = c == 'f';
            ParallelBranch::new(move |_: &DurableContext| {
                if fails {
                    Err(Error::new("BranchError", format!("branch {i} failed")).into())
                } else {
                    Ok(json!("ok"))
                }
            })
        })
        .collect()
}

/// 8-6, 8-8..8-10, 8-13, 8-16..8-18, 8-22: runs the `plan` branches one at a time with
/// `completion` and returns the projection `keys` of the batch result.
fn summary(
    ctx: &DurableContext,
    name: &str,
    plan: &str,
    completion: CompletionConfig,
    keys: &[&str],
) -> DurableResult<Value> {
    let config = ParallelConfig {
        completion,
        ..sequential()
    };
    let result: BatchResult<Value> = ctx.parallel(name, planned(plan), config)?;
    Ok(projection(&result, keys))
}

/// 8-7: fail fast; the batch result rethrows the first branch failure.
fn throw_if_error(ctx: &DurableContext) -> DurableResult<Value> {
    let config = ParallelConfig {
        completion: CompletionConfig {
            tolerated_failure_count: Some(0),
            ..CompletionConfig::default()
        },
        ..sequential()
    };
    let result: BatchResult<Value> = ctx.parallel("throwing", planned("fs"), config)?;
    result.throw_if_error()?;
    Ok(json!(result.get_results()))
}

/// 8-11: three branches, two at a time.
fn concurrent(ctx: &DurableContext) -> DurableResult<Value> {
    let config = ParallelConfig {
        max_concurrency: Some(2),
        ..ParallelConfig::default()
    };
    results(
        ctx,
        Some("concurrent"),
        constants(&["r0", "r1", "r2"]),
        config,
    )
}

/// 8-14: branch 0 runs a step, branch 1 waits 2 s (the invocation suspends) and returns.
fn replay(ctx: &DurableContext) -> DurableResult<Value> {
    let branches = vec![
        ParallelBranch::new(|b: &DurableContext| b.step("b0", |_| Ok(json!("b0")))),
        ParallelBranch::new(|b: &DurableContext| {
            b.wait(secs(2))?;
            Ok(json!("b1"))
        }),
    ];
    results(ctx, Some("replay"), branches, sequential())
}

/// 8-15's branch serdes: `v` is checkpointed as `{"wrapped": v}` and unwrapped when read.
struct Wrapped;

impl Serdes<Value> for Wrapped {
    fn serialize(&self, value: &Value) -> Result<String, Error> {
        Ok(json!({ "wrapped": value }).to_string())
    }

    fn deserialize(&self, payload: Option<&str>) -> Result<Value, Error> {
        let envelope: Value = serde_json::from_str(payload.unwrap_or("null"))
            .map_err(|e| Error::new("SerDesError", e))?;
        match envelope {
            Value::Object(mut fields) if fields.contains_key("wrapped") => {
                Ok(fields.remove("wrapped").unwrap_or_default())
            }
            other => Err(Error::new("SerDesError", format!("not wrapped: {other}"))),
        }
    }
}

/// 8-15: branches "x" and "y" through the wrapping serdes.
fn custom_serdes(ctx: &DurableContext) -> DurableResult<Value> {
    let result =
        ctx.parallel_with_serdes("serde", constants(&["x", "y"]), sequential(), &Wrapped)?;
    Ok(json!(result.get_results()))
}

/// 8-19: max concurrency 0 is rejected before anything runs (not caught).
fn invalid_concurrency(ctx: &DurableContext) -> DurableResult<Value> {
    let config = ParallelConfig {
        max_concurrency: Some(0),
        ..ParallelConfig::default()
    };
    results(ctx, Some("bad-concurrency"), constants(&["a", "b"]), config)
}

/// 8-20: the accessors succeeded(), failed(), errors() and has_failure().
fn accessors(ctx: &DurableContext) -> DurableResult<Value> {
    let config = ParallelConfig {
        completion: CompletionConfig {
            tolerated_failure_count: Some(1),
            ..CompletionConfig::default()
        },
        ..sequential()
    };
    let result: BatchResult<Value> = ctx.parallel("accessors", planned("sfs"), config)?;
    Ok(json!({
        "hasFailure": result.has_failure(),
        "successCount": result.succeeded().len(),
        "failureCount": result.failed().len(),
        "errorCount": result.errors().len(),
    }))
}

/// 8-21: the single outer branch runs an inner parallel of two steps.
fn nested(ctx: &DurableContext) -> DurableResult<Value> {
    let outer = vec![ParallelBranch::new(|branch: &DurableContext| {
        let inner = ["i1", "i2"]
            .into_iter()
            .map(|v| {
                ParallelBranch::new(move |b: &DurableContext| b.step("inner", |_| Ok(json!(v))))
            })
            .collect();
        let result: BatchResult<Value> = branch.parallel("inner", inner, sequential())?;
        Ok(json!(result.get_results()))
    })];
    results(ctx, Some("outer"), outer, sequential())
}
