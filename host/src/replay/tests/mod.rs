//! Replay engine unit tests on a bare execution (no guest).

use super::*;
use crate::model::ids::operation_id;
use crate::model::{EventType, OperationStatus};
use crate::service::{Execution, ExecutionSpec};

fn execution() -> Execution {
    Execution::new(ExecutionSpec::for_tests())
}

const ROOT: ContextHandle = ReplayEngine::ROOT;

fn run_step(
    engine: &mut ReplayEngine,
    e: &mut Execution,
    name: &str,
    body: Result<String, ErrorObject>,
) -> Result<Outcome, OpError> {
    match engine
        .step_begin(e, ROOT, Some(name), StepConfig::default())
        .unwrap()?
    {
        StepStart::Done(outcome) => Ok(outcome),
        StepStart::Run { id, .. } => engine.step_end(e, &id, body.map(Some), None).unwrap(),
    }
}

/// Begins a new step `name` in `ctx` (default config); returns its id.
fn start_step(
    engine: &mut ReplayEngine,
    e: &mut Execution,
    ctx: ContextHandle,
    name: &str,
) -> String {
    match engine
        .step_begin(e, ctx, Some(name), StepConfig::default())
        .unwrap()
        .unwrap()
    {
        StepStart::Run { id, .. } => id,
        done => panic!("a new step runs, got {done:?}"),
    }
}

#[test]
fn recorded_steps_replay_without_running() {
    let mut e = execution();
    let mut first = ReplayEngine::new("inv-1");
    let outcome = run_step(&mut first, &mut e, "one", Ok("1".into())).unwrap();
    assert_eq!(outcome, Outcome::Succeeded(Some("1".into())));
    let id = operation_id(None, 1);
    assert_eq!(e.operation(&id).unwrap().name.as_deref(), Some("one"));

    let mut replay = ReplayEngine::new("inv-1");
    let start = replay
        .step_begin(&mut e, ROOT, Some("one"), StepConfig::default())
        .unwrap()
        .unwrap();
    assert_eq!(start, StepStart::Done(Outcome::Succeeded(Some("1".into()))));
    let events = e.events().len();
    assert_eq!(events, 3, "replay adds no events");
}

#[test]
fn a_different_operation_at_a_recorded_id_is_non_determinism() {
    let mut e = execution();
    run_step(
        &mut ReplayEngine::new("inv-1"),
        &mut e,
        "one",
        Ok("1".into()),
    )
    .unwrap();
    let mut replay = ReplayEngine::new("inv-1");
    let fault = replay.wait(&mut e, ROOT, Some("one"), 5).unwrap_err();
    let message = fault.to_string();
    assert!(matches!(fault, ReplayFault::NonDeterminism { .. }));
    assert!(message.contains(&operation_id(None, 1)), "{message}");
    assert!(
        message.contains("recorded STEP (subtype Step, name 'one'"),
        "{message}"
    );
    assert!(
        message.contains("asked for WAIT (subtype Wait, name 'one'"),
        "{message}"
    );
    let renamed =
        ReplayEngine::new("inv-1").step_begin(&mut e, ROOT, Some("uno"), StepConfig::default());
    assert!(matches!(renamed, Err(ReplayFault::NonDeterminism { .. })));
}

#[test]
fn calls_after_suspension_are_a_protocol_fault() {
    let mut e = execution();
    let mut engine = ReplayEngine::new("inv-1");
    assert_eq!(
        engine.wait(&mut e, ROOT, None, 5).unwrap(),
        Err(OpError::Suspended)
    );
    let fault = engine.step_begin(&mut e, ROOT, Some("next"), StepConfig::default());
    assert!(matches!(fault, Err(ReplayFault::CallAfterSuspend)));
}

#[test]
fn invalid_wait_is_rejected_without_a_checkpoint() {
    let mut e = execution();
    let mut engine = ReplayEngine::new("inv-1");
    let result = engine.wait(&mut e, ROOT, None, 0).unwrap();
    assert!(matches!(result, Err(OpError::InvalidArgument(_))));
    assert_eq!(e.operations().len(), 1);
}

#[test]
fn failed_attempts_retry_then_fail() {
    let mut e = execution();
    let config = || StepConfig {
        retry: Some(retry::RetryPolicy::fixed(2, 3)),
        ..StepConfig::default()
    };
    let mut engine = ReplayEngine::new("inv-1");
    let StepStart::Run { id, attempt } = engine
        .step_begin(&mut e, ROOT, Some("s"), config())
        .unwrap()
        .unwrap()
    else {
        panic!("expected a live attempt")
    };
    assert_eq!(attempt, 1);
    let first = engine
        .step_end(&mut e, &id, Err(ErrorObject::new("E", "boom")), None)
        .unwrap();
    assert_eq!(first, Err(OpError::Suspended));
    assert_eq!(e.operation(&id).unwrap().status, OperationStatus::Pending);
    // While the retry is pending, the replay suspends again.
    let mut waiting = ReplayEngine::new("inv-1");
    assert_eq!(
        waiting
            .step_begin(&mut e, ROOT, Some("s"), config())
            .unwrap(),
        Err(OpError::Suspended)
    );
    let (due, _) = e.next_timer().unwrap();
    e.clock.advance_to(due);
    e.complete_due_timers();
    let mut second = ReplayEngine::new("inv-1");
    let StepStart::Run { attempt, .. } = second
        .step_begin(&mut e, ROOT, Some("s"), config())
        .unwrap()
        .unwrap()
    else {
        panic!("expected the second attempt")
    };
    assert_eq!(attempt, 2);
    let error = ErrorObject::new("E", "again");
    let last = second
        .step_end(&mut e, &id, Err(error.clone()), None)
        .unwrap();
    assert_eq!(last, Ok(Outcome::Failed(error)));
    assert_eq!(e.operation(&id).unwrap().status, OperationStatus::Failed);
}

#[test]
fn a_guest_retry_decision_overrides_the_strategy() {
    let mut e = execution();
    let mut engine = ReplayEngine::new("inv-1");
    let id = start_step(&mut engine, &mut e, ROOT, "s");
    let decision = RetryDecision {
        should_retry: false,
        delay_seconds: 0,
    };
    let outcome = engine
        .step_end(&mut e, &id, Err(ErrorObject::new("E", "x")), Some(decision))
        .unwrap();
    assert!(
        matches!(outcome, Ok(Outcome::Failed(_))),
        "the default preset would have retried"
    );
}

#[test]
fn child_ids_nest_and_large_results_replay_children() {
    let mut e = execution();
    let mut engine = ReplayEngine::new("inv-1");
    let ChildStart::Run(child) = engine
        .child_begin(&mut e, ROOT, Some("big"), None)
        .unwrap()
        .unwrap()
    else {
        panic!()
    };
    let parent = operation_id(None, 1);
    let id = start_step(&mut engine, &mut e, child, "inner");
    assert_eq!(id, operation_id(Some(&parent), 1));
    engine
        .step_end(&mut e, &id, Ok(Some("1".into())), None)
        .unwrap()
        .unwrap();
    assert_eq!(
        e.operation(&id).unwrap().parent_id.as_deref(),
        Some(parent.as_str())
    );
    let big = "x".repeat(300_000);
    let outcome = engine
        .child_end(&mut e, child, Ok(Some(big.clone())))
        .unwrap()
        .unwrap();
    assert_eq!(outcome, Outcome::Succeeded(Some(big.clone())));
    let details = e
        .operation(&parent)
        .unwrap()
        .context_details
        .clone()
        .unwrap();
    assert!(details.replay_children);
    assert_eq!(details.result.as_deref(), Some(""));

    // Replay: the body runs again (its step replays) and nothing is checkpointed.
    let events = e.events().len();
    let mut replay = ReplayEngine::new("inv-1");
    let ChildStart::Run(child) = replay
        .child_begin(&mut e, ROOT, Some("big"), None)
        .unwrap()
        .unwrap()
    else {
        panic!("a ReplayChildren context re-runs")
    };
    let start = replay
        .step_begin(&mut e, child, Some("inner"), StepConfig::default())
        .unwrap()
        .unwrap();
    assert!(matches!(start, StepStart::Done(_)));
    let outcome = replay
        .child_end(&mut e, child, Ok(Some(big.clone())))
        .unwrap()
        .unwrap();
    assert_eq!(outcome, Outcome::Succeeded(Some(big)));
    assert_eq!(e.events().len(), events);
    assert!(
        replay
            .child_end(&mut e, child, Ok(Some("again".into())))
            .is_err(),
        "closed twice"
    );
}

#[test]
fn callbacks_suspend_until_answered() {
    let mut e = execution();
    let mut engine = ReplayEngine::new("inv-1");
    let (id, callback_id) = engine
        .create_callback(&mut e, ROOT, Some("cb"), CallbackConfig::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        engine.callback_result(&e, ROOT, &id).unwrap(),
        Err(OpError::Suspended)
    );
    e.callback_succeed(&callback_id, Some("\"yes\"".into()))
        .unwrap();
    let mut replay = ReplayEngine::new("inv-1");
    let (again, same_callback) = replay
        .create_callback(&mut e, ROOT, Some("cb"), CallbackConfig::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.as_str(), same_callback.as_str()),
        (id.as_str(), callback_id.as_str())
    );
    assert_eq!(
        replay.callback_result(&e, ROOT, &id).unwrap(),
        Ok(CallbackOutcome::Succeeded(Some("\"yes\"".into())))
    );
    assert_eq!(
        e.events()
            .iter()
            .filter(|ev| ev.event_type == EventType::CallbackStarted)
            .count(),
        1
    );
}

/// Runs a two-branch map whose branches return "a" and "b", finishing with `payload`.
fn run_map(engine: &mut ReplayEngine, e: &mut Execution, payload: Option<&str>) -> BatchStart {
    let start = engine
        .batch_begin(
            e,
            ROOT,
            Some("m"),
            BatchKind::Map,
            2,
            BatchConfig::default(),
        )
        .unwrap()
        .unwrap();
    let BatchStart::Run(batch) = start else {
        return start;
    };
    while let NextBranch::Run { index, .. } = engine.next_branch(e, batch).unwrap().unwrap() {
        let body = ["a", "b"][index as usize];
        engine
            .branch_end(e, batch, index, Ok(Some(format!("\"{body}\""))))
            .unwrap()
            .unwrap();
    }
    let settled = engine.batch_settle(batch).unwrap().unwrap();
    let finished = engine
        .batch_finish(e, batch, payload.map(str::to_owned))
        .unwrap()
        .unwrap();
    assert_eq!(settled, finished, "settle previews what finish records");
    assert_eq!(finished.all.len(), 2);
    BatchStart::Run(batch)
}

#[test]
fn a_batch_records_the_guest_payload_and_replays_it_raw() {
    let mut e = execution();
    run_map(&mut ReplayEngine::new("inv-1"), &mut e, Some("OPSERDE:a,b"));
    let container = operation_id(None, 1);
    assert_eq!(
        e.operation(&container).unwrap().result(),
        Some("OPSERDE:a,b")
    );

    let events = e.events().len();
    let start = run_map(&mut ReplayEngine::new("inv-1"), &mut e, None);
    let BatchStart::Done(done) = start else {
        panic!("a completed batch replays as done, got {start:?}")
    };
    assert_eq!(done.payload.as_deref(), Some("OPSERDE:a,b"));
    assert_eq!(
        done.outcome, None,
        "the host cannot read a guest's serialization"
    );
    assert_eq!(e.events().len(), events, "replay adds no events");
}

#[test]
fn a_batch_without_a_guest_payload_replays_the_host_outcome() {
    let mut e = execution();
    run_map(&mut ReplayEngine::new("inv-1"), &mut e, None);
    let BatchStart::Done(done) = run_map(&mut ReplayEngine::new("inv-1"), &mut e, None) else {
        panic!("a completed batch replays as done")
    };
    let outcome = done.outcome.expect("the host reads its own JSON");
    assert_eq!(outcome.completion_reason, CompletionReason::AllCompleted);
    let results: Vec<_> = outcome.all.iter().map(|i| i.result.as_deref()).collect();
    assert_eq!(results, [Some("\"a\""), Some("\"b\"")]);
}

#[test]
fn replayed_code_logs_only_when_asked_to() {
    let mut e = execution();
    let mut first = ReplayEngine::new("inv-1");
    first.log(&e, ROOT, "INFO", "before".into(), false, 0);
    run_step(&mut first, &mut e, "one", Ok("1".into())).unwrap();
    assert_eq!(first.logs.len(), 1);

    // The next invocation re-runs the code before step "one": a mode-aware line is
    // dropped, a line logged with replay logging on is kept.
    let mut replay = ReplayEngine::new("inv-1");
    replay.log(&e, ROOT, "INFO", "aware".into(), false, 0);
    replay.log(&e, ROOT, "INFO", "always".into(), true, 0);
    let messages: Vec<_> = replay.logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(messages, ["always"]);
}

#[test]
fn a_line_logged_by_a_step_body_belongs_to_the_step() {
    let mut e = execution();
    let mut engine = ReplayEngine::new("inv-1");
    let id = start_step(&mut engine, &mut e, ROOT, "s");
    engine.log(&e, ROOT, "INFO", "in the step".into(), false, 0);
    engine
        .step_end(&mut e, &id, Ok(Some("1".into())), None)
        .unwrap()
        .unwrap();
    engine.log(&e, ROOT, "INFO", "after".into(), false, 0);
    let owners: Vec<_> = engine.logs.iter().map(|l| l.context_id.clone()).collect();
    assert_eq!(owners, [Some(id), None]);
}

mod fake;
mod on_fake;
