//! The engine alone, on a fake service: what it sends through the checkpoint door and
//! how it answers from recorded operations.

use super::fake::FakeService;
use super::ROOT;
use crate::model::ids::operation_id;
use crate::model::{
    ErrorObject, Operation, OperationAction as Action, OperationStatus as Status,
    OperationType as Type,
};
use crate::replay::{
    ChildStart, OpError, Outcome, ReplayEngine, ReplayFault, StepConfig, StepSemantics, StepStart,
};
use crate::service::ServiceError;

/// (action, type, id, name, parent, payload) of each update, one list per request.
type Sent = Vec<
    Vec<(
        Action,
        Type,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    )>,
>;

fn sent(fake: &FakeService) -> Sent {
    fake.requests
        .iter()
        .map(|request| {
            request
                .iter()
                .map(|u| {
                    let (name, parent) = (u.name.clone(), u.parent_id.clone());
                    (
                        u.action,
                        u.op_type,
                        u.id.clone(),
                        name,
                        parent,
                        u.payload.clone(),
                    )
                })
                .collect()
        })
        .collect()
}

fn begin_step(engine: &mut ReplayEngine, fake: &mut FakeService, config: StepConfig) -> StepStart {
    engine
        .step_begin(fake, ROOT, Some("charge"), config)
        .unwrap()
        .unwrap()
}

#[test]
fn an_at_least_once_step_sends_its_start_with_its_result_in_one_request() {
    let mut fake = FakeService::default();
    let mut engine = ReplayEngine::new("inv-1");
    let id = operation_id(None, 1);
    let start = begin_step(&mut engine, &mut fake, StepConfig::default());
    assert_eq!(
        start,
        StepStart::Run {
            id: id.clone(),
            attempt: 1
        }
    );
    assert!(
        fake.requests.is_empty(),
        "the START waits for the engine's next request"
    );
    let outcome = engine
        .step_end(&mut fake, &id, Ok(Some("42".into())), None)
        .unwrap()
        .unwrap();
    assert_eq!(outcome, Outcome::Succeeded(Some("42".into())));
    let name = Some("charge".to_owned());
    assert_eq!(
        sent(&fake),
        vec![vec![
            (
                Action::Start,
                Type::Step,
                id.clone(),
                name.clone(),
                None,
                None
            ),
            (
                Action::Succeed,
                Type::Step,
                id,
                name,
                None,
                Some("42".into())
            )
        ],]
    );
    assert_eq!(
        fake.durable_requests, 0,
        "at least once needs no durable START"
    );
}

#[test]
fn an_at_most_once_step_asks_for_its_start_to_be_stored_before_the_body_runs() {
    let mut fake = FakeService::default();
    let config = StepConfig {
        semantics: StepSemantics::AtMostOncePerRetry,
        ..StepConfig::default()
    };
    begin_step(&mut ReplayEngine::new("inv-1"), &mut fake, config);
    assert_eq!(fake.requests.len(), 1);
    assert_eq!(fake.durable_requests, 1);
}

#[test]
fn a_recorded_step_replays_its_result_and_sends_nothing() {
    let mut fake = FakeService::default();
    let mut op = Operation::new(operation_id(None, 1), Type::Step, Status::Succeeded, 0);
    op.name = Some("charge".into());
    op.sub_type = Some("Step".into());
    op.step_details.get_or_insert_with(Default::default).result = Some("\"paid\"".into());
    fake.record(op);
    let start = begin_step(
        &mut ReplayEngine::new("inv-2"),
        &mut fake,
        StepConfig::default(),
    );
    let paid = Outcome::Succeeded(Some("\"paid\"".into()));
    assert_eq!(start, StepStart::Done(paid));
    assert!(fake.requests.is_empty(), "{:?}", fake.requests);
}

#[test]
fn a_different_recorded_operation_is_non_determinism_without_a_request() {
    let mut fake = FakeService::default();
    let mut op = Operation::new(operation_id(None, 1), Type::Wait, Status::Started, 0);
    op.sub_type = Some("Wait".into());
    fake.record(op);
    let fault = ReplayEngine::new("inv-2")
        .step_begin(&mut fake, ROOT, Some("charge"), StepConfig::default())
        .unwrap_err();
    assert!(
        matches!(fault, ReplayFault::NonDeterminism { .. }),
        "{fault}"
    );
    assert!(fake.requests.is_empty());
}

#[test]
fn a_new_wait_sends_its_start_and_suspends_until_the_service_ends_it() {
    let mut fake = FakeService::default();
    let id = operation_id(None, 1);
    let first = ReplayEngine::new("inv-1").wait(&mut fake, ROOT, None, 30);
    assert_eq!(first.unwrap(), Err(OpError::Suspended));
    let update = &fake.requests[0][0];
    assert_eq!((update.action, update.op_type), (Action::Start, Type::Wait));
    assert_eq!(update.wait_options.as_ref().unwrap().wait_seconds, 30);

    // Still STARTED: the next invocation suspends again and sends nothing.
    let again = ReplayEngine::new("inv-2").wait(&mut fake, ROOT, None, 30);
    assert_eq!(again.unwrap(), Err(OpError::Suspended));
    assert_eq!(fake.requests.len(), 1);

    // Once the service completed the wait, replay passes it.
    let mut done = Operation::new(id, Type::Wait, Status::Succeeded, 0);
    done.sub_type = Some("Wait".into());
    let mut ended = FakeService::default();
    ended.record(done);
    let passed = ReplayEngine::new("inv-3").wait(&mut ended, ROOT, None, 30);
    assert_eq!(passed.unwrap(), Ok(()));
    assert!(ended.requests.is_empty());
}

#[test]
fn operations_in_a_child_context_name_it_as_parent_and_its_end_carries_the_result() {
    let mut fake = FakeService::default();
    let mut engine = ReplayEngine::new("inv-1");
    let child = match engine
        .child_begin(&mut fake, ROOT, Some("group"), None)
        .unwrap()
        .unwrap()
    {
        ChildStart::Run(handle) => handle,
        done => panic!("a new child runs, got {done:?}"),
    };
    let context_id = operation_id(None, 1);
    let inner = match engine
        .step_begin(&mut fake, child, Some("inner"), StepConfig::default())
        .unwrap()
        .unwrap()
    {
        StepStart::Run { id, .. } => id,
        done => panic!("a new step runs, got {done:?}"),
    };
    engine
        .step_end(&mut fake, &inner, Ok(Some("1".into())), None)
        .unwrap()
        .unwrap();
    let outcome = engine.child_end(&mut fake, child, Ok(Some("[1]".into())));
    assert_eq!(outcome.unwrap(), Ok(Outcome::Succeeded(Some("[1]".into()))));

    let sent = sent(&fake);
    let kinds: Vec<Vec<_>> = sent
        .iter()
        .map(|r| r.iter().map(|u| (u.0, u.1)).collect())
        .collect();
    assert_eq!(
        kinds,
        [
            vec![(Action::Start, Type::Context)],
            vec![(Action::Start, Type::Step), (Action::Succeed, Type::Step)],
            vec![(Action::Succeed, Type::Context)],
        ]
    );
    assert_eq!(sent[1][0].4.as_deref(), Some(context_id.as_str()));
    assert_ne!(inner, context_id);
    assert_eq!(sent[2][0].5.as_deref(), Some("[1]"));
}

#[test]
fn a_refused_checkpoint_ends_the_invocation_with_the_service_error() {
    let mut fake = FakeService::default();
    fake.refuse_next = Some(ServiceError::InvalidParameterValue("too big".into()));
    let fault = ReplayEngine::new("inv-1")
        .wait(&mut fake, ROOT, Some("pause"), 5)
        .unwrap_err();
    assert!(matches!(fault, ReplayFault::Checkpoint(_)), "{fault}");
    let error: ErrorObject = fault.to_error_object();
    assert_eq!(
        error.error_type.as_deref(),
        Some("InvalidParameterValueException")
    );
    assert!(fake.requests.is_empty());
}

#[test]
fn a_map_starts_its_admitted_branches_in_one_request() {
    use crate::replay::{BatchConfig, BatchKind, BatchStart, NextBranch};
    let mut fake = FakeService::default();
    let mut engine = ReplayEngine::new("inv-1");
    let start = engine.batch_begin(
        &mut fake,
        ROOT,
        Some("m"),
        BatchKind::Map,
        3,
        BatchConfig::default(),
    );
    let Ok(Ok(BatchStart::Run(batch))) = start else {
        panic!("a new map runs, got {start:?}");
    };
    let next = engine.next_branch(&mut fake, batch).unwrap().unwrap();
    assert!(matches!(next, NextBranch::Run { index: 0, .. }), "{next:?}");
    let sent = sent(&fake);
    // The map's own START, the empty request in which the service fires due timers,
    // then the three branch STARTs together.
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!((sent[0][0].0, sent[0][0].1), (Action::Start, Type::Context));
    assert!(sent[1].is_empty());
    let container = operation_id(None, 1);
    assert_eq!(sent[2].len(), 3);
    for (action, op_type, _, _, parent, _) in &sent[2] {
        assert_eq!((*action, *op_type), (Action::Start, Type::Context));
        assert_eq!(parent.as_deref(), Some(container.as_str()));
    }
}

#[test]
fn a_deferred_start_is_sent_when_the_invocation_ends_before_the_step_does() {
    let mut fake = FakeService::default();
    let mut engine = ReplayEngine::new("inv-1");
    begin_step(&mut engine, &mut fake, StepConfig::default());
    assert!(fake.requests.is_empty());
    engine.flush(&mut fake).unwrap();
    let sent = sent(&fake);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].iter().map(|u| (u.0, u.1)).collect::<Vec<_>>(),
        [(Action::Start, Type::Step)]
    );
    engine.flush(&mut fake).unwrap();
    assert_eq!(fake.requests.len(), 1, "nothing left to send");
}
