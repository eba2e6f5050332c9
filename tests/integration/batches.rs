//! map and parallel: branch ids, completion policies, concurrency, in-invocation resume.

use durabox::model::ids::{hash_step_id, operation_id};
use durabox::model::EventType::*;
use durabox::{ExecutionStatus, OperationStatus};
use serde_json::{json, Value};

use crate::common::*;

fn items(result: &Value) -> Vec<(u64, String)> {
    result["items"]
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
fn map_runs_every_item_in_its_own_branch() {
    let result = runner(SCENARIOS)
        .run(&scenario("map", json!({"items": [1, 2, 3]})))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    let answer: Value = result.result_json().unwrap();
    assert_eq!(answer["reason"], "AllCompleted");
    let results: Vec<_> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["result"].clone())
        .collect();
    assert_eq!(results, [json!(2), json!(4), json!(6)]);

    // Branch ids hash the container id with the item index; ops inside use the branch's counter.
    let container = result.context("numbers").unwrap();
    assert_eq!(container.id(), operation_id(None, 1));
    assert_eq!(container.sub_type(), Some("Map"));
    let branches = container.children();
    assert_eq!(branches.len(), 3);
    for (i, branch) in branches.iter().enumerate() {
        assert_eq!(
            branch.id(),
            hash_step_id(&format!("{}-{i}", container.id()))
        );
        assert_eq!(branch.sub_type(), Some("MapIteration"));
        assert_eq!(branch.name(), Some(format!("item-{}", i + 1).as_str()));
        let step = branch.child("double").unwrap();
        assert_eq!(step.id(), operation_id(Some(branch.id()), 1));
    }
    let payload: Value = serde_json::from_str(container.result().unwrap()).unwrap();
    assert_eq!(payload["completionReason"], "ALL_COMPLETED");
    assert_eq!(
        payload["all"][1],
        json!({"index": 1, "status": "SUCCEEDED", "result": "4"})
    );
}

#[test]
fn map_fails_fast_by_default_and_tolerates_when_told() {
    let input = |completion: &str| {
        scenario(
            "map",
            json!({"items": [1, 2, 3], "fail": [2], "completion": completion}),
        )
    };
    let fail_fast: Value = runner(SCENARIOS)
        .run(&input(""))
        .unwrap()
        .result_json()
        .unwrap();
    assert_eq!(fail_fast["reason"], "FailureToleranceExceeded");
    // Without max_concurrency AWS starts every item at once, so the third item runs to
    // its end although the policy failed the batch at the second.
    assert_eq!(
        items(&fail_fast),
        [
            (0, "SUCCEEDED".into()),
            (1, "FAILED".into()),
            (2, "SUCCEEDED".into())
        ]
    );
    assert_eq!(fail_fast["items"][1]["error"], "ItemError");

    let tolerant: Value = runner(SCENARIOS)
        .run(&input("tolerate_one"))
        .unwrap()
        .result_json()
        .unwrap();
    assert_eq!(tolerant["reason"], "AllCompleted");
    assert_eq!(items(&tolerant).len(), 3);

    let result = runner(SCENARIOS).run(&input("all_completed")).unwrap();
    // The container succeeds even though an item failed.
    let container = result.context("numbers").unwrap();
    assert_eq!(container.status(), OperationStatus::Succeeded);
    assert_eq!(container.children()[1].status(), OperationStatus::Failed);
    assert_eq!(count(&result.events, ContextFailed), 1);
}

#[test]
fn waiting_branches_suspend_the_batch_until_their_timers_fire() {
    let result = runner(SCENARIOS)
        .run(&scenario(
            "map",
            json!({"items": [1, 2, 3], "wait": 1, "max_concurrency": 2}),
        ))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    let answer: Value = result.result_json().unwrap();
    assert_eq!(answer["reason"], "AllCompleted");
    assert_eq!(items(&answer).len(), 3);
    // With every unfinished branch waiting, the batch suspends (AWS conformance 8-14,
    // 9-15): each wait ends its invocation and a later one resumes the branch.
    assert!(
        result.invocations.len() >= 3,
        "{} invocations",
        result.invocations.len()
    );
    assert_eq!(count(&result.events, WaitSucceeded), 3);
    let types = event_types(&result.events);
    let first_wait = types.iter().position(|t| *t == WaitStarted).unwrap();
    let first_done = types.iter().position(|t| *t == WaitSucceeded).unwrap();
    assert!(types[first_wait..first_done].contains(&InvocationCompleted));
    // max_concurrency 2: the third branch started only after one of the first two ended.
    let container = result.context("numbers").unwrap();
    let branches = container.children();
    let first_end = branches[0]
        .end_timestamp()
        .unwrap()
        .min(branches[1].end_timestamp().unwrap());
    assert!(branches[2].start_timestamp() >= first_end);
}

#[test]
fn flat_branches_checkpoint_no_branch_contexts() {
    let result = runner(SCENARIOS)
        .run(&scenario("map", json!({"items": [5, 6], "flat": true})))
        .unwrap();
    let answer: Value = result.result_json().unwrap();
    assert_eq!(answer["reason"], "AllCompleted");
    let container = result.context("numbers").unwrap();
    let children = container.children();
    // The steps hang under the container, with ids derived from the branch ids.
    assert!(children
        .iter()
        .all(|c| c.op_type() == durabox::OperationType::Step));
    let branch0 = hash_step_id(&format!("{}-0", container.id()));
    assert_eq!(children[0].id(), operation_id(Some(&branch0), 1));
}

#[test]
fn parallel_first_successful_abandons_the_rest() {
    let result = runner(SCENARIOS)
        .run(&scenario(
            "parallel",
            json!({"completion": "first_successful"}),
        ))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    let answer: Value = result.result_json().unwrap();
    assert_eq!(answer["reason"], "MinSuccessfulReached");
    assert_eq!(answer["items"][0]["result"], "fast");
    let container = result.context("branches").unwrap();
    assert_eq!(container.sub_type(), Some("Parallel"));
    let names: Vec<_> = container
        .children()
        .iter()
        .map(|b| b.name().unwrap().to_owned())
        .collect();
    assert_eq!(names[0], "fast");
}

#[test]
fn parallel_all_successful_waits_for_slow_branches() {
    let result = runner(SCENARIOS)
        .run(&scenario(
            "parallel",
            json!({"no_failure": true, "wait": 30}),
        ))
        .unwrap();
    let answer: Value = result.result_json().unwrap();
    assert_eq!(answer["reason"], "AllCompleted");
    let results: Vec<_> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["result"].clone())
        .collect();
    assert_eq!(results, [json!("fast"), json!("slow"), json!("fine")]);
    let slow = result.context("branches").unwrap().child("slow").unwrap();
    let waited = slow.children()[0].end_timestamp().unwrap() - slow.children()[0].start_timestamp();
    assert_eq!(waited, 30_000);
}

#[test]
fn parallel_default_fails_on_the_first_failure() {
    let answer: Value = runner(SCENARIOS)
        .run(&scenario("parallel", json!({"wait": 5})))
        .unwrap()
        .result_json()
        .unwrap();
    assert_eq!(answer["reason"], "FailureToleranceExceeded");
    // "slow" was suspended on its wait when "failing" failed: it is reported as started.
    assert_eq!(
        items(&answer),
        [
            (0, "SUCCEEDED".into()),
            (1, "STARTED".into()),
            (2, "FAILED".into())
        ]
    );
}

#[test]
fn invalid_batch_config_is_rejected_before_any_checkpoint() {
    let result = runner(SCENARIOS)
        .run(&scenario(
            "map",
            json!({"items": [1], "max_concurrency": 0}),
        ))
        .unwrap();
    assert_eq!(result.status, ExecutionStatus::Failed);
    assert!(result.operations().is_empty());
    assert_eq!(
        result.error.unwrap().error_message.as_deref(),
        Some("max_concurrency must be at least 1")
    );
}

#[test]
fn a_branch_replaying_a_finished_wait_suspends_on_its_next_one() {
    // Each replay of the branch passes its first (finished) wait, then suspends on the
    // second: the branch is due only when that one is. Treating the finished wait as
    // due handed the branch out again and again, spinning until the second wait came due.
    let result = runner(SCENARIOS)
        .skip_time(false)
        .run(&scenario(
            "map",
            json!({"items": [0], "wait": 1, "waits": 2}),
        ))
        .unwrap();
    assert_eq!(
        result.status,
        ExecutionStatus::Succeeded,
        "{:?}",
        result.error
    );
    assert_eq!(count(&result.events, WaitSucceeded), 2);
    // Started, suspended on the first wait, suspended on the second, finished.
    assert_eq!(
        result.invocations.len(),
        3,
        "{:?}",
        event_types(&result.events)
    );
    let fuel: Vec<u64> = result.invocations.iter().map(|i| i.fuel_consumed).collect();
    assert!(
        fuel[1] < 10 * fuel[0].max(fuel[2]),
        "the second invocation spun: fuel per invocation {fuel:?}"
    );
}
