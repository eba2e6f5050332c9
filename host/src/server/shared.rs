//! Servers sharing one store (PostgreSQL): execution names, listings and changes that
//! concern executions another server holds.
//!
//! Names and listings are answered from the store, so every server sees every execution.
//! A change to an execution another server holds is sent on to that server (at the URL
//! it advertised) and its answer returned: the change is made where the execution runs.
//! A change to an unfinished execution whose server is gone (its lease ran out, or
//! nothing listens at its address) takes the execution over here first, instead of
//! waiting for a lease keeper to; fencing stops the old server should it still run.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::errors::ApiError;
use super::request::Request;
use super::routes::Server;
use crate::service::{Execution, ExecutionCell, ServiceError};
use crate::store::StoreError;

/// Marks a request one server sent on to another, so it is never sent on twice.
const FORWARDED: &str = "x-durabox-forwarded";

/// How long a server that holds an execution may take to answer a forwarded change.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a change is made.
pub(super) enum Holder {
    /// This server holds the execution (or nobody can change it): make it here.
    Here(Arc<ExecutionCell>),
    /// Another server made it; its answer.
    There(Response),
}

fn store_error(e: StoreError) -> ApiError {
    ServiceError::Service(e.to_string()).into()
}

impl Server {
    /// The execution of `function` named `name`: held here, or stored by another server.
    pub(super) fn named_execution(
        &self,
        function: &str,
        name: &str,
    ) -> Result<Option<Arc<ExecutionCell>>, ApiError> {
        let service = self.runtime.service();
        let held = service.all().into_iter().find(|cell| {
            let e = cell.lock();
            e.spec.function_name == function && e.spec.execution_name == name
        });
        if held.is_some() {
            return Ok(held);
        }
        let Some(store) = service.shared() else {
            return Ok(None);
        };
        match store.find_named(function, name).map_err(store_error)? {
            Some(arn) => Ok(Some(service.get(&arn)?)),
            None => Ok(None),
        }
    }

    /// Every execution of `function`: those held here, then (with a shared store) read-only
    /// copies of the others.
    pub(super) fn executions_of(
        &self,
        function: &str,
    ) -> Result<Vec<Arc<ExecutionCell>>, ApiError> {
        let service = self.runtime.service();
        let mut cells: Vec<Arc<ExecutionCell>> = service
            .all()
            .into_iter()
            .filter(|cell| cell.lock().spec.function_name == function)
            .collect();
        let Some(store) = service.shared() else {
            return Ok(cells);
        };
        let mut seen: HashSet<String> = cells.iter().map(|c| c.lock().arn.clone()).collect();
        for head in store.heads(function).map_err(store_error)? {
            if seen.insert(head.arn.clone()) {
                let execution = Execution::from_stored(head).map_err(store_error)?;
                cells.push(ExecutionCell::snapshot(execution));
            }
        }
        Ok(cells)
    }

    /// Where the change `r` to `cell`'s execution is made (reads are made anywhere).
    pub(super) fn holder(&self, r: &Request, cell: Arc<ExecutionCell>) -> Result<Holder, ApiError> {
        if !cell.is_read_only() || r.method == Method::GET {
            return Ok(Holder::Here(cell));
        }
        let service = self.runtime.service();
        let Some(store) = service.shared() else {
            return Ok(Holder::Here(cell));
        };
        let arn = cell.lock().arn.clone();
        // Twice: a server that died between the look-up and the take-over leaves the
        // execution to whoever takes it first.
        for _ in 0..2 {
            let mut holder_dead = false;
            if let Some(url) = store.holder(&arn).map_err(store_error)? {
                if r.headers.contains_key(FORWARDED) {
                    return Err(ServiceError::ResourceConflict(format!(
                        "Durable Execution {arn} moved to another durabox server while this change was sent on; retry"
                    ))
                    .into());
                }
                match forward(r, &url) {
                    Err(Forwarding::Refused) => holder_dead = true,
                    answered => return answered.map(Holder::There).map_err(ApiError::from),
                }
            }
            if cell.lock().status.is_terminal() {
                break;
            }
            self.runtime.take_over(&arn, holder_dead)?;
            if let Some(held) = service.local(&arn) {
                return Ok(Holder::Here(held));
            }
        }
        // Finished (or still nobody's): the copy gives the answer, refusing any change.
        Ok(Holder::Here(cell))
    }
}

/// Why a change was not made by the server holding the execution.
enum Forwarding {
    /// Nothing listens at its address: the server is gone (its lease is not yet out).
    Refused,
    Failed(ApiError),
}

impl From<Forwarding> for ApiError {
    fn from(failure: Forwarding) -> Self {
        match failure {
            Forwarding::Failed(error) => error,
            Forwarding::Refused => ServiceError::Service(
                "the durabox server holding this execution is gone; retry".into(),
            )
            .into(),
        }
    }
}

/// One HTTP client for every forwarded request, so connections to the other servers
/// are reused.
fn forwarder() -> &'static ureq::Agent {
    static AGENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(FORWARD_TIMEOUT))
            .build()
            .into()
    })
}

/// Sends `r` to the server at `base` and returns its answer as it came.
fn forward(r: &Request, base: &str) -> Result<Response, Forwarding> {
    let unreachable = |e: &dyn std::fmt::Display| {
        Forwarding::Failed(ServiceError::Service(format!(
            "the durabox server holding this execution ({base}) did not answer: {e}; retry (another server takes the execution over once its lease runs out)"
        )).into())
    };
    let mut uri = format!("{}{}", base.trim_end_matches('/'), r.path);
    if !r.raw_query.is_empty() {
        uri = format!("{uri}?{}", r.raw_query);
    }
    let mut request = ureq::http::Request::builder()
        .method(r.method.clone())
        .uri(&uri);
    for (name, value) in &r.headers {
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) {
            request = request.header(name, value);
        }
    }
    let request = request
        .header(FORWARDED, "1")
        .body(r.body.to_vec())
        .map_err(|e| unreachable(&e))?;
    let mut answer = forwarder().run(request).map_err(|e| match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Forwarding::Refused
        }
        other => unreachable(&other),
    })?;
    let body = answer
        .body_mut()
        .with_config()
        .limit(super::MAX_BODY_BYTES as u64)
        .read_to_vec()
        .map_err(|e| unreachable(&e))?;
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in answer.headers() {
        if !matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding"
        ) {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(response)
}
