//! wait-for-condition and chained invoke.

use durabox::model::EventType::*;
use durabox::{ExecutionStatus, OperationStatus};
use serde_json::json;

use crate::common::*;

#[test]
fn condition_polls_with_a_guest_strategy() {
    let result = runner(SCENARIOS)
        .run(&scenario("condition", json!({"custom": true})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(result.result_json::<u64>().unwrap(), 3);
    let counter = result.step("counter").unwrap();
    assert_eq!(counter.sub_type(), Some("WaitForCondition"));
    assert_eq!(counter.attempt(), Some(3));
    let history = result.history_json();
    let polls: Vec<_> = history["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["EventType"] == "StepSucceeded")
        .map(|e| e["StepSucceededDetails"].clone())
        .collect();
    // Each continue is recorded as StepSucceeded with the state and the delay.
    assert_eq!(polls.len(), 3);
    assert_eq!(polls[0]["Result"]["Payload"], "1");
    assert_eq!(
        polls[0]["RetryDetails"],
        json!({"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1})
    );
    assert_eq!(polls[2]["Result"]["Payload"], "3");
    assert_eq!(polls[2]["RetryDetails"], json!({"CurrentAttempt": 3}));
    assert_eq!(count(&result.events, InvocationCompleted), 3);
}

#[test]
fn condition_polls_with_aws_backoff() {
    let result = runner(SCENARIOS)
        .run(&scenario("condition", json!({"target": 4})))
        .unwrap();
    assert_eq!(result.result_json::<u64>().unwrap(), 4);
    let history = result.history_json();
    for event in history["Events"].as_array().unwrap() {
        if let Some(delay) =
            event["StepSucceededDetails"]["RetryDetails"]["NextAttemptDelaySeconds"].as_u64()
        {
            // Full jitter over 5 * 1.5^(n-1): between 1 and 17 seconds for the first checks.
            assert!((1..=17).contains(&delay), "{delay}");
        }
    }
}

#[test]
fn condition_runs_out_of_attempts() {
    let result = runner(SCENARIOS)
        .run(&scenario(
            "condition",
            json!({"target": 100, "max_attempts": 2}),
        ))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    let error = result.error.clone().unwrap();
    assert_eq!(error.error_type.as_deref(), Some("WaitForConditionError"));
    assert_eq!(
        error.error_message.as_deref(),
        Some("wait_for_condition exhausted 2 attempts before the condition was met")
    );
    assert_eq!(
        result.step("counter").unwrap().status(),
        OperationStatus::Failed
    );
}

#[test]
fn invoke_runs_the_target_as_its_own_execution() {
    let runner = runner(SCENARIOS);
    let input = scenario(
        "invoke",
        json!({"function": SCENARIOS, "payload": {"scenario": "steps"}}),
    );
    let result = runner.run(&input).unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"result": "result=22"})
    );
    assert_eq!(
        event_types(&result.events),
        vec![
            ExecutionStarted,
            ChainedInvokeStarted,
            InvocationCompleted,
            ChainedInvokeSucceeded,
            InvocationCompleted,
            ExecutionSucceeded
        ]
    );
    let history = result.history_json();
    let started = &history["Events"][1]["ChainedInvokeStartedDetails"];
    assert_eq!(started["FunctionName"], SCENARIOS);
    assert_eq!(started["Input"]["Payload"], r#"{"scenario":"steps"}"#);
    assert_eq!(started["ExecutedVersion"], "$LATEST");
    assert_eq!(history["Events"][1]["SubType"], "ChainedInvoke");
    // The child is a durable execution of its own, with its own history.
    let child_arn = started["DurableExecutionArn"].as_str().unwrap();
    let child = runner.snapshot(child_arn).unwrap();
    assert_eq!(child.status, ExecutionStatus::Succeeded);
    assert_eq!(child.function_name, SCENARIOS);
    assert_eq!(child.result.as_deref(), Some("\"result=22\""));
    assert_eq!(count(&child.events, StepSucceeded), 3);
}

#[test]
fn invoke_failures_reach_the_caller() {
    let failing = scenario(
        "invoke",
        json!({"function": SCENARIOS, "payload": {"scenario": "retry_exhausted"}, "catch": true}),
    );
    let result = runner(SCENARIOS).run(&failing).unwrap();
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"failed": "MyError", "message": "boom"})
    );
    assert_eq!(count(&result.events, ChainedInvokeFailed), 1);

    let unknown = scenario(
        "invoke",
        json!({"function": "no-such-function", "payload": {}, "catch": true}),
    );
    let result = runner(SCENARIOS).run(&unknown).unwrap();
    let answer: serde_json::Value = result.result_json().unwrap();
    assert_eq!(answer["failed"], "ResourceNotFoundException");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("no-such-function"));
    // Unknown targets fail inside the same invocation, without suspending.
    assert_eq!(result.invocations.len(), 1);
    let history = result.history_json();
    assert!(history["Events"][1]["ChainedInvokeStartedDetails"]
        .get("Input")
        .is_none());
}

#[test]
fn test_runner_registers_targets_and_shows_child_executions() {
    let runner = durabox::TestRunner::new(guest("rust", "scenarios")).unwrap();
    runner
        .register_function(
            "quick",
            guest("rust", "quickstart"),
            durabox::FunctionConfig::default(),
        )
        .unwrap();
    let arn = runner
        .run_async(&scenario(
            "invoke",
            json!({"function": "quick", "payload": "input str"}),
        ))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"result": ["1 2", "3 4 4 3", "5 6"]})
    );
    let children = runner.child_executions(&arn).unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].function_name, "quick");
    assert_eq!(
        children[0].events.len(),
        16,
        "the child has the quickstart's own history"
    );
}
