//! The AWS durable execution data model (botocore `lambda-service-2.json`), free of
//! wasmtime so the service and the replay engine can be tested alone.
//!
//! Timestamps are epoch milliseconds ([`Millis`]); the invocation envelope carries them as
//! integers and the HTTP API converts them to epoch seconds.

pub mod event;
pub mod history;
pub mod ids;
pub mod mocks;
mod operation;

use serde::{Deserialize, Serialize};

pub use event::{Event, EventDetails, EventError, EventPayload, EventType, RetryDetails};
pub use operation::{
    CallbackDetails, ChainedInvokeDetails, ContextDetails, ExecutionDetails, Operation,
    StepDetails, WaitDetails,
};

/// Epoch milliseconds.
pub type Millis = i64;

/// AWS `OperationType`: what kind of durable operation an [`Operation`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    /// The execution itself: the first operation, holding the input payload.
    Execution,
    /// A child context (also a map/parallel container or branch, by subtype).
    Context,
    /// A step: a body run by the guest, with retries.
    Step,
    /// A durable wait (sleep) until a timestamp.
    Wait,
    /// A callback an outside system completes by its callback id.
    Callback,
    /// An invocation of another durable function.
    ChainedInvoke,
}

impl OperationType {
    /// The AWS wire name (`"CHAINED_INVOKE"`).
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

/// AWS `OperationAction`: what an [`OperationUpdate`] does to its operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationAction {
    /// Creates the operation (or starts a step's next attempt).
    Start,
    /// Completes it with a result payload.
    Succeed,
    /// Completes it with an error.
    Fail,
    /// Ends a step attempt (or condition check) and schedules the next one after a delay.
    Retry,
    /// Cancels a started WAIT.
    Cancel,
}

impl OperationAction {
    /// The AWS wire name (`"SUCCEED"`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Start => "START",
            Self::Succeed => "SUCCEED",
            Self::Fail => "FAIL",
            Self::Retry => "RETRY",
            Self::Cancel => "CANCEL",
        }
    }
}

/// AWS `OperationStatus`: where an [`Operation`] stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    /// Running: a step attempt, a context's body, a wait's timer, a pending callback.
    Started,
    /// A step (or condition check) waiting for its retry delay to pass.
    Pending,
    /// A step whose retry delay has passed: the next attempt may run.
    Ready,
    /// Completed with a result.
    Succeeded,
    /// Completed with an error.
    Failed,
    /// A WAIT cancelled before its end.
    Cancelled,
    /// A callback, chained invoke or the EXECUTION operation whose timeout passed.
    TimedOut,
    /// The EXECUTION operation (or a chained invoke's) of a stopped execution.
    Stopped,
}

impl OperationStatus {
    /// Whether the operation has ended (no further transition is possible).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Cancelled | Self::TimedOut | Self::Stopped
        )
    }
}

/// AWS `ExecutionStatus`: where a durable execution stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Not ended: invoking the handler or suspended until a timer or callback.
    Running,
    /// The handler returned a result.
    Succeeded,
    /// The handler failed, or the host failed the execution (crashes, limits).
    Failed,
    /// The execution timeout (`ExecutionTimeout`) passed first.
    TimedOut,
    /// StopDurableExecution ended it.
    Stopped,
}

impl ExecutionStatus {
    /// Whether the execution has ended (anything but [`ExecutionStatus::Running`]).
    pub fn is_terminal(self) -> bool {
        self != Self::Running
    }
    /// The AWS wire name (`"TIMED_OUT"`).
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
    /// `ErrorMessage`: the human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `ErrorType`: the error's class or kind (`"ValueError"`, `"Sandbox.Timedout"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// `ErrorData`: extra data the SDK serialized with the error, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_data: Option<String>,
    /// `StackTrace`: one frame per line, as the guest reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<Vec<String>>,
}

impl ErrorObject {
    /// An error with only its type and message set.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_type: Some(error_type.into()),
            error_message: Some(message.into()),
            ..Self::default()
        }
    }

    /// Serialized length, the measure AWS limits apply to.
    pub(crate) fn json_len(&self) -> usize {
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

/// AWS `ContextOptions`, on a CONTEXT update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContextOptions {
    /// `ReplayChildren`: the result is not stored; a replay re-runs the children.
    #[serde(default)]
    pub replay_children: bool,
}

/// AWS `StepOptions`, on a STEP `RETRY` update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepOptions {
    /// `NextAttemptDelaySeconds`: how long the step stays PENDING before its next attempt.
    pub next_attempt_delay_seconds: u64,
}

/// AWS `WaitOptions`, on a WAIT `START` update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitOptions {
    /// `WaitSeconds`: 1 to 31,622,400 (366 days).
    pub wait_seconds: u64,
}

/// AWS `CallbackOptions`, on a CALLBACK `START` update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallbackOptions {
    /// `TimeoutSeconds`: the callback times out this long after it started (0: never).
    #[serde(default)]
    pub timeout_seconds: u64,
    /// `HeartbeatTimeoutSeconds`: it times out when no heartbeat arrives for this long
    /// (0: no heartbeat needed).
    #[serde(default)]
    pub heartbeat_timeout_seconds: u64,
}

/// AWS `ChainedInvokeOptions`, on a CHAINED_INVOKE `START` update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChainedInvokeOptions {
    /// `FunctionName`: the durable function to invoke (a name or an ARN).
    pub function_name: String,
    /// `TenantId`, passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
}

/// AWS `OperationUpdate`: one element of a CheckpointDurableExecution request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationUpdate {
    /// `Id` of the operation to create or change.
    pub id: String,
    /// `ParentId`: the enclosing context's operation id (None at the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// `Name` the handler gave the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Type`.
    #[serde(rename = "Type")]
    pub op_type: OperationType,
    /// `SubType` (at most 32 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// `Action`.
    pub action: OperationAction,
    /// `Payload`: the JSON result of a `SUCCEED` (or a step's checkpointed state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// `Error` of a `FAIL` or `RETRY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
    /// For CONTEXT updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_options: Option<ContextOptions>,
    /// For STEP `RETRY` updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_options: Option<StepOptions>,
    /// For WAIT `START` updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_options: Option<WaitOptions>,
    /// For CALLBACK `START` updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_options: Option<CallbackOptions>,
    /// For CHAINED_INVOKE `START` updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chained_invoke_options: Option<ChainedInvokeOptions>,
}

impl OperationUpdate {
    /// An update with only identity and action set.
    pub(crate) fn new(
        id: impl Into<String>,
        op_type: OperationType,
        action: OperationAction,
    ) -> Self {
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
    /// `DEBUG`, `INFO`, `WARN` or `ERROR`.
    pub level: String,
    /// The text; a longer one than [`MAX_LOG_LINE_BYTES`](crate::replay::MAX_LOG_LINE_BYTES)
    /// is cut there and marked `… [truncated, N bytes]`.
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
pub(crate) mod limits {
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
