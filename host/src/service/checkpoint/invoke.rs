//! CHAINED_INVOKE: the target check at validation, and the three ways a start is
//! processed (a mocked answer, an unknown function failing at once, or a child
//! execution the runtime starts).

use super::invalid;
use crate::model::mocks::MockAnswer;
use crate::model::{
    ChainedInvokeDetails, ErrorObject, EventDetails, EventError, EventPayload, EventType,
    ExecutionStatus, OperationStatus as Status, OperationUpdate,
};
use crate::service::execution::{Execution, PendingInvoke};
use crate::service::ServiceError;

impl Execution {
    pub(super) fn validate_invoke_target(
        &self,
        update: &OperationUpdate,
    ) -> Result<(), ServiceError> {
        let options = update.chained_invoke_options.as_ref().ok_or_else(|| {
            invalid("Update for CHAINED_INVOKE operation requires ChainedInvokeOptions.")
        })?;
        let target = parse_function_target(&options.function_name)
            .ok_or_else(|| invalid(format!("Invalid function ARN '{}'", options.function_name)))?;
        if target.account.is_some_and(|a| a != self.spec.account_id) {
            return Err(invalid(
                "Cannot start a CHAINED_INVOKE on a function in another account.",
            ));
        }
        if target.region.is_some_and(|r| r != self.spec.region) {
            return Err(invalid(
                "Cannot start a CHAINED_INVOKE on a function in another region.",
            ));
        }
        if let Some(tenant) = &options.tenant_id {
            let valid = (1..=256).contains(&tenant.len())
                && tenant
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._:/=+-@ ".contains(c));
            if !valid {
                return Err(invalid(
                    "TenantId must be 1 to 256 characters matching [a-zA-Z0-9._:/=+-@ ].",
                ));
            }
        }
        Ok(())
    }

    pub(super) fn apply_chained_invoke(&mut self, mut update: OperationUpdate, now: i64) -> usize {
        let options = update.chained_invoke_options.clone().unwrap_or_default();
        let function = parse_function_target(&options.function_name)
            .map(|t| t.name.to_owned())
            .unwrap_or_default();
        let known = self
            .wiring
            .invoke_targets
            .as_ref()
            .is_some_and(|t| t.exists(&function));
        let id = update.id.clone();
        let i = self.upsert(&mut update, Status::Started, now);
        // The mock and child paths read the update's id, which `upsert` took.
        update.id = id;
        let started = InvokeStarted {
            function_name: options.function_name,
            tenant_id: options.tenant_id,
        };
        if let Some(answer) = self.spec.mocks.invoke(&function).cloned() {
            self.answer_mocked_invoke(i, &update, answer, started, now);
        } else if !known {
            self.fail_unknown_invoke(i, &function, started, now);
        } else {
            self.start_child_invoke(i, &update, function, started, now);
        }
        i
    }

    /// A mocked target answers at once; no child execution runs.
    fn answer_mocked_invoke(
        &mut self,
        i: usize,
        update: &OperationUpdate,
        answer: MockAnswer,
        started: InvokeStarted,
        now: i64,
    ) {
        let id = update.id.as_str();
        let input = update.payload.clone().unwrap_or_else(|| "{}".into());
        let details = started.details(Some(input), None);
        self.push_op_event(i, EventType::ChainedInvokeStarted, details, now);
        let (status, result, error) = match answer {
            MockAnswer::Result(result) => (ExecutionStatus::Succeeded, result, None),
            MockAnswer::Error(error) => (ExecutionStatus::Failed, None, Some(error)),
        };
        self.settle_chained_invoke(id, status, result, error);
    }

    /// Unknown targets fail at once and keep no input (as the service does).
    fn fail_unknown_invoke(&mut self, i: usize, function: &str, started: InvokeStarted, now: i64) {
        let details = started.details(None, None);
        self.push_op_event(i, EventType::ChainedInvokeStarted, details, now);
        let error = ErrorObject::new(
            "ResourceNotFoundException",
            format!(
                "Function not found: arn:aws:lambda:{}:{}:function:{function}",
                self.spec.region, self.spec.account_id
            ),
        );
        let op = self.operation_at_mut(i);
        op.status = Status::Failed;
        op.end_timestamp = Some(now);
        op.chained_invoke_details = Some(Box::new(ChainedInvokeDetails {
            result: None,
            error: Some(error.clone()),
        }));
        let failed = EventDetails::Failed {
            error: Some(EventError::new(error)),
        };
        self.push_op_event(i, EventType::ChainedInvokeFailed, failed, now);
    }

    /// A known target: the runtime starts a child execution, whose id derives from this
    /// execution and the operation, and completes the operation when the child ends.
    fn start_child_invoke(
        &mut self,
        i: usize,
        update: &OperationUpdate,
        function: String,
        started: InvokeStarted,
        now: i64,
    ) {
        let tenant_id = started.tenant_id.clone();
        let id = update.id.as_str();
        let child_id = crate::model::ids::hash_step_id(&format!("{}/{id}", self.arn));
        let invocation_id = format!(
            "{}-{}-{}-{}-{}",
            &child_id[0..8],
            &child_id[8..12],
            &child_id[12..16],
            &child_id[16..20],
            &child_id[20..32]
        );
        let input = update.payload.clone().unwrap_or_else(|| "{}".into());
        let child_arn = format!(
            "arn:aws:lambda:{}:{}:function:{function}:$LATEST/durable-execution/{invocation_id}/{invocation_id}",
            self.spec.region, self.spec.account_id
        );
        self.operation_at_mut(i).chained_invoke_details =
            Some(Box::new(ChainedInvokeDetails::default()));
        let details = started.details(Some(input.clone()), Some(child_arn.clone()));
        self.push_op_event(i, EventType::ChainedInvokeStarted, details, now);
        let invoke = PendingInvoke {
            op_id: id.to_owned(),
            function_name: function,
            input,
            execution_name: invocation_id.clone(),
            invocation_id,
            tenant_id,
            child_arn,
        };
        self.open_invokes
            .insert(id.to_owned(), invoke.child_arn.clone());
        self.pending_invokes.push(invoke);
    }
}

/// What every ChainedInvokeStarted records: the target as given, and the tenant.
struct InvokeStarted {
    function_name: String,
    tenant_id: Option<String>,
}

impl InvokeStarted {
    /// The event's details, with the child's input (none for an unknown target) and, for
    /// a started child, its ARN and the version it runs.
    fn details(self, input: Option<String>, child_arn: Option<String>) -> EventDetails {
        EventDetails::ChainedInvokeStarted {
            executed_version: child_arn.is_some().then(|| "$LATEST".to_owned()),
            durable_execution_arn: child_arn,
            function_name: self.function_name,
            input: input.map(|i| EventPayload::new(Some(i))),
            tenant_id: self.tenant_id,
        }
    }
}

/// A chained-invoke target: `name`, `name:qualifier`, `account:function:name`, or a full ARN.
struct FunctionTarget<'a> {
    region: Option<&'a str>,
    account: Option<&'a str>,
    name: &'a str,
}

fn parse_function_target(text: &str) -> Option<FunctionTarget<'_>> {
    let parts: Vec<&str> = text.split(':').collect();
    let (region, account, rest) = match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", rest @ ..]
            if partition.starts_with("aws") =>
        {
            (Some(*region), Some(*account), rest)
        }
        [account, "function", rest @ ..] => (None, Some(*account), rest),
        ["function", rest @ ..] => (None, None, rest),
        rest => (None, None, rest),
    };
    let (name, qualifier) = match rest {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        _ => return None,
    };
    let name_ok = !name.is_empty()
        && name.len() <= 140
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    let qualifier_ok = qualifier.is_none_or(|q| {
        q == "$LATEST"
            || (!q.is_empty()
                && q.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)))
    });
    let account_ok = account.is_none_or(|a| a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()));
    let region_ok = region.is_none_or(|r| !r.is_empty());
    (name_ok && qualifier_ok && account_ok && region_ok).then_some(FunctionTarget {
        region,
        account,
        name,
    })
}
