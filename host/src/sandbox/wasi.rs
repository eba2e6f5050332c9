//! The WASI a guest sees: no preopened directories, no inherited environment or
//! arguments, no network, stdout/stderr captured per invocation, and clocks and random
//! numbers virtualised per execution (random is the same stream in every invocation of
//! an execution, so runtime start-up cannot diverge on replay).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

use super::lint::DeterminismLint;
use super::output::CappedOutput;
use crate::model::Millis;

/// Bytes of guest stdout (and, separately, stderr) kept per invocation.
pub const OUTPUT_CAPTURE_BYTES: usize = 1 << 20;

/// The execution's (virtual) wall clock: modeled time, advancing with real time.
struct VirtualWallClock {
    virtual_start: Millis,
    real_start: Instant,
    lint: Arc<DeterminismLint>,
}

impl HostWallClock for VirtualWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }
    fn now(&self) -> Duration {
        self.lint.read("wall-clock");
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
        // Not linted: language runtimes (e.g. the JS engine's event loop) read it on
        // their own, and elapsed time rarely decides which durable operation comes next.
        self.start.elapsed().as_nanos() as u64
    }
}

/// The same random stream in every invocation of an execution; every read is linted.
struct GuestRandom {
    rng: fastrand::Rng,
    lint: Arc<DeterminismLint>,
}

impl rand_core::TryRng for GuestRandom {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.lint.read("random");
        Ok(self.rng.u32(..))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.lint.read("random");
        Ok(self.rng.u64(..))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.lint.read("random");
        self.rng.fill(dst);
        Ok(())
    }
}

pub struct CapturedOutput {
    pub stdout: CappedOutput,
    pub stderr: CappedOutput,
}

/// Builds the locked-down WASI context for one invocation.
pub fn guest_wasi(
    seed: u64,
    virtual_now: Millis,
    env: &[(String, String)],
    lint: &Arc<DeterminismLint>,
) -> (WasiCtx, CapturedOutput) {
    let output = CapturedOutput {
        stdout: CappedOutput::new(OUTPUT_CAPTURE_BYTES),
        stderr: CappedOutput::new(OUTPUT_CAPTURE_BYTES),
    };
    let random = |salt: u64| GuestRandom {
        rng: fastrand::Rng::with_seed(seed ^ salt),
        lint: lint.clone(),
    };
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(output.stdout.clone())
        .stderr(output.stderr.clone())
        .envs(env)
        .wall_clock(VirtualWallClock {
            virtual_start: virtual_now,
            real_start: Instant::now(),
            lint: lint.clone(),
        })
        .monotonic_clock(InvocationMonotonicClock {
            start: Instant::now(),
        })
        .secure_random(random(0))
        .insecure_random(random(0x5bd1_e995))
        .insecure_random_seed(u128::from(seed) << 64 | u128::from(!seed))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }));
    (builder.build(), output)
}
