//! The hostile-guest suite: every attack ends its invocation with a named error (or is
//! simply powerless), the host keeps running, other executions are unaffected, and
//! nothing on the host's disk or network is touched.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions};
use durabox::{ExecutionResult, ExecutionStatus, Limits, TestRunner};
use serde_json::{json, Value};

const HOSTILE: &str = "hostile";
const STRICT: &str = "hostile-strict";
const QUICKSTART: &str = "quickstart";

fn guest(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../target/guests/rust/{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask build-guests`",
        path.display()
    );
    path
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let runtime = Runtime::new(RuntimeOptions::default()).unwrap();
        let config = FunctionConfig {
            limits: Limits {
                fuel: 2_000_000_000,
                memory_bytes: 64 << 20,
                invocation_timeout: Duration::from_secs(1),
                max_operations: 100_000,
            },
            max_consecutive_crashes: 1,
            ..FunctionConfig::default()
        };
        let hostile = runtime
            .register_file(HOSTILE, &guest("hostile"), config.clone())
            .unwrap();
        let strict = FunctionConfig {
            strict_determinism: true,
            ..config
        };
        runtime.register(STRICT, hostile.loaded.clone(), strict);
        runtime
            .register_file(QUICKSTART, &guest("quickstart"), FunctionConfig::default())
            .unwrap();
        runtime
    })
}

fn attack(function: &str, input: Value) -> ExecutionResult {
    TestRunner::on_runtime(runtime().clone(), function)
        .run(&input)
        .unwrap()
}

fn error_type(result: &ExecutionResult) -> String {
    result
        .error
        .as_ref()
        .and_then(|e| e.error_type.clone())
        .unwrap_or_default()
}

#[test]
fn unbounded_recursion_overflows_the_guest_stack_only() {
    let result = attack(HOSTILE, json!({"attack": "recurse"}));
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(error_type(&result), "Runtime.StackOverflow");
}

#[test]
fn slow_fuel_burn_hits_the_wall_clock_limit() {
    let result = attack(HOSTILE, json!({"attack": "slow_burn"}));
    assert_eq!(error_type(&result), "Sandbox.Timedout");
}

#[test]
fn abort_is_a_crash() {
    let result = attack(HOSTILE, json!({"attack": "abort"}));
    assert_eq!(error_type(&result), "Runtime.ExitError");
}

#[test]
fn the_host_filesystem_is_out_of_reach() {
    let marker = std::env::temp_dir().join(format!("durabox-hostile-{}", std::process::id()));
    let result = attack(
        HOSTILE,
        json!({"attack": "files", "path": marker.to_str().unwrap()}),
    );
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    let seen: Value = result.result_json().unwrap();
    for probe in ["read_passwd", "write", "list_root"] {
        assert!(
            seen[probe].get("error").is_some(),
            "{probe} must fail: {seen}"
        );
    }
    assert!(!marker.exists(), "the guest wrote to the host's disk");
}

#[test]
fn no_environment_is_inherited() {
    std::env::set_var("DURABOX_HOSTILE_SECRET", "leak");
    let result = attack(HOSTILE, json!({"attack": "env"}));
    assert_eq!(result.result_json::<Value>().unwrap(), json!([]));
}

#[test]
fn no_network() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let result = attack(HOSTILE, json!({"attack": "sockets", "address": address}));
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    let seen: Value = result.result_json().unwrap();
    assert!(
        seen["connect"].as_str().unwrap().starts_with("Err"),
        "{seen}"
    );
    assert!(
        seen["listen"].as_str().unwrap().starts_with("Err"),
        "{seen}"
    );
    assert!(
        listener.accept().is_err(),
        "the guest reached a host socket"
    );
}

#[test]
fn clock_and_random_reads_outside_steps_are_reported() {
    let result = attack(HOSTILE, json!({"attack": "clock_random"}));
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    let warnings = &result.invocations[0].warnings;
    let sources: Vec<_> = warnings.iter().map(|w| w.source.as_str()).collect();
    assert!(sources.contains(&"wall-clock"), "{warnings:?}");
    assert!(sources.contains(&"random"), "{warnings:?}");
    // Both reads happened after the first operation, and none inside the step "stamp".
    let first = durabox::model::ids::operation_id(None, 1);
    assert!(warnings
        .iter()
        .all(|w| w.operations_before == 1 && w.after_operation.as_deref() == Some(first.as_str())));
    assert!(result.description["DeterminismWarnings"].is_array());

    let strict = attack(STRICT, json!({"attack": "clock_random"}));
    assert_eq!(strict.status, ExecutionStatus::Failed);
    assert_eq!(error_type(&strict), "NondeterministicReadError");
}

#[test]
fn huge_logs_are_capped() {
    let result = attack(HOSTILE, json!({"attack": "huge_logs"}));
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    let invocation = &result.invocations[0];
    let kept: usize = invocation.logs.iter().map(|l| l.message.len()).sum();
    assert!(
        kept <= durabox::replay::MAX_LOG_BYTES + 64 * 1024,
        "{kept} bytes of logs kept"
    );
    assert!(invocation
        .logs
        .iter()
        .all(|l| l.message.len() <= durabox::replay::MAX_LOG_LINE_BYTES + 64));
    assert!(invocation
        .logs
        .last()
        .unwrap()
        .message
        .contains("more log lines dropped"));
    // stdout keeps its first MiB and says how much more was dropped; the guest's
    // writes never fail, so it finished normally.
    assert!(invocation.stdout.len() <= (1 << 20) + 100);
    assert!(invocation
        .stdout
        .ends_with("more bytes dropped (limit 1048576)\n"));
}

#[test]
fn oversized_payloads_fail_with_the_aws_message() {
    let result = attack(HOSTILE, json!({"attack": "huge_result"}));
    assert_eq!(result.status, ExecutionStatus::Failed);
    let message = result.error.unwrap().error_message.unwrap();
    assert!(
        message.contains("payload size must be less than or equal to 6291456 bytes"),
        "{message}"
    );

    let result = attack(HOSTILE, json!({"attack": "huge_step"}));
    assert_eq!(error_type(&result), "InvalidParameterValueException");
    assert!(result
        .error
        .unwrap()
        .error_message
        .unwrap()
        .contains("STEP size must be less than or equal to 1048576"));
}

#[test]
fn durable_calls_after_suspension_or_inside_a_step_are_protocol_errors() {
    for attack_name in ["after_suspend", "inside_step"] {
        let result = attack(HOSTILE, json!({"attack": attack_name}));
        assert_eq!(result.status, ExecutionStatus::Failed, "{attack_name}");
        assert_eq!(error_type(&result), "DurableProtocolError", "{attack_name}");
    }
}

#[test]
fn other_executions_are_unaffected() {
    let runner = TestRunner::on_runtime(runtime().clone(), HOSTILE);
    let attacks: Vec<String> = ["recurse", "slow_burn", "huge_logs", "abort"]
        .iter()
        .map(|a| runner.run_async(&json!({"attack": a})).unwrap())
        .collect();
    let healthy = TestRunner::on_runtime(runtime().clone(), QUICKSTART);
    let runs: Vec<String> = (0..8)
        .map(|_| healthy.run_async(&json!("input str")).unwrap())
        .collect();
    for arn in runs {
        let result = healthy
            .wait_for_result(&arn, Duration::from_secs(60))
            .unwrap();
        assert_eq!(result.status, ExecutionStatus::Succeeded);
        assert_eq!(result.result.as_deref(), Some(r#"["1 2","3 4 4 3","5 6"]"#));
    }
    for arn in attacks {
        runner
            .wait_for_result(&arn, Duration::from_secs(60))
            .unwrap();
    }
}

#[test]
fn operation_and_invocation_counts_are_bounded() {
    let runtime = runtime();
    let hostile = runtime.function(HOSTILE).unwrap();
    let few_operations = FunctionConfig {
        limits: Limits {
            max_operations: 1,
            ..Limits::default()
        },
        ..FunctionConfig::default()
    };
    runtime.register("hostile-few-ops", hostile.loaded.clone(), few_operations);
    let result = attack("hostile-few-ops", json!({"attack": "clock_random"}));
    assert_eq!(error_type(&result), "Runtime.TooManyOperations");

    let quickstart = runtime.function(QUICKSTART).unwrap();
    let one_invocation = FunctionConfig {
        max_invocations: 1,
        ..FunctionConfig::default()
    };
    runtime.register(
        "quickstart-one-invocation",
        quickstart.loaded.clone(),
        one_invocation,
    );
    let result = attack("quickstart-one-invocation", json!("input str"));
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(error_type(&result), "Execution.TooManyInvocations");
    assert_eq!(result.invocations.len(), 1);
}

/// Seeds the fuzz test runs, actions each seed's program has at its top level, and the
/// percent of actions that are hostile.
const FUZZ_SEEDS: u64 = 200;
const FUZZ_ACTIONS: u32 = 40;
const FUZZ_HOSTILE: u32 = 4;

/// The host calls each invocation of a fuzz execution made (the guest prints
/// `fuzz-call <n> <what>` before each), and the name of each call.
fn fuzz_calls(result: &ExecutionResult) -> Vec<Vec<&str>> {
    result
        .invocations
        .iter()
        .map(|invocation| {
            invocation
                .stdout
                .lines()
                .filter_map(|line| line.strip_prefix("fuzz-call "))
                .map(|rest| rest.split_once(' ').map_or("", |(_, what)| what))
                .collect()
        })
        .collect()
}

/// How deep the operation tree of an execution goes (1: top-level operations only).
fn operation_depth(result: &ExecutionResult) -> usize {
    let parents: std::collections::HashMap<&str, Option<&str>> = result
        .all_operations
        .iter()
        .map(|op| (op.id.as_str(), op.parent_id.as_deref()))
        .collect();
    result
        .all()
        .iter()
        .map(|view| {
            let mut depth = 1;
            let mut at = view.op.parent_id.as_deref();
            while let Some(parent) = at {
                depth += 1;
                at = parents.get(parent).copied().flatten();
                if depth > 64 {
                    break;
                }
            }
            depth
        })
        .max()
        .unwrap_or(0)
}

/// Answers the started callbacks named `cb-answer-*` of the running executions in
/// `arns` (alternately with a success and a failure); the others time out. Returns when
/// every execution has ended, or panics after `timeout`.
fn answer_callbacks_until_done(runner: &TestRunner, arns: &[String], timeout: Duration) {
    use std::collections::HashSet;
    let deadline = std::time::Instant::now() + timeout;
    let mut answered = HashSet::new();
    let mut running: Vec<usize> = (0..arns.len()).collect();
    while !running.is_empty() {
        if std::time::Instant::now() > deadline {
            if running.len() == 1 && arns.len() == 1 {
                return;
            }
            for &seed in &running {
                let snapshot = runner.snapshot(&arns[seed]).unwrap();
                let calls = fuzz_calls(&snapshot);
                let open: Vec<String> = snapshot
                    .all()
                    .iter()
                    .filter(|v| !v.op.status.is_terminal())
                    .map(|v| {
                        format!(
                            "{} {} {:?} {:?}",
                            v.op.id,
                            v.op.op_type.as_str(),
                            v.op.name,
                            v.op.status
                        )
                    })
                    .collect();
                eprintln!(
                    "seed {seed} still running: {} invocations, last calls {:?}, open operations {open:?}",
                    calls.len(),
                    calls.last().map(|c| &c[c.len().saturating_sub(8)..])
                );
            }
            panic!(
                "seeds {running:?} did not end within {timeout:?}: a host panic kills the \
                 driver of its execution, which then never ends"
            );
        }
        running.retain(|&seed| {
            let snapshot = runner.snapshot(&arns[seed]).unwrap();
            if snapshot.status.is_terminal() {
                return false;
            }
            for op in &snapshot.all_operations {
                let (Some(details), Some(name)) = (&op.callback_details, &op.name) else {
                    continue;
                };
                if op.status != durabox::OperationStatus::Started
                    || !name.starts_with("cb-answer")
                    || !answered.insert(details.callback_id.clone())
                {
                    continue;
                }
                // Errors are fine: the callback may have ended meanwhile.
                let _ = if answered.len() % 2 == 0 {
                    runner.send_callback_success(&details.callback_id, Some("\"answered\""))
                } else {
                    let error = durabox::ErrorObject::new("Answered", "answered with a failure");
                    runner.send_callback_failure(&details.callback_id, error)
                };
            }
            true
        });
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Records every panic from here on outside this test file (the host's, in any thread),
/// then hands it to the previous hook as before.
fn count_host_panics() -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    let panics = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        if !location.contains("tests/hostile") {
            seen.lock().unwrap().push(format!("{info}"));
        }
        previous(info);
    }));
    panics
}

#[test]
fn random_calls_across_the_wit_boundary_never_break_the_host() {
    // Each seed runs a random durable program, mostly plausible calls with a few hostile
    // ones (see tests/guests/rust/hostile/src/fuzz.rs), across as many invocations as
    // its suspensions take. The host may refuse calls or end the execution, but every
    // execution must end (a host panic would kill its driver and leave it running) and
    // the host must stay up. The test answers the program's callbacks; callbacks it
    // does not answer time out.
    let started = std::time::Instant::now();
    let host_panics = count_host_panics();
    let runner = TestRunner::on_runtime(runtime().clone(), HOSTILE).fire_callback_timeouts(true);
    // DURABOX_FUZZ_SEED=<n> runs that seed alone and prints every call it made.
    let only: Option<u64> = std::env::var("DURABOX_FUZZ_SEED")
        .ok()
        .map(|s| s.parse().unwrap());
    let seeds: Vec<u64> = only.map_or_else(|| (0..FUZZ_SEEDS).collect(), |seed| vec![seed]);
    let arns: Vec<String> = seeds
        .iter()
        .map(|&seed| {
            let input = json!({
                "attack": "fuzz",
                "seed": seed,
                "actions": FUZZ_ACTIONS,
                "hostile": FUZZ_HOSTILE,
            });
            runner.run_async(&input).unwrap()
        })
        .collect();
    answer_callbacks_until_done(&runner, &arns, Duration::from_secs(90));
    if only.is_some() {
        let result = runner.snapshot(&arns[0]).unwrap();
        for (i, calls) in fuzz_calls(&result).iter().enumerate() {
            eprintln!("invocation {i}: {}", calls.join(", "));
        }
        eprintln!("{:?} {:?}", result.status, result.error);
        return;
    }

    let mut endings = std::collections::BTreeMap::<String, u32>::new();
    let mut kinds = std::collections::BTreeMap::<String, u64>::new();
    let mut operations = std::collections::BTreeMap::<String, u64>::new();
    let mut per_seed = Vec::new();
    let mut invocations = Vec::new();
    let mut depth = 0;
    let mut recorded = Vec::new();
    let mut exhausted = Vec::new();
    for (&seed, arn) in seeds.iter().zip(&arns) {
        let result = runner
            .wait_for_result(arn, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("seed {seed}: the execution did not end: {e}"));
        let calls = fuzz_calls(&result);
        let ending = match (result.status, error_type(&result)) {
            (ExecutionStatus::Succeeded, _) => "SUCCEEDED".to_owned(),
            // A raw checkpoint that failed the execution without an error.
            (status, kind) if kind.is_empty() => format!("{} without an error", status.as_str()),
            (_, kind) => kind,
        };
        if std::env::var_os("DURABOX_FUZZ_VERBOSE").is_some() {
            let last = calls.iter().flatten().last().copied().unwrap_or("none");
            eprintln!(
                "seed {seed}: {ending} after {} calls in {} invocations, last call {last}: {:?}",
                calls.iter().map(Vec::len).sum::<usize>(),
                calls.len(),
                result
                    .error
                    .as_ref()
                    .and_then(|e| e.error_message.as_deref())
            );
        }
        if calls
            .iter()
            .flatten()
            .any(|c| *c == "batch-rounds-exhausted")
        {
            exhausted.push(seed);
        }
        *endings.entry(ending).or_default() += 1;
        for what in calls.iter().flatten() {
            *kinds.entry((*what).to_owned()).or_default() += 1;
        }
        for op in result.all() {
            let key = format!("{} {:?}", op.op.op_type.as_str(), op.op.status);
            *operations.entry(key).or_default() += 1;
        }
        depth = depth.max(operation_depth(&result));
        recorded.push(result.all().len());
        per_seed.push(calls.iter().map(Vec::len).sum::<usize>());
        invocations.push(calls.len());
    }
    let total: usize = per_seed.iter().sum();
    per_seed.sort_unstable();
    invocations.sort_unstable();
    recorded.sort_unstable();
    let median = per_seed[per_seed.len() / 2];
    let replayed = invocations.iter().filter(|&&n| n > 1).count();
    eprintln!(
        "fuzz: {FUZZ_SEEDS} seeds in {:.1?}, {total} host calls; calls per seed min {} \
         median {median} p90 {} max {}; invocations per seed median {} max {}, {replayed} \
         seeds replayed; operations recorded per seed median {} max {}, tree depth up to \
         {depth}",
        started.elapsed(),
        per_seed[0],
        per_seed[per_seed.len() * 9 / 10],
        per_seed[per_seed.len() - 1],
        invocations[invocations.len() / 2],
        invocations[invocations.len() - 1],
        recorded[recorded.len() / 2],
        recorded[recorded.len() - 1],
    );
    eprintln!("fuzz endings: {endings:?}");
    eprintln!("fuzz calls by kind: {kinds:?}");
    eprintln!("fuzz operations by type and status: {operations:?}");

    // No panic anywhere in the host, even one it recovered from.
    let panics = host_panics.lock().unwrap().clone();
    assert!(panics.is_empty(), "the host panicked: {panics:?}");
    // Deep, not just wide: most seeds go on for many calls, across replays, into nested
    // contexts and batches, and reach every kind of operation and outcome.
    assert!(median >= 300, "median calls per seed {median} (< 300)");
    assert!(total >= 120_000, "{total} calls in all (< 120,000)");
    assert!(
        replayed as u64 >= FUZZ_SEEDS * 3 / 4,
        "{replayed} seeds replayed"
    );
    assert!(depth >= 4, "operation tree depth {depth}");
    assert!(
        exhausted.is_empty(),
        "the host kept handing out a branch whose timer was not due, seeds {exhausted:?} (DURABOX_FUZZ_SEED=<seed> shows the calls)"
    );
    for kind in [
        "step-end",
        "wait",
        "child-end",
        "callback-result",
        "condition-end",
        "invoke",
        "batch-next",
        "batch-branch-end",
        "batch-finish",
        "context-drop",
        "checkpoint (raw)",
        "step-end (made-up handle)",
    ] {
        assert!(kinds.contains_key(kind), "no {kind} call: {kinds:?}");
    }
    for operation in [
        "STEP Succeeded",
        "STEP Failed",
        "WAIT Succeeded",
        "CONTEXT Succeeded",
        "CONTEXT Failed",
        "CALLBACK Succeeded",
        "CALLBACK Failed",
        "CALLBACK TimedOut",
        "CHAINED_INVOKE Succeeded",
        "CHAINED_INVOKE Failed",
    ] {
        assert!(
            operations.contains_key(operation),
            "no {operation}: {operations:?}"
        );
    }
    assert!(
        endings.len() > 1 && endings.get("SUCCEEDED").is_some_and(|&n| n >= 10),
        "the fuzzer should reach several outcomes, success among them: {endings:?}"
    );
    // The host still runs a normal handler afterwards.
    let after = attack(QUICKSTART, json!("after the fuzz"));
    assert_eq!(after.status, ExecutionStatus::Succeeded);
}
