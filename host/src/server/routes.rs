//! The Lambda durable-execution routes of the botocore model.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::errors::ApiError;
use super::request::{json_response, parse_time, Request};
use super::shared::Holder;
use crate::model::{limits, ErrorObject};
use crate::runner::Runtime;
use crate::service::api::{page_size, paginate};
use crate::service::{CheckpointApi, CheckpointRequest, ExecutionCell};

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

pub(super) type ApiResult = Result<Response, ApiError>;

impl Server {
    pub async fn handle(self: Arc<Self>, request: Request) -> Response {
        match self.route(request).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        }
    }

    async fn route(self: &Arc<Self>, r: Request) -> ApiResult {
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
            (_, ["2025-12-01", "durable-executions", _, ..]) => {
                // These may wait for the store: off the async workers.
                let server = self.clone();
                blocking(move || server.execution_or_callback(&r)).await
            }
            (Method::POST, ["2025-12-01", "durable-execution-callbacks", _, _]) => {
                let server = self.clone();
                blocking(move || server.execution_or_callback(&r)).await
            }
            _ => Err(ApiError::unknown_operation(r.method.as_str(), &r.path)),
        }
    }

    /// An execution's or a callback's route, made where the execution is held.
    fn execution_or_callback(&self, r: &Request) -> ApiResult {
        let service = self.runtime.service();
        match r.segments.as_slice() {
            [_, kind, arn, rest @ ..] if kind == "durable-executions" => {
                let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
                match self.holder(r, service.get(arn)?)? {
                    Holder::Here(cell) => self.execution_route(r, &cell, &rest),
                    Holder::There(response) => Ok(response),
                }
            }
            [_, _, id, action] => match self.holder(r, service.execution_of_callback(id)?)? {
                Holder::Here(cell) => self.callback(r, &cell, id, action),
                Holder::There(response) => Ok(response),
            },
            _ => Err(ApiError::unknown_operation(r.method.as_str(), &r.path)),
        }
    }

    fn execution_route(&self, r: &Request, cell: &Arc<ExecutionCell>, rest: &[&str]) -> ApiResult {
        match (r.method.clone(), rest) {
            (Method::GET, []) => {
                let include = r.query_bool("IncludeExecutionData", true)?;
                Ok(json_response(StatusCode::OK, cell.lock().describe(include)))
            }
            (Method::DELETE, []) => self.delete(cell),
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
            (Method::POST, ["checkpoint"]) => checkpoint(r, cell),
            (Method::POST, ["stop"]) => stop(r, cell),
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

    /// DeleteDurableExecution: only a finished execution.
    fn delete(&self, cell: &ExecutionCell) -> ApiResult {
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

/// CheckpointDurableExecution: a client checkpointing with the invocation's token.
fn checkpoint(r: &Request, cell: &ExecutionCell) -> ApiResult {
    let body = r.json_body(Value::Null)?;
    let request = CheckpointRequest::from_json(&body)?;
    let response = cell.update(|e| e.checkpoint(request).map(|r| r.to_json()))??;
    Ok(json_response(StatusCode::OK, response))
}

/// StopDurableExecution, with an optional error.
fn stop(r: &Request, cell: &ExecutionCell) -> ApiResult {
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

/// The bare function name from a name, `name:qualifier`, partial or full ARN.
pub fn function_name(function: &str) -> String {
    let tail = match function.find("function:") {
        Some(i) => &function[i + "function:".len()..],
        None => function,
    };
    tail.split(':').next().unwrap_or(tail).to_owned()
}

/// Runs blocking work (store commits, waits) off the async workers.
pub(super) async fn blocking<T: Send + 'static>(
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
