//! The `durabox` binary: readable output, `--json`, exit codes, one-line errors.

use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::common::guest;

fn durabox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_durabox"))
        .args(args)
        .output()
        .expect("the durabox binary runs")
}

fn stderr_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert_eq!(stderr.lines().count(), 1, "one clear line, got:\n{stderr}");
    stderr
}

#[test]
fn run_prints_the_tree_and_the_result() {
    let quickstart = guest("rust", "quickstart");
    let output = durabox(&[
        "run",
        quickstart.to_str().unwrap(),
        "--input",
        "\"input str\"",
    ]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("context two [SUCCEEDED]"), "{stdout}");
    assert!(stdout.contains("  step two_1 [SUCCEEDED] "), "{stdout}");
    assert!(
        stdout.contains("wait (unnamed) [SUCCEEDED] 1.0s"),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"result: ["1 2","3 4 4 3","5 6"]"#),
        "{stdout}"
    );
}

#[test]
fn run_tree_labels_batches_and_shows_attempts_and_logs_in_place() {
    let scenarios = guest("rust", "scenarios");
    let js = guest("js", "scenarios");
    let tree = |component: &std::path::Path, input: &str| {
        let output = durabox(&["run", component.to_str().unwrap(), "--input", input]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let out = tree(&scenarios, r#"{"scenario": "map", "items": [1, 2]}"#);
    assert!(out.contains("map numbers [SUCCEEDED]"), "{out}");
    assert!(out.contains("  map item item-1 [SUCCEEDED]"), "{out}");
    let out = tree(&scenarios, r#"{"scenario": "retry_exhausted"}"#);
    for attempt in 1..=3 {
        assert!(
            out.contains(&format!("  attempt {attempt} ✗ MyError: boom")),
            "{out}"
        );
    }
    // The step's own log line sits under the step, the handler's above it.
    let out = tree(&js, r#"{"scenario": "log"}"#);
    let handler_line = out.find("· INFO hello from the guest").expect(&out);
    let step = out.find("step logs [SUCCEEDED]").expect(&out);
    let step_line = out.find("  · WARN inside the step").expect(&out);
    assert!(handler_line < step && step < step_line, "{out}");
}

#[test]
fn run_json_gives_execution_and_history() {
    let quickstart = guest("rust", "quickstart");
    let output = durabox(&[
        "run",
        quickstart.to_str().unwrap(),
        "--input",
        "\"input str\"",
        "--json",
    ]);
    assert!(output.status.success());
    let out: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(out["Execution"]["Status"], "SUCCEEDED");
    assert_eq!(out["Execution"]["Result"], r#"["1 2","3 4 4 3","5 6"]"#);
    assert_eq!(out["Execution"]["InputPayload"], "\"input str\"");
    let arn = out["Execution"]["DurableExecutionArn"].as_str().unwrap();
    assert!(arn.starts_with(
        "arn:aws:lambda:us-east-1:123456789012:function:quickstart:$LATEST/durable-execution/"
    ));
    let events = out["Events"].as_array().unwrap();
    assert_eq!(events.len(), 16);
    assert_eq!(events[0]["EventType"], "ExecutionStarted");
    assert_eq!(events[15]["EventType"], "ExecutionSucceeded");
    for event in events {
        let details = format!("{}Details", event["EventType"].as_str().unwrap());
        assert!(event[&details].is_object(), "{details} missing in {event}");
        assert!(event["EventTimestamp"].is_number());
    }
}

#[test]
fn failed_execution_exits_non_zero() {
    let scenarios = guest("rust", "scenarios");
    let output = durabox(&[
        "run",
        scenarios.to_str().unwrap(),
        "--input",
        r#"{"scenario":"retry_exhausted"}"#,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("status: FAILED"), "{stdout}");
    assert!(stdout.contains("MyError: boom"), "{stdout}");
}

#[test]
fn bad_inputs_are_one_clear_line() {
    let quickstart = guest("rust", "quickstart");
    let quickstart = quickstart.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("durabox-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = dir.join("notes.wasm");
    std::fs::write(&text, "hello").unwrap();
    let module = dir.join("module.wasm");
    std::fs::write(&module, b"\0asm\x01\0\0\0").unwrap();
    let empty_component = dir.join("empty.wasm");
    std::fs::write(&empty_component, b"\0asm\x0d\0\x01\0").unwrap();

    let cases: [(Vec<&str>, &str); 5] = [
        (vec!["run", "/nonexistent/x.wasm"], "component not found"),
        (
            vec!["run", text.to_str().unwrap()],
            "not a WebAssembly component",
        ),
        (
            vec!["run", module.to_str().unwrap()],
            "not a WebAssembly component",
        ),
        (
            vec!["run", empty_component.to_str().unwrap()],
            "does not implement the durabox:durable@0.1.0",
        ),
        (
            vec!["run", quickstart, "--input", "{not json"],
            "--input is not valid JSON",
        ),
    ];
    for (args, expected) in cases {
        let output = durabox(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let line = stderr_line(&output);
        assert!(
            line.starts_with("error: ") && line.contains(expected),
            "{args:?}: {line}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn run_registers_chained_invoke_targets() {
    let scenarios = guest("rust", "scenarios");
    let quickstart = guest("rust", "quickstart");
    let input = r#"{"scenario":"invoke","function":"quick","payload":"x"}"#;
    let output = durabox(&[
        "run",
        scenarios.to_str().unwrap(),
        "--input",
        input,
        "--function",
        &format!("quick={}", quickstart.display()),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains(r#"result: {"result":["1 2","3 4 4 3","5 6"]}"#),
        "{stdout}"
    );
}

#[test]
fn run_json_prints_a_pending_execution_with_its_callbacks_and_exit_code_3() {
    let scenarios = guest("rust", "scenarios");
    let output = durabox(&[
        "run",
        scenarios.to_str().unwrap(),
        "--input",
        r#"{"scenario": "callback"}"#,
        "--json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "pending has its own exit code"
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(out["Execution"]["Status"], "RUNNING");
    let pending = out["PendingCallbacks"]
        .as_array()
        .expect("the pending callbacks");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["Name"], "approval");
    let id = pending[0]["CallbackId"].as_str().unwrap();
    let started = out["Events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["EventType"] == "CallbackStarted")
        .expect("CallbackStarted in the history");
    assert_eq!(started["CallbackStartedDetails"]["CallbackId"], id);
}

#[test]
fn run_answers_callbacks_by_name_and_holds_their_timeouts() {
    let scenarios = guest("rust", "scenarios");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            scenarios.to_str().unwrap(),
            "--input",
            r#"{"scenario": "callback_caught", "timeout": 60}"#,
            "--json",
        ];
        args.extend_from_slice(extra);
        let output = durabox(&args);
        let out: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
        (output.status.code(), out)
    };
    let result = |out: &Value| -> Value {
        serde_json::from_str(out["Execution"]["Result"].as_str().unwrap()).unwrap()
    };

    let (code, out) = run(&["--callback", r#"approval={"ok": 1}"#]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(result(&out), json!({"callback": {"ok": 1}}));

    let (code, out) = run(&["--callback-fail", "approval=no way"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(result(&out), json!({"error": null}));

    // Unanswered, the 60 s timeout is held (pending, exit 3) unless asked to fire.
    let (code, out) = run(&[]);
    assert_eq!(code, Some(3), "{out}");
    let (code, out) = run(&["--fire-callback-timeouts"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(result(&out), json!({"error": "Callback.Timeout"}));

    let output = durabox(&[
        "run",
        scenarios.to_str().unwrap(),
        "--callback",
        "approval={not json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--callback approval: the result is not valid JSON"),
        "{stderr}"
    );
}

#[test]
fn test_session_answers_json_lines() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let scenarios = guest("rust", "scenarios");
    let mut child = Command::new(env!("CARGO_BIN_EXE_durabox"))
        .args(["test-session", scenarios.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    assert!(next()["ready"]["component"].is_string());

    let mut call = |id: u32, method: &str, params: Value| -> Value {
        let request = json!({"id": id, "method": method, "params": params});
        writeln!(stdin, "{request}").unwrap();
        let response = next();
        assert_eq!(response["id"], id, "{response}");
        response
    };
    let bad = call(1, "start", json!({"input": "{not json"}));
    assert_eq!(bad["error"]["type"], "InvalidInput", "{bad}");
    let unknown = call(2, "frobnicate", json!({}));
    assert_eq!(unknown["error"]["message"], "unknown method 'frobnicate'");
    let arn = call(3, "start", json!({"input": r#"{"scenario": "callback"}"#}))["result"].clone();
    let id = call(
        4,
        "wait_for_callback",
        json!({"arn": arn, "name": "approval"}),
    )["result"]
        .clone();
    let sent = call(
        5,
        "send_callback_success",
        json!({"callback_id": id, "result": "1"}),
    );
    assert_eq!(sent["result"], Value::Null, "{sent}");
    assert_eq!(
        call(6, "wait", json!({"arn": arn, "timeout": 30}))["result"],
        true
    );
    let document = call(7, "snapshot", json!({"arn": arn}))["result"].clone();
    assert_eq!(document["Execution"]["Status"], "SUCCEEDED");
    assert_eq!(document["Operations"][1]["Type"], "CALLBACK");
    drop(stdin);
    assert!(child.wait().unwrap().success(), "EOF ends the session");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let quickstart = guest("rust", "quickstart");
    let mut child = Command::new(env!("CARGO_BIN_EXE_durabox"))
        .args(["run", quickstart.to_str().unwrap(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once, as `| head -0` would
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn run_chaos_reports_every_crash_point_and_fails_on_a_changed_outcome() {
    let quickstart = guest("rust", "quickstart");
    let clean = durabox(&["run", quickstart.to_str().unwrap(), "--chaos"]);
    let stdout = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{stdout}");
    assert!(
        stdout.contains("11 of 11 crash points keep the outcome"),
        "{stdout}"
    );

    let scenarios = guest("rust", "scenarios");
    let input = r#"{"scenario": "outside_counter"}"#;
    let buggy = durabox(&[
        "run",
        scenarios.to_str().unwrap(),
        "--input",
        input,
        "--chaos",
    ]);
    let stdout = String::from_utf8_lossy(&buggy.stdout);
    assert_eq!(buggy.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("2. after SUCCEED STEP 'a': CHANGED: result: expected 2, got 1"),
        "{stdout}"
    );
}

#[test]
fn run_mocks_steps_and_invokes_from_flags() {
    let scenarios = guest("rust", "scenarios");
    let path = scenarios.to_str().unwrap();
    let steps = durabox(&[
        "run",
        path,
        "--input",
        r#"{"scenario": "steps"}"#,
        "--mock-step",
        "second=41",
        "--json",
    ]);
    let doc: Value = serde_json::from_slice(&steps.stdout).unwrap();
    assert_eq!(doc["Execution"]["Result"], json!("\"result=82\""));
    let invoke = durabox(&[
        "run",
        path,
        "--input",
        r#"{"scenario": "invoke", "function": "pay", "catch": true}"#,
        "--mock-invoke-error",
        "pay=Declined: no funds",
        "--json",
    ]);
    let doc: Value = serde_json::from_slice(&invoke.stdout).unwrap();
    let result: Value = serde_json::from_str(doc["Execution"]["Result"].as_str().unwrap()).unwrap();
    assert_eq!(result, json!({"failed": "Declined", "message": "no funds"}));
    let bad = durabox(&["run", path, "--mock-step", "second=not json"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr_line(&bad).contains("--mock-step second: the result is not valid JSON"));
}

#[test]
fn replay_names_the_first_divergent_operation_of_a_durabox_history() {
    let quickstart = guest("rust", "quickstart");
    let scenarios = guest("rust", "scenarios");
    let run = durabox(&["run", quickstart.to_str().unwrap(), "--json"]);
    let dir = std::env::temp_dir().join(format!("durabox-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = dir.join("quickstart.json");
    std::fs::write(&history, &run.stdout).unwrap();
    let history = history.to_str().unwrap();

    let clean = durabox(&["replay", quickstart.to_str().unwrap(), "--history", history]);
    let stdout = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{stdout}");
    assert!(
        stdout.contains("reproduced (6 of 6 recorded operations)"),
        "{stdout}"
    );

    // Another handler at the same ids: the first operation it asks for differs.
    let other = durabox(&[
        "replay",
        scenarios.to_str().unwrap(),
        "--history",
        history,
        "--input",
        r#"{"scenario": "steps"}"#,
    ]);
    let stdout = String::from_utf8_lossy(&other.stdout);
    assert_eq!(other.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("DIVERGED at operation #1"), "{stdout}");
    assert!(
        stdout.contains("expected: STEP (subtype Step, name 'one'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("got:      STEP (subtype Step, name 'first'"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
