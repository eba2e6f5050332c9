//! Writing events as the JSON AWS sends, straight from their fields.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{to_seconds, Event, EventDetails, EventError, EventPayload, RetryDetails};
use crate::model::{ErrorObject, Millis};

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
        let mut out = serializer.serialize_map(None)?;
        self.entries(&mut out)?;
        out.end()
    }
}

impl<'a> DetailsJson<'a> {
    /// An input or result payload: left out without execution data.
    fn data_payload(&self, payload: &'a EventPayload) -> PayloadJson<'a> {
        PayloadJson {
            payload,
            keep: self.with_data,
        }
    }

    /// Writes the details' keys, one helper per shape.
    fn entries<M: SerializeMap>(&self, out: &mut M) -> Result<(), M::Error> {
        use EventDetails as D;
        match self.details {
            D::Empty => Ok(()),
            D::ExecutionStarted {
                execution_timeout,
                input,
            } => {
                out.serialize_entry("ExecutionTimeout", execution_timeout)?;
                out.serialize_entry("Input", &self.data_payload(input))
            }
            D::Succeeded { result } => {
                optional(out, "Result", result.as_ref().map(|r| self.data_payload(r)))
            }
            D::Failed { error } => optional(out, "Error", error.as_ref().map(ErrorJson)),
            D::StepSucceeded {
                result,
                retry_details,
            } => step_attempt(out, "Result", &self.data_payload(result), retry_details),
            D::StepFailed {
                error,
                retry_details,
            } => step_attempt(out, "Error", &ErrorJson(error), retry_details),
            D::WaitStarted {
                duration,
                scheduled_end_timestamp,
            } => wait_started(out, *duration, *scheduled_end_timestamp),
            D::WaitSucceeded { duration } => out.serialize_entry("Duration", duration),
            D::CallbackStarted {
                callback_id,
                heartbeat_timeout,
                timeout,
            } => callback_started(out, callback_id, *heartbeat_timeout, *timeout),
            D::ChainedInvokeStarted { .. } => self.chained_invoke_started(out),
            D::InvocationCompleted { .. }
            | D::ExecutionPaused { .. }
            | D::ExecutionResumed { .. } => invocation_entries(out, self.details),
        }
    }

    /// ChainedInvokeStarted: `{DurableExecutionArn?, ExecutedVersion?, FunctionName,
    /// Input?, TenantId?}`.
    fn chained_invoke_started<M: SerializeMap>(&self, out: &mut M) -> Result<(), M::Error> {
        let EventDetails::ChainedInvokeStarted {
            durable_execution_arn,
            executed_version,
            function_name,
            input,
            tenant_id,
        } = self.details
        else {
            return Ok(());
        };
        optional(out, "DurableExecutionArn", durable_execution_arn.as_ref())?;
        optional(out, "ExecutedVersion", executed_version.as_ref())?;
        out.serialize_entry("FunctionName", function_name)?;
        optional(out, "Input", input.as_ref().map(|i| self.data_payload(i)))?;
        optional(out, "TenantId", tenant_id.as_ref())
    }
}

/// The shapes of an invocation's end and of a pause or resume.
fn invocation_entries<M: SerializeMap>(
    out: &mut M,
    details: &EventDetails,
) -> Result<(), M::Error> {
    use EventDetails as D;
    match details {
        D::InvocationCompleted {
            end_timestamp,
            error,
            request_id,
            start_timestamp,
        } => invocation_completed(
            out,
            (*start_timestamp, *end_timestamp),
            error.as_ref(),
            request_id,
        ),
        D::ExecutionPaused {
            execution_timeout_paused,
            pause_request_timestamp,
            reason,
        } => execution_paused(
            out,
            *execution_timeout_paused,
            *pause_request_timestamp,
            reason.as_ref(),
        ),
        D::ExecutionResumed {
            reason,
            resume_request_timestamp,
        } => execution_resumed(out, reason.as_ref(), *resume_request_timestamp),
        _ => Ok(()),
    }
}

/// Writes `key` when there is a value.
fn optional<M: SerializeMap, T: Serialize>(
    out: &mut M,
    key: &'static str,
    value: Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => out.serialize_entry(key, &value),
        None => Ok(()),
    }
}

/// A pause's or resume's `Reason`, always kept.
fn kept_payload(payload: &EventPayload) -> PayloadJson<'_> {
    PayloadJson {
        payload,
        keep: true,
    }
}

/// StepSucceeded / StepFailed: `{Result | Error, RetryDetails}`.
fn step_attempt<M: SerializeMap, T: Serialize>(
    out: &mut M,
    key: &'static str,
    outcome: &T,
    retry_details: &RetryDetails,
) -> Result<(), M::Error> {
    out.serialize_entry(key, outcome)?;
    out.serialize_entry("RetryDetails", &RetryJson(retry_details))
}

/// WaitStarted: `{Duration, ScheduledEndTimestamp}`.
fn wait_started<M: SerializeMap>(
    out: &mut M,
    duration: u64,
    scheduled_end_timestamp: Millis,
) -> Result<(), M::Error> {
    out.serialize_entry("Duration", &duration)?;
    out.serialize_entry(
        "ScheduledEndTimestamp",
        &to_seconds(scheduled_end_timestamp),
    )
}

/// CallbackStarted: `{CallbackId, HeartbeatTimeout?, Timeout?}`.
fn callback_started<M: SerializeMap>(
    out: &mut M,
    callback_id: &str,
    heartbeat_timeout: Option<u64>,
    timeout: Option<u64>,
) -> Result<(), M::Error> {
    out.serialize_entry("CallbackId", callback_id)?;
    optional(out, "HeartbeatTimeout", heartbeat_timeout)?;
    optional(out, "Timeout", timeout)
}

/// InvocationCompleted: `{EndTimestamp, Error?, RequestId, StartTimestamp}`.
fn invocation_completed<M: SerializeMap>(
    out: &mut M,
    (start_timestamp, end_timestamp): (Millis, Millis),
    error: Option<&EventError>,
    request_id: &str,
) -> Result<(), M::Error> {
    out.serialize_entry("EndTimestamp", &to_seconds(end_timestamp))?;
    optional(out, "Error", error.map(ErrorJson))?;
    out.serialize_entry("RequestId", request_id)?;
    out.serialize_entry("StartTimestamp", &to_seconds(start_timestamp))
}

/// ExecutionPaused: `{ExecutionTimeoutPaused, PauseRequestTimestamp, Reason?}`.
fn execution_paused<M: SerializeMap>(
    out: &mut M,
    execution_timeout_paused: bool,
    pause_request_timestamp: Millis,
    reason: Option<&EventPayload>,
) -> Result<(), M::Error> {
    out.serialize_entry("ExecutionTimeoutPaused", &execution_timeout_paused)?;
    out.serialize_entry(
        "PauseRequestTimestamp",
        &to_seconds(pause_request_timestamp),
    )?;
    optional(out, "Reason", reason.map(kept_payload))
}

/// ExecutionResumed: `{Reason?, ResumeRequestTimestamp}`.
fn execution_resumed<M: SerializeMap>(
    out: &mut M,
    reason: Option<&EventPayload>,
    resume_request_timestamp: Millis,
) -> Result<(), M::Error> {
    optional(out, "Reason", reason.map(kept_payload))?;
    out.serialize_entry(
        "ResumeRequestTimestamp",
        &to_seconds(resume_request_timestamp),
    )
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
