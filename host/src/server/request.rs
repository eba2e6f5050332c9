//! A request as the routes see it: the path split on `/` before each segment is
//! percent-decoded (so an ARN sent as one encoded segment stays one segment), the query
//! decoded, and typed readers that answer bad values with AWS's validation error.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::errors::ApiError;

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

    pub(super) fn query(&self, key: &str) -> Option<&str> {
        self.query
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    pub(super) fn query_bool(&self, key: &str, default: bool) -> Result<bool, ApiError> {
        match self.query(key) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(ApiError::invalid(format!(
                "{key} must be true or false, got '{v}'"
            ))),
        }
    }

    pub(super) fn query_usize(&self, key: &str) -> Result<Option<usize>, ApiError> {
        self.query(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| ApiError::invalid(format!("{key} must be a number, got '{v}'")))
            })
            .transpose()
    }

    /// A header this API reads; one that is not visible ASCII is refused, not ignored
    /// (ignoring it would silently change what the request asks for).
    pub(super) fn header(&self, name: &str) -> Result<Option<&str>, ApiError> {
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
    pub(super) fn json_body(&self, default: Value) -> Result<Value, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(default);
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::invalid(format!("request body is not valid JSON: {e}")))
    }
}

pub(super) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A query timestamp: ISO 8601 (what botocore sends) or epoch seconds.
pub(super) fn parse_time(value: &str) -> Result<i64, ApiError> {
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
