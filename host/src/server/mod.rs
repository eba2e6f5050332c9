//! `durabox serve`: the Lambda-compatible HTTP API over a [`Runtime`].

mod config;
mod errors;
mod invoke;
mod request;
mod routes;
mod shared;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

pub use config::{FunctionSpec, ServeConfig};
use errors::ApiError;
use routes::Server;
use wire::AwsListener;

use crate::runner::Runtime;

/// Largest request body accepted (the synchronous invoke limit plus headroom).
const MAX_BODY_BYTES: usize = 7 * 1024 * 1024;

/// Largest total of header names and values accepted. hyper's own bound depends on how
/// the head arrives in reads; this one does not.
const MAX_HEADER_BYTES: usize = 64 * 1024;

async fn dispatch(
    State(server): State<Arc<Server>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return headers_too_large();
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(&rejection).into_response(),
    };
    match request::Request::parse(method, &uri, headers, body) {
        Ok(request) => server.handle(request).await,
        Err(error) => error.into_response(),
    }
}

/// 431 in AWS's shape; the connection closes, as when hyper refuses a head.
fn headers_too_large() -> Response {
    let mut response = ApiError::new(
        axum::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "InvalidRequestContentException",
        format!("The request headers are too large: at most {MAX_HEADER_BYTES} bytes are accepted"),
    )
    .into_response();
    response.headers_mut().insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    response
}

/// A body that could not be read, as AWS answers it: too large is Lambda's
/// `RequestTooLargeException` (413), so SDKs raise their modeled exception.
fn body_error(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {MAX_BODY_BYTES} bytes for the Invoke operation"),
        );
    }
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "InvalidRequestContentException",
        format!("Could not read the request body: {rejection}"),
    )
}

/// Where servers on this machine reach one bound to `bound`.
fn default_advertised_url(mut bound: SocketAddr) -> String {
    if bound.ip().is_unspecified() {
        bound.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{bound}")
}

/// The axum router answering every request through `server`.
fn router(server: Arc<Server>) -> axum::Router {
    axum::Router::new()
        .fallback(dispatch)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(server)
}

/// Serves `runtime` on `addr` until Ctrl+C; calls `on_ready` with the bound address.
pub async fn serve(
    runtime: Runtime,
    config: &ServeConfig,
    addr: SocketAddr,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let server = Arc::new(Server {
        runtime,
        skip_time: config.skip_time,
        fire_callback_timeouts: config.fire_callback_timeouts,
        region: config.region.clone(),
        account_id: config.account_id.clone(),
        starting: Default::default(),
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    if let Some(store) = server.runtime.service().shared() {
        let url = config
            .advertise_url
            .clone()
            .unwrap_or_else(|| default_advertised_url(bound));
        store.advertise(&url).map_err(std::io::Error::other)?;
    }
    on_ready(bound);
    // Requests hyper rejects before routing get AWS-shaped errors too (`wire`).
    axum::serve(AwsListener(listener), router(server))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
