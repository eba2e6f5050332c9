//! History events as `GetDurableExecutionHistory` returns them (reference conformance §4).
//!
//! An [`Event`]'s details are typed ([`EventDetails`], one variant per shape) and written
//! straight from their fields to the JSON AWS sends: the keys of a details object, and of
//! the error objects in it, in alphabetical order; timestamps as epoch seconds
//! ([`seconds`]); payloads in `{Payload?, Truncated}` wrappers.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::history::timestamp_millis;
use super::{ErrorObject, Millis};

/// Declares [`EventType`] with its wire name and the key of its details object.
macro_rules! event_types {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// AWS `EventType`: what happened.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
        pub enum EventType {
            $($(#[$doc])* $name,)*
        }

        impl EventType {
            /// Every event type, in the order AWS's model lists them.
            pub const ALL: &'static [EventType] = &[$(Self::$name,)*];

            /// The wire name (`"StepSucceeded"`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)*
                }
            }

            /// The key of the event's details object (`"StepSucceededDetails"`).
            fn details_key(self) -> &'static str {
                match self {
                    $(Self::$name => concat!(stringify!($name), "Details"),)*
                }
            }
        }
    };
}

event_types! {
    /// The execution began (always event 1).
    ExecutionStarted,
    /// The execution ended with a result.
    ExecutionSucceeded,
    /// The execution ended with an error.
    ExecutionFailed,
    /// The execution's timeout passed.
    ExecutionTimedOut,
    /// StopDurableExecution ended the execution.
    ExecutionStopped,
    /// A child context began.
    ContextStarted,
    /// A child context completed with a result.
    ContextSucceeded,
    /// A child context completed with an error.
    ContextFailed,
    /// A wait began.
    WaitStarted,
    /// A wait's time passed.
    WaitSucceeded,
    /// A wait was cancelled.
    WaitCancelled,
    /// A step attempt began.
    StepStarted,
    /// A step attempt ended with a result (also a RETRY carrying a payload).
    StepSucceeded,
    /// A step attempt ended with an error (retried or final).
    StepFailed,
    /// A chained invoke began.
    ChainedInvokeStarted,
    /// A chained invoke's target succeeded.
    ChainedInvokeSucceeded,
    /// A chained invoke's target failed (or was not found).
    ChainedInvokeFailed,
    /// A chained invoke's target timed out.
    ChainedInvokeTimedOut,
    /// A chained invoke's target was stopped.
    ChainedInvokeStopped,
    /// A callback began waiting for its answer.
    CallbackStarted,
    /// A callback was answered with a result.
    CallbackSucceeded,
    /// A callback was answered with an error.
    CallbackFailed,
    /// A callback's timeout or heartbeat timeout passed.
    CallbackTimedOut,
    /// One invocation of the handler ended.
    InvocationCompleted,
    /// PauseDurableExecution held invocations back.
    ExecutionPaused,
    /// ResumeDurableExecution let invocations run again.
    ExecutionResumed,
}

impl EventType {
    /// Whether the event ends the execution.
    pub fn is_execution_terminal(self) -> bool {
        matches!(
            self,
            Self::ExecutionSucceeded
                | Self::ExecutionFailed
                | Self::ExecutionTimedOut
                | Self::ExecutionStopped
        )
    }
}

/// One history event: identity, time, and the body of its `<EventType>Details`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// What happened.
    pub event_type: EventType,
    /// 1, 2, 3, … in the order events were appended.
    pub event_id: u64,
    /// When it happened.
    pub timestamp: Millis,
    /// The operation's id (the execution's invocation id on execution events).
    pub id: Option<String>,
    /// The operation's name.
    pub name: Option<String>,
    /// The enclosing context's operation id.
    pub parent_id: Option<String>,
    /// The operation's subtype (`Step`, `Wait`, `RunInChildContext`, …).
    pub sub_type: Option<String>,
    /// The body of `<EventType>Details`, always written (`{}` when empty).
    pub details: EventDetails,
}

/// Epoch milliseconds as the epoch-seconds number rest-json uses.
pub fn seconds(ms: Millis) -> Value {
    json!(to_seconds(ms))
}

fn to_seconds(ms: Millis) -> f64 {
    ms as f64 / 1000.0
}

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
/// Reading JSON ([`Event::from_json`]) ignores unknown keys; a key the shape always
/// has but the JSON lacks takes its default (0, empty, the event's timestamp), and empty
/// details of a shape with such keys read as [`EventDetails::Empty`] (AWS's testing
/// runners leave empty details out).
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

impl Event {
    /// The event as JSON. Without execution data, input and result payloads are dropped
    /// and marked `Truncated` as AWS does; error payloads are always kept.
    pub fn to_json(&self, include_execution_data: bool) -> Value {
        let json = EventJson {
            event: self,
            with_data: include_execution_data,
        };
        // Only string keys and finite numbers: the conversion cannot fail.
        serde_json::to_value(json).unwrap_or(Value::Null)
    }

    /// Parses an event from its API JSON (the inverse of [`Event::to_json`] with data), as
    /// durabox, the stores, the AWS CLI, boto3 and AWS's testing runners write it. Unknown
    /// keys are ignored; see [`EventDetails`] for details that lack keys.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let event_type = EventType::deserialize(&value["EventType"])
            .map_err(|e| format!("bad EventType: {e}"))?;
        let timestamp = value["EventTimestamp"]
            .as_f64()
            .ok_or("EventTimestamp missing")?;
        let timestamp = (timestamp * 1000.0).round() as Millis;
        let details_key = event_type.details_key();
        // AWS's testing runner leaves out empty details (InvocationCompleted).
        let details = match value.get(details_key) {
            Some(Value::Object(map)) => read_details(event_type, map, timestamp),
            None | Some(Value::Null) => empty_details(event_type),
            Some(_) => return Err(format!("{details_key} is not an object")),
        };
        Ok(Self {
            event_type,
            event_id: value["EventId"].as_u64().ok_or("EventId missing")?,
            timestamp,
            id: text("Id"),
            name: text("Name"),
            parent_id: text("ParentId"),
            sub_type: text("SubType"),
            details,
        })
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Event::from_json(&value).map_err(serde::de::Error::custom)
    }
}

/// Streams the event's API JSON (with data) without building a `Value` first: the store
/// serializes every event once.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EventJson {
            event: self,
            with_data: true,
        }
        .serialize(serializer)
    }
}

/// An event written as JSON, with or without execution data.
struct EventJson<'a> {
    event: &'a Event,
    with_data: bool,
}

impl Serialize for EventJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.event;
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("EventType", event.event_type.as_str())?;
        if let Some(sub_type) = &event.sub_type {
            out.serialize_entry("SubType", sub_type)?;
        }
        out.serialize_entry("EventId", &event.event_id)?;
        if let Some(id) = &event.id {
            out.serialize_entry("Id", id)?;
        }
        if let Some(name) = &event.name {
            out.serialize_entry("Name", name)?;
        }
        out.serialize_entry("EventTimestamp", &to_seconds(event.timestamp))?;
        if let Some(parent_id) = &event.parent_id {
            out.serialize_entry("ParentId", parent_id)?;
        }
        let details = DetailsJson {
            details: &event.details,
            with_data: self.with_data,
        };
        out.serialize_entry(event.event_type.details_key(), &details)?;
        out.end()
    }
}

/// An event's details object, keys in alphabetical order (as AWS writes them).
struct DetailsJson<'a> {
    details: &'a EventDetails,
    with_data: bool,
}

impl Serialize for DetailsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use EventDetails as D;
        let data = self.with_data;
        // Input and result payloads may be left out; a pause's reason is always kept.
        let data_payload = |p| PayloadJson {
            payload: p,
            keep: data,
        };
        let kept_payload = |p| PayloadJson {
            payload: p,
            keep: true,
        };
        let mut out = serializer.serialize_map(None)?;
        match self.details {
            D::Empty => {}
            D::ExecutionStarted {
                execution_timeout,
                input,
            } => {
                out.serialize_entry("ExecutionTimeout", execution_timeout)?;
                out.serialize_entry("Input", &data_payload(input))?;
            }
            D::Succeeded { result } => {
                if let Some(result) = result {
                    out.serialize_entry("Result", &data_payload(result))?;
                }
            }
            D::Failed { error } => {
                if let Some(error) = error {
                    out.serialize_entry("Error", &ErrorJson(error))?;
                }
            }
            D::StepSucceeded {
                result,
                retry_details,
            } => {
                out.serialize_entry("Result", &data_payload(result))?;
                out.serialize_entry("RetryDetails", &RetryJson(retry_details))?;
            }
            D::StepFailed {
                error,
                retry_details,
            } => {
                out.serialize_entry("Error", &ErrorJson(error))?;
                out.serialize_entry("RetryDetails", &RetryJson(retry_details))?;
            }
            D::WaitStarted {
                duration,
                scheduled_end_timestamp,
            } => {
                out.serialize_entry("Duration", duration)?;
                out.serialize_entry(
                    "ScheduledEndTimestamp",
                    &to_seconds(*scheduled_end_timestamp),
                )?;
            }
            D::WaitSucceeded { duration } => out.serialize_entry("Duration", duration)?,
            D::CallbackStarted {
                callback_id,
                heartbeat_timeout,
                timeout,
            } => {
                out.serialize_entry("CallbackId", callback_id)?;
                if let Some(heartbeat_timeout) = heartbeat_timeout {
                    out.serialize_entry("HeartbeatTimeout", heartbeat_timeout)?;
                }
                if let Some(timeout) = timeout {
                    out.serialize_entry("Timeout", timeout)?;
                }
            }
            D::ChainedInvokeStarted {
                durable_execution_arn,
                executed_version,
                function_name,
                input,
                tenant_id,
            } => {
                if let Some(arn) = durable_execution_arn {
                    out.serialize_entry("DurableExecutionArn", arn)?;
                }
                if let Some(version) = executed_version {
                    out.serialize_entry("ExecutedVersion", version)?;
                }
                out.serialize_entry("FunctionName", function_name)?;
                if let Some(input) = input {
                    out.serialize_entry("Input", &data_payload(input))?;
                }
                if let Some(tenant_id) = tenant_id {
                    out.serialize_entry("TenantId", tenant_id)?;
                }
            }
            D::InvocationCompleted {
                end_timestamp,
                error,
                request_id,
                start_timestamp,
            } => {
                out.serialize_entry("EndTimestamp", &to_seconds(*end_timestamp))?;
                if let Some(error) = error {
                    out.serialize_entry("Error", &ErrorJson(error))?;
                }
                out.serialize_entry("RequestId", request_id)?;
                out.serialize_entry("StartTimestamp", &to_seconds(*start_timestamp))?;
            }
            D::ExecutionPaused {
                execution_timeout_paused,
                pause_request_timestamp,
                reason,
            } => {
                out.serialize_entry("ExecutionTimeoutPaused", execution_timeout_paused)?;
                out.serialize_entry(
                    "PauseRequestTimestamp",
                    &to_seconds(*pause_request_timestamp),
                )?;
                if let Some(reason) = reason {
                    out.serialize_entry("Reason", &kept_payload(reason))?;
                }
            }
            D::ExecutionResumed {
                reason,
                resume_request_timestamp,
            } => {
                if let Some(reason) = reason {
                    out.serialize_entry("Reason", &kept_payload(reason))?;
                }
                out.serialize_entry(
                    "ResumeRequestTimestamp",
                    &to_seconds(*resume_request_timestamp),
                )?;
            }
        }
        out.end()
    }
}

/// `{Payload?, Truncated}`; without `keep` a payload is left out and marked truncated.
struct PayloadJson<'a> {
    payload: &'a EventPayload,
    keep: bool,
}

impl Serialize for PayloadJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        let mut truncated = self.payload.truncated;
        if let Some(payload) = &self.payload.payload {
            if self.keep {
                out.serialize_entry("Payload", payload)?;
            } else {
                truncated = true;
            }
        }
        out.serialize_entry("Truncated", &truncated)?;
        out.end()
    }
}

/// `{Payload: ErrorObject, Truncated}`, the error's keys in alphabetical order.
struct ErrorJson<'a>(&'a EventError);

impl Serialize for ErrorJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        if let Some(error) = &self.0.payload {
            out.serialize_entry("Payload", &SortedError(error))?;
        }
        out.serialize_entry("Truncated", &self.0.truncated)?;
        out.end()
    }
}

/// An [`ErrorObject`] with its keys in alphabetical order.
struct SortedError<'a>(&'a ErrorObject);

impl Serialize for SortedError<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let error = self.0;
        let mut out = serializer.serialize_map(None)?;
        if let Some(data) = &error.error_data {
            out.serialize_entry("ErrorData", data)?;
        }
        if let Some(message) = &error.error_message {
            out.serialize_entry("ErrorMessage", message)?;
        }
        if let Some(kind) = &error.error_type {
            out.serialize_entry("ErrorType", kind)?;
        }
        if let Some(trace) = &error.stack_trace {
            out.serialize_entry("StackTrace", trace)?;
        }
        out.end()
    }
}

/// `{CurrentAttempt, NextAttemptDelaySeconds?}`.
struct RetryJson<'a>(&'a RetryDetails);

impl Serialize for RetryJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("CurrentAttempt", &self.0.current_attempt)?;
        if let Some(delay) = &self.0.next_attempt_delay_seconds {
            out.serialize_entry("NextAttemptDelaySeconds", delay)?;
        }
        out.end()
    }
}

/// The details of an event whose JSON has none: the event type's shape when every key of
/// it may be absent, else [`EventDetails::Empty`].
fn empty_details(event_type: EventType) -> EventDetails {
    use EventType as T;
    match event_type {
        T::ExecutionSucceeded
        | T::ContextSucceeded
        | T::CallbackSucceeded
        | T::ChainedInvokeSucceeded => EventDetails::Succeeded { result: None },
        T::ExecutionFailed
        | T::ExecutionTimedOut
        | T::ExecutionStopped
        | T::ContextFailed
        | T::WaitCancelled
        | T::CallbackFailed
        | T::CallbackTimedOut
        | T::ChainedInvokeFailed
        | T::ChainedInvokeTimedOut
        | T::ChainedInvokeStopped => EventDetails::Failed { error: None },
        _ => EventDetails::Empty,
    }
}

/// Reads a details object leniently: unknown keys are ignored, missing or malformed ones
/// take their default (`timestamp` for a missing timestamp).
fn read_details(
    event_type: EventType,
    map: &Map<String, Value>,
    timestamp: Millis,
) -> EventDetails {
    use EventType as T;
    if map.is_empty() {
        return empty_details(event_type);
    }
    let fields = Fields(map);
    let millis = |key| fields.millis(key).unwrap_or(timestamp);
    match event_type {
        T::ExecutionStarted => EventDetails::ExecutionStarted {
            execution_timeout: fields.u64("ExecutionTimeout").unwrap_or(0),
            input: fields.payload("Input").unwrap_or_default(),
        },
        T::StepStarted | T::ContextStarted => EventDetails::Empty,
        T::StepSucceeded => EventDetails::StepSucceeded {
            result: fields.payload("Result").unwrap_or_default(),
            retry_details: fields.retry_details(),
        },
        T::StepFailed => EventDetails::StepFailed {
            error: fields.error().unwrap_or_default(),
            retry_details: fields.retry_details(),
        },
        T::WaitStarted => EventDetails::WaitStarted {
            duration: fields.u64("Duration").unwrap_or(0),
            scheduled_end_timestamp: millis("ScheduledEndTimestamp"),
        },
        T::WaitSucceeded => EventDetails::WaitSucceeded {
            duration: fields.i64("Duration").unwrap_or(0),
        },
        T::CallbackStarted => EventDetails::CallbackStarted {
            callback_id: fields.string("CallbackId").unwrap_or_default(),
            heartbeat_timeout: fields.u64("HeartbeatTimeout"),
            timeout: fields.u64("Timeout"),
        },
        T::ChainedInvokeStarted => EventDetails::ChainedInvokeStarted {
            durable_execution_arn: fields.string("DurableExecutionArn"),
            executed_version: fields.string("ExecutedVersion"),
            function_name: fields.string("FunctionName").unwrap_or_default(),
            input: fields.payload("Input"),
            tenant_id: fields.string("TenantId"),
        },
        T::InvocationCompleted => EventDetails::InvocationCompleted {
            end_timestamp: millis("EndTimestamp"),
            error: fields.error(),
            request_id: fields.string("RequestId").unwrap_or_default(),
            start_timestamp: millis("StartTimestamp"),
        },
        T::ExecutionPaused => EventDetails::ExecutionPaused {
            execution_timeout_paused: fields.bool("ExecutionTimeoutPaused").unwrap_or(false),
            pause_request_timestamp: millis("PauseRequestTimestamp"),
            reason: fields.payload("Reason"),
        },
        T::ExecutionResumed => EventDetails::ExecutionResumed {
            reason: fields.payload("Reason"),
            resume_request_timestamp: millis("ResumeRequestTimestamp"),
        },
        _ => match empty_details(event_type) {
            EventDetails::Succeeded { .. } => EventDetails::Succeeded {
                result: fields.payload("Result"),
            },
            _ => EventDetails::Failed {
                error: fields.error(),
            },
        },
    }
}

/// The keys of a details object read from JSON.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn string(&self, key: &str) -> Option<String> {
        self.0.get(key)?.as_str().map(str::to_owned)
    }

    fn u64(&self, key: &str) -> Option<u64> {
        self.0.get(key)?.as_u64()
    }

    fn i64(&self, key: &str) -> Option<i64> {
        self.0.get(key)?.as_i64()
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.0.get(key)?.as_bool()
    }

    /// A timestamp in any form [`timestamp_millis`] reads.
    fn millis(&self, key: &str) -> Option<Millis> {
        timestamp_millis(self.0.get(key)?)
    }

    /// A `{Payload?, Truncated}` wrapper (None unless `key` holds an object).
    fn payload(&self, key: &str) -> Option<EventPayload> {
        let wrapper = self.0.get(key)?.as_object()?;
        Some(EventPayload {
            payload: wrapper
                .get("Payload")
                .and_then(Value::as_str)
                .map(str::to_owned),
            truncated: wrapper
                .get("Truncated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// The `Error` wrapper (None unless it holds an object); a payload that is no
    /// ErrorObject reads as none.
    fn error(&self) -> Option<EventError> {
        let wrapper = self.0.get("Error")?.as_object()?;
        Some(EventError {
            payload: wrapper
                .get("Payload")
                .and_then(|p| ErrorObject::deserialize(p).ok()),
            truncated: wrapper
                .get("Truncated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    fn retry_details(&self) -> RetryDetails {
        let retry = self.0.get("RetryDetails");
        let number = |key| retry.and_then(|r| r.get(key)).and_then(Value::as_u64);
        RetryDetails {
            current_attempt: number("CurrentAttempt")
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            next_attempt_delay_seconds: number("NextAttemptDelaySeconds"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: Value) -> Event {
        Event::from_json(&value).unwrap()
    }

    #[test]
    fn details_keys_follow_the_event_type() {
        assert_eq!(EventType::ALL.len(), 26);
        for event_type in EventType::ALL {
            assert_eq!(
                event_type.details_key(),
                format!("{}Details", event_type.as_str())
            );
            let name = serde_json::to_value(event_type).unwrap();
            assert_eq!(name, event_type.as_str());
        }
    }

    #[test]
    fn histories_printed_elsewhere_are_read() {
        // The AWS testing runner leaves out empty details; unknown keys are ignored.
        let completed = parse(json!({
            "EventType": "InvocationCompleted", "EventId": 3, "EventTimestamp": 1.5,
            "Extra": {"x": 1},
        }));
        assert_eq!(completed.details, EventDetails::Empty);
        assert_eq!(
            completed.to_json(true)["InvocationCompletedDetails"],
            json!({})
        );
        let succeeded = parse(json!({
            "EventType": "ExecutionSucceeded", "EventId": 9, "EventTimestamp": 2.0,
        }));
        assert_eq!(succeeded.details, EventDetails::Succeeded { result: None });

        // boto3 prints timestamps as strings; wrappers may lack `Truncated`.
        let wait = parse(json!({
            "EventType": "WaitStarted", "EventId": 2, "EventTimestamp": 1_764_609_792.0,
            "WaitStartedDetails": {"Duration": 5, "ScheduledEndTimestamp": "2025-12-01T17:23:17Z",
                                   "Unknown": true},
        }));
        assert_eq!(
            wait.details.scheduled_end_timestamp(),
            Some(1_764_609_797_000)
        );
        let step = parse(json!({
            "EventType": "StepFailed", "EventId": 4, "EventTimestamp": 3.0,
            "StepFailedDetails": {
                "Error": {"Payload": {"ErrorType": "E", "ErrorMessage": "m", "Cause": "x"}},
                "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 2}},
        }));
        assert_eq!(step.details.error(), Some(&ErrorObject::new("E", "m")));
        assert_eq!(
            step.details.retry_details(),
            Some(&RetryDetails {
                current_attempt: 1,
                next_attempt_delay_seconds: Some(2)
            })
        );
        let started = parse(json!({
            "EventType": "ExecutionStarted", "EventId": 1, "EventTimestamp": 0.5,
            "ExecutionStartedDetails": {"Input": {"Payload": "{\"n\":1}"}},
        }));
        assert_eq!(started.details.input_payload(), Some("{\"n\":1}"));

        let not_an_object = json!({
            "EventType": "StepStarted", "EventId": 2, "EventTimestamp": 1.0,
            "StepStartedDetails": [],
        });
        assert!(Event::from_json(&not_an_object).is_err());
    }

    #[test]
    fn truncated_payloads_stay_truncated() {
        let event = parse(json!({
            "EventType": "StepSucceeded", "EventId": 5, "EventTimestamp": 1.0,
            "StepSucceededDetails": {"Result": {"Truncated": true},
                                     "RetryDetails": {"CurrentAttempt": 1}},
        }));
        assert_eq!(event.details.result_payload(), None);
        for with_data in [true, false] {
            assert_eq!(
                event.to_json(with_data)["StepSucceededDetails"]["Result"],
                json!({"Truncated": true})
            );
        }
    }
}
