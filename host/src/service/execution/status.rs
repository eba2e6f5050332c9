//! The execution's status: how it ends (succeeded, failed, stopped; timers time it
//! out), and pausing, which holds invocations back without ending it.

use super::*;

impl Execution {
    /// Ends the execution SUCCEEDED with `result`.
    pub fn succeed(&mut self, result: Option<String>) {
        let now = self.close(ExecutionStatus::Succeeded);
        let details = EventDetails::Succeeded {
            result: result.clone().map(|r| EventPayload::new(Some(r))),
        };
        self.result = result;
        self.push_execution_event(EventType::ExecutionSucceeded, details, now);
    }

    /// Ends the execution FAILED with `error`.
    pub fn fail(&mut self, error: ErrorObject) {
        self.finish_with_error(ExecutionStatus::Failed, EventType::ExecutionFailed, error);
    }

    /// StopDurableExecution: idempotent on a finished execution; returns the stop time.
    pub fn stop(&mut self, error: Option<ErrorObject>) -> Millis {
        if !self.status.is_terminal() {
            let error = error.unwrap_or_else(|| {
                ErrorObject::new("ExecutionStopped", "Execution stopped by user request")
            });
            self.finish_with_error(ExecutionStatus::Stopped, EventType::ExecutionStopped, error);
        }
        self.end.unwrap_or_else(|| self.clock.now())
    }

    pub(super) fn finish_with_error(
        &mut self,
        status: ExecutionStatus,
        event: EventType,
        error: ErrorObject,
    ) {
        let now = self.close(status);
        let details = EventDetails::Failed {
            error: Some(EventError::new(error.clone())),
        };
        self.error = Some(error);
        self.push_execution_event(event, details, now);
    }

    fn close(&mut self, status: ExecutionStatus) -> Millis {
        let now = self.clock.now();
        self.status = status;
        self.end = Some(now);
        self.schedule.needs_invocation = false;
        self.mark_changed(0);
        if let Some(op) = self.operations.first_mut() {
            op.status = match status {
                ExecutionStatus::Succeeded => Status::Succeeded,
                ExecutionStatus::Failed => Status::Failed,
                ExecutionStatus::TimedOut => Status::TimedOut,
                _ => Status::Stopped,
            };
            op.end_timestamp = Some(now);
        }
        now
    }

    /// The status as the API reports it (PAUSING while a paused execution's invocation
    /// is still running).
    pub fn reported_status(&self) -> &'static str {
        match (self.paused, self.schedule.invocation_running) {
            (true, true) if !self.status.is_terminal() => "PAUSING",
            (true, false) if !self.status.is_terminal() => "PAUSED",
            _ => self.status.as_str(),
        }
    }

    /// PauseDurableExecution: no invocations until resumed; timers keep completing.
    pub fn pause(
        &mut self,
        reason: Option<String>,
        timeout_paused: bool,
    ) -> Result<(), ServiceError> {
        if self.status.is_terminal() {
            return Err(ServiceError::ResourceConflict(format!(
                "Cannot pause an execution in status {}",
                self.status.as_str()
            )));
        }
        if !self.paused {
            self.paused = true;
            let now = self.clock.now();
            let details = EventDetails::ExecutionPaused {
                execution_timeout_paused: timeout_paused,
                pause_request_timestamp: now,
                reason: reason.clone().map(|r| EventPayload::new(Some(r))),
            };
            self.pause_request = Some((now, reason, timeout_paused));
            self.push_execution_event(EventType::ExecutionPaused, details, now);
        }
        Ok(())
    }

    /// ResumeDurableExecution: invocations may run again.
    pub fn resume(&mut self, reason: Option<String>) -> Result<(), ServiceError> {
        if self.status.is_terminal() || !self.paused {
            return Err(ServiceError::ResourceConflict(format!(
                "Cannot resume an execution in status {}",
                self.reported_status()
            )));
        }
        self.paused = false;
        self.pause_request = None;
        let now = self.clock.now();
        let details = EventDetails::ExecutionResumed {
            reason: reason.map(|r| EventPayload::new(Some(r))),
            resume_request_timestamp: now,
        };
        self.push_execution_event(EventType::ExecutionResumed, details, now);
        Ok(())
    }
}
