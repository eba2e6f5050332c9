//! The operations of an execution, in start order with an index by id, and the view of
//! them a replaying invocation is given.

use super::*;

impl Execution {
    /// The operation `id`, if it exists.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.index.get(id).map(|&i| &self.operations[i])
    }

    /// The position of operation `id` in start order, if it exists.
    pub(in crate::service) fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The operation at position `i` (from [`Self::position`]), to change.
    pub(in crate::service) fn operation_at_mut(&mut self, i: usize) -> &mut Operation {
        self.mark_changed(i);
        &mut self.operations[i]
    }

    /// The STARTs of the STEP at position `i` so far.
    pub(in crate::service) fn start_count(&self, i: usize) -> u32 {
        self.start_counts.get(i).copied().unwrap_or(0)
    }

    /// Sets the STARTs of the STEP at position `i`.
    pub(in crate::service) fn set_start_count(&mut self, i: usize, starts: u32) {
        if self.start_counts.len() <= i {
            self.start_counts.resize(i + 1, 0);
        }
        self.start_counts[i] = starts;
    }

    /// Remembers the operation at position `i` if it now holds a timer.
    pub(in crate::service) fn track_timer_at(&mut self, i: usize) {
        let op = &self.operations[i];
        if matches!(
            (op.op_type, op.status),
            (Type::Wait, Status::Started) | (Type::Step, Status::Pending)
        ) {
            self.timed.insert(i);
        }
    }

    /// Adds `op` after the others; returns its position.
    pub(in crate::service) fn insert_operation(&mut self, op: Operation) -> usize {
        let i = self.operations.len();
        self.mark_changed(i);
        self.index.insert(op.id.clone(), i);
        self.operations.push(op);
        i
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
}
