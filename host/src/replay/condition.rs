//! wait-for-condition (reference §3.6): a STEP of subtype `WaitForCondition` whose
//! RETRY carries the polled state.

use super::retry::WaitStrategy;
use super::{ContextHandle, OpResult, Outcome, OwnedRequest, ReplayEngine};
use crate::model::{
    limits, ErrorObject, OperationAction as Action, OperationStatus as Status,
    OperationType as Type, StepOptions,
};
use crate::replay::host::ReplayHost;

/// What guest code decided after a check.
#[derive(Clone, Debug, PartialEq)]
pub enum ConditionDecision {
    Stop,
    ContinueWith(WaitStrategy),
    ContinueAfter(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConditionStart {
    Done(Outcome),
    Check {
        id: String,
        attempt: u32,
        state: String,
    },
}

/// A condition check the guest is running.
pub(super) struct OpenCondition {
    ctx: ContextHandle,
    op: OwnedRequest,
    attempt: u32,
}

impl ReplayEngine {
    pub fn condition_begin(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        initial_state: String,
    ) -> OpResult<ConditionStart> {
        let (id, parent) = self.next_id(ctx)?;
        let op = OwnedRequest {
            op_type: Type::Step,
            sub_type: std::borrow::Cow::Borrowed("WaitForCondition"),
            name: name.map(str::to_owned),
            parent,
        };
        let recorded = Self::recorded(execution, &id, &op.borrow())?.map(|o| {
            let attempt = o.step_details.as_ref().map_or(0, |d| d.attempt);
            (
                o.status,
                attempt,
                o.result().map(str::to_owned),
                o.error().cloned(),
            )
        });
        if matches!(recorded, None | Some((Status::Ready | Status::Started, ..))) {
            if let Some(stop) = self.beyond_history(execution, ctx, &id, &op.borrow()) {
                return stop;
            }
        }
        let (attempt, state) = match recorded {
            None => {
                self.checkpoint(execution, op.borrow().update(&id, Action::Start))?;
                (1, initial_state)
            }
            Some((Status::Succeeded, _, result, _)) => {
                return Ok(Ok(ConditionStart::Done(Outcome::Succeeded(result))))
            }
            Some((Status::Pending, ..)) => return self.suspend(ctx),
            Some((status @ (Status::Ready | Status::Started), attempt, result, _)) => {
                if status == Status::Ready {
                    self.checkpoint(execution, op.borrow().update(&id, Action::Start))?;
                }
                (attempt + 1, result.unwrap_or(initial_state))
            }
            Some((_, _, _, error)) => {
                let error = error.unwrap_or_else(|| {
                    ErrorObject::new("WaitForConditionError", "Condition failed")
                });
                return Ok(Ok(ConditionStart::Done(Outcome::Failed(error))));
            }
        };
        self.open_conditions
            .insert(id.clone(), OpenCondition { ctx, op, attempt });
        Ok(Ok(ConditionStart::Check { id, attempt, state }))
    }

    /// Reports a check's new state (or error) and whether to poll again.
    pub fn condition_end(
        &mut self,
        execution: &mut dyn ReplayHost,
        id: &str,
        checked: Result<String, ErrorObject>,
        decision: ConditionDecision,
    ) -> OpResult<Outcome> {
        let open =
            self.open_conditions
                .remove(id)
                .ok_or_else(|| super::ReplayFault::UnknownHandle {
                    what: "condition",
                    id: id.to_owned(),
                })?;
        let request = open.op.borrow();
        let fail = |error: ErrorObject| {
            let mut update = request.update(id, Action::Fail);
            update.error = Some(error);
            update
        };
        let state = match checked {
            Ok(state) => state,
            Err(error) => {
                self.checkpoint(execution, fail(error.clone()))?;
                return Ok(Ok(Outcome::Failed(error)));
            }
        };
        let delay = match decision {
            ConditionDecision::Stop => {
                let mut update = request.update(id, Action::Succeed);
                update.payload = Some(state.clone());
                self.checkpoint(execution, update)?;
                return Ok(Ok(Outcome::Succeeded(Some(state))));
            }
            ConditionDecision::ContinueAfter(seconds) => u64::from(seconds).max(1),
            ConditionDecision::ContinueWith(strategy) => {
                let sample = self.jitter_sample(id, open.attempt);
                match strategy.next_delay(open.attempt, sample) {
                    Some(delay) => delay,
                    None => {
                        let error = self.flavour.condition_exhausted(strategy.max_attempts);
                        self.checkpoint(execution, fail(error.clone()))?;
                        return Ok(Ok(Outcome::Failed(error)));
                    }
                }
            }
        };
        let mut update = request.update(id, Action::Retry);
        update.payload = Some(state);
        update.step_options = Some(StepOptions {
            next_attempt_delay_seconds: delay.min(limits::MAX_DELAY_SECONDS),
        });
        self.checkpoint(execution, update)?;
        self.suspend(open.ctx)
    }
}
