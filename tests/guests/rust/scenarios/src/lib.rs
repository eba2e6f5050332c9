//! One component for the host's integration tests: the input `{"scenario": "<name>", ...}`
//! selects what the handler does. Each scenario documents what the tests should observe.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use durabox_sdk::{
    AttemptInfo, BatchResult, CallbackConfig, CompletionConfig, DurableContext, DurableError,
    DurableResult, Error, JitterStrategy, MapConfig, Nesting, OperationEndInfo, OperationInfo,
    ParallelBranch, ParallelConfig, Plugin, RetryPresets, RetryStrategy, RetryStrategyConfig,
    StepConfig, StepSemantics, WaitDecision, WaitForConditionConfig, WaitStrategy,
    WaitStrategyConfig,
};
use serde_json::{json, Value};

fn handler(ctx: &DurableContext, input: Value) -> DurableResult<Value> {
    let scenario = input["scenario"].as_str().unwrap_or_default();
    match scenario {
        "steps" => steps(ctx),
        "outside_counter" => outside_counter(ctx),
        "order_dependent" => order_dependent(ctx),
        "retry_then_succeed" => retry_then_succeed(ctx),
        "retry_exhausted" => retry_exhausted(ctx),
        "retry_filtered" => retry_filtered(ctx),
        "caught_step_error" => caught_step_error(ctx),
        "wait" => wait(ctx, &input),
        "child" => child(ctx),
        "child_failure" => child_failure(ctx),
        "large_child" => large_child(ctx),
        "callback" => callback(ctx, &input),
        "token_then_callback" => token_then_callback(ctx, &input),
        "callback_caught" => callback_caught(ctx, &input),
        "wait_for_callback" => wait_for_callback(ctx, &input),
        "at_most_once_crash" => at_most_once_crash(ctx, &input),
        "nondeterministic" => nondeterministic(ctx),
        "trap" => panic!("guest panicked on purpose"),
        "spin" => spin(),
        "busy" => busy(ctx, &input),
        "oom" => oom(),
        "log" => log(ctx),
        "raw_checkpoint" => raw_checkpoint(),
        "random" => random(ctx),
        "condition" => condition(ctx, &input),
        "invoke" => invoke(ctx, &input),
        "map" => map(ctx, &input),
        "parallel" => parallel(ctx, &input),
        other => Err(Error::new("UnknownScenario", format!("unknown scenario {other:?}")).into()),
    }
}

/// With `DURABOX_SCENARIO_PLUGIN` set, a plugin prints each step's operation and attempt
/// hooks to stdout, one line each: `<hook> <step name> [<attempt or status>]`.
fn plugins() -> Vec<Box<dyn Plugin>> {
    if std::env::var_os("DURABOX_SCENARIO_PLUGIN").is_some() {
        vec![Box::new(StepPrinter)]
    } else {
        Vec::new()
    }
}

struct StepPrinter;

impl Plugin for StepPrinter {
    fn on_operation_start(&self, info: &OperationInfo) -> Result<(), Error> {
        println!("operation-start {}", info.name.as_deref().unwrap_or("-"));
        Ok(())
    }

    fn on_operation_end(&self, info: &OperationEndInfo) -> Result<(), Error> {
        let name = info.operation.name.as_deref().unwrap_or("-");
        println!("operation-end {name} {}", info.status.as_str());
        Ok(())
    }

    fn on_attempt_start(&self, info: &AttemptInfo) -> Result<(), Error> {
        let name = info.operation.name.as_deref().unwrap_or("-");
        println!("attempt-start {name} {}", info.attempt);
        Ok(())
    }
}

durabox_sdk::handler!(handler, plugins = plugins);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// 3 attempts, 1 s then 2 s apart, no jitter.
fn three_attempts() -> RetryStrategyConfig {
    RetryStrategyConfig {
        max_attempts: 3,
        initial_delay: secs(1),
        jitter: JitterStrategy::None,
        ..RetryStrategyConfig::default()
    }
}

/// Three steps, each using the previous result. Returns `"result=22"`.
fn steps(ctx: &DurableContext) -> DurableResult<Value> {
    let a: i64 = ctx.step("first", |_| Ok(1))?;
    let b: i64 = ctx.step("second", |_| Ok(a + 10))?;
    let c: String = ctx.step("third", |_| Ok(format!("result={}", b * 2)))?;
    Ok(json!(c))
}

/// Counts step runs in a plain static instead of durable state, a handler bug: a replay
/// after a crash starts the count from 0, so the result depends on where the crash was.
/// Uninterrupted it returns 2.
fn outside_counter(ctx: &DurableContext) -> DurableResult<Value> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let () = ctx.step("a", |_| {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Ok(())
    })?;
    let () = ctx.step("b", |_| {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Ok(())
    })?;
    Ok(json!(RUNS.load(Ordering::SeqCst)))
}

/// A map whose items record the order they ran in outside durable state, a handler bug:
/// AWS runs items concurrently, so the result depends on which finishes first.
fn order_dependent(ctx: &DurableContext) -> DurableResult<Value> {
    use std::sync::Mutex;
    static ORDER: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    let items: Vec<u64> = vec![1, 2, 3, 4];
    ctx.map(
        "items",
        &items,
        |branch, item, _index| {
            branch.step("record", |_| {
                ORDER.lock().unwrap().push(*item);
                Ok(())
            })
        },
        MapConfig::default(),
    )?;
    let order = ORDER.lock().unwrap().clone();
    Ok(json!(order))
}

/// Fails attempts 1 and 2 (ErrorType `Transient`), succeeds on 3. Returns `{"attempt": 3}`.
fn retry_then_succeed(ctx: &DurableContext) -> DurableResult<Value> {
    let config = StepConfig::new().retry_strategy(three_attempts());
    let attempt: u32 = ctx.step_with_config("flaky", config, |step| {
        if step.attempt() < 3 {
            return Err(Error::new(
                "Transient",
                format!("attempt {} failed", step.attempt()),
            ));
        }
        Ok(step.attempt())
    })?;
    Ok(json!({ "attempt": attempt }))
}

/// Fails 3 attempts with `MyError: boom`; the execution fails with that error.
fn retry_exhausted(ctx: &DurableContext) -> DurableResult<Value> {
    let config = StepConfig::new().retry_strategy(three_attempts());
    let () = ctx.step_with_config("always-fails", config, |_| {
        Err(Error::new("MyError", "boom"))
    })?;
    Ok(json!("unreachable"))
}

/// Only `Transient` errors are retried; the step fails once with `Fatal` and the execution fails.
fn retry_filtered(ctx: &DurableContext) -> DurableResult<Value> {
    let strategy = RetryStrategyConfig {
        retryable_error_types: Some(vec!["Transient".to_string()]),
        ..three_attempts()
    };
    let config = StepConfig::new().retry_strategy(strategy);
    let () = ctx.step_with_config("fatal", config, |_| {
        Err(Error::new("Fatal", "do not retry"))
    })?;
    Ok(json!("unreachable"))
}

/// A step without retries fails; the handler catches it. Returns `{"caught": "step went wrong"}`.
fn caught_step_error(ctx: &DurableContext) -> DurableResult<Value> {
    let config = StepConfig::new().retry_strategy(RetryPresets::none());
    let result: DurableResult<()> = ctx.step_with_config("fails", config, |_| {
        Err(Error::new("MyError", "step went wrong"))
    });
    match result {
        Err(DurableError::StepFailed(e)) => Ok(json!({ "caught": e.error_message })),
        Err(other) => Err(other), // Suspended must propagate
        Ok(()) => Ok(json!("unreachable")),
    }
}

/// Waits `input.seconds` (default 2). Returns `"done"`.
fn wait(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    ctx.wait(secs(input["seconds"].as_u64().unwrap_or(2)))?;
    Ok(json!("done"))
}

/// Nested child contexts with steps. Returns `"a+b!"`.
fn child(ctx: &DurableContext) -> DurableResult<Value> {
    let result: String = ctx.run_in_child_context("outer", |outer| {
        let a: String = outer.step("outer-step", |_| Ok("a".to_string()))?;
        let b: String = outer.run_in_child_context("inner", |inner| {
            let b: String = inner.step("inner-step", |_| Ok("b".to_string()))?;
            Ok(format!("{b}!"))
        })?;
        Ok(format!("{a}+{b}"))
    })?;
    Ok(json!(result))
}

/// A child whose step fails without retry (`ChildStepError: child step failed`); the
/// execution fails.
fn child_failure(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.run_in_child_context("failing-child", |child| {
        let config = StepConfig::new().retry_strategy(RetryPresets::none());
        let () = child.step_with_config("fails", config, |_| {
            Err(Error::new("ChildStepError", "child step failed"))
        })?;
        Ok(())
    })?;
    Ok(json!("unreachable"))
}

/// A child result over 256 KiB (checkpointed with ReplayChildren), then a 1 s wait. The
/// replay re-runs the child, whose step replays. Returns `300000`.
fn large_child(ctx: &DurableContext) -> DurableResult<Value> {
    let big: String = ctx.run_in_child_context("large", |child| {
        let len: usize = child.step("size", |_| Ok(300_000))?;
        Ok("x".repeat(len))
    })?;
    ctx.wait(secs(1))?;
    Ok(json!(big.len()))
}

/// Timeouts from `input.timeout` / `input.heartbeat` (seconds, 0 = none).
fn callback_config(input: &Value) -> CallbackConfig {
    CallbackConfig::new()
        .timeout(secs(input["timeout"].as_u64().unwrap_or(0)))
        .heartbeat_timeout(secs(input["heartbeat"].as_u64().unwrap_or(0)))
}

/// Callback "approval". Returns `{"callback": <result JSON>}`; a failed or timed-out
/// callback fails the execution with the callback's error.
fn callback(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let callback = ctx.create_callback("approval", callback_config(input))?;
    ctx.logger().info(format!("callback id: {}", callback.id()));
    let value: Value = callback.result()?;
    Ok(json!({ "callback": value }))
}

/// Logs the invocation's checkpoint token (handed only to the handler, and unforgeable),
/// then runs `callback`: a test can then checkpoint as the handler's own SDK would.
fn token_then_callback(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    use durabox_sdk::bindings::durabox::durable::types::invocation_envelope;
    let envelope: Value = serde_json::from_str(&invocation_envelope())?;
    let token = envelope["CheckpointToken"].as_str().unwrap_or_default();
    ctx.logger().info(format!("checkpoint token: {token}"));
    callback(ctx, input)
}

/// Like `callback`, but a failure returns `{"error": "<ErrorType>"}` (e.g. `Callback.Timeout`).
fn callback_caught(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let callback = ctx.create_callback("approval", callback_config(input))?;
    match callback.result::<Value>() {
        Ok(value) => Ok(json!({ "callback": value })),
        Err(DurableError::CallbackFailed(e) | DurableError::CallbackTimedOut(e)) => {
            Ok(json!({ "error": e.error_type }))
        }
        Err(other) => Err(other),
    }
}

/// wait_for_callback "ask"; the submitter logs the callback id. Returns the callback result.
fn wait_for_callback(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    ctx.wait_for_callback(
        "ask",
        |callback_id, step| {
            step.logger()
                .info(format!("submitting callback id: {callback_id}"));
            Ok(())
        },
        callback_config(input),
    )
}

/// Step "charge", at most once per retry: attempt 1 crashes the process (like a Lambda
/// dying mid-step), so the host records it as interrupted and never re-runs it. With
/// `input.retries` > 0 the step has that many attempts 1 s apart and returns `"charged"`;
/// otherwise the execution fails with StepInterruptedError.
fn at_most_once_crash(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let retries = input["retries"].as_u64().unwrap_or(0) as u32;
    let retry = match retries {
        0 => RetryPresets::none(),
        n => RetryStrategy::fixed(n, secs(1)),
    };
    let config = StepConfig::new()
        .semantics(StepSemantics::AtMostOncePerRetry)
        .retry_strategy(retry);
    let charged: String = ctx.step_with_config("charge", config, |step| {
        if step.attempt() == 1 {
            std::process::exit(1);
        }
        Ok("charged".to_string())
    })?;
    Ok(json!(charged))
}

/// Branches on the wall clock. First invocation: "t0" records now, so op #2 is the step
/// "fast", then the 10 s wait suspends. The replay gets t0 back from the record but the clock
/// moved on by the wait, so op #2 is now a wait: the host must report non-determinism.
/// (Needs the guest's wall clock to follow the execution clock across invocations.)
fn nondeterministic(ctx: &DurableContext) -> DurableResult<Value> {
    let t0: u64 = ctx.step("t0", |_| Ok(now_ms()))?;
    if now_ms().saturating_sub(t0) < 5_000 {
        let () = ctx.step("fast", |_| Ok(()))?;
    } else {
        ctx.wait_named("slow", secs(1))?;
    }
    ctx.wait(secs(10))?;
    Ok(json!("no mismatch detected"))
}

fn now_ms() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_millis() as u64
}

/// Never returns: for fuel / invocation timeout limits.
fn spin() -> ! {
    let mut n = 0u64;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

/// Holds its instance for `input.ms` milliseconds of real time (default 1000) in a step
/// that sleeps, then succeeds with `{"busy_ms": ms}`: a long but healthy invocation for
/// the capacity tests (the sleep spends no fuel; keep it under the invocation timeout).
fn busy(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let ms = input["ms"].as_u64().unwrap_or(1000);
    let () = ctx.step("busy", |_| {
        std::thread::sleep(Duration::from_millis(ms));
        Ok(())
    })?;
    Ok(json!({ "busy_ms": ms }))
}

/// Allocates and touches 1 MiB chunks until the memory cap traps the guest.
fn oom() -> ! {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = vec![0u8; 1 << 20];
        for page in chunk.iter_mut().step_by(4096) {
            *page = 1;
        }
        chunks.push(black_box(chunk));
    }
}

/// A context log line plus raw stdout/stderr. Returns `"logged"`.
fn log(ctx: &DurableContext) -> DurableResult<Value> {
    ctx.logger().info("hello from the guest");
    println!("stdout line");
    eprintln!("stderr line");
    Ok(json!("logged"))
}

/// A guest that brings its own SDK: reads the envelope and checkpoints a step with the
/// raw `checkpoint` call. Returns what the service answered to a stale token, to a
/// valid request and to an invalid transition.
fn raw_checkpoint() -> DurableResult<Value> {
    use durabox_sdk::bindings::durabox::durable::types::{checkpoint, invocation_envelope};
    let envelope: Value = serde_json::from_str(&invocation_envelope())?;
    let token = envelope["CheckpointToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let stale = checkpoint(&json!({ "CheckpointToken": "stale", "Updates": [] }).to_string());
    let step = |action: &str| json!({ "Id": "raw-step", "Type": "STEP", "SubType": "Step", "Name": "raw", "Action": action });
    let mut succeed = step("SUCCEED");
    succeed["Payload"] = json!("\"raw result\"");
    let accepted = checkpoint(
        &json!({ "CheckpointToken": token, "Updates": [step("START"), succeed.clone()] })
            .to_string(),
    );
    let accepted: Value = match accepted {
        Ok(body) => serde_json::from_str(&body)?,
        Err(e) => return Err(Error::new("Unexpected", format!("{:?}", e.error_message)).into()),
    };
    let next_token = accepted["CheckpointToken"].as_str().unwrap_or_default();
    let again =
        checkpoint(&json!({ "CheckpointToken": next_token, "Updates": [succeed] }).to_string());
    Ok(json!({
        "execution_ops": envelope["InitialExecutionState"]["Operations"].as_array().map(Vec::len),
        "stale": stale.err().and_then(|e| e.error_message),
        "returned_ops": accepted["NewExecutionState"]["Operations"].as_array().map(Vec::len),
        "again": again.err().and_then(|e| e.error_message),
    }))
}

/// Draws random numbers outside any step. The host hands every invocation of an
/// execution the same stream, so a replay sees the same numbers.
fn random(ctx: &DurableContext) -> DurableResult<Value> {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let drawn = RandomState::new().hash_one(42u64);
    let recorded: u64 = ctx.step("draw", |_| Ok(drawn))?;
    ctx.wait(secs(1))?;
    Ok(json!({ "same_on_replay": recorded == drawn }))
}

/// Polls a counter that each check increments, until it reaches `input.target`
/// (default 3). `input.custom` picks a guest strategy of 1 s between checks, otherwise
/// the AWS backoff with `input.max_attempts` (default 60). Returns the final count.
fn condition(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let target = input["target"].as_u64().unwrap_or(3);
    let strategy = if input["custom"].as_bool().unwrap_or(false) {
        WaitStrategy::function(move |n: &u64, _attempt| {
            if *n >= target {
                WaitDecision::Stop
            } else {
                WaitDecision::ContinueAfter(secs(1))
            }
        })
    } else {
        let config = WaitStrategyConfig {
            max_attempts: input["max_attempts"].as_u64().unwrap_or(60) as u32,
            ..WaitStrategyConfig::default()
        };
        WaitStrategy::with_config(move |n: &u64| *n < target, config)
    };
    let count = ctx.wait_for_condition(
        "counter",
        |n: u64, check| {
            check
                .logger()
                .info(format!("check {} sees {n}", check.attempt()));
            Ok(n + 1)
        },
        WaitForConditionConfig::new(0, strategy),
    )?;
    Ok(json!(count))
}

/// Invokes `input.function` with `input.payload`; with `input.catch` a failure returns
/// `{"failed": ErrorType}` instead of failing the execution.
fn invoke(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let function = input["function"].as_str().unwrap_or("scenarios");
    match ctx.invoke::<Value, Value>("call", function, &input["payload"]) {
        Ok(result) => Ok(json!({ "result": result })),
        Err(DurableError::InvokeFailed(e)) if input["catch"].as_bool().unwrap_or(false) => {
            Ok(json!({ "failed": e.error_type, "message": e.error_message }))
        }
        Err(other) => Err(other),
    }
}

/// A batch result as JSON the tests can assert on.
fn batch_json(result: &BatchResult<Value>) -> Value {
    use durabox_sdk::{BatchItemStatus as S, CompletionReason as R};
    let status = |s: S| match s {
        S::Succeeded => "SUCCEEDED",
        S::Failed => "FAILED",
        S::Started => "STARTED",
    };
    let reason = match result.completion_reason {
        R::AllCompleted => "AllCompleted",
        R::MinSuccessfulReached => "MinSuccessfulReached",
        R::FailureToleranceExceeded => "FailureToleranceExceeded",
        R::CustomCompletionSucceeded => "CustomCompletionSucceeded",
        R::CustomCompletionFailed => "CustomCompletionFailed",
    };
    json!({
        "reason": reason,
        "items": result.all.iter().map(|i| json!({
            "index": i.index,
            "status": status(i.status),
            "result": i.result,
            "error": i.error.as_ref().and_then(|e| e.error_type.clone()),
        })).collect::<Vec<_>>(),
    })
}

fn completion(input: &Value) -> CompletionConfig {
    match input["completion"].as_str().unwrap_or("") {
        "all_completed" => CompletionConfig::all_completed(),
        "first_successful" => CompletionConfig::first_successful(),
        "tolerate_one" => CompletionConfig {
            tolerated_failure_count: Some(1),
            ..CompletionConfig::default()
        },
        _ => CompletionConfig::default(),
    }
}

/// Maps over `input.items` (numbers): each item doubles its value in a step, waits
/// `input.wait` seconds first if set (`input.waits` times, default once), and fails (no
/// retry) when the value is in `input.fail`.
/// `input.max_concurrency`, `input.completion`, `input.flat` configure the map.
fn map(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let items: Vec<u64> = serde_json::from_value(input["items"].clone()).unwrap_or_default();
    let fail: Vec<u64> = serde_json::from_value(input["fail"].clone()).unwrap_or_default();
    let wait = input["wait"].as_u64();
    let waits = input["waits"].as_u64().unwrap_or(1);
    let config = MapConfig {
        max_concurrency: input["max_concurrency"].as_u64().map(|n| n as u32),
        completion: completion(input),
        nesting: if input["flat"].as_bool().unwrap_or(false) {
            Nesting::Flat
        } else {
            Nesting::Nested
        },
        item_namer: Some(Box::new(|item: &u64, _| format!("item-{item}"))),
    };
    let result = ctx.map(
        "numbers",
        &items,
        |branch, item, _index| {
            if let Some(seconds) = wait {
                for _ in 0..waits {
                    branch.wait(secs(seconds + item))?;
                }
            }
            let failing = fail.contains(item);
            let no_retry = StepConfig::new().retry_strategy(RetryPresets::none());
            let doubled: u64 = branch.step_with_config("double", no_retry, |_| {
                if failing {
                    Err(Error::new("ItemError", format!("item {item} failed")))
                } else {
                    Ok(item * 2)
                }
            })?;
            Ok(json!(doubled))
        },
        config,
    )?;
    Ok(batch_json(&result))
}

/// Three named branches: "fast" returns at once, "slow" waits `input.wait` seconds
/// (default 10), "failing" fails unless `input.no_failure`.
fn parallel(ctx: &DurableContext, input: &Value) -> DurableResult<Value> {
    let wait = input["wait"].as_u64().unwrap_or(10);
    let no_failure = input["no_failure"].as_bool().unwrap_or(false);
    let branches = vec![
        ParallelBranch::named("fast", |b: &DurableContext| {
            b.step("now", |_| Ok(json!("fast")))
        }),
        ParallelBranch::named("slow", move |b: &DurableContext| {
            b.wait(secs(wait))?;
            Ok(json!("slow"))
        }),
        ParallelBranch::named("failing", move |b: &DurableContext| {
            if no_failure {
                return Ok(json!("fine"));
            }
            let no_retry = StepConfig::new().retry_strategy(RetryPresets::none());
            b.step_with_config("boom", no_retry, |_| -> Result<Value, Error> {
                Err(Error::new("BranchError", "boom"))
            })
        }),
    ];
    let config = ParallelConfig {
        max_concurrency: input["max_concurrency"].as_u64().map(|n| n as u32),
        completion: if input["completion"].is_string() {
            completion(input)
        } else {
            ParallelConfig::default().completion
        },
        nesting: Nesting::Nested,
    };
    let result = ctx.parallel("branches", branches, config)?;
    Ok(batch_json(&result))
}
