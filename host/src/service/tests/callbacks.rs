//! Callbacks: answers, heartbeats and timeouts, and ids that cannot be forged.

use super::*;

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

#[test]
fn tokens_and_callback_ids_cannot_be_forged_from_the_arn() {
    use crate::service::{Caller, CheckpointApi, CheckpointRequest};
    use base64::Engine as _;
    let encode =
        |v: serde_json::Value| base64::engine::general_purpose::STANDARD.encode(v.to_string());
    let mut e = execution();
    let forged = encode(serde_json::json!({ "arn": e.arn, "seq": 0 }));
    let client = |checkpoint_token: String| CheckpointRequest {
        caller: Caller::Client {
            checkpoint_token,
            client_token: None,
        },
        updates: Vec::new(),
    };
    assert!(e.checkpoint(client(forged)).is_err());
    let token = e.checkpoint_token();
    assert!(e.checkpoint(client(token)).is_ok());

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
