//! Errors as AWS Lambda sends them: the modeled status code, the `X-Amzn-ErrorType`
//! header botocore reads the exception class from, and the modeled body.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::runner::RuntimeError;
use crate::service::ServiceError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_type: &'static str,
    pub message: String,
    /// Extra body fields (e.g. DurableExecutionArn on an already-started execution).
    pub extra: Option<(&'static str, String)>,
    /// The `Retry-After` header (seconds), where the model has one.
    pub retry_after_seconds: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
            extra: None,
            retry_after_seconds: None,
        }
    }

    /// Lambda's throttle: every instance is busy and the queue in front of them is full
    /// (`durabox serve --max-queue`). The body, header and reason are Lambda's for a
    /// concurrency limit, so SDKs raise `TooManyRequestsException` (and may retry it).
    pub fn too_many_requests() -> Self {
        Self {
            extra: Some(("Reason", "ConcurrentInvocationLimitExceeded".into())),
            retry_after_seconds: Some(1),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsException",
                "Rate Exceeded.",
            )
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            message,
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    /// Unknown route or method.
    pub fn unknown_operation(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("Unknown operation {method} {path}"),
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let status = match e {
            ServiceError::InvalidParameterValue(_)
            | ServiceError::CallbackTimeout(_)
            | ServiceError::ExecutionTooLarge(_) => StatusCode::BAD_REQUEST,
            ServiceError::ResourceNotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::ResourceConflict(_) | ServiceError::NameTaken(_) => StatusCode::CONFLICT,
            ServiceError::Service(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, e.aws_type(), e.to_string())
    }
}

impl From<RuntimeError> for ApiError {
    fn from(e: RuntimeError) -> Self {
        match e {
            RuntimeError::Service(e) => e.into(),
            RuntimeError::UnknownFunction(name) => {
                Self::not_found(format!("Function not found: {name}"))
            }
            other => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceException",
                other.to_string(),
            ),
        }
    }
}

impl ApiError {
    /// The JSON body as the model shapes it.
    pub fn body(&self) -> serde_json::Value {
        // The model spells the message field `message` for these shapes, `Message` otherwise.
        let key = match self.error_type {
            "InvalidParameterValueException"
            | "InvalidRequestContentException"
            | "TooManyRequestsException"
            | "RequestTooLargeException"
            | "ResourceConflictException" => "message",
            _ => "Message",
        };
        let mut body = json!({ "Type": "User", key: self.message });
        if let Some((field, value)) = &self.extra {
            body[*field] = json!(value);
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.error_type),
        );
        if let Some(seconds) = self.retry_after_seconds {
            headers.insert(axum::http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
