//! Chained invokes: the targets the runtime must start, and their outcomes.

use super::*;

/// A chained invoke the runtime must start (the target's child execution).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingInvoke {
    /// The CHAINED_INVOKE operation's id.
    pub op_id: String,
    /// The target function's name.
    pub function_name: String,
    /// The child's input payload.
    pub input: String,
    /// The child execution's name.
    pub execution_name: String,
    /// The child execution's id.
    pub invocation_id: String,
    /// The tenant the child runs for, if given.
    pub tenant_id: Option<String>,
    /// The child execution's ARN (derived from the parent and the operation).
    #[serde(default)]
    pub child_arn: String,
}

/// A chained invoke whose operation waits for its child's end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvoke {
    /// The CHAINED_INVOKE operation's id.
    pub op_id: String,
    /// The child execution's ARN.
    pub child_arn: String,
}

/// The operation of a parent execution that a child execution completes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParentLink {
    /// The parent execution's ARN.
    pub arn: String,
    /// The CHAINED_INVOKE operation in it.
    pub op_id: String,
}

/// Which functions chained invokes can reach.
pub trait InvokeTargets: Send + Sync {
    /// Whether a function named `function_name` is registered.
    fn exists(&self, function_name: &str) -> bool;
}

impl Execution {
    /// Chained invokes the runtime must start. They stay stored until
    /// [`started_invokes`](Self::started_invokes), so a crash before the children are
    /// started leaves them to start on resume.
    pub fn pending_invokes(&self) -> &[PendingInvoke] {
        &self.pending_invokes
    }

    /// The runtime started (or found started) the children of these operations.
    pub fn started_invokes(&mut self, op_ids: &[String]) {
        self.pending_invokes.retain(|i| !op_ids.contains(&i.op_id));
    }

    /// True while a chained invoke waits for its child to start or to end.
    pub fn awaits_children(&self) -> bool {
        !self.pending_invokes.is_empty() || !self.open_invokes.is_empty()
    }

    /// Chained invokes whose operation waits for its child's end: stored, so that
    /// wherever the execution is resumed the runtime can look the children up.
    pub fn open_invokes(&self) -> Vec<OpenInvoke> {
        self.open_invokes
            .iter()
            .map(|(op_id, child_arn)| OpenInvoke {
                op_id: op_id.clone(),
                child_arn: child_arn.clone(),
            })
            .collect()
    }

    /// Completes a chained invoke with the outcome of the target's execution.
    pub fn complete_chained_invoke(
        &mut self,
        op_id: &str,
        status: ExecutionStatus,
        result: Option<String>,
        error: Option<ErrorObject>,
    ) {
        if let Some(i) = self.settle_chained_invoke(op_id, status, result, error) {
            self.updated_ids.push(i);
            self.schedule.needs_invocation = true;
        }
    }

    /// Records a chained invoke's outcome; returns its operation's position, None when it
    /// had finished already.
    pub(in crate::service) fn settle_chained_invoke(
        &mut self,
        op_id: &str,
        status: ExecutionStatus,
        result: Option<String>,
        error: Option<ErrorObject>,
    ) -> Option<usize> {
        let now = self.clock.now();
        self.open_invokes.remove(op_id);
        // None when it finished meanwhile (e.g. the parent was stopped).
        let i = self
            .position(op_id)
            .filter(|&i| self.operations[i].status == Status::Started)?;
        let op = self.operation_at_mut(i);
        let (op_status, event_type) = match status {
            ExecutionStatus::Succeeded => (Status::Succeeded, EventType::ChainedInvokeSucceeded),
            ExecutionStatus::TimedOut => (Status::TimedOut, EventType::ChainedInvokeTimedOut),
            ExecutionStatus::Stopped => (Status::Stopped, EventType::ChainedInvokeStopped),
            _ => (Status::Failed, EventType::ChainedInvokeFailed),
        };
        op.status = op_status;
        op.end_timestamp = Some(now);
        let error = (op_status != Status::Succeeded).then(|| {
            error.unwrap_or_else(|| ErrorObject::new("InvokeError", "Chained invoke failed."))
        });
        op.chained_invoke_details = Some(Box::new(crate::model::ChainedInvokeDetails {
            result: result.clone(),
            error: error.clone(),
        }));
        let details = match error {
            None => EventDetails::Succeeded {
                result: Some(EventPayload::new(result)),
            },
            Some(error) => EventDetails::Failed {
                error: Some(EventError::new(error)),
            },
        };
        self.push_op_event(i, event_type, details, now);
        Some(i)
    }
}
