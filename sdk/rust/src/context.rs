//! The durable context: waits, child contexts and logging (steps and callbacks live in
//! `step.rs` and `callback.rs`).

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::durabox::durable::types::{self as wit, ChildStart, LogLevel, Outcome};
use crate::{DurableError, DurableResult, ErrorObject, JsonSerdes, Serdes};

/// The durable context handed to a handler or a child-context function.
///
/// Operations must be issued in the same order on every invocation: the host derives each
/// operation's id from its position and replays recorded results instead of re-running code.
#[derive(Clone, Copy)]
pub struct DurableContext<'a> {
    pub(crate) raw: &'a wit::Context,
}

impl<'a> DurableContext<'a> {
    /// The WIT context resource behind this context, for tools that drive the host
    /// directly (durabox's own fuzz test); handlers never need it.
    #[doc(hidden)]
    pub fn raw_context(&self) -> &'a wit::Context {
        self.raw
    }
}

/// An optional operation name: `"name"`, a `String`, or `None`.
pub trait OperationName {
    fn into_name(self) -> Option<String>;
}

impl OperationName for &str {
    fn into_name(self) -> Option<String> {
        Some(self.to_string())
    }
}

impl OperationName for String {
    fn into_name(self) -> Option<String> {
        Some(self)
    }
}

impl OperationName for &String {
    fn into_name(self) -> Option<String> {
        Some(self.clone())
    }
}

impl OperationName for Option<&str> {
    fn into_name(self) -> Option<String> {
        self.map(str::to_string)
    }
}

impl<'a> DurableContext<'a> {
    pub(crate) fn new(raw: &'a wit::Context) -> Self {
        DurableContext { raw }
    }

    /// Operation id of this context (`None` for the root context).
    pub fn id(&self) -> Option<String> {
        self.raw.id()
    }

    /// The ARN of the running execution.
    pub fn execution_arn(&self) -> String {
        self.raw.execution_arn()
    }

    /// Sets how every context's logger behaves for the rest of this invocation (AWS
    /// `configureLogger`).
    pub fn configure_logger(&self, config: LoggerConfig) {
        MODE_AWARE.store(config.mode_aware, Ordering::Relaxed);
    }

    /// Logs attributed to this context.
    pub fn logger(&self) -> Logger<'a> {
        Logger { raw: self.raw }
    }

    pub fn log(&self, level: LogLevel, message: impl Display) {
        self.logger().log(level, message)
    }

    /// Durable wait (whole seconds, at least 1). Suspends the invocation until it elapses.
    pub fn wait(&self, duration: Duration) -> DurableResult<()> {
        self.wait_named(None, duration)
    }

    pub fn wait_named(&self, name: impl OperationName, duration: Duration) -> DurableResult<()> {
        let name = name.into_name();
        Ok(self.raw.wait(name.as_deref(), duration.as_secs())?)
    }

    /// Runs `f` in a child context whose result is checkpointed as one operation; on replay
    /// the recorded result is returned without running `f`.
    pub fn run_in_child_context<T, F>(&self, name: impl OperationName, f: F) -> DurableResult<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&DurableContext<'_>) -> DurableResult<T>,
    {
        self.child(name.into_name(), None, &JsonSerdes::new(), f)
    }

    /// [`run_in_child_context`](Self::run_in_child_context) with a custom [`Serdes`] for the
    /// context's result (AWS `ChildConfig.serdes`): the checkpointed payload is
    /// `serdes.serialize(value)`, and the value returned (also on replay) is
    /// `serdes.deserialize(payload)`.
    pub fn run_in_child_context_with_serdes<T, F>(
        &self,
        name: impl OperationName,
        serdes: &dyn Serdes<T>,
        f: F,
    ) -> DurableResult<T>
    where
        F: FnOnce(&DurableContext<'_>) -> DurableResult<T>,
    {
        self.child(name.into_name(), None, serdes, f)
    }

    pub(crate) fn child<T, F>(
        &self,
        name: Option<String>,
        sub_type: Option<&str>,
        serdes: &dyn Serdes<T>,
        f: F,
    ) -> DurableResult<T>
    where
        F: FnOnce(&DurableContext<'_>) -> DurableResult<T>,
    {
        let raw = match self.raw.child_begin(name.as_deref(), sub_type)? {
            ChildStart::Done(outcome) => {
                return finish(outcome, None, serdes, DurableError::ChildContextFailed)
            }
            ChildStart::Run(raw) => raw,
        };
        let body = match f(&DurableContext::new(&raw)) {
            // Nothing to checkpoint: dropping `raw` leaves the context open for the replay.
            Err(DurableError::Suspended) => return Err(DurableError::Suspended),
            Ok(value) => serdes.serialize(&value).map_err(|e| e.to_error_object()),
            Err(e) => Err(e.to_error_object()),
        };
        let body = body.as_deref();
        let outcome = wit::child_end(raw, body.map(Some))?;
        finish(outcome, body.ok(), serdes, DurableError::ChildContextFailed)
    }
}

/// Log lines attributed to a context, captured by the host per invocation.
#[derive(Clone, Copy)]
pub struct Logger<'a> {
    raw: &'a wit::Context,
}

/// Logger settings (AWS `LoggerConfig`).
#[derive(Clone, Copy, Debug)]
pub struct LoggerConfig {
    /// True (the default): code re-run during replay does not log again. False: it
    /// logs on every invocation, so replays stay observable.
    pub mode_aware: bool,
}

impl Default for LoggerConfig {
    fn default() -> Self {
        LoggerConfig { mode_aware: true }
    }
}

/// One instance serves one invocation, so a process-wide flag is per invocation.
static MODE_AWARE: AtomicBool = AtomicBool::new(true);

impl Logger<'_> {
    pub fn log(&self, level: LogLevel, message: impl Display) {
        let message = message.to_string();
        if MODE_AWARE.load(Ordering::Relaxed) {
            self.raw.log(level, &message)
        } else {
            self.raw.log_always(level, &message)
        }
    }

    pub fn debug(&self, message: impl Display) {
        self.log(LogLevel::Debug, message)
    }

    pub fn info(&self, message: impl Display) {
        self.log(LogLevel::Info, message)
    }

    pub fn warn(&self, message: impl Display) {
        self.log(LogLevel::Warn, message)
    }

    pub fn error(&self, message: impl Display) {
        self.log(LogLevel::Error, message)
    }
}

/// The value of a finished operation. `ours` is the payload this invocation produced: it is
/// preferred to the host's copy, which may be a summary (large child results).
pub(crate) fn finish<T>(
    outcome: Outcome,
    ours: Option<&str>,
    serdes: &dyn Serdes<T>,
    failed: fn(ErrorObject) -> DurableError,
) -> DurableResult<T> {
    match outcome {
        Outcome::Succeeded(recorded) => serdes
            .deserialize(ours.or(recorded.as_deref()))
            .map_err(|e| DurableError::Serde(e.message)),
        Outcome::Failed(e) => Err(failed(e)),
    }
}

/// An absent payload reads as JSON `null` (so `()` and `Option<T>` work).
pub(crate) fn from_json<T: DeserializeOwned>(payload: Option<&str>) -> DurableResult<T> {
    Ok(serde_json::from_str(payload.unwrap_or("null"))?)
}
