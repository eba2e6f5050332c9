//! Steps, retries, waits and child contexts.

use durabox::model::EventType::*;
use durabox::{ExecutionStatus, OperationStatus};
use serde_json::json;

use crate::common::*;

#[test]
fn sequential_steps_pass_results_on() {
    let result = runner(SCENARIOS)
        .run(&scenario("steps", json!({})))
        .unwrap();
    assert_eq!(result.result_json::<String>().unwrap(), "result=22");
    assert_eq!(result.step("second").unwrap().result(), Some("11"));
    assert_eq!(result.invocations.len(), 1);
}

#[test]
fn retry_then_succeed_records_each_attempt() {
    let result = runner(SCENARIOS)
        .run(&scenario("retry_then_succeed", json!({})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"attempt": 3})
    );
    let step = result.step("flaky").unwrap();
    assert_eq!(step.attempt(), Some(3));
    let history = result.history_json();
    let step_ends: Vec<_> = history["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["EventType"] == "StepFailed" || e["EventType"] == "StepSucceeded")
        .collect();
    assert_eq!(step_ends.len(), 3);
    assert_eq!(
        step_ends[0]["StepFailedDetails"]["RetryDetails"],
        json!({"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1})
    );
    assert_eq!(
        step_ends[1]["StepFailedDetails"]["RetryDetails"],
        json!({"CurrentAttempt": 2, "NextAttemptDelaySeconds": 2})
    );
    assert_eq!(
        step_ends[2]["StepSucceededDetails"]["RetryDetails"],
        json!({"CurrentAttempt": 3})
    );
    assert_eq!(
        step_ends[0]["StepFailedDetails"]["Error"]["Payload"]["ErrorType"],
        "Transient"
    );
    // One invocation per attempt; the retry delays produce no events of their own.
    assert_eq!(count(&result.events, InvocationCompleted), 3);
    assert_eq!(count(&result.events, StepStarted), 3);
}

#[test]
fn plugins_see_a_retried_step_start_in_every_invocation_that_runs_it() {
    let config = durabox::FunctionConfig {
        env: vec![("DURABOX_SCENARIO_PLUGIN".into(), "1".into())],
        ..durabox::FunctionConfig::default()
    };
    let runner = durabox::TestRunner::with_config(guest("rust", "scenarios"), config).unwrap();
    let result = runner
        .run(&scenario("retry_then_succeed", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    let printed: Vec<Vec<&str>> = result
        .invocations
        .iter()
        .map(|i| i.stdout.lines().collect())
        .collect();
    // One invocation per attempt; each starts the unfinished step again (as AWS reports
    // a replayed non-terminal operation), and only the last one ends it.
    assert_eq!(
        printed,
        [
            vec!["operation-start flaky", "attempt-start flaky 1"],
            vec!["operation-start flaky", "attempt-start flaky 2"],
            vec![
                "operation-start flaky",
                "attempt-start flaky 3",
                "operation-end flaky SUCCEEDED"
            ],
        ]
    );
}

#[test]
fn retry_exhaustion_fails_the_execution() {
    let result = runner(SCENARIOS)
        .run(&scenario("retry_exhausted", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    let step = result.step("always-fails").unwrap();
    assert_eq!(step.status(), OperationStatus::Failed);
    assert_eq!(step.attempt(), Some(3));
    assert_eq!(step.error().unwrap().error_type.as_deref(), Some("MyError"));
    let error = result.error.as_ref().unwrap();
    assert_eq!(error.error_message.as_deref(), Some("boom"));
    assert_eq!(
        *event_types(&result.events).last().unwrap(),
        ExecutionFailed
    );
}

#[test]
fn retryable_error_types_filter_retries() {
    let result = runner(SCENARIOS)
        .run(&scenario("retry_filtered", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(result.step("fatal").unwrap().attempt(), Some(1));
    assert_eq!(count(&result.events, StepStarted), 1);
}

#[test]
fn caught_step_error_lets_the_handler_continue() {
    let result = runner(SCENARIOS)
        .run(&scenario("caught_step_error", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"caught": "step went wrong"})
    );
}

#[test]
fn long_wait_is_skipped_but_modeled() {
    let started = std::time::Instant::now();
    let result = runner(SCENARIOS)
        .run(&scenario("wait", json!({"seconds": 3600})))
        .unwrap();
    assert_eq!(result.result_json::<String>().unwrap(), "done");
    assert!(
        started.elapsed().as_secs() < 20,
        "an hour-long wait must be skipped"
    );
    let wait = result.operation_at(0).unwrap();
    assert_eq!(wait.status(), OperationStatus::Succeeded);
    let modeled = wait.end_timestamp().unwrap() - wait.start_timestamp();
    assert_eq!(modeled, 3_600_000);
    let history = result.history_json();
    let started = &history["Events"][1];
    assert_eq!(started["EventType"], "WaitStarted");
    assert_eq!(started["WaitStartedDetails"]["Duration"], 3600);
}

#[test]
fn skipped_time_reaches_the_execution_timeout_before_a_longer_wait() {
    // The default execution timeout is a day: a 25-hour wait never ends, the execution
    // times out at the day's end (skipped, not waited for in real time).
    let result = runner(SCENARIOS)
        .run(&scenario("wait", json!({"seconds": 90_000})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::TimedOut,
        "{:?}",
        result.error
    );
    assert_eq!(
        event_types(&result.events),
        [
            ExecutionStarted,
            WaitStarted,
            InvocationCompleted,
            ExecutionTimedOut
        ]
    );
    let history = result.history_json();
    let events = history["Events"].as_array().unwrap();
    let at = |e: &serde_json::Value| e["EventTimestamp"].as_f64().unwrap();
    assert_eq!((at(&events[3]) - at(&events[0])).round(), 86_400.0);
}

#[test]
fn invalid_wait_is_rejected_before_any_checkpoint() {
    let result = runner(SCENARIOS)
        .run(&scenario("wait", json!({"seconds": 0})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert!(result.operations().is_empty());
    let message = result
        .error
        .as_ref()
        .unwrap()
        .error_message
        .clone()
        .unwrap_or_default();
    assert!(message.contains("wait duration"), "{message}");
}

#[test]
fn nested_child_contexts() {
    let result = runner(SCENARIOS)
        .run(&scenario("child", json!({})))
        .unwrap();
    assert_eq!(result.result_json::<String>().unwrap(), "a+b!");
    let outer = result.context("outer").unwrap();
    let inner = outer.child("inner").unwrap();
    assert_eq!(
        inner.child("inner-step").unwrap().parent_id(),
        Some(inner.id())
    );
    assert_eq!(inner.sub_type(), Some("RunInChildContext"));
    assert_eq!(inner.result(), Some("\"b!\""));
}

#[test]
fn child_failure_fails_context_and_execution() {
    let result = runner(SCENARIOS)
        .run(&scenario("child_failure", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    let child = result.context("failing-child").unwrap();
    assert_eq!(child.status(), OperationStatus::Failed);
    assert!(count(&result.events, ContextFailed) == 1);
    let history = result.history_json();
    let failed = history["Events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["EventType"] == "ContextFailed")
        .unwrap();
    assert!(failed["ContextFailedDetails"]["Error"]["Payload"].is_object());
}

#[test]
fn large_child_result_uses_replay_children() {
    let result = runner(SCENARIOS)
        .run(&scenario("large_child", json!({})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(result.result_json::<u64>().unwrap(), 300_000);
    let large = result.context("large").unwrap();
    let details = large.op.context_details.as_ref().unwrap();
    assert!(details.replay_children);
    assert_eq!(details.result.as_deref(), Some(""));
    // The replay re-ran the child body without checkpointing it again.
    assert_eq!(count(&result.events, ContextSucceeded), 1);
    assert_eq!(count(&result.events, StepStarted), 1);
    assert_eq!(result.invocations.len(), 2);
}
