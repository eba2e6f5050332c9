//! durabox::TestRunner from a crate outside the checkout, on untouched AWS-style Python
//! handlers (the quickstart `app.py`, and `approval.py` waiting for a callback), built
//! in-process through durabox's cache.

use std::path::PathBuf;
use std::time::Duration;

use durabox::build::Builder;
use durabox::{ExecutionStatus, OperationStatus, TestRunner};
use serde_json::{json, Value};

fn runner(source: &str) -> TestRunner {
    let builder = Builder::from_env().expect("durabox's cache");
    let built = builder
        .build_for_test(&PathBuf::from(source))
        .expect("build the handler");
    TestRunner::new(&built.component).expect("load the component")
}

#[test]
fn quickstart_runs_to_its_result() {
    let result = runner("app.py").run(&"input str").unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded, "{:?}", result.error);
    assert_eq!(result.result_json::<Value>().unwrap(), json!(["1 2", "3 4 4 3", "5 6"]));
    assert_eq!(result.step("one").unwrap().result(), Some("\"1 2\""));
    assert_eq!(result.context("two").unwrap().children().len(), 2);
    assert_eq!(result.events.len(), 16);
}

#[test]
fn a_callback_answered_two_seconds_later_succeeds_with_time_skipped() {
    let runner = runner("approval.py");
    let arn = runner.run_async(&json!({"order": 7})).unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), Duration::from_secs(60))
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    runner.send_callback_success(&id, Some("\"yes\"")).unwrap();
    let result = runner.wait_for_result(&arn, Duration::from_secs(60)).unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded, "{:?}", result.error);
    assert_eq!(
        result.result_json::<Value>().unwrap(),
        json!({"order": 7, "approval": "\"yes\""})
    );
    assert_eq!(result.callback("approval").unwrap().status(), OperationStatus::Succeeded);
}
