//! Two `durabox serve` on one PostgreSQL database: one is SIGKILLed mid-flight and the
//! other takes its executions over once their leases expire; every timer fires once.
//! Names, listings and changes work through either server.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::scenario;
use crate::server::{encode, types, ServerProcess};

#[test]
fn a_second_server_takes_over_the_executions_of_one_killed_mid_flight() {
    // A schema of its own in the cluster `cargo xtask test` starts (skipped without it,
    // except under CI).
    let Some(database) = durabox::store::test_database("two_servers") else {
        return;
    };
    let doomed = ServerProcess::start_on(&database.url, &[], &[]);
    let survivor = ServerProcess::start_on(&database.url, &[], &[]);
    // Real-time waits, so both servers still hold unfinished executions at the kill.
    let input = scenario("wait", json!({ "seconds": 2 })).to_string();
    let arns: Vec<String> = (0..200)
        .map(|i| {
            let server = if i % 2 == 0 { &doomed } else { &survivor };
            server.start_execution(&input)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let killed_at = Instant::now();
    doomed.kill();
    let succeeded = |events: &[serde_json::Value]| {
        events
            .last()
            .is_some_and(|e| e["EventType"] == "ExecutionSucceeded")
    };
    // The killed server's executions, read by the survivor from the database.
    let orphaned = arns
        .iter()
        .step_by(2)
        .filter(|arn| !succeeded(&survivor.history(arn)))
        .count();
    assert!(orphaned > 0, "the kill came too late to orphan anything");
    for arn in &arns {
        let events = survivor.wait_for(arn, "the execution to succeed", succeeded);
        let types = types(&events);
        let waits = types.iter().filter(|t| **t == "WaitSucceeded").count();
        assert_eq!(waits, 1, "{arn}: {types:?}");
        assert_eq!(
            types.iter().filter(|t| **t == "ExecutionSucceeded").count(),
            1
        );
    }
    eprintln!(
        "200 executions on two servers, one killed with {orphaned} unfinished: all SUCCEEDED {:.1?} after the kill",
        killed_at.elapsed()
    );
}

/// The history ends with the execution finished (succeeded or stopped).
fn finished(events: &[serde_json::Value]) -> bool {
    events.last().is_some_and(|e| {
        e["EventType"] == "ExecutionSucceeded" || e["EventType"] == "ExecutionStopped"
    })
}

fn callback_id(server: &ServerProcess, arn: &str) -> String {
    // Suspended: the invocation that started the callback has ended.
    let events = server.wait_for(arn, "the callback to start", |events| {
        types(events).ends_with(&["CallbackStarted", "InvocationCompleted"])
    });
    let started = events
        .iter()
        .find(|e| e["EventType"] == "CallbackStarted")
        .unwrap();
    started["CallbackStartedDetails"]["CallbackId"]
        .as_str()
        .unwrap()
        .to_owned()
}

const INVOKE: &str = "/2015-03-31/functions/scenarios/invocations";

#[test]
fn servers_sharing_a_store_answer_for_each_others_executions() {
    let Some(database) = durabox::store::test_database("shared_answers") else {
        return;
    };
    let a = ServerProcess::start_on(&database.url, &[], &[]);
    let b = ServerProcess::start_on(&database.url, &[], &[]);

    // One name started at once on both servers: one execution.
    let input = scenario("callback", json!({})).to_string();
    let arns: Vec<String> = std::thread::scope(|scope| {
        let started: Vec<_> = (0..12)
            .map(|i| {
                let (server, input) = (if i % 2 == 0 { &a } else { &b }, &input);
                scope.spawn(move || {
                    let (status, body) = server.call(
                        "POST",
                        INVOKE,
                        input,
                        &[
                            ("x-amz-invocation-type", "Event"),
                            ("x-amz-durable-execution-name", "one-name"),
                        ],
                    );
                    assert_eq!(status, 202, "{body}");
                    let (_, listed) = server.call(
                        "GET",
                        "/2025-12-01/functions/scenarios/durable-executions?DurableExecutionName=one-name",
                        "",
                        &[],
                    );
                    listed["DurableExecutions"][0]["DurableExecutionArn"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
            })
            .collect();
        started.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(arns.iter().all(|arn| *arn == arns[0]), "{arns:?}");
    let named = arns[0].clone();
    let (status, body) = b.call(
        "POST",
        INVOKE,
        &scenario("wait", json!({ "seconds": 1 })).to_string(),
        &[("x-amz-durable-execution-name", "one-name")],
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["DurableExecutionArn"], named.as_str());

    // Each server lists the other's executions.
    let waiting = a.start_execution(&scenario("wait", json!({ "seconds": 60 })).to_string());
    let (_, listed) = b.call(
        "GET",
        "/2025-12-01/functions/scenarios/durable-executions",
        "",
        &[],
    );
    let listed: Vec<&str> = listed["DurableExecutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["DurableExecutionArn"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&named.as_str()) && listed.contains(&waiting.as_str()));

    // Changes go to the server holding the execution, whichever server gets them.
    let callback = callback_id(&b, &named);
    for server in [&a, &b] {
        let (status, body) = server.call(
            "POST",
            &format!(
                "/2025-12-01/durable-execution-callbacks/{}/heartbeat",
                encode(&callback)
            ),
            "",
            &[],
        );
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = b.call(
        "POST",
        &format!(
            "/2025-12-01/durable-execution-callbacks/{}/succeed",
            encode(&callback)
        ),
        r#""from the other server""#,
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let events = a.wait_for(&named, "the callback execution to succeed", finished);
    assert_eq!(types(&events).last(), Some(&"ExecutionSucceeded"));
    let (status, _) = b.call(
        "POST",
        &format!("/2025-12-01/durable-executions/{}/stop", encode(&waiting)),
        "",
        &[],
    );
    assert_eq!(status, 200);
    let events = b.wait_for(&waiting, "the wait execution to stop", finished);
    assert_eq!(types(&events).last(), Some(&"ExecutionStopped"));

    // A finished execution deleted through either server is gone from both.
    let path = format!("/2025-12-01/durable-executions/{}", encode(&named));
    let (status, body) = b.call("DELETE", &path, "", &[]);
    assert_eq!(status, 202, "{body}");
    assert_eq!(a.call("GET", &path, "", &[]).0, 404);
    assert_eq!(b.call("GET", &path, "", &[]).0, 404);
}

#[test]
fn a_change_to_an_execution_of_a_dead_server_takes_it_over_at_once() {
    let Some(database) = durabox::store::test_database("take_over_on_change") else {
        return;
    };
    let doomed = ServerProcess::start_on(&database.url, &[], &[]);
    let survivor = ServerProcess::start_on(&database.url, &[], &[]);
    let arn = doomed.start_execution(&scenario("callback", json!({})).to_string());
    let callback = callback_id(&survivor, &arn);
    doomed.kill();
    let killed_at = Instant::now();
    let (status, body) = survivor.call(
        "POST",
        &format!(
            "/2025-12-01/durable-execution-callbacks/{}/succeed",
            encode(&callback)
        ),
        r#""answered""#,
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let events = survivor.wait_for(&arn, "the execution to succeed", finished);
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "CallbackStarted",
            "InvocationCompleted",
            "CallbackSucceeded",
            "InvocationCompleted",
            "ExecutionSucceeded"
        ]
    );
    eprintln!(
        "callback answered on the survivor: SUCCEEDED {:.1?} after the kill (lease {:?})",
        killed_at.elapsed(),
        durabox::store::DEFAULT_LEASE
    );
}

#[test]
fn a_chained_invoke_hears_of_a_child_that_ended_on_another_server() {
    let Some(database) = durabox::store::test_database("chained_across_servers") else {
        return;
    };
    let doomed = ServerProcess::start_on(&database.url, &[], &[]);
    let survivor = ServerProcess::start_on(&database.url, &[], &[]);
    let child_input = scenario("callback", json!({}));
    let parent =
        doomed.start_execution(&scenario("invoke", json!({ "payload": child_input })).to_string());
    let events = doomed.wait_for(&parent, "the child to start", |events| {
        types(events).contains(&"ChainedInvokeStarted")
    });
    let child = events
        .iter()
        .find(|e| e["EventType"] == "ChainedInvokeStarted")
        .and_then(|e| e["ChainedInvokeStartedDetails"]["DurableExecutionArn"].as_str())
        .unwrap()
        .to_owned();
    // The child starts once the parent's invocation has ended.
    let child_path = format!("/2025-12-01/durable-executions/{}", encode(&child));
    let deadline = Instant::now() + Duration::from_secs(30);
    while survivor.call("GET", &child_path, "", &[]).0 != 200 {
        assert!(Instant::now() < deadline, "the child never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let callback = callback_id(&survivor, &child);
    doomed.kill();
    // The child is taken over and ends on the survivor while nobody holds the parent.
    let (status, body) = survivor.call(
        "POST",
        &format!(
            "/2025-12-01/durable-execution-callbacks/{}/succeed",
            encode(&callback)
        ),
        r#""done""#,
        &[],
    );
    assert_eq!(status, 200, "{body}");
    survivor.wait_for(&child, "the child to succeed", finished);
    // The parent, taken over once its lease runs out, learns of its child's end.
    let events = survivor.wait_for(&parent, "the parent to succeed", finished);
    let types = types(&events);
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"), "{types:?}");
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "ChainedInvokeSucceeded")
            .count(),
        1,
        "{types:?}"
    );
    let (_, described) = survivor.call(
        "GET",
        &format!("/2025-12-01/durable-executions/{}", encode(&parent)),
        "",
        &[],
    );
    assert_eq!(described["Result"], r#"{"result":{"callback":"done"}}"#);
}
