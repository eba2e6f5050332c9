//! Whole-request validation: shape, repeats, parents, identity, per-type rules and
//! the host's footprint bound; a rejected request changes nothing.

use super::*;

#[test]
fn execution_updates_must_be_single_and_last() {
    let mut e = execution();
    let exec = update("x", Type::Execution, Action::Succeed);
    let step = update("s", Type::Step, Action::Start);
    assert_eq!(
        rejected(&mut e, &[exec.clone(), exec.clone()]),
        "Cannot checkpoint multiple EXECUTION updates."
    );
    assert_eq!(
        rejected(&mut e, &[exec, step]),
        "EXECUTION checkpoint must be the last update."
    );
}

#[test]
fn start_then_close_in_one_request_is_allowed_only_once() {
    let mut e = execution();
    let start = update("s", Type::Step, Action::Start);
    let succeed = update("s", Type::Step, Action::Succeed);
    assert_eq!(
        rejected(&mut e, &[start.clone(), start.clone()]),
        "Cannot checkpoint multiple operations with the same ID."
    );
    assert_eq!(
        rejected(&mut e, &[start.clone(), succeed.clone(), succeed.clone()]),
        "Cannot checkpoint multiple operations with the same ID."
    );
    e.apply_checkpoint(&[start, succeed]).unwrap();
    assert_eq!(e.operation("s").unwrap().status, Status::Succeeded);
}

#[test]
fn a_rejected_request_changes_nothing() {
    let mut e = execution();
    let events = e.events().len();
    let ok = update("a", Type::Step, Action::Start);
    let bad = update("b", Type::Wait, Action::Start); // no WaitOptions
    rejected(&mut e, &[ok, bad]);
    assert!(e.operation("a").is_none());
    assert_eq!(e.events().len(), events);
}

#[test]
fn parent_must_be_a_context() {
    let mut e = execution();
    let mut child = update("c", Type::Step, Action::Start);
    child.parent_id = Some("ctx".into());
    assert_eq!(
        rejected(&mut e, &[child.clone()]),
        "Invalid parent operation id."
    );
    // A CONTEXT started earlier in the same request is a valid parent.
    e.apply_checkpoint(&[update("ctx", Type::Context, Action::Start), child])
        .unwrap();
    let mut under_step = update("d", Type::Step, Action::Start);
    under_step.parent_id = Some("c".into());
    assert_eq!(
        rejected(&mut e, &[under_step]),
        "Invalid parent operation id."
    );
}

#[test]
fn identity_must_match_the_recorded_operation() {
    let mut e = execution();
    let mut start = update("s", Type::Step, Action::Start);
    start.name = Some("one".into());
    start.sub_type = Some("Step".into());
    e.apply_checkpoint(&[start]).unwrap();
    let as_wait = update("s", Type::Wait, Action::Start);
    assert_eq!(rejected(&mut e, &[as_wait]), "Inconsistent operation type.");
    let mut renamed = update("s", Type::Step, Action::Succeed);
    renamed.name = Some("two".into());
    assert_eq!(rejected(&mut e, &[renamed]), "Inconsistent operation name.");
    let mut resubtyped = update("s", Type::Step, Action::Succeed);
    resubtyped.sub_type = Some("Other".into());
    assert_eq!(
        rejected(&mut e, &[resubtyped]),
        "Inconsistent operation subtype."
    );
}

#[test]
fn context_wait_and_callback_rules() {
    let mut e = execution();
    e.apply_checkpoint(&[update("ctx", Type::Context, Action::Start)])
        .unwrap();
    assert_eq!(
        rejected(&mut e, &[update("ctx", Type::Context, Action::Start)]),
        "Cannot start a CONTEXT that already exist."
    );
    assert_eq!(
        rejected(&mut e, &[update("ctx", Type::Context, Action::Retry)]),
        "Invalid action for the given operation type."
    );
    let mut wait = update("w", Type::Wait, Action::Start);
    wait.wait_options = Some(WaitOptions { wait_seconds: 0 });
    assert_eq!(
        rejected(&mut e, &[wait.clone()]),
        "Invalid WaitOptions for the given action."
    );
    wait.wait_options = Some(WaitOptions { wait_seconds: 10 });
    assert_eq!(
        rejected(&mut e, &[update("w", Type::Wait, Action::Cancel)]),
        "Cannot cancel a WAIT that does not exist or has already completed."
    );
    e.apply_checkpoint(&[wait.clone()]).unwrap();
    assert_eq!(
        rejected(&mut e, &[wait]),
        "Cannot start a WAIT that already exist."
    );
    e.apply_checkpoint(&[update("cb", Type::Callback, Action::Start)])
        .unwrap();
    assert_eq!(
        rejected(&mut e, &[update("cb", Type::Callback, Action::Start)]),
        "Cannot start a CALLBACK that already exist."
    );
    assert_eq!(
        rejected(&mut e, &[update("cb", Type::Callback, Action::Succeed)]),
        "Invalid action for the given operation type."
    );
    let mut big_error = update("big", Type::Step, Action::Fail);
    big_error.error = Some(ErrorObject::new("E", "x".repeat(40_000)));
    assert_eq!(
        rejected(&mut e, &[big_error]),
        "Error object size must be less than 32768 bytes."
    );
}

#[test]
fn an_execution_past_the_host_bound_refuses_more_updates_and_stays_as_it_was() {
    use crate::model::limits::{HELD_BYTES_PER_UPDATE, MAX_EXECUTION_HELD_BYTES};
    let mut e = execution();
    e.held_bytes = MAX_EXECUTION_HELD_BYTES - HELD_BYTES_PER_UPDATE - 10;
    e.apply_checkpoint(&[update("s1", Type::Step, Action::Start)])
        .unwrap();
    let mut big = update("s1", Type::Step, Action::Succeed);
    big.payload = Some("x".repeat(100));
    let (operations, events) = (e.operations().len(), e.events().len());
    match e.apply_checkpoint(&[big]) {
        Err(ServiceError::ExecutionTooLarge(message)) => {
            assert!(message.contains("1024 MiB"), "{message}")
        }
        other => panic!("expected ExecutionTooLarge, got {other:?}"),
    }
    assert_eq!(
        (e.operations().len(), e.events().len()),
        (operations, events)
    );
    assert_eq!(e.operation("s1").unwrap().status, Status::Started);
    assert!(e.held_bytes <= MAX_EXECUTION_HELD_BYTES);
}

#[test]
fn identity_fields_longer_than_the_model_allows_are_rejected() {
    let mut e = execution();
    let mut named = update("s", Type::Step, Action::Start);
    named.name = Some("n".repeat(257));
    assert_eq!(
        rejected(&mut e, &[named.clone()]),
        "1 validation error detected: Value at 'updates.member.name' failed to satisfy constraint: Member must have length less than or equal to 256"
    );
    let long_id = update(&"i".repeat(65), Type::Step, Action::Start);
    assert!(rejected(&mut e, &[long_id]).contains("'updates.member.id'"));
    let mut sub_typed = update("t", Type::Step, Action::Start);
    sub_typed.sub_type = Some("s".repeat(33));
    assert!(rejected(&mut e, &[sub_typed]).contains("'updates.member.subType'"));
    // At the bounds: accepted (characters, not bytes).
    named.name = Some("é".repeat(256));
    e.apply_checkpoint(&[named]).unwrap();
    e.apply_checkpoint(&[update(&"i".repeat(64), Type::Step, Action::Start)])
        .unwrap();
}
