//! AWS `Operation`, the state of one durable operation, and its per-type details.

use serde::{Deserialize, Serialize};

use super::{ErrorObject, Millis, OperationStatus, OperationType};

/// AWS `ExecutionDetails`, on the EXECUTION operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecutionDetails {
    /// `InputPayload`: the execution's input, JSON text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_payload: Option<String>,
}

/// AWS `ContextDetails`, on a CONTEXT operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextDetails {
    /// `ReplayChildren`: the result was too large to store (over 256 KiB), so a replay
    /// re-runs the context's children to rebuild it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay_children: bool,
    /// `Result`: the context's JSON result once it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// `Error`: why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// AWS `StepDetails`, on a STEP operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepDetails {
    /// Completed attempts; the SDK's current attempt is `attempt + 1`.
    pub attempt: u32,
    /// `NextAttemptTimestamp`: when a PENDING step's next attempt is due (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_timestamp: Option<Millis>,
    /// `Result`: the step's JSON result once it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// `Error`: the last attempt's error (kept while a retry is pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// AWS `WaitDetails`, on a WAIT operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitDetails {
    /// `ScheduledEndTimestamp`: when the wait ends (epoch ms, execution clock).
    pub scheduled_end_timestamp: Millis,
}

/// AWS `CallbackDetails`, on a CALLBACK operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackDetails {
    /// `CallbackId`: what SendDurableExecutionCallback{Success,Failure,Heartbeat} name.
    pub callback_id: String,
    /// `Result`: the JSON payload the callback was completed with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// `Error`: the failure it was completed with, or its timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// AWS `ChainedInvokeDetails`, on a CHAINED_INVOKE operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeDetails {
    /// `Result`: the invoked execution's JSON result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// `Error`: how the invoked execution failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// AWS `Operation`: the state of one durable operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
// The details are boxed: an operation holds one of them at most, and inline they made
// `Operation` 704 bytes, moved on every insert and copied on every growth of the list.
pub struct Operation {
    /// `Id`: derived from the operation's position by the SDK's scheme ([`ids`](super::ids)).
    pub id: String,
    /// `ParentId`: the enclosing context's operation id (None at the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `Name`: the name the handler gave the operation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Type`.
    #[serde(rename = "Type")]
    pub op_type: OperationType,
    /// `SubType`: the SDK's finer kind (`"Map"`, `"ParallelBranch"`, `"WaitForCallback"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// `StartTimestamp` (epoch ms, execution clock).
    pub start_timestamp: Millis,
    /// `EndTimestamp`, once the operation ended (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<Millis>,
    /// `Status`.
    pub status: OperationStatus,
    /// Set on the EXECUTION operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_details: Option<Box<ExecutionDetails>>,
    /// Set on CONTEXT operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_details: Option<Box<ContextDetails>>,
    /// Set on STEP operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_details: Option<Box<StepDetails>>,
    /// Set on WAIT operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_details: Option<Box<WaitDetails>>,
    /// Set on CALLBACK operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_details: Option<Box<CallbackDetails>>,
    /// Set on CHAINED_INVOKE operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chained_invoke_details: Option<Box<ChainedInvokeDetails>>,
}

impl Operation {
    /// An operation started at `now` with no parent, name, subtype or details.
    pub(crate) fn new(
        id: String,
        op_type: OperationType,
        status: OperationStatus,
        now: Millis,
    ) -> Self {
        Self {
            id,
            parent_id: None,
            name: None,
            op_type,
            sub_type: None,
            start_timestamp: now,
            end_timestamp: None,
            status,
            execution_details: None,
            context_details: None,
            step_details: None,
            wait_details: None,
            callback_details: None,
            chained_invoke_details: None,
        }
    }

    /// The recorded result payload, whatever the operation type.
    pub fn result(&self) -> Option<&str> {
        let result = match self.op_type {
            OperationType::Step => self.step_details.as_ref().and_then(|d| d.result.as_ref()),
            OperationType::Context => self
                .context_details
                .as_ref()
                .and_then(|d| d.result.as_ref()),
            OperationType::Callback => self
                .callback_details
                .as_ref()
                .and_then(|d| d.result.as_ref()),
            OperationType::ChainedInvoke => self
                .chained_invoke_details
                .as_ref()
                .and_then(|d| d.result.as_ref()),
            OperationType::Execution | OperationType::Wait => None,
        };
        result.map(String::as_str)
    }

    /// The recorded error, whatever the operation type.
    pub fn error(&self) -> Option<&ErrorObject> {
        match self.op_type {
            OperationType::Step => self.step_details.as_ref().and_then(|d| d.error.as_ref()),
            OperationType::Context => self.context_details.as_ref().and_then(|d| d.error.as_ref()),
            OperationType::Callback => self
                .callback_details
                .as_ref()
                .and_then(|d| d.error.as_ref()),
            OperationType::ChainedInvoke => self
                .chained_invoke_details
                .as_ref()
                .and_then(|d| d.error.as_ref()),
            OperationType::Execution | OperationType::Wait => None,
        }
    }
}
