//! map and parallel (reference §3.7), computed in the host: branch ids `H("<container>-i")`,
//! NESTED or FLAT branches, max concurrency, completion policies and reasons, early
//! completion, and in-invocation resume of branches whose timers come due.
//!
//! The guest runs one branch at a time: it asks `next_branch` which branch to run, runs
//! it in the context it is given, and reports the result (`branch_end`) or drops the
//! context when the branch suspends. A suspended branch keeps its concurrency slot; it
//! resumes in the same invocation when its timer has come due while other branches ran,
//! and the whole batch suspends when every unfinished branch is waiting.
//!
//! A JS guest (`SdkFlavour::Js`) runs branches concurrently instead, as AWS's JS SDK: it
//! takes every branch `next_branch` admits, reports each end, and after each asks
//! `batch_complete`; the batch completes as soon as the policy holds, branches still
//! running then reported STARTED (see `Batch::snapshot`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::child::set_context_result;
use super::{
    ContextHandle, ContextResume, Frame, OpError, OpResult, OwnedRequest, ReplayEngine, ReplayFault,
};
use crate::model::ids::{DerivedId, SdkFlavour};
use crate::model::{
    ErrorObject, Millis, OperationAction as Action, OperationStatus as Status,
    OperationType as Type,
};
use crate::service::Execution;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchKind {
    Map,
    Parallel,
}

impl BatchKind {
    fn sub_types(self) -> (&'static str, &'static str) {
        match self {
            Self::Map => ("Map", "MapIteration"),
            Self::Parallel => ("Parallel", "ParallelBranch"),
        }
    }

    fn default_branch_name(self, index: u32) -> String {
        match self {
            Self::Map => format!("map-item-{index}"),
            Self::Parallel => format!("parallel-branch-{index}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Nesting {
    /// Each branch is a CONTEXT operation under the container.
    #[default]
    Nested,
    /// No branch operations; a branch's operations hang directly under the container.
    Flat,
}

/// AWS `CompletionConfig`. All none = fail fast on the first failure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompletionConfig {
    pub min_successful: Option<u32>,
    pub tolerated_failure_count: Option<u32>,
    pub tolerated_failure_percentage: Option<f64>,
}

#[derive(Clone, Debug, Default)]
pub struct BatchConfig {
    /// None = all branches at once.
    pub max_concurrency: Option<u32>,
    pub completion: CompletionConfig,
    pub nesting: Nesting,
    /// One name per branch (AWS item namers / named parallel branches).
    pub branch_names: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompletionReason {
    AllCompleted,
    MinSuccessfulReached,
    FailureToleranceExceeded,
    CustomCompletionSucceeded,
    CustomCompletionFailed,
}

/// How a guest's own completion predicate ends a batch early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomOutcome {
    Succeeded,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemStatus {
    Succeeded,
    Failed,
    Started,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItem {
    pub index: u32,
    pub status: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// The BatchResult: every started branch, in index order, and why the batch ended.
/// Serialized as the container's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOutcome {
    pub all: Vec<BatchItem>,
    pub completion_reason: CompletionReason,
}

/// When a batch is complete (AWS `CompletionPolicy`); tolerance is checked first.
pub fn completion(
    config: &CompletionConfig,
    total: u32,
    succeeded: u32,
    failed: u32,
) -> Option<CompletionReason> {
    let no_criteria = config.min_successful.is_none()
        && config.tolerated_failure_count.is_none()
        && config.tolerated_failure_percentage.is_none();
    let exceeded = if no_criteria {
        failed > 0
    } else {
        config.tolerated_failure_count.is_some_and(|c| failed > c)
            || config
                .tolerated_failure_percentage
                .is_some_and(|p| total > 0 && f64::from(failed) / f64::from(total) * 100.0 > p)
    };
    if exceeded {
        Some(CompletionReason::FailureToleranceExceeded)
    } else if succeeded + failed >= total {
        Some(CompletionReason::AllCompleted)
    } else if config.min_successful.is_some_and(|m| succeeded >= m) {
        Some(CompletionReason::MinSuccessfulReached)
    } else {
        None
    }
}

/// Branches one batch may have: the host keeps state per branch, so a guest asking for
/// u32::MAX of them must be refused, not served (it aborted the process on allocation).
/// Equal to the default operations per invocation: every branch is at least one.
pub const MAX_BRANCHES: u32 = 100_000;

/// Checks a batch configuration before anything is checkpointed.
pub fn validate(config: &BatchConfig, count: u32) -> Result<(), String> {
    if count > MAX_BRANCHES {
        return Err(format!(
            "a map or parallel of {count} items exceeds durabox's limit of {MAX_BRANCHES} \
             (the operations one invocation may issue)"
        ));
    }
    if config.max_concurrency == Some(0) {
        return Err("max_concurrency must be at least 1".into());
    }
    match config.completion.min_successful {
        Some(0) => return Err("min_successful must be at least 1".into()),
        Some(m) if m > count => {
            return Err(format!(
                "min_successful ({m}) exceeds the number of items ({count})"
            ))
        }
        _ => {}
    }
    if let Some(p) = config.completion.tolerated_failure_percentage {
        if !(0.0..=100.0).contains(&p) {
            return Err(format!(
                "tolerated_failure_percentage must be between 0 and 100, got {p}"
            ));
        }
    }
    if let Some(names) = &config.branch_names {
        if names.len() != count as usize {
            return Err(format!(
                "{} branch names given for {count} branches",
                names.len()
            ));
        }
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq)]
pub enum BatchStart {
    Done(BatchDone),
    Failed(ErrorObject),
    Run(BatchHandle),
}

/// A batch recorded earlier: the container's payload, and the host's reading of it
/// (none when a guest's whole-result serdes wrote the payload).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchDone {
    pub outcome: Option<BatchOutcome>,
    pub payload: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHandle(pub usize);

/// What the guest should do next in a batch.
#[derive(Clone, Debug, PartialEq)]
pub enum NextBranch {
    /// Run branch `index` in `ctx`.
    Run { index: u32, ctx: ContextHandle },
    /// Call `finish`.
    Finish,
}

/// A branch's state. `Admitted` models AWS's concurrency: the SDK starts up to
/// `max_concurrency` branches at once, so every admitted branch runs to its end even when
/// the completion policy is met meanwhile; the guest runs them one after another.
#[derive(Clone, Debug)]
enum Branch {
    Pending,
    Admitted,
    Running(ContextHandle),
    Suspended(ContextHandle),
    Succeeded(Option<String>),
    Failed(ErrorObject),
}

pub(super) struct Batch {
    container: String,
    /// The container's key under `flavour`: what branch ids derive from.
    key: String,
    flavour: SdkFlavour,
    parent_ctx: ContextHandle,
    request: OwnedRequest,
    kind: BatchKind,
    config: BatchConfig,
    branches: Vec<Branch>,
    /// The container succeeded with ReplayChildren: branches re-run only to rebuild
    /// results, nothing is checkpointed.
    replaying_completed: bool,
    finished: bool,
    /// The completion reason when the policy first held (AWS's coordinator stops
    /// there; branches already admitted still finish and are reported).
    decided: Option<CompletionReason>,
    /// The guest applies its own completion predicate (see [`ReplayEngine::batch_decide`]):
    /// the thresholds are off, the batch completes early only when the guest says so.
    custom: bool,
    /// For guests running branches concurrently (JS): the outcome when the policy first
    /// held, branches still running then reported STARTED even if they end before
    /// `finish` (AWS's JS coordinator resolves the batch at that moment).
    snapshot: Option<BatchOutcome>,
    /// Branches that ended (`branch_end`) before the concurrent guest's coordinator
    /// learned it (`batch_complete`); until then they count as running, as in AWS's.
    unreported: HashSet<u32>,
}

impl Batch {
    fn counts(&self) -> (u32, u32) {
        let reported = |i: usize| !self.unreported.contains(&(i as u32));
        self.branches
            .iter()
            .enumerate()
            .fold((0, 0), |(s, f), (i, b)| match b {
                Branch::Succeeded(_) if reported(i) => (s + 1, f),
                Branch::Failed(_) if reported(i) => (s, f + 1),
                _ => (s, f),
            })
    }

    fn reason(&self) -> Option<CompletionReason> {
        let (succeeded, failed) = self.counts();
        if self.custom {
            let all_ended = succeeded + failed >= self.branches.len() as u32;
            return all_ended.then_some(CompletionReason::AllCompleted);
        }
        completion(
            &self.config.completion,
            self.branches.len() as u32,
            succeeded,
            failed,
        )
    }

    /// The recorded reason, else the one the counts give now.
    fn settled_reason(&self) -> Option<CompletionReason> {
        self.decided.or_else(|| self.reason())
    }

    /// AWS's coordinator step after each branch event: stop when the policy holds,
    /// else admit pending branches in index order while slots are free (an admitted,
    /// running or suspended branch holds a slot). Returns the newly admitted indexes.
    fn admit(&mut self) -> Vec<u32> {
        let mut admitted = Vec::new();
        if self.decided.is_some() {
            return admitted;
        }
        if let Some(reason) = self.reason() {
            self.decided = Some(reason);
            return admitted;
        }
        let limit = self.config.max_concurrency.unwrap_or(u32::MAX) as usize;
        let mut in_flight = self
            .branches
            .iter()
            .filter(|b| {
                matches!(
                    b,
                    Branch::Admitted | Branch::Running(_) | Branch::Suspended(_)
                )
            })
            .count();
        for (index, branch) in self.branches.iter_mut().enumerate() {
            if in_flight >= limit {
                break;
            }
            if matches!(branch, Branch::Pending) {
                *branch = Branch::Admitted;
                admitted.push(index as u32);
                in_flight += 1;
            }
        }
        admitted
    }

    /// The CONTEXT operation of branch `index` (NESTED branches only have one).
    fn branch_request(&self, index: u32) -> OwnedRequest {
        let name = self
            .config
            .branch_names
            .as_ref()
            .map(|names| names[index as usize].clone())
            .unwrap_or_else(|| self.kind.default_branch_name(index));
        OwnedRequest {
            op_type: Type::Context,
            sub_type: self.kind.sub_types().1.to_owned(),
            name: Some(name),
            parent: Some(self.container.clone()),
        }
    }

    fn branch_id(&self, index: u32) -> String {
        self.flavour.branch(&self.key, index).id
    }

    fn outcome(&self, reason: CompletionReason) -> BatchOutcome {
        let all = self
            .branches
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let (status, result, error) = match b {
                    Branch::Pending | Branch::Admitted => return None,
                    _ if self.unreported.contains(&(i as u32)) => (ItemStatus::Started, None, None),
                    Branch::Running(_) | Branch::Suspended(_) => (ItemStatus::Started, None, None),
                    Branch::Succeeded(r) => (ItemStatus::Succeeded, r.clone(), None),
                    Branch::Failed(e) => (ItemStatus::Failed, None, Some(e.clone())),
                };
                Some(BatchItem {
                    index: i as u32,
                    status,
                    result,
                    error,
                })
            })
            .collect();
        BatchOutcome {
            all,
            completion_reason: reason,
        }
    }
}

impl ReplayEngine {
    fn batch(&mut self, handle: BatchHandle) -> Result<&mut Batch, ReplayFault> {
        self.batches
            .get_mut(handle.0)
            .filter(|b| !b.finished)
            .ok_or(ReplayFault::UnknownHandle {
                what: "batch",
                id: handle.0.to_string(),
            })
    }

    /// Starts (or replays) a map or parallel of `count` branches.
    pub fn batch_begin(
        &mut self,
        execution: &mut Execution,
        ctx: ContextHandle,
        name: Option<&str>,
        kind: BatchKind,
        count: u32,
        config: BatchConfig,
    ) -> OpResult<BatchStart> {
        if let Err(message) = validate(&config, count) {
            return Ok(Err(OpError::InvalidArgument(message)));
        }
        let (derived, request, resume) =
            self.begin_context(execution, ctx, name, kind.sub_types().0)?;
        let replaying_completed = match resume {
            ContextResume::Run {
                replaying_completed,
            } => replaying_completed,
            ContextResume::Succeeded(payload) => {
                let outcome = payload
                    .as_deref()
                    .and_then(|r| serde_json::from_str(r).ok());
                return Ok(Ok(BatchStart::Done(BatchDone { outcome, payload })));
            }
            ContextResume::Failed(error) => {
                let error = error.unwrap_or_else(|| ErrorObject::new("BatchError", "Batch failed"));
                return Ok(Ok(BatchStart::Failed(error)));
            }
            ContextResume::BeyondHistory => {
                let request = request.borrow();
                let id = derived.id.clone();
                return self
                    .beyond_history(execution, ctx, &id, &request)
                    .expect("in gate");
            }
        };
        Self::note_entered(execution, &derived.id);
        let mut batch = Batch {
            container: derived.id,
            key: derived.key,
            flavour: self.flavour,
            parent_ctx: ctx,
            request,
            kind,
            config,
            branches: vec![Branch::Pending; count as usize],
            replaying_completed,
            finished: false,
            decided: None,
            custom: false,
            snapshot: None,
            unreported: HashSet::new(),
        };
        if batch.config.nesting == Nesting::Nested {
            for index in 0..count {
                let recorded = execution.operation(&batch.branch_id(index));
                match recorded.map(|op| op.status) {
                    Some(Status::Succeeded) if !replaying_completed => {
                        let result = recorded.and_then(|op| op.result()).map(str::to_owned);
                        batch.branches[index as usize] = Branch::Succeeded(result);
                    }
                    Some(Status::Failed) => {
                        let error = recorded
                            .and_then(|op| op.error())
                            .cloned()
                            .unwrap_or_default();
                        batch.branches[index as usize] = Branch::Failed(error);
                    }
                    _ => {}
                }
            }
        }
        self.batches.push(batch);
        Ok(Ok(BatchStart::Run(BatchHandle(self.batches.len() - 1))))
    }

    /// Which branch the guest should run next (see [`NextBranch`]).
    pub fn next_branch(
        &mut self,
        execution: &mut Execution,
        handle: BatchHandle,
    ) -> OpResult<NextBranch> {
        // Timers that came due while branches ran complete now (as the service does at
        // every checkpoint), so a resumed branch sees its wait finished.
        execution.complete_due_timers();
        let concurrent = self.runs_concurrently();
        let batch = self.batch(handle)?;
        if concurrent {
            return self.next_concurrent_branch(execution, handle);
        }
        if let Some(running) = batch
            .branches
            .iter()
            .position(|b| matches!(b, Branch::Running(_)))
        {
            return Err(ReplayFault::Protocol(format!(
                "branch {running} was neither ended nor dropped before asking for the next one"
            )));
        }
        // Admitted branches start at once, as AWS's threads (or JS promises) do: their
        // CONTEXT starts are checkpointed now, their bodies run one after another.
        for index in batch.admit() {
            self.start_branch(execution, handle, index)?;
        }
        let batch = self.batch(handle)?;
        let admitted: Vec<usize> = (0..batch.branches.len())
            .filter(|&i| matches!(batch.branches[i], Branch::Admitted))
            .collect();
        if let Some(index) = super::chaos::pick_branch(execution, &admitted) {
            return self.run_branch(execution, handle, index as u32).map(Ok);
        }
        if batch.decided.is_some() {
            return Ok(Ok(NextBranch::Finish));
        }
        // A suspended branch whose timer came due while other branches ran resumes in
        // this invocation. Otherwise everything left waits: the batch suspends, as AWS
        // does when no branch is running.
        match self.earliest_branch_timer(execution, handle)? {
            Some((index, at)) if at <= execution.clock.now() => {
                self.run_branch(execution, handle, index).map(Ok)
            }
            _ => Ok(Ok(NextBranch::Finish)),
        }
    }

    /// [`next_branch`](Self::next_branch) for a guest running branches concurrently: the
    /// next branch that may start now (slots are held by running branches), else `Finish`,
    /// which then only means that none can start until a running branch ends.
    fn next_concurrent_branch(
        &mut self,
        execution: &mut Execution,
        handle: BatchHandle,
    ) -> OpResult<NextBranch> {
        let batch = self.batch(handle)?;
        if batch.snapshot.is_some() {
            return Ok(Ok(NextBranch::Finish));
        }
        for index in batch.admit() {
            self.start_branch(execution, handle, index)?;
        }
        let batch = self.batch(handle)?;
        match batch
            .branches
            .iter()
            .position(|b| matches!(b, Branch::Admitted))
        {
            Some(index) => self.run_branch(execution, handle, index as u32).map(Ok),
            None => Ok(Ok(NextBranch::Finish)),
        }
    }

    /// Whether the batch is complete: for a guest running branches concurrently, the
    /// first time the policy holds fixes the outcome (see `Batch::snapshot`).
    pub fn batch_complete(
        &mut self,
        handle: BatchHandle,
        ended: Option<u32>,
    ) -> Result<bool, ReplayFault> {
        let batch = self.batch(handle)?;
        if let Some(index) = ended {
            batch.unreported.remove(&index);
        }
        if batch.snapshot.is_some() {
            return Ok(true);
        }
        let Some(reason) = batch.reason() else {
            return Ok(false);
        };
        batch.decided = Some(reason);
        batch.snapshot = Some(batch.outcome(reason));
        Ok(true)
    }

    /// The suspended branch with the earliest pending timer among its operations.
    fn earliest_branch_timer(
        &mut self,
        execution: &Execution,
        handle: BatchHandle,
    ) -> Result<Option<(u32, Millis)>, ReplayFault> {
        let batch = self.batch(handle)?;
        let suspended: Vec<(u32, ContextHandle)> = batch
            .branches
            .iter()
            .enumerate()
            .filter_map(|(i, b)| match b {
                Branch::Suspended(ctx) => Some((i as u32, *ctx)),
                _ => None,
            })
            .collect();
        let timer_of = |id: &String| {
            let op = execution.operation(id)?;
            match (op.op_type, op.status) {
                (Type::Wait, Status::Started) => {
                    op.wait_details.as_ref().map(|d| d.scheduled_end_timestamp)
                }
                (Type::Wait, Status::Succeeded) | (Type::Step, Status::Ready) => Some(Millis::MIN),
                (Type::Step, Status::Pending) => op.step_details.as_ref()?.next_attempt_timestamp,
                _ => None,
            }
        };
        Ok(suspended
            .into_iter()
            .filter_map(|(index, ctx)| {
                let at = self.frames[ctx.0]
                    .allocated
                    .iter()
                    .filter_map(timer_of)
                    .min()?;
                Some((index, at))
            })
            .min_by_key(|(_, at)| *at))
    }

    /// Branch `index`'s id and CONTEXT operation; checkpoints its start when it is NESTED,
    /// not recorded, and the batch is not only replaying to rebuild its result.
    fn start_branch(
        &mut self,
        execution: &mut Execution,
        handle: BatchHandle,
        index: u32,
    ) -> Result<(DerivedId, OwnedRequest), ReplayFault> {
        let batch = self.batch(handle)?;
        let derived = batch.flavour.branch(&batch.key, index);
        let request = batch.branch_request(index);
        // A recorded branch is still checked against the record (non-determinism).
        if batch.config.nesting == Nesting::Nested {
            let replaying_completed = batch.replaying_completed;
            let recorded = Self::recorded(execution, &derived.id, &request.borrow())?;
            if recorded.is_none() && !replaying_completed {
                Self::checkpoint(
                    execution,
                    request.borrow().update(&derived.id, Action::Start),
                )?;
            }
        }
        Ok((derived, request))
    }

    fn run_branch(
        &mut self,
        execution: &mut Execution,
        handle: BatchHandle,
        index: u32,
    ) -> Result<NextBranch, ReplayFault> {
        let (DerivedId { id, key }, request) = self.start_branch(execution, handle, index)?;
        let batch = self.batch(handle)?;
        let nested = batch.config.nesting == Nesting::Nested;
        let container = batch.container.clone();
        let parent_ctx = batch.parent_ctx;
        let replaying_completed = batch.replaying_completed;
        let frame = self.frames.len();
        Self::note_entered(execution, if nested { &id } else { &container });
        let ctx = self.push_frame(Frame {
            op_id: Some(if nested { id } else { container }),
            prefix: Some(key),
            branch_owner: Some(frame),
            allocated: Vec::new(),
            parent: Some(parent_ctx.0),
            counter: 0,
            suspended: false,
            replaying_completed,
            request: nested.then_some(request),
            closed: false,
        });
        self.batches[handle.0].branches[index as usize] = Branch::Running(ctx);
        Ok(NextBranch::Run { index, ctx })
    }

    /// Reports how branch `index` ended.
    pub fn branch_end(
        &mut self,
        execution: &mut Execution,
        handle: BatchHandle,
        index: u32,
        body: Result<Option<String>, ErrorObject>,
    ) -> OpResult<()> {
        let batch = self.batch(handle)?;
        let ctx = match batch.branches.get(index as usize) {
            Some(Branch::Running(ctx)) => *ctx,
            _ => {
                return Err(ReplayFault::Protocol(format!(
                    "branch {index} is not running"
                )));
            }
        };
        let id = batch.branch_id(index);
        let frame = &mut self.frames[ctx.0];
        frame.closed = true;
        let checkpoint = !frame.replaying_completed;
        let request = frame.request.take();
        if let (true, Some(request)) = (checkpoint, request) {
            let mut update = request.borrow().update(
                &id,
                if body.is_ok() {
                    Action::Succeed
                } else {
                    Action::Fail
                },
            );
            match &body {
                Ok(payload) => set_context_result(&mut update, payload.clone()),
                Err(error) => update.error = Some(error.clone()),
            }
            Self::checkpoint(execution, update)?;
        }
        if self.runs_concurrently() {
            self.batches[handle.0].unreported.insert(index);
        }
        self.batches[handle.0].branches[index as usize] = match body {
            Ok(payload) => Branch::Succeeded(payload),
            Err(error) => Branch::Failed(error),
        };
        Ok(Ok(()))
    }

    /// A branch context dropped without `branch_end`: the branch suspended.
    pub(super) fn branch_dropped(&mut self, ctx: ContextHandle) {
        for batch in &mut self.batches {
            for branch in &mut batch.branches {
                if matches!(branch, Branch::Running(c) if *c == ctx) {
                    *branch = Branch::Suspended(ctx);
                }
            }
        }
    }

    /// Each branch's status now (None: not started yet), for a completion predicate.
    pub fn batch_progress(
        &mut self,
        handle: BatchHandle,
    ) -> Result<Vec<Option<ItemStatus>>, ReplayFault> {
        let batch = self.batch(handle)?;
        Ok(batch
            .branches
            .iter()
            .map(|b| match b {
                Branch::Pending => None,
                Branch::Admitted | Branch::Running(_) | Branch::Suspended(_) => {
                    Some(ItemStatus::Started)
                }
                Branch::Succeeded(_) => Some(ItemStatus::Succeeded),
                Branch::Failed(_) => Some(ItemStatus::Failed),
            })
            .collect())
    }

    /// A guest's completion predicate decided (AWS Python `should_complete`): from the
    /// first call on the thresholds are off; `Some` completes the batch now, unless it
    /// was already decided.
    pub fn batch_decide(
        &mut self,
        handle: BatchHandle,
        decision: Option<CustomOutcome>,
    ) -> OpResult<()> {
        let batch = self.batch(handle)?;
        batch.custom = true;
        if let (Some(outcome), None) = (decision, batch.decided) {
            batch.decided = Some(match outcome {
                CustomOutcome::Succeeded => CompletionReason::CustomCompletionSucceeded,
                CustomOutcome::Failed => CompletionReason::CustomCompletionFailed,
            });
        }
        Ok(Ok(()))
    }

    /// The outcome [`batch_finish`](Self::batch_finish) would record now, or a
    /// suspension while unfinished branches wait for something outside this invocation.
    pub fn batch_settle(&mut self, handle: BatchHandle) -> OpResult<BatchOutcome> {
        let batch = self.batch(handle)?;
        if let Some(snapshot) = &batch.snapshot {
            return Ok(Ok(snapshot.clone()));
        }
        match batch.settled_reason() {
            Some(reason) => Ok(Ok(batch.outcome(reason))),
            None if batch
                .branches
                .iter()
                .any(|b| matches!(b, Branch::Running(_))) =>
            {
                Err(ReplayFault::Protocol(
                    "batch finished while a branch was still running".into(),
                ))
            }
            // Unfinished branches wait (or wait for a free slot): suspend.
            None => {
                let parent = batch.parent_ctx;
                self.suspend(parent)
            }
        }
    }

    /// Completes the batch: checkpoints the container with `payload` (a guest's
    /// whole-result serialization) or the host's JSON of the BatchResult, or suspends
    /// (see [`batch_settle`](Self::batch_settle)).
    pub fn batch_finish(
        &mut self,
        execution: &mut Execution,
        handle: BatchHandle,
        payload: Option<String>,
    ) -> OpResult<BatchOutcome> {
        let outcome = match self.batch_settle(handle)? {
            Ok(outcome) => outcome,
            Err(e) => return Ok(Err(e)),
        };
        let batch = &mut self.batches[handle.0];
        batch.finished = true;
        if !batch.replaying_completed {
            let container = batch.container.clone();
            let mut update = batch.request.borrow().update(&container, Action::Succeed);
            let payload =
                payload.unwrap_or_else(|| serde_json::to_string(&outcome).unwrap_or_default());
            set_context_result(&mut update, Some(payload));
            Self::checkpoint(execution, update)?;
        }
        Ok(Ok(outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(min: Option<u32>, count: Option<u32>, pct: Option<f64>) -> CompletionConfig {
        CompletionConfig {
            min_successful: min,
            tolerated_failure_count: count,
            tolerated_failure_percentage: pct,
        }
    }

    #[test]
    fn no_criteria_fails_fast() {
        let c = CompletionConfig::default();
        assert_eq!(completion(&c, 5, 2, 0), None);
        assert_eq!(
            completion(&c, 5, 2, 1),
            Some(CompletionReason::FailureToleranceExceeded)
        );
        assert_eq!(
            completion(&c, 5, 5, 0),
            Some(CompletionReason::AllCompleted)
        );
        assert_eq!(
            completion(&c, 0, 0, 0),
            Some(CompletionReason::AllCompleted)
        );
    }

    #[test]
    fn tolerated_counts_and_percentages() {
        let count = config(None, Some(1), None);
        assert_eq!(completion(&count, 4, 1, 1), None);
        assert_eq!(
            completion(&count, 4, 3, 1),
            Some(CompletionReason::AllCompleted)
        );
        assert_eq!(
            completion(&count, 4, 1, 2),
            Some(CompletionReason::FailureToleranceExceeded)
        );
        let pct = config(None, None, Some(50.0));
        assert_eq!(completion(&pct, 4, 0, 2), None);
        assert_eq!(
            completion(&pct, 4, 0, 3),
            Some(CompletionReason::FailureToleranceExceeded)
        );
        // all_completed(): 100% tolerated, every branch runs.
        let all = config(None, None, Some(100.0));
        assert_eq!(
            completion(&all, 3, 0, 3),
            Some(CompletionReason::AllCompleted)
        );
    }

    #[test]
    fn min_successful_completes_early() {
        let first = config(Some(1), None, None);
        assert_eq!(completion(&first, 3, 0, 0), None);
        assert_eq!(
            completion(&first, 3, 1, 0),
            Some(CompletionReason::MinSuccessfulReached)
        );
        // Tolerance is checked first: with a minimum set, failures are tolerated
        // unless a tolerance says otherwise.
        assert_eq!(completion(&first, 3, 0, 2), None);
        let strict = config(Some(2), Some(0), None);
        assert_eq!(
            completion(&strict, 3, 1, 1),
            Some(CompletionReason::FailureToleranceExceeded)
        );
    }

    #[test]
    fn validation_before_any_checkpoint() {
        let ok = BatchConfig::default();
        assert!(validate(&ok, 3).is_ok());
        let zero = BatchConfig {
            max_concurrency: Some(0),
            ..BatchConfig::default()
        };
        assert_eq!(
            validate(&zero, 3).unwrap_err(),
            "max_concurrency must be at least 1"
        );
        let too_many = BatchConfig {
            completion: config(Some(4), None, None),
            ..BatchConfig::default()
        };
        assert_eq!(
            validate(&too_many, 3).unwrap_err(),
            "min_successful (4) exceeds the number of items (3)"
        );
        let pct = BatchConfig {
            completion: config(None, None, Some(120.0)),
            ..BatchConfig::default()
        };
        assert!(validate(&pct, 3).is_err());
    }

    #[test]
    fn a_huge_batch_is_refused_before_any_allocation() {
        let error = validate(&BatchConfig::default(), u32::MAX).unwrap_err();
        assert!(
            error.contains("exceeds durabox's limit of 100000"),
            "{error}"
        );
        assert!(validate(&BatchConfig::default(), MAX_BRANCHES).is_ok());
    }

    #[test]
    fn branch_ids_use_the_index_not_the_counter() {
        // Reference §2.2: map `H("5")` = 73776e3e…, its item 0 = H("73776e3e…-0") = a33fdc9f….
        let container = crate::model::ids::operation_id(None, 5);
        let item0 = crate::model::ids::hash_step_id(&format!("{container}-0"));
        assert!(container.starts_with("73776e3e"));
        assert!(item0.starts_with("a33fdc9f"));
    }
}
