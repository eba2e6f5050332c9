//! Needs the database `cargo xtask test` starts (`DURABOX_TEST_POSTGRES`); each test
//! works in a schema of its own. Without the variable they are skipped, except under CI.

use std::sync::Arc;
use std::thread::sleep;

use super::*;
use crate::store::test_deltas::{self, first_delta};
use crate::store::StoreSpec;

/// Short, so a test can watch a lease run out.
const SHORT_LEASE: Duration = Duration::from_secs(1);

fn event(arn: &str, seq: u64) -> ExecutionDelta {
    ExecutionDelta {
        arn: arn.into(),
        status: "RUNNING".into(),
        events: vec![(seq, format!("e{seq}"))],
        ..Default::default()
    }
}

fn open(db: &TestDatabase, lease: Duration) -> PostgresStore {
    PostgresStore::open(&db.url, lease).expect("open the test database")
}

#[test]
fn deltas_put_back_together_in_order() {
    let Some(db) = test_database("deltas_put_back_together_in_order") else {
        return;
    };
    test_deltas::deltas_put_back_together_in_order(|| Box::new(open(&db, DEFAULT_LEASE)));
}

#[test]
fn a_failed_delta_stores_nothing_and_does_not_sink_the_batch() {
    let Some(db) = test_database("a_failed_delta_stores_nothing_and_does_not_sink_the_batch")
    else {
        return;
    };
    let store = Arc::new(open(&db, DEFAULT_LEASE));
    store.commit(first_delta("a")).unwrap();
    // Event 1 again does not follow the stored events: this delta must leave no trace,
    // while the deltas committed beside it (often in the same batch) all land.
    let clash = || ExecutionDelta {
        arn: "a".into(),
        status: "RUNNING".into(),
        record: Some("{\"r\":\"lost\"}".into()),
        operations: vec![(1, "op1".into())],
        events: vec![(1, "again".into())],
        ..Default::default()
    };
    let writers: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let arn = format!("b{t}");
                store.commit(first_delta(&arn)).unwrap();
                for seq in 2..=10 {
                    store.commit(event(&arn, seq)).unwrap();
                }
            })
        })
        .collect();
    for _ in 0..20 {
        let error = store.commit(clash()).unwrap_err();
        assert!(matches!(error, StoreError::PostgresWrite { .. }), "{error}");
        assert!(error.to_string().contains("do not follow"), "{error}");
    }
    for writer in writers {
        writer.join().unwrap();
    }
    let a = store.load("a").unwrap().unwrap();
    assert_eq!(
        (a.record.as_str(), a.operations.len(), a.events.as_slice()),
        ("{\"r\":1}", 1, ["e1".to_string()].as_slice())
    );
    let all = store.load_all().unwrap();
    assert_eq!(all.len(), 9);
    assert!(all
        .iter()
        .filter(|e| e.arn != "a")
        .all(|e| e.events.len() == 10));
    // The same execution started twice: the second insert fails and changes nothing.
    let again = store.commit(first_delta("a")).unwrap_err();
    assert!(matches!(again, StoreError::PostgresWrite { .. }), "{again}");
    assert_eq!(store.load("a").unwrap().unwrap().events, ["e1"]);
}

#[test]
fn concurrent_commits_all_land() {
    let Some(db) = test_database("concurrent_commits_all_land") else {
        return;
    };
    let store = Arc::new(open(&db, DEFAULT_LEASE));
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let arn = format!("x{t}");
                store.commit(first_delta(&arn)).unwrap();
                for seq in 2..=20u64 {
                    store.commit(event(&arn, seq)).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let all = store.load_all().unwrap();
    assert_eq!(all.len(), 16);
    assert!(all.iter().all(|e| e.events.len() == 20));
    let seventh = store.load("x7").unwrap().unwrap();
    let expected: Vec<String> = (1..=20).map(|seq| format!("e{seq}")).collect();
    assert_eq!(seventh.events, expected);
}

#[test]
fn usable_from_inside_a_tokio_runtime() {
    let Some(db) = test_database("usable_from_inside_a_tokio_runtime") else {
        return;
    };
    let store = Arc::new(open(&db, DEFAULT_LEASE));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // As the HTTP server calls it: from spawn_blocking threads, which carry the runtime.
    let in_blocking = store.clone();
    let blocking = runtime.spawn_blocking(move || {
        in_blocking.commit(first_delta("a")).unwrap();
        in_blocking.load("a").unwrap().expect("stored");
    });
    runtime.block_on(blocking).unwrap();
    let _context = runtime.enter();
    store.commit(event("a", 2)).unwrap();
    assert_eq!(store.load("a").unwrap().unwrap().events, ["e1", "e2"]);
}

#[test]
fn a_live_lease_keeps_the_execution_and_an_expired_one_lets_another_server_take_it() {
    let Some(db) = test_database(
        "a_live_lease_keeps_the_execution_and_an_expired_one_lets_another_server_take_it",
    ) else {
        return;
    };
    let a = open(&db, SHORT_LEASE);
    let b = open(&db, SHORT_LEASE);
    assert_ne!(a.owner(), b.owner());
    a.commit(first_delta("x")).unwrap();
    a.commit(event("x", 2)).unwrap();
    assert!(!b.claim("x", SHORT_LEASE).unwrap(), "A's lease is live");
    assert!(b.orphans().unwrap().is_empty());
    // B is fenced out while it does not hold the execution.
    let fenced = b.commit(event("x", 3)).unwrap_err();
    assert!(matches!(fenced, StoreError::LeaseLost { .. }), "{fenced}");

    sleep(SHORT_LEASE + Duration::from_millis(300));
    assert_eq!(b.orphans().unwrap(), ["x"]);
    assert!(b.claim("x", SHORT_LEASE).unwrap(), "A's lease ran out");
    assert!(b.orphans().unwrap().is_empty());
    assert!(!a.claim("x", SHORT_LEASE).unwrap(), "B's lease is live");

    // A comes back: its next commit is refused and stores nothing.
    let lost = a
        .commit(ExecutionDelta {
            record: Some("{\"r\":\"A\"}".into()),
            operations: vec![(1, "op-by-a".into())],
            ..event("x", 3)
        })
        .unwrap_err();
    assert!(matches!(lost, StoreError::LeaseLost { .. }), "{lost}");
    assert!(lost.to_string().contains("taken over"), "{lost}");
    let taken = b.load("x").unwrap().unwrap();
    assert_eq!(taken.record, "{\"r\":1}");
    assert_eq!(taken.operations, ["op0"]);
    assert_eq!(taken.events, ["e1", "e2"]);
    b.commit(event("x", 3)).unwrap();
    assert_eq!(b.load("x").unwrap().unwrap().events, ["e1", "e2", "e3"]);
}

#[test]
fn renewing_keeps_a_lease_alive() {
    let Some(db) = test_database("renewing_keeps_a_lease_alive") else {
        return;
    };
    let a = open(&db, SHORT_LEASE);
    let b = open(&db, SHORT_LEASE);
    a.commit(first_delta("x")).unwrap();
    for _ in 0..6 {
        sleep(SHORT_LEASE / 4);
        a.renew(SHORT_LEASE).unwrap();
    }
    // 1.5 leases have passed since the start: only the renewals kept it.
    assert!(b.orphans().unwrap().is_empty());
    assert!(!b.claim("x", SHORT_LEASE).unwrap());
    a.commit(event("x", 2)).unwrap();
    sleep(SHORT_LEASE + Duration::from_millis(300));
    assert!(
        b.claim("x", SHORT_LEASE).unwrap(),
        "not renewed: taken over"
    );
    // A's renewal no longer reaches it.
    a.renew(SHORT_LEASE).unwrap();
    assert!(!a.claim("x", SHORT_LEASE).unwrap());
}

#[test]
fn a_finished_execution_is_no_orphan() {
    let Some(db) = test_database("a_finished_execution_is_no_orphan") else {
        return;
    };
    let a = open(&db, SHORT_LEASE);
    let b = open(&db, SHORT_LEASE);
    a.commit(first_delta("done")).unwrap();
    a.commit(first_delta("running")).unwrap();
    a.commit(ExecutionDelta {
        status: "SUCCEEDED".into(),
        end_ms: Some(5),
        record: Some("{\"r\":\"end\"}".into()),
        ..event("done", 2)
    })
    .unwrap();
    // Its last owner may still append to it (captured output after the end).
    a.commit(ExecutionDelta {
        arn: "done".into(),
        status: "SUCCEEDED".into(),
        invocations: vec![(0, "out".into())],
        ..Default::default()
    })
    .unwrap();
    sleep(SHORT_LEASE + Duration::from_millis(300));
    assert_eq!(b.orphans().unwrap(), ["running"]);
    assert_eq!(
        b.load("done").unwrap().unwrap().invocations,
        ["out".to_string()]
    );
}

#[test]
fn the_store_reconnects_after_its_connections_are_killed() {
    let Some(db) = test_database("the_store_reconnects_after_its_connections_are_killed") else {
        return;
    };
    let store = open(&db, DEFAULT_LEASE);
    store.commit(first_delta("a")).unwrap();
    let name = format!("durabox {}", store.owner().unwrap());
    let killed = sql(
        &db,
        &format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = '{name}'"
        ),
    );
    assert_eq!(killed, 2, "the writer's and the reader's connections");
    // The next request may still meet the dead connection (and fail, storing nothing);
    // the ones after it reconnect.
    sleep(Duration::from_millis(200));
    store.commit(event("a", 2)).unwrap();
    assert_eq!(store.load("a").unwrap().unwrap().events, ["e1", "e2"]);
}

/// Runs one query returning a count, on a connection of its own.
fn sql(db: &TestDatabase, query: &str) -> i64 {
    let (url, query) = (db.url.clone(), query.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = schema::connect(&url.parse().unwrap()).await.unwrap();
            client.query_one(&query, &[]).await.unwrap().get(0)
        })
    })
    .join()
    .unwrap()
}

#[test]
fn an_unreachable_database_fails_open_with_its_address() {
    // Port 1 on loopback: nothing listens there.
    let error = PostgresStore::open("postgres://durabox:secret@127.0.0.1:1/none", SHORT_LEASE)
        .err()
        .expect("nothing listens on port 1");
    let text = error.to_string();
    assert!(matches!(error, StoreError::Postgres { .. }), "{text}");
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

#[test]
fn store_spec_takes_postgres_urls() {
    let url = "postgres://u@127.0.0.1:5432/db";
    assert_eq!(StoreSpec::parse(url), Ok(StoreSpec::Postgres(url.into())));
    let url = "postgresql://u@h/db";
    assert_eq!(StoreSpec::parse(url), Ok(StoreSpec::Postgres(url.into())));
    assert!(StoreSpec::parse("postgres:").is_err());
    assert!(StoreSpec::parse("mysql://h/db")
        .unwrap_err()
        .contains("postgres://"));
}

#[test]
fn passwords_are_hidden_in_messages() {
    assert_eq!(redact("postgres://u:pw@h:1/db"), "postgres://u:***@h:1/db");
    assert_eq!(
        redact("postgres://u@h/db?password=pw&options=x"),
        "postgres://u@h/db?password=***&options=x"
    );
    assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
}

#[test]
fn names_are_unique_and_holders_are_found_across_servers() {
    let Some(db) = test_database("names_are_unique_and_holders_are_found_across_servers") else {
        return;
    };
    let (one, two) = (open(&db, DEFAULT_LEASE), open(&db, DEFAULT_LEASE));
    one.advertise("http://one").unwrap();
    two.advertise("http://two").unwrap();
    one.commit(first_delta("a")).unwrap();
    // The same function and name under another ARN: refused, nothing stored.
    let mut again = first_delta("b");
    again.new.as_mut().unwrap().execution_name = "a".into();
    assert!(matches!(
        two.commit(again),
        Err(StoreError::NameTaken { ref execution_name, .. }) if execution_name == "a"
    ));
    assert!(two.load("b").unwrap().is_none());
    assert_eq!(two.find_named("f", "a").unwrap().as_deref(), Some("a"));
    assert_eq!(two.find_named("f", "b").unwrap(), None);
    let heads = two.heads("f").unwrap();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].events.is_empty() && heads[0].record == "{\"r\":1}");
    // Only another server's live lease has a holder.
    assert_eq!(two.holder("a").unwrap().as_deref(), Some("http://one"));
    assert_eq!(one.holder("a").unwrap(), None);
    // Seized from a live lease; the old holder's commits are fenced off.
    assert!(!two.claim("a", DEFAULT_LEASE).unwrap());
    assert!(two.seize("a", DEFAULT_LEASE).unwrap());
    assert_eq!(one.holder("a").unwrap().as_deref(), Some("http://two"));
    assert!(matches!(
        one.commit(event("a", 2)),
        Err(StoreError::LeaseLost { .. })
    ));
}
