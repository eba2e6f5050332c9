//! Reading events from their API JSON, leniently (see [`EventDetails`]).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Event, EventDetails, EventError, EventPayload, EventType, RetryDetails};
use crate::model::history::timestamp_millis;
use crate::model::{ErrorObject, Millis};

impl Event {
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
            scheduled_end_timestamp: fields.millis_or("ScheduledEndTimestamp", timestamp),
        },
        T::WaitSucceeded => EventDetails::WaitSucceeded {
            duration: fields.i64("Duration").unwrap_or(0),
        },
        T::CallbackStarted => fields.callback_started(),
        T::ChainedInvokeStarted => fields.chained_invoke_started(),
        T::InvocationCompleted => fields.invocation_completed(timestamp),
        T::ExecutionPaused => fields.execution_paused(timestamp),
        T::ExecutionResumed => fields.execution_resumed(timestamp),
        _ => fields.ending(event_type),
    }
}

/// The shapes with several keys, read from their details object.
impl Fields<'_> {
    /// CallbackStarted.
    fn callback_started(&self) -> EventDetails {
        EventDetails::CallbackStarted {
            callback_id: self.string("CallbackId").unwrap_or_default(),
            heartbeat_timeout: self.u64("HeartbeatTimeout"),
            timeout: self.u64("Timeout"),
        }
    }

    /// ChainedInvokeStarted.
    fn chained_invoke_started(&self) -> EventDetails {
        EventDetails::ChainedInvokeStarted {
            durable_execution_arn: self.string("DurableExecutionArn"),
            executed_version: self.string("ExecutedVersion"),
            function_name: self.string("FunctionName").unwrap_or_default(),
            input: self.payload("Input"),
            tenant_id: self.string("TenantId"),
        }
    }

    /// InvocationCompleted (a missing timestamp reads as the event's).
    fn invocation_completed(&self, timestamp: Millis) -> EventDetails {
        EventDetails::InvocationCompleted {
            end_timestamp: self.millis_or("EndTimestamp", timestamp),
            error: self.error(),
            request_id: self.string("RequestId").unwrap_or_default(),
            start_timestamp: self.millis_or("StartTimestamp", timestamp),
        }
    }

    /// ExecutionPaused (a missing timestamp reads as the event's).
    fn execution_paused(&self, timestamp: Millis) -> EventDetails {
        EventDetails::ExecutionPaused {
            execution_timeout_paused: self.bool("ExecutionTimeoutPaused").unwrap_or(false),
            pause_request_timestamp: self.millis_or("PauseRequestTimestamp", timestamp),
            reason: self.payload("Reason"),
        }
    }

    /// ExecutionResumed (a missing timestamp reads as the event's).
    fn execution_resumed(&self, timestamp: Millis) -> EventDetails {
        EventDetails::ExecutionResumed {
            reason: self.payload("Reason"),
            resume_request_timestamp: self.millis_or("ResumeRequestTimestamp", timestamp),
        }
    }

    /// An end with a result or an error, by the event type's shape.
    fn ending(&self, event_type: EventType) -> EventDetails {
        match empty_details(event_type) {
            EventDetails::Succeeded { .. } => EventDetails::Succeeded {
                result: self.payload("Result"),
            },
            _ => EventDetails::Failed {
                error: self.error(),
            },
        }
    }

    /// A timestamp, or `default` when it is missing or malformed.
    fn millis_or(&self, key: &str, default: Millis) -> Millis {
        self.millis(key).unwrap_or(default)
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
