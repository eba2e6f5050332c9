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

#[test]
fn random_calls_across_the_wit_boundary_never_break_the_host() {
    // Each seed makes up to 300 random calls with random arguments and handles; the host
    // may refuse them or end the execution, but every execution must end (a host panic
    // would kill its driver and leave it running) and the host must stay up.
    let runner = TestRunner::on_runtime(runtime().clone(), HOSTILE);
    let arns: Vec<String> = (0..200u64)
        .map(|seed| {
            runner
                .run_async(&json!({"attack": "fuzz", "seed": seed, "calls": 300}))
                .unwrap()
        })
        .collect();
    let mut endings = std::collections::BTreeMap::<String, u32>::new();
    for (seed, arn) in arns.iter().enumerate() {
        let result = runner
            .wait_for_result(arn, Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("seed {seed}: the execution did not end: {e}"));
        let ending = match result.status {
            durabox::ExecutionStatus::Succeeded => "SUCCEEDED".to_owned(),
            _ => error_type(&result),
        };
        *endings.entry(ending).or_default() += 1;
    }
    eprintln!("fuzz endings over 200 seeds: {endings:?}");
    assert!(
        endings.len() > 1,
        "the fuzzer should reach several outcomes: {endings:?}"
    );
    // The host still runs a normal handler afterwards.
    let after = attack(QUICKSTART, json!("after the fuzz"));
    assert_eq!(after.status, durabox::ExecutionStatus::Succeeded);
}
