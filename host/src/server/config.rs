//! Server settings: from flags, `DURABOX_*` variables, or a TOML file.
//!
//! ```toml
//! skip_time = false
//! fire_callback_timeouts = false   # with skip_time: skip to callback timeouts too
//! max_queued_invocations = 1000    # then new executions get TooManyRequestsException
//! [functions.orders]
//! component = "target/guests/rust/orders.wasm"
//! env = { TABLE = "orders" }
//! fuel = 20000000000
//! memory_mb = 256
//! invocation_timeout_seconds = 60
//! execution_timeout_seconds = 86400
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::runner::FunctionConfig;
use crate::sandbox::Limits;

/// What `durabox serve` serves and how: the TOML file's shape (see the module docs).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Timers (waits, retry delays) fire at once instead of in real time.
    #[serde(default)]
    pub skip_time: bool,
    /// With `skip_time`: skip to callback timeouts and heartbeat deadlines too, once an
    /// execution is idle (otherwise only real time passes them; `service::clock`).
    #[serde(default)]
    pub fire_callback_timeouts: bool,
    /// The AWS region in execution ARNs (default `us-east-1`).
    #[serde(default = "default_region")]
    pub region: String,
    /// The AWS account id in execution ARNs (default `123456789012`).
    #[serde(default = "default_account")]
    pub account_id: String,
    /// The functions served, by name (`[functions.<name>]`).
    #[serde(default)]
    pub functions: BTreeMap<String, FunctionSpec>,
    /// Invocations that may wait for a free instance before new executions are refused
    /// with `TooManyRequestsException` (`PoolConfig::max_queued_invocations`).
    #[serde(default)]
    pub max_queued_invocations: Option<usize>,
    /// With a shared store: the URL other servers reach this one at, to send it changes
    /// to executions it holds. Default: `http://` and the bound address (a wildcard
    /// address becomes 127.0.0.1, which suits servers on one machine only).
    #[serde(default)]
    pub advertise_url: Option<String>,
}

fn default_region() -> String {
    "us-east-1".into()
}

fn default_account() -> String {
    "123456789012".into()
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            skip_time: false,
            fire_callback_timeouts: false,
            region: default_region(),
            account_id: default_account(),
            functions: BTreeMap::new(),
            max_queued_invocations: None,
            advertise_url: None,
        }
    }
}

/// One served function (`[functions.<name>]`); unset settings take the defaults of
/// [`FunctionConfig`] and [`Limits`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    /// The component file (relative to the config file when read from one).
    pub component: PathBuf,
    /// Environment variables the guest sees.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// [`Limits::fuel`].
    pub fuel: Option<u64>,
    /// [`Limits::memory_bytes`], in MiB.
    pub memory_mb: Option<usize>,
    /// [`Limits::invocation_timeout`], in seconds.
    pub invocation_timeout_seconds: Option<u64>,
    /// [`FunctionConfig::execution_timeout_seconds`].
    pub execution_timeout_seconds: Option<u64>,
    /// [`FunctionConfig::max_consecutive_crashes`].
    pub max_consecutive_crashes: Option<u32>,
    /// [`Limits::max_operations`].
    pub max_operations_per_invocation: Option<u32>,
    /// [`FunctionConfig::max_invocations`].
    pub max_invocations: Option<u32>,
    /// [`FunctionConfig::strict_determinism`].
    #[serde(default)]
    pub strict_determinism: bool,
}

impl FunctionSpec {
    /// The component at `component` with every setting at its default.
    pub fn new(component: PathBuf) -> Self {
        Self {
            component,
            env: BTreeMap::new(),
            fuel: None,
            memory_mb: None,
            invocation_timeout_seconds: None,
            execution_timeout_seconds: None,
            max_consecutive_crashes: None,
            max_operations_per_invocation: None,
            max_invocations: None,
            strict_determinism: false,
        }
    }

    /// The runtime settings these amount to.
    pub fn function_config(&self) -> FunctionConfig {
        let limits = Limits::default();
        let defaults = FunctionConfig::default();
        FunctionConfig {
            limits: Limits {
                fuel: self.fuel.unwrap_or(limits.fuel),
                memory_bytes: self.memory_mb.map_or(limits.memory_bytes, |mb| mb << 20),
                invocation_timeout: self
                    .invocation_timeout_seconds
                    .map_or(limits.invocation_timeout, Duration::from_secs),
                max_operations: self
                    .max_operations_per_invocation
                    .unwrap_or(limits.max_operations),
            },
            env: self
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            execution_timeout_seconds: self
                .execution_timeout_seconds
                .unwrap_or(defaults.execution_timeout_seconds),
            max_consecutive_crashes: self
                .max_consecutive_crashes
                .unwrap_or(defaults.max_consecutive_crashes),
            max_invocations: self.max_invocations.unwrap_or(defaults.max_invocations),
            strict_determinism: self.strict_determinism,
        }
    }
}

impl ServeConfig {
    /// Reads a TOML config; relative component paths are relative to the file.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut config: ServeConfig =
            toml::from_str(&text).map_err(|e| format!("invalid config {}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for spec in config.functions.values_mut() {
            if spec.component.is_relative() {
                spec.component = base.join(&spec.component);
            }
        }
        Ok(config)
    }
}
