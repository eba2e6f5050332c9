//! Requests hyper rejects before any handler runs, answered in AWS's error shape.
//!
//! hyper refuses a malformed request head itself: a control character or invalid byte in
//! a header (`400`), an invalid Content-Length or Transfer-Encoding (`400`), a URI over
//! 65,534 bytes (`414`), a head larger than its read buffer (`431`). It writes a bare
//! status line with an empty body and closes the connection; no axum fallback or
//! middleware sees these requests, and hyper has no hook to shape the answer. So the
//! listener wraps each connection, and when hyper writes exactly that automatic answer
//! (a 400, 414 or 431 whose only headers are `content-length: 0`, `date` and perhaps
//! `connection`; every answer of our handlers carries `x-amzn-errortype` and a body),
//! the wrapper sends the same status with a Lambda error body and `x-amzn-errortype`.
//! Everything else passes through untouched.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::errors::ApiError;

/// hyper's longest accepted request URI (`MAX_URI_LEN` in hyper's HTTP/1 parser).
const MAX_URI_BYTES: usize = 65_534;

/// A TCP listener whose connections answer hyper's own rejections as AWS does.
pub struct AwsListener(pub TcpListener);

impl axum::serve::Listener for AwsListener {
    type Io = AwsShapedIo<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (AwsShapedIo::new(io), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that rewrites hyper's automatic error answer (see the module docs).
pub struct AwsShapedIo<T> {
    inner: T,
    /// The rewritten answer and how much of it is written; flushed before anything else.
    pending: Vec<u8>,
    written: usize,
}

impl<T> AwsShapedIo<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> AwsShapedIo<T> {
    /// Writes what is left of a rewritten answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for AwsShapedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for AwsShapedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(answer) = aws_shaped_rejection(buf) {
            // Taken whole; written by the flush hyper issues next (or by a later write).
            self.pending = answer;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next()) {
            if let Some(answer) = aws_shaped_rejection(only) {
                self.pending = answer;
                return Poll::Ready(Ok(only.len()));
            }
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// If `bytes` is exactly hyper's automatic answer to an unparsable request, the same
/// status as a Lambda error (keeping hyper's `date`); otherwise `None`.
fn aws_shaped_rejection(bytes: &[u8]) -> Option<Vec<u8>> {
    let head = std::str::from_utf8(bytes).ok()?.strip_suffix("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()?
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()?;
    let (mut empty, mut date) = (false, None);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" if value == "0" => empty = true,
            "date" => date = Some(value),
            "connection" => {}
            _ => return None,
        }
    }
    if !empty {
        return None;
    }
    let error = match status {
        400 => ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "The request could not be parsed: its request line or a header is malformed \
             (a control character or invalid byte in a header name or value, or an \
             invalid Content-Length or Transfer-Encoding)",
        ),
        414 => ApiError::new(
            StatusCode::URI_TOO_LONG,
            "InvalidParameterValueException",
            format!("The request URI is too long: at most {MAX_URI_BYTES} bytes are accepted"),
        ),
        431 => ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "InvalidRequestContentException",
            "The request line and headers are too large for this server",
        ),
        _ => return None,
    };
    let body = error.body().to_string();
    let mut answer = format!(
        "HTTP/1.1 {}\r\ncontent-type: application/json\r\nx-amzn-errortype: {}\r\n\
         content-length: {}\r\nconnection: close\r\n",
        error.status,
        error.error_type,
        body.len()
    );
    if let Some(date) = date {
        answer.push_str(&format!("date: {date}\r\n"));
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    Some(answer.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(bytes: &str) -> Option<String> {
        aws_shaped_rejection(bytes.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn hypers_bare_rejections_become_lambda_errors() {
        let answer = rewrite(
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n",
        )
        .unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("x-amzn-errortype: InvalidRequestContentException"));
        assert!(head.contains("date: Mon, 01 Jan 2024 00:00:00 GMT"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["Type"], "User");
        assert!(body["message"].as_str().unwrap().contains("malformed"));

        let answer = rewrite("HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n").unwrap();
        assert!(answer.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(answer.contains("x-amzn-errortype: InvalidParameterValueException"));
        let answer = rewrite(
            "HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
        )
        .unwrap();
        assert!(answer.contains("x-amzn-errortype: InvalidRequestContentException"));
    }

    #[test]
    fn everything_else_passes_through() {
        for bytes in [
            // Our own errors: typed, with a body.
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nx-amzn-errortype: InvalidParameterValueException\r\ncontent-length: 2\r\n\r\n{}",
            "HTTP/1.1 400 Bad Request\r\nx-amzn-errortype: X\r\ncontent-length: 0\r\n\r\n",
            // Other statuses, partial heads, bodies.
            "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\n",
            "{\"HTTP/1.1 400\": 1}",
            "",
        ] {
            assert_eq!(rewrite(bytes), None, "{bytes:?}");
        }
    }
}
