//! The AWS durable execution data model (botocore `lambda-service-2.json`), free of
//! wasmtime so the service and the replay engine can be tested alone.
//!
//! Timestamps are epoch milliseconds ([`Millis`]); the invocation envelope carries them as
//! integers and the HTTP API converts them to epoch seconds.

pub mod event;
pub mod history;
pub mod ids;
pub mod mocks;

use serde::{Deserialize, Serialize};

pub use event::{Event, EventType};

/// Epoch milliseconds.
pub type Millis = i64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    Execution,
    Context,
    Step,
    Wait,
    Callback,
    ChainedInvoke,
}

impl OperationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Execution => "EXECUTION",
            Self::Context => "CONTEXT",
            Self::Step => "STEP",
            Self::Wait => "WAIT",
            Self::Callback => "CALLBACK",
            Self::ChainedInvoke => "CHAINED_INVOKE",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationAction {
    Start,
    Succeed,
    Fail,
    Retry,
    Cancel,
}

impl OperationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "START",
            Self::Succeed => "SUCCEED",
            Self::Fail => "FAIL",
            Self::Retry => "RETRY",
            Self::Cancel => "CANCEL",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    Started,
    Pending,
    Ready,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    Stopped,
}

impl OperationStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Cancelled | Self::TimedOut | Self::Stopped
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Stopped,
}

impl ExecutionStatus {
    pub fn is_terminal(self) -> bool {
        self != Self::Running
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::TimedOut => "TIMED_OUT",
            Self::Stopped => "STOPPED",
        }
    }
}

/// AWS `ErrorObject`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorObject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<Vec<String>>,
}

impl ErrorObject {
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_type: Some(error_type.into()),
            error_message: Some(message.into()),
            ..Self::default()
        }
    }

    /// Serialized length, the measure AWS limits apply to.
    pub fn json_len(&self) -> usize {
        serde_json::to_string(self).map(|s| s.len()).unwrap_or(0)
    }
}

impl std::fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.error_type.as_deref().unwrap_or("Error");
        match &self.error_message {
            Some(message) => write!(f, "{kind}: {message}"),
            None => f.write_str(kind),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecutionDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_payload: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextDetails {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay_children: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepDetails {
    /// Completed attempts; the SDK's current attempt is `attempt + 1`.
    pub attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_timestamp: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitDetails {
    pub scheduled_end_timestamp: Millis,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackDetails {
    pub callback_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// AWS `Operation`: the state of one durable operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Operation {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub op_type: OperationType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    pub start_timestamp: Millis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_timestamp: Option<Millis>,
    pub status: OperationStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_details: Option<ExecutionDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_details: Option<ContextDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_details: Option<StepDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_details: Option<WaitDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_details: Option<CallbackDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chained_invoke_details: Option<ChainedInvokeDetails>,
}

impl Operation {
    pub fn new(id: String, op_type: OperationType, status: OperationStatus, now: Millis) -> Self {
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

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextOptions {
    #[serde(default)]
    pub replay_children: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepOptions {
    pub next_attempt_delay_seconds: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitOptions {
    pub wait_seconds: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackOptions {
    #[serde(default)]
    pub timeout_seconds: u64,
    #[serde(default)]
    pub heartbeat_timeout_seconds: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeOptions {
    pub function_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// AWS `OperationUpdate`: one element of a CheckpointDurableExecution request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationUpdate {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Type")]
    pub op_type: OperationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    pub action: OperationAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_options: Option<ContextOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_options: Option<StepOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_options: Option<WaitOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_options: Option<CallbackOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_options: Option<ChainedInvokeOptions>,
}

impl OperationUpdate {
    /// An update with only identity and action set.
    pub fn new(id: impl Into<String>, op_type: OperationType, action: OperationAction) -> Self {
        Self {
            id: id.into(),
            parent_id: None,
            name: None,
            op_type,
            sub_type: None,
            action,
            payload: None,
            error: None,
            context_options: None,
            step_options: None,
            wait_options: None,
            callback_options: None,
            chained_invoke_options: None,
        }
    }
}

/// A log line written by guest code through its durable context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub level: String,
    pub message: String,
    /// The operation the line belongs to: the step whose body logged it, else the
    /// context's operation (None = root).
    pub context_id: Option<String>,
    /// Operations issued in that context so far: where in the handler the line was logged.
    pub position: u32,
    /// Bytes the guest had written to stdout before this line: orders the two streams
    /// when both go to one log (as Lambda sends both to CloudWatch).
    #[serde(default)]
    pub stdout_offset: usize,
}

/// A read of a nondeterministic source (clock, random) outside any step body: on AWS a
/// replay sees a different value there. Reported by the determinism lint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeterminismWarning {
    /// `wall-clock` or `random`.
    pub source: String,
    /// The last operation issued before the read (None = before the first one).
    pub after_operation: Option<String>,
    /// How many operations the invocation had issued before the read.
    pub operations_before: u32,
    /// Reads at this position.
    pub count: u32,
}

/// Payload and size limits AWS enforces (reference §1.9).
pub mod limits {
    /// Operation payloads other than a synchronous execution result.
    pub const MAX_OPERATION_PAYLOAD: usize = 1024 * 1024;
    /// Synchronous EXECUTION result.
    pub const MAX_EXECUTION_PAYLOAD: usize = 6 * 1024 * 1024;
    /// Serialized ErrorObject (the testing SDK's cap).
    pub const MAX_ERROR_OBJECT: usize = 32768;
    /// Child context results longer than this are checkpointed with ReplayChildren.
    pub const REPLAY_CHILDREN_THRESHOLD: usize = 256 * 1024;
    /// Wait and retry delays.
    pub const MAX_DELAY_SECONDS: u64 = 31_622_400;
    /// An operation id (and parent id), in characters.
    pub const MAX_OPERATION_ID_CHARS: usize = 64;
    /// An operation name, in characters.
    pub const MAX_OPERATION_NAME_CHARS: usize = 256;
    /// An operation subtype, in characters.
    pub const MAX_OPERATION_SUB_TYPE_CHARS: usize = 32;
    /// durabox's own bound (not AWS's) on what one execution may hold in the host: each
    /// accepted operation update counts its payload and error bytes plus
    /// [`HELD_BYTES_PER_UPDATE`]; past this the checkpoint is refused and the execution
    /// fails, so no handler can grow the host without limit.
    pub const MAX_EXECUTION_HELD_BYTES: u64 = 1 << 30;
    /// The host's cost of one update besides its payloads (operation, event, indexes).
    pub const HELD_BYTES_PER_UPDATE: u64 = 4096;
}
