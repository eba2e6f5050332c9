//! Two `durabox serve` on one PostgreSQL database: one is SIGKILLed mid-flight and the
//! other takes its executions over once their leases expire; every timer fires once.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::scenario;
use crate::server::{types, ServerProcess};

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
