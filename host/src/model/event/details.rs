//! [`EventDetails`], the typed body of an event, and the wrappers its payloads, errors and
//! retries come in.

use crate::model::{ErrorObject, Millis};

/// `EventInput` / `EventResult` (and a pause's `Reason`): `{Payload?, Truncated}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPayload {
    /// The payload; None when there was none or it was left out (`truncated`).
    pub payload: Option<String>,
    /// Set when the payload was left out (a history read without execution data).
    pub truncated: bool,
}

impl EventPayload {
    /// A wrapper holding `payload` in full.
    pub fn new(payload: Option<String>) -> Self {
        Self {
            payload,
            truncated: false,
        }
    }
}

/// `EventError`: `{Payload: ErrorObject, Truncated}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventError {
    /// The error; None only in a history read from elsewhere that left it out.
    pub payload: Option<ErrorObject>,
    /// Set when the error was left out.
    pub truncated: bool,
}

impl EventError {
    /// A wrapper holding `error` in full.
    pub fn new(error: ErrorObject) -> Self {
        Self {
            payload: Some(error),
            truncated: false,
        }
    }
}

/// `RetryDetails` of a step attempt's end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetryDetails {
    /// `CurrentAttempt`: the attempt that ended, 1-based (STARTs counted).
    pub current_attempt: u32,
    /// `NextAttemptDelaySeconds`: the delay before the next attempt of a retried step (0
    /// after a final failure); absent on a success.
    pub next_attempt_delay_seconds: Option<u64>,
}

/// The body of an event's `<EventType>Details`, one variant per shape. Each variant's doc
/// names its JSON keys in the order they are written.
///
/// Reading JSON ([`Event::from_json`](super::Event::from_json)) ignores unknown keys; a
/// key the shape always has but the JSON lacks takes its default (0, empty, the event's
/// timestamp), and empty details of a shape with such keys read as [`EventDetails::Empty`]
/// (AWS's testing runners leave empty details out).
#[derive(Clone, Debug, PartialEq)]
pub enum EventDetails {
    /// `{}`: StepStarted, ContextStarted, and empty details read from elsewhere.
    Empty,
    /// ExecutionStarted: `{ExecutionTimeout, Input}`.
    ExecutionStarted {
        /// `ExecutionTimeout`, in seconds.
        execution_timeout: u64,
        /// `Input`: the execution input.
        input: EventPayload,
    },
    /// An end with a result, `{Result?}`: ExecutionSucceeded (no `Result` when the
    /// handler returned none), ContextSucceeded, CallbackSucceeded, ChainedInvokeSucceeded.
    Succeeded {
        /// `Result`.
        result: Option<EventPayload>,
    },
    /// An end with an error, `{Error?}`: ExecutionFailed/TimedOut/Stopped, ContextFailed,
    /// CallbackFailed/TimedOut, ChainedInvokeFailed/TimedOut/Stopped, and WaitCancelled
    /// (an error only when the cancel carried one).
    Failed {
        /// `Error`.
        error: Option<EventError>,
    },
    /// StepSucceeded: `{Result, RetryDetails}`.
    StepSucceeded {
        /// `Result`: the attempt's payload (none for a step without one).
        result: EventPayload,
        /// `RetryDetails`.
        retry_details: RetryDetails,
    },
    /// StepFailed: `{Error, RetryDetails}`.
    StepFailed {
        /// `Error`: the attempt's error.
        error: EventError,
        /// `RetryDetails`.
        retry_details: RetryDetails,
    },
    /// WaitStarted: `{Duration, ScheduledEndTimestamp}`.
    WaitStarted {
        /// `Duration`: the wait's seconds.
        duration: u64,
        /// `ScheduledEndTimestamp`: when the wait ends.
        scheduled_end_timestamp: Millis,
    },
    /// WaitSucceeded: `{Duration}`.
    WaitSucceeded {
        /// `Duration`: whole seconds from the wait's start to its end.
        duration: i64,
    },
    /// CallbackStarted: `{CallbackId, HeartbeatTimeout?, Timeout?}`.
    CallbackStarted {
        /// `CallbackId`: what the answer names.
        callback_id: String,
        /// `HeartbeatTimeout` in seconds, when set.
        heartbeat_timeout: Option<u64>,
        /// `Timeout` in seconds, when set.
        timeout: Option<u64>,
    },
    /// ChainedInvokeStarted: `{DurableExecutionArn?, ExecutedVersion?, FunctionName,
    /// Input?, TenantId?}`.
    ChainedInvokeStarted {
        /// `DurableExecutionArn`: the child execution, when one was started.
        durable_execution_arn: Option<String>,
        /// `ExecutedVersion` of the target, when a child was started.
        executed_version: Option<String>,
        /// `FunctionName` as the update gave it.
        function_name: String,
        /// `Input`: the child's input (none for an unknown target).
        input: Option<EventPayload>,
        /// `TenantId`, when given.
        tenant_id: Option<String>,
    },
    /// InvocationCompleted: `{EndTimestamp, Error?, RequestId, StartTimestamp}`.
    InvocationCompleted {
        /// `EndTimestamp`: when the invocation ended.
        end_timestamp: Millis,
        /// `Error`: why it crashed, when it did.
        error: Option<EventError>,
        /// `RequestId` of the invocation.
        request_id: String,
        /// `StartTimestamp`: when the invocation began.
        start_timestamp: Millis,
    },
    /// ExecutionPaused: `{ExecutionTimeoutPaused, PauseRequestTimestamp, Reason?}`.
    ExecutionPaused {
        /// `ExecutionTimeoutPaused`: whether the execution timeout stands still too.
        execution_timeout_paused: bool,
        /// `PauseRequestTimestamp`.
        pause_request_timestamp: Millis,
        /// `Reason`, when given (never truncated).
        reason: Option<EventPayload>,
    },
    /// ExecutionResumed: `{Reason?, ResumeRequestTimestamp}`.
    ExecutionResumed {
        /// `Reason`, when given (never truncated).
        reason: Option<EventPayload>,
        /// `ResumeRequestTimestamp`.
        resume_request_timestamp: Millis,
    },
}

impl EventDetails {
    /// `Result.Payload`, of an event ending with a result.
    pub fn result_payload(&self) -> Option<&str> {
        let result = match self {
            Self::Succeeded { result } => result.as_ref(),
            Self::StepSucceeded { result, .. } => Some(result),
            _ => None,
        };
        result.and_then(|r| r.payload.as_deref())
    }

    /// `Input.Payload`, of ExecutionStarted and ChainedInvokeStarted.
    pub fn input_payload(&self) -> Option<&str> {
        let input = match self {
            Self::ExecutionStarted { input, .. } => Some(input),
            Self::ChainedInvokeStarted { input, .. } => input.as_ref(),
            _ => None,
        };
        input.and_then(|i| i.payload.as_deref())
    }

    /// `Error.Payload`, of an event ending with an error (or a crashed invocation).
    pub fn error(&self) -> Option<&ErrorObject> {
        let error = match self {
            Self::Failed { error } | Self::InvocationCompleted { error, .. } => error.as_ref(),
            Self::StepFailed { error, .. } => Some(error),
            _ => None,
        };
        error.and_then(|e| e.payload.as_ref())
    }

    /// `RetryDetails`, of a step attempt's end.
    pub fn retry_details(&self) -> Option<&RetryDetails> {
        match self {
            Self::StepSucceeded { retry_details, .. } | Self::StepFailed { retry_details, .. } => {
                Some(retry_details)
            }
            _ => None,
        }
    }

    /// `CallbackId`, of CallbackStarted.
    pub fn callback_id(&self) -> Option<&str> {
        match self {
            Self::CallbackStarted { callback_id, .. } => Some(callback_id),
            _ => None,
        }
    }

    /// `DurableExecutionArn`, of a ChainedInvokeStarted that started a child execution.
    pub fn durable_execution_arn(&self) -> Option<&str> {
        match self {
            Self::ChainedInvokeStarted {
                durable_execution_arn,
                ..
            } => durable_execution_arn.as_deref(),
            _ => None,
        }
    }

    /// `ScheduledEndTimestamp`, of WaitStarted.
    pub fn scheduled_end_timestamp(&self) -> Option<Millis> {
        match self {
            Self::WaitStarted {
                scheduled_end_timestamp,
                ..
            } => Some(*scheduled_end_timestamp),
            _ => None,
        }
    }
}
