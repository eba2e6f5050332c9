//! Per-invocation resource limits and the memory limiter that enforces the cap.

use std::time::Duration;

use wasmtime::ResourceLimiter;

/// Limits of one handler invocation. Defaults suit ordinary handlers; untrusted code
/// in CI may want them lower.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Fuel (roughly, WebAssembly instructions) one invocation may spend.
    pub fuel: u64,
    /// Linear memory one invocation may hold, all memories together.
    pub memory_bytes: usize,
    /// Wall-clock time of one invocation (the Lambda function timeout).
    pub invocation_timeout: Duration,
    /// Durable operations one invocation may issue (a runaway loop of steps stops here).
    pub max_operations: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // Above what the invocation timeout lets a guest spend (JS guests burn about
            // 12e9 units a second here), so the wall clock, as on Lambda, is what stops a
            // legitimate handler; fuel stays a deterministic cap for untrusted code in CI.
            fuel: 1_000_000_000_000,
            memory_bytes: 256 << 20,
            invocation_timeout: Duration::from_secs(60),
            max_operations: 100_000,
        }
    }
}

/// Caps the total linear memory of an instance; remembers a denied growth so a trap
/// that follows is reported as running out of memory.
pub struct MemoryLimiter {
    cap: usize,
    /// Bytes held by all memories (grows only: memories never shrink).
    held: usize,
    pub denied: Option<usize>,
}

impl MemoryLimiter {
    pub fn new(cap: usize) -> Self {
        Self {
            cap,
            held: 0,
            denied: None,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.held - current.min(self.held) + desired;
        if total > self.cap {
            self.denied = Some(total);
            return Ok(false);
        }
        self.held = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000_000)
    }
}
