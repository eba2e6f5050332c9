//! The scenarios whose histories are pinned: between them they reach every event type.

use super::*;

/// Steps (retried, failed, polled, succeeded with and without payload, a FAIL without
/// error), contexts (nested, failed, ReplayChildren), waits (succeeded, cancelled with
/// and without error), invocations completed with and without error, success.
pub(super) fn steps_contexts_waits() -> Execution {
    let mut e = pinned("{\"name\":\"Zoë\",\"n\":1.5,\"tags\":[\"a\\\"b\",\"\\u2028\"]}");
    let first = e.begin_invocation();
    let s1 = |action| named("s1", Type::Step, action, Some("one"), Some("Step"));
    checkpoint(&mut e, &[s1(Action::Start)]);
    let mut retry = with_error(step_retry("s1", 2), full_error("TypeError", "boom"));
    retry.name = Some("one".into());
    retry.sub_type = Some("Step".into());
    checkpoint(&mut e, &[retry]);
    let ctx = |action| {
        named(
            "ctx",
            Type::Context,
            action,
            Some("outer"),
            Some("RunInChildContext"),
        )
    };
    checkpoint(
        &mut e,
        &[
            ctx(Action::Start),
            child_of(
                named("c1", Type::Step, Action::Start, Some("inner"), Some("Step")),
                "ctx",
            ),
        ],
    );
    checkpoint(
        &mut e,
        &[
            child_of(
                with_payload(
                    named("c1", Type::Step, Action::Succeed, Some("inner"), None),
                    "\"é\\u2028</> \\\"q\\\"\"",
                ),
                "ctx",
            ),
            with_payload(ctx(Action::Succeed), "{\"k\":[1,2.5,null]}"),
        ],
    );
    checkpoint(
        &mut e,
        &[
            update("ctx2", Type::Context, Action::Start),
            with_error(
                update("ctx2", Type::Context, Action::Fail),
                ErrorObject::new("ChildError", "child failed"),
            ),
            update("ctx3", Type::Context, Action::Start),
            update("ctx3", Type::Context, Action::Fail),
        ],
    );
    let mut big = named("big", Type::Context, Action::Succeed, Some("big"), None);
    big.payload = Some(String::new());
    big.context_options = Some(ContextOptions {
        replay_children: true,
    });
    checkpoint(
        &mut e,
        &[
            named(
                "big",
                Type::Context,
                Action::Start,
                Some("big"),
                Some("Map"),
            ),
            child_of(update("b1", Type::Step, Action::Start), "big"),
            child_of(update("b1", Type::Step, Action::Succeed), "big"),
            big,
        ],
    );
    let mut later = wait_start("w2", 60);
    later.name = Some("later".into());
    checkpoint(&mut e, &[wait_start("w", 30), later, wait_start("w3", 90)]);
    checkpoint(
        &mut e,
        &[
            with_error(
                update("w2", Type::Wait, Action::Cancel),
                ErrorObject::new("Cancelled", "no longer needed"),
            ),
            update("w3", Type::Wait, Action::Cancel),
        ],
    );
    checkpoint(
        &mut e,
        &[
            update("s2", Type::Step, Action::Start),
            with_error(
                update("s2", Type::Step, Action::Fail),
                full_error("Error", "final"),
            ),
            update("s3", Type::Step, Action::Start),
            update("s3", Type::Step, Action::Succeed),
            update("s4", Type::Step, Action::Start),
            update("s4", Type::Step, Action::Fail),
            named(
                "poll",
                Type::Step,
                Action::Start,
                Some("poll"),
                Some("WaitForCondition"),
            ),
            with_payload(step_retry("poll", 5), "{\"n\":1}"),
            update("bare", Type::Step, Action::Start),
            step_retry("bare", 1),
        ],
    );
    tick(&mut e, 11);
    e.finish_invocation(&first, InvocationOutcome::Pending);

    // The retries come due (no events), then the wait ends.
    let wait_end = e
        .operation("w")
        .unwrap()
        .wait_details
        .as_ref()
        .unwrap()
        .scheduled_end_timestamp;
    e.clock.advance_to(START + 6_000);
    assert!(e.complete_due_timers());
    e.clock.advance_to(wait_end);
    assert!(e.complete_due_timers());

    tick(&mut e, 250);
    let second = e.begin_invocation();
    checkpoint(
        &mut e,
        &[
            s1(Action::Start),
            with_payload(s1(Action::Succeed), "2"),
            named(
                "poll",
                Type::Step,
                Action::Start,
                Some("poll"),
                Some("WaitForCondition"),
            ),
            with_payload(update("poll", Type::Step, Action::Succeed), "{\"n\":2}"),
            update("bare", Type::Step, Action::Start),
            with_payload(update("bare", Type::Step, Action::Succeed), "null"),
        ],
    );
    tick(&mut e, 3);
    e.finish_invocation(
        &second,
        InvocationOutcome::Crashed(ErrorObject::new(
            "Runtime.ExitError",
            "RequestId: r Error: Runtime exited with error: exit status 1",
        )),
    );
    tick(&mut e, 100);
    let third = e.begin_invocation();
    tick(&mut e, 20);
    e.finish_invocation(&third, InvocationOutcome::Succeeded(Some("\"ok\"".into())));
    assert_eq!(e.status, ExecutionStatus::Succeeded);
    e
}

/// Callbacks (succeeded with and without a body, failed, heartbeat and overall
/// timeouts), pause and resume with and without a reason, an execution failure.
pub(super) fn callbacks_pause_failed() -> Execution {
    let mut e = pinned("null");
    let first = e.begin_invocation();
    let callback = |id: &str, name: Option<&str>, timeout: u64, heartbeat: u64| {
        let mut u = named(id, Type::Callback, Action::Start, name, Some("Callback"));
        if timeout > 0 || heartbeat > 0 {
            u.callback_options = Some(CallbackOptions {
                timeout_seconds: timeout,
                heartbeat_timeout_seconds: heartbeat,
            });
        }
        u
    };
    checkpoint(
        &mut e,
        &[
            callback("cb1", Some("approval"), 60, 10),
            callback("cb2", None, 0, 0),
            callback("cb3", Some("rejected"), 120, 0),
            callback("cb4", None, 30, 0),
            callback("cb5", None, 0, 20),
        ],
    );
    tick(&mut e, 5);
    e.finish_invocation(&first, InvocationOutcome::Pending);

    tick(&mut e, 1_000);
    e.pause(Some("maintenance window".into()), true).unwrap();
    tick(&mut e, 1_000);
    e.resume(Some("done".into())).unwrap();
    tick(&mut e, 500);
    e.pause(None, false).unwrap();
    tick(&mut e, 500);
    e.resume(None).unwrap();

    tick(&mut e, 1_000);
    let cb2 = callback_id_of(&e, "cb2");
    e.callback_succeed(&cb2, Some("{\"status\": \"approved\"}".into()))
        .unwrap();
    tick(&mut e, 10);
    let cb3 = callback_id_of(&e, "cb3");
    e.callback_fail(&cb3, full_error("Rejected", "not approved"))
        .unwrap();
    tick(&mut e, 10);
    let cb5 = callback_id_of(&e, "cb5");
    e.callback_succeed(&cb5, Some(String::new())).unwrap();
    // cb1's heartbeat deadline (10 s), then cb4's timeout (30 s).
    e.clock.advance_to(START + 10_007);
    assert!(e.complete_due_timers());
    e.clock.advance_to(START + 30_007);
    assert!(e.complete_due_timers());

    tick(&mut e, 40);
    let second = e.begin_invocation();
    tick(&mut e, 15);
    e.finish_invocation(
        &second,
        InvocationOutcome::Failed(full_error("ApprovalError", "not approved")),
    );
    assert_eq!(e.status, ExecutionStatus::Failed);
    e
}

/// Chained invokes: started children (with and without input and tenant) ending
/// succeeded (with and without a result), failed, timed out and stopped; an unknown
/// function; mocked answers; then the execution is stopped.
pub(super) fn chained_invokes_stopped() -> Execution {
    struct AllBut(&'static str);
    impl execution::InvokeTargets for AllBut {
        fn exists(&self, name: &str) -> bool {
            name != self.0
        }
    }
    let mut spec = ExecutionSpec::for_tests();
    spec.input = "{\"order\":7}".into();
    spec.mocks.invokes = vec![
        ("mocked-ok".into(), MockAnswer::Result(Some("7".into()))),
        (
            "mocked-err".into(),
            MockAnswer::Error(ErrorObject::new("MockError", "mocked")),
        ),
    ];
    let mut e = Execution::starting_at(spec, START);
    e.wiring.invoke_targets = Some(Arc::new(AllBut("missing")));
    let invoke = |id: &str, function: &str, tenant: Option<&str>, payload: Option<&str>| {
        let mut u = named(id, Type::ChainedInvoke, Action::Start, Some(id), None);
        u.payload = payload.map(str::to_owned);
        u.chained_invoke_options = Some(ChainedInvokeOptions {
            function_name: function.into(),
            tenant_id: tenant.map(str::to_owned),
        });
        u
    };
    let first = e.begin_invocation();
    checkpoint(
        &mut e,
        &[
            invoke("i1", "target", Some("tenant-1"), Some("{\"a\":1}")),
            invoke("i2", "target", None, None),
            invoke(
                "i3",
                "arn:aws:lambda:us-east-1:123456789012:function:target:$LATEST",
                None,
                Some("3"),
            ),
            invoke("i4", "target", None, Some("4")),
            invoke("i5", "missing", Some("t"), Some("5")),
            invoke("i6", "mocked-ok", None, Some("6")),
            invoke("i7", "mocked-err", None, None),
            invoke("i8", "target:$LATEST", None, Some("8")),
        ],
    );
    tick(&mut e, 5);
    e.finish_invocation(&first, InvocationOutcome::Pending);
    let ids: Vec<String> = e
        .pending_invokes()
        .iter()
        .map(|i| i.op_id.clone())
        .collect();
    e.started_invokes(&ids);
    tick(&mut e, 100);
    e.complete_chained_invoke("i1", ExecutionStatus::Succeeded, Some("2".into()), None);
    tick(&mut e, 100);
    e.complete_chained_invoke(
        "i2",
        ExecutionStatus::Failed,
        None,
        Some(full_error("ChildError", "child failed")),
    );
    tick(&mut e, 100);
    e.complete_chained_invoke("i3", ExecutionStatus::TimedOut, None, None);
    tick(&mut e, 100);
    e.complete_chained_invoke(
        "i4",
        ExecutionStatus::Stopped,
        None,
        Some(ErrorObject::new("ExecutionStopped", "stopped")),
    );
    tick(&mut e, 100);
    e.complete_chained_invoke("i8", ExecutionStatus::Succeeded, None, None);
    tick(&mut e, 100);
    e.stop(None);
    assert_eq!(e.status, ExecutionStatus::Stopped);
    e
}

/// A wait outlasting the execution timeout: the execution times out.
pub(super) fn timed_out() -> Execution {
    let mut e = pinned("{}");
    let first = e.begin_invocation();
    checkpoint(&mut e, &[wait_start("w", 1_000)]);
    e.finish_invocation(&first, InvocationOutcome::Pending);
    e.clock.advance_to(START + 300_000);
    e.complete_due_timers();
    assert_eq!(e.status, ExecutionStatus::TimedOut);
    e
}

/// Short executions: a handler returning no result (an empty input), then a stop after
/// the end (ignored); one stopped with the caller's error; one failed by a fatal
/// invocation error.
pub(super) fn execution_ends() -> Vec<Execution> {
    let mut quiet = pinned("");
    let first = quiet.begin_invocation();
    tick(&mut quiet, 9);
    quiet.finish_invocation(&first, InvocationOutcome::Succeeded(None));
    quiet.stop(Some(ErrorObject::new("Late", "ignored")));

    // Started on a whole second: pins how such timestamps are written (`…790.0`).
    let mut spec = ExecutionSpec::for_tests();
    spec.input = "[]".into();
    let mut stopped = Execution::starting_at(spec, START + 877);
    stopped.begin_invocation();
    tick(&mut stopped, 30);
    stopped.stop(Some(full_error("Stop", "by caller")));

    let mut fatal = pinned("1");
    let first = fatal.begin_invocation();
    tick(&mut fatal, 2);
    fatal.finish_invocation(
        &first,
        InvocationOutcome::Fatal(ErrorObject::new("NonDeterministic", "replay diverged")),
    );
    vec![quiet, stopped, fatal]
}
