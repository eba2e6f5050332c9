//! The JavaScript guest SDK (sdk/js) end to end: the JS quickstart against the Rust one,
//! and the JS scenarios guest (tests/guests/js/scenarios/app.js).

use std::sync::OnceLock;

use durabox::model::EventType::*;
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions};
use durabox::{ErrorObject, ExecutionStatus, OperationStatus, TestRunner};
use serde_json::{json, Value};

use crate::common::*;

/// Function names of the JS guests on the shared JS runtime.
const JS_SCENARIOS: &str = "js-scenarios";
const JS_QUICKSTART: &str = "js-quickstart";

/// One runtime for the JS tests: each component is compiled (or loaded from the
/// artifact cache) once.
fn js_runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let runtime = Runtime::new(RuntimeOptions::default()).expect("runtime");
        runtime
            .register_file(
                JS_SCENARIOS,
                &guest("js", "scenarios"),
                FunctionConfig::default(),
            )
            .expect("load the JS scenarios");
        runtime
            .register_file(
                JS_QUICKSTART,
                &guest("js", "quickstart"),
                FunctionConfig::default(),
            )
            .expect("load the JS quickstart");
        runtime
    })
}

fn js(function: &str) -> TestRunner {
    TestRunner::on_runtime(js_runtime().clone(), function)
}

fn run_scenario(name: &str, extra: Value) -> durabox::ExecutionResult {
    js(JS_SCENARIOS).run(&scenario(name, extra)).unwrap()
}

fn succeeded(result: &durabox::ExecutionResult) -> Value {
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    result.result_json().unwrap()
}

fn logs(result: &durabox::ExecutionResult) -> Vec<String> {
    result
        .invocations
        .iter()
        .flat_map(|i| i.logs.iter().map(|l| l.message.clone()))
        .collect()
}

/// The history without what differs between two executions: timestamps, request ids,
/// and the execution's own id and name.
fn comparable_history(result: &durabox::ExecutionResult) -> Vec<Value> {
    fn strip(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| !k.contains("Timestamp") && k.as_str() != "RequestId")
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    let history = result.history_json();
    history["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            let mut event = strip(event);
            if event["EventType"]
                .as_str()
                .is_some_and(|t| t.starts_with("Execution"))
            {
                let map = event.as_object_mut().unwrap();
                map.remove("Id");
                map.remove("Name");
            }
            event
        })
        .collect()
}

/// Python-scheme id → JS-scheme id of each plain step id (`"3-1"`: the first operation
/// in the context of the root's third).
fn js_ids_of(step_ids: &[&str]) -> std::collections::HashMap<String, String> {
    use durabox::model::ids::SdkFlavour;
    step_ids
        .iter()
        .map(|step_id| {
            let mut key: Option<String> = None;
            for n in step_id.split('-') {
                key = Some(
                    SdkFlavour::Python
                        .derive(key.as_deref(), n.parse().unwrap())
                        .id,
                );
            }
            (key.unwrap(), durabox::model::ids::md5_step_id(step_id))
        })
        .collect()
}

#[test]
fn js_quickstart_matches_the_rust_quickstart() {
    // The documented way: a TestRunner over the component file.
    let runner = TestRunner::new(guest("js", "quickstart")).unwrap();
    let js_result = runner.run(&json!("input str")).unwrap();
    let rust_result = crate::common::runner(QUICKSTART)
        .run(&json!("input str"))
        .unwrap();
    assert_eq!(
        js_result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        js_result.error
    );
    assert_eq!(
        js_result.result.as_deref(),
        Some(r#"["1 2","3 4 4 3","5 6"]"#)
    );
    assert_eq!(js_result.result, rust_result.result);
    assert_eq!(js_result.events.len(), 16);
    assert_eq!(
        event_types(&js_result.events),
        event_types(&rust_result.events)
    );
    // Same names, subtypes, payloads and details, event by event; ids and parent ids as
    // each SDK derives them (AWS JS SDK: md5 of the plain step id; Python/Rust: chained
    // BLAKE2b), so the Rust history is translated before comparing.
    let to_js = js_ids_of(&["1", "2", "3", "3-1", "3-2", "4"]);
    let js_history = comparable_history(&js_result);
    let rust_history: Vec<Value> = comparable_history(&rust_result)
        .into_iter()
        .map(|mut event| {
            for field in ["Id", "ParentId"] {
                if let Some(id) = event.get(field).and_then(Value::as_str) {
                    let js_id = to_js.get(id).cloned().unwrap_or_else(|| id.to_owned());
                    event[field] = json!(js_id);
                }
            }
            event
        })
        .collect();
    for (i, (j, r)) in js_history.iter().zip(&rust_history).enumerate() {
        assert_eq!(j, r, "event {}", i + 1);
    }
    assert_eq!(js_result.invocations.len(), 2);
}

#[test]
fn js_steps_pass_results_on() {
    let result = run_scenario("steps", json!({}));
    assert_eq!(succeeded(&result), json!("result=22"));
    assert_eq!(result.step("second").unwrap().result(), Some("11"));
    assert_eq!(result.invocations.len(), 1);
}

#[test]
fn js_retry_strategy_function_decides_retries() {
    let result = run_scenario("retry_then_succeed", json!({}));
    assert_eq!(succeeded(&result), json!({"attempt": 3}));
    assert_eq!(result.step("flaky").unwrap().attempt(), Some(3));
    let history = result.history_json();
    let retries: Vec<_> = history["Events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["EventType"] == "StepFailed")
        .map(|e| e["StepFailedDetails"].clone())
        .collect();
    assert_eq!(retries.len(), 2);
    // The delays the JS function chose (3 s × attempt), not a preset's.
    assert_eq!(
        retries[0]["RetryDetails"],
        json!({"CurrentAttempt": 1, "NextAttemptDelaySeconds": 3})
    );
    assert_eq!(
        retries[1]["RetryDetails"],
        json!({"CurrentAttempt": 2, "NextAttemptDelaySeconds": 6})
    );
    let error = &retries[0]["Error"]["Payload"];
    assert_eq!(error["ErrorType"], "Transient");
    assert_eq!(error["ErrorMessage"], "attempt 1 failed");
    // As AWS's JS SDK (createErrorObjectFromError): no stack trace is recorded.
    assert!(error["StackTrace"].is_null(), "{error}");
    let logs = logs(&result);
    assert!(
        logs.iter()
            .any(|l| l == "retry strategy saw Transient \"attempt 2 failed\" on attempt 2"),
        "{logs:?}"
    );
    assert_eq!(count(&result.events, InvocationCompleted), 3);
}

#[test]
fn js_retry_exhaustion_fails_with_the_step_error() {
    let result = run_scenario("retry_exhausted", json!({}));
    assert_eq!(result.status, ExecutionStatus::Failed);
    let step = result.step("always-fails").unwrap();
    assert_eq!(step.status(), OperationStatus::Failed);
    assert_eq!(step.attempt(), Some(3));
    let error = result.error.as_ref().unwrap();
    // As in AWS's JS SDK: the failed step is rethrown as StepError, and the uncaught
    // StepError is the execution's error (the StepFailed keeps the original `Error`).
    assert_eq!(error.error_type.as_deref(), Some("StepError"));
    assert_eq!(error.error_message.as_deref(), Some("boom"));
    assert_eq!(
        *event_types(&result.events).last().unwrap(),
        ExecutionFailed
    );
}

#[test]
fn js_caught_step_error() {
    let result = run_scenario("caught_step_error", json!({}));
    assert_eq!(
        succeeded(&result),
        json!({"caught": "step went wrong", "type": "StepError", "cause": "Error", "isStepError": true})
    );
    assert_eq!(
        result.step("fails").unwrap().status(),
        OperationStatus::Failed
    );
}

#[test]
fn js_try_catch_does_not_swallow_a_suspension() {
    let result = run_scenario("caught_wait", json!({}));
    assert_eq!(succeeded(&result), json!({"after": "ran"}));
    // The first invocation ended at the wait; as in AWS's SDK, the pending wait's promise
    // never settles, so the handler's catch never runs ...
    assert_eq!(result.invocations.len(), 2);
    assert!(result.invocations[0].logs.is_empty());
    assert!(result.invocations[0].error.is_none());
    // ... and "after" ran only once the wait was over.
    assert_eq!(
        event_types(&result.events),
        vec![
            ExecutionStarted,
            StepStarted,
            StepSucceeded,
            WaitStarted,
            InvocationCompleted,
            WaitSucceeded,
            StepStarted,
            StepSucceeded,
            InvocationCompleted,
            ExecutionSucceeded,
        ]
    );
    assert_eq!(result.events[6].name.as_deref(), Some("after"));
}

#[test]
fn js_wait_takes_a_duration_object() {
    let result = run_scenario("wait", json!({"seconds": 3}));
    assert_eq!(succeeded(&result), json!("done"));
    let history = result.history_json();
    assert_eq!(
        history["Events"][1]["WaitStartedDetails"]["Duration"],
        json!(3)
    );
}

#[test]
fn js_nested_child_contexts() {
    let result = run_scenario("child", json!({}));
    assert_eq!(succeeded(&result), json!("a+b!"));
    let outer = result.context("outer").unwrap();
    assert_eq!(outer.sub_type(), Some("RunInChildContext"));
    let inner = outer.child("inner").unwrap();
    assert_eq!(inner.parent_id(), Some(outer.id()));
    assert_eq!(inner.child("inner-step").unwrap().result(), Some("\"b\""));
}

#[test]
fn js_child_failure_is_a_child_context_error() {
    let result = run_scenario("child_failure", json!({}));
    assert_eq!(result.status, ExecutionStatus::Failed);
    let error = result.error.as_ref().unwrap();
    // As AWS: the child records the StepError its step threw, the handler gets a
    // ChildContextError; the step itself keeps the original error.
    assert_eq!(error.error_type.as_deref(), Some("ChildContextError"));
    let child = result.context("failing-child").unwrap();
    assert_eq!(
        child
            .child("fails")
            .unwrap()
            .error()
            .unwrap()
            .error_type
            .as_deref(),
        Some("ChildStepError")
    );
    assert_eq!(
        child.error().unwrap().error_type.as_deref(),
        Some("StepError")
    );
    assert_eq!(error.error_message.as_deref(), Some("child step failed"));
    assert_eq!(
        result.context("failing-child").unwrap().status(),
        OperationStatus::Failed
    );
}

#[test]
fn js_callback_success() {
    let runner = js(JS_SCENARIOS);
    let arn = runner.run_async(&scenario("callback", json!({}))).unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), WAIT)
        .unwrap();
    runner
        .send_callback_success(&id, Some(r#"{"ok": true}"#))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    // AWS's default callback deserializer passes the raw text through.
    assert_eq!(succeeded(&result), json!({"callback": r#"{"ok": true}"#}));
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
    assert!(logs(&result).contains(&format!("callback id: {id}")));
}

#[test]
fn js_callback_failure_and_timeout() {
    let runner = js(JS_SCENARIOS);
    let arn = runner
        .run_async(&scenario("callback", json!({"catch": true})))
        .unwrap();
    let id = runner.wait_for_callback(&arn, None, WAIT).unwrap();
    runner
        .send_callback_failure(&id, ErrorObject::new("Rejected", "not approved"))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(
        succeeded(&result),
        json!({"error": "CallbackExternalError", "cause": "Rejected", "message": "not approved"})
    );

    let result = js(JS_SCENARIOS)
        .fire_callback_timeouts(true)
        .run(&scenario("callback", json!({"timeout": 5, "catch": true})))
        .unwrap();
    assert_eq!(succeeded(&result)["error"], "CallbackTimeoutError");
    assert_eq!(succeeded(&result)["cause"], "Callback.Timeout");
    assert_eq!(
        result.callback("approval").unwrap().status(),
        OperationStatus::TimedOut
    );
}

#[test]
fn js_wait_for_callback_is_composed_as_aws_does() {
    let runner = js(JS_SCENARIOS);
    let arn = runner
        .run_async(&scenario("wait_for_callback", json!({})))
        .unwrap();
    let id = runner.wait_for_callback(&arn, None, WAIT).unwrap();
    runner
        .send_callback_success(&id, Some("\"approved\""))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    // The raw callback text (AWS's pass-through default).
    assert_eq!(succeeded(&result), json!("\"approved\""));
    // As AWS's JS SDK: a WaitForCallback context holding an unnamed callback and an
    // unnamed submitter step (the Python SDK names them, see assert_wait_for_callback_shape).
    let context = result.context("ask").unwrap();
    assert_eq!(context.sub_type(), Some("WaitForCallback"));
    let children: Vec<_> = context
        .children()
        .iter()
        .map(|c| (c.name().map(str::to_owned), c.op_type()))
        .collect();
    assert_eq!(
        children,
        vec![
            (None, durabox::OperationType::Callback),
            (None, durabox::OperationType::Step),
        ]
    );
    assert!(logs(&result).contains(&format!("submitting callback id: {id}")));
}

#[test]
fn js_condition_with_a_guest_strategy_and_with_backoff() {
    let result = run_scenario("condition", json!({"custom": true}));
    assert_eq!(succeeded(&result), json!(3));
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
    assert_eq!(polls.len(), 3);
    assert_eq!(
        polls[0]["RetryDetails"],
        json!({"CurrentAttempt": 1, "NextAttemptDelaySeconds": 1})
    );
    assert_eq!(polls[2]["Result"]["Payload"], "3");

    // createWaitStrategy: the host applies the AWS backoff.
    let result = run_scenario("condition", json!({"target": 4}));
    assert_eq!(succeeded(&result), json!(4));
    let result = run_scenario("condition", json!({"target": 100, "max_attempts": 2}));
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert_eq!(
        result.error.as_ref().unwrap().error_type.as_deref(),
        Some("WaitForConditionError")
    );
}

#[test]
fn js_map_collects_results_and_failures() {
    let result = run_scenario("map", json!({"items": [1, 2, 3]}));
    let answer = succeeded(&result);
    assert_eq!(answer["reason"], "ALL_COMPLETED");
    assert_eq!(answer["results"], json!([2, 4, 6]));
    let container = result.context("numbers").unwrap();
    assert_eq!(container.sub_type(), Some("Map"));
    let names: Vec<_> = container
        .children()
        .iter()
        .map(|b| b.name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["item-1", "item-2", "item-3"]);

    let answer = succeeded(&run_scenario(
        "map",
        json!({"items": [1, 2, 3], "fail": [2], "completion": "tolerate_one"}),
    ));
    assert_eq!(answer["reason"], "ALL_COMPLETED");
    assert_eq!(answer["items"][1]["status"], "FAILED");
    // As AWS: a failed item's error is a ChildContextError.
    assert_eq!(answer["items"][1]["error"], "ChildContextError");
    assert_eq!(answer["results"], json!([2, 6]));
}

#[test]
fn js_map_branches_suspend_independently() {
    let result = run_scenario(
        "map",
        json!({"items": [1, 2, 3], "wait": 1, "max_concurrency": 2}),
    );
    let answer = succeeded(&result);
    assert_eq!(answer["results"], json!([2, 4, 6]));
    assert_eq!(count(&result.events, WaitSucceeded), 3);
    // max_concurrency 2: the third branch started only after one of the first two ended.
    let branches = result.context("numbers").unwrap().children();
    let first_end = branches[0]
        .end_timestamp()
        .unwrap()
        .min(branches[1].end_timestamp().unwrap());
    assert!(branches[2].start_timestamp() >= first_end);
}

#[test]
fn js_parallel_named_branches() {
    let result = run_scenario("parallel", json!({"no_failure": true, "wait": 30}));
    let answer = succeeded(&result);
    assert_eq!(answer["reason"], "ALL_COMPLETED");
    assert_eq!(answer["results"], json!(["fast", "slow", "fine"]));
    let container = result.context("branches").unwrap();
    assert_eq!(container.sub_type(), Some("Parallel"));
    let names: Vec<_> = container
        .children()
        .iter()
        .map(|b| b.name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["fast", "slow", "failing"]);

    // The default completion fails on the first failure; "fast" and "slow" are left
    // started: AWS's JS SDK decides when "failing" ends, before "fast" reports its end
    // (the differential case `parallel_fail_fast_with_wait` shows AWS's runner agreeing).
    let answer = succeeded(&run_scenario("parallel", json!({"wait": 5})));
    assert_eq!(answer["reason"], "FAILURE_TOLERANCE_EXCEEDED");
    let statuses: Vec<_> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["STARTED", "STARTED", "FAILED"]);
}

#[test]
fn js_invoke_runs_the_target_as_its_own_execution() {
    let runner = js(JS_SCENARIOS);
    let result = runner
        .run(&scenario(
            "invoke",
            json!({"function": JS_SCENARIOS, "payload": {"scenario": "steps"}}),
        ))
        .unwrap();
    assert_eq!(succeeded(&result), json!({"result": "result=22"}));
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
    let failed = runner
        .run(&scenario(
            "invoke",
            json!({"function": JS_SCENARIOS, "payload": {"scenario": "retry_exhausted"}, "catch": true}),
        ))
        .unwrap();
    assert_eq!(
        succeeded(&failed),
        json!({"failed": "InvokeError", "message": "boom"})
    );
}

#[test]
fn js_errors_become_error_objects() {
    let result = run_scenario("throws", json!({}));
    assert_eq!(result.status, ExecutionStatus::Failed);
    let error = result.error.as_ref().unwrap();
    // Recorded as AWS's JS SDK does (createErrorObjectFromError): ErrorType = `name`
    // (`Error` for `class MyError extends Error {}`), the message, no stack trace.
    assert_eq!(error.error_type.as_deref(), Some("Error"));
    assert_eq!(error.error_message.as_deref(), Some("handler failed"));
    assert_eq!(error.stack_trace, None);

    let error = run_scenario("throws", json!({"kind": "typeerror"})).error;
    assert_eq!(error.unwrap().error_type.as_deref(), Some("TypeError"));
    // A thrown non-error: no ErrorType, the message "Unknown error" (as AWS).
    let error = run_scenario("throws", json!({"kind": "string"}))
        .error
        .unwrap();
    assert_eq!(error.error_type, None);
    assert_eq!(error.error_message.as_deref(), Some("Unknown error"));
    let error = run_scenario("nope", json!({})).error;
    assert_eq!(
        error.unwrap().error_type.as_deref(),
        Some("UnknownScenario")
    );
}

/// Steps start when called, as in AWS's JS SDK: under `Promise.all` their bodies
/// interleave at `await`s (the differential case `steps_in_promise_all` gives AWS's order).
#[test]
fn js_steps_under_promise_all_run_concurrently() {
    let answer = succeeded(&run_scenario("concurrent_steps", json!({})));
    assert_eq!(
        answer,
        json!({"a": "A", "b": "B", "order": ["a start", "b start", "a end"]})
    );
}

#[test]
fn js_logger_and_step_semantics() {
    let result = run_scenario("log", json!({}));
    assert_eq!(succeeded(&result), json!("logged"));
    let logs = logs(&result);
    assert!(
        logs.contains(&"hello from the guest {\"n\":1}".to_owned()),
        "{logs:?}"
    );
    assert!(logs.contains(&"inside the step".to_owned()), "{logs:?}");

    let result = run_scenario("at_most_once", json!({}));
    assert_eq!(succeeded(&result), json!("charged"));
}

#[test]
fn js_durable_call_inside_a_step_fails_clearly() {
    // As AWS's SDK (differential case `step_uses_context`): the invocation fails with its
    // context-usage error, the outer step stays started and the inner one never starts.
    let result = run_scenario("step_in_step", json!({}));
    assert_eq!(result.status, ExecutionStatus::Failed);
    let error = result.error.as_ref().unwrap();
    assert_eq!(error.error_type.as_deref(), Some("Error"));
    let message = error.error_message.as_deref().unwrap();
    assert!(
        message.starts_with(
            "Context usage error in \"step\": You are using a parent or sibling context"
        ),
        "{message}"
    );
    assert_eq!(
        result.step("outer").unwrap().status(),
        OperationStatus::Started
    );
    assert!(result.step("inner").is_err());
}
