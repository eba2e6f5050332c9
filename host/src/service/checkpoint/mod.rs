//! CheckpointDurableExecution: validators (reference §4.5) and processors (§4.4).
//! A request is validated whole before any update is applied, so a rejected request
//! changes nothing.
//!
//! A request goes token check → [`validate`] (with [`transitions`], the per-type state
//! machines) → footprint check → [`apply`] (or [`invoke`] for chained invokes), which
//! records each operation and its history event.

mod apply;
mod door;
mod invoke;
mod transitions;
mod validate;

use base64::Engine as _;

use serde_json::json;

pub use door::{Caller, CheckpointApi, CheckpointRequest, CheckpointResponse};

use super::execution::{Execution, PendingCompletion};
use super::ServiceError;
use crate::model::{
    limits, Millis, Operation, OperationAction as Action, OperationStatus as Status,
    OperationType as Type, OperationUpdate,
};

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameterValue(message.into())
}

impl CheckpointApi for Execution {
    fn checkpoint(
        &mut self,
        request: CheckpointRequest,
    ) -> Result<CheckpointResponse<'_>, ServiceError> {
        match request.caller {
            Caller::Client {
                checkpoint_token,
                client_token,
            } => self.client_checkpoint(checkpoint_token, client_token, request.updates),
            Caller::Engine => {
                self.check_and_apply(request.updates)?;
                Ok(self.applied(None))
            }
        }
    }

    fn operation(&self, id: &str) -> Option<&Operation> {
        Execution::operation(self, id)
    }
}

impl Execution {
    /// The checkpoint token a caller must present next.
    pub fn checkpoint_token(&self) -> String {
        let token = json!({ "arn": self.arn, "seq": self.token_seq, "key": self.secret });
        base64::engine::general_purpose::STANDARD.encode(token.to_string())
    }

    /// Validates and applies `updates` as the engine would send them; returns the ids
    /// of the operations they touched.
    #[cfg(test)]
    pub(crate) fn apply_checkpoint(
        &mut self,
        updates: &[OperationUpdate],
    ) -> Result<Vec<String>, ServiceError> {
        let response = self.checkpoint(CheckpointRequest::from_engine(updates.to_vec()))?;
        Ok(response
            .operations()
            .into_iter()
            .map(|op| op.id.clone())
            .collect())
    }

    /// A client's request: the token (and ClientToken idempotency) checked, then applied.
    fn client_checkpoint(
        &mut self,
        token: String,
        client_token: Option<String>,
        updates: Vec<OperationUpdate>,
    ) -> Result<CheckpointResponse<'_>, ServiceError> {
        if let (Some(client), Some((last_client, last_token, response))) =
            (&client_token, &self.last_checkpoint)
        {
            if client == last_client && &token == last_token {
                return Ok(CheckpointResponse::Repeated(response.clone()));
            }
        }
        if token != self.checkpoint_token() || self.status.is_terminal() {
            return Err(invalid("Invalid checkpoint token"));
        }
        // AWS sends no token once an EXECUTION update completed the execution.
        let completes = updates.iter().any(|u| u.op_type == Type::Execution);
        self.check_and_apply(updates)?;
        self.token_seq += 1;
        let next_token = (!completes).then(|| self.checkpoint_token());
        if let Some(client) = client_token {
            let body = self.applied(next_token.clone()).to_json();
            self.last_checkpoint = Some((client, token, body));
        }
        Ok(self.applied(next_token))
    }

    /// Refuses a checkpoint to a completed execution, invalid updates, or updates past
    /// the footprint limit; on success the updates are counted as held.
    fn check_updates(&mut self, updates: &[OperationUpdate]) -> Result<(), ServiceError> {
        if self.status.is_terminal() {
            return Err(invalid(
                "Invalid checkpoint token: the execution has completed.",
            ));
        }
        self.validate_updates(updates)?;
        self.hold(updates)
    }

    /// The answer to the checkpoint just applied.
    fn applied(&self, checkpoint_token: Option<String>) -> CheckpointResponse<'_> {
        CheckpointResponse::Applied {
            operations: self.operations(),
            touched: &self.touched,
            checkpoint_token,
        }
    }

    /// Checks `updates` whole, then applies them; `touched` holds the positions they
    /// touched.
    fn check_and_apply(&mut self, updates: Vec<OperationUpdate>) -> Result<(), ServiceError> {
        self.check_updates(&updates)?;
        self.apply_checked(updates);
        Ok(())
    }

    /// Applies validated updates in order, on one reading of the clock; `touched` holds
    /// the positions of the operations they touched, each once, in request order.
    fn apply_checked(&mut self, updates: Vec<OperationUpdate>) {
        let now = self.clock.now();
        self.touched.clear();
        for update in updates {
            if let Some(i) = self.apply_update(update, now) {
                self.track_timer_at(i);
                if !self.touched.contains(&i) {
                    self.touched.push(i);
                }
            }
        }
        self.complete_due_timers_at(now);
    }

    /// Counts what `updates` add to the execution's footprint in the host; refuses them
    /// past [`limits::MAX_EXECUTION_HELD_BYTES`].
    fn hold(&mut self, updates: &[OperationUpdate]) -> Result<(), ServiceError> {
        let adding: u64 = updates
            .iter()
            .map(|u| {
                let payload = u.payload.as_ref().map_or(0, String::len);
                let error = u.error.as_ref().map_or(0, |e| e.json_len());
                limits::HELD_BYTES_PER_UPDATE + (payload + error) as u64
            })
            .sum();
        let held = self.held_bytes.saturating_add(adding);
        if held > limits::MAX_EXECUTION_HELD_BYTES {
            return Err(ServiceError::ExecutionTooLarge(format!(
                "The execution would hold more than {} MiB in the host (its operations, \
                 payloads and history; durabox's per-execution limit)",
                limits::MAX_EXECUTION_HELD_BYTES >> 20
            )));
        }
        self.held_bytes = held;
        Ok(())
    }

    /// Applies one update; returns the position of its operation (None for EXECUTION).
    fn apply_update(&mut self, update: OperationUpdate, now: Millis) -> Option<usize> {
        let i = match update.op_type {
            Type::Execution => {
                self.pending_completion = Some(match update.action {
                    Action::Succeed => PendingCompletion::Succeeded(update.payload),
                    _ => PendingCompletion::Failed(update.error.unwrap_or_default()),
                });
                return None;
            }
            Type::Step => self.apply_step(update, now),
            Type::Context => self.apply_context(update, now),
            Type::Wait => self.apply_wait(update, now),
            Type::Callback => self.apply_callback(update, now),
            Type::ChainedInvoke => self.apply_chained_invoke(update, now),
        };
        self.updated_ids.push(i);
        Some(i)
    }

    /// The position of the operation for `update`, created with its identity (taken
    /// from the update: a new operation's `update.id` is left empty) if absent, with
    /// `status` set.
    fn upsert(&mut self, update: &mut OperationUpdate, status: Status, now: Millis) -> usize {
        let i = match self.position(&update.id) {
            Some(i) => i,
            None => {
                let id = std::mem::take(&mut update.id);
                let mut op = Operation::new(id, update.op_type, status, now);
                op.parent_id = update.parent_id.take();
                op.name = update.name.take();
                op.sub_type = update.sub_type.take();
                self.insert_operation(op)
            }
        };
        let op = self.operation_at_mut(i);
        op.status = status;
        if status.is_terminal() && op.end_timestamp.is_none() {
            op.end_timestamp = Some(now);
        }
        i
    }
}
