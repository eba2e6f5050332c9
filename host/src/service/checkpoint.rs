//! CheckpointDurableExecution: validators (reference §4.5) and processors (§4.4).
//! A request is validated whole before any update is applied, so a rejected request
//! changes nothing.

use std::collections::HashMap;

use base64::Engine as _;

use serde_json::{json, Map, Value};

use super::execution::{CallbackTimer, Execution, PendingCompletion, PendingInvoke};
use super::ServiceError;
use crate::model::event::{error_wrapper, payload_wrapper, seconds};
use crate::model::mocks::MockAnswer;
use crate::model::ExecutionStatus;
use crate::model::{
    limits, CallbackDetails, ChainedInvokeDetails, ContextDetails, ErrorObject, EventType,
    Operation, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate, StepDetails, WaitDetails,
};

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameterValue(message.into())
}

/// What validation needs to know of an operation, existing or started earlier in the request.
struct Seen {
    op_type: Type,
    status: Option<Status>,
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

    fn validate_updates(&self, updates: &[OperationUpdate]) -> Result<(), ServiceError> {
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
        let mut in_request: HashMap<&str, (Seen, usize, Action)> = HashMap::new();
        for update in updates {
            if update.op_type != Type::Execution {
                if let Some((seen, count, first_action)) = in_request.get(update.id.as_str()) {
                    let allowed = *count == 1
                        && *first_action == Action::Start
                        && matches!(seen.op_type, Type::Step | Type::Context)
                        && update.action != Action::Start;
                    if !allowed {
                        return Err(invalid(
                            "Cannot checkpoint multiple operations with the same ID.",
                        ));
                    }
                }
            }
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
                .map(|(seen, _, _)| seen.status)
                .unwrap_or_else(|| existing.map(|op| op.status));
            let next = validate_transition(update, current)?;
            let entry = in_request.entry(update.id.as_str()).or_insert((
                Seen {
                    op_type: update.op_type,
                    status: None,
                },
                0,
                update.action,
            ));
            entry.0.status = next;
            entry.1 += 1;
        }
        Ok(())
    }

    fn validate_parent(
        &self,
        update: &OperationUpdate,
        in_request: &HashMap<&str, (Seen, usize, Action)>,
    ) -> Result<(), ServiceError> {
        let Some(parent) = update.parent_id.as_deref() else {
            return Ok(());
        };
        let existing = self.operation(parent).map(|op| op.op_type);
        let started_here = in_request.get(parent).map(|(seen, _, _)| seen.op_type);
        if existing == Some(Type::Context) || started_here == Some(Type::Context) {
            Ok(())
        } else {
            Err(invalid("Invalid parent operation id."))
        }
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

    fn apply_step(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        if update.action == Action::Start {
            *self.start_counts.entry(id.to_owned()).or_insert(0) += 1;
            let op = self.upsert(update, Status::Started, now);
            let details = op.step_details.get_or_insert_with(StepDetails::default);
            details.result = None;
            details.error = None;
            details.next_attempt_timestamp = None;
            self.push_op_event(id, EventType::StepStarted, Map::new(), now);
            return;
        }
        let status = match update.action {
            Action::Succeed => Status::Succeeded,
            Action::Fail => Status::Failed,
            _ => Status::Pending,
        };
        let delay = update
            .step_options
            .as_ref()
            .map(|o| o.next_attempt_delay_seconds);
        let op = self.upsert(update, status, now);
        let details = op.step_details.get_or_insert_with(StepDetails::default);
        details.attempt += 1;
        details.result = update.payload.clone();
        details.error = update.error.clone();
        details.next_attempt_timestamp = match (status, delay) {
            (Status::Pending, Some(delay)) => Some(super::clock::after_seconds(now, delay)),
            _ => None,
        };
        let attempt = details.attempt;
        let starts = self.start_counts.get(id).copied().unwrap_or(0);
        let mut retry = Map::new();
        retry.insert(
            "CurrentAttempt".into(),
            json!(if starts > 0 { starts } else { attempt }),
        );
        match (update.action, delay) {
            (Action::Retry, Some(delay)) => {
                retry.insert("NextAttemptDelaySeconds".into(), json!(delay));
            }
            // A final failure: no next attempt (AWS records a delay of 0).
            (Action::Fail, _) => {
                retry.insert("NextAttemptDelaySeconds".into(), json!(0));
            }
            _ => {}
        }
        let mut details = Map::new();
        let event_type = match &update.error {
            Some(error) => {
                details.insert("Error".into(), error_wrapper(error));
                EventType::StepFailed
            }
            None => {
                details.insert("Result".into(), payload_wrapper(update.payload.as_deref()));
                EventType::StepSucceeded
            }
        };
        details.insert("RetryDetails".into(), Value::Object(retry));
        self.push_op_event(id, event_type, details, now);
    }

    fn apply_context(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        let (status, event_type, details) = match update.action {
            Action::Start => (Status::Started, EventType::ContextStarted, Map::new()),
            Action::Succeed => {
                let mut d = Map::new();
                d.insert("Result".into(), payload_wrapper(update.payload.as_deref()));
                (Status::Succeeded, EventType::ContextSucceeded, d)
            }
            _ => {
                let mut d = Map::new();
                d.insert(
                    "Error".into(),
                    error_wrapper(&update.error.clone().unwrap_or_default()),
                );
                (Status::Failed, EventType::ContextFailed, d)
            }
        };
        let op = self.upsert(update, status, now);
        if update.action != Action::Start {
            op.context_details = Some(ContextDetails {
                replay_children: update
                    .context_options
                    .as_ref()
                    .is_some_and(|o| o.replay_children),
                result: update.payload.clone(),
                error: update.error.clone(),
            });
        }
        self.push_op_event(id, event_type, details, now);
    }

    fn apply_wait(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        if update.action == Action::Start {
            let secs = update.wait_options.as_ref().map_or(0, |o| o.wait_seconds);
            let end = super::clock::after_seconds(now, secs);
            let op = self.upsert(update, Status::Started, now);
            op.wait_details = Some(WaitDetails {
                scheduled_end_timestamp: end,
            });
            let mut d = Map::new();
            d.insert("Duration".into(), json!(secs));
            d.insert("ScheduledEndTimestamp".into(), seconds(end));
            self.push_op_event(id, EventType::WaitStarted, d, now);
        } else {
            self.upsert(update, Status::Cancelled, now);
            let mut d = Map::new();
            if let Some(error) = &update.error {
                d.insert("Error".into(), error_wrapper(error));
            }
            self.push_op_event(id, EventType::WaitCancelled, d, now);
        }
    }

    fn apply_callback(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        let options = update.callback_options.clone().unwrap_or_default();
        let callback_id = self.mint_callback_id(id);
        let op = self.upsert(update, Status::Started, now);
        op.callback_details = Some(CallbackDetails {
            callback_id: callback_id.clone(),
            ..CallbackDetails::default()
        });
        self.callback_ids.insert(callback_id.clone(), id.to_owned());
        // The guest may hand the id out at once: it must survive a crash first.
        self.require_durable();
        self.callback_timers.insert(
            id.to_owned(),
            CallbackTimer::new(
                now,
                options.timeout_seconds,
                options.heartbeat_timeout_seconds,
            ),
        );
        let mut d = Map::new();
        d.insert("CallbackId".into(), json!(callback_id));
        if options.heartbeat_timeout_seconds > 0 {
            d.insert(
                "HeartbeatTimeout".into(),
                json!(options.heartbeat_timeout_seconds),
            );
        }
        if options.timeout_seconds > 0 {
            d.insert("Timeout".into(), json!(options.timeout_seconds));
        }
        self.push_op_event(id, EventType::CallbackStarted, d, now);
    }
}

impl Execution {
    fn validate_invoke_target(&self, update: &OperationUpdate) -> Result<(), ServiceError> {
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

    fn apply_chained_invoke(&mut self, update: &OperationUpdate, now: i64) {
        let id = update.id.as_str();
        let options = update.chained_invoke_options.clone().unwrap_or_default();
        let function = parse_function_target(&options.function_name)
            .map(|t| t.name.to_owned())
            .unwrap_or_default();
        let known = self
            .invoke_targets
            .as_ref()
            .is_some_and(|t| t.exists(&function));
        self.upsert(update, Status::Started, now);
        let mut details = Map::new();
        details.insert("FunctionName".into(), json!(options.function_name));
        if let Some(tenant) = &options.tenant_id {
            details.insert("TenantId".into(), json!(tenant));
        }
        if let Some(answer) = self.spec.mocks.invoke(&function).cloned() {
            // A mocked target answers at once; no child execution runs.
            let input = update.payload.clone().unwrap_or_else(|| "{}".into());
            details.insert("Input".into(), payload_wrapper(Some(&input)));
            self.push_op_event(id, EventType::ChainedInvokeStarted, details, now);
            let (status, result, error) = match answer {
                MockAnswer::Result(result) => (ExecutionStatus::Succeeded, result, None),
                MockAnswer::Error(error) => (ExecutionStatus::Failed, None, Some(error)),
            };
            self.settle_chained_invoke(id, status, result, error);
            return;
        }
        if !known {
            // Unknown targets fail at once and keep no input (as the service does).
            self.push_op_event(id, EventType::ChainedInvokeStarted, details, now);
            let error = ErrorObject::new(
                "ResourceNotFoundException",
                format!(
                    "Function not found: arn:aws:lambda:{}:{}:function:{function}",
                    self.spec.region, self.spec.account_id
                ),
            );
            let op = self.operation_mut(id).expect("just inserted");
            op.status = Status::Failed;
            op.end_timestamp = Some(now);
            op.chained_invoke_details = Some(ChainedInvokeDetails {
                result: None,
                error: Some(error.clone()),
            });
            let mut failed = Map::new();
            failed.insert("Error".into(), error_wrapper(&error));
            self.push_op_event(id, EventType::ChainedInvokeFailed, failed, now);
            return;
        }
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
        self.operation_mut(id)
            .expect("just inserted")
            .chained_invoke_details = Some(ChainedInvokeDetails::default());
        details.insert("Input".into(), payload_wrapper(Some(&input)));
        details.insert("ExecutedVersion".into(), json!("$LATEST"));
        details.insert("DurableExecutionArn".into(), json!(child_arn));
        self.push_op_event(id, EventType::ChainedInvokeStarted, details, now);
        self.pending_invokes.push(PendingInvoke {
            op_id: id.to_owned(),
            function_name: function,
            input,
            execution_name: invocation_id.clone(),
            invocation_id,
            tenant_id: options.tenant_id,
        });
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

/// Checks `update.action` against the operation's current status (None = absent) and
/// returns the status it leads to.
fn validate_transition(
    update: &OperationUpdate,
    current: Option<Status>,
) -> Result<Option<Status>, ServiceError> {
    let action = update.action;
    let bad_action = || invalid("Invalid action for the given operation type.");
    match update.op_type {
        Type::Execution => match action {
            Action::Succeed if update.error.is_some() => {
                Err(invalid("Cannot provide an Error for SUCCEED action."))
            }
            Action::Fail if update.payload.is_some() => {
                Err(invalid("Cannot provide a Payload for FAIL action."))
            }
            Action::Succeed | Action::Fail => Ok(None),
            _ => Err(bad_action()),
        },
        Type::Step => {
            let open = matches!(current, None | Some(Status::Started) | Some(Status::Ready));
            match action {
                Action::Start if current.is_some() && current != Some(Status::Ready) => {
                    Err(invalid("Invalid current STEP state to start."))
                }
                Action::Start => Ok(Some(Status::Started)),
                Action::Succeed | Action::Fail if !open => {
                    Err(invalid("Invalid current STEP state to close."))
                }
                Action::Succeed if update.error.is_some() => {
                    Err(invalid("Cannot provide an Error for SUCCEED action."))
                }
                Action::Fail if update.payload.is_some() => {
                    Err(invalid("Cannot provide a Payload for FAIL action."))
                }
                Action::Succeed => Ok(Some(Status::Succeeded)),
                Action::Fail => Ok(Some(Status::Failed)),
                Action::Retry if !open => Err(invalid("Invalid current STEP state to re-attempt.")),
                Action::Retry => {
                    let delay_ok = update.step_options.as_ref().is_some_and(|o| {
                        (1..=limits::MAX_DELAY_SECONDS).contains(&o.next_attempt_delay_seconds)
                    });
                    if !delay_ok {
                        Err(invalid("Invalid StepOptions for the given action."))
                    } else if update.error.is_some() && update.payload.is_some() {
                        Err(invalid(
                            "Cannot provide both error and payload to RETRY a STEP.",
                        ))
                    } else {
                        Ok(Some(Status::Pending))
                    }
                }
                Action::Cancel => Err(bad_action()),
            }
        }
        Type::Context => match action {
            Action::Start if current.is_some() => {
                Err(invalid("Cannot start a CONTEXT that already exist."))
            }
            Action::Start => Ok(Some(Status::Started)),
            Action::Succeed | Action::Fail
                if current.is_some() && current != Some(Status::Started) =>
            {
                Err(invalid("Invalid current CONTEXT state to close."))
            }
            Action::Succeed if update.error.is_some() => {
                Err(invalid("Cannot provide an Error for SUCCEED action."))
            }
            Action::Fail if update.payload.is_some() => {
                Err(invalid("Cannot provide a Payload for FAIL action."))
            }
            Action::Succeed => Ok(Some(Status::Succeeded)),
            Action::Fail => Ok(Some(Status::Failed)),
            _ => Err(bad_action()),
        },
        Type::Wait => match action {
            Action::Start if current.is_some() => {
                Err(invalid("Cannot start a WAIT that already exist."))
            }
            Action::Start => {
                let secs = update.wait_options.as_ref().map_or(0, |o| o.wait_seconds);
                if (1..=limits::MAX_DELAY_SECONDS).contains(&secs) {
                    Ok(Some(Status::Started))
                } else {
                    Err(invalid("Invalid WaitOptions for the given action."))
                }
            }
            Action::Cancel if current == Some(Status::Started) => Ok(Some(Status::Cancelled)),
            Action::Cancel => Err(invalid(
                "Cannot cancel a WAIT that does not exist or has already completed.",
            )),
            _ => Err(bad_action()),
        },
        Type::Callback => match action {
            Action::Start if current.is_some() => {
                Err(invalid("Cannot start a CALLBACK that already exist."))
            }
            Action::Start => Ok(Some(Status::Started)),
            _ => Err(bad_action()),
        },
        Type::ChainedInvoke => match action {
            Action::Start if current.is_some() => Err(invalid(
                "Cannot start a CHAINED_INVOKE operation that already exists.",
            )),
            Action::Start => Ok(Some(Status::Started)),
            _ => Err(bad_action()),
        },
    }
}
