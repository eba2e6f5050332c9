//! Unit tests of checkpoint validation and processing, timers and callbacks, against
//! the validator messages of the AWS testing SDK (reference §4.5). One file per topic;
//! this one holds the fixtures they share.

mod callbacks;
mod chained_invoke;
mod history_snapshots;
mod lifecycle;
mod steps;
mod timers;
mod validation;

use super::*;
use crate::model::{
    EventType, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate, StepOptions, WaitOptions,
};

fn execution() -> Execution {
    Execution::new(ExecutionSpec::for_tests())
}

fn update(id: &str, op_type: Type, action: Action) -> OperationUpdate {
    OperationUpdate::new(id, op_type, action)
}

fn rejected(execution: &mut Execution, updates: &[OperationUpdate]) -> String {
    match execution.apply_checkpoint(updates) {
        Err(ServiceError::InvalidParameterValue(message)) => message,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn retry(id: &str, delay: u64) -> OperationUpdate {
    let mut u = update(id, Type::Step, Action::Retry);
    u.error = Some(ErrorObject::new("E", "boom"));
    u.step_options = Some(StepOptions {
        next_attempt_delay_seconds: delay,
    });
    u
}

/// The callback id the service gave operation `op`.
fn callback_id_of(e: &Execution, op: &str) -> String {
    let details = e.operation(op).unwrap().callback_details.as_ref();
    details.unwrap().callback_id.clone()
}
