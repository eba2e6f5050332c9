//! History events as `GetDurableExecutionHistory` returns them (reference conformance §4).
//!
//! An [`Event`]'s details are typed ([`EventDetails`], one variant per shape) and written
//! straight from their fields to the JSON AWS sends: the keys of a details object, and of
//! the error objects in it, in alphabetical order; timestamps as epoch seconds
//! ([`seconds`]); payloads in `{Payload?, Truncated}` wrappers.

mod details;
mod parse;
mod serialize;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Millis;

pub use details::{EventDetails, EventError, EventPayload, RetryDetails};

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
