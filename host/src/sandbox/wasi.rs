//! The WASI a guest sees: no preopened directories, no inherited environment or
//! arguments, no network, stdout/stderr captured per invocation, and clocks and random
//! numbers virtualised per execution (random is the same stream in every invocation of
//! an execution, so runtime start-up cannot diverge on replay).

use std::time::{Duration, Instant};

use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{Deterministic, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

use crate::model::Millis;

/// Bytes of guest stdout (and, separately, stderr) kept per invocation; writes past it fail.
pub const OUTPUT_CAPTURE_BYTES: usize = 1 << 20;
/// Length of the repeating random stream handed to a guest.
const RANDOM_STREAM_BYTES: usize = 4096;

/// The execution's (virtual) wall clock: modeled time, advancing with real time.
struct VirtualWallClock {
    virtual_start: Millis,
    real_start: Instant,
}

impl HostWallClock for VirtualWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }
    fn now(&self) -> Duration {
        Duration::from_millis(self.virtual_start.max(0) as u64) + self.real_start.elapsed()
    }
}

/// A monotonic clock starting at zero for each invocation.
struct InvocationMonotonicClock {
    start: Instant,
}

impl HostMonotonicClock for InvocationMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000
    }
    fn now(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }
}

pub struct CapturedOutput {
    pub stdout: MemoryOutputPipe,
    pub stderr: MemoryOutputPipe,
}

impl CapturedOutput {
    pub fn text(pipe: &MemoryOutputPipe) -> String {
        String::from_utf8_lossy(&pipe.contents()).into_owned()
    }
}

/// Builds the locked-down WASI context for one invocation.
pub fn guest_wasi(
    seed: u64,
    virtual_now: Millis,
    env: &[(String, String)],
) -> (WasiCtx, CapturedOutput) {
    let output = CapturedOutput {
        stdout: MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES),
        stderr: MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES),
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut stream = vec![0u8; RANDOM_STREAM_BYTES];
    rng.fill(&mut stream);
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(output.stdout.clone())
        .stderr(output.stderr.clone())
        .envs(env)
        .wall_clock(VirtualWallClock {
            virtual_start: virtual_now,
            real_start: Instant::now(),
        })
        .monotonic_clock(InvocationMonotonicClock {
            start: Instant::now(),
        })
        .secure_random(Deterministic::new(stream.clone()))
        .insecure_random(Deterministic::new(stream))
        .insecure_random_seed(u128::from(rng.u64(..)) << 64 | u128::from(rng.u64(..)))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }));
    (builder.build(), output)
}
