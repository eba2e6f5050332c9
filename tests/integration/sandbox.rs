//! Guests that misbehave end their invocation with a named error and never the host.

use durabox::ExecutionStatus;
use serde_json::json;

use crate::common::*;

fn crash_type(result: &durabox::ExecutionResult) -> String {
    result
        .error
        .as_ref()
        .and_then(|e| e.error_type.clone())
        .unwrap_or_default()
}

#[test]
fn trap_is_retried_then_fails_the_execution() {
    let result = runner(SCENARIOS_TIGHT)
        .run(&scenario("trap", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(crash_type(&result), "Runtime.ExitError");
    // Bounded re-invocation: max_consecutive_crashes = 2 for this function.
    assert_eq!(result.invocations.len(), 2);
    assert!(result.invocations[0]
        .stderr
        .contains("guest panicked on purpose"));
    let message = result
        .error
        .as_ref()
        .unwrap()
        .error_message
        .clone()
        .unwrap();
    assert!(message.contains("crashed 2 invocations"), "{message}");
}

#[test]
fn endless_loop_runs_out_of_fuel() {
    let result = runner(SCENARIOS_TIGHT)
        .run(&scenario("spin", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(crash_type(&result), "Runtime.OutOfFuel");
}

#[test]
fn unbounded_allocation_hits_the_memory_cap() {
    let result = runner(SCENARIOS_TIGHT)
        .run(&scenario("oom", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(crash_type(&result), "Runtime.OutOfMemory");
}

#[test]
fn wall_clock_limit_interrupts_a_guest_with_fuel_left() {
    let runtime = runtime();
    let function = runtime.function(SCENARIOS).unwrap();
    let config = durabox::FunctionConfig {
        limits: durabox::Limits {
            fuel: u64::MAX / 2,
            memory_bytes: 64 << 20,
            invocation_timeout: std::time::Duration::from_millis(300),
            max_operations: 100_000,
        },
        max_consecutive_crashes: 1,
        ..durabox::FunctionConfig::default()
    };
    runtime.register("scenarios-short-timeout", function.loaded.clone(), config);
    let result = runner("scenarios-short-timeout")
        .run(&scenario("spin", json!({})))
        .unwrap();
    assert_eq!(crash_type(&result), "Sandbox.Timedout");
}

#[test]
fn output_and_logs_are_captured_per_invocation() {
    let result = runner(SCENARIOS).run(&scenario("log", json!({}))).unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    let invocation = &result.invocations[0];
    assert_eq!(invocation.stdout, "stdout line\n");
    assert_eq!(invocation.stderr, "stderr line\n");
    assert_eq!(invocation.logs[0].message, "hello from the guest");
    assert_eq!(invocation.logs[0].level, "INFO");
}

#[test]
fn other_executions_are_unaffected_by_a_crashing_one() {
    let crashing = runner(SCENARIOS_TIGHT)
        .run_async(&scenario("spin", json!({})))
        .unwrap();
    let healthy = runner(QUICKSTART).run(&json!("input str")).unwrap();
    assert_eq!(healthy.status, ExecutionStatus::Succeeded);
    let crashed = runner(SCENARIOS_TIGHT)
        .wait_for_result(&crashing, WAIT)
        .unwrap();
    assert_eq!(crashed.status, ExecutionStatus::Failed);
}

#[test]
fn compiled_artifacts_are_cached_by_content_hash() {
    let dir = std::env::temp_dir().join(format!("durabox-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sandbox = durabox::sandbox::Sandbox::new(Some(dir.clone())).unwrap();
    let path = guest("rust", "quickstart");
    let first = sandbox.load_file(&path).unwrap();
    assert!(!first.from_cache);
    let second = sandbox.load_file(&path).unwrap();
    assert!(second.from_cache);
    assert_eq!(first.hash, second.hash);
    let artifacts = dir.join("artifacts");
    assert_eq!(std::fs::read_dir(&artifacts).unwrap().count(), 1);
    // A corrupt artifact is ignored and rebuilt, never trusted.
    let artifact = std::fs::read_dir(&artifacts)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&artifact, b"garbage").unwrap();
    let third = sandbox.load_file(&path).unwrap();
    assert!(!third.from_cache);
    std::fs::remove_dir_all(&dir).ok();
}
