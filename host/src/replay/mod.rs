//! The replay engine: the SDK half of AWS durable functions, run once in the host for
//! every guest language. It allocates operation ids, decides between replaying a
//! recorded outcome and running user code, applies retry strategies, and turns each
//! decision into `OperationUpdate`s for the service's checkpoint processor.
//!
//! One `ReplayEngine` lives for one invocation. Every method takes the execution it works
//! on, so it stays free of locking and of wasmtime.

mod batch;
mod callback;
mod chaos;
mod child;
mod condition;
mod gate;
mod host;
mod invoke;
mod log;
pub(crate) mod retry;
mod send;
mod step;
mod types;

pub(crate) use batch::{
    BatchConfig, BatchHandle, BatchKind, BatchOutcome, BatchStart, CompletionConfig,
    CompletionReason, CustomOutcome, ItemStatus, Nesting, NextBranch,
};
pub(crate) use condition::{ConditionDecision, ConditionStart};
pub(crate) use gate::{describe_operation, same_json, GateLog};
pub(crate) use types::{
    CallbackConfig, CallbackOutcome, ChildStart, ContextHandle, Outcome, RetryDecision, StepConfig,
    StepSemantics, StepStart,
};

use crate::model::ids::{DerivedId, IdMap, SdkFlavour};
pub(crate) use crate::model::LogLine;
use crate::model::{
    limits, CallbackOptions, ContextOptions, ErrorObject, Operation, OperationAction as Action,
    OperationStatus as Status, OperationType as Type, OperationUpdate, StepOptions, WaitOptions,
};
use crate::service::{CheckpointRequest, ServiceError};
pub(crate) use host::ReplayHost;
use retry::RetryPolicy;

/// Log lines kept per invocation; later ones are counted, not kept.
pub(crate) const MAX_LOG_LINES: usize = 10_000;
/// Longest log line kept; longer ones are truncated.
pub const MAX_LOG_LINE_BYTES: usize = 16 * 1024;
/// Log bytes kept per invocation.
pub const MAX_LOG_BYTES: usize = 4 << 20;

/// Error type recorded when an at-most-once step was interrupted mid-attempt.
pub(crate) const STEP_INTERRUPTED: &str = "StepInterruptedError";

/// Why a durable call returned no value (mirrors WIT `op-error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OpError {
    Suspended,
    InvalidArgument(String),
}

/// A guest bug that ends the execution: the host traps the guest with it.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ReplayFault {
    #[error("Non-deterministic operation identity at id={id}: recorded {recorded}, but the code asked for {requested}")]
    NonDeterminism {
        id: String,
        recorded: String,
        requested: String,
    },
    #[error("durable operation called on a context that was told to suspend (the guest SDK must unwind to the handler and return pending)")]
    CallAfterSuspend,
    #[error("unknown {what} '{id}' passed back by the guest")]
    UnknownHandle { what: &'static str, id: String },
    #[error("checkpoint rejected: {0}")]
    Checkpoint(#[from] ServiceError),
    #[error("durable operation called inside the body of step {step}: a step body must not issue durable operations (AWS rejects this too); use a child context instead")]
    InsideStep { step: String },
    #[error("the invocation issued more than {0} durable operations (max_operations)")]
    TooManyOperations(u32),
    #[error("durable protocol misuse: {0}")]
    Protocol(String),
    /// The store could not make a checkpoint durable: the invocation ends as a crash and
    /// is retried from the last durable state, as Lambda retries a failed checkpoint.
    #[error("the checkpoint could not be stored, so it was not made: {0}")]
    NotStored(String),
    #[error("replay-only: the code went beyond the recorded history at id={id} ({what})")]
    BeyondHistory { id: String, what: String },
    #[error("crash injected after checkpoint {index} ({after})")]
    InjectedCrash { index: u32, after: String },
}

impl ReplayFault {
    pub fn to_error_object(&self) -> ErrorObject {
        let kind = match self {
            Self::NonDeterminism { .. } => "NonDeterministicExecutionError",
            Self::Checkpoint(e) => e.aws_type(),
            Self::CallAfterSuspend
            | Self::UnknownHandle { .. }
            | Self::Protocol(_)
            | Self::InsideStep { .. } => "DurableProtocolError",
            Self::NotStored(_) => "ServiceException",
            Self::TooManyOperations(_) => "Runtime.TooManyOperations",
            Self::BeyondHistory { .. } => "ReplayDivergence",
            Self::InjectedCrash { .. } => "Sandbox.InjectedCrash",
        };
        ErrorObject::new(kind, self.to_string())
    }
}

pub(crate) type OpResult<T> = Result<Result<T, OpError>, ReplayFault>;

/// How a recorded (or new) CONTEXT operation continues.
enum ContextResume {
    /// Run the body; `replaying_completed` when it succeeded with ReplayChildren and
    /// re-runs only to rebuild its result.
    Run {
        replaying_completed: bool,
    },
    Succeeded(Option<String>),
    Failed(Option<ErrorObject>),
    /// Replay-only mode: the history has no such context.
    BeyondHistory,
}

struct Frame {
    /// The ParentId of operations issued in this context (None at the root).
    op_id: Option<String>,
    /// What the ids of operations in this context derive from: the context's key under
    /// the execution's [`SdkFlavour`] (Python: its own id; JS: its plain step id). Differs
    /// from `op_id` also for FLAT batch branches, whose operations hang under the container.
    prefix: Option<String>,
    /// The enclosing batch branch frame (this frame, for a branch): a suspension stops
    /// there instead of reaching the handler, and the ids issued inside are kept so the
    /// branch's timers can be found.
    branch_owner: Option<usize>,
    /// Operation ids issued under this frame when it is a batch branch.
    allocated: Vec<String>,
    parent: Option<usize>,
    counter: u32,
    suspended: bool,
    /// A completed context re-run because its result was too large to store
    /// (ReplayChildren): its end is not checkpointed again.
    replaying_completed: bool,
    /// The CONTEXT request, for `child_end` (None for the root).
    request: Option<OwnedRequest>,
    closed: bool,
}

/// A step whose body the guest is running; `step_end` closes it.
struct OpenStep {
    ctx: ContextHandle,
    op: OwnedRequest,
    attempt: u32,
    retry: Option<RetryPolicy>,
}

/// The identity of an operation request, kept between `*_begin` and `*_end`.
struct OwnedRequest {
    op_type: Type,
    /// Mostly one of the SDK's fixed names, so not copied.
    sub_type: std::borrow::Cow<'static, str>,
    name: Option<String>,
    parent: Option<String>,
}

impl OwnedRequest {
    fn borrow(&self) -> Request<'_> {
        Request {
            op_type: self.op_type,
            sub_type: &self.sub_type,
            name: self.name.as_deref(),
            parent: self.parent.as_deref(),
        }
    }
}

/// What the code asks for at an operation id, checked against what was recorded.
struct Request<'a> {
    op_type: Type,
    sub_type: &'a str,
    name: Option<&'a str>,
    parent: Option<&'a str>,
}

impl Request<'_> {
    fn describe(&self) -> String {
        describe(self.op_type, Some(self.sub_type), self.name, self.parent)
    }

    fn matches(&self, op: &Operation) -> bool {
        op.op_type == self.op_type
            && op.sub_type.as_deref().unwrap_or("") == self.sub_type
            && op.name.as_deref().unwrap_or("") == self.name.unwrap_or("")
            && op.parent_id.as_deref().unwrap_or("") == self.parent.unwrap_or("")
    }

    fn update(&self, id: &str, action: Action) -> OperationUpdate {
        let mut update = OperationUpdate::new(id, self.op_type, action);
        update.sub_type = Some(self.sub_type.to_owned());
        update.name = self.name.map(str::to_owned);
        update.parent_id = self.parent.map(str::to_owned);
        update
    }
}

fn describe(
    op_type: Type,
    sub_type: Option<&str>,
    name: Option<&str>,
    parent: Option<&str>,
) -> String {
    format!(
        "{} (subtype {}, name {}, parent {})",
        op_type.as_str(),
        sub_type.unwrap_or("none"),
        name.map(|n| format!("'{n}'"))
            .unwrap_or_else(|| "none".into()),
        parent.unwrap_or("none")
    )
}

pub(crate) struct ReplayEngine {
    frames: Vec<Frame>,
    open_steps: IdMap<OpenStep>,
    open_conditions: IdMap<condition::OpenCondition>,
    batches: Vec<batch::Batch>,
    /// Seed for retry jitter, so a replayed execution draws the same delays.
    jitter_seed: u64,
    pub logs: Vec<LogLine>,
    /// Log lines dropped past [`MAX_LOG_LINES`].
    pub logs_dropped: usize,
    /// Operations issued in this invocation and the last one (for the determinism lint).
    issued: u32,
    last_issued: Option<String>,
    log_bytes: usize,
    /// Operations one invocation may issue.
    pub max_operations: u32,
    /// Whose operation ids the guest gets (declared by its SDK before any operation).
    flavour: SdkFlavour,
    /// Updates that go with the engine's next request: the START of an at-least-once
    /// step attempt, which AWS's SDKs checkpoint without waiting (so it usually reaches
    /// the service in one request with the step's end).
    deferred: Vec<OperationUpdate>,
}

impl ReplayEngine {
    /// The root context is handle 0.
    pub const ROOT: ContextHandle = ContextHandle(0);

    pub fn new(execution_id: &str) -> Self {
        Self {
            frames: vec![Frame {
                op_id: None,
                prefix: None,
                branch_owner: None,
                allocated: Vec::new(),
                parent: None,
                counter: 0,
                suspended: false,
                replaying_completed: false,
                request: None,
                closed: false,
            }],
            open_steps: IdMap::default(),
            open_conditions: IdMap::default(),
            batches: Vec::new(),
            jitter_seed: crate::model::ids::hash_prefix_u64(execution_id),
            logs: Vec::new(),
            logs_dropped: 0,
            issued: 0,
            last_issued: None,
            log_bytes: 0,
            max_operations: u32::MAX,
            flavour: SdkFlavour::default(),
            deferred: Vec::new(),
        }
    }

    /// The last operation issued in this invocation and how many were issued.
    pub fn position(&self) -> (Option<&str>, u32) {
        (self.last_issued.as_deref(), self.issued)
    }

    /// Whether guest code is inside a step body or a condition check.
    pub fn inside_step(&self) -> bool {
        !self.open_steps.is_empty() || !self.open_conditions.is_empty()
    }

    pub fn context_id(&self, ctx: ContextHandle) -> Option<&str> {
        self.frames.get(ctx.0).and_then(|f| f.op_id.as_deref())
    }

    fn frame(&self, ctx: ContextHandle) -> Result<&Frame, ReplayFault> {
        self.frames.get(ctx.0).ok_or(ReplayFault::UnknownHandle {
            what: "context",
            id: ctx.0.to_string(),
        })
    }

    /// The id scheme of the guest's SDK; only before the first operation of an invocation.
    pub fn set_flavour(&mut self, scheme: SdkFlavour) -> Result<(), ReplayFault> {
        if scheme != self.flavour && self.issued > 0 {
            return Err(ReplayFault::Protocol(
                "the SDK flavour must be declared before the first durable operation".into(),
            ));
        }
        self.flavour = scheme;
        Ok(())
    }

    /// Whether the guest runs the operations and batch branches of a context concurrently
    /// on one event loop (the JavaScript SDK), rather than one after another.
    fn runs_concurrently(&self) -> bool {
        self.flavour == SdkFlavour::Js
    }

    /// Allocates the next operation id in `ctx`; returns it with the ParentId.
    fn next_id(&mut self, ctx: ContextHandle) -> Result<(String, Option<String>), ReplayFault> {
        let (n, parent) = self.claim(ctx)?;
        let id = self
            .flavour
            .derive_id(self.frames[ctx.0].prefix.as_deref(), n);
        self.issue(ctx, &id);
        Ok((id, parent))
    }

    /// Allocates the next operation id in `ctx`, with the key of its inner operations.
    fn allocate(&mut self, ctx: ContextHandle) -> Result<(DerivedId, Option<String>), ReplayFault> {
        let (n, parent) = self.claim(ctx)?;
        let derived = self.flavour.derive(self.frames[ctx.0].prefix.as_deref(), n);
        self.issue(ctx, &derived.id);
        Ok((derived, parent))
    }

    /// Checks `ctx` may start an operation and counts it; returns its number in `ctx`
    /// (1-based) and the ParentId.
    fn claim(&mut self, ctx: ContextHandle) -> Result<(u32, Option<String>), ReplayFault> {
        let frame = self.frame(ctx)?;
        if frame.closed {
            return Err(ReplayFault::UnknownHandle {
                what: "closed context",
                id: frame.op_id.clone().unwrap_or_default(),
            });
        }
        if frame.suspended {
            return Err(ReplayFault::CallAfterSuspend);
        }
        // A JS guest runs operations of one context concurrently (as AWS's SDK does), so
        // an open step there is not a call from inside its body; its SDK checks that.
        if !self.runs_concurrently() {
            if let Some((id, _)) = self.open_steps.iter().find(|(_, step)| step.ctx == ctx) {
                return Err(ReplayFault::InsideStep { step: id.clone() });
            }
        }
        if self.issued >= self.max_operations {
            return Err(ReplayFault::TooManyOperations(self.max_operations));
        }
        let frame = &mut self.frames[ctx.0];
        frame.counter += 1;
        Ok((frame.counter, frame.op_id.clone()))
    }

    /// Records `id` as the latest operation issued (in `ctx`'s batch branch too).
    fn issue(&mut self, ctx: ContextHandle, id: &str) {
        self.issued += 1;
        // The buffer is reused: this runs once per operation.
        let last = self.last_issued.get_or_insert_with(String::new);
        last.clear();
        last.push_str(id);
        if let Some(owner) = self.frames[ctx.0].branch_owner {
            self.frames[owner].allocated.push(id.to_owned());
        }
    }

    /// Marks `ctx` and its ancestors suspended, up to the enclosing batch branch (the
    /// other branches go on), and returns the suspension.
    fn suspend<T>(&mut self, ctx: ContextHandle) -> OpResult<T> {
        // A JS guest's other operations keep running after one suspends (AWS's SDK ends
        // the invocation only once nothing can progress), so its contexts stay usable.
        if self.runs_concurrently() {
            return Ok(Err(OpError::Suspended));
        }
        let mut at = Some(ctx.0);
        while let Some(i) = at {
            self.frames[i].suspended = true;
            at = match self.frames[i].branch_owner {
                Some(owner) if owner == i => None,
                _ => self.frames[i].parent,
            };
        }
        Ok(Err(OpError::Suspended))
    }

    /// Adds a context frame; returns its handle.
    fn push_frame(&mut self, frame: Frame) -> ContextHandle {
        self.frames.push(frame);
        ContextHandle(self.frames.len() - 1)
    }

    /// The recorded operation at `id`, after checking it is the one the code asks for.
    fn recorded<'e>(
        execution: &'e mut dyn ReplayHost,
        id: &str,
        request: &Request<'_>,
    ) -> Result<Option<&'e Operation>, ReplayFault> {
        if let Some(gate) = execution.gate() {
            gate.touched.push(id.to_owned());
        }
        let mismatch = execution
            .operation(id)
            .filter(|op| !request.matches(op))
            .map(|op| {
                describe(
                    op.op_type,
                    op.sub_type.as_deref(),
                    op.name.as_deref(),
                    op.parent_id.as_deref(),
                )
            });
        if let Some(recorded) = mismatch {
            let requested = request.describe();
            if let Some(gate) = execution.gate() {
                gate.mismatch
                    .get_or_insert_with(|| (id.to_owned(), recorded.clone(), requested.clone()));
            }
            return Err(ReplayFault::NonDeterminism {
                id: id.to_owned(),
                recorded,
                requested,
            });
        }
        Ok(execution.operation(id))
    }

    // ---- wait -------------------------------------------------------------------

    pub fn wait(
        &mut self,
        execution: &mut dyn ReplayHost,
        ctx: ContextHandle,
        name: Option<&str>,
        seconds: u64,
    ) -> OpResult<()> {
        if !(1..=limits::MAX_DELAY_SECONDS).contains(&seconds) {
            return Ok(Err(OpError::InvalidArgument(format!(
                "wait duration must be between 1 and {} seconds, got {seconds}",
                limits::MAX_DELAY_SECONDS
            ))));
        }
        let (id, parent) = self.next_id(ctx)?;
        let request = Request {
            op_type: Type::Wait,
            sub_type: "Wait",
            name,
            parent: parent.as_deref(),
        };
        let status = Self::recorded(execution, &id, &request)?.map(|op| op.status);
        match status {
            Some(Status::Succeeded) => Ok(Ok(())),
            None => {
                if let Some(stop) = self.beyond_history(execution, ctx, &id, &request) {
                    return stop;
                }
                let mut update = request.update(&id, Action::Start);
                update.wait_options = Some(WaitOptions {
                    wait_seconds: seconds,
                });
                self.checkpoint(execution, update)?;
                self.suspend(ctx)
            }
            Some(_) => self.suspend(ctx),
        }
    }
}

#[cfg(test)]
mod tests;
