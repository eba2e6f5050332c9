//! CHAINED_INVOKE: target validation, unknown targets, and children of known ones.

use super::*;

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
    assert!(e.pending_invokes().is_empty() && e.open_invokes().is_empty());
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
    e.wiring.invoke_targets = Some(Arc::new(Everything));
    let mut u = update("i", Type::ChainedInvoke, Action::Start);
    u.payload = Some("{\"a\":1}".into());
    u.chained_invoke_options = Some(crate::model::ChainedInvokeOptions {
        function_name: "target".into(),
        tenant_id: Some("tenant-1".into()),
    });
    e.apply_checkpoint(&[u]).unwrap();
    let pending = e.pending_invokes().to_vec();
    assert_eq!(pending.len(), 1);
    // Pending until the runtime says it started the child; open until the child ends.
    e.started_invokes(&["i".to_owned()]);
    assert!(e.pending_invokes().is_empty());
    assert_eq!(
        e.open_invokes(),
        [execution::OpenInvoke {
            op_id: "i".into(),
            child_arn: pending[0].child_arn.clone()
        }]
    );
    assert_eq!(
        (pending[0].function_name.as_str(), pending[0].input.as_str()),
        ("target", "{\"a\":1}")
    );
    let started = e.events().last().unwrap();
    let child_arn = started.details.durable_execution_arn().unwrap();
    assert_eq!(child_arn, pending[0].child_arn);
    assert!(child_arn.ends_with(&format!(
        "/durable-execution/{0}/{0}",
        pending[0].invocation_id
    )));
    let crate::model::EventDetails::ChainedInvokeStarted { tenant_id, .. } = &started.details
    else {
        panic!("ChainedInvokeStarted expected: {started:?}")
    };
    assert_eq!(tenant_id.as_deref(), Some("tenant-1"));
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
    assert!(e.schedule.needs_invocation);
    assert!(e.open_invokes().is_empty());
}
