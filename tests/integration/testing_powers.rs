//! Test powers: step and chained-invoke mocks, and the manual clock.

use std::time::Duration;

use durabox::model::mocks::MockAnswer;
use durabox::model::EventType::*;
use durabox::{ErrorObject, ExecutionStatus, OperationStatus};
use serde_json::json;

use crate::common::*;

#[test]
fn a_mocked_step_answers_without_running_its_body() {
    let result = runner(SCENARIOS)
        .mock_step("second", MockAnswer::Result(Some("41".into())))
        .run(&scenario("steps", json!({})))
        .unwrap();
    // third computes from the mocked value: result=(41)*2.
    assert_eq!(result.result_json::<String>().unwrap(), "result=82");
    let second = result.step("second").unwrap();
    assert_eq!(
        (second.status(), second.result()),
        (OperationStatus::Succeeded, Some("41"))
    );
    assert_eq!(count(&result.events, StepSucceeded), 3);
}

#[test]
fn a_mocked_step_error_goes_through_the_retry_strategy() {
    let result = runner(SCENARIOS)
        .mock_step(
            "flaky",
            MockAnswer::Error(ErrorObject::new("Mocked", "down")),
        )
        .run(&scenario("retry_then_succeed", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(
        result.error.as_ref().unwrap().error_type.as_deref(),
        Some("Mocked")
    );
    assert_eq!(result.step("flaky").unwrap().attempt(), Some(3));
    assert_eq!(count(&result.events, StepFailed), 3);
}

#[test]
fn mocks_match_a_step_by_its_context_path() {
    let result = runner(SCENARIOS)
        .mock_step(
            "outer/inner/inner-step",
            MockAnswer::Result(Some("\"B\"".into())),
        )
        .mock_step(
            "inner/outer-step",
            MockAnswer::Result(Some("\"never\"".into())),
        )
        .run(&scenario("child", json!({})))
        .unwrap();
    assert_eq!(result.result_json::<String>().unwrap(), "a+B!");
}

#[test]
fn a_mocked_chained_invoke_needs_no_target() {
    let input = scenario(
        "invoke",
        json!({"function": "payments", "payload": {"n": 1}}),
    );
    let result = runner(SCENARIOS)
        .mock_invoke(
            "payments",
            MockAnswer::Result(Some("{\"paid\":true}".into())),
        )
        .run(&input)
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"result": {"paid": true}})
    );
    assert_eq!(count(&result.events, ChainedInvokeSucceeded), 1);

    let failing = scenario("invoke", json!({"function": "payments", "catch": true}));
    let result = runner(SCENARIOS)
        .mock_invoke(
            "payments",
            MockAnswer::Error(ErrorObject::new("Declined", "no funds")),
        )
        .run(&failing)
        .unwrap();
    assert_eq!(
        result.result_json::<serde_json::Value>().unwrap(),
        json!({"failed": "Declined", "message": "no funds"})
    );
}

#[test]
fn a_manual_clock_fires_a_wait_exactly_when_due() {
    let runner = runner(SCENARIOS).manual_clock(true);
    let arn = runner
        .run_async(&scenario("wait", json!({"seconds": 10})))
        .unwrap();
    let idle = runner.run_until_idle(&arn).unwrap();
    assert_eq!(idle.status, ExecutionStatus::Running);
    assert_eq!(
        idle.operation_at(0).unwrap().status(),
        OperationStatus::Started
    );

    let before = runner.advance(&arn, Duration::from_millis(9_999)).unwrap();
    assert_eq!(before.status, ExecutionStatus::Running, "not due yet");
    assert_eq!(before.invocations.len(), 1);

    let after = runner.advance(&arn, Duration::from_millis(1)).unwrap();
    assert_eq!(
        after.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        after.error
    );
    let wait = after.operation_at(0).unwrap();
    let waited = wait.end_timestamp().unwrap() - wait.start_timestamp();
    assert!((10_000..10_100).contains(&waited), "waited {waited} ms");
}

#[test]
fn a_manual_clock_passes_timers_in_order_within_one_advance() {
    // Three attempts 1 s apart (then success), passed by one 1-hour advance: each retry
    // fires at its own instant and the handler runs between them.
    let runner = runner(SCENARIOS).manual_clock(true);
    let arn = runner
        .run_async(&scenario("retry_then_succeed", json!({})))
        .unwrap();
    assert_eq!(
        runner.run_until_idle(&arn).unwrap().status,
        ExecutionStatus::Running
    );
    let done = runner.advance(&arn, Duration::from_secs(3600)).unwrap();
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{:?}", done.error);
    assert_eq!(done.invocations.len(), 3);
}

#[test]
fn a_manual_clock_times_a_callback_out_when_due_and_not_before() {
    let runner = runner(SCENARIOS).manual_clock(true);
    let input = scenario("callback_caught", json!({"timeout": 30}));
    let arn = runner.run_async(&input).unwrap();
    runner.run_until_idle(&arn).unwrap();
    let early = runner.advance(&arn, Duration::from_secs(29)).unwrap();
    assert_eq!(early.status, ExecutionStatus::Running);
    let late = runner.advance(&arn, Duration::from_secs(1)).unwrap();
    assert_eq!(
        late.result_json::<serde_json::Value>().unwrap(),
        json!({"error": "Callback.Timeout"})
    );
}

#[test]
fn advancing_a_clock_that_is_not_manual_is_refused() {
    let runner = runner(SCENARIOS);
    let arn = runner.run_async(&scenario("steps", json!({}))).unwrap();
    let refused = runner.advance(&arn, Duration::from_secs(1)).unwrap_err();
    assert!(refused.to_string().contains("not manual"), "{refused}");
}

#[test]
fn chaos_keeps_the_quickstart_outcome_at_every_crash_point() {
    let report = runner(QUICKSTART).chaos(&json!("input")).unwrap();
    // START and end of one, two_1, two_2, two, three; the wait's START (the service
    // ends the wait, not a checkpoint).
    assert_eq!(report.checkpoints.len(), 11, "{:?}", report.checkpoints);
    assert_eq!(report.checkpoints[2], "START WAIT");
    assert_eq!(report.points.len(), 11);
    assert!(report.all_same(), "{:#?}", report.points);
}

#[test]
fn chaos_catches_state_kept_outside_durable_operations() {
    let report = runner(SCENARIOS)
        .chaos(&scenario("outside_counter", json!({})))
        .unwrap();
    assert!(!report.all_same());
    let changed: Vec<&str> = report
        .points
        .iter()
        .filter(|p| !p.differences.is_empty())
        .map(|p| p.after.as_str())
        .collect();
    // A crash after step a's START re-runs a (the count is right again); after a's end
    // the replay skips a's body and the count comes out 1 (0 after b's end).
    assert_eq!(
        changed,
        ["SUCCEED STEP 'a'", "START STEP 'b'", "SUCCEED STEP 'b'"],
        "{:#?}",
        report.points
    );
    let first = report
        .points
        .iter()
        .find(|p| !p.differences.is_empty())
        .unwrap();
    assert_eq!(first.differences, ["result: expected 2, got 1"]);
}

#[test]
fn the_runner_replays_a_history_and_names_the_first_divergence() {
    let recorded = runner(QUICKSTART).run(&json!("input")).unwrap();
    let history = recorded.history_json().to_string();
    let clean = runner(QUICKSTART).replay(&history, None).unwrap();
    assert!(clean.reproduced(), "{:?}", clean.divergence);
    assert_eq!(
        (clean.recorded_operations, clean.reproduced_operations),
        (6, 6)
    );

    let other = runner(SCENARIOS)
        .replay(&history, Some(r#"{"scenario": "steps"}"#))
        .unwrap();
    let divergence = other
        .divergence
        .expect("the steps scenario is another handler");
    assert_eq!(divergence.position, Some(1));
    assert_eq!(divergence.name.as_deref(), Some("one"));
    assert!(divergence.got.contains("name 'first'"), "{divergence:?}");

    let unreadable = runner(QUICKSTART).replay("{}", None).unwrap_err();
    assert!(
        unreadable.to_string().contains("\"Events\""),
        "{unreadable}"
    );
}

#[test]
fn shuffled_branches_expose_an_order_dependent_map() {
    let buggy = runner(SCENARIOS)
        .shuffle_branches(&scenario("order_dependent", json!({})), 1, 8)
        .unwrap();
    assert!(!buggy.all_same(), "{:#?}", buggy.runs);
    let changed = buggy
        .runs
        .iter()
        .find(|r| !r.differences.is_empty())
        .unwrap();
    assert!(
        changed.differences[0].starts_with("result: expected [1,2,3,4], got ["),
        "{:?}",
        changed.differences
    );

    // A map whose result is collected by index does not depend on the order.
    let input = scenario("map", json!({"items": [1, 2, 3, 4]}));
    let sound = runner(SCENARIOS).shuffle_branches(&input, 1, 8).unwrap();
    assert!(sound.all_same(), "{:#?}", sound.runs);
}
