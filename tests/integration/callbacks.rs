//! Callbacks: success, failure, timeout, heartbeat, wait-for-callback.

use durabox::model::EventType::*;
use durabox::{ErrorObject, ExecutionStatus, OperationStatus};
use serde_json::json;

use crate::common::*;

#[test]
fn callback_success_resumes_with_the_result() {
    let runner = runner(SCENARIOS);
    let arn = runner.run_async(&scenario("callback", json!({}))).unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), WAIT)
        .unwrap();
    runner
        .send_callback_success(&id, Some(r#"{"ok": true}"#))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"callback": {"ok": true}})
    );
    let callback = result.callback("approval").unwrap();
    assert_eq!(callback.callback_id(), Some(id.as_str()));
    assert_eq!(
        event_types(&result.events),
        vec![
            ExecutionStarted,
            CallbackStarted,
            InvocationCompleted,
            CallbackSucceeded,
            InvocationCompleted,
            ExecutionSucceeded
        ]
    );
    let history = result.history_json();
    assert_eq!(
        history["Events"][3]["CallbackSucceededDetails"]["Result"]["Payload"],
        r#"{"ok": true}"#
    );
    // A finished callback cannot be answered again.
    assert!(runner.send_callback_success(&id, None).is_err());
}

#[test]
fn callback_failure_fails_the_execution() {
    let runner = runner(SCENARIOS);
    let arn = runner.run_async(&scenario("callback", json!({}))).unwrap();
    let id = runner.wait_for_callback(&arn, None, WAIT).unwrap();
    runner
        .send_callback_failure(&id, ErrorObject::new("Rejected", "not approved"))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(
        result.error.as_ref().unwrap().error_message.as_deref(),
        Some("not approved")
    );
    assert_eq!(
        result.callback("approval").unwrap().status(),
        OperationStatus::Failed
    );
    assert_eq!(count(&result.events, CallbackFailed), 1);
}

#[test]
fn callback_timeout_is_caught() {
    let result = runner(SCENARIOS)
        .fire_callback_timeouts(true)
        .run(&scenario("callback_caught", json!({"timeout": 5})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"error": "Callback.Timeout"})
    );
    let callback = result.callback("approval").unwrap();
    assert_eq!(callback.status(), OperationStatus::TimedOut);
    // The modeled timeout is five seconds even though the test did not wait that long.
    assert_eq!(
        callback.end_timestamp().unwrap() - callback.start_timestamp(),
        5000
    );
    let history = result.history_json();
    let started = &history["Events"][1]["CallbackStartedDetails"];
    assert_eq!(started["Timeout"], 5);
}

/// Skipped time holds at a pending callback's timeout: a test answering an hour-long
/// callback two seconds after it became pending gets the answer through, not a timeout.
#[test]
fn skipped_time_never_fires_a_callback_timeout_the_test_can_still_answer() {
    let runner = runner(SCENARIOS);
    let arn = runner
        .run_async(&scenario(
            "callback_caught",
            json!({"timeout": 3600, "heartbeat": 600}),
        ))
        .unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), WAIT)
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    runner.send_callback_success(&id, Some("\"late\"")).unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"callback": "late"})
    );
    assert_eq!(count(&result.events, CallbackTimedOut), 0);
}

#[test]
fn heartbeat_keeps_a_callback_alive() {
    let runner = runner(SCENARIOS);
    let arn = runner
        .run_async(&scenario("callback_caught", json!({"heartbeat": 30})))
        .unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), WAIT)
        .unwrap();
    runner.send_callback_heartbeat(&id).unwrap();
    runner.send_callback_success(&id, Some("\"yes\"")).unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"callback": "yes"})
    );
    assert_eq!(count(&result.events, CallbackTimedOut), 0);
}

#[test]
fn heartbeat_timeout_expires() {
    let result = runner(SCENARIOS)
        .fire_callback_timeouts(true)
        .run(&scenario("callback_caught", json!({"heartbeat": 10})))
        .unwrap();
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"error": "Callback.Heartbeat"})
    );
}

#[test]
fn wait_for_callback_is_composed_as_aws_does() {
    let runner = runner(SCENARIOS);
    let arn = runner
        .run_async(&scenario("wait_for_callback", json!({})))
        .unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("ask create callback id"), WAIT)
        .unwrap();
    runner
        .send_callback_success(&id, Some("\"approved\""))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(result.result_json::<String>().unwrap(), "approved");
    assert_wait_for_callback_shape(&result);
    let logged = result.invocations[0]
        .logs
        .iter()
        .any(|l| l.message.contains(&id));
    assert!(logged, "the submitter saw the callback id");
}
