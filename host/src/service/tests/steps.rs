//! The STEP state machine: attempts, retries after a delay, and RetryDetails.

use super::*;
use crate::model::RetryDetails;

#[test]
fn step_state_machine() {
    let mut e = execution();
    e.apply_checkpoint(&[update("s", Type::Step, Action::Start)])
        .unwrap();
    assert_eq!(
        rejected(&mut e, &[update("s", Type::Step, Action::Start)]),
        "Invalid current STEP state to start."
    );
    let mut fail_with_payload = update("s", Type::Step, Action::Fail);
    fail_with_payload.payload = Some("1".into());
    assert_eq!(
        rejected(&mut e, &[fail_with_payload]),
        "Cannot provide a Payload for FAIL action."
    );
    let mut succeed_with_error = update("s", Type::Step, Action::Succeed);
    succeed_with_error.error = Some(ErrorObject::default());
    assert_eq!(
        rejected(&mut e, &[succeed_with_error]),
        "Cannot provide an Error for SUCCEED action."
    );
    assert_eq!(
        rejected(&mut e, &[update("s", Type::Step, Action::Retry)]),
        "Invalid StepOptions for the given action."
    );
    let mut both = retry("s", 2);
    both.payload = Some("1".into());
    assert_eq!(
        rejected(&mut e, &[both]),
        "Cannot provide both error and payload to RETRY a STEP."
    );

    e.apply_checkpoint(&[retry("s", 2)]).unwrap();
    let op = e.operation("s").unwrap();
    assert_eq!(op.status, Status::Pending);
    let details = op.step_details.as_ref().unwrap();
    assert_eq!(details.attempt, 1);
    let due = details.next_attempt_timestamp.unwrap();
    assert_eq!(
        rejected(&mut e, &[update("s", Type::Step, Action::Start)]),
        "Invalid current STEP state to start."
    );
    assert_eq!(
        rejected(&mut e, &[retry("s", 2)]),
        "Invalid current STEP state to re-attempt."
    );
    assert_eq!(e.next_timer(), Some((due, TimerKind::Progress)));
    e.clock.advance_to(due);
    assert!(e.complete_due_timers());
    assert_eq!(e.operation("s").unwrap().status, Status::Ready);
    e.apply_checkpoint(&[
        update("s", Type::Step, Action::Start),
        update("s", Type::Step, Action::Succeed),
    ])
    .unwrap();
    assert_eq!(
        rejected(&mut e, &[update("s", Type::Step, Action::Fail)]),
        "Invalid current STEP state to close."
    );
    let op = e.operation("s").unwrap();
    assert_eq!(op.step_details.as_ref().unwrap().attempt, 2);
    // RetryDetails count STARTs: the retry was attempt 1, the success attempt 2.
    let ends: Vec<_> = e
        .events()
        .iter()
        .filter(|ev| {
            matches!(
                ev.event_type,
                EventType::StepFailed | EventType::StepSucceeded
            )
        })
        .map(|ev| *ev.details.retry_details().unwrap())
        .collect();
    assert_eq!(
        ends,
        [
            RetryDetails {
                current_attempt: 1,
                next_attempt_delay_seconds: Some(2)
            },
            RetryDetails {
                current_attempt: 2,
                next_attempt_delay_seconds: None
            }
        ]
    );
}

#[test]
fn retry_with_payload_is_recorded_as_step_succeeded() {
    let mut e = execution();
    let mut poll = update("c", Type::Step, Action::Retry);
    poll.payload = Some("{\"n\":1}".into());
    poll.step_options = Some(StepOptions {
        next_attempt_delay_seconds: 5,
    });
    e.apply_checkpoint(&[update("c", Type::Step, Action::Start), poll])
        .unwrap();
    let last = e.events().last().unwrap();
    assert_eq!(last.event_type, EventType::StepSucceeded);
    assert_eq!(last.details.result_payload(), Some("{\"n\":1}"));
    assert_eq!(e.operation("c").unwrap().result(), Some("{\"n\":1}"));
}
