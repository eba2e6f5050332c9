//! Map and parallel (reference §3.7), computed in the host: branch ids `H("<container>-i")`,
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
//!
//! A batch goes through its phases in order, one module each:
//! - [`policy`]: checks the configuration, and says when the counts complete a batch;
//! - [`begin`]: starts the container, or replays a recorded one;
//! - [`schedule`]: picks the branch the guest runs next and opens its context;
//! - [`report`]: takes each branch's end (or suspension) and reports progress;
//! - [`finish`]: decides the outcome and checkpoints the container.
//!
//! [`coordinator`] holds the per-batch bookkeeping all of them share (AWS's coordinator).

mod begin;
mod branches;
mod coordinator;
mod finish;
mod policy;
mod report;
mod schedule;

pub use policy::completion;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{ContextHandle, OwnedRequest, ReplayEngine, ReplayFault};
use crate::model::ids::DerivedId;
use crate::model::ErrorObject;

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
    Suspended,
    Succeeded(Option<String>),
    Failed(ErrorObject),
}

pub(super) struct Batch {
    container: String,
    parent_ctx: ContextHandle,
    request: OwnedRequest,
    kind: BatchKind,
    config: BatchConfig,
    branches: branches::Branches,
    /// Each branch's id and key, derived once (a batch asks for them several times per
    /// branch, and each derivation hashes).
    branch_ids: Vec<DerivedId>,
    /// The container succeeded with ReplayChildren: branches re-run only to rebuild
    /// results, nothing is checkpointed.
    replaying_completed: bool,
    finished: bool,
    /// The completion reason when the policy first held (AWS's coordinator stops
    /// there; branches already admitted still finish and are reported).
    decided: Option<CompletionReason>,
    /// The guest applies its own completion predicate (see
    /// [`ReplayEngine::batch_decide`](super::ReplayEngine::batch_decide)):
    /// the thresholds are off, the batch completes early only when the guest says so.
    custom: bool,
    /// For guests running branches concurrently (JS): the outcome when the policy first
    /// held, branches still running then reported STARTED even if they end before
    /// `finish` (AWS's JS coordinator resolves the batch at that moment).
    snapshot: Option<BatchOutcome>,
    /// Branches that ended (`branch_end`) before the concurrent guest's coordinator
    /// learned it (`batch_complete`); until then they count as running, as in AWS's.
    unreported: HashSet<u32>,
    /// For each suspended branch, the operations with a timer it waited on when it
    /// suspended (waits not yet ended, steps waiting to retry): it is due when one is.
    suspended_on: HashMap<u32, Vec<String>>,
}

impl ReplayEngine {
    /// The unfinished batch behind a guest's handle.
    fn batch(&mut self, handle: BatchHandle) -> Result<&mut Batch, ReplayFault> {
        self.batches
            .get_mut(handle.0)
            .filter(|b| !b.finished)
            .ok_or(ReplayFault::UnknownHandle {
                what: "batch",
                id: handle.0.to_string(),
            })
    }
}
