//! Steps: begin (replay, or run an attempt) and end (record the outcome or schedule a retry).

use super::*;
use crate::model::mocks::MockAnswer;

/// What a recorded step says: status, attempts made, result and error.
type RecordedStep = (Status, u32, Option<String>, Option<ErrorObject>);

fn recorded_step(op: &Operation) -> RecordedStep {
    let attempt = op.step_details.as_ref().map_or(0, |d| d.attempt);
    let result = op.result().map(str::to_owned);
    (op.status, attempt, result, op.error().cloned())
}

impl ReplayEngine {
    pub fn step_begin(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        config: StepConfig,
    ) -> OpResult<StepStart> {
        let (id, parent) = self.next_id(ctx)?;
        let sub_type = config
            .sub_type
            .clone()
            .map_or(std::borrow::Cow::Borrowed("Step"), std::borrow::Cow::Owned);
        let request = Request {
            op_type: Type::Step,
            sub_type: &sub_type,
            name,
            parent: parent.as_deref(),
        };
        let recorded = Self::recorded(execution, &id, &request)?.map(recorded_step);
        if matches!(recorded, None | Some((Status::Ready | Status::Started, ..))) {
            if let Some(stop) = self.beyond_history(execution, ctx, &id, &request) {
                return stop;
            }
        }
        let attempt = match recorded {
            None => {
                self.start_attempt(execution, request.update(&id, Action::Start), &config)?;
                1
            }
            Some((Status::Succeeded, _, result, _)) => {
                return Ok(Ok(StepStart::Done(Outcome::Succeeded(result))))
            }
            Some((Status::Pending, ..)) => return self.suspend(ctx),
            Some((Status::Ready, attempt, ..)) => {
                self.start_attempt(execution, request.update(&id, Action::Start), &config)?;
                attempt + 1
            }
            Some((Status::Started, attempt, ..)) => {
                if config.semantics == StepSemantics::AtMostOncePerRetry {
                    return self
                        .interrupted_attempt(execution, ctx, &request, &id, attempt, &config);
                }
                attempt + 1
            }
            Some((_, _, _, error)) => {
                let error =
                    error.unwrap_or_else(|| ErrorObject::new("StepError", "Step did not succeed"));
                return Ok(Ok(StepStart::Done(Outcome::Failed(error))));
            }
        };
        let op = OwnedRequest {
            op_type: Type::Step,
            sub_type,
            name: name.map(str::to_owned),
            parent,
        };
        self.open_attempt(execution, ctx, id, op, attempt, config.retry)
    }

    /// An at-most-once attempt that began but never reported back: it counts as failed.
    fn interrupted_attempt(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        request: &Request,
        id: &str,
        attempt: u32,
        config: &StepConfig,
    ) -> OpResult<StepStart> {
        let error = ErrorObject::new(
            STEP_INTERRUPTED,
            format!(
                "Step '{}' was interrupted before it finished (at-most-once per retry)",
                request.name.unwrap_or(id)
            ),
        );
        let retry = config.retry.as_ref();
        Ok(self
            .fail_attempt(execution, ctx, request, id, attempt + 1, retry, error, None)?
            .map(StepStart::Done))
    }

    /// Records the attempt as open, then hands it to the guest to run, or answers it
    /// from a mock as the body would have (retry strategy and all).
    fn open_attempt(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        id: String,
        op: OwnedRequest,
        attempt: u32,
        retry: Option<RetryPolicy>,
    ) -> OpResult<StepStart> {
        let mock = op.name.as_deref().and_then(|name| {
            let path = self.context_path(ctx);
            execution.step_mock(&path, name)
        });
        let open = OpenStep {
            ctx,
            op,
            attempt,
            retry,
        };
        self.open_steps.insert(id.clone(), open);
        if let Some(answer) = mock {
            let body = match answer {
                MockAnswer::Result(payload) => Ok(payload),
                MockAnswer::Error(error) => Err(error),
            };
            return Ok(self
                .step_end(execution, &id, body, None)?
                .map(StepStart::Done));
        }
        Ok(Ok(StepStart::Run { id, attempt }))
    }

    /// Names of the named contexts enclosing `ctx`, outermost first (for step mocks).
    fn context_path(&self, ctx: ContextHandle) -> Vec<&str> {
        let mut names = Vec::new();
        let mut at = Some(ctx.0);
        while let Some(i) = at {
            let frame = &self.frames[i];
            if let Some(name) = frame.request.as_ref().and_then(|r| r.name.as_deref()) {
                names.push(name);
            }
            at = frame.parent;
        }
        names.reverse();
        names
    }

    /// A uniform sample in [0, 1) for jitter, fixed per execution, step and attempt.
    pub(super) fn jitter_sample(&self, id: &str, attempt: u32) -> f64 {
        let mut seed = self.jitter_seed ^ u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for byte in id.bytes().take(16) {
            seed = seed.rotate_left(5) ^ u64::from(byte);
        }
        fastrand::Rng::with_seed(seed).f64()
    }

    /// A failed attempt: RETRY (and suspend) or FAIL (and return the failure).
    #[allow(clippy::too_many_arguments)]
    fn fail_attempt(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        request: &Request<'_>,
        id: &str,
        attempt: u32,
        retry: Option<&RetryPolicy>,
        error: ErrorObject,
        decision: Option<RetryDecision>,
    ) -> OpResult<Outcome> {
        let delay = match decision {
            Some(d) => d.should_retry.then_some(u64::from(d.delay_seconds).max(1)),
            None => {
                let default;
                let policy = match retry {
                    Some(p) => p,
                    None => {
                        default = RetryPolicy::preset(retry::RetryPreset::Default);
                        &default
                    }
                };
                policy.next_delay(&error, attempt, self.jitter_sample(id, attempt))
            }
        };
        match delay {
            Some(delay) => {
                let mut update = request.update(id, Action::Retry);
                update.error = Some(error);
                update.step_options = Some(StepOptions {
                    next_attempt_delay_seconds: delay.min(limits::MAX_DELAY_SECONDS),
                });
                self.checkpoint(execution, update)?;
                self.suspend(ctx)
            }
            None => {
                let mut update = request.update(id, Action::Fail);
                update.error = Some(error.clone());
                self.checkpoint(execution, update)?;
                Ok(Ok(Outcome::Failed(error)))
            }
        }
    }

    /// Reports how a step body ended.
    pub fn step_end(
        &mut self,
        execution: &mut dyn ReplayHost,
        id: &str,
        body: Result<Option<String>, ErrorObject>,
        decision: Option<RetryDecision>,
    ) -> OpResult<Outcome> {
        let step = self
            .open_steps
            .remove(id)
            .ok_or_else(|| ReplayFault::UnknownHandle {
                what: "step",
                id: id.to_owned(),
            })?;
        let request = step.op.borrow();
        match body {
            Ok(payload) => {
                let mut update = request.update(id, Action::Succeed);
                update.payload = payload.clone();
                self.checkpoint(execution, update)?;
                Ok(Ok(Outcome::Succeeded(payload)))
            }
            Err(error) => self.fail_attempt(
                execution,
                step.ctx,
                &request,
                id,
                step.attempt,
                step.retry.as_ref(),
                error,
                decision,
            ),
        }
    }
}

impl ReplayEngine {
    /// Checkpoints a step attempt's START. At most once per retry, the body may run only
    /// once that START is durable, so the store must commit it before the body runs. At
    /// least once, AWS's SDKs send it without waiting for it (Python: a non-blocking
    /// checkpoint; JS: one not awaited), so it goes with the engine's next request,
    /// usually the step's end.
    fn start_attempt(
        &mut self,
        execution: &mut dyn ReplayHost,
        start: OperationUpdate,
        config: &StepConfig,
    ) -> Result<(), ReplayFault> {
        if config.semantics != StepSemantics::AtMostOncePerRetry {
            return self.defer(execution, start);
        }
        self.checkpoint(execution, start)?;
        execution.require_durable();
        Ok(())
    }
}
