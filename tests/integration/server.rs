//! `durabox serve` as a process: the HTTP API, and executions surviving a SIGKILL with
//! the SQLite store.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::common::guest;

pub struct ServerProcess {
    child: Child,
    pub base: String,
}

impl ServerProcess {
    fn start(store: &Path) -> Self {
        Self::start_with(store, &[], &[])
    }

    /// With extra `serve` flags and environment variables.
    fn start_with(store: &Path, args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::start_on(&format!("sqlite:{}", store.display()), args, envs)
    }

    /// On any `--store` spec.
    pub fn start_on(store: &str, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let scenarios = guest("rust", "scenarios");
        let mut child = Command::new(env!("CARGO_BIN_EXE_durabox"))
            .args(["serve", "--port", "0", "--store", store])
            .arg("--function")
            .arg(format!("scenarios={}", scenarios.display()))
            .args(args)
            .envs(envs.iter().copied())
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

    pub fn kill(mut self) {
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

    /// Any request; the status and the JSON body (Null when empty).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = Self::agent()
            .run(request.body(body.as_bytes().to_vec()).unwrap())
            .unwrap();
        let text = response.body_mut().read_to_string().unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (response.status().as_u16(), value)
    }

    pub fn start_execution(&self, input: &str) -> String {
        let (status, arn) = self.post(
            "/2015-03-31/functions/scenarios/invocations",
            input,
            Some("Event"),
        );
        assert_eq!(status, 202);
        arn.expect("ARN header")
    }

    pub fn history(&self, arn: &str) -> Vec<Value> {
        let path = format!("/2025-12-01/durable-executions/{}/history", encode(arn));
        let (status, body) = self.get(&path);
        assert_eq!(status, 200, "{body}");
        body["Events"].as_array().unwrap().clone()
    }

    /// Polls the history until `done` holds (or fails after 30 s).
    pub fn wait_for(&self, arn: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
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

pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

pub fn types(events: &[Value]) -> Vec<&str> {
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

/// One raw HTTP/1.1 exchange: `request` as bytes, the answer's status, headers (names
/// lower-cased) and body, read until the server closes the connection.
fn raw_exchange(base: &str, request: &[u8]) -> (u16, Vec<(String, String)>, String) {
    use std::io::{Read, Write};
    let address = base.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap_or_else(|e| {
        let start = String::from_utf8_lossy(&request[..request.len().min(80)]);
        panic!(
            "no end of answer to {start:?}: {e}; got {:?}",
            String::from_utf8_lossy(&answer)
        )
    });
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn requests_rejected_before_routing_get_aws_shaped_errors() {
    let dir = std::env::temp_dir().join(format!("durabox-hostile-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = ServerProcess::start(&dir.join("db"));
    let invoke = |headers: &[u8]| {
        let mut request = b"POST /2015-03-31/functions/scenarios/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n".to_vec();
        request.extend_from_slice(headers);
        request.extend_from_slice(b"\r\n{}");
        request
    };
    let long_uri = format!(
        "GET /2025-12-01/durable-executions/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let huge_header = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "b".repeat(500_000)
    );
    let cases: [(&str, Vec<u8>, u16, &str, &str); 7] = [
        (
            "control byte in a header value",
            invoke(b"X-Amz-Invocation-Type: Ev\x01ent\r\n"),
            400,
            "InvalidRequestContentException",
            "malformed",
        ),
        (
            "NUL in a header name",
            invoke(b"X-Bad\x00Name: 1\r\n"),
            400,
            "InvalidRequestContentException",
            "malformed",
        ),
        (
            "non-UTF-8 invocation type",
            invoke(b"X-Amz-Invocation-Type: Ev\xe9nt\r\n"),
            400,
            "InvalidRequestContentException",
            "x-amz-invocation-type header is not valid",
        ),
        (
            "invalid Content-Length",
            b"POST /2015-03-31/functions/scenarios/invocations HTTP/1.1\r\nHost: x\r\nContent-Length: two\r\n\r\n{}".to_vec(),
            400,
            "InvalidRequestContentException",
            "malformed",
        ),
        (
            "garbage request line",
            b"\x16\x03\x01 not http\r\n\r\n".to_vec(),
            400,
            "InvalidRequestContentException",
            "malformed",
        ),
        (
            "URI over 65,534 bytes",
            long_uri.into_bytes(),
            414,
            "InvalidParameterValueException",
            "URI is too long",
        ),
        (
            "500 KB header",
            huge_header.into_bytes(),
            431,
            "InvalidRequestContentException",
            "too large",
        ),
    ];
    for (what, request, status, error_type, message) in cases {
        let (got, headers, body) = raw_exchange(&server.base, &request);
        assert_eq!(got, status, "{what}: {headers:?} {body}");
        assert_eq!(
            header(&headers, "x-amzn-errortype"),
            Some(error_type),
            "{what}"
        );
        assert_eq!(
            header(&headers, "content-type"),
            Some("application/json"),
            "{what}"
        );
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(body["Type"], "User", "{what}");
        let text = body["message"].as_str().unwrap();
        assert!(text.contains(message), "{what}: {text}");
    }
    // A good request after a bad one on the same connection: the first is answered as
    // usual, the second in AWS's shape.
    let pipelined = [
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n".as_slice(),
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n",
    ]
    .concat();
    let (status, _, rest) = raw_exchange(&server.base, &pipelined);
    assert_eq!(status, 200);
    assert!(
        rest.contains("x-amzn-errortype: InvalidRequestContentException"),
        "{rest}"
    );
    let (status, _) = server.get("/health");
    assert_eq!(status, 200);
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn new_executions_beyond_the_queue_get_too_many_requests_and_accepted_ones_succeed() {
    let dir = std::env::temp_dir().join(format!("durabox-queue-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two instances, two invocations may wait: the fifth new execution is refused.
    let server = ServerProcess::start_with(
        &dir.join("db"),
        &["--max-queue", "2"],
        &[("DURABOX_POOL_INSTANCES", "2")],
    );
    let busy = r#"{"scenario":"busy","ms":3000}"#;
    let invoke = |name: &str, invocation_type: &str| {
        let url = format!("{}/2015-03-31/functions/scenarios/invocations", server.base);
        let mut response = ServerProcess::agent()
            .post(url)
            .header("x-amz-invocation-type", invocation_type)
            .header("x-amz-durable-execution-name", name)
            .send(busy.as_bytes())
            .unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (arn, error, retry_after) = (
            header("x-amz-durable-execution-arn"),
            header("x-amzn-errortype"),
            header("retry-after"),
        );
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap();
        (status, arn, error, retry_after, body)
    };
    let usage = || {
        let (_, health) = server.get("/health");
        let invocations = &health["invocations"];
        (
            invocations["running"].as_u64().unwrap(),
            invocations["queued"].as_u64().unwrap(),
        )
    };
    let expect_usage = |running: u64, queued: u64| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while usage() != (running, queued) {
            assert!(Instant::now() < deadline, "usage {:?}", usage());
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let mut accepted = Vec::new();
    for (i, expected) in [(1, 0), (2, 0), (2, 1), (2, 2)].into_iter().enumerate() {
        let (status, arn, ..) = invoke(&format!("busy-{i}"), "Event");
        assert_eq!(status, 202);
        accepted.push(arn.unwrap());
        expect_usage(expected.0, expected.1);
    }
    // Full: new work is refused with Lambda's throttle, asynchronous or not...
    for invocation_type in ["Event", "RequestResponse"] {
        let (status, arn, error, retry_after, body) = invoke("one-too-many", invocation_type);
        assert_eq!(
            (status, arn, error.as_deref(), retry_after.as_deref()),
            (429, None, Some("TooManyRequestsException"), Some("1"))
        );
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "Type": "User",
                "message": "Rate Exceeded.",
                "Reason": "ConcurrentInvocationLimitExceeded",
            })
        );
    }
    // ...but invoking an accepted execution again is not new work.
    let (status, arn, ..) = invoke("busy-0", "Event");
    assert_eq!((status, arn.as_deref()), (202, Some(accepted[0].as_str())));
    // Every accepted execution succeeds; queued ones ran once a slot was free.
    for arn in &accepted {
        let path = format!("/2025-12-01/durable-executions/{}", encode(arn));
        let deadline = Instant::now() + Duration::from_secs(60);
        let execution = loop {
            let (_, execution) = server.get(&path);
            if execution["Status"] != "RUNNING" {
                break execution;
            }
            assert!(Instant::now() < deadline, "{execution}");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(execution["Status"], "SUCCEEDED", "{execution}");
        assert_eq!(execution["Result"], r#"{"busy_ms":3000}"#);
    }
    // With room again, new work is accepted.
    expect_usage(0, 0);
    let (status, _, _, _, body) = invoke("after-the-rush", "RequestResponse");
    assert_eq!((status, body.as_str()), (200, r#"{"busy_ms":3000}"#));
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
}
