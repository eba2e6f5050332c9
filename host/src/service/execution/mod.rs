//! One durable execution as the AWS service keeps it: operations, history, timers,
//! callbacks and the invocation lifecycle. No wasmtime here.
//!
//! This module holds the record itself and its creation; each concern has its file:
//! `operations` (lookup and the replay view), `history` (events), `invocation` (one
//! handler run and what it returned), `status` (ending, stopping, pausing), `timers`,
//! `callbacks`, `chained` invokes, and `persist` (what the store gets).

mod callbacks;
mod chained;
mod history;
mod invocation;
mod operations;
mod persist;
pub use persist::StoreWhen;
mod schedule;
mod status;
mod timers;
mod wiring;
pub use callbacks::PendingCallback;
pub use chained::{InvokeTargets, OpenInvoke, ParentLink, PendingInvoke};
pub use invocation::{InvocationLog, InvocationOutcome, InvocationRecord, PendingCompletion};
pub use schedule::Schedule;
pub use wiring::Wiring;

use crate::model::ids::IdMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::clock::ExecutionClock;
use super::ServiceError;
use crate::model::DeterminismWarning;
use crate::model::{
    ErrorObject, Event, EventDetails, EventError, EventPayload, EventType, ExecutionDetails,
    ExecutionStatus, LogLine, Millis, Operation, OperationStatus as Status, OperationType as Type,
};

/// Identity and settings of a new execution.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExecutionSpec {
    /// The function the execution runs.
    pub function_name: String,
    /// `DurableExecutionName`.
    pub execution_name: String,
    /// The execution's id: the last part of its ARN and the EXECUTION operation's id.
    pub invocation_id: String,
    /// The region in ARNs.
    pub region: String,
    /// The account in ARNs.
    pub account_id: String,
    /// The input payload (JSON).
    pub input: String,
    /// `ExecutionTimeout`: the execution times out this long after its start.
    pub execution_timeout_seconds: u64,
    /// Skip idle time instead of sleeping (`service::clock`).
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

#[cfg(test)]
impl ExecutionSpec {
    /// The spec unit tests share: function `fn`, execution `exec`, skipped time, a
    /// 300 s execution timeout.
    pub(crate) fn for_tests() -> Self {
        Self {
            function_name: "fn".into(),
            execution_name: "exec".into(),
            invocation_id: "inv-1".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            input: "{}".into(),
            execution_timeout_seconds: 300,
            skip_time: true,
            fire_callback_timeouts: false,
            manual_clock: false,
            mocks: Default::default(),
        }
    }
}

impl ExecutionSpec {
    /// The execution's ARN (`…:function:NAME:$LATEST/durable-execution/NAME/ID`).
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

/// The deadlines of a started callback.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallbackTimer {
    /// When the callback times out, if it has a timeout.
    pub timeout_at: Option<Millis>,
    /// When it times out unless a heartbeat comes first, if it has a heartbeat timeout.
    pub heartbeat_at: Option<Millis>,
    /// The heartbeat timeout in seconds (0: none); each heartbeat restarts it.
    pub heartbeat_seconds: u64,
}

impl CallbackTimer {
    /// The deadlines of a callback started at `now` (0 seconds: no deadline).
    pub fn new(now: Millis, timeout_seconds: u64, heartbeat_seconds: u64) -> Self {
        let at = |secs: u64| (secs > 0).then(|| super::clock::after_seconds(now, secs));
        Self {
            timeout_at: at(timeout_seconds),
            heartbeat_at: at(heartbeat_seconds),
            heartbeat_seconds,
        }
    }
}

/// Which kind of timer is due next. Skipped time jumps at once to waits and retries;
/// to callback timeouts (which a test may want to beat with an answer) only once the
/// execution idles; never to the execution timeout, which stays real time so a pending
/// callback can always be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    /// A wait ends or a step retry comes due.
    Progress,
    /// A callback's timeout or heartbeat deadline.
    Timeout,
    /// The execution's own timeout.
    ExecutionTimeout,
}

/// Serialized, this is the execution's small stored record (`persist`): the spec,
/// operations, events and captured output are stored apart, and the other `skip` fields
/// only make sense inside a running process.
#[derive(Serialize, Deserialize)]
pub struct Execution {
    /// `DurableExecutionArn`.
    pub arn: String,
    /// What the execution was started with.
    #[serde(skip)]
    pub spec: ExecutionSpec,
    /// Running or how it ended.
    pub status: ExecutionStatus,
    /// When it started.
    pub start: Millis,
    /// When it ended.
    pub end: Option<Millis>,
    /// The result payload of a successful end.
    pub result: Option<String>,
    /// The error of a failed, timed-out or stopped end.
    pub error: Option<ErrorObject>,
    /// The execution's (virtual) clock.
    pub clock: ExecutionClock,
    #[serde(skip)]
    operations: Vec<Operation>,
    #[serde(skip)]
    index: IdMap<usize>,
    /// Positions of operations that may hold a timer (STARTED waits, PENDING steps), so
    /// timer checks do not scan the whole execution.
    #[serde(skip)]
    timed: std::collections::BTreeSet<usize>,
    #[serde(skip)]
    events: Vec<Event>,
    #[serde(skip)]
    /// STARTs of each STEP, by operation position (absent: none).
    pub(super) start_counts: Vec<u32>,
    #[serde(skip)]
    pub(super) callback_ids: IdMap<String>,
    #[serde(skip)]
    pub(super) callback_timers: IdMap<CallbackTimer>,
    pub(super) pending_completion: Option<PendingCompletion>,
    /// Positions of the operations changed since the last invocation began
    /// (`UpdatedOperationIds`), in order of change. Not stored: the next invocation, the
    /// first thing after a restart, starts it afresh.
    #[serde(skip)]
    pub(super) updated_ids: Vec<usize>,
    /// Positions the last checkpoint touched, for its response to borrow (kept, so a
    /// checkpoint allocates no list of its own).
    #[serde(skip)]
    pub(in crate::service) touched: Vec<usize>,
    /// When the handler runs (stored in the same record, its fields inline).
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Bumped on each change, so waiters can tell something happened.
    #[serde(skip)]
    pub version: u64,
    /// Captured output of every invocation, in order (stored apart, `persist`).
    #[serde(skip)]
    pub invocations: InvocationLog,
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
    /// Chained invokes whose operation waits for the child's end: operation id → child ARN.
    #[serde(default)]
    pub(super) open_invokes: std::collections::BTreeMap<String, String>,
    /// Set on a chained-invoke child: the parent operation it completes.
    #[serde(default)]
    pub parent: Option<ParentLink>,
    /// The runtime's wiring: chained-invoke targets and test hooks.
    #[serde(skip)]
    pub wiring: Wiring,
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
    /// A new execution: its EXECUTION operation and the ExecutionStarted event.
    pub fn new(spec: ExecutionSpec) -> Self {
        let clock = ExecutionClock::new(spec.skip_time)
            .firing_callback_deadlines(spec.fire_callback_timeouts)
            .manual(spec.manual_clock);
        Self::with_clock(spec, clock)
    }

    /// An execution whose manual clock starts at `at`, so its history is the same on
    /// every run (the history snapshot tests).
    #[cfg(test)]
    pub(crate) fn starting_at(spec: ExecutionSpec, at: Millis) -> Self {
        Self::with_clock(spec, ExecutionClock::new(false).manual_at(at))
    }

    fn with_clock(spec: ExecutionSpec, clock: ExecutionClock) -> Self {
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
            index: IdMap::default(),
            timed: Default::default(),
            events: Vec::new(),
            start_counts: Vec::new(),
            callback_ids: IdMap::default(),
            callback_timers: IdMap::default(),
            pending_completion: None,
            updated_ids: Vec::new(),
            touched: Vec::new(),
            schedule: Schedule::new(now),
            version: 0,
            invocations: InvocationLog::default(),
            held_bytes: 0,
            token_seq: 0,
            secret: super::secrets::new_secret(),
            last_checkpoint: None,
            paused: false,
            pause_request: None,
            pending_invokes: Vec::new(),
            open_invokes: Default::default(),
            parent: None,
            wiring: Wiring::default(),
            persisted: Default::default(),
            spec,
        };
        execution.record_start(now);
        execution
    }

    /// The EXECUTION operation and the ExecutionStarted event every execution begins with.
    fn record_start(&mut self, now: Millis) {
        let mut op = Operation::new(
            self.spec.invocation_id.clone(),
            Type::Execution,
            Status::Started,
            now,
        );
        op.name = Some(self.spec.execution_name.clone());
        op.execution_details = Some(Box::new(ExecutionDetails {
            input_payload: Some(self.spec.input.clone()),
        }));
        self.insert_operation(op);
        let details = EventDetails::ExecutionStarted {
            execution_timeout: self.spec.execution_timeout_seconds,
            input: EventPayload::new(Some(self.spec.input.clone())),
        };
        self.push_execution_event(EventType::ExecutionStarted, details, now);
    }

    /// Brings an execution loaded from a store back to life after a restart: an
    /// invocation that was running when the process died is lost and runs again.
    pub fn restore(mut self) -> Self {
        if self.schedule.invocation_running {
            self.schedule.invocation_running = false;
            self.schedule.needs_invocation = !self.status.is_terminal();
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
        execution.wiring.replay_gate = Some(Default::default());
        execution
    }

    /// The id of the EXECUTION operation (the invocation id).
    pub fn execution_op_id(&self) -> &str {
        &self.spec.invocation_id
    }
}
