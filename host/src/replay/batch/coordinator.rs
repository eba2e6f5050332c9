//! Per-batch bookkeeping, as AWS's batch coordinator keeps it: which branches count as
//! ended, when the policy holds, which pending branches a free slot admits, and the
//! outcome reported for the branches started so far.

use super::{
    completion, Batch, BatchItem, BatchOutcome, Branch, CompletionReason, ItemStatus, Nesting,
};
use crate::model::{OperationStatus as Status, OperationType as Type};
use crate::replay::host::ReplayHost;
use crate::replay::OwnedRequest;

impl Batch {
    /// Branches that ended and were reported: (succeeded, failed).
    pub(super) fn counts(&self) -> (u32, u32) {
        let (mut succeeded, mut failed) = self.branches.ended();
        for &index in &self.unreported {
            match self.branches.get(index) {
                Some(Branch::Succeeded(_)) => succeeded -= 1,
                Some(Branch::Failed(_)) => failed -= 1,
                _ => {}
            }
        }
        (succeeded, failed)
    }

    pub(super) fn reason(&self) -> Option<CompletionReason> {
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
    pub(super) fn settled_reason(&self) -> Option<CompletionReason> {
        self.decided.or_else(|| self.reason())
    }

    /// AWS's coordinator step after each branch event: stop when the policy holds,
    /// else admit pending branches in index order while slots are free (an admitted,
    /// running or suspended branch holds a slot). Returns the newly admitted indexes.
    pub(super) fn admit(&mut self) -> Vec<u32> {
        if self.decided.is_some() {
            return Vec::new();
        }
        if let Some(reason) = self.reason() {
            self.decided = Some(reason);
            return Vec::new();
        }
        let limit = self.config.max_concurrency.unwrap_or(u32::MAX) as usize;
        self.branches.admit(limit)
    }

    /// The CONTEXT operation of branch `index` (NESTED branches only have one).
    pub(super) fn branch_request(&self, index: u32) -> OwnedRequest {
        let name = self
            .config
            .branch_names
            .as_ref()
            .map(|names| names[index as usize].clone())
            .unwrap_or_else(|| self.kind.default_branch_name(index));
        OwnedRequest {
            op_type: Type::Context,
            sub_type: std::borrow::Cow::Borrowed(self.kind.sub_types().1),
            name: Some(name),
            parent: Some(self.container.clone()),
        }
    }

    pub(super) fn branch_id(&self, index: u32) -> &str {
        &self.branch_ids[index as usize].id
    }

    pub(super) fn outcome(&self, reason: CompletionReason) -> BatchOutcome {
        let all = self
            .branches
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let (status, result, error) = match b {
                    Branch::Pending | Branch::Admitted => return None,
                    _ if self.unreported.contains(&(i as u32)) => (ItemStatus::Started, None, None),
                    Branch::Running(_) | Branch::Suspended => (ItemStatus::Started, None, None),
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

    /// Branches that ended in an earlier invocation keep their recorded outcome (NESTED
    /// only: FLAT branches have no operation of their own). When the container only
    /// replays to rebuild its result, succeeded branches run again to produce it.
    pub(super) fn adopt_recorded(&mut self, execution: &dyn ReplayHost) {
        if self.config.nesting != Nesting::Nested {
            return;
        }
        for index in 0..self.branches.len() as u32 {
            let recorded = execution.operation(self.branch_id(index));
            match recorded.map(|op| op.status) {
                Some(Status::Succeeded) if !self.replaying_completed => {
                    let result = recorded.and_then(|op| op.result()).map(str::to_owned);
                    self.branches.set(index, Branch::Succeeded(result));
                }
                Some(Status::Failed) => {
                    let error = recorded
                        .and_then(|op| op.error())
                        .cloned()
                        .unwrap_or_default();
                    self.branches.set(index, Branch::Failed(error));
                }
                _ => {}
            }
        }
    }
}
