//! Unit tests of checkpoint validation and processing, timers and callbacks, against
//! the validator messages of the AWS testing SDK (reference §4.5).

use super::*;
use crate::model::{
    EventType, OperationAction as Action, OperationStatus as Status, OperationType as Type,
    OperationUpdate, StepOptions, WaitOptions,
};

fn execution() -> Execution {
    Execution::new(ExecutionSpec {
        function_name: "fn".into(),
        execution_name: "exec".into(),
        invocation_id: "inv-1".into(),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        input: "{}".into(),
        execution_timeout_seconds: 300,
        skip_time: true,
        fire_callback_timeouts: false,
        manual_clock: false,
        mocks: Default::default(),
    })
}

fn update(id: &str, op_type: Type, action: Action) -> OperationUpdate {
    OperationUpdate::new(id, op_type, action)
}

fn rejected(execution: &mut Execution, updates: &[OperationUpdate]) -> String {
    match execution.apply_checkpoint(updates) {
        Err(ServiceError::InvalidParameterValue(message)) => message,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn retry(id: &str, delay: u64) -> OperationUpdate {
    let mut u = update(id, Type::Step, Action::Retry);
    u.error = Some(ErrorObject::new("E", "boom"));
    u.step_options = Some(StepOptions {
        next_attempt_delay_seconds: delay,
    });
    u
}

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
        .map(|ev| ev.detail("RetryDetails").cloned().unwrap())
        .collect();
    assert_eq!(ends[0]["CurrentAttempt"], 1);
    assert_eq!(ends[0]["NextAttemptDelaySeconds"], 2);
    assert_eq!(ends[1]["CurrentAttempt"], 2);
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
    assert_eq!(last.detail("Result").unwrap()["Payload"], "{\"n\":1}");
    assert_eq!(e.operation("c").unwrap().result(), Some("{\"n\":1}"));
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
    assert_eq!(last.detail("Duration").unwrap(), 30);
    assert!(e.needs_invocation);
}

#[test]
fn callbacks_succeed_once_and_time_out() {
    let mut e = execution();
    let mut start = update("cb", Type::Callback, Action::Start);
    start.callback_options = Some(crate::model::CallbackOptions {
        timeout_seconds: 60,
        heartbeat_timeout_seconds: 10,
    });
    e.apply_checkpoint(&[start, update("other", Type::Callback, Action::Start)])
        .unwrap();
    let id = callback_id_of(&e, "cb");
    let other = callback_id_of(&e, "other");
    assert_ne!(id, other);
    assert!(matches!(
        e.callback_succeed("bm90LWEtY2FsbGJhY2s=", None),
        Err(ServiceError::ResourceNotFound(_))
    ));
    // Heartbeats push the heartbeat deadline; the overall timeout still applies.
    let (first_deadline, _) = e.next_timer().unwrap();
    e.clock.advance_to(first_deadline - 1000);
    e.callback_heartbeat(&id).unwrap();
    let (pushed, kind) = e.next_timer().unwrap();
    assert!(pushed > first_deadline);
    assert_eq!(kind, TimerKind::Timeout);
    e.clock.advance_to(pushed);
    assert!(e.complete_due_timers());
    let op = e.operation("cb").unwrap();
    assert_eq!(op.status, Status::TimedOut);
    assert_eq!(
        op.error().unwrap().error_type.as_deref(),
        Some("Callback.Heartbeat")
    );
    assert!(matches!(
        e.callback_heartbeat(&id),
        Err(ServiceError::CallbackTimeout(_))
    ));
    e.callback_succeed(&other, Some("\"ok\"".into())).unwrap();
    assert!(e.callback_succeed(&other, None).is_err(), "answered twice");
    assert_eq!(e.operation("other").unwrap().result(), Some("\"ok\""));
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

#[test]
fn invocation_outcomes() {
    let mut e = execution();
    e.begin_invocation();
    e.finish_invocation(
        "r1",
        InvocationOutcome::Crashed(ErrorObject::new("Runtime.ExitError", "x")),
    );
    assert!(e.needs_invocation, "a crash is re-invoked");
    e.begin_invocation();
    // PENDING with nothing pending is invalid; retried, then the execution fails.
    e.finish_invocation("r2", InvocationOutcome::Pending);
    assert!(e.needs_invocation);
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

#[test]
fn chained_invoke_validation() {
    let mut e = execution();
    let invoke = |name: &str| {
        let mut u = update("i", Type::ChainedInvoke, Action::Start);
        u.chained_invoke_options = Some(crate::model::ChainedInvokeOptions {
            function_name: name.into(),
            tenant_id: None,
        });
        u
    };
    assert_eq!(
        rejected(&mut e, &[update("i", Type::ChainedInvoke, Action::Start)]),
        "Update for CHAINED_INVOKE operation requires ChainedInvokeOptions."
    );
    assert_eq!(
        rejected(&mut e, &[invoke("bad name!")]),
        "Invalid function ARN 'bad name!'"
    );
    assert_eq!(
        rejected(
            &mut e,
            &[invoke("arn:aws:lambda:eu-west-1:123456789012:function:f")]
        ),
        "Cannot start a CHAINED_INVOKE on a function in another region."
    );
    assert_eq!(
        rejected(&mut e, &[invoke("999999999999:function:f")]),
        "Cannot start a CHAINED_INVOKE on a function in another account."
    );
    let mut tenant = invoke("f");
    tenant.chained_invoke_options.as_mut().unwrap().tenant_id = Some("no\ttabs".into());
    assert_eq!(
        rejected(&mut e, &[tenant]),
        "TenantId must be 1 to 256 characters matching [a-zA-Z0-9._:/=+-@ ]."
    );
    let mut big = invoke("f");
    big.payload = Some("x".repeat(1024 * 1024 + 1));
    assert_eq!(
        rejected(&mut e, &[big]),
        "CHAINED_INVOKE input payload size must be less than or equal to 1048576 bytes."
    );
    // Without registered targets the function is unknown: the operation fails at once.
    e.apply_checkpoint(&[invoke(
        "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
    )])
    .unwrap();
    let op = e.operation("i").unwrap();
    assert_eq!(op.status, Status::Failed);
    assert_eq!(
        op.error().unwrap().error_type.as_deref(),
        Some("ResourceNotFoundException")
    );
    assert!(e.take_pending_invokes().is_empty());
    assert_eq!(
        rejected(&mut e, &[invoke("f")]),
        "Cannot start a CHAINED_INVOKE operation that already exists."
    );
}

#[test]
fn chained_invoke_to_a_known_target_waits_for_the_child() {
    struct Everything;
    impl execution::InvokeTargets for Everything {
        fn exists(&self, _: &str) -> bool {
            true
        }
    }
    let mut e = execution();
    e.invoke_targets = Some(Arc::new(Everything));
    let mut u = update("i", Type::ChainedInvoke, Action::Start);
    u.payload = Some("{\"a\":1}".into());
    u.chained_invoke_options = Some(crate::model::ChainedInvokeOptions {
        function_name: "target".into(),
        tenant_id: Some("tenant-1".into()),
    });
    e.apply_checkpoint(&[u]).unwrap();
    let pending = e.take_pending_invokes();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].function_name.as_str(), pending[0].input.as_str()),
        ("target", "{\"a\":1}")
    );
    let started = e.events().last().unwrap();
    let child_arn = started
        .detail("DurableExecutionArn")
        .unwrap()
        .as_str()
        .unwrap();
    assert!(child_arn.ends_with(&format!(
        "/durable-execution/{0}/{0}",
        pending[0].invocation_id
    )));
    assert_eq!(started.detail("TenantId").unwrap(), "tenant-1");
    e.complete_chained_invoke(
        "i",
        crate::model::ExecutionStatus::Succeeded,
        Some("2".into()),
        None,
    );
    assert_eq!(e.operation("i").unwrap().result(), Some("2"));
    assert_eq!(
        e.events().last().unwrap().event_type,
        EventType::ChainedInvokeSucceeded
    );
    assert!(e.needs_invocation);
}

#[test]
fn huge_callback_timeouts_never_fire_and_oversized_failures_are_refused() {
    let mut e = execution();
    let mut start = update("cb", Type::Callback, Action::Start);
    start.callback_options = Some(crate::model::CallbackOptions {
        timeout_seconds: 1 << 62,
        heartbeat_timeout_seconds: u64::MAX,
    });
    e.apply_checkpoint(&[start]).unwrap();
    let id = callback_id_of(&e, "cb");
    // Far away, not wrapped into the past: nothing is due now.
    assert!(!e.complete_due_timers());
    assert_eq!(e.operation("cb").unwrap().status, Status::Started);
    e.callback_heartbeat(&id).unwrap();

    let huge = ErrorObject::new("Rejected", "x".repeat(100 * 1024));
    assert!(matches!(
        e.callback_fail(&id, huge),
        Err(ServiceError::InvalidParameterValue(m)) if m.contains("32768")
    ));
    assert_eq!(e.operation("cb").unwrap().status, Status::Started);
    e.callback_fail(&id, ErrorObject::new("Rejected", "no"))
        .unwrap();
    assert_eq!(e.operation("cb").unwrap().status, Status::Failed);
}

/// The callback id the service gave operation `op`.
#[test]
fn tokens_and_callback_ids_cannot_be_forged_from_the_arn() {
    use base64::Engine as _;
    let encode =
        |v: serde_json::Value| base64::engine::general_purpose::STANDARD.encode(v.to_string());
    let mut e = execution();
    let forged = encode(serde_json::json!({ "arn": e.arn, "seq": 0 }));
    assert!(e.checkpoint_request(&forged, None, &[]).is_err());
    let token = e.checkpoint_token();
    assert!(e.checkpoint_request(&token, None, &[]).is_ok());

    e.apply_checkpoint(&[update("cb", Type::Callback, Action::Start)])
        .unwrap();
    let arn = e.arn.clone();
    let real = callback_id_of(&e, "cb");
    let service = Service::default();
    service.insert(ExecutionCell::new(e));
    let forged = encode(serde_json::json!({ "arn": arn, "op": "cb" }));
    assert!(matches!(
        service.send_callback_success(&forged, None),
        Err(ServiceError::ResourceNotFound(_))
    ));
    service.send_callback_success(&real, None).unwrap();
}

fn callback_id_of(e: &Execution, op: &str) -> String {
    let details = e.operation(op).unwrap().callback_details.as_ref();
    details.unwrap().callback_id.clone()
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
