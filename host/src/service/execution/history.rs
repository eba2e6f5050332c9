//! The execution's history: events are numbered as they are appended, and each change
//! bumps `version` so waiters notice.

use super::*;

impl Execution {
    /// The history so far, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub(super) fn push_event(&mut self, mut event: Event) {
        event.event_id = self.events.len() as u64 + 1;
        self.events.push(event);
        self.version += 1;
    }

    /// An event of the operation at position `i`, carrying its identity.
    pub(in crate::service) fn push_op_event(
        &mut self,
        i: usize,
        event_type: EventType,
        details: EventDetails,
        timestamp: Millis,
    ) {
        let op = &self.operations[i];
        let event = Event {
            event_type,
            event_id: 0,
            timestamp,
            id: Some(op.id.clone()),
            name: op.name.clone(),
            parent_id: op.parent_id.clone(),
            sub_type: op.sub_type.clone(),
            details,
        };
        self.push_event(event);
    }

    /// An event of the execution itself, carrying its invocation id and name.
    pub(super) fn push_execution_event(
        &mut self,
        event_type: EventType,
        details: EventDetails,
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
}
