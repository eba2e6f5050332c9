//! Round trips of events through their JSON.

use super::*;
use crate::model::ErrorObject;

fn parse(value: Value) -> Event {
    Event::from_json(&value).unwrap()
}

#[test]
fn details_keys_follow_the_event_type() {
    assert_eq!(EventType::ALL.len(), 26);
    for event_type in EventType::ALL {
        assert_eq!(
            event_type.details_key(),
            format!("{}Details", event_type.as_str())
        );
        let name = serde_json::to_value(event_type).unwrap();
        assert_eq!(name, event_type.as_str());
    }
}

#[test]
fn histories_printed_elsewhere_are_read() {
    // The AWS testing runner leaves out empty details; unknown keys are ignored.
    let completed = parse(json!({
        "EventType": "InvocationCompleted", "EventId": 3, "EventTimestamp": 1.5,
        "Extra": {"x": 1},
    }));
    assert_eq!(completed.details, EventDetails::Empty);
    assert_eq!(
        completed.to_json(true)["InvocationCompletedDetails"],
        json!({})
    );
    let succeeded = parse(json!({
        "EventType": "ExecutionSucceeded", "EventId": 9, "EventTimestamp": 2.0,
    }));
    assert_eq!(succeeded.details, EventDetails::Succeeded { result: None });

    // boto3 prints timestamps as strings; wrappers may lack `Truncated`.
    let wait = parse(json!({
        "EventType": "WaitStarted", "EventId": 2, "EventTimestamp": 1_764_609_792.0,
        "WaitStartedDetails": {"Duration": 5, "ScheduledEndTimestamp": "2025-12-01T17:23:17Z",
                               "Unknown": true},
    }));
    assert_eq!(
        wait.details.scheduled_end_timestamp(),
        Some(1_764_609_797_000)
    );
    let step = parse(json!({
        "EventType": "StepFailed", "EventId": 4, "EventTimestamp": 3.0,
        "StepFailedDetails": {
            "Error": {"Payload": {"ErrorType": "E", "ErrorMessage": "m", "Cause": "x"}},
            "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2}},
    }));
    assert_eq!(step.details.error(), Some(&ErrorObject::new("E", "m")));
    assert_eq!(
        step.details.retry_details(),
        Some(&RetryDetails {
            current_attempt: 1,
            next_attempt_delay_seconds: Some(2)
        })
    );
    let started = parse(json!({
        "EventType": "ExecutionStarted", "EventId": 1, "EventTimestamp": 0.5,
        "ExecutionStartedDetails": {"Input": {"Payload": "{\"n\":1}"}},
    }));
    assert_eq!(started.details.input_payload(), Some("{\"n\":1}"));

    let not_an_object = json!({
        "EventType": "StepStarted", "EventId": 2, "EventTimestamp": 1.0,
        "StepStartedDetails": [],
    });
    assert!(Event::from_json(&not_an_object).is_err());
}

#[test]
fn truncated_payloads_stay_truncated() {
    let event = parse(json!({
        "EventType": "StepSucceeded", "EventId": 5, "EventTimestamp": 1.0,
        "StepSucceededDetails": {"Result": {"Truncated": true},
                                 "RetryDetails": {"CurrentAttempt": 1}},
    }));
    assert_eq!(event.details.result_payload(), None);
    for with_data in [true, false] {
        assert_eq!(
            event.to_json(with_data)["StepSucceededDetails"]["Result"],
            json!({"Truncated": true})
        );
    }
}
