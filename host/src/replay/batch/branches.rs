//! The branches of one batch and the tallies the coordinator asks for after every branch
//! event: kept up to date on each change, so that a batch of n branches costs O(n) in
//! all rather than O(n) per branch.

use std::collections::{HashMap, VecDeque};

use super::Branch;
use crate::replay::ContextHandle;

pub(super) struct Branches {
    states: Vec<Branch>,
    /// Branches before this index are no longer pending (a branch never returns to
    /// pending), so admission resumes here.
    next_pending: usize,
    /// Admitted branches not yet running, in index order.
    admitted: VecDeque<u32>,
    /// Running branches by the handle of their context.
    running: HashMap<usize, u32>,
    suspended: usize,
    succeeded: u32,
    failed: u32,
}

impl Branches {
    pub fn new(count: u32) -> Self {
        Self {
            states: vec![Branch::Pending; count as usize],
            next_pending: 0,
            admitted: VecDeque::new(),
            running: HashMap::new(),
            suspended: 0,
            succeeded: 0,
            failed: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn get(&self, index: u32) -> Option<&Branch> {
        self.states.get(index as usize)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Branch> {
        self.states.iter()
    }

    /// Branches that ended (succeeded, failed), reported or not.
    pub fn ended(&self) -> (u32, u32) {
        (self.succeeded, self.failed)
    }

    /// Branches holding a concurrency slot: admitted, running or suspended.
    pub fn in_flight(&self) -> usize {
        self.admitted.len() + self.running.len() + self.suspended
    }

    /// Admitted branches not yet running, in index order.
    pub fn admitted(&self) -> &VecDeque<u32> {
        &self.admitted
    }

    /// A running branch (the lowest index), if any.
    pub fn any_running(&self) -> Option<u32> {
        self.running.values().min().copied()
    }

    /// The branch running in context `ctx`.
    pub fn running_in(&self, ctx: ContextHandle) -> Option<u32> {
        self.running.get(&ctx.0).copied()
    }

    /// Admits pending branches in index order while fewer than `limit` hold a slot.
    pub fn admit(&mut self, limit: usize) -> Vec<u32> {
        let mut admitted = Vec::new();
        while self.in_flight() < limit && self.next_pending < self.states.len() {
            let index = self.next_pending as u32;
            self.next_pending += 1;
            if matches!(self.states[index as usize], Branch::Pending) {
                self.set(index, Branch::Admitted);
                admitted.push(index);
            }
        }
        admitted
    }

    /// Moves branch `index` to `state`, keeping the tallies.
    pub fn set(&mut self, index: u32, state: Branch) {
        let old = std::mem::replace(&mut self.states[index as usize], state);
        match old {
            Branch::Pending => {}
            // Usually the front (run in index order): removing it there costs nothing.
            Branch::Admitted => {
                if let Some(at) = self.admitted.iter().position(|&i| i == index) {
                    self.admitted.remove(at);
                }
            }
            Branch::Running(ctx) => drop(self.running.remove(&ctx.0)),
            Branch::Suspended => self.suspended -= 1,
            Branch::Succeeded(_) => self.succeeded -= 1,
            Branch::Failed(_) => self.failed -= 1,
        }
        match &self.states[index as usize] {
            Branch::Pending => self.next_pending = self.next_pending.min(index as usize),
            // Admission goes in index order, so a new admission goes to the back.
            Branch::Admitted => self.admitted.push_back(index),
            Branch::Running(ctx) => drop(self.running.insert(ctx.0, index)),
            Branch::Suspended => self.suspended += 1,
            Branch::Succeeded(_) => self.succeeded += 1,
            Branch::Failed(_) => self.failed += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tallies, recounted from the states.
    fn recount(b: &Branches) -> (usize, u32, u32, Vec<u32>) {
        let mut in_flight = 0;
        let (mut succeeded, mut failed, mut admitted) = (0, 0, Vec::new());
        for (i, state) in b.iter().enumerate() {
            match state {
                Branch::Admitted => {
                    in_flight += 1;
                    admitted.push(i as u32);
                }
                Branch::Running(_) | Branch::Suspended => in_flight += 1,
                Branch::Succeeded(_) => succeeded += 1,
                Branch::Failed(_) => failed += 1,
                Branch::Pending => {}
            }
        }
        (in_flight, succeeded, failed, admitted)
    }

    fn check(b: &Branches) {
        let (in_flight, succeeded, failed, admitted) = recount(b);
        assert_eq!(b.in_flight(), in_flight);
        assert_eq!(b.ended(), (succeeded, failed));
        assert_eq!(b.admitted().iter().copied().collect::<Vec<_>>(), admitted);
    }

    #[test]
    fn tallies_follow_every_change_and_admission_skips_adopted_branches() {
        let mut b = Branches::new(6);
        b.set(1, Branch::Succeeded(None));
        b.set(3, Branch::Failed(Default::default()));
        check(&b);
        assert_eq!(b.admit(2), [0, 2]);
        check(&b);
        b.set(2, Branch::Running(ContextHandle(7)));
        assert_eq!(b.running_in(ContextHandle(7)), Some(2));
        assert_eq!(b.admit(2), Vec::<u32>::new(), "two slots held");
        b.set(2, Branch::Suspended);
        b.set(0, Branch::Running(ContextHandle(8)));
        b.set(0, Branch::Succeeded(Some("1".into())));
        check(&b);
        assert_eq!(b.admit(2), [4]);
        b.set(2, Branch::Running(ContextHandle(9)));
        assert_eq!(b.any_running(), Some(2));
        b.set(2, Branch::Failed(Default::default()));
        assert_eq!(b.admit(usize::MAX), [5]);
        check(&b);
        assert_eq!(b.ended(), (2, 2));
    }
}
