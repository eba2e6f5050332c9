//! History events as `GetDurableExecutionHistory` returns them (reference conformance §4).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::{ErrorObject, Millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, Serialize)]
pub enum EventType {
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionFailed,
    ExecutionTimedOut,
    ExecutionStopped,
    ContextStarted,
    ContextSucceeded,
    ContextFailed,
    WaitStarted,
    WaitSucceeded,
    WaitCancelled,
    StepStarted,
    StepSucceeded,
    StepFailed,
    ChainedInvokeStarted,
    ChainedInvokeSucceeded,
    ChainedInvokeFailed,
    ChainedInvokeTimedOut,
    ChainedInvokeStopped,
    CallbackStarted,
    CallbackSucceeded,
    CallbackFailed,
    CallbackTimedOut,
    InvocationCompleted,
    ExecutionPaused,
    ExecutionResumed,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExecutionStarted => "ExecutionStarted",
            Self::ExecutionSucceeded => "ExecutionSucceeded",
            Self::ExecutionFailed => "ExecutionFailed",
            Self::ExecutionTimedOut => "ExecutionTimedOut",
            Self::ExecutionStopped => "ExecutionStopped",
            Self::ContextStarted => "ContextStarted",
            Self::ContextSucceeded => "ContextSucceeded",
            Self::ContextFailed => "ContextFailed",
            Self::WaitStarted => "WaitStarted",
            Self::WaitSucceeded => "WaitSucceeded",
            Self::WaitCancelled => "WaitCancelled",
            Self::StepStarted => "StepStarted",
            Self::StepSucceeded => "StepSucceeded",
            Self::StepFailed => "StepFailed",
            Self::ChainedInvokeStarted => "ChainedInvokeStarted",
            Self::ChainedInvokeSucceeded => "ChainedInvokeSucceeded",
            Self::ChainedInvokeFailed => "ChainedInvokeFailed",
            Self::ChainedInvokeTimedOut => "ChainedInvokeTimedOut",
            Self::ChainedInvokeStopped => "ChainedInvokeStopped",
            Self::CallbackStarted => "CallbackStarted",
            Self::CallbackSucceeded => "CallbackSucceeded",
            Self::CallbackFailed => "CallbackFailed",
            Self::CallbackTimedOut => "CallbackTimedOut",
            Self::InvocationCompleted => "InvocationCompleted",
            Self::ExecutionPaused => "ExecutionPaused",
            Self::ExecutionResumed => "ExecutionResumed",
        }
    }

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

/// One history event. `details` is the body of `<EventType>Details`, always present.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub event_type: EventType,
    pub event_id: u64,
    pub timestamp: Millis,
    pub id: Option<String>,
    pub name: Option<String>,
    pub parent_id: Option<String>,
    pub sub_type: Option<String>,
    pub details: Map<String, Value>,
}

/// Epoch milliseconds as the epoch-seconds number rest-json uses.
pub fn seconds(ms: Millis) -> Value {
    json!(ms as f64 / 1000.0)
}

/// `EventInput` / `EventResult`: `{Payload?, Truncated}`.
pub fn payload_wrapper(payload: Option<&str>) -> Value {
    let mut map = Map::new();
    if let Some(payload) = payload {
        map.insert("Payload".into(), Value::String(payload.to_owned()));
    }
    map.insert("Truncated".into(), Value::Bool(false));
    Value::Object(map)
}

/// `EventError`: `{Payload: ErrorObject, Truncated}`.
pub fn error_wrapper(error: &ErrorObject) -> Value {
    json!({ "Payload": error, "Truncated": false })
}

impl Event {
    pub fn details_key(&self) -> String {
        format!("{}Details", self.event_type.as_str())
    }

    /// The event as JSON. Without execution data, input and result payloads are dropped
    /// and marked `Truncated` as AWS does; error payloads are always kept.
    pub fn to_json(&self, include_execution_data: bool) -> Value {
        let mut map = Map::new();
        map.insert("EventType".into(), json!(self.event_type.as_str()));
        if let Some(sub_type) = &self.sub_type {
            map.insert("SubType".into(), json!(sub_type));
        }
        map.insert("EventId".into(), json!(self.event_id));
        if let Some(id) = &self.id {
            map.insert("Id".into(), json!(id));
        }
        if let Some(name) = &self.name {
            map.insert("Name".into(), json!(name));
        }
        map.insert("EventTimestamp".into(), seconds(self.timestamp));
        if let Some(parent_id) = &self.parent_id {
            map.insert("ParentId".into(), json!(parent_id));
        }
        let mut details = self.details.clone();
        if !include_execution_data {
            for key in ["Input", "Result"] {
                if let Some(Value::Object(wrapper)) = details.get_mut(key) {
                    if wrapper.remove("Payload").is_some() {
                        wrapper.insert("Truncated".into(), Value::Bool(true));
                    }
                }
            }
        }
        map.insert(self.details_key(), Value::Object(details));
        Value::Object(map)
    }

    /// A detail field, e.g. `detail("Result")`.
    pub fn detail(&self, key: &str) -> Option<&Value> {
        self.details.get(key)
    }
}

impl Event {
    /// Parses an event from its API JSON (the inverse of [`Event::to_json`] with data).
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let event_type: EventType = serde_json::from_value(value["EventType"].clone())
            .map_err(|e| format!("bad EventType: {e}"))?;
        let timestamp = value["EventTimestamp"]
            .as_f64()
            .ok_or("EventTimestamp missing")?;
        let details_key = format!("{}Details", event_type.as_str());
        // AWS's testing runner leaves out empty details (InvocationCompleted).
        let details = match value.get(&details_key) {
            Some(Value::Object(map)) => map.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(format!("{details_key} is not an object")),
        };
        Ok(Self {
            event_type,
            event_id: value["EventId"].as_u64().ok_or("EventId missing")?,
            timestamp: (timestamp * 1000.0).round() as Millis,
            id: text("Id"),
            name: text("Name"),
            parent_id: text("ParentId"),
            sub_type: text("SubType"),
            details,
        })
    }
}

impl<'de> serde::Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        Event::from_json(&value).map_err(serde::de::Error::custom)
    }
}

/// Streams the event's API JSON (with data) without building a `Value` first: the store
/// serializes every event once.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_map(None)?;
        out.serialize_entry("EventType", self.event_type.as_str())?;
        if let Some(sub_type) = &self.sub_type {
            out.serialize_entry("SubType", sub_type)?;
        }
        out.serialize_entry("EventId", &self.event_id)?;
        if let Some(id) = &self.id {
            out.serialize_entry("Id", id)?;
        }
        if let Some(name) = &self.name {
            out.serialize_entry("Name", name)?;
        }
        out.serialize_entry("EventTimestamp", &(self.timestamp as f64 / 1000.0))?;
        if let Some(parent_id) = &self.parent_id {
            out.serialize_entry("ParentId", parent_id)?;
        }
        out.serialize_entry(&self.details_key(), &self.details)?;
        out.end()
    }
}
