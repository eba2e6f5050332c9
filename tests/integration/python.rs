//! The Python guest SDK (sdk/python) through its components: the quickstart
//! (guest-examples/python/quickstart) must be indistinguishable from the Rust one, and the
//! scenarios guest (tests/guests/python/scenarios) exercises every operation.
//!
//! Error types follow the AWS Python SDK: `module.QualName` of the exception, so a class
//! defined in the guest's `app.py` is `app.MyError`, and an SDK error escaping a context or
//! the handler is `aws_durable_execution_sdk_python.exceptions.StepError` and the like.

use durabox::model::ids::{hash_step_id, operation_id};
use durabox::model::EventType::*;
use durabox::{ExecutionStatus, FunctionConfig, OperationStatus, TestRunner};
use serde_json::{json, Value};

use crate::common::*;

const STEP_ERROR: &str = "aws_durable_execution_sdk_python.exceptions.StepError";

/// A runner on the Python scenarios component (loaded from the artifact cache once compiled).
fn python() -> TestRunner {
    TestRunner::new(guest("python", "scenarios")).expect("load the Python scenarios guest")
}

fn answer(result: &durabox::ExecutionResult) -> Value {
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    result.result_json().unwrap()
}

#[test]
fn python_quickstart_matches_the_rust_quickstart() {
    let input = json!("input str");
    let python = TestRunner::new(guest("python", "quickstart"))
        .unwrap()
        .run(&input)
        .unwrap();
    let rust = TestRunner::new(guest("rust", "quickstart"))
        .unwrap()
        .run(&input)
        .unwrap();
    // The same value; Python writes it as `json.dumps` does (AWS Python SDK), with spaces.
    assert_eq!(answer(&python), answer(&rust));
    assert_eq!(
        python.result.as_deref(),
        Some(r#"["1 2", "3 4 4 3", "5 6"]"#)
    );
    assert_eq!(python.events.len(), 16);
    assert_eq!(event_types(&python.events), event_types(&rust.events));
    for (p, r) in python.events.iter().zip(&rust.events) {
        let what = format!("event {} {:?}", p.event_id, p.event_type);
        assert_eq!(p.event_id, r.event_id, "{what}");
        assert_eq!(p.sub_type, r.sub_type, "{what}");
        assert_eq!(p.parent_id, r.parent_id, "{what}");
        if matches!(p.event_type, ExecutionStarted | ExecutionSucceeded) {
            // Execution events carry the execution's own (random) name and id.
            assert_eq!(p.name.as_deref(), Some(python.name.as_str()), "{what}");
        } else {
            assert_eq!(p.name, r.name, "{what}");
            assert_eq!(p.id, r.id, "{what}");
        }
    }
    // Step and context payloads are byte for byte the same.
    let (p, r) = (python.history_json(), rust.history_json());
    let details = |v: &Value| {
        v.as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.ends_with("Details"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    for i in [2, 5, 7, 8, 13] {
        assert_eq!(
            details(&p["Events"][i]),
            details(&r["Events"][i]),
            "event {i}"
        );
    }
    assert_eq!(python.invocations.len(), 2);
}

#[test]
fn python_steps_pass_results_on() {
    let result = python().run(&scenario("steps", json!({}))).unwrap();
    assert_eq!(answer(&result), json!("result=22"));
    assert_eq!(result.step("second").unwrap().result(), Some("11"));
    assert_eq!(result.step("first").unwrap().sub_type(), Some("Step"));
    assert_eq!(result.invocations.len(), 1);
}

#[test]
fn python_retry_then_succeed_records_each_attempt() {
    let result = python()
        .run(&scenario("retry_then_succeed", json!({})))
        .unwrap();
    assert_eq!(answer(&result), json!({"attempt": 3}));
    let step = result.step("flaky").unwrap();
    assert_eq!(step.attempt(), Some(3));
    let history = result.history_json();
    let failed: Vec<_> = history["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["EventType"] == "StepFailed")
        .collect();
    assert_eq!(failed.len(), 2);
    let error = &failed[0]["StepFailedDetails"]["Error"]["Payload"];
    assert_eq!(error["ErrorType"], "app.Transient");
    assert_eq!(error["ErrorMessage"], "attempt 1 failed");
    assert_eq!(
        failed[1]["StepFailedDetails"]["RetryDetails"],
        json!({"CurrentAttempt": 2, "NextAttemptDelaySeconds": 2})
    );
    assert_eq!(count(&result.events, InvocationCompleted), 3);
}

#[test]
fn python_retry_exhaustion_fails_with_a_step_error() {
    let result = python()
        .run(&scenario("retry_exhausted", json!({})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    let step = result.step("always-fails").unwrap();
    assert_eq!(step.status(), OperationStatus::Failed);
    assert_eq!(step.attempt(), Some(3));
    assert_eq!(
        step.error().unwrap().error_type.as_deref(),
        Some("app.MyError")
    );
    // The StepError escaped the handler: AWS records its qualified class and message.
    let error = result.error.as_ref().unwrap();
    assert_eq!(error.error_type.as_deref(), Some(STEP_ERROR));
    assert_eq!(error.error_message.as_deref(), Some("boom"));
}

#[test]
fn python_retry_filters_by_class_and_by_message() {
    for by_message in [false, true] {
        let result = python()
            .run(&scenario(
                "retry_filtered",
                json!({"by_message": by_message}),
            ))
            .unwrap();
        assert_eq!(result.status, ExecutionStatus::Failed);
        // Attempt 1 (Transient, "service busy (1)") is retried, attempt 2 (MyError) is not.
        let step = result.step("filtered").unwrap();
        assert_eq!(step.attempt(), Some(2), "by_message={by_message}");
        assert_eq!(
            step.error().unwrap().error_type.as_deref(),
            Some("app.MyError")
        );
    }
}

#[test]
fn python_retry_function_decides_in_the_guest() {
    let result = python()
        .run(&scenario("retry_function", json!({})))
        .unwrap();
    assert_eq!(answer(&result), json!(3));
    let history = result.history_json();
    let delays: Vec<_> = history["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["EventType"] == "StepFailed")
        .map(|e| e["StepFailedDetails"]["RetryDetails"]["NextAttemptDelaySeconds"].clone())
        .collect();
    assert_eq!(delays, [json!(1), json!(2)]);
}

#[test]
fn python_step_error_can_be_caught() {
    let result = python()
        .run(&scenario("caught_step_error", json!({})))
        .unwrap();
    assert_eq!(
        answer(&result),
        json!({"caught": "step went wrong", "type": "app.MyError"})
    );
}

#[test]
fn python_suspension_is_not_swallowed_by_except_exception() {
    let result = python()
        .run(&scenario("swallow", json!({"seconds": 5})))
        .unwrap();
    assert_eq!(answer(&result), json!("waited"));
    assert_eq!(result.invocations.len(), 2);
    assert_eq!(count(&result.events, WaitSucceeded), 1);
}

#[test]
fn python_invalid_wait_is_a_validation_error() {
    let result = python()
        .run(&scenario("wait", json!({"seconds": 0})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert!(result.operations().is_empty());
    let error = result.error.as_ref().unwrap();
    assert_eq!(
        error.error_type.as_deref(),
        Some("aws_durable_execution_sdk_python.exceptions.ValidationError")
    );
}

#[test]
fn python_nested_child_contexts() {
    let result = python().run(&scenario("child", json!({}))).unwrap();
    assert_eq!(answer(&result), json!("a+b!"));
    let outer = result.context("outer").unwrap();
    assert_eq!(outer.id(), operation_id(None, 1));
    let inner = outer.child("inner").unwrap();
    assert_eq!(inner.id(), operation_id(Some(outer.id()), 2));
    assert_eq!(inner.sub_type(), Some("RunInChildContext"));
    assert_eq!(
        inner.child("inner-step").unwrap().parent_id(),
        Some(inner.id())
    );
    assert_eq!(inner.result(), Some("\"b!\""));
}

#[test]
fn python_child_failure_fails_context_and_execution() {
    let result = python().run(&scenario("child_failure", json!({}))).unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    let child = result.context("failing-child").unwrap();
    assert_eq!(child.status(), OperationStatus::Failed);
    assert_eq!(
        child.error().unwrap().error_type.as_deref(),
        Some(STEP_ERROR)
    );
    assert_eq!(
        result.error.as_ref().unwrap().error_type.as_deref(),
        Some("aws_durable_execution_sdk_python.exceptions.ChildContextError")
    );
}

#[test]
fn python_callback_success_failure_and_timeout() {
    let runner = python();
    let arn = runner.run_async(&scenario("callback", json!({}))).unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), WAIT)
        .unwrap();
    runner
        .send_callback_success(&id, Some(r#"{"ok": true}"#))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(answer(&result), json!({"callback": {"ok": true}}));
    let logged = result.invocations[0]
        .logs
        .iter()
        .any(|l| l.message == format!("callback id: {id}"));
    assert!(logged, "the logger formats %s arguments");

    let arn = runner
        .run_async(&scenario("callback", json!({"catch": true})))
        .unwrap();
    let id = runner.wait_for_callback(&arn, None, WAIT).unwrap();
    runner
        .send_callback_failure(&id, durabox::ErrorObject::new("Rejected", "not approved"))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(
        answer(&result),
        // A callback failed by the caller raises CallbackExternalError, a CallbackError.
        json!({"error": "Rejected", "class": "CallbackExternalError"})
    );

    let result = python()
        .fire_callback_timeouts(true)
        .run(&scenario("callback", json!({"catch": true, "timeout": 5})))
        .unwrap();
    assert_eq!(
        answer(&result),
        json!({"error": "Callback.Timeout", "class": "CallbackTimeoutError"})
    );
    assert_eq!(
        result.callback("approval").unwrap().status(),
        OperationStatus::TimedOut
    );
}

#[test]
fn python_wait_for_callback_is_composed_as_aws_does() {
    let runner = python();
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
    // Callback results are passed through as the raw string (AWS Python default).
    assert_eq!(answer(&result), json!("\"approved\""));
    assert_wait_for_callback_shape(&result);
    let context = result.context("ask").unwrap();
    assert_eq!(
        context.child("ask submitter").unwrap().result(),
        Some("null")
    );
    let logged = result.invocations[0]
        .logs
        .iter()
        .any(|l| l.message.contains(&id));
    assert!(logged, "the submitter saw the callback id");
}

#[test]
fn python_wait_for_condition_with_both_strategies() {
    for custom in [true, false] {
        let result = python()
            .run(&scenario("condition", json!({"custom": custom})))
            .unwrap();
        assert_eq!(answer(&result), json!(3), "custom={custom}");
        let counter = result.step("counter").unwrap();
        assert_eq!(counter.sub_type(), Some("WaitForCondition"));
        assert_eq!(counter.attempt(), Some(3));
    }
    let result = python()
        .run(&scenario("condition", json!({"max_attempts": 2})))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(
        result.error.as_ref().unwrap().error_type.as_deref(),
        Some("aws_durable_execution_sdk_python.exceptions.WaitForConditionError")
    );
}

#[test]
fn python_invoke_runs_the_target_as_its_own_execution() {
    let runner = python();
    runner
        .register_function(
            "target",
            guest("python", "scenarios"),
            FunctionConfig::default(),
        )
        .unwrap();
    let input = scenario(
        "invoke",
        json!({"function": "target", "payload": {"scenario": "steps"}}),
    );
    let result = runner.run(&input).unwrap();
    assert_eq!(answer(&result), json!({"result": "result=22"}));
    let history = result.history_json();
    let started = &history["Events"][1]["ChainedInvokeStartedDetails"];
    assert_eq!(started["FunctionName"], "target");
    // json.dumps, as the AWS Python SDK sends invoke payloads.
    assert_eq!(started["Input"]["Payload"], r#"{"scenario": "steps"}"#);

    let failing = scenario(
        "invoke",
        json!({"function": "target", "payload": {"scenario": "retry_exhausted"}, "catch": true}),
    );
    let result = runner.run(&failing).unwrap();
    assert_eq!(
        answer(&result),
        json!({"failed": STEP_ERROR, "message": "boom"})
    );
    assert_eq!(count(&result.events, ChainedInvokeFailed), 1);
}

#[test]
fn python_invokes_a_rust_and_a_js_function() {
    let runner = python();
    for (name, language) in [("rust-target", "rust"), ("js-target", "js")] {
        runner
            .register_function(
                name,
                guest(language, "scenarios"),
                FunctionConfig::default(),
            )
            .unwrap();
    }
    let steps = json!({"scenario": "steps"});
    let input = scenario(
        "invoke_each",
        json!({"calls": [
            {"function": "rust-target", "payload": steps},
            {"function": "js-target", "payload": steps},
            {"function": "js-target", "payload": {"scenario": "retry_exhausted"}},
        ]}),
    );
    let result = runner.run(&input).unwrap();
    assert_eq!(
        answer(&result),
        json!(["result=22", "result=22", {"failed": "StepError"}]),
        "each language's steps scenario returns the same value; the JS failure is recorded as \
         AWS's JS SDK records it (the uncaught StepError of the exhausted step)"
    );
    assert_eq!(count(&result.events, ChainedInvokeSucceeded), 2);
    assert_eq!(count(&result.events, ChainedInvokeFailed), 1);

    let children = runner.child_executions(&result.arn).unwrap();
    let functions: Vec<_> = children.iter().map(|c| c.function_name.as_str()).collect();
    assert_eq!(functions, ["rust-target", "js-target", "js-target"]);
    for child in &children[..2] {
        assert_eq!(child.status, ExecutionStatus::Succeeded);
        assert_eq!(
            count(&child.events, StepSucceeded),
            3,
            "{} ran its own three steps",
            child.function_name
        );
    }
    assert_eq!(children[2].status, ExecutionStatus::Failed);
}

#[test]
fn python_determinism_lint_sees_handler_reads_not_runtime_start_up() {
    let strict = FunctionConfig {
        strict_determinism: true,
        ..FunctionConfig::default()
    };
    let runner = TestRunner::with_config(guest("python", "scenarios"), strict).unwrap();
    // componentize-py reseeds `random` on entry; the SDK marks where handler code starts.
    let clean = runner.run(&scenario("steps", json!({}))).unwrap();
    assert_eq!(answer(&clean), json!("result=22"));
    assert!(clean.invocations.iter().all(|i| i.warnings.is_empty()));

    let hazard = scenario("nondeterministic", json!({}));
    let failed = runner.run(&hazard).unwrap();
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(
        failed.error.as_ref().unwrap().error_type.as_deref(),
        Some("NondeterministicReadError")
    );

    let result = python().run(&hazard).unwrap();
    assert_eq!(answer(&result), json!(true));
    let warnings = &result.invocations[0].warnings;
    let mut sources: Vec<_> = warnings.iter().map(|w| w.source.as_str()).collect();
    sources.sort();
    assert_eq!(sources, ["random", "wall-clock"], "{warnings:?}");
    assert!(warnings.iter().all(|w| w.operations_before == 0));
}

fn statuses(answer: &Value) -> Vec<(u64, String)> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["index"].as_u64().unwrap(),
                i["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn python_map_runs_every_item_in_its_own_branch() {
    let result = python()
        .run(&scenario("map", json!({"items": [1, 2, 3]})))
        .unwrap();
    let value = answer(&result);
    assert_eq!(value["reason"], "ALL_COMPLETED");
    assert_eq!(value["results"], json!([2, 4, 6]));
    let container = result.context("numbers").unwrap();
    assert_eq!(container.id(), operation_id(None, 1));
    assert_eq!(container.sub_type(), Some("Map"));
    for (i, branch) in container.children().iter().enumerate() {
        assert_eq!(
            branch.id(),
            hash_step_id(&format!("{}-{i}", container.id()))
        );
        assert_eq!(branch.sub_type(), Some("MapIteration"));
        assert_eq!(branch.name(), Some(format!("item-{}", i + 1).as_str()));
        let step = branch.child("double").unwrap();
        assert_eq!(step.id(), operation_id(Some(branch.id()), 1));
    }

    let tolerant = scenario(
        "map",
        json!({"items": [1, 2, 3], "fail": [2], "completion": "all_completed"}),
    );
    let value = answer(&python().run(&tolerant).unwrap());
    assert_eq!(
        statuses(&value),
        [
            (0, "SUCCEEDED".to_owned()),
            (1, "FAILED".to_owned()),
            (2, "SUCCEEDED".to_owned())
        ]
    );
    assert_eq!(value["items"][1]["error"], STEP_ERROR);
    assert_eq!(value["has_failure"], true);

    let throwing = scenario(
        "map",
        json!({"items": [1, 2], "fail": [1], "completion": "all_completed", "throw": true}),
    );
    let result = python().run(&throwing).unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(
        result.error.as_ref().unwrap().error_type.as_deref(),
        Some("aws_durable_execution_sdk_python.exceptions.ChildContextError")
    );
}

#[test]
fn python_parallel_completion_policies() {
    let value = answer(
        &python()
            .run(&scenario(
                "parallel",
                json!({"completion": "first_successful"}),
            ))
            .unwrap(),
    );
    assert_eq!(value["reason"], "MIN_SUCCESSFUL_REACHED");
    assert_eq!(value["results"], json!(["fast"]));

    // The default (all successful) stops at the failure; the slow branch stays started.
    let result = python().run(&scenario("parallel", json!({}))).unwrap();
    let value = answer(&result);
    assert_eq!(value["reason"], "FAILURE_TOLERANCE_EXCEEDED");
    assert_eq!(
        statuses(&value),
        [
            (0, "SUCCEEDED".to_owned()),
            (1, "STARTED".to_owned()),
            (2, "FAILED".to_owned())
        ]
    );
    let container = result.context("branches").unwrap();
    assert_eq!(container.sub_type(), Some("Parallel"));
    let names: Vec<_> = container
        .children()
        .iter()
        .map(|c| c.name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["fast", "slow", "failing"]);

    let value = answer(
        &python()
            .run(&scenario(
                "parallel",
                json!({"no_failure": true, "wait": 3}),
            ))
            .unwrap(),
    );
    assert_eq!(value["reason"], "ALL_COMPLETED");
    assert_eq!(value["results"], json!(["fast", "slow", "fine"]));
}
