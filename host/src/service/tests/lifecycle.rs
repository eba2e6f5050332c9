//! The execution and its invocations: creation, outcomes of each invocation, the
//! EXECUTION checkpoint, and the state a replaying invocation is given.

use super::*;

#[test]
fn arn_and_execution_operation() {
    let e = execution();
    assert_eq!(
        e.arn,
        "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST/durable-execution/exec/inv-1"
    );
    let op = &e.operations()[0];
    assert_eq!((op.id.as_str(), op.op_type), ("inv-1", Type::Execution));
    assert_eq!(e.events()[0].event_type, EventType::ExecutionStarted);
}

#[test]
fn invocation_outcomes() {
    let mut e = execution();
    e.begin_invocation();
    e.finish_invocation(
        "r1",
        InvocationOutcome::Crashed(ErrorObject::new("Runtime.ExitError", "x")),
    );
    assert!(e.schedule.needs_invocation, "a crash is re-invoked");
    e.begin_invocation();
    // PENDING with nothing pending is invalid; retried, then the execution fails.
    e.finish_invocation("r2", InvocationOutcome::Pending);
    assert!(e.schedule.needs_invocation);
    for request in ["r3", "r4"] {
        e.begin_invocation();
        e.finish_invocation(request, InvocationOutcome::Pending);
    }
    assert_eq!(e.status, crate::model::ExecutionStatus::Failed);
    assert_eq!(
        e.error.as_ref().unwrap().error_message.as_deref(),
        Some("Cannot return PENDING status with no pending operations.")
    );
    let completed = e
        .events()
        .iter()
        .filter(|ev| ev.event_type == EventType::InvocationCompleted)
        .count();
    assert_eq!(completed, 4);
    assert_eq!(
        e.events().last().unwrap().event_type,
        EventType::ExecutionFailed
    );
}

#[test]
fn execution_checkpoint_completes_after_the_invocation() {
    let mut e = execution();
    e.begin_invocation();
    let mut done = update("execution-result", Type::Execution, Action::Succeed);
    done.payload = Some("\"big\"".into());
    e.apply_checkpoint(&[done]).unwrap();
    assert_eq!(e.status, crate::model::ExecutionStatus::Running);
    e.finish_invocation("r1", InvocationOutcome::Succeeded(Some(String::new())));
    assert_eq!(e.result.as_deref(), Some("\"big\""));
    let types: Vec<_> = e.events().iter().map(|ev| ev.event_type).collect();
    assert_eq!(
        types,
        vec![
            EventType::ExecutionStarted,
            EventType::InvocationCompleted,
            EventType::ExecutionSucceeded
        ]
    );
    assert!(
        e.apply_checkpoint(&[]).is_err(),
        "a finished execution takes no checkpoints"
    );
}

#[test]
fn replay_state_hides_children_of_completed_contexts() {
    let mut e = execution();
    let mut child = update("s", Type::Step, Action::Start);
    child.parent_id = Some("ctx".into());
    let mut big = update("big", Type::Context, Action::Start);
    big.name = Some("big".into());
    let mut big_child = update("t", Type::Step, Action::Start);
    big_child.parent_id = Some("big".into());
    let mut big_done = update("big", Type::Context, Action::Succeed);
    big_done.context_options = Some(crate::model::ContextOptions {
        replay_children: true,
    });
    e.apply_checkpoint(&[
        update("ctx", Type::Context, Action::Start),
        child,
        update("ctx", Type::Context, Action::Succeed),
        big,
        big_child,
        big_done,
    ])
    .unwrap();
    let ids: Vec<_> = e.replay_state().iter().map(|op| op.id.as_str()).collect();
    assert_eq!(ids, ["inv-1", "ctx", "big", "t"]);
}
