//! What the engine's callers choose (step and callback settings) and get back (how an
//! operation starts or ended), independent of the engine's own state.

use super::retry::RetryPolicy;
use crate::model::ErrorObject;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StepSemantics {
    #[default]
    AtLeastOncePerRetry,
    AtMostOncePerRetry,
}

#[derive(Clone, Debug, Default)]
pub struct StepConfig {
    /// None = the AWS default preset.
    pub retry: Option<RetryPolicy>,
    pub semantics: StepSemantics,
    pub sub_type: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct CallbackConfig {
    pub timeout_seconds: u64,
    pub heartbeat_timeout_seconds: u64,
    pub sub_type: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Succeeded(Option<String>),
    Failed(ErrorObject),
}

#[derive(Clone, Debug, PartialEq)]
pub enum CallbackOutcome {
    Succeeded(Option<String>),
    Failed(ErrorObject),
    TimedOut(ErrorObject),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepStart {
    Done(Outcome),
    Run { id: String, attempt: u32 },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChildStart {
    Done(Outcome),
    /// Run the body in the context with this handle.
    Run(ContextHandle),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContextHandle(pub usize);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryDecision {
    pub should_retry: bool,
    pub delay_seconds: u32,
}
