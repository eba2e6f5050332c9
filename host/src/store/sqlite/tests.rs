use super::*;
use crate::store::test_deltas::{self, first_delta};

fn temp_db(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("durabox-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    (dir.join("executions.db"), dir)
}

#[test]
fn a_second_writer_is_refused_until_the_first_closes() {
    let (path, dir) = temp_db("lock");
    let first = SqliteStore::open(&path).unwrap();
    let refused = SqliteStore::open(&path).err().expect("the file is in use");
    assert!(matches!(refused, StoreError::InUse { .. }), "{refused}");
    assert!(refused
        .to_string()
        .contains("in use by another durabox process"));
    drop(first);
    SqliteStore::open(&path).expect("free again");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn deltas_put_back_together_in_order() {
    let (path, dir) = temp_db("deltas");
    test_deltas::deltas_put_back_together_in_order(|| Box::new(SqliteStore::open(&path).unwrap()));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_failed_delta_stores_nothing_and_does_not_sink_the_batch() {
    let (path, dir) = temp_db("failed");
    let store = SqliteStore::open(&path).unwrap();
    store.commit(first_delta("a")).unwrap();
    // The same event id twice breaks the primary key: this delta must leave no trace.
    let clash = ExecutionDelta {
        arn: "a".into(),
        status: "RUNNING".into(),
        record: Some("{\"r\":\"lost\"}".into()),
        operations: vec![(1, "op1".into())],
        events: vec![(1, "again".into())],
        ..Default::default()
    };
    let error = store.commit(clash).unwrap_err();
    assert!(matches!(error, StoreError::Write { .. }), "{error}");
    store.commit(first_delta("b")).unwrap();
    let a = store.load("a").unwrap().unwrap();
    assert_eq!(
        (a.record.as_str(), a.operations.len(), a.events.as_slice()),
        ("{\"r\":1}", 1, ["e1".to_string()].as_slice())
    );
    assert_eq!(store.load_all().unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_lock_held_by_another_process_fails_the_commit_after_the_busy_timeout() {
    let (path, dir) = temp_db("busy");
    let store = SqliteStore::open(&path).unwrap();
    store.commit(first_delta("a")).unwrap();
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let error = store.commit(first_delta("b")).unwrap_err();
    assert!(error.to_string().contains("locked"), "{error}");
    other.execute_batch("ROLLBACK").unwrap();
    store.commit(first_delta("b")).unwrap();
    assert_eq!(store.load_all().unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn concurrent_commits_all_land() {
    let (path, dir) = temp_db("group");
    let store = std::sync::Arc::new(SqliteStore::open(&path).unwrap());
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let arn = format!("x{t}");
                store.commit(first_delta(&arn)).unwrap();
                for seq in 2..=20u64 {
                    let delta = ExecutionDelta {
                        arn: arn.clone(),
                        status: "RUNNING".into(),
                        events: vec![(seq, format!("e{seq}"))],
                        ..Default::default()
                    };
                    store.commit(delta).unwrap();
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
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_single_writer_store_owns_every_execution() {
    let (path, dir) = temp_db("owner");
    let store = SqliteStore::open(&path).unwrap();
    store.commit(first_delta("a")).unwrap();
    assert_eq!(store.owner(), None);
    assert_eq!(store.lease(), None);
    assert!(store.claim("a", Duration::from_secs(1)).unwrap());
    store.renew(Duration::from_secs(1)).unwrap();
    assert!(store.orphans().unwrap().is_empty());
    std::fs::remove_dir_all(&dir).ok();
}
