//! Deltas the stores' tests share.

use super::{ExecutionDelta, ExecutionStore, NewExecution};

/// A new execution's first delta: record, one operation, event 1.
pub fn first_delta(arn: &str) -> ExecutionDelta {
    ExecutionDelta {
        arn: arn.into(),
        new: Some(NewExecution {
            function_name: "f".into(),
            execution_name: arn.into(),
            start_ms: 1,
            spec: "{\"spec\":1}".into(),
        }),
        status: "RUNNING".into(),
        end_ms: None,
        record: Some("{\"r\":1}".into()),
        operations: vec![(0, "op0".into())],
        events: vec![(1, "e1".into())],
        invocations: vec![],
    }
}

/// Two commits of one execution, then a fresh store on the same data: the parts come
/// back in order, the second commit's record and operations winning; delete forgets it.
pub fn deltas_put_back_together_in_order(reopen: impl Fn() -> Box<dyn ExecutionStore>) {
    let store = reopen();
    store.commit(first_delta("a")).unwrap();
    store
        .commit(ExecutionDelta {
            arn: "a".into(),
            status: "SUCCEEDED".into(),
            end_ms: Some(9),
            record: Some("{\"r\":2}".into()),
            operations: vec![(0, "op0-done".into()), (1, "op1".into())],
            events: vec![(2, "e2".into()), (3, "e3".into())],
            invocations: vec![(0, "out0".into())],
            ..Default::default()
        })
        .unwrap();
    drop(store);
    let store = reopen();
    let loaded = store.load("a").unwrap().expect("stored");
    assert_eq!(loaded.spec, "{\"spec\":1}");
    assert_eq!(loaded.record, "{\"r\":2}");
    assert_eq!(loaded.operations, ["op0-done", "op1"]);
    assert_eq!(loaded.events, ["e1", "e2", "e3"]);
    assert_eq!(loaded.invocations, ["out0"]);
    assert!(store.load("b").unwrap().is_none());
    assert_eq!(store.load_all().unwrap().len(), 1);
    store.delete("a").unwrap();
    assert!(store.load_all().unwrap().is_empty());
}
