//! Client verbs against a running `durabox serve` (SAM-like): invoke, execution
//! get|history|list|stop, callback succeed|fail|heartbeat.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};

#[derive(Args)]
pub struct Endpoint {
    /// The durabox server.
    #[arg(
        long,
        env = "DURABOX_ENDPOINT",
        default_value = "http://127.0.0.1:9000",
        global = true
    )]
    endpoint: String,
    /// Print raw JSON for scripts.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Args)]
pub struct InvokeArgs {
    /// Function name.
    function: String,
    /// The input as JSON.
    #[arg(long, default_value = "{}")]
    input: String,
    /// Execution name (idempotency key).
    #[arg(long)]
    name: Option<String>,
    /// Print the ARN and return without waiting for the result.
    #[arg(long = "async")]
    asynchronous: bool,
    #[command(flatten)]
    endpoint: Endpoint,
}

#[derive(Subcommand)]
pub enum ExecutionCommand {
    /// GetDurableExecution.
    Get { arn: String },
    /// GetDurableExecutionHistory (all pages).
    History { arn: String },
    /// ListDurableExecutionsByFunction, newest first.
    List {
        function: String,
        /// Only these statuses (repeatable).
        #[arg(long = "status")]
        statuses: Vec<String>,
    },
    /// StopDurableExecution.
    Stop {
        arn: String,
        #[arg(long)]
        error_type: Option<String>,
        #[arg(long)]
        error_message: Option<String>,
    },
}

#[derive(Args)]
pub struct ExecutionArgs {
    #[command(subcommand)]
    command: ExecutionCommand,
    #[command(flatten)]
    endpoint: Endpoint,
}

#[derive(Subcommand)]
pub enum CallbackCommand {
    /// SendDurableExecutionCallbackSuccess.
    Succeed {
        callback_id: String,
        /// The result (JSON text, sent as is).
        #[arg(long)]
        result: Option<String>,
    },
    /// SendDurableExecutionCallbackFailure.
    Fail {
        callback_id: String,
        #[arg(long)]
        error_type: Option<String>,
        #[arg(long)]
        error_message: Option<String>,
    },
    /// SendDurableExecutionCallbackHeartbeat.
    Heartbeat { callback_id: String },
}

#[derive(Args)]
pub struct CallbackArgs {
    #[command(subcommand)]
    command: CallbackCommand,
    #[command(flatten)]
    endpoint: Endpoint,
}

struct Client {
    base: String,
    agent: ureq::Agent,
}

fn segment(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

impl Client {
    fn new(endpoint: &Endpoint) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            base: endpoint.endpoint.trim_end_matches('/').to_owned(),
            agent,
        }
    }

    /// Sends a request; returns the JSON body and one response header, or the server's
    /// error as `ErrorType: message`.
    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, &[u8])>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<(Value, Option<String>)> {
        let url = format!("{}{path}", self.base);
        let mut response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            (_, body) => {
                let mut request = self.agent.post(&url);
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                let (content_type, bytes) = body.unwrap_or(("application/json", b""));
                request.header("content-type", content_type).send(bytes)
            }
        }
        .with_context(|| {
            format!(
                "cannot reach durabox at {} (is `durabox serve` running?)",
                self.base
            )
        })?;
        let status = response.status();
        let arn = response
            .headers()
            .get("x-amz-durable-execution-arn")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !status.is_success() {
            let message = value
                .get("message")
                .or_else(|| value.get("Message"))
                .and_then(Value::as_str)
                .unwrap_or("");
            bail!(
                "{}: {message} (HTTP {status})",
                error_type.unwrap_or_else(|| "Error".into())
            );
        }
        Ok((value, arn))
    }
}

fn print(endpoint: &Endpoint, value: &Value, human: impl FnOnce(&Value)) {
    if endpoint.json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
    } else {
        human(value);
    }
}

pub fn invoke(args: InvokeArgs) -> anyhow::Result<std::process::ExitCode> {
    serde_json::from_str::<Value>(&args.input)
        .with_context(|| format!("--input is not valid JSON: {}", args.input))?;
    let client = Client::new(&args.endpoint);
    let path = format!(
        "/2015-03-31/functions/{}/invocations",
        segment(&args.function)
    );
    let mut headers = vec![("x-amz-invocation-type", "Event")];
    if let Some(name) = &args.name {
        headers.push(("x-amz-durable-execution-name", name.as_str()));
    }
    let body = Some(("application/json", args.input.as_bytes()));
    let (_, arn) = client.call("POST", &path, body, &headers)?;
    let arn = arn.context("the server answered without an execution ARN")?;
    if !args.endpoint.json {
        println!("{arn}");
    }
    if args.asynchronous {
        if args.endpoint.json {
            println!("{}", json!({ "DurableExecutionArn": arn }));
        }
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let started = Instant::now();
    let execution = loop {
        let (execution, _) = client.call(
            "GET",
            &format!("/2025-12-01/durable-executions/{}", segment(&arn)),
            None,
            &[],
        )?;
        let status = execution["Status"].as_str().unwrap_or("");
        if !matches!(status, "RUNNING" | "PAUSING" | "PAUSED") {
            break execution;
        }
        std::thread::sleep(Duration::from_millis(
            if started.elapsed() < Duration::from_secs(2) {
                20
            } else {
                250
            },
        ));
    };
    print(&args.endpoint, &execution, |e| {
        println!("status: {}", e["Status"].as_str().unwrap_or("?"));
        if let Some(result) = e["Result"].as_str() {
            println!("result: {result}");
        }
        if e.get("Error").is_some() {
            println!("error: {}", e["Error"]);
        }
    });
    Ok(if execution["Status"] == "SUCCEEDED" {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

const EXECUTIONS: &str = "/2025-12-01/durable-executions";

pub fn execution(args: ExecutionArgs) -> anyhow::Result<std::process::ExitCode> {
    let client = Client::new(&args.endpoint);
    let endpoint = &args.endpoint;
    match args.command {
        ExecutionCommand::Get { arn } => {
            let (value, _) =
                client.call("GET", &format!("{EXECUTIONS}/{}", segment(&arn)), None, &[])?;
            print(endpoint, &value, print_execution_fields);
        }
        ExecutionCommand::History { arn } => {
            let value = json!({ "Events": all_history_events(&client, &arn)? });
            print(endpoint, &value, |v| {
                for event in v["Events"].as_array().into_iter().flatten() {
                    println!("{}", describe_event(event));
                }
            });
        }
        ExecutionCommand::List { function, statuses } => {
            let value = list_executions(&client, &function, &statuses)?;
            print(endpoint, &value, |v| {
                for e in v["DurableExecutions"].as_array().into_iter().flatten() {
                    println!(
                        "{:<10} {}",
                        e["Status"].as_str().unwrap_or("?"),
                        e["DurableExecutionArn"].as_str().unwrap_or("?")
                    );
                }
            });
        }
        ExecutionCommand::Stop {
            arn,
            error_type,
            error_message,
        } => {
            let error = json!({ "ErrorType": error_type, "ErrorMessage": error_message });
            let body = if error_type_or_message(&error) {
                error.to_string()
            } else {
                String::new()
            };
            let (value, _) = client.call(
                "POST",
                &format!("{EXECUTIONS}/{}/stop", segment(&arn)),
                Some(("application/json", body.as_bytes())),
                &[],
            )?;
            print(endpoint, &value, |v| {
                println!("stopped at {}", v["StopTimestamp"])
            });
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// GetDurableExecution's main fields, one per line.
fn print_execution_fields(v: &Value) {
    for key in [
        "DurableExecutionArn",
        "Status",
        "StartTimestamp",
        "EndTimestamp",
        "InputPayload",
        "Result",
    ] {
        if let Some(field) = v.get(key) {
            let text = field
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| field.to_string());
            println!("{key}: {text}");
        }
    }
    if let Some(error) = v.get("Error") {
        println!("Error: {error}");
    }
}

/// Every page of an execution's history, following `NextMarker`.
fn all_history_events(client: &Client, arn: &str) -> anyhow::Result<Vec<Value>> {
    let mut events = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let mut path = format!("{EXECUTIONS}/{}/history?MaxItems=1000", segment(arn));
        if let Some(m) = &marker {
            path.push_str(&format!("&Marker={}", segment(m)));
        }
        let (page, _) = client.call("GET", &path, None, &[])?;
        events.extend(page["Events"].as_array().cloned().unwrap_or_default());
        marker = page["NextMarker"].as_str().map(str::to_owned);
        if marker.is_none() {
            return Ok(events);
        }
    }
}

/// ListDurableExecutionsByFunction, filtered by status when any are given.
fn list_executions(client: &Client, function: &str, statuses: &[String]) -> anyhow::Result<Value> {
    let mut path = format!(
        "/2025-12-01/functions/{}/durable-executions",
        segment(function)
    );
    let query: Vec<String> = statuses
        .iter()
        .map(|s| format!("Statuses={}", segment(s)))
        .collect();
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }
    Ok(client.call("GET", &path, None, &[])?.0)
}

fn error_type_or_message(error: &Value) -> bool {
    !error["ErrorType"].is_null() || !error["ErrorMessage"].is_null()
}

pub fn callback(args: CallbackArgs) -> anyhow::Result<std::process::ExitCode> {
    let client = Client::new(&args.endpoint);
    let base = "/2025-12-01/durable-execution-callbacks";
    let (path, body) = match &args.command {
        CallbackCommand::Succeed {
            callback_id,
            result,
        } => {
            if let Some(result) = result {
                serde_json::from_str::<Value>(result)
                    .with_context(|| format!("--result is not valid JSON: {result}"))?;
            }
            (
                format!("{base}/{}/succeed", segment(callback_id)),
                result.clone().unwrap_or_default(),
            )
        }
        CallbackCommand::Fail {
            callback_id,
            error_type,
            error_message,
        } => {
            let mut error = serde_json::Map::new();
            if let Some(t) = error_type {
                error.insert("ErrorType".into(), json!(t));
            }
            if let Some(m) = error_message {
                error.insert("ErrorMessage".into(), json!(m));
            }
            (
                format!("{base}/{}/fail", segment(callback_id)),
                Value::Object(error).to_string(),
            )
        }
        CallbackCommand::Heartbeat { callback_id } => (
            format!("{base}/{}/heartbeat", segment(callback_id)),
            String::new(),
        ),
    };
    let content_type = match args.command {
        CallbackCommand::Succeed { .. } => "application/octet-stream",
        _ => "application/json",
    };
    let (value, _) = client.call("POST", &path, Some((content_type, body.as_bytes())), &[])?;
    print(&args.endpoint, &value, |_| println!("ok"));
    Ok(std::process::ExitCode::SUCCESS)
}

/// One history event on one line: number, time, type, subtype, name, operation id, and
/// what it carries (callback id, duration, result, error).
fn describe_event(event: &Value) -> String {
    let text = |key: &str| event[key].as_str().unwrap_or("");
    let time = event["EventTimestamp"]
        .as_f64()
        .map(|s| {
            let millis = (s * 1000.0).round() as u64;
            let of_day = millis % 86_400_000;
            format!(
                "{:02}:{:02}:{:02}.{:03}",
                of_day / 3_600_000,
                of_day / 60_000 % 60,
                of_day / 1000 % 60,
                of_day % 1000
            )
        })
        .unwrap_or_default();
    let event_type = text("EventType");
    let id = event["EventId"].as_u64().unwrap_or(0);
    let mut line = format!("{id:>4} {time} {event_type}");
    for key in ["SubType", "Name"] {
        if !text(key).is_empty() {
            line.push_str(&format!(" {}", text(key)));
        }
    }
    if !text("Id").is_empty() {
        line.push_str(&format!(" id={}", text("Id")));
    }
    let details = &event[format!("{event_type}Details")];
    if let Some(id) = details["CallbackId"].as_str() {
        line.push_str(&format!(" callback-id={id}"));
    }
    if let Some(seconds) = details["Duration"].as_u64() {
        line.push_str(&format!(" duration={seconds}s"));
    }
    if let Some(payload) = details["Result"]["Payload"].as_str() {
        line.push_str(&format!(" → {}", shorten(payload)));
    }
    let error = &details["Error"]["Payload"];
    if error.is_object() {
        let kind = error["ErrorType"].as_str().unwrap_or("Error");
        let message = error["ErrorMessage"].as_str().unwrap_or("");
        line.push_str(&format!(" ✗ {kind}: {}", shorten(message)));
    }
    line
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
