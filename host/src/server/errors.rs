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
}

impl ApiError {
    pub fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
            extra: None,
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
            ServiceError::InvalidParameterValue(_) | ServiceError::CallbackTimeout(_) => {
                StatusCode::BAD_REQUEST
            }
            ServiceError::ResourceNotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::ResourceConflict(_) => StatusCode::CONFLICT,
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The model spells the message field `message` for these shapes, `Message` otherwise.
        let key = match self.error_type {
            "InvalidParameterValueException"
            | "TooManyRequestsException"
            | "RequestTooLargeException"
            | "ResourceConflictException" => "message",
            _ => "Message",
        };
        let mut body = json!({ "Type": "User", key: self.message });
        if let Some((field, value)) = self.extra {
            body[field] = json!(value);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.error_type),
        );
        response
    }
}
