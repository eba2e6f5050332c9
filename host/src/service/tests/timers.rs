//! Timers on the execution's clock: waits, and the execution timeout.

use super::*;

#[test]
fn waits_complete_at_their_scheduled_time() {
    let mut e = execution();
    let mut wait = update("w", Type::Wait, Action::Start);
    wait.wait_options = Some(WaitOptions { wait_seconds: 30 });
    e.apply_checkpoint(&[wait]).unwrap();
    let end = e
        .operation("w")
        .unwrap()
        .wait_details
        .as_ref()
        .unwrap()
        .scheduled_end_timestamp;
    assert!(!e.complete_due_timers(), "not due yet");
    e.clock.advance_to(end);
    assert!(e.complete_due_timers());
    let op = e.operation("w").unwrap();
    assert_eq!(op.status, Status::Succeeded);
    assert_eq!(op.end_timestamp, Some(end));
    let last = e.events().last().unwrap();
    assert_eq!(last.event_type, EventType::WaitSucceeded);
    assert_eq!(
        last.details,
        crate::model::EventDetails::WaitSucceeded { duration: 30 }
    );
    assert!(e.schedule.needs_invocation);
}

#[test]
fn execution_times_out_on_its_clock() {
    let mut e = execution();
    e.clock.advance_to(e.start + 300_000);
    e.complete_due_timers();
    assert_eq!(e.status, crate::model::ExecutionStatus::TimedOut);
    assert_eq!(
        e.events().last().unwrap().event_type,
        EventType::ExecutionTimedOut
    );
}
