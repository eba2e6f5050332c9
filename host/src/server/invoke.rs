//! `Invoke`: starting an execution (or finding the one its name already started) and,
//! for a synchronous invoke, waiting for its result.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::errors::ApiError;
use super::request::Request;
use super::routes::{blocking, function_name, ApiResult, Server};
use crate::model::{limits, ExecutionStatus};
use crate::runner::{RuntimeError, StartOptions};
use crate::service::{ExecutionCell, ServiceError};

/// A synchronous invoke waits at most as long as any execution may run (366 days).
const MAX_SYNC_WAIT: Duration = Duration::from_secs(366 * 24 * 3600);

impl Server {
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

    pub(super) async fn invoke(self: &Arc<Self>, r: &Request, function: &str) -> ApiResult {
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
        let input = invocation_input(r, invocation_type, asynchronous)?;
        let execution_name = execution_name_header(&r.headers)?;
        let server = self.clone();
        let function = registered.name.clone();
        let arn = blocking(move || server.find_or_start(&function, input, execution_name)).await?;
        let mut response = if asynchronous {
            StatusCode::ACCEPTED.into_response()
        } else {
            let runtime = self.runtime.clone();
            let wait_arn = arn.clone();
            let cell = blocking(move || {
                runtime
                    .wait_for_completion(&wait_arn, MAX_SYNC_WAIT)
                    .map_err(ApiError::from)
            })
            .await?;
            result_response(&cell)
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
}

/// The payload, checked as Lambda checks it: its size for the invocation type, UTF-8
/// and JSON (an empty payload is allowed).
fn invocation_input(
    r: &Request,
    invocation_type: &str,
    asynchronous: bool,
) -> Result<String, ApiError> {
    let max = if asynchronous {
        limits::MAX_OPERATION_PAYLOAD
    } else {
        limits::MAX_EXECUTION_PAYLOAD
    };
    if r.body.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!(
                "Request must be smaller than {max} bytes for the {invocation_type} invocation type"
            ),
        ));
    }
    let unparsable = |reason: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {reason}"),
        )
    };
    let input = String::from_utf8(r.body.to_vec()).map_err(|_| unparsable("not UTF-8".into()))?;
    if !input.trim().is_empty() {
        serde_json::from_str::<Value>(&input).map_err(|e| unparsable(e.to_string()))?;
    }
    Ok(input)
}

/// A synchronous invoke's answer: the result, or the error with `X-Amz-Function-Error`.
fn result_response(cell: &ExecutionCell) -> Response {
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
