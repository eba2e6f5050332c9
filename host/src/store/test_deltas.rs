//! Deltas the stores' tests share.

use super::{ExecutionDelta, NewExecution};

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
