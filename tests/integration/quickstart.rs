//! The seed quickstart: result and the AWS-identical 16-event history.

use durabox::model::ids::operation_id;
use durabox::model::EventType::*;
use durabox::ExecutionStatus;
use serde_json::json;

use crate::common::*;

#[test]
fn quickstart_result_and_history_match_aws() {
    let result = runner(QUICKSTART).run(&json!("input str")).unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(result.result.as_deref(), Some(r#"["1 2","3 4 4 3","5 6"]"#));

    let events = &result.events;
    assert_eq!(
        event_types(events),
        vec![
            ExecutionStarted,
            StepStarted,
            StepSucceeded,
            WaitStarted,
            InvocationCompleted,
            WaitSucceeded,
            ContextStarted,
            StepStarted,
            StepSucceeded,
            StepStarted,
            StepSucceeded,
            ContextSucceeded,
            StepStarted,
            StepSucceeded,
            InvocationCompleted,
            ExecutionSucceeded,
        ]
    );
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.event_id, i as u64 + 1);
    }
    // Ids as the AWS SDK derives them (values observed from the Python SDK for the first
    // and second top-level operations).
    let one = "1ced8f5be2db23a6513eba4d819c73806424748a7bc6fa0d792cc1c7d1775a97";
    let wait = "c5faca15ac2f93578b39ef4b6bbb871bdedce4ddd584fd31f0bb66fade3947e6";
    let two = operation_id(None, 3);
    let two = two.as_str();
    let two_1 = operation_id(Some(two), 1);
    let two_2 = operation_id(Some(two), 2);
    let three = operation_id(None, 4);
    // (Id, Name, SubType, ParentId) of each event.
    type Identity<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let expected: Vec<Identity> = vec![
        (
            Some(result.all_operations[0].id.as_str()),
            Some(result.name.as_str()),
            None,
            None,
        ),
        (Some(one), Some("one"), Some("Step"), None),
        (Some(one), Some("one"), Some("Step"), None),
        (Some(wait), None, Some("Wait"), None),
        (None, None, None, None),
        (Some(wait), None, Some("Wait"), None),
        (Some(two), Some("two"), Some("RunInChildContext"), None),
        (Some(&two_1), Some("two_1"), Some("Step"), Some(two)),
        (Some(&two_1), Some("two_1"), Some("Step"), Some(two)),
        (Some(&two_2), Some("two_2"), Some("Step"), Some(two)),
        (Some(&two_2), Some("two_2"), Some("Step"), Some(two)),
        (Some(two), Some("two"), Some("RunInChildContext"), None),
        (Some(&three), Some("three"), Some("Step"), None),
        (Some(&three), Some("three"), Some("Step"), None),
        (None, None, None, None),
        (
            Some(result.all_operations[0].id.as_str()),
            Some(result.name.as_str()),
            None,
            None,
        ),
    ];
    for (event, (id, name, sub_type, parent)) in events.iter().zip(expected) {
        let what = format!("event {} {:?}", event.event_id, event.event_type);
        assert_eq!(event.id.as_deref(), id, "{what}");
        assert_eq!(event.name.as_deref(), name, "{what}");
        assert_eq!(event.sub_type.as_deref(), sub_type, "{what}");
        assert_eq!(event.parent_id.as_deref(), parent, "{what}");
    }
    let json = result.history_json();
    let events_json = json["Events"].as_array().unwrap();
    assert_eq!(
        events_json[2]["StepSucceededDetails"]["Result"],
        json!({"Payload": "\"1 2\"", "Truncated": false})
    );
    assert_eq!(
        events_json[2]["StepSucceededDetails"]["RetryDetails"],
        json!({"CurrentAttempt": 1})
    );
    assert_eq!(events_json[6]["ContextStartedDetails"], json!({}));
    assert_eq!(events_json[3]["WaitStartedDetails"]["Duration"], json!(1));
    assert_eq!(
        events_json[5]["WaitSucceededDetails"],
        json!({"Duration": 1})
    );
    assert_eq!(
        events_json[0]["ExecutionStartedDetails"]["Input"]["Payload"],
        json!("\"input str\"")
    );
    assert_eq!(
        events_json[15]["ExecutionSucceededDetails"]["Result"]["Payload"],
        json!(r#"["1 2","3 4 4 3","5 6"]"#)
    );
    // Time was skipped, yet the history keeps the modeled one-second wait.
    let started = &events[3];
    let succeeded = &events[5];
    assert!(succeeded.timestamp - started.timestamp >= 1000);
}

#[test]
fn quickstart_operation_tree() {
    let result = runner(QUICKSTART).run(&json!("input str")).unwrap();
    let two = result.context("two").unwrap();
    let children: Vec<_> = two
        .children()
        .iter()
        .map(|c| c.name().unwrap().to_owned())
        .collect();
    assert_eq!(children, ["two_1", "two_2"]);
    assert_eq!(two.child("two_2").unwrap().result(), Some("\"4 3\""));
    assert_eq!(result.step("one").unwrap().attempt(), Some(1));
    assert_eq!(
        result
            .step("three")
            .unwrap()
            .result_json::<String>()
            .unwrap(),
        "5 6"
    );
    assert_eq!(
        result.operation_at(1).unwrap().op_type(),
        durabox::OperationType::Wait
    );
    assert!(result.step("two").is_err(), "a context is not a step");
    assert!(result.operation("missing").is_err());
    // Two invocations: the wait suspends the first one.
    assert_eq!(result.invocations.len(), 2);
}

/// `start_and_run` drives the execution on the caller's thread while it has work: with
/// skipped time the quickstart has ended when it returns; with real time it returns at
/// the one-second wait, and a driver thread finishes the execution.
#[test]
fn start_and_run_runs_inline_until_the_execution_waits() {
    use durabox::runner::StartOptions;
    let runtime = runtime();
    let arn = runtime
        .start_and_run(QUICKSTART, r#""input str""#, StartOptions::default())
        .unwrap();
    let cell = runtime.service().get(&arn).unwrap();
    assert_eq!(cell.lock().status, ExecutionStatus::Succeeded);
    assert_eq!(cell.lock().invocation_count(), 2);

    let real_time = StartOptions {
        skip_time: false,
        ..StartOptions::default()
    };
    let arn = runtime
        .start_and_run(QUICKSTART, r#""input str""#, real_time)
        .unwrap();
    let cell = runtime.service().get(&arn).unwrap();
    {
        let execution = cell.lock();
        assert_eq!(execution.status, ExecutionStatus::Running);
        assert_eq!(execution.invocation_count(), 1, "returned at the wait");
    }
    let cell = runtime
        .wait_for_completion(&arn, std::time::Duration::from_secs(30))
        .unwrap();
    let execution = cell.lock();
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(execution.invocation_count(), 2);
}
