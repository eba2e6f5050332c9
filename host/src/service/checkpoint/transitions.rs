//! The state machine of each operation type: which action an update may take from the
//! operation's current status, and the status it leads to (AWS's validator messages).

use super::invalid;
use crate::model::{
    limits, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate,
};
use crate::service::ServiceError;

/// Checks `update.action` against the operation's current status (None = absent) and
/// returns the status it leads to.
pub(super) fn validate_transition(
    update: &OperationUpdate,
    current: Option<Status>,
) -> Result<Option<Status>, ServiceError> {
    match update.op_type {
        Type::Execution => execution_transition(update),
        Type::Step => step_transition(update, current),
        Type::Context => context_transition(update, current),
        Type::Wait => wait_transition(update, current),
        Type::Callback => match update.action {
            Action::Start if current.is_some() => {
                Err(invalid("Cannot start a CALLBACK that already exist."))
            }
            Action::Start => Ok(Some(Status::Started)),
            _ => Err(bad_action()),
        },
        Type::ChainedInvoke => match update.action {
            Action::Start if current.is_some() => Err(invalid(
                "Cannot start a CHAINED_INVOKE operation that already exists.",
            )),
            Action::Start => Ok(Some(Status::Started)),
            _ => Err(bad_action()),
        },
    }
}

fn bad_action() -> ServiceError {
    invalid("Invalid action for the given operation type.")
}

/// EXECUTION updates end the execution (applied when the invocation ends): no status.
fn execution_transition(update: &OperationUpdate) -> Result<Option<Status>, ServiceError> {
    match update.action {
        Action::Succeed if update.error.is_some() => {
            Err(invalid("Cannot provide an Error for SUCCEED action."))
        }
        Action::Fail if update.payload.is_some() => {
            Err(invalid("Cannot provide a Payload for FAIL action."))
        }
        Action::Succeed | Action::Fail => Ok(None),
        _ => Err(bad_action()),
    }
}

/// STEP: started (again once READY), closed while open, or re-attempted after a delay.
fn step_transition(
    update: &OperationUpdate,
    current: Option<Status>,
) -> Result<Option<Status>, ServiceError> {
    let open = matches!(current, None | Some(Status::Started) | Some(Status::Ready));
    match update.action {
        Action::Start if current.is_some() && current != Some(Status::Ready) => {
            Err(invalid("Invalid current STEP state to start."))
        }
        Action::Start => Ok(Some(Status::Started)),
        Action::Succeed | Action::Fail if !open => {
            Err(invalid("Invalid current STEP state to close."))
        }
        Action::Succeed | Action::Fail => close(update),
        Action::Retry if !open => Err(invalid("Invalid current STEP state to re-attempt.")),
        Action::Retry => step_retry(update),
        Action::Cancel => Err(bad_action()),
    }
}

/// A RETRY needs a delay within bounds, and carries an error or a payload, not both.
fn step_retry(update: &OperationUpdate) -> Result<Option<Status>, ServiceError> {
    let delay_ok = update
        .step_options
        .as_ref()
        .is_some_and(|o| (1..=limits::MAX_DELAY_SECONDS).contains(&o.next_attempt_delay_seconds));
    if !delay_ok {
        Err(invalid("Invalid StepOptions for the given action."))
    } else if update.error.is_some() && update.payload.is_some() {
        Err(invalid(
            "Cannot provide both error and payload to RETRY a STEP.",
        ))
    } else {
        Ok(Some(Status::Pending))
    }
}

/// CONTEXT: started once, closed while started.
fn context_transition(
    update: &OperationUpdate,
    current: Option<Status>,
) -> Result<Option<Status>, ServiceError> {
    match update.action {
        Action::Start if current.is_some() => {
            Err(invalid("Cannot start a CONTEXT that already exist."))
        }
        Action::Start => Ok(Some(Status::Started)),
        Action::Succeed | Action::Fail if current.is_some() && current != Some(Status::Started) => {
            Err(invalid("Invalid current CONTEXT state to close."))
        }
        Action::Succeed | Action::Fail => close(update),
        _ => Err(bad_action()),
    }
}

/// A SUCCEED carries no error and a FAIL no payload (STEP and CONTEXT alike).
fn close(update: &OperationUpdate) -> Result<Option<Status>, ServiceError> {
    match update.action {
        Action::Succeed if update.error.is_some() => {
            Err(invalid("Cannot provide an Error for SUCCEED action."))
        }
        Action::Fail if update.payload.is_some() => {
            Err(invalid("Cannot provide a Payload for FAIL action."))
        }
        Action::Succeed => Ok(Some(Status::Succeeded)),
        Action::Fail => Ok(Some(Status::Failed)),
        _ => Err(bad_action()),
    }
}

/// WAIT: started once with a duration within bounds, cancelled while started.
fn wait_transition(
    update: &OperationUpdate,
    current: Option<Status>,
) -> Result<Option<Status>, ServiceError> {
    match update.action {
        Action::Start if current.is_some() => {
            Err(invalid("Cannot start a WAIT that already exist."))
        }
        Action::Start => {
            let secs = update.wait_options.as_ref().map_or(0, |o| o.wait_seconds);
            if (1..=limits::MAX_DELAY_SECONDS).contains(&secs) {
                Ok(Some(Status::Started))
            } else {
                Err(invalid("Invalid WaitOptions for the given action."))
            }
        }
        Action::Cancel if current == Some(Status::Started) => Ok(Some(Status::Cancelled)),
        Action::Cancel => Err(invalid(
            "Cannot cancel a WAIT that does not exist or has already completed.",
        )),
        _ => Err(bad_action()),
    }
}
