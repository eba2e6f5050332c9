//! An execution as store deltas: what changed since the last commit, serialized, and
//! the way back from stored parts. Operations are stored one row each together with the
//! service's per-operation bookkeeping (start count, callback timer).

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{CallbackTimer, Execution, InvocationRecord};
use crate::model::{Event, Operation};
use crate::store::{ExecutionDelta, NewExecution, StoreError, StoredExecution};

/// What the store already holds of an execution.
#[derive(Default)]
pub(crate) struct PersistMarks {
    /// The execution's row exists.
    stored: bool,
    /// Positions of operations changed since the last commit.
    dirty: BTreeSet<usize>,
    /// The position marked last, already in `dirty` (an update marks its operation
    /// several times in a row).
    last_marked: Option<usize>,
    events: usize,
    invocations: usize,
    record: String,
    /// A change made since the last commit must be durable before the caller goes on.
    durable_now: bool,
    /// Changes of the running invocation not yet committed.
    deferred: u32,
    /// No store holds the execution: changed operations are not tracked.
    unstored: bool,
}

/// A running invocation's changes are committed at least every this many calls.
const MAX_DEFERRED: u32 = 256;

/// When a running invocation's change is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreWhen {
    /// Before the call returns (an at-most-once step's START, a new callback id).
    Now,
    /// Many changes are pending: start storing them, but do not wait.
    Soon,
    /// With a later commit (at the latest, the invocation's end).
    Later,
}

/// One stored operation row.
#[derive(Serialize, Deserialize)]
struct OperationRow<'a> {
    op: Cow<'a, Operation>,
    #[serde(default, skip_serializing_if = "is_zero")]
    starts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    callback_timer: Option<Cow<'a, CallbackTimer>>,
}

fn parse_all<T: serde::de::DeserializeOwned>(
    documents: &[String],
) -> Result<Vec<T>, serde_json::Error> {
    documents.iter().map(|d| serde_json::from_str(d)).collect()
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Execution {
    /// Notes that the operation at `position` changed.
    pub(super) fn mark_changed(&mut self, position: usize) {
        let marks = &mut self.persisted;
        if !marks.unstored && marks.last_marked != Some(position) {
            marks.dirty.insert(position);
            marks.last_marked = Some(position);
        }
    }

    /// Notes that operation `id` changed.
    pub(super) fn mark_changed_id(&mut self, id: &str) {
        if let Some(&position) = self.index.get(id) {
            self.mark_changed(position);
        }
    }

    /// No store will ever hold this execution: its changes need no tracking.
    pub(in crate::service) fn never_stored(&mut self) {
        self.persisted.unstored = true;
        self.persisted.dirty.clear();
    }

    /// Asks for the changes so far to be committed before the current call returns.
    pub(crate) fn require_durable(&mut self) {
        self.persisted.durable_now = true;
    }

    /// When a running invocation's change is to be stored (see
    /// `ExecutionCell::update_deferred`); counts it as deferred.
    pub fn store_when(&mut self) -> StoreWhen {
        let marks = &mut self.persisted;
        marks.deferred += 1;
        if marks.durable_now {
            StoreWhen::Now
        } else if marks.deferred >= MAX_DEFERRED {
            StoreWhen::Soon
        } else {
            StoreWhen::Later
        }
    }

    /// Everything that changed since the last [`Execution::committed`].
    pub fn delta(&self) -> Result<ExecutionDelta, serde_json::Error> {
        let marks = &self.persisted;
        let record = serde_json::to_string(self)?;
        let new = match marks.stored {
            true => None,
            false => Some(NewExecution {
                function_name: self.spec.function_name.clone(),
                execution_name: self.spec.execution_name.clone(),
                start_ms: self.start,
                spec: serde_json::to_string(&self.spec)?,
            }),
        };
        let operations = marks
            .dirty
            .iter()
            .filter_map(|&i| self.operations.get(i).map(|op| (i, op)))
            .map(|(i, op)| {
                let row = self.operation_row(i, op);
                Ok((i as u32, serde_json::to_string(&row)?))
            })
            .collect::<Result<_, serde_json::Error>>()?;
        let events = self.events[marks.events.min(self.events.len())..]
            .iter()
            .map(|event| Ok((event.event_id, serde_json::to_string(event)?)))
            .collect::<Result<_, serde_json::Error>>()?;
        let first = marks.invocations.min(self.invocations.len());
        let invocations = self.invocations[first..]
            .iter()
            .enumerate()
            .map(|(k, record)| Ok(((first + k) as u32, serde_json::to_string(record)?)))
            .collect::<Result<_, serde_json::Error>>()?;
        Ok(ExecutionDelta {
            arn: self.arn.clone(),
            record: (new.is_some() || record != marks.record).then_some(record),
            new,
            status: self.status.as_str().to_owned(),
            end_ms: self.end,
            operations,
            events,
            invocations,
        })
    }

    /// Records that the delta taken by [`Execution::delta`] under the same lock, whose
    /// record was `record`, is durable.
    pub fn committed(&mut self, record: Option<String>) {
        let marks = &mut self.persisted;
        marks.stored = true;
        marks.durable_now = false;
        marks.deferred = 0;
        marks.dirty.clear();
        marks.last_marked = None;
        marks.events = self.events.len();
        marks.invocations = self.invocations.len();
        if let Some(record) = record {
            marks.record = record;
        }
    }

    fn operation_row<'a>(&'a self, i: usize, op: &'a Operation) -> OperationRow<'a> {
        OperationRow {
            op: Cow::Borrowed(op),
            starts: self.start_count(i),
            callback_timer: self.callback_timers.get(&op.id).map(Cow::Borrowed),
        }
    }

    /// Puts an execution back together from its stored parts. Call
    /// [`Execution::restore`] before running it in a new process.
    pub fn from_stored(stored: StoredExecution) -> Result<Self, StoreError> {
        let corrupt = |source| StoreError::Corrupt {
            arn: stored.arn.clone(),
            source,
        };
        let mut execution: Execution = serde_json::from_str(&stored.record).map_err(corrupt)?;
        execution.spec = serde_json::from_str(&stored.spec).map_err(corrupt)?;
        for document in &stored.operations {
            let row: OperationRow = serde_json::from_str(document).map_err(corrupt)?;
            let op = row.op.into_owned();
            if let Some(timer) = row.callback_timer {
                execution
                    .callback_timers
                    .insert(op.id.clone(), timer.into_owned());
            }
            if let Some(details) = &op.callback_details {
                let callback_id = details.callback_id.clone();
                execution.callback_ids.insert(callback_id, op.id.clone());
            }
            let i = execution.insert_operation(op);
            if row.starts > 0 {
                execution.set_start_count(i, row.starts);
            }
            execution.track_timer_at(i);
        }
        execution.events = parse_all::<Event>(&stored.events).map_err(corrupt)?;
        execution.invocations = parse_all::<InvocationRecord>(&stored.invocations)
            .map_err(corrupt)?
            .into();
        execution.persisted = PersistMarks {
            stored: true,
            dirty: BTreeSet::new(),
            events: execution.events.len(),
            invocations: execution.invocations.len(),
            record: stored.record,
            ..PersistMarks::default()
        };
        Ok(execution)
    }

    /// Takes over the state of `stored` (the last durable one) after a failed commit,
    /// keeping what lives only in this process.
    pub fn revert_to(&mut self, mut stored: Execution) {
        stored.wiring = std::mem::take(&mut self.wiring);
        stored.version = self.version + 1;
        *self = stored;
    }
}
