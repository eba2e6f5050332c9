//! The one wasmtime engine configuration durabox uses. Every knob that matters for
//! isolation or speed is set here, with the reason.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch ticks; invocation timeouts are measured in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Default of [`PoolConfig::max_queued_invocations`]: generous enough that ordinary
/// bursts queue rather than bounce, small enough that a runaway client is told to back
/// off long before the host runs out of threads (each waiting invocation is a parked
/// execution thread).
pub const DEFAULT_MAX_QUEUED_INVOCATIONS: usize = 1000;

/// Sizes of the pooling allocator and of the queue in front of it. Environment
/// overrides: `DURABOX_POOL_INSTANCES`, `DURABOX_POOL_MEMORIES`, `DURABOX_PAGEMAP_SCAN=0`.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// Component instances alive at once = invocations running at once.
    pub component_instances: u32,
    /// Core instances across all component instances (a Python component holds several).
    pub core_instances: u32,
    /// Linear memories across all component instances.
    pub memories: u32,
    /// Tables across all component instances.
    pub tables: u32,
    /// Upper bound of any one linear memory; per-function caps are lower (`Limits`).
    pub max_memory_bytes: usize,
    /// Pages kept resident between instances: cheap re-instantiation without
    /// keeping large heaps around (1 MiB measured best; 64 MiB got slower).
    pub keep_resident_bytes: usize,
    /// Invocations that may wait for a free instance before the server refuses *new*
    /// executions with `TooManyRequestsException` (429). Work already accepted never
    /// fails for capacity: its invocations always wait, even beyond this number.
    pub max_queued_invocations: usize,
    /// Reset instances with the `PAGEMAP_SCAN` ioctl where the kernel has it (the
    /// default); off, every instance's kept-resident bytes are memset (to compare).
    pub pagemap_scan: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        let env = |key: &str, default: u32| {
            std::env::var(key)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let instances = env("DURABOX_POOL_INSTANCES", 64);
        Self {
            component_instances: instances,
            core_instances: instances * 16,
            memories: env("DURABOX_POOL_MEMORIES", instances * 4),
            tables: instances * 8,
            max_memory_bytes: 4 << 30,
            keep_resident_bytes: 1 << 20,
            max_queued_invocations: DEFAULT_MAX_QUEUED_INVOCATIONS,
            pagemap_scan: std::env::var("DURABOX_PAGEMAP_SCAN").map_or(true, |v| v != "0"),
        }
    }
}

pub fn build_engine(pool: &PoolConfig) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // Fuel bounds the instructions of one invocation; epochs bound its wall time.
    config.consume_fuel(true);
    config.epoch_interruption(true);
    // Deep guest recursion must end in a trap, not a host stack overflow.
    config.max_wasm_stack(1 << 20);
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(pool.component_instances)
        .total_core_instances(pool.core_instances)
        .total_memories(pool.memories)
        .total_tables(pool.tables)
        .max_memory_size(pool.max_memory_bytes)
        .max_component_instance_size(1 << 20)
        .max_core_instance_size(1 << 20)
        .max_tables_per_component(64)
        .max_memories_per_component(16)
        .linear_memory_keep_resident(pool.keep_resident_bytes)
        .table_keep_resident(pool.keep_resident_bytes)
        // Reset only the pages an instance actually touched (Linux >= 6.7's PAGEMAP_SCAN
        // ioctl) instead of memsetting the whole kept-resident megabyte of every memory
        // and table at each instance's end: this halved a fresh instantiate + call.
        // `Auto` falls back to the memset where the kernel lacks the ioctl.
        .pagemap_scan(if pool.pagemap_scan {
            Enabled::Auto
        } else {
            Enabled::No
        });
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    Engine::new(&config)
}

/// Whether the pooling allocator resets memories with the `PAGEMAP_SCAN` ioctl here
/// (Linux >= 6.7); without it each instance's kept-resident bytes are memset.
pub fn pagemap_scan_available() -> bool {
    PoolingAllocationConfig::is_pagemap_scan_available()
}

/// Ticks the engine's epoch until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("durabox-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawning the epoch thread");
        Self { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
