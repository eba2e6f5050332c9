//! wait_for_condition: poll a check function until the state says stop. The host records
//! each poll and computes the delays; the check and the stop predicate are guest code.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::durabox::durable::types::{
    self as wit, ConditionCheck, ConditionDecision, ConditionStart,
};
use crate::context::{finish, from_json};
use crate::{
    DurableContext, DurableError, DurableResult, Error, JitterStrategy, JsonSerdes, Logger,
    OperationName,
};

/// AWS `WaitStrategyConfig` defaults: 60 checks, 5 s initial, 300 s cap, rate 1.5, full jitter.
#[derive(Clone, Debug)]
pub struct WaitStrategyConfig {
    pub max_attempts: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    pub backoff_rate: f64,
    pub jitter: JitterStrategy,
}

impl Default for WaitStrategyConfig {
    fn default() -> Self {
        Self {
            max_attempts: 60,
            initial_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(300),
            backoff_rate: 1.5,
            jitter: JitterStrategy::Full,
        }
    }
}

/// What a custom wait strategy decides after a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitDecision {
    Stop,
    ContinueAfter(Duration),
}

/// A custom wait strategy: decides from the state and the attempt number (1-based).
pub type WaitFn<S> = Box<dyn Fn(&S, u32) -> WaitDecision>;

/// When to poll again (AWS `create_wait_strategy` or a custom function).
pub enum WaitStrategy<S> {
    /// Poll with backoff while `should_continue(state)` holds.
    Backoff {
        should_continue: Box<dyn Fn(&S) -> bool>,
        config: WaitStrategyConfig,
    },
    /// Decide from the state and the attempt number (1-based).
    Function(WaitFn<S>),
}

impl<S> WaitStrategy<S> {
    /// Polls with the AWS default backoff while `should_continue(state)` holds.
    pub fn until(should_continue: impl Fn(&S) -> bool + 'static) -> Self {
        Self::with_config(should_continue, WaitStrategyConfig::default())
    }

    pub fn with_config(
        should_continue: impl Fn(&S) -> bool + 'static,
        config: WaitStrategyConfig,
    ) -> Self {
        Self::Backoff {
            should_continue: Box::new(should_continue),
            config,
        }
    }

    pub fn function(f: impl Fn(&S, u32) -> WaitDecision + 'static) -> Self {
        Self::Function(Box::new(f))
    }

    fn decide(&self, state: &S, attempt: u32) -> ConditionDecision {
        match self {
            Self::Backoff {
                should_continue,
                config,
            } => {
                if !should_continue(state) {
                    return ConditionDecision::Stop;
                }
                ConditionDecision::ContinueWith(wit::WaitStrategyConfig {
                    max_attempts: config.max_attempts,
                    initial_delay_seconds: seconds(config.initial_delay),
                    max_delay_seconds: seconds(config.max_delay),
                    backoff_rate: config.backoff_rate,
                    jitter: config.jitter.to_wit(),
                })
            }
            Self::Function(f) => match f(state, attempt) {
                WaitDecision::Stop => ConditionDecision::Stop,
                WaitDecision::ContinueAfter(delay) => {
                    ConditionDecision::ContinueAfter(seconds(delay))
                }
            },
        }
    }
}

fn seconds(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

/// AWS `WaitForConditionConfig`.
pub struct WaitForConditionConfig<S> {
    pub initial_state: S,
    pub strategy: WaitStrategy<S>,
}

impl<S> WaitForConditionConfig<S> {
    pub fn new(initial_state: S, strategy: WaitStrategy<S>) -> Self {
        Self {
            initial_state,
            strategy,
        }
    }
}

/// What a check function receives.
pub struct ConditionContext<'a> {
    logger: Logger<'a>,
    attempt: u32,
}

impl<'a> ConditionContext<'a> {
    /// The current check, starting at 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    pub fn logger(&self) -> Logger<'a> {
        self.logger
    }
}

impl DurableContext<'_> {
    /// Runs `check` on the state until the strategy says stop; returns the final state.
    /// Every check is checkpointed (a STEP of subtype `WaitForCondition`), the waits in
    /// between suspend the invocation. A failing check, or running out of attempts,
    /// returns [`DurableError::ConditionFailed`].
    pub fn wait_for_condition<S, F>(
        &self,
        name: impl OperationName,
        check: F,
        config: WaitForConditionConfig<S>,
    ) -> DurableResult<S>
    where
        S: Serialize + DeserializeOwned,
        F: FnOnce(S, &ConditionContext<'_>) -> Result<S, Error>,
    {
        let name = name.into_name();
        let initial = serde_json::to_string(&config.initial_state)?;
        let ConditionCheck { id, attempt, state } =
            match self.raw.condition_begin(name.as_deref(), &initial)? {
                ConditionStart::Done(outcome) => {
                    return finish(
                        outcome,
                        None,
                        &JsonSerdes::new(),
                        DurableError::ConditionFailed,
                    )
                }
                ConditionStart::Check(check) => check,
            };
        let state: S = from_json(Some(&state))?;
        let context = ConditionContext {
            logger: self.logger(),
            attempt,
        };
        let (checked, decision) = match check(state, &context) {
            Ok(new_state) => {
                let payload = serde_json::to_string(&new_state)?;
                // The strategy sees the state as it will be replayed.
                let round_tripped: S = from_json(Some(&payload))?;
                (Ok(payload), config.strategy.decide(&round_tripped, attempt))
            }
            Err(e) => (Err(e.to_error_object()), ConditionDecision::Stop),
        };
        let checked = match &checked {
            Ok(payload) => Ok(payload.as_str()),
            Err(error) => Err(error),
        };
        let outcome = self.raw.condition_end(&id, checked, decision)?;
        finish(
            outcome,
            None,
            &JsonSerdes::new(),
            DurableError::ConditionFailed,
        )
    }
}
