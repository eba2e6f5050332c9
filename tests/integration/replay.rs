//! Replay: recorded operations never re-run, mismatches are caught, at-most-once steps
//! are never repeated.

use durabox::model::EventType::*;
use durabox::{ExecutionStatus, OperationStatus};
use serde_json::json;

use crate::common::*;

#[test]
fn non_determinism_fails_naming_the_operation() {
    let result = runner(SCENARIOS)
        .run(&scenario("nondeterministic", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    let error = result.error.as_ref().unwrap();
    assert_eq!(
        error.error_type.as_deref(),
        Some("NonDeterministicExecutionError")
    );
    let message = error.error_message.as_deref().unwrap();
    let fast = result.step("fast").unwrap();
    assert!(message.contains(fast.id()), "{message}");
    assert!(message.contains("recorded STEP"), "{message}");
    assert!(message.contains("asked for WAIT"), "{message}");
    // Not retried: the second invocation ends the execution.
    assert_eq!(result.invocations.len(), 2);
}

#[test]
fn at_most_once_step_interrupted_fails_without_rerun() {
    let result = runner(SCENARIOS)
        .run(&scenario("at_most_once_crash", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    let types = event_types(&result.events);
    assert_eq!(
        types,
        vec![
            ExecutionStarted,
            StepStarted,
            InvocationCompleted,
            StepFailed,
            InvocationCompleted,
            ExecutionFailed
        ]
    );
    let history = result.history_json();
    let crash = &history["Events"][2]["InvocationCompletedDetails"]["Error"]["Payload"];
    assert_eq!(crash["ErrorType"], "Runtime.ExitError");
    let failed = &history["Events"][3]["StepFailedDetails"];
    assert_eq!(
        failed["Error"]["Payload"]["ErrorType"],
        "StepInterruptedError"
    );
    assert_eq!(failed["RetryDetails"]["CurrentAttempt"], 1);
}

#[test]
fn at_most_once_step_retries_after_interruption() {
    let result = runner(SCENARIOS)
        .run(&scenario("at_most_once_crash", json!({"retries": 2})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(result.result_json::<String>().unwrap(), "charged");
    let step = result.step("charge").unwrap();
    assert_eq!(step.status(), OperationStatus::Succeeded);
    assert_eq!(step.attempt(), Some(2));
    assert_eq!(count(&result.events, StepStarted), 2);
}

#[test]
fn guests_with_their_own_sdk_use_the_raw_checkpoint_call() {
    let result = runner(SCENARIOS)
        .run(&scenario("raw_checkpoint", json!({})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    let answers: serde_json::Value = result.result_json().unwrap();
    assert_eq!(
        answers["execution_ops"], 1,
        "the envelope holds the EXECUTION operation"
    );
    assert_eq!(answers["stale"], "Invalid checkpoint token");
    assert_eq!(answers["returned_ops"], 1);
    assert_eq!(answers["again"], "Invalid current STEP state to close.");
    let step = result.step("raw").unwrap();
    assert_eq!(step.result(), Some("\"raw result\""));
    assert_eq!(
        event_types(&result.events),
        vec![
            ExecutionStarted,
            StepStarted,
            StepSucceeded,
            InvocationCompleted,
            ExecutionSucceeded
        ]
    );
}

#[test]
fn random_numbers_repeat_across_invocations_of_an_execution() {
    let result = runner(SCENARIOS)
        .run(&scenario("random", json!({})))
        .unwrap();
    assert_eq!(result.invocations.len(), 2);
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"same_on_replay": true})
    );
}
