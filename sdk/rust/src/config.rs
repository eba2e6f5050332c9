//! Step and callback configuration, named after the AWS SDKs (`StepConfig`,
//! `RetryStrategyConfig`, `RetryPresets`, `JitterStrategy`, `CallbackConfig`).
//!
//! The host applies the strategies (it owns retries and jitter); these types only describe them.

use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use crate::bindings::durabox::durable::types as wit;
use crate::ErrorObject;

/// Whether a step body may run more than once per retry (AWS `StepSemantics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StepSemantics {
    /// An interrupted attempt re-runs its body.
    #[default]
    AtLeastOncePerRetry,
    /// The attempt is checkpointed before the body runs; an interrupted attempt counts as
    /// failed (`StepInterruptedError`) and is never re-run.
    AtMostOncePerRetry,
}

/// Randomisation applied to retry delays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum JitterStrategy {
    None,
    /// A random delay in `[0, d]`.
    #[default]
    Full,
    /// A random delay in `[d/2, d]`.
    Half,
}

/// How the delay grows between attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backoff {
    /// `delay = initial * rate^(attempt-1)`.
    Exponential { rate: f64 },
    /// `delay = initial + increment * (attempt-1)`.
    Linear { increment: Duration },
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::Exponential { rate: 2.0 }
    }
}

/// A custom retry strategy (AWS `RetryStrategyConfig`). Delays are whole seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryStrategyConfig {
    /// Total attempts including the first.
    pub max_attempts: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    pub backoff: Backoff,
    pub jitter: JitterStrategy,
    /// Regular expressions searched in the error message.
    pub retryable_errors: Option<Vec<String>>,
    /// Exact `ErrorType`s that are retried. With neither filter every error is retried.
    pub retryable_error_types: Option<Vec<String>>,
}

impl Default for RetryStrategyConfig {
    /// The AWS defaults: 3 attempts, 5 s initial, 300 s cap, rate 2, full jitter.
    fn default() -> Self {
        RetryStrategyConfig {
            max_attempts: 3,
            initial_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(300),
            backoff: Backoff::default(),
            jitter: JitterStrategy::Full,
            retryable_errors: None,
            retryable_error_types: None,
        }
    }
}

/// What a [`RetryStrategy::Function`] decides after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryDecision {
    pub should_retry: bool,
    pub delay: Duration,
}

impl RetryDecision {
    pub fn retry(delay: Duration) -> Self {
        RetryDecision {
            should_retry: true,
            delay,
        }
    }

    pub fn no_retry() -> Self {
        RetryDecision {
            should_retry: false,
            delay: Duration::ZERO,
        }
    }
}

/// A guest-side retry function: `(error, attempt that failed (1-based)) -> decision`.
pub type RetryFn = Rc<dyn Fn(&ErrorObject, u32) -> RetryDecision>;

/// How a failed step is retried.
#[derive(Clone)]
pub enum RetryStrategy {
    Preset(RetryPreset),
    /// `attempts` in total, `interval` apart, no jitter.
    Fixed {
        attempts: u32,
        interval: Duration,
    },
    Custom(RetryStrategyConfig),
    /// Decided by guest code after each failure, like the AWS SDKs' `retry_strategy`
    /// functions. The host cannot call it for an interrupted at-most-once attempt and uses
    /// the default preset there.
    Function(RetryFn),
}

impl RetryStrategy {
    pub fn fixed(attempts: u32, interval: Duration) -> Self {
        RetryStrategy::Fixed { attempts, interval }
    }

    pub fn function(f: impl Fn(&ErrorObject, u32) -> RetryDecision + 'static) -> Self {
        RetryStrategy::Function(Rc::new(f))
    }
}

impl fmt::Debug for RetryStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryStrategy::Preset(p) => f.debug_tuple("Preset").field(p).finish(),
            RetryStrategy::Fixed { attempts, interval } => f
                .debug_struct("Fixed")
                .field("attempts", attempts)
                .field("interval", interval)
                .finish(),
            RetryStrategy::Custom(c) => f.debug_tuple("Custom").field(c).finish(),
            RetryStrategy::Function(_) => f.write_str("Function(..)"),
        }
    }
}

impl From<RetryPreset> for RetryStrategy {
    fn from(p: RetryPreset) -> Self {
        RetryStrategy::Preset(p)
    }
}

impl From<RetryStrategyConfig> for RetryStrategy {
    fn from(c: RetryStrategyConfig) -> Self {
        RetryStrategy::Custom(c)
    }
}

/// The AWS retry presets; see [`RetryPresets`] for their parameters.
pub use wit::RetryPreset;

/// The AWS presets by their SDK names: `RetryPresets::none()`, `RetryPresets::transient()`...
pub struct RetryPresets;

impl RetryPresets {
    /// What a step without a strategy uses: 6 attempts, 5 s initial, 60 s cap, rate 2, full jitter.
    #[allow(clippy::should_implement_trait, reason = "the AWS SDKs' name")]
    pub fn default() -> RetryStrategy {
        RetryPreset::Default.into()
    }
    /// One attempt, no retry.
    pub fn none() -> RetryStrategy {
        RetryPreset::None.into()
    }
    /// 3 attempts, 5 s initial, 300 s cap, rate 2, half jitter.
    pub fn transient() -> RetryStrategy {
        RetryPreset::Transient.into()
    }
    /// 5 attempts, 5 s initial, 300 s cap, rate 2, full jitter.
    pub fn resource_availability() -> RetryStrategy {
        RetryPreset::ResourceAvailability.into()
    }
    /// 10 attempts, 1 s initial, 60 s cap, rate 1.5, no jitter.
    pub fn critical() -> RetryStrategy {
        RetryPreset::Critical.into()
    }
    /// 6 attempts, 1 s + 1 s per attempt, 300 s cap, no jitter.
    pub fn linear() -> RetryStrategy {
        RetryPreset::Linear.into()
    }
    /// 5 attempts, `interval` apart, no jitter.
    pub fn fixed(interval: Duration) -> RetryStrategy {
        RetryStrategy::fixed(5, interval)
    }
}

/// Configuration of a step (AWS `StepConfig`).
#[derive(Debug, Clone, Default)]
pub struct StepConfig {
    /// `None` = the AWS default ([`RetryPresets::default`]).
    pub retry_strategy: Option<RetryStrategy>,
    pub semantics: StepSemantics,
    /// Operation `SubType`; defaults to `Step`.
    pub sub_type: Option<String>,
}

impl StepConfig {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn retry_strategy(mut self, strategy: impl Into<RetryStrategy>) -> Self {
        self.retry_strategy = Some(strategy.into());
        self
    }

    pub fn semantics(mut self, semantics: StepSemantics) -> Self {
        self.semantics = semantics;
        self
    }

    pub fn sub_type(mut self, sub_type: impl Into<String>) -> Self {
        self.sub_type = Some(sub_type.into());
        self
    }

    /// The WIT config, plus the guest-side retry function if there is one.
    pub(crate) fn to_wit(&self) -> (wit::StepConfig, Option<RetryFn>) {
        let (retry, function) = match &self.retry_strategy {
            None => (None, None),
            Some(RetryStrategy::Function(f)) => (None, Some(f.clone())),
            Some(RetryStrategy::Preset(p)) => (Some(wit::RetryStrategy::Preset(*p)), None),
            Some(RetryStrategy::Fixed { attempts, interval }) => (
                Some(wit::RetryStrategy::Fixed((*attempts, secs32(*interval)))),
                None,
            ),
            Some(RetryStrategy::Custom(c)) => (Some(wit::RetryStrategy::Custom(c.to_wit())), None),
        };
        let semantics = match self.semantics {
            StepSemantics::AtLeastOncePerRetry => wit::StepSemantics::AtLeastOncePerRetry,
            StepSemantics::AtMostOncePerRetry => wit::StepSemantics::AtMostOncePerRetry,
        };
        let config = wit::StepConfig {
            retry,
            semantics,
            sub_type: self.sub_type.clone(),
        };
        (config, function)
    }
}

impl RetryStrategyConfig {
    fn to_wit(&self) -> wit::RetryConfig {
        let (backoff, backoff_rate, increment) = match self.backoff {
            Backoff::Exponential { rate } => (wit::Backoff::Exponential, rate, 0),
            Backoff::Linear { increment } => (wit::Backoff::Linear, 1.0, secs32(increment)),
        };
        wit::RetryConfig {
            max_attempts: self.max_attempts,
            initial_delay_seconds: secs32(self.initial_delay),
            max_delay_seconds: secs32(self.max_delay),
            backoff_rate,
            backoff,
            increment_seconds: increment,
            jitter: self.jitter.to_wit(),
            retryable_error_patterns: self.retryable_errors.clone(),
            retryable_error_types: self.retryable_error_types.clone(),
        }
    }
}

impl From<RetryDecision> for wit::RetryDecision {
    fn from(d: RetryDecision) -> Self {
        wit::RetryDecision {
            should_retry: d.should_retry,
            delay_seconds: secs32(d.delay),
        }
    }
}

/// Configuration of a callback (AWS `CallbackConfig`). Zero durations disable a timeout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackConfig {
    pub timeout: Duration,
    /// The longest gap allowed between heartbeats.
    pub heartbeat_timeout: Duration,
    /// Operation `SubType`; defaults to `Callback`.
    pub sub_type: Option<String>,
}

impl CallbackConfig {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.heartbeat_timeout = timeout;
        self
    }

    pub fn sub_type(mut self, sub_type: impl Into<String>) -> Self {
        self.sub_type = Some(sub_type.into());
        self
    }

    pub(crate) fn to_wit(&self) -> wit::CallbackConfig {
        wit::CallbackConfig {
            timeout_seconds: self.timeout.as_secs(),
            heartbeat_timeout_seconds: self.heartbeat_timeout.as_secs(),
            sub_type: self.sub_type.clone(),
        }
    }
}

/// Configuration of `wait_for_callback` (AWS `WaitForCallbackConfig`): the callback's
/// config plus the retry strategy of the submitter step.
#[derive(Debug, Clone, Default)]
pub struct WaitForCallbackConfig {
    pub callback: CallbackConfig,
    /// `None` = the AWS default step strategy.
    pub retry_strategy: Option<RetryStrategy>,
}

impl WaitForCallbackConfig {
    pub fn new(callback: CallbackConfig) -> Self {
        callback.into()
    }

    pub fn retry_strategy(mut self, strategy: impl Into<RetryStrategy>) -> Self {
        self.retry_strategy = Some(strategy.into());
        self
    }
}

impl From<CallbackConfig> for WaitForCallbackConfig {
    fn from(callback: CallbackConfig) -> Self {
        WaitForCallbackConfig {
            callback,
            retry_strategy: None,
        }
    }
}

/// Whole seconds, saturating (WIT durations are `u32` seconds).
fn secs32(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_strategy_maps_to_wit() {
        let config = StepConfig::new().retry_strategy(RetryStrategyConfig {
            max_attempts: 4,
            initial_delay: Duration::from_secs(1),
            backoff: Backoff::Linear {
                increment: Duration::from_secs(2),
            },
            jitter: JitterStrategy::Half,
            retryable_error_types: Some(vec!["Transient".into()]),
            ..RetryStrategyConfig::default()
        });
        let (wit, function) = config.to_wit();
        assert!(function.is_none());
        let Some(wit::RetryStrategy::Custom(c)) = wit.retry else {
            panic!("expected a custom strategy")
        };
        assert_eq!((c.max_attempts, c.initial_delay_seconds), (4, 1));
        assert_eq!((c.backoff, c.increment_seconds), (wit::Backoff::Linear, 2));
        assert_eq!(c.jitter, wit::Jitter::Half);
        assert_eq!(c.retryable_error_types, Some(vec!["Transient".to_string()]));
        assert_eq!(wit.semantics, wit::StepSemantics::AtLeastOncePerRetry);
    }

    #[test]
    fn function_strategy_is_decided_by_the_guest() {
        let config = StepConfig::new().retry_strategy(RetryStrategy::function(|_, attempt| {
            RetryDecision::retry(Duration::from_secs(u64::from(attempt)))
        }));
        let (wit, function) = config.to_wit();
        assert!(wit.retry.is_none());
        let error = crate::Error::msg("x").to_error_object();
        assert_eq!(function.unwrap()(&error, 3).delay, Duration::from_secs(3));
    }
}

impl JitterStrategy {
    pub(crate) fn to_wit(self) -> wit::Jitter {
        match self {
            JitterStrategy::None => wit::Jitter::None,
            JitterStrategy::Full => wit::Jitter::Full,
            JitterStrategy::Half => wit::Jitter::Half,
        }
    }
}
