//! CheckpointDurableExecution: validators (reference §4.5) and processors (§4.4).
//! A request is validated whole before any update is applied, so a rejected request
//! changes nothing.
//!
//! A request goes token check → [`validate`] (with [`transitions`], the per-type state
//! machines) → footprint check → [`apply`] (or [`invoke`] for chained invokes), which
//! records each operation and its history event.

mod apply;
mod invoke;
mod transitions;
mod validate;

use base64::Engine as _;

use serde_json::{json, Value};

use super::execution::{Execution, PendingCompletion};
use super::ServiceError;
use crate::model::{
    limits, Operation, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate,
};

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameterValue(message.into())
}

impl Execution {
    /// The checkpoint token a caller must present next.
    pub fn checkpoint_token(&self) -> String {
        let token = json!({ "arn": self.arn, "seq": self.token_seq, "key": self.secret });
        base64::engine::general_purpose::STANDARD.encode(token.to_string())
    }

    /// CheckpointDurableExecution: checks the token (and ClientToken idempotency),
    /// applies the updates, and returns the response body: a fresh token and the
    /// operations the request touched.
    pub fn checkpoint_request(
        &mut self,
        token: &str,
        client_token: Option<&str>,
        updates: &[OperationUpdate],
    ) -> Result<Value, ServiceError> {
        if let (Some(client), Some((last_client, last_token, response))) =
            (client_token, &self.last_checkpoint)
        {
            if client == last_client && token == last_token {
                return Ok(response.clone());
            }
        }
        if token != self.checkpoint_token() || self.status.is_terminal() {
            return Err(invalid("Invalid checkpoint token"));
        }
        let touched = self.apply_checkpoint(updates)?;
        self.token_seq += 1;
        let operations: Vec<&Operation> =
            touched.iter().filter_map(|id| self.operation(id)).collect();
        let mut response = json!({ "NewExecutionState": { "Operations": operations } });
        // AWS sends no token once an EXECUTION update completed the execution.
        if !updates.iter().any(|u| u.op_type == Type::Execution) {
            response["CheckpointToken"] = json!(self.checkpoint_token());
        }
        if let Some(client) = client_token {
            self.last_checkpoint = Some((client.to_owned(), token.to_owned(), response.clone()));
        }
        Ok(response)
    }

    /// Validates and applies `updates` in order; returns the ids of touched operations.
    pub fn apply_checkpoint(
        &mut self,
        updates: &[OperationUpdate],
    ) -> Result<Vec<String>, ServiceError> {
        if self.status.is_terminal() {
            return Err(invalid(
                "Invalid checkpoint token: the execution has completed.",
            ));
        }
        self.validate_updates(updates)?;
        self.hold(updates)?;
        let mut touched = Vec::with_capacity(updates.len());
        for update in updates {
            self.apply_update(update);
            self.track_timer(&update.id);
            if update.op_type != Type::Execution && !touched.contains(&update.id) {
                touched.push(update.id.clone());
            }
        }
        self.complete_due_timers();
        Ok(touched)
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

    fn apply_update(&mut self, update: &OperationUpdate) {
        let now = self.clock.now();
        match update.op_type {
            Type::Execution => {
                self.pending_completion = Some(match update.action {
                    Action::Succeed => PendingCompletion::Succeeded(update.payload.clone()),
                    _ => PendingCompletion::Failed(update.error.clone().unwrap_or_default()),
                });
                return;
            }
            Type::Step => self.apply_step(update, now),
            Type::Context => self.apply_context(update, now),
            Type::Wait => self.apply_wait(update, now),
            Type::Callback => self.apply_callback(update, now),
            Type::ChainedInvoke => self.apply_chained_invoke(update, now),
        }
        self.updated_ids.push(update.id.clone());
    }

    /// The operation for `update`, created with its identity if absent.
    fn upsert(&mut self, update: &OperationUpdate, status: Status, now: i64) -> &mut Operation {
        if self.operation(&update.id).is_none() {
            let mut op = Operation::new(update.id.clone(), update.op_type, status, now);
            op.parent_id = update.parent_id.clone();
            op.name = update.name.clone();
            op.sub_type = update.sub_type.clone();
            self.insert_operation(op);
        }
        let op = self.operation_mut(&update.id).expect("just inserted");
        op.status = status;
        if status.is_terminal() && op.end_timestamp.is_none() {
            op.end_timestamp = Some(now);
        }
        op
    }
}
