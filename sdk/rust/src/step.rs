//! Steps: the host decides whether the body runs (`run`) or a recorded outcome is returned
//! (`done`), and applies the retry strategy to a failed attempt.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::durabox::durable::types::{RetryDecision, StepAttempt, StepStart};
use crate::context::finish;
use crate::{
    DurableContext, DurableError, DurableResult, Error, JsonSerdes, Logger, OperationName, Serdes,
    StepConfig,
};

/// What a step body receives.
pub struct StepContext<'a> {
    logger: Logger<'a>,
    attempt: u32,
}

impl<'a> StepContext<'a> {
    /// The current attempt, starting at 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    pub fn logger(&self) -> Logger<'a> {
        self.logger
    }
}

impl DurableContext<'_> {
    /// Runs `f` as a durable step: its JSON result is checkpointed and, on replay, returned
    /// without running `f` again. Failed attempts are retried with the AWS default strategy.
    ///
    /// A failure that is not retried returns [`DurableError::StepFailed`]; a scheduled retry
    /// returns [`DurableError::Suspended`].
    pub fn step<T, F>(&self, name: impl OperationName, f: F) -> DurableResult<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&StepContext<'_>) -> Result<T, Error>,
    {
        self.step_with_config(name, StepConfig::default(), f)
    }

    pub fn step_with_config<T, F>(
        &self,
        name: impl OperationName,
        config: StepConfig,
        f: F,
    ) -> DurableResult<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(&StepContext<'_>) -> Result<T, Error>,
    {
        self.step_with_serdes(name, config, &JsonSerdes::new(), f)
    }

    /// [`step_with_config`](Self::step_with_config) with a custom [`Serdes`] for the step's
    /// result (AWS `StepConfig.serdes`): the checkpointed payload is `serdes.serialize(value)`,
    /// and the value returned (also on replay) is `serdes.deserialize(payload)`.
    pub fn step_with_serdes<T, F>(
        &self,
        name: impl OperationName,
        config: StepConfig,
        serdes: &dyn Serdes<T>,
        f: F,
    ) -> DurableResult<T>
    where
        F: FnOnce(&StepContext<'_>) -> Result<T, Error>,
    {
        let name = name.into_name();
        let (config, retry_fn) = config.to_wit();
        let StepAttempt { id, attempt } = match self.raw.step_begin(name.as_deref(), &config)? {
            StepStart::Done(outcome) => {
                return finish(outcome, None, serdes, DurableError::StepFailed)
            }
            StepStart::Run(attempt) => attempt,
        };
        let step = StepContext {
            logger: self.logger(),
            attempt,
        };
        let (body, decision) = match f(&step) {
            Ok(value) => match serdes.serialize(&value) {
                Ok(payload) => (Ok(payload), None),
                // A value that cannot be serialized fails the same way on every attempt.
                Err(e) => (Err(e.to_error_object()), Some(no_retry())),
            },
            Err(e) => {
                let error = e.to_error_object();
                let decision = retry_fn.map(|f| f(&error, attempt).into());
                (Err(error), decision)
            }
        };
        let body = body.as_deref();
        let outcome = self.raw.step_end(&id, body, decision)?;
        finish(outcome, body.ok(), serdes, DurableError::StepFailed)
    }
}

fn no_retry() -> RetryDecision {
    RetryDecision {
        should_retry: false,
        delay_seconds: 0,
    }
}
