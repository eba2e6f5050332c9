//! The store under failure: a change the store cannot make durable fails the call and
//! is undone, the execution goes on from its last durable state once the store works
//! again, and what is stored always equals what was acknowledged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use durabox::model::EventType;
use durabox::runner::{FunctionConfig, Runtime, RuntimeOptions, StartOptions};
use durabox::store::{
    ExecutionDelta, ExecutionStore, Receipt, StoreError, StoreSpec, StoredExecution,
};
use durabox::{ExecutionStatus, OperationStatus, TestRunner};
use serde_json::json;

use crate::common::*;

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("durabox-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("executions.db")
}

fn runtime_with(attach: impl FnOnce(&Runtime)) -> Runtime {
    let runtime = Runtime::new(RuntimeOptions {
        timeout_grace: Duration::from_millis(300),
        ..RuntimeOptions::default()
    })
    .unwrap();
    runtime
        .register_file(
            SCENARIOS,
            &guest("rust", "scenarios"),
            FunctionConfig::default(),
        )
        .unwrap();
    attach(&runtime);
    runtime
}

fn sqlite_runtime(db: &std::path::Path) -> Runtime {
    runtime_with(|runtime| {
        runtime
            .attach_store(StoreSpec::Sqlite(db.to_owned()))
            .unwrap();
    })
}

/// Another process's write transaction on the file: every write of durabox waits for
/// the busy timeout, then fails.
fn hold_write_lock(db: &std::path::Path) -> rusqlite::Connection {
    let other = rusqlite::Connection::open(db).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    other
}

/// Status and event count the file holds for `arn`, read by another connection.
fn stored_state(db: &std::path::Path, arn: &str) -> (String, usize) {
    let reader = rusqlite::Connection::open(db).unwrap();
    let (status, events): (String, i64) = reader
        .query_row(
            "SELECT status, event_count FROM execution_records WHERE arn = ?1",
            [arn],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    (status, events as usize)
}

#[test]
fn a_start_the_store_refuses_fails_and_leaves_no_execution() {
    let db = temp_db("start");
    let runtime = sqlite_runtime(&db);
    let input = scenario("steps", json!({})).to_string();
    let lock = hold_write_lock(&db);
    let refused = runtime
        .start_execution(SCENARIOS, &input, StartOptions::default())
        .unwrap_err();
    assert!(
        refused.to_string().contains("could not be stored"),
        "{refused}"
    );
    assert!(runtime.service().all().is_empty());
    lock.execute_batch("ROLLBACK").unwrap();
    let arn = runtime
        .start_execution(SCENARIOS, &input, StartOptions::default())
        .unwrap();
    let cell = runtime.wait_for_completion(&arn, WAIT).unwrap();
    let events = cell.lock().events().len();
    assert_eq!(cell.lock().status, ExecutionStatus::Succeeded);
    assert_eq!(stored_state(&db, &arn), ("SUCCEEDED".into(), events));
}

#[test]
fn a_callback_answer_the_store_refuses_fails_and_is_not_applied() {
    let db = temp_db("callback");
    let runtime = sqlite_runtime(&db);
    let runner = TestRunner::on_runtime(runtime.clone(), SCENARIOS);
    let arn = runner.run_async(&scenario("callback", json!({}))).unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), WAIT)
        .unwrap();
    let lock = hold_write_lock(&db);
    let refused = runner
        .send_callback_success(&id, Some(r#"{"ok": true}"#))
        .unwrap_err();
    assert!(refused.to_string().contains("not made"), "{refused}");
    {
        let cell = runtime.service().get(&arn).unwrap();
        let execution = cell.lock();
        let callback = execution
            .operations()
            .iter()
            .find(|op| op.name.as_deref() == Some("approval"))
            .unwrap();
        assert_eq!(callback.status, OperationStatus::Started);
        assert_eq!(count(execution.events(), EventType::CallbackSucceeded), 0);
    }
    lock.execute_batch("ROLLBACK").unwrap();
    runner
        .send_callback_success(&id, Some(r#"{"ok": true}"#))
        .unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    assert_eq!(count(&result.events, EventType::CallbackSucceeded), 1);
    assert_eq!(
        stored_state(&db, &arn),
        ("SUCCEEDED".into(), result.events.len())
    );
}

#[test]
fn a_timer_the_store_refuses_fires_once_the_store_takes_it() {
    let db = temp_db("timer");
    let runtime = sqlite_runtime(&db);
    let input = scenario("wait", json!({ "seconds": 1 })).to_string();
    let options = StartOptions {
        skip_time: false,
        ..StartOptions::default()
    };
    let arn = runtime.start_execution(SCENARIOS, &input, options).unwrap();
    let cell = runtime.service().get(&arn).unwrap();
    assert!(runtime.wait_until(&cell, WAIT, |e| {
        !e.schedule.invocation_running && count(e.events(), EventType::InvocationCompleted) == 1
    }));
    // Held past the wait's end: firing it must fail and be retried, not be lost.
    let lock = hold_write_lock(&db);
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(count(cell.lock().events(), EventType::WaitSucceeded), 0);
    lock.execute_batch("ROLLBACK").unwrap();
    let cell = runtime.wait_for_completion(&arn, WAIT).unwrap();
    let execution = cell.lock();
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(count(execution.events(), EventType::WaitSucceeded), 1);
    assert_eq!(
        stored_state(&db, &arn),
        ("SUCCEEDED".into(), execution.events().len())
    );
}

/// An in-memory store whose chosen commits fail, as a full disk would.
#[derive(Default)]
struct FlakyStore {
    stored: Mutex<HashMap<String, StoredExecution>>,
    commits: Mutex<u32>,
    fail: Vec<u32>,
}

impl ExecutionStore for FlakyStore {
    fn commit(&self, delta: ExecutionDelta) -> Result<(), StoreError> {
        let mut commits = self.commits.lock().unwrap();
        *commits += 1;
        eprintln!(
            "commit {} events {} ops {}",
            commits,
            delta.events.len(),
            delta.operations.len()
        );
        if self.fail.contains(&commits) {
            return Err(StoreError::Write {
                path: "flaky".into(),
                message: format!("commit {commits} failed on purpose (disk full)"),
            });
        }
        let mut stored = self.stored.lock().unwrap();
        let entry = stored.entry(delta.arn.clone()).or_default();
        // As the real stores: events must follow the stored ones (a lost delta breaks this).
        if let Some((first, _)) = delta.events.first() {
            if *first != entry.events.len() as u64 + 1 {
                return Err(StoreError::Write {
                    path: "flaky".into(),
                    message: format!("events from {first} do not follow the stored ones"),
                });
            }
        }
        entry.arn = delta.arn;
        if let Some(new) = delta.new {
            entry.spec = new.spec;
        }
        if let Some(record) = delta.record {
            entry.record = record;
        }
        for (position, document) in delta.operations {
            let position = position as usize;
            if position < entry.operations.len() {
                entry.operations[position] = document;
            } else {
                entry.operations.push(document);
            }
        }
        entry
            .events
            .extend(delta.events.into_iter().map(|(_, e)| e));
        entry
            .invocations
            .extend(delta.invocations.into_iter().map(|(_, i)| i));
        Ok(())
    }

    /// Written at once, but the outcome is told only when the cell waits for it.
    fn submit(&self, delta: ExecutionDelta) -> Receipt {
        let outcome = self.commit(delta);
        Receipt::new(move || outcome)
    }

    fn delete(&self, arn: &str) -> Result<(), StoreError> {
        self.stored.lock().unwrap().remove(arn);
        Ok(())
    }

    fn load(&self, arn: &str) -> Result<Option<StoredExecution>, StoreError> {
        Ok(self.stored.lock().unwrap().get(arn).cloned())
    }

    fn load_all(&self) -> Result<Vec<StoredExecution>, StoreError> {
        Ok(self.stored.lock().unwrap().values().cloned().collect())
    }
}

#[test]
fn a_checkpoint_the_store_refuses_crashes_the_invocation_and_is_redone() {
    // Commit 1 starts the execution; 2 is the first invocation's callback START, which
    // must be durable before the guest may hand the callback id out.
    let store = Arc::new(FlakyStore {
        fail: vec![2],
        ..FlakyStore::default()
    });
    let runtime = runtime_with(|runtime| {
        runtime.attach(store.clone()).unwrap();
    });
    let runner = TestRunner::on_runtime(runtime.clone(), SCENARIOS);
    let arn = runner.run_async(&scenario("callback", json!({}))).unwrap();
    let id = runner
        .wait_for_callback(&arn, Some("approval"), WAIT)
        .unwrap();
    runner.send_callback_success(&id, Some("{}")).unwrap();
    let result = runner.wait_for_result(&arn, WAIT).unwrap();
    assert_eq!(result.status, ExecutionStatus::Succeeded);
    let cell = runtime.service().get(&arn).unwrap();
    let execution = cell.lock();
    let crashes: Vec<_> = execution
        .invocations
        .iter()
        .filter_map(|i| i.error.as_ref())
        .filter_map(|e| e.error_type.as_deref())
        .collect();
    assert_eq!(crashes, ["ServiceException"]);
    // The refused START left no trace: one callback, started once.
    assert_eq!(count(execution.events(), EventType::CallbackStarted), 1);
    let reloaded = durabox::service::Execution::from_stored(store.load(&arn).unwrap().unwrap())
        .unwrap()
        .restore();
    assert_eq!(reloaded.status, ExecutionStatus::Succeeded);
    assert_eq!(reloaded.events(), execution.events());
    assert_eq!(reloaded.operations(), execution.operations());
    assert_eq!(reloaded.invocations.len(), execution.invocations.len());
}

#[test]
fn a_batch_of_checkpoints_sent_without_waiting_that_the_store_refuses_is_redone() {
    // Commit 1 starts the execution; 2 is the first batch of 256 deferred calls, sent
    // without waiting. Its failure surfaces at the next commit (here the invocation's
    // end), which fails too: the invocation is lost, as in a crash, and runs again from
    // the durable state. The history must be the one a run without failures makes.
    let items: Vec<u64> = (0..200).collect();
    let input = scenario("map", json!({ "items": items }));
    let run = |fail: Vec<u32>| {
        let store = Arc::new(FlakyStore {
            fail,
            ..FlakyStore::default()
        });
        let runtime = runtime_with(|runtime| {
            runtime.attach(store.clone()).unwrap();
        });
        let runner = TestRunner::on_runtime(runtime.clone(), SCENARIOS);
        let arn = runner.run_async(&input).unwrap();
        let result = runner.wait_for_result(&arn, WAIT).unwrap();
        assert_eq!(
            result.status,
            ExecutionStatus::Succeeded,
            "{:?}",
            result.error
        );
        let cell = runtime.service().get(&arn).unwrap();
        let execution = cell.lock();
        let reloaded = durabox::service::Execution::from_stored(store.load(&arn).unwrap().unwrap())
            .unwrap()
            .restore();
        assert_eq!(reloaded.events(), execution.events());
        assert_eq!(reloaded.operations(), execution.operations());
        let types: Vec<EventType> = execution.events().iter().map(|e| e.event_type).collect();
        let commits = *store.commits.lock().unwrap();
        (types, execution.invocations.len(), commits)
    };
    let (clean, clean_invocations, clean_commits) = run(vec![]);
    let (refused, invocations, commits) = run(vec![2]);
    assert!(
        clean_commits >= 4,
        "no batch was sent early: {clean_commits} commits"
    );
    assert_eq!(refused, clean);
    assert_eq!(invocations, clean_invocations);
    assert!(
        commits > clean_commits,
        "the lost invocation was not run again"
    );
}
