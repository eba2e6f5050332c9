//! Callbacks: ids, and the answers (success, failure, heartbeat) external systems send.

use super::*;

impl Execution {
    pub(in crate::service) fn mint_callback_id(&self, op_id: &str) -> String {
        // Fresh randomness per callback: one callback id does not give away another.
        let key = super::super::secrets::new_secret();
        let token = json!({ "arn": self.arn, "op": op_id, "key": key }).to_string();
        base64::engine::general_purpose::STANDARD.encode(token)
    }

    /// The STARTED callback operation behind `callback_id`.
    fn active_callback(&self, callback_id: &str) -> Result<String, ServiceError> {
        let op_id = self.callback_ids.get(callback_id).ok_or_else(|| {
            ServiceError::ResourceNotFound(format!("Callback {callback_id} does not exist"))
        })?;
        match self.operation(op_id) {
            Some(op) if op.status == Status::Started && !self.status.is_terminal() => {
                Ok(op_id.clone())
            }
            Some(op) if op.status == Status::TimedOut => Err(ServiceError::CallbackTimeout(
                format!("Callback {callback_id} has timed out"),
            )),
            _ => Err(ServiceError::ResourceNotFound(format!(
                "Callback {callback_id} is not active"
            ))),
        }
    }

    /// Completes the callback `callback_id` with `result` (an empty body: no payload).
    pub fn callback_succeed(
        &mut self,
        callback_id: &str,
        result: Option<String>,
    ) -> Result<(), ServiceError> {
        let op_id = self.active_callback(callback_id)?;
        let now = self.clock.now();
        let result = result.filter(|r| !r.is_empty());
        self.complete_callback(&op_id, Status::Succeeded, result, None, now);
        self.schedule.needs_invocation = true;
        Ok(())
    }

    /// Completes the callback `callback_id` with `error`.
    pub fn callback_fail(
        &mut self,
        callback_id: &str,
        error: ErrorObject,
    ) -> Result<(), ServiceError> {
        // The service's cap on error objects applies to callback failures too.
        if error.json_len() > crate::model::limits::MAX_ERROR_OBJECT {
            return Err(ServiceError::InvalidParameterValue(
                "Error object size must be less than 32768 bytes.".into(),
            ));
        }
        let op_id = self.active_callback(callback_id)?;
        let now = self.clock.now();
        self.complete_callback(&op_id, Status::Failed, None, Some(error), now);
        self.schedule.needs_invocation = true;
        Ok(())
    }

    /// A heartbeat: the callback's heartbeat deadline starts again.
    pub fn callback_heartbeat(&mut self, callback_id: &str) -> Result<(), ServiceError> {
        let op_id = self.active_callback(callback_id)?;
        let now = self.clock.now();
        self.mark_changed_id(&op_id);
        if let Some(timer) = self.callback_timers.get_mut(&op_id) {
            if timer.heartbeat_seconds > 0 {
                timer.heartbeat_at = Some(crate::service::clock::after_seconds(
                    now,
                    timer.heartbeat_seconds,
                ));
            }
        }
        self.version += 1;
        Ok(())
    }

    pub(super) fn complete_callback(
        &mut self,
        op_id: &str,
        status: Status,
        result: Option<String>,
        error: Option<ErrorObject>,
        at: Millis,
    ) {
        self.callback_timers.remove(op_id);
        let Some(i) = self.position(op_id) else {
            return;
        };
        let op = self.operation_at_mut(i);
        op.status = status;
        op.end_timestamp = Some(at);
        let details = op.callback_details.get_or_insert_with(Default::default);
        details.result = result.clone();
        details.error = error.clone();
        let (event_type, details) = match (status, error) {
            (Status::Succeeded, _) => {
                let result = Some(EventPayload::new(result));
                (
                    EventType::CallbackSucceeded,
                    EventDetails::Succeeded { result },
                )
            }
            (status, error) => {
                let d = EventDetails::Failed {
                    error: Some(EventError::new(error.unwrap_or_default())),
                };
                let event_type = if status == Status::TimedOut {
                    EventType::CallbackTimedOut
                } else {
                    EventType::CallbackFailed
                };
                (event_type, d)
            }
        };
        self.push_op_event(i, event_type, details, at);
        self.updated_ids.push(i);
    }

    /// The callback id of the latest callback operation named `name` (any name if None)
    /// that is still waiting for an answer.
    pub fn pending_callback_id(&self, name: Option<&str>) -> Option<String> {
        self.pending_callbacks()
            .into_iter()
            .rev()
            .find(|c| name.is_none() || c.name.as_deref() == name)
            .map(|c| c.callback_id)
    }

    /// The STARTED callbacks, oldest first. An unnamed callback is known by the name of
    /// the context around it (a `wait_for_callback`, whose inner callback AWS's JS SDK
    /// leaves unnamed).
    pub fn pending_callbacks(&self) -> Vec<PendingCallback> {
        self.operations
            .iter()
            .filter(|op| op.op_type == Type::Callback && op.status == Status::Started)
            .filter_map(|op| {
                let callback_id = op.callback_details.as_ref()?.callback_id.clone();
                let name = op.name.clone().or_else(|| {
                    let parent = self.operation(op.parent_id.as_deref()?)?;
                    parent.name.clone()
                });
                Some(PendingCallback {
                    callback_id,
                    operation_id: op.id.clone(),
                    name,
                })
            })
            .collect()
    }
}

/// A callback waiting for its answer (see [`Execution::pending_callbacks`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCallback {
    /// The id an answer names.
    pub callback_id: String,
    /// The CALLBACK operation's id.
    pub operation_id: String,
    /// The operation's name.
    pub name: Option<String>,
}
