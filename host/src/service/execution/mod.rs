//! One durable execution as the AWS service keeps it: operations, history, timers,
//! callbacks and the invocation lifecycle. No wasmtime here.

mod callbacks;
mod chained;
mod persist;
mod timers;
pub use callbacks::PendingCallback;

use std::collections::HashMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::clock::ExecutionClock;
use super::ServiceError;
use crate::model::event::{error_wrapper, payload_wrapper, seconds};
use crate::model::DeterminismWarning;
use crate::model::{
    ErrorObject, Event, EventType, ExecutionDetails, ExecutionStatus, LogLine, Millis, Operation,
    OperationStatus as Status, OperationType as Type,
};

/// Identity and settings of a new execution.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExecutionSpec {
    pub function_name: String,
    pub execution_name: String,
    pub invocation_id: String,
    pub region: String,
    pub account_id: String,
    pub input: String,
    pub execution_timeout_seconds: u64,
    pub skip_time: bool,
    /// With skipped time, also skip to callback timeouts (`service::clock`).
    #[serde(default)]
    pub fire_callback_timeouts: bool,
    /// Time moves only when a test advances it (`service::clock`).
    #[serde(default)]
    pub manual_clock: bool,
    /// Steps and chained invokes the host answers without running them.
    #[serde(default)]
    pub mocks: crate::model::mocks::Mocks,
}

impl ExecutionSpec {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}:$LATEST/durable-execution/{}/{}",
            self.region,
            self.account_id,
            self.function_name,
            self.execution_name,
            self.invocation_id
        )
    }
}

/// A completion requested by an EXECUTION checkpoint, applied when the invocation ends.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum PendingCompletion {
    Succeeded(Option<String>),
    Failed(ErrorObject),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallbackTimer {
    pub timeout_at: Option<Millis>,
    pub heartbeat_at: Option<Millis>,
    pub heartbeat_seconds: u64,
}

impl CallbackTimer {
    pub fn new(now: Millis, timeout_seconds: u64, heartbeat_seconds: u64) -> Self {
        let at = |secs: u64| (secs > 0).then(|| super::clock::after_seconds(now, secs));
        Self {
            timeout_at: at(timeout_seconds),
            heartbeat_at: at(heartbeat_seconds),
            heartbeat_seconds,
        }
    }
}

/// What one invocation printed and logged (not part of AWS history).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InvocationRecord {
    pub request_id: String,
    pub stdout: String,
    pub stderr: String,
    pub logs: Vec<LogLine>,
    /// Determinism lint findings (reads of clocks or random numbers outside steps).
    #[serde(default)]
    pub warnings: Vec<DeterminismWarning>,
    pub fuel_consumed: u64,
    /// The error the invocation ended with, if it crashed or faulted.
    pub error: Option<ErrorObject>,
}

/// A chained invoke the runtime must start (the target's child execution).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingInvoke {
    pub op_id: String,
    pub function_name: String,
    pub input: String,
    pub execution_name: String,
    pub invocation_id: String,
    pub tenant_id: Option<String>,
}

/// The operation of a parent execution that a child execution completes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParentLink {
    pub arn: String,
    pub op_id: String,
}

/// Which functions chained invokes can reach.
pub trait InvokeTargets: Send + Sync {
    fn exists(&self, function_name: &str) -> bool;
}

/// How an invocation of the handler ended.
#[derive(Clone, Debug)]
pub enum InvocationOutcome {
    /// None: the handler returned no result payload.
    Succeeded(Option<String>),
    Failed(ErrorObject),
    Pending,
    /// The sandbox ended the invocation (trap, exit, fuel, memory, timeout); the execution
    /// is re-invoked up to the crash limit. The error is recorded on InvocationCompleted.
    Crashed(ErrorObject),
    /// A bug the guest cannot recover from by retrying (non-determinism, protocol misuse):
    /// the execution fails.
    Fatal(ErrorObject),
}

/// Which kind of timer is due next. Skipped time jumps at once to waits and retries;
/// to callback timeouts (which a test may want to beat with an answer) only once the
/// execution idles; never to the execution timeout, which stays real time so a pending
/// callback can always be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    Progress,
    Timeout,
    ExecutionTimeout,
}

/// Serialized, this is the execution's small stored record (`persist`): the spec,
/// operations, events and captured output are stored apart, and the other `skip` fields
/// only make sense inside a running process.
#[derive(Serialize, Deserialize)]
pub struct Execution {
    pub arn: String,
    #[serde(skip)]
    pub spec: ExecutionSpec,
    pub status: ExecutionStatus,
    pub start: Millis,
    pub end: Option<Millis>,
    pub result: Option<String>,
    pub error: Option<ErrorObject>,
    pub clock: ExecutionClock,
    #[serde(skip)]
    operations: Vec<Operation>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    /// Positions of operations that may hold a timer (STARTED waits, PENDING steps), so
    /// timer checks do not scan the whole execution.
    #[serde(skip)]
    timed: std::collections::BTreeSet<usize>,
    #[serde(skip)]
    events: Vec<Event>,
    #[serde(skip)]
    pub(super) start_counts: HashMap<String, u32>,
    #[serde(skip)]
    pub(super) callback_ids: HashMap<String, String>,
    #[serde(skip)]
    pub(super) callback_timers: HashMap<String, CallbackTimer>,
    pub(super) pending_completion: Option<PendingCompletion>,
    /// Operations changed since the last invocation began (`UpdatedOperationIds`). Not
    /// stored: the next invocation, the first thing after a restart, starts it afresh.
    #[serde(skip)]
    pub(super) updated_ids: Vec<String>,
    pub needs_invocation: bool,
    pub invocation_running: bool,
    invocation_count: u32,
    invocation_start: Millis,
    consecutive_crashes: u32,
    invalid_pending: u32,
    pub max_consecutive_crashes: u32,
    /// Bumped on each change, so waiters can tell something happened.
    #[serde(skip)]
    pub version: u64,
    /// Captured output of every invocation, in order.
    #[serde(skip)]
    pub invocations: Vec<InvocationRecord>,
    /// Estimated bytes the execution holds in the host (`model::limits`).
    #[serde(default)]
    pub(super) held_bytes: u64,
    /// Sequence of the current checkpoint token; each accepted checkpoint consumes it.
    pub(super) token_seq: u64,
    /// Part of every checkpoint token and callback id: without it neither can be forged.
    #[serde(default = "super::secrets::new_secret")]
    pub(super) secret: String,
    /// The last accepted checkpoint (client token, inbound token, response) for
    /// ClientToken idempotency.
    pub(super) last_checkpoint: Option<(String, String, serde_json::Value)>,
    /// Set while PauseDurableExecution holds invocations back.
    pub paused: bool,
    /// The pause request: when, why, and whether the execution timeout is paused too.
    #[serde(default)]
    pub pause_request: Option<(Millis, Option<String>, bool)>,
    /// Chained invokes accepted but not yet started by the runtime.
    #[serde(default)]
    pub(super) pending_invokes: Vec<PendingInvoke>,
    /// Set on a chained-invoke child: the parent operation it completes.
    #[serde(default)]
    pub parent: Option<ParentLink>,
    #[serde(skip)]
    pub invoke_targets: Option<std::sync::Arc<dyn InvokeTargets>>,
    /// Set for the replay gate: the engine runs nothing the recorded history lacks.
    #[serde(skip)]
    pub replay_gate: Option<crate::replay::GateLog>,
    /// Set for chaos testing (`runner::chaos`).
    #[serde(skip)]
    pub chaos: Option<ChaosPlan>,
    /// What the store already holds, so a commit writes only the rest.
    #[serde(skip)]
    persisted: persist::PersistMarks,
}

/// Chaos testing on one execution: crash an invocation right after a checkpoint, and/or
/// run the admitted branches of batches in a seeded random order.
#[derive(Clone, Debug, Default)]
pub struct ChaosPlan {
    /// Crash right after the `crash_at`-th checkpoint of the execution (1-based, counted
    /// from its start); 0 never crashes.
    pub crash_at: u32,
    /// Seed of the branch order; None runs admitted branches in index order.
    pub branch_order_seed: Option<u64>,
    /// Checkpoints made so far.
    pub seen: u32,
    /// Each checkpoint so far, described (`SUCCEED STEP 'one'`).
    pub history: Vec<String>,
    /// Seeded branch choices made so far (each draws anew).
    pub picks: u64,
}

impl Execution {
    pub fn new(spec: ExecutionSpec) -> Self {
        let clock = ExecutionClock::new(spec.skip_time)
            .firing_callback_deadlines(spec.fire_callback_timeouts)
            .manual(spec.manual_clock);
        let now = clock.now();
        let mut execution = Self {
            arn: spec.arn(),
            status: ExecutionStatus::Running,
            start: now,
            end: None,
            result: None,
            error: None,
            clock,
            operations: Vec::new(),
            index: HashMap::new(),
            timed: Default::default(),
            events: Vec::new(),
            start_counts: HashMap::new(),
            callback_ids: HashMap::new(),
            callback_timers: HashMap::new(),
            pending_completion: None,
            updated_ids: Vec::new(),
            needs_invocation: true,
            invocation_running: false,
            invocation_count: 0,
            invocation_start: now,
            consecutive_crashes: 0,
            invalid_pending: 0,
            max_consecutive_crashes: 3,
            version: 0,
            invocations: Vec::new(),
            held_bytes: 0,
            token_seq: 0,
            secret: super::secrets::new_secret(),
            last_checkpoint: None,
            paused: false,
            pause_request: None,
            pending_invokes: Vec::new(),
            parent: None,
            invoke_targets: None,
            replay_gate: None,
            chaos: None,
            persisted: Default::default(),
            spec,
        };
        let mut op = Operation::new(
            execution.spec.invocation_id.clone(),
            Type::Execution,
            Status::Started,
            now,
        );
        op.name = Some(execution.spec.execution_name.clone());
        op.execution_details = Some(ExecutionDetails {
            input_payload: Some(execution.spec.input.clone()),
        });
        execution.insert_operation(op);
        let mut details = Map::new();
        details.insert("Input".into(), payload_wrapper(Some(&execution.spec.input)));
        details.insert(
            "ExecutionTimeout".into(),
            json!(execution.spec.execution_timeout_seconds),
        );
        execution.push_execution_event(EventType::ExecutionStarted, details, now);
        execution
    }

    /// Brings an execution loaded from a store back to life after a restart: an
    /// invocation that was running when the process died is lost and runs again.
    pub fn restore(mut self) -> Self {
        if self.invocation_running {
            self.invocation_running = false;
            self.needs_invocation = !self.status.is_terminal();
        }
        self
    }

    /// An execution holding the `recorded` operations of a history, for the replay gate:
    /// its engine runs nothing the history lacks (`crate::replay::GateLog`).
    pub fn replaying(spec: ExecutionSpec, recorded: &[Operation]) -> Self {
        let mut execution = Self::new(spec);
        for op in recorded.iter().filter(|op| op.op_type != Type::Execution) {
            execution.insert_operation(op.clone());
        }
        execution.replay_gate = Some(Default::default());
        execution
    }

    pub fn execution_op_id(&self) -> &str {
        &self.spec.invocation_id
    }

    // ---- operations ------------------------------------------------------------

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.index.get(id).map(|&i| &self.operations[i])
    }

    pub(super) fn operation_mut(&mut self, id: &str) -> Option<&mut Operation> {
        let &i = self.index.get(id)?;
        self.mark_changed(i);
        Some(&mut self.operations[i])
    }

    /// Remembers an operation that now holds a timer.
    pub(super) fn track_timer(&mut self, id: &str) {
        if let Some(&i) = self.index.get(id) {
            let op = &self.operations[i];
            if matches!(
                (op.op_type, op.status),
                (Type::Wait, Status::Started) | (Type::Step, Status::Pending)
            ) {
                self.timed.insert(i);
            }
        }
    }

    pub(super) fn insert_operation(&mut self, op: Operation) {
        self.mark_changed(self.operations.len());
        self.index.insert(op.id.clone(), self.operations.len());
        self.operations.push(op);
    }

    /// All operations in start order, the EXECUTION operation first.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// Operations as GetDurableExecutionState and the invocation envelope deliver them:
    /// descendants of a completed CONTEXT are left out unless it replays its children.
    pub fn replay_state(&self) -> Vec<&Operation> {
        let mut hidden: Vec<&str> = Vec::new();
        self.operations
            .iter()
            .filter(|op| {
                let parent_hidden = op
                    .parent_id
                    .as_deref()
                    .is_some_and(|p| hidden.contains(&p) || self.closes_children(p));
                if parent_hidden {
                    hidden.push(&op.id);
                }
                !parent_hidden
            })
            .collect()
    }

    fn closes_children(&self, context_id: &str) -> bool {
        self.operation(context_id).is_some_and(|op| {
            op.op_type == Type::Context
                && op.status.is_terminal()
                && !op
                    .context_details
                    .as_ref()
                    .is_some_and(|d| d.replay_children)
        })
    }

    // ---- history ----------------------------------------------------------------

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    fn push_event(&mut self, mut event: Event) {
        event.event_id = self.events.len() as u64 + 1;
        self.events.push(event);
        self.version += 1;
    }

    /// An event of operation `id`, carrying the operation's identity.
    pub(super) fn push_op_event(
        &mut self,
        id: &str,
        event_type: EventType,
        details: Map<String, Value>,
        timestamp: Millis,
    ) {
        let op = self.operation(id);
        let event = Event {
            event_type,
            event_id: 0,
            timestamp,
            id: Some(id.to_owned()),
            name: op.and_then(|o| o.name.clone()),
            parent_id: op.and_then(|o| o.parent_id.clone()),
            sub_type: op.and_then(|o| o.sub_type.clone()),
            details,
        };
        self.push_event(event);
    }

    fn push_execution_event(
        &mut self,
        event_type: EventType,
        details: Map<String, Value>,
        at: Millis,
    ) {
        let event = Event {
            event_type,
            event_id: 0,
            timestamp: at,
            id: Some(self.spec.invocation_id.clone()),
            name: Some(self.spec.execution_name.clone()),
            parent_id: None,
            sub_type: None,
            details,
        };
        self.push_event(event);
    }

    // ---- invocations ------------------------------------------------------------

    /// Forgets the running invocation after its end could not be stored: the execution
    /// is invoked again, as after a crash of the process.
    pub fn abandon_invocation(&mut self) {
        self.invocation_running = false;
        self.needs_invocation = !self.status.is_terminal();
        self.version += 1;
    }

    /// Marks an invocation as running; returns its request id.
    pub fn begin_invocation(&mut self) -> String {
        self.needs_invocation = false;
        self.invocation_running = true;
        self.invocation_count += 1;
        self.invocation_start = self.clock.now();
        self.updated_ids.clear();
        self.version += 1;
        request_id(&self.spec.invocation_id, self.invocation_count)
    }

    pub fn updated_ids(&self) -> &[String] {
        &self.updated_ids
    }

    pub fn invocation_count(&self) -> u32 {
        self.invocation_count
    }

    /// Records `InvocationCompleted` and applies the handler's outcome.
    pub fn finish_invocation(&mut self, request_id: &str, outcome: InvocationOutcome) {
        self.invocation_running = false;
        if self.status.is_terminal() {
            // Stopped or timed out meanwhile: the output is ignored.
            self.version += 1;
            return;
        }
        let now = self.clock.now();
        let mut details = Map::new();
        details.insert("StartTimestamp".into(), seconds(self.invocation_start));
        details.insert("EndTimestamp".into(), seconds(now));
        details.insert("RequestId".into(), json!(request_id));
        if let InvocationOutcome::Crashed(error) | InvocationOutcome::Fatal(error) = &outcome {
            details.insert("Error".into(), error_wrapper(error));
        }
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
                self.consecutive_crashes += 1;
                if self.consecutive_crashes >= self.max_consecutive_crashes {
                    let mut error = error;
                    error.error_message = Some(format!(
                        "The handler crashed {} invocations in a row; last: {}",
                        self.consecutive_crashes,
                        error.error_message.as_deref().unwrap_or("no message")
                    ));
                    self.fail(error);
                } else {
                    self.needs_invocation = true;
                }
                return;
            }
        }
        self.consecutive_crashes = 0;
    }

    fn accept_pending(&mut self) {
        let waiting = self.operations.iter().any(|op| match op.op_type {
            Type::Step => matches!(op.status, Status::Pending | Status::Ready),
            Type::Wait | Type::Callback | Type::ChainedInvoke => op.status == Status::Started,
            _ => false,
        });
        if waiting || self.needs_invocation {
            self.invalid_pending = 0;
            return;
        }
        self.invalid_pending += 1;
        if self.invalid_pending >= 3 {
            self.fail(ErrorObject::new(
                "InvalidParameterValueException",
                "Cannot return PENDING status with no pending operations.",
            ));
        } else {
            self.needs_invocation = true;
        }
    }

    pub fn succeed(&mut self, result: Option<String>) {
        let now = self.close(ExecutionStatus::Succeeded);
        let mut details = Map::new();
        if let Some(result) = &result {
            details.insert("Result".into(), payload_wrapper(Some(result)));
        }
        self.result = result;
        self.push_execution_event(EventType::ExecutionSucceeded, details, now);
    }

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

    fn finish_with_error(&mut self, status: ExecutionStatus, event: EventType, error: ErrorObject) {
        let now = self.close(status);
        let mut details = Map::new();
        details.insert("Error".into(), error_wrapper(&error));
        self.error = Some(error);
        self.push_execution_event(event, details, now);
    }

    fn close(&mut self, status: ExecutionStatus) -> Millis {
        let now = self.clock.now();
        self.status = status;
        self.end = Some(now);
        self.needs_invocation = false;
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
        match (self.paused, self.invocation_running) {
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
            let reason_copy = reason.clone();
            let mut details = Map::new();
            details.insert("PauseRequestTimestamp".into(), seconds(now));
            if let Some(reason) = reason {
                details.insert("Reason".into(), payload_wrapper(Some(&reason)));
            }
            details.insert("ExecutionTimeoutPaused".into(), json!(timeout_paused));
            self.pause_request = Some((now, reason_copy, timeout_paused));
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
        let mut details = Map::new();
        details.insert("ResumeRequestTimestamp".into(), seconds(now));
        if let Some(reason) = reason {
            details.insert("Reason".into(), payload_wrapper(Some(&reason)));
        }
        self.push_execution_event(EventType::ExecutionResumed, details, now);
        Ok(())
    }
}

/// A deterministic, UUID-shaped request id per invocation.
fn request_id(execution_id: &str, invocation: u32) -> String {
    crate::model::ids::uuid_from(&format!("{execution_id}/invocation/{invocation}"))
}
