//! One run of the handler: it begins, and its end is recorded (`InvocationCompleted`)
//! and applied: a completion the guest checkpointed, its return value, a PENDING that
//! must be backed by something pending, or a crash retried up to a limit.

use super::*;

/// A completion requested by an EXECUTION checkpoint, applied when the invocation ends.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum PendingCompletion {
    /// Succeed with this result payload.
    Succeeded(Option<String>),
    /// Fail with this error.
    Failed(ErrorObject),
}

/// Captured output of every invocation, in order: records are only ever appended.
#[derive(Clone, Debug, Default)]
pub struct InvocationLog(Vec<InvocationRecord>);

impl InvocationLog {
    /// Appends the record of an invocation that ended.
    pub fn push(&mut self, record: InvocationRecord) {
        self.0.push(record);
    }
}

impl std::ops::Deref for InvocationLog {
    type Target = [InvocationRecord];

    fn deref(&self) -> &[InvocationRecord] {
        &self.0
    }
}

impl From<Vec<InvocationRecord>> for InvocationLog {
    fn from(records: Vec<InvocationRecord>) -> Self {
        Self(records)
    }
}

/// What one invocation printed and logged (not part of AWS history).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InvocationRecord {
    /// The invocation's request id.
    pub request_id: String,
    /// What the guest wrote to stdout.
    pub stdout: String,
    /// What the guest wrote to stderr.
    pub stderr: String,
    /// Log lines written through the durable context.
    pub logs: Vec<LogLine>,
    /// Determinism lint findings (reads of clocks or random numbers outside steps).
    #[serde(default)]
    pub warnings: Vec<DeterminismWarning>,
    /// Wasm fuel the invocation used.
    pub fuel_consumed: u64,
    /// The error the invocation ended with, if it crashed or faulted.
    pub error: Option<ErrorObject>,
}

/// How an invocation of the handler ended.
#[derive(Clone, Debug)]
pub enum InvocationOutcome {
    /// None: the handler returned no result payload.
    Succeeded(Option<String>),
    /// The handler returned an error: the execution fails.
    Failed(ErrorObject),
    /// The handler suspended: something pending will invoke it again.
    Pending,
    /// The sandbox ended the invocation (trap, exit, fuel, memory, timeout); the execution
    /// is re-invoked up to the crash limit. The error is recorded on InvocationCompleted.
    Crashed(ErrorObject),
    /// A bug the guest cannot recover from by retrying (non-determinism, protocol misuse):
    /// the execution fails.
    Fatal(ErrorObject),
}

impl Execution {
    /// Forgets the running invocation after its end could not be stored: the execution
    /// is invoked again, as after a crash of the process.
    pub fn abandon_invocation(&mut self) {
        self.schedule.invocation_running = false;
        self.schedule.needs_invocation = !self.status.is_terminal();
        self.version += 1;
    }

    /// Marks an invocation as running; returns its request id.
    pub fn begin_invocation(&mut self) -> String {
        self.schedule.needs_invocation = false;
        self.schedule.invocation_running = true;
        self.schedule.invocation_count += 1;
        self.schedule.invocation_start = self.clock.now();
        self.updated_ids.clear();
        self.version += 1;
        request_id(&self.spec.invocation_id, self.schedule.invocation_count)
    }

    /// Operations changed since the current invocation began (`UpdatedOperationIds`).
    pub fn updated_ids(&self) -> Vec<&str> {
        self.updated_ids
            .iter()
            .map(|&i| self.operations[i].id.as_str())
            .collect()
    }

    /// Invocations begun so far.
    pub fn invocation_count(&self) -> u32 {
        self.schedule.invocation_count
    }

    /// Records `InvocationCompleted` and applies the handler's outcome.
    pub fn finish_invocation(&mut self, request_id: &str, outcome: InvocationOutcome) {
        self.schedule.invocation_running = false;
        if self.status.is_terminal() {
            // Stopped or timed out meanwhile: the output is ignored.
            self.version += 1;
            return;
        }
        self.push_invocation_completed(request_id, &outcome);
        if let Some(completion) = self.pending_completion.take() {
            match completion {
                PendingCompletion::Succeeded(result) => self.succeed(result),
                PendingCompletion::Failed(error) => self.fail(error),
            }
            return;
        }
        match outcome {
            InvocationOutcome::Succeeded(result) => self.succeed(result),
            InvocationOutcome::Failed(error) | InvocationOutcome::Fatal(error) => self.fail(error),
            InvocationOutcome::Pending => self.accept_pending(),
            InvocationOutcome::Crashed(error) => {
                self.crashed(error);
                return;
            }
        }
        self.schedule.consecutive_crashes = 0;
    }

    /// The `InvocationCompleted` event: when the invocation ran, and the error of a crash.
    fn push_invocation_completed(&mut self, request_id: &str, outcome: &InvocationOutcome) {
        let now = self.clock.now();
        let error = match outcome {
            InvocationOutcome::Crashed(error) | InvocationOutcome::Fatal(error) => {
                Some(EventError::new(error.clone()))
            }
            _ => None,
        };
        let details = EventDetails::InvocationCompleted {
            end_timestamp: now,
            error,
            request_id: request_id.to_owned(),
            start_timestamp: self.schedule.invocation_start,
        };
        self.push_event(Event {
            event_type: EventType::InvocationCompleted,
            event_id: 0,
            timestamp: now,
            id: None,
            name: None,
            parent_id: None,
            sub_type: None,
            details,
        });
    }

    /// A crashed invocation runs again, until too many crashed in a row: then the
    /// execution fails with the last crash's error.
    fn crashed(&mut self, mut error: ErrorObject) {
        self.schedule.consecutive_crashes += 1;
        if self.schedule.consecutive_crashes >= self.schedule.max_consecutive_crashes {
            error.error_message = Some(format!(
                "The handler crashed {} invocations in a row; last: {}",
                self.schedule.consecutive_crashes,
                error.error_message.as_deref().unwrap_or("no message")
            ));
            self.fail(error);
        } else {
            self.schedule.needs_invocation = true;
        }
    }

    fn accept_pending(&mut self) {
        let waiting = self.operations.iter().any(|op| match op.op_type {
            Type::Step => matches!(op.status, Status::Pending | Status::Ready),
            Type::Wait | Type::Callback | Type::ChainedInvoke => op.status == Status::Started,
            _ => false,
        });
        if waiting || self.schedule.needs_invocation {
            self.schedule.invalid_pending = 0;
            return;
        }
        self.schedule.invalid_pending += 1;
        if self.schedule.invalid_pending >= 3 {
            self.fail(ErrorObject::new(
                "InvalidParameterValueException",
                "Cannot return PENDING status with no pending operations.",
            ));
        } else {
            self.schedule.needs_invocation = true;
        }
    }
}

/// A deterministic, UUID-shaped request id per invocation.
fn request_id(execution_id: &str, invocation: u32) -> String {
    crate::model::ids::uuid_from(&format!("{execution_id}/invocation/{invocation}"))
}
