//! Steps: the host decides whether the body runs (`run`) or a recorded outcome is returned
//! (`done`), and applies the retry strategy to a failed attempt.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::bindings::durabox::durable::types::{Outcome, RetryDecision, StepAttempt, StepStart};
use crate::context::finish;
use crate::plugin::{
    self, AttemptEndInfo, AttemptInfo, OperationEndInfo, OperationInfo, OperationKind,
    OperationOutcome,
};
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
        let hooks = plugin::active().then(|| StepHooks::new(&id, name.as_deref(), attempt));
        let result = match &hooks {
            Some(hooks) => hooks.around_attempt(|| f(&step)),
            None => f(&step),
        };
        let (body, decision) = match result {
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
        let outcome = self.raw.step_end(&id, body.map(Some), decision)?;
        if let Some(hooks) = &hooks {
            hooks.ended(&outcome);
        }
        finish(outcome, body.ok(), serdes, DurableError::StepFailed)
    }
}

/// A running step attempt as plugins see it.
struct StepHooks {
    operation: OperationInfo,
    attempt: u32,
}

impl StepHooks {
    /// Fires `on_operation_start` the first time this invocation runs the step.
    fn new(id: &str, name: Option<&str>, attempt: u32) -> Self {
        let operation = OperationInfo {
            id: id.to_owned(),
            name: name.map(str::to_owned),
            kind: OperationKind::Step,
        };
        if plugin::first_start(id) {
            plugin::emit(|p| p.on_operation_start(&operation));
        }
        StepHooks { operation, attempt }
    }

    /// Runs the attempt's function between `on_attempt_start` and `on_attempt_end`.
    fn around_attempt<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let start = AttemptInfo {
            operation: self.operation.clone(),
            attempt: self.attempt,
        };
        plugin::emit(|p| p.on_attempt_start(&start));
        let result = f();
        let end = AttemptEndInfo {
            operation: self.operation.clone(),
            attempt: self.attempt,
            outcome: match result {
                Ok(_) => OperationOutcome::Succeeded,
                Err(_) => OperationOutcome::Failed,
            },
        };
        plugin::emit(|p| p.on_attempt_end(&end));
        result
    }

    /// Fires `on_operation_end` once the step is terminal (a retry is not).
    fn ended(&self, outcome: &Outcome) {
        let status = match outcome {
            Outcome::Succeeded(_) => OperationOutcome::Succeeded,
            Outcome::Failed(_) => OperationOutcome::Failed,
        };
        let info = OperationEndInfo {
            operation: self.operation.clone(),
            status,
        };
        plugin::emit(|p| p.on_operation_end(&info));
    }
}

fn no_retry() -> RetryDecision {
    RetryDecision {
        should_retry: false,
        delay_seconds: 0,
    }
}
