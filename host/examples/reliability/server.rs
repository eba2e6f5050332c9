//! A `durabox serve` process and the HTTP calls the trials make to it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

pub struct Server {
    child: Child,
    pub base: String,
}

/// What one Invoke got back.
#[derive(Clone, Debug)]
pub enum Invoked {
    Accepted(String),
    /// Refused with this status and AWS error type.
    Refused(u16, String),
    /// No answer at all (the server died).
    NoAnswer,
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

impl Server {
    /// Starts `durabox serve --skip-time` on a free port with `functions` (name, wasm).
    pub fn start(
        durabox: &Path,
        store: &str,
        functions: &[(&str, PathBuf)],
    ) -> anyhow::Result<Self> {
        Self::start_with(durabox, store, functions, true)
    }

    /// With waits in real time unless `skip_time`.
    pub fn start_with(
        durabox: &Path,
        store: &str,
        functions: &[(&str, PathBuf)],
        skip_time: bool,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(durabox);
        command.args(["serve", "--port", "0", "--store", store]);
        if skip_time {
            command.arg("--skip-time");
        }
        for (name, wasm) in functions {
            command
                .arg("--function")
                .arg(format!("{name}={}", wasm.display()));
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", durabox.display()))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = lines.next().context("durabox serve printed nothing")??;
        let Some(base) = first.strip_prefix("durabox listening on ") else {
            bail!("unexpected first line of durabox serve: {first}");
        };
        let base = base.to_owned();
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, base })
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn invocations_url(base: &str, function: &str) -> String {
    format!("{base}/2015-03-31/functions/{function}/invocations")
}

/// An asynchronous (Event) Invoke.
pub fn invoke_async(agent: &ureq::Agent, base: &str, function: &str, input: &str) -> Invoked {
    let sent = agent
        .post(invocations_url(base, function))
        .header("x-amz-invocation-type", "Event")
        .send(input.as_bytes());
    let Ok(mut response) = sent else {
        return Invoked::NoAnswer;
    };
    let status = response.status().as_u16();
    if status == 202 {
        if let Some(arn) = response.headers().get("x-amz-durable-execution-arn") {
            return Invoked::Accepted(arn.to_str().unwrap_or_default().to_owned());
        }
    }
    let kind = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let _ = response.body_mut().read_to_string();
    Invoked::Refused(status, kind)
}

/// A synchronous (RequestResponse) Invoke; true when the execution succeeded.
pub fn invoke_sync(agent: &ureq::Agent, base: &str, function: &str, input: &str) -> bool {
    match agent
        .post(invocations_url(base, function))
        .send(input.as_bytes())
    {
        Ok(mut response) => {
            let ok = response.status().as_u16() == 200
                && response.headers().get("x-amz-function-error").is_none();
            let _ = response.body_mut().read_to_string();
            ok
        }
        Err(_) => false,
    }
}

/// The execution's status; None when the server does not know it.
pub fn status(agent: &ureq::Agent, base: &str, arn: &str) -> anyhow::Result<Option<String>> {
    let arn = utf8_percent_encode(arn, NON_ALPHANUMERIC);
    let mut response = agent
        .get(format!("{base}/2025-12-01/durable-executions/{arn}"))
        .call()?;
    if response.status().as_u16() == 404 {
        return Ok(None);
    }
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    Ok(body["Status"].as_str().map(str::to_owned))
}

/// The execution's history events.
pub fn history(agent: &ureq::Agent, base: &str, arn: &str) -> anyhow::Result<Vec<Value>> {
    let arn = utf8_percent_encode(arn, NON_ALPHANUMERIC);
    let mut response = agent
        .get(format!(
            "{base}/2025-12-01/durable-executions/{arn}/history"
        ))
        .call()?;
    let body: Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
    Ok(body["Events"].as_array().cloned().unwrap_or_default())
}

/// Fires `count` asynchronous Invokes from `clients` threads at once.
pub fn fire(base: &str, function: &str, input: &str, count: usize, clients: usize) -> Vec<Invoked> {
    let per_client = count.div_ceil(clients);
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (base, function, input) = (base.to_owned(), function.to_owned(), input.to_owned());
            let n = per_client.min(count.saturating_sub(c * per_client));
            std::thread::spawn(move || {
                let agent = agent();
                (0..n)
                    .map(|_| invoke_async(&agent, &base, &function, &input))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().expect("client thread"))
        .collect()
}

/// Polls until every ARN is terminal or unknown (or `timeout`); counts final statuses
/// (`MISSING` for unknown, `RUNNING` for not finished in time).
pub fn await_all(
    base: &str,
    arns: &[String],
    timeout: Duration,
) -> anyhow::Result<std::collections::BTreeMap<String, usize>> {
    let agent = agent();
    let deadline = Instant::now() + timeout;
    let mut pending: Vec<&String> = arns.iter().collect();
    let mut counts = std::collections::BTreeMap::new();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for arn in pending {
            match status(&agent, base, arn)?.as_deref() {
                None => *counts.entry("MISSING".to_owned()).or_insert(0) += 1,
                Some("RUNNING") if Instant::now() < deadline => still.push(arn),
                Some(other) => *counts.entry(other.to_owned()).or_insert(0) += 1,
            }
        }
        pending = still;
        if !pending.is_empty() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(counts)
}

pub fn accepted(invoked: &[Invoked]) -> Vec<String> {
    invoked
        .iter()
        .filter_map(|i| match i {
            Invoked::Accepted(arn) => Some(arn.clone()),
            _ => None,
        })
        .collect()
}

/// Refusals by "status type" (e.g. `500 ServiceException`), and unanswered calls.
pub fn refusals(invoked: &[Invoked]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for i in invoked {
        let key = match i {
            Invoked::Accepted(_) => continue,
            Invoked::Refused(status, kind) => format!("{status} {kind}"),
            Invoked::NoAnswer => "no answer".to_owned(),
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}
