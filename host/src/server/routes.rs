//! The Lambda durable-execution routes of the botocore model. Paths are split on `/`
//! before each segment is percent-decoded, so an ARN sent as one encoded segment stays
//! one segment.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use super::errors::ApiError;
use super::shared::Holder;
use crate::model::{limits, ErrorObject, ExecutionStatus};
use crate::runner::{Runtime, RuntimeError, StartOptions};
use crate::service::api::{page_size, paginate};
use crate::service::{ExecutionCell, ServiceError};

/// What every request handler gets.
pub struct Request {
    pub method: Method,
    pub path: String,
    /// The query as sent (still percent-encoded).
    pub raw_query: String,
    pub segments: Vec<String>,
    pub query: HashMap<String, Vec<String>>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct Server {
    pub runtime: Runtime,
    pub skip_time: bool,
    pub fire_callback_timeouts: bool,
    pub region: String,
    pub account_id: String,
    /// Held while an invoke looks its execution name up and starts it, so concurrent
    /// invokes with one name start one execution.
    pub starting: std::sync::Mutex<()>,
}

type ApiResult = Result<Response, ApiError>;

/// A synchronous invoke waits at most as long as any execution may run (366 days).
const MAX_SYNC_WAIT: Duration = Duration::from_secs(366 * 24 * 3600);

impl Request {
    pub fn parse(
        method: Method,
        uri: &axum::http::Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Self, ApiError> {
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    ApiError::invalid(format!(
                        "path or query is not valid UTF-8 once decoded: {s}"
                    ))
                })
        };
        let path = uri.path().to_owned();
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        let mut query: HashMap<String, Vec<String>> = HashMap::new();
        for pair in uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            query.entry(decode(key)?).or_default().push(decode(value)?);
        }
        Ok(Self {
            method,
            path,
            raw_query: uri.query().unwrap_or("").to_owned(),
            segments,
            query,
            headers,
            body,
        })
    }

    fn query(&self, key: &str) -> Option<&str> {
        self.query
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    fn query_bool(&self, key: &str, default: bool) -> Result<bool, ApiError> {
        match self.query(key) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(ApiError::invalid(format!(
                "{key} must be true or false, got '{v}'"
            ))),
        }
    }

    fn query_usize(&self, key: &str) -> Result<Option<usize>, ApiError> {
        self.query(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiError::invalid(format!("{key} must be a number, got '{v}'")))
            })
            .transpose()
    }

    /// A header this API reads; one that is not visible ASCII is refused, not ignored
    /// (ignoring it would silently change what the request asks for).
    fn header(&self, name: &str) -> Result<Option<&str>, ApiError> {
        self.headers
            .get(name)
            .map(|v| {
                v.to_str().map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "InvalidRequestContentException",
                        format!("The {name} header is not valid: it must be visible ASCII"),
                    )
                })
            })
            .transpose()
    }

    /// The body as JSON; an empty body is `default`.
    fn json_body(&self, default: Value) -> Result<Value, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(default);
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::invalid(format!("request body is not valid JSON: {e}")))
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

impl Server {
    pub async fn handle(self: Arc<Self>, request: Request) -> Response {
        match self.route(request).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        }
    }

    async fn route(self: &Arc<Self>, r: Request) -> ApiResult {
        if r.segments.first().is_some_and(|s| s == "2025-12-01")
            && matches!(
                r.segments.get(1).map(String::as_str),
                Some("durable-executions" | "durable-execution-callbacks")
            )
        {
            // These may wait for the store: off the async workers.
            let server = self.clone();
            return blocking(move || server.execution_or_callback_route(&r)).await;
        }
        let segments: Vec<&str> = r.segments.iter().map(String::as_str).collect();
        match (r.method.clone(), segments.as_slice()) {
            (Method::GET, ["health"]) => Ok(json_response(StatusCode::OK, self.health())),
            (Method::POST, ["2015-03-31", "functions", function, "invocations"]) => {
                let function = function.to_string();
                self.invoke(&r, &function).await
            }
            (Method::GET, ["2025-12-01", "functions", function, "durable-executions"]) => {
                self.list(&r, function)
            }
            _ => Err(ApiError::unknown_operation(r.method.as_str(), &r.path)),
        }
    }

    fn execution_or_callback_route(&self, r: &Request) -> ApiResult {
        let segments: Vec<&str> = r.segments.iter().map(String::as_str).collect();
        match segments.as_slice() {
            ["2025-12-01", "durable-executions", arn, rest @ ..] => {
                match self.holder(r, self.runtime.service().get(arn)?)? {
                    Holder::Here(cell) => self.execution_route(r, &cell, rest),
                    Holder::There(response) => Ok(response),
                }
            }
            ["2025-12-01", "durable-execution-callbacks", id, action]
                if r.method == Method::POST =>
            {
                let cell = self.runtime.service().execution_of_callback(id)?;
                match self.holder(r, cell)? {
                    Holder::Here(cell) => self.callback(r, &cell, id, action),
                    Holder::There(response) => Ok(response),
                }
            }
            _ => Err(ApiError::unknown_operation(r.method.as_str(), &r.path)),
        }
    }

    fn execution_route(&self, r: &Request, cell: &Arc<ExecutionCell>, rest: &[&str]) -> ApiResult {
        match (r.method.clone(), rest) {
            (Method::GET, []) => {
                let include = r.query_bool("IncludeExecutionData", true)?;
                Ok(json_response(StatusCode::OK, cell.lock().describe(include)))
            }
            (Method::DELETE, []) => {
                let execution = cell.lock();
                if !execution.status.is_terminal() {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "ResourceConflictException",
                        format!(
                            "Cannot delete an execution in status {}",
                            execution.reported_status()
                        ),
                    ));
                }
                let now = execution.clock.now();
                let arn = execution.arn.clone();
                drop(execution);
                self.runtime.delete_execution(&arn)?;
                let body = json!({ "DeletionRequestTimestamp": crate::model::event::seconds(now) });
                Ok(json_response(StatusCode::ACCEPTED, body))
            }
            (Method::GET, ["history"]) => {
                let page = cell.lock().history_page(
                    r.query_bool("IncludeExecutionData", true)?,
                    r.query_usize("MaxItems")?,
                    r.query("Marker"),
                    r.query_bool("ReverseOrder", false)?,
                )?;
                Ok(json_response(StatusCode::OK, page))
            }
            (Method::GET, ["state"]) => {
                let token = r
                    .query("CheckpointToken")
                    .ok_or_else(|| ApiError::invalid("CheckpointToken is required"))?;
                let page =
                    cell.lock()
                        .state_page(token, r.query_usize("MaxItems")?, r.query("Marker"))?;
                Ok(json_response(StatusCode::OK, page))
            }
            (Method::POST, ["checkpoint"]) => {
                let body = r.json_body(Value::Null)?;
                let token = body["CheckpointToken"]
                    .as_str()
                    .ok_or_else(|| ApiError::invalid("CheckpointToken is required"))?;
                let updates: Vec<crate::model::OperationUpdate> = match body.get("Updates") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(updates) => serde_json::from_value(updates.clone())
                        .map_err(|e| ApiError::invalid(format!("invalid Updates: {e}")))?,
                };
                let client_token = body["ClientToken"].as_str();
                let response =
                    cell.update(|e| e.checkpoint_request(token, client_token, &updates))??;
                Ok(json_response(StatusCode::OK, response))
            }
            (Method::POST, ["stop"]) => {
                let body = r.json_body(Value::Null)?;
                let error = if body.is_null() {
                    None
                } else {
                    Some(
                        serde_json::from_value::<ErrorObject>(body)
                            .map_err(|e| ApiError::invalid(format!("invalid ErrorObject: {e}")))?,
                    )
                };
                let stopped = cell.update(|e| e.stop(error))?;
                Ok(json_response(
                    StatusCode::OK,
                    json!({ "StopTimestamp": crate::model::event::seconds(stopped) }),
                ))
            }
            (Method::POST, ["pause"]) => {
                let body = r.json_body(json!({}))?;
                let reason = body["Reason"].as_str().map(str::to_owned);
                let timeout_paused = body["ExecutionTimeoutPaused"].as_bool().unwrap_or(true);
                cell.update(|e| e.pause(reason, timeout_paused))??;
                Ok(json_response(StatusCode::ACCEPTED, json!({})))
            }
            (Method::POST, ["resume"]) => {
                let body = r.json_body(json!({}))?;
                let reason = body["Reason"].as_str().map(str::to_owned);
                cell.update(|e| e.resume(reason))??;
                Ok(json_response(StatusCode::ACCEPTED, json!({})))
            }
            _ => Err(ApiError::unknown_operation(r.method.as_str(), &r.path)),
        }
    }

    fn callback(&self, r: &Request, cell: &ExecutionCell, id: &str, action: &str) -> ApiResult {
        match action {
            "succeed" => {
                if r.body.len() > limits::MAX_OPERATION_PAYLOAD {
                    return Err(ApiError::invalid("Result must be at most 1048576 bytes"));
                }
                let result = String::from_utf8(r.body.to_vec())
                    .map_err(|_| ApiError::invalid("Result must be UTF-8 text"))?;
                cell.update(|e| e.callback_succeed(id, Some(result)))??;
            }
            "fail" => {
                let body = r.json_body(json!({}))?;
                let error: ErrorObject = serde_json::from_value(body)
                    .map_err(|e| ApiError::invalid(format!("invalid ErrorObject: {e}")))?;
                cell.update(|e| e.callback_fail(id, error))??;
            }
            "heartbeat" => cell.update(|e| e.callback_heartbeat(id))??,
            _ => return Err(ApiError::unknown_operation(r.method.as_str(), &r.path)),
        }
        Ok(json_response(StatusCode::OK, json!({})))
    }

    fn list(&self, r: &Request, function: &str) -> ApiResult {
        let name = function_name(function);
        self.runtime.function(&name)?;
        let statuses = r.query.get("Statuses").cloned().unwrap_or_default();
        let started_after = r.query("StartedAfter").map(parse_time).transpose()?;
        let started_before = r.query("StartedBefore").map(parse_time).transpose()?;
        let execution_name = r.query("DurableExecutionName");
        let mut matching: Vec<(i64, Value)> = self
            .executions_of(&name)?
            .iter()
            .filter_map(|cell| {
                let e = cell.lock();
                let keep = execution_name.is_none_or(|n| n == e.spec.execution_name)
                    && (statuses.is_empty() || statuses.iter().any(|s| s == e.reported_status()))
                    && started_after.is_none_or(|t| e.start >= t)
                    && started_before.is_none_or(|t| e.start <= t);
                keep.then(|| (e.start, e.summary()))
            })
            .collect();
        // Newest first unless ReverseOrder asks for oldest first.
        matching.sort_by_key(|(start, _)| *start);
        if !r.query_bool("ReverseOrder", false)? {
            matching.reverse();
        }
        let items: Vec<Value> = matching.into_iter().map(|(_, v)| v).collect();
        let (page, next) = paginate(
            &items,
            r.query("Marker"),
            page_size(r.query_usize("MaxItems")?, 100)?,
        )?;
        let mut body = json!({ "DurableExecutions": page });
        if let Some(next) = next {
            body["NextMarker"] = json!(next);
        }
        Ok(json_response(StatusCode::OK, body))
    }

    /// The execution `execution_name` names (same input), or a new one.
    fn find_or_start(
        &self,
        function: &str,
        input: String,
        execution_name: Option<String>,
    ) -> Result<String, ApiError> {
        // Looking a name up and starting its execution is one step; unnamed
        // executions get fresh names and need no lock (starts then commit together).
        let _starting = execution_name
            .is_some()
            .then(|| self.starting.lock().unwrap_or_else(|p| p.into_inner()));
        let existing = match &execution_name {
            Some(name) => self.named_execution(function, name)?,
            None => None,
        };
        let arn = match existing {
            Some(cell) => same_input(&cell, &input)?,
            // New work is refused only here, when the queue for instances is full;
            // invocations of executions already accepted always wait.
            None if self.runtime.sandbox().queue_full() => {
                return Err(ApiError::too_many_requests())
            }
            None => {
                let options = StartOptions {
                    execution_name,
                    skip_time: self.skip_time,
                    fire_callback_timeouts: self.fire_callback_timeouts,
                    region: self.region.clone(),
                    account_id: self.account_id.clone(),
                    ..StartOptions::default()
                };
                match self
                    .runtime
                    .start_execution(function, &input, options.clone())
                {
                    // Another server sharing the store started one of this name first.
                    Err(RuntimeError::Service(ServiceError::NameTaken(_))) => {
                        let name = options.execution_name.unwrap_or_default();
                        return match self.named_execution(function, &name)? {
                            Some(cell) => same_input(&cell, &input),
                            None => Err(ServiceError::Service(format!(
                                "execution {name} was started by another server and then deleted; retry"
                            ))
                            .into()),
                        };
                    }
                    started => started?,
                }
            }
        };
        Ok(arn)
    }

    async fn invoke(self: &Arc<Self>, r: &Request, function: &str) -> ApiResult {
        let name = function_name(function);
        let registered = self.runtime.function(&name).map_err(|_| {
            ApiError::not_found(format!(
                "Function not found: arn:aws:lambda:{}:{}:function:{name}",
                self.region, self.account_id
            ))
        })?;
        let invocation_type = r
            .header("x-amz-invocation-type")?
            .unwrap_or("RequestResponse");
        let asynchronous = match invocation_type {
            "RequestResponse" => false,
            "Event" => true,
            "DryRun" => return Ok(StatusCode::NO_CONTENT.into_response()),
            other => {
                return Err(ApiError::invalid(format!(
                    "Invalid InvocationType: {other}"
                )))
            }
        };
        let max = if asynchronous {
            limits::MAX_OPERATION_PAYLOAD
        } else {
            limits::MAX_EXECUTION_PAYLOAD
        };
        if r.body.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestTooLargeException",
                format!("Request must be smaller than {max} bytes for the {invocation_type} invocation type"),
            ));
        }
        let input = String::from_utf8(r.body.to_vec()).map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                "Could not parse request body into json: not UTF-8",
            )
        })?;
        if !input.trim().is_empty() {
            serde_json::from_str::<Value>(&input).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestContentException",
                    format!("Could not parse request body into json: {e}"),
                )
            })?;
        }
        let execution_name = execution_name_header(&r.headers)?;
        let server = self.clone();
        let function = registered.name.clone();
        let arn = blocking(move || server.find_or_start(&function, input, execution_name)).await?;
        let mut response = if asynchronous {
            StatusCode::ACCEPTED.into_response()
        } else {
            let runtime = self.runtime.clone();
            let wait_arn = arn.clone();
            let cell = tokio::task::spawn_blocking(move || {
                runtime.wait_for_completion(&wait_arn, MAX_SYNC_WAIT)
            })
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ServiceException",
                    e.to_string(),
                )
            })??;
            let execution = cell.lock();
            match (execution.status, &execution.error) {
                (ExecutionStatus::Succeeded, _) => {
                    let body = execution.result.clone().unwrap_or_default();
                    (StatusCode::OK, body).into_response()
                }
                (_, error) => {
                    let error = error.clone().unwrap_or_default();
                    let body = json!({
                        "errorType": error.error_type,
                        "errorMessage": error.error_message,
                    });
                    let mut response = (StatusCode::OK, body.to_string()).into_response();
                    response.headers_mut().insert(
                        "x-amz-function-error",
                        HeaderValue::from_static("Unhandled"),
                    );
                    response
                }
            }
        };
        let headers = response.headers_mut();
        headers.insert(
            "x-amz-executed-version",
            HeaderValue::from_static("$LATEST"),
        );
        if let Ok(value) = HeaderValue::from_str(&arn) {
            headers.insert("x-amz-durable-execution-arn", value);
        }
        Ok(response)
    }

    /// `GET /health`: up, and how busy the instance pool is.
    fn health(&self) -> Value {
        let sandbox = self.runtime.sandbox();
        let usage = sandbox.slot_usage();
        json!({
            "status": "healthy",
            "invocations": {
                "slots": usage.slots,
                "running": usage.running,
                "queued": usage.queued,
                "maxQueued": sandbox.max_queued_invocations(),
            },
        })
    }
}

/// The ARN of `cell`'s execution, started again with the same name: AWS's idempotency
/// holds only for the same input.
fn same_input(cell: &ExecutionCell, input: &str) -> Result<String, ApiError> {
    let execution = cell.lock();
    if execution.spec.input != input {
        let mut error = ApiError::new(
            StatusCode::CONFLICT,
            "DurableExecutionAlreadyStartedException",
            format!(
                "Durable execution {} already started with a different payload",
                execution.spec.execution_name
            ),
        );
        error.extra = Some(("DurableExecutionArn", execution.arn.clone()));
        return Err(error);
    }
    Ok(execution.arn.clone())
}

/// The `X-Amz-Durable-Execution-Name` header, checked as AWS does (a name that is not
/// ASCII is refused, not ignored: ignoring it would lose the name's idempotency).
fn execution_name_header(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(raw) = headers.get("x-amz-durable-execution-name") else {
        return Ok(None);
    };
    let name = String::from_utf8_lossy(raw.as_bytes());
    let valid = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(ApiError::invalid(format!(
            "DurableExecutionName must be 1 to 64 characters of [a-zA-Z0-9-_], got '{name}'"
        )));
    }
    Ok(Some(name.into_owned()))
}

/// The bare function name from a name, `name:qualifier`, partial or full ARN.
pub fn function_name(function: &str) -> String {
    let tail = match function.find("function:") {
        Some(i) => &function[i + "function:".len()..],
        None => function,
    };
    tail.split(':').next().unwrap_or(tail).to_owned()
}

/// A query timestamp: ISO 8601 (what botocore sends) or epoch seconds.
fn parse_time(value: &str) -> Result<i64, ApiError> {
    if let Ok(seconds) = value.parse::<f64>() {
        return Ok((seconds * 1000.0) as i64);
    }
    humantime::parse_rfc3339_weak(value.trim_end_matches('Z'))
        .or_else(|_| humantime::parse_rfc3339(value))
        .map(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0)
        })
        .map_err(|_| ApiError::invalid(format!("not a timestamp: {value}")))
}

/// Runs blocking work (store commits, waits) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            e.to_string(),
        )
    })?
}
