//! The operations of an execution, in start order with an index by id, and the view of
//! them a replaying invocation is given.

use super::*;

impl Execution {
    /// The operation `id`, if it exists.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.index.get(id).map(|&i| &self.operations[i])
    }

    pub(in crate::service) fn operation_mut(&mut self, id: &str) -> Option<&mut Operation> {
        let &i = self.index.get(id)?;
        self.mark_changed(i);
        Some(&mut self.operations[i])
    }

    /// Remembers an operation that now holds a timer.
    pub(in crate::service) fn track_timer(&mut self, id: &str) {
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

    pub(in crate::service) fn insert_operation(&mut self, op: Operation) {
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
}
