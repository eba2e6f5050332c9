//! Whole-request validation: every update is checked against the operations recorded
//! and those the request itself started earlier, before anything is applied.

use std::collections::HashMap;

use super::invalid;
use super::transitions::validate_transition;
use crate::model::{
    limits, Operation, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate,
};
use crate::service::execution::Execution;
use crate::service::ServiceError;

/// What validation needs to know of an operation updated earlier in the request.
struct Seen {
    op_type: Type,
    /// The status the updates so far lead to.
    status: Option<Status>,
    /// How many updates of the request touched it so far.
    updates: usize,
    first_action: Action,
}

impl Execution {
    pub(super) fn validate_updates(&self, updates: &[OperationUpdate]) -> Result<(), ServiceError> {
        let executions = updates
            .iter()
            .filter(|u| u.op_type == Type::Execution)
            .count();
        if executions > 1 {
            return Err(invalid("Cannot checkpoint multiple EXECUTION updates."));
        }
        if executions == 1 && updates.last().map(|u| u.op_type) != Some(Type::Execution) {
            return Err(invalid("EXECUTION checkpoint must be the last update."));
        }
        // Simulated state after the updates seen so far in this request.
        let mut in_request: HashMap<&str, Seen> = HashMap::new();
        for (k, update) in updates.iter().enumerate() {
            validate_lengths(update)?;
            validate_repeat(update, &in_request)?;
            self.validate_parent(update, &in_request)?;
            let existing = self.operation(&update.id);
            if let Some(op) = existing {
                validate_identity(update, op)?;
            }
            validate_payload_sizes(update)?;
            if update.op_type == Type::ChainedInvoke && update.action == Action::Start {
                self.validate_invoke_target(update)?;
            }
            let current = in_request
                .get(update.id.as_str())
                .map(|seen| seen.status)
                .unwrap_or_else(|| existing.map(|op| op.status));
            let next = validate_transition(update, current)?;
            if k + 1 == updates.len() {
                // No later update of this request looks at what this one did.
                break;
            }
            let seen = in_request.entry(update.id.as_str()).or_insert(Seen {
                op_type: update.op_type,
                status: None,
                updates: 0,
                first_action: update.action,
            });
            seen.status = next;
            seen.updates += 1;
        }
        Ok(())
    }

    fn validate_parent(
        &self,
        update: &OperationUpdate,
        in_request: &HashMap<&str, Seen>,
    ) -> Result<(), ServiceError> {
        let Some(parent) = update.parent_id.as_deref() else {
            return Ok(());
        };
        let existing = self.operation(parent).map(|op| op.op_type);
        let started_here = in_request.get(parent).map(|seen| seen.op_type);
        if existing == Some(Type::Context) || started_here == Some(Type::Context) {
            Ok(())
        } else {
            Err(invalid("Invalid parent operation id."))
        }
    }
}

/// One request may name an operation twice only to start a STEP or CONTEXT and close it.
fn validate_repeat(
    update: &OperationUpdate,
    in_request: &HashMap<&str, Seen>,
) -> Result<(), ServiceError> {
    if update.op_type == Type::Execution {
        return Ok(());
    }
    if let Some(seen) = in_request.get(update.id.as_str()) {
        let allowed = seen.updates == 1
            && seen.first_action == Action::Start
            && matches!(seen.op_type, Type::Step | Type::Context)
            && update.action != Action::Start;
        if !allowed {
            return Err(invalid(
                "Cannot checkpoint multiple operations with the same ID.",
            ));
        }
    }
    Ok(())
}

/// The model's length bounds on an update's identity fields (botocore:
/// OperationId 1..64, Name 1..256, SubType 1..32), in AWS's validation wording. They also
/// keep what a guest makes the host hold in proportion to its payloads.
fn validate_lengths(update: &OperationUpdate) -> Result<(), ServiceError> {
    let fields = [
        ("id", Some(&update.id), limits::MAX_OPERATION_ID_CHARS),
        (
            "parentId",
            update.parent_id.as_ref(),
            limits::MAX_OPERATION_ID_CHARS,
        ),
        (
            "name",
            update.name.as_ref(),
            limits::MAX_OPERATION_NAME_CHARS,
        ),
        (
            "subType",
            update.sub_type.as_ref(),
            limits::MAX_OPERATION_SUB_TYPE_CHARS,
        ),
    ];
    for (field, value, max) in fields {
        // A string of at most `max` bytes has at most `max` chars: count only longer ones.
        if value.is_some_and(|v| v.len() > max && v.chars().count() > max) {
            return Err(invalid(format!(
                "1 validation error detected: Value at 'updates.member.{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            )));
        }
    }
    Ok(())
}

fn validate_identity(update: &OperationUpdate, op: &Operation) -> Result<(), ServiceError> {
    if update.op_type != op.op_type {
        return Err(invalid("Inconsistent operation type."));
    }
    if update.sub_type.is_some() && update.sub_type != op.sub_type {
        return Err(invalid("Inconsistent operation subtype."));
    }
    if update.name.is_some() && update.name != op.name {
        return Err(invalid("Inconsistent operation name."));
    }
    if update.parent_id.is_some() && update.parent_id != op.parent_id {
        return Err(invalid("Inconsistent parent operation id."));
    }
    Ok(())
}

fn validate_payload_sizes(update: &OperationUpdate) -> Result<(), ServiceError> {
    if let Some(error) = &update.error {
        if error.json_len() > limits::MAX_ERROR_OBJECT {
            return Err(invalid("Error object size must be less than 32768 bytes."));
        }
    }
    let (max, what) = match update.op_type {
        Type::Execution => (limits::MAX_EXECUTION_PAYLOAD, "EXECUTION payload"),
        Type::ChainedInvoke => (
            limits::MAX_OPERATION_PAYLOAD,
            "CHAINED_INVOKE input payload",
        ),
        other => (limits::MAX_OPERATION_PAYLOAD, other.as_str()),
    };
    match &update.payload {
        Some(payload) if payload.len() > max => Err(invalid(format!(
            "{what} size must be less than or equal to {max} bytes."
        ))),
        _ => Ok(()),
    }
}
