//! Errors: [`DurableError`] for durable calls and handlers, [`Error`] for step bodies.

use std::any::Any;
use std::fmt;

use crate::bindings::durabox::durable::types::OpError;
use crate::ErrorObject;

/// Result of a durable call or handler.
pub type DurableResult<T> = Result<T, DurableError>;

/// Error type used when user code does not name one.
const DEFAULT_ERROR_TYPE: &str = "Error";

/// Why a durable call (or a handler) did not produce a value.
///
/// [`DurableError::Suspended`] is not a failure: the invocation must end so the service can
/// re-invoke the handler later. Always propagate it with `?`; code that matches errors must
/// re-raise it (see [`DurableError::is_suspended`]), otherwise the handler keeps running past
/// a point it is not allowed to reach and the host rejects the next durable call.
///
/// Like `anyhow::Error`, this type does not implement `std::error::Error`, so that `?` can
/// convert any standard error into it (as a [`DurableError::User`] error).
#[derive(Debug, Clone)]
pub enum DurableError {
    /// The invocation must end now (pending wait, retry, callback...). Propagate it.
    Suspended,
    /// The host rejected the arguments before checkpointing anything (AWS `ValidationError`).
    InvalidArgument(String),
    /// A step failed for good (retries exhausted or not retryable); AWS `StepError`.
    StepFailed(ErrorObject),
    /// A child context failed; carries the error its function ended with.
    ChildContextFailed(ErrorObject),
    /// A callback was completed with a failure.
    CallbackFailed(ErrorObject),
    /// A callback timed out (`Callback.Timeout` or `Callback.Heartbeat`).
    CallbackTimedOut(ErrorObject),
    /// A wait-for-condition check failed, or its attempts ran out.
    ConditionFailed(ErrorObject),
    /// A chained invoke's target failed, timed out or was stopped.
    InvokeFailed(ErrorObject),
    /// A payload could not be (de)serialized.
    Serde(String),
    /// An error raised by user code.
    User(Error),
}

impl DurableError {
    /// True for [`DurableError::Suspended`], which user code must propagate.
    pub fn is_suspended(&self) -> bool {
        matches!(self, DurableError::Suspended)
    }

    /// The recorded `ErrorObject` of a failed operation, if this is one.
    pub fn error_object(&self) -> Option<&ErrorObject> {
        match self {
            DurableError::StepFailed(e)
            | DurableError::ChildContextFailed(e)
            | DurableError::CallbackFailed(e)
            | DurableError::CallbackTimedOut(e)
            | DurableError::ConditionFailed(e)
            | DurableError::InvokeFailed(e) => Some(e),
            _ => None,
        }
    }

    /// The AWS `ErrorType` this error is reported with.
    pub fn error_type(&self) -> Option<String> {
        self.to_error_object().error_type
    }

    /// The AWS `ErrorObject` this error is reported with when it escapes a step, a child
    /// context or the handler. Operation failures keep their recorded error unchanged.
    pub fn to_error_object(&self) -> ErrorObject {
        match self {
            DurableError::Suspended => object("SuspendExecution", "execution suspended", None),
            DurableError::InvalidArgument(m) => object("ValidationError", m, None),
            DurableError::Serde(m) => object("SerDesError", m, None),
            DurableError::User(e) => e.to_error_object(),
            DurableError::StepFailed(e)
            | DurableError::ChildContextFailed(e)
            | DurableError::CallbackFailed(e)
            | DurableError::CallbackTimedOut(e)
            | DurableError::ConditionFailed(e)
            | DurableError::InvokeFailed(e) => e.clone(),
        }
    }
}

impl fmt::Display for DurableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, e) = match self {
            DurableError::Suspended => return f.write_str("execution suspended"),
            DurableError::InvalidArgument(m) => return write!(f, "invalid argument: {m}"),
            DurableError::Serde(m) => return write!(f, "serialization error: {m}"),
            DurableError::User(e) => return e.fmt(f),
            DurableError::StepFailed(e) => ("step failed", e),
            DurableError::ChildContextFailed(e) => ("child context failed", e),
            DurableError::CallbackFailed(e) => ("callback failed", e),
            DurableError::CallbackTimedOut(e) => ("callback timed out", e),
            DurableError::ConditionFailed(e) => ("wait for condition failed", e),
            DurableError::InvokeFailed(e) => ("chained invoke failed", e),
        };
        let ty = e.error_type.as_deref().unwrap_or(DEFAULT_ERROR_TYPE);
        let msg = e.error_message.as_deref().unwrap_or("");
        write!(f, "{what}: {ty}: {msg}")
    }
}

impl From<Error> for DurableError {
    fn from(e: Error) -> Self {
        DurableError::User(e)
    }
}

impl<E: std::error::Error + 'static> From<E> for DurableError {
    fn from(e: E) -> Self {
        // Runtime "specialisation": the blanket impl also covers these two.
        let any = &e as &dyn Any;
        if let Some(op) = any.downcast_ref::<OpError>() {
            return op.clone().into_durable();
        }
        if let Some(serde) = any.downcast_ref::<serde_json::Error>() {
            return DurableError::Serde(serde.to_string());
        }
        DurableError::User(Error::from(e))
    }
}

impl OpError {
    pub(crate) fn into_durable(self) -> DurableError {
        match self {
            OpError::Suspended => DurableError::Suspended,
            OpError::InvalidArgument(m) => DurableError::InvalidArgument(m),
        }
    }
}

/// An error raised by user code: what a step body, submitter or handler fails with.
///
/// It becomes the AWS `ErrorObject` of the failed operation. Set `error_type` explicitly when
/// retry filters (`retryable_error_types`) or callers need to tell errors apart:
/// `Err(Error::new("Transient", "service busy"))`. `?` converts any standard error, using
/// its type name (e.g. `ParseIntError`) as the `ErrorType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub error_type: String,
    pub message: String,
    /// Free-form `ErrorData` (often JSON).
    pub data: Option<String>,
}

impl Error {
    /// An error with an explicit `ErrorType`.
    pub fn new(error_type: impl Into<String>, message: impl fmt::Display) -> Self {
        Error {
            error_type: error_type.into(),
            message: message.to_string(),
            data: None,
        }
    }

    /// An error of type `"Error"`; handy with `map_err(Error::msg)` for non-`std` errors.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::new(DEFAULT_ERROR_TYPE, message)
    }

    /// Attaches `ErrorData`.
    pub fn with_data(mut self, data: impl Into<String>) -> Self {
        self.data = Some(data.into());
        self
    }

    pub fn to_error_object(&self) -> ErrorObject {
        object(&self.error_type, &self.message, self.data.clone())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl<E: std::error::Error + 'static> From<E> for Error {
    fn from(e: E) -> Self {
        Error::new(short_type_name::<E>(), e)
    }
}

/// `core::num::error::ParseIntError` -> `ParseIntError` (like Python's class names).
fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let path = full.split('<').next().unwrap_or(full);
    path.rsplit("::").next().unwrap_or(path)
}

fn object(error_type: &str, message: &str, data: Option<String>) -> ErrorObject {
    ErrorObject {
        error_type: Some(error_type.to_string()),
        error_message: Some(message.to_string()),
        error_data: data,
        stack_trace: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_errors_keep_their_type_name() {
        let e = Error::from("x".parse::<u32>().unwrap_err());
        assert_eq!(e.error_type, "ParseIntError");
        assert_eq!(e.message, "invalid digit found in string");
    }

    #[test]
    fn op_errors_and_serde_errors_map_to_their_variants() {
        assert!(DurableError::from(OpError::Suspended).is_suspended());
        let invalid = DurableError::from(OpError::InvalidArgument("bad".into()));
        assert_eq!(invalid.error_type().as_deref(), Some("ValidationError"));
        let serde = serde_json::from_str::<u32>("nope").unwrap_err();
        assert!(matches!(DurableError::from(serde), DurableError::Serde(_)));
    }

    #[test]
    fn failures_keep_the_recorded_error() {
        let recorded = Error::new("MyError", "boom")
            .with_data("{}")
            .to_error_object();
        let e = DurableError::StepFailed(recorded.clone());
        assert_eq!(e.to_error_object(), recorded);
        assert_eq!(e.to_string(), "step failed: MyError: boom");
    }
}
