//! `durabox serve` as a process: the HTTP API, and executions surviving a SIGKILL with
//! the SQLite store.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::common::guest;

struct ServerProcess {
    child: Child,
    base: String,
}

impl ServerProcess {
    fn start(store: &Path) -> Self {
        let scenarios = guest("rust", "scenarios");
        let mut child = Command::new(env!("CARGO_BIN_EXE_durabox"))
            .args(["serve", "--port", "0", "--store"])
            .arg(format!("sqlite:{}", store.display()))
            .arg("--function")
            .arg(format!("scenarios={}", scenarios.display()))
            .stdout(Stdio::piped())
            .spawn()
            .expect("durabox serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a listening line").unwrap();
        let base = first
            .strip_prefix("durabox listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, base }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into()
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let mut response = Self::agent()
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap(),
        )
    }

    fn post(&self, path: &str, body: &str, invocation_type: Option<&str>) -> (u16, Option<String>) {
        let mut request = Self::agent().post(format!("{}{path}", self.base));
        if let Some(t) = invocation_type {
            request = request.header("x-amz-invocation-type", t);
        }
        let response = request.send(body.as_bytes()).unwrap();
        let arn = response
            .headers()
            .get("x-amz-durable-execution-arn")
            .map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), arn)
    }

    fn start_execution(&self, input: &str) -> String {
        let (status, arn) = self.post(
            "/2015-03-31/functions/scenarios/invocations",
            input,
            Some("Event"),
        );
        assert_eq!(status, 202);
        arn.expect("ARN header")
    }

    fn history(&self, arn: &str) -> Vec<Value> {
        let path = format!("/2025-12-01/durable-executions/{}/history", encode(arn));
        let (status, body) = self.get(&path);
        assert_eq!(status, 200, "{body}");
        body["Events"].as_array().unwrap().clone()
    }

    /// Polls the history until `done` holds (or fails after 30 s).
    fn wait_for(&self, arn: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let events = self.history(arn);
            if done(&events) {
                return events;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {events:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["EventType"].as_str().unwrap())
        .collect()
}

fn suspended(events: &[Value]) -> bool {
    events
        .last()
        .is_some_and(|e| e["EventType"] == "InvocationCompleted")
}

#[test]
fn executions_survive_sigkill_with_the_sqlite_store() {
    let dir = std::env::temp_dir().join(format!("durabox-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("durabox.db");

    let server = ServerProcess::start(&store);
    let waiting = server.start_execution(r#"{"scenario":"wait","seconds":3}"#);
    let calling = server.start_execution(r#"{"scenario":"callback"}"#);
    server.wait_for(&waiting, "the wait to suspend", suspended);
    let before = server.wait_for(&calling, "the callback to suspend", suspended);
    let callback_id = before[1]["CallbackStartedDetails"]["CallbackId"]
        .as_str()
        .unwrap()
        .to_owned();
    server.kill();

    let server = ServerProcess::start(&store);
    // The real-time wait was re-armed from the store and fires after the restart.
    let events = server.wait_for(&waiting, "the wait execution to finish", |e| {
        e.last()
            .is_some_and(|e| e["EventType"] == "ExecutionSucceeded")
    });
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "WaitStarted",
            "InvocationCompleted",
            "WaitSucceeded",
            "InvocationCompleted",
            "ExecutionSucceeded"
        ]
    );
    // The callback created before the crash can still be answered.
    let path = format!(
        "/2025-12-01/durable-execution-callbacks/{}/succeed",
        encode(&callback_id)
    );
    let (status, _) = server.post(&path, r#""after restart""#, None);
    assert_eq!(status, 200);
    let events = server.wait_for(&calling, "the callback execution to finish", |e| {
        e.last()
            .is_some_and(|e| e["EventType"] == "ExecutionSucceeded")
    });
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "CallbackStarted",
            "InvocationCompleted",
            "CallbackSucceeded",
            "InvocationCompleted",
            "ExecutionSucceeded"
        ]
    );
    for history in [server.history(&waiting), events] {
        for (i, event) in history.iter().enumerate() {
            assert_eq!(event["EventId"], i as u64 + 1, "gap-free event ids");
        }
    }
    let (_, execution) = server.get(&format!(
        "/2025-12-01/durable-executions/{}",
        encode(&calling)
    ));
    assert_eq!(execution["Result"], r#"{"callback":"after restart"}"#);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn errors_carry_the_aws_error_type_header() {
    let dir = std::env::temp_dir().join(format!("durabox-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = ServerProcess::start(&dir.join("db"));
    let cases = [
        (
            "/2025-12-01/durable-executions/arn%3Anope",
            404,
            "ResourceNotFoundException",
        ),
        (
            "/2025-12-01/durable-executions/x/history?MaxItems=5000",
            404,
            "ResourceNotFoundException",
        ),
        (
            "/2025-12-01/functions/nope/durable-executions",
            404,
            "ResourceNotFoundException",
        ),
        ("/nothing/here", 404, "UnknownOperationException"),
    ];
    for (path, status, error_type) in cases {
        let response = ServerProcess::agent()
            .get(format!("{}{path}", server.base))
            .call()
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let header = response
            .headers()
            .get("x-amzn-errortype")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(header, error_type, "{path}");
    }
    let (status, _) = server.post(
        "/2015-03-31/functions/scenarios/invocations",
        "{not json",
        None,
    );
    assert_eq!(status, 400);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn malformed_requests_get_4xx_never_5xx() {
    let dir = std::env::temp_dir().join(format!("durabox-malformed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = ServerProcess::start(&dir.join("db"));
    let arn = server.start_execution(r#"{"scenario":"callback"}"#);
    let events = server.wait_for(&arn, "the callback to suspend", suspended);
    let callback = encode(
        events[1]["CallbackStartedDetails"]["CallbackId"]
            .as_str()
            .unwrap(),
    );
    let execution = format!("/2025-12-01/durable-executions/{}", encode(&arn));
    let posts = [
        format!("{execution}/checkpoint"),
        format!("{execution}/stop"),
        format!("{execution}/pause"),
        format!("{execution}/resume"),
        format!("/2025-12-01/durable-execution-callbacks/{callback}/fail"),
        "/2025-12-01/durable-execution-callbacks/%FF%FE/succeed".to_owned(),
        "/2015-03-31/functions/%00/invocations".to_owned(),
    ];
    let bodies: [&[u8]; 6] = [
        b"{",
        b"[]",
        b"\"x\"",
        br#"{"Updates":"nope","CheckpointToken":1}"#,
        b"\xff\xfe\x00",
        br#"{"ErrorType":7}"#,
    ];
    for path in &posts {
        for body in bodies {
            let response = ServerProcess::agent()
                .post(format!("{}{path}", server.base))
                .send(body)
                .unwrap();
            let status = response.status().as_u16();
            assert!(
                (400..500).contains(&status) || status == 200 || status == 202,
                "{path} {body:?}: {status}"
            );
        }
    }
    let gets = [
        format!("{execution}/history?MaxItems=abc"),
        format!("{execution}/history?IncludeExecutionData=maybe"),
        format!("{execution}/history?Marker=zzz"),
        format!("{execution}/state"),
        format!("{execution}/state?CheckpointToken=%%%"),
        "/2025-12-01/functions/scenarios/durable-executions?StartedAfter=yesterday".to_owned(),
        "/2025-12-01/durable-executions/%2F%2F%2F".to_owned(),
    ];
    for path in &gets {
        let response = ServerProcess::agent()
            .get(format!("{}{path}", server.base))
            .call()
            .unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
    }
    // The server is still healthy afterwards.
    let (status, _) = server.get("/health");
    assert_eq!(status, 200);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn concurrent_invokes_with_one_name_start_one_execution() {
    let dir = std::env::temp_dir().join(format!("durabox-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = ServerProcess::start(&dir.join("db"));
    let invoke = |name: &str| {
        let url = format!("{}/2015-03-31/functions/scenarios/invocations", server.base);
        let response = ServerProcess::agent()
            .post(url)
            .header("x-amz-invocation-type", "Event")
            .header("x-amz-durable-execution-name", name)
            .send(r#"{"scenario": "wait", "seconds": 60}"#.as_bytes())
            .unwrap();
        let arn = response
            .headers()
            .get("x-amz-durable-execution-arn")
            .map(|v| v.to_str().unwrap().to_owned());
        let error = response
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), arn, error)
    };
    for trial in 0..5 {
        let name = format!("order-{trial}");
        let arns: Vec<_> = std::thread::scope(|scope| {
            let calls: Vec<_> = (0..24).map(|_| scope.spawn(|| invoke(&name))).collect();
            calls.into_iter().map(|c| c.join().unwrap()).collect()
        });
        let first = arns[0].1.clone().expect("an ARN");
        for (status, arn, _) in &arns {
            assert_eq!((*status, arn.as_deref()), (202, Some(first.as_str())));
        }
    }
    // A name that is not ASCII is refused, not ignored (its idempotency would be lost).
    let (status, arn, error) = invoke("bestellung-ü");
    assert_eq!(
        (status, arn, error.as_deref()),
        (400, None, Some("InvalidParameterValueException"))
    );
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_second_server_on_one_sqlite_file_refuses_to_start() {
    let dir = std::env::temp_dir().join(format!("durabox-two-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("db");
    let first = ServerProcess::start(&db);
    let second = Command::new(env!("CARGO_BIN_EXE_durabox"))
        .args(["serve", "--port", "0", "--store"])
        .arg(format!("sqlite:{}", db.display()))
        .arg("--function")
        .arg(format!(
            "scenarios={}",
            guest("rust", "scenarios").display()
        ))
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("in use by another durabox process"),
        "{stderr}"
    );
    drop(first);
    std::fs::remove_dir_all(&dir).ok();
}
