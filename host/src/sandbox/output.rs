//! Guest stdout/stderr, captured per invocation up to a cap. Writes past the cap are
//! accepted and counted but not kept, so a chatty guest neither fails its writes (Rust's
//! `println!` panics on a write error) nor fills the host's memory.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// Most bytes any single write is told it may send.
const WRITE_BUDGET: usize = 64 * 1024;

#[derive(Clone)]
pub struct CappedOutput {
    cap: usize,
    state: Arc<Mutex<(Vec<u8>, usize)>>,
}

impl CappedOutput {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            state: Arc::default(),
        }
    }

    fn accept(&self, bytes: &[u8]) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let room = self.cap.saturating_sub(state.0.len());
        let kept = bytes.len().min(room);
        state.0.extend_from_slice(&bytes[..kept]);
        state.1 += bytes.len() - kept;
    }

    /// Bytes kept so far.
    pub fn kept_bytes(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0.len()
    }

    /// What the guest wrote, with a note if some of it was dropped.
    pub fn text(&self) -> String {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = String::from_utf8_lossy(&state.0).into_owned();
        if state.1 > 0 {
            text.push_str(&format!(
                "\n[durabox] {} more bytes dropped (limit {})\n",
                state.1, self.cap
            ));
        }
        text
    }
}

impl IsTerminal for CappedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for CappedOutput {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.accept(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(WRITE_BUDGET)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CappedOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for CappedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.accept(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
