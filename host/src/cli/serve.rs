//! `durabox serve`: the Lambda-compatible HTTP API.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use durabox::runner::{Runtime, RuntimeOptions};
use durabox::sandbox::{PoolConfig, DEFAULT_MAX_QUEUED_INVOCATIONS};
use durabox::server::{FunctionSpec, ServeConfig};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DURABOX_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "DURABOX_PORT", default_value_t = 9000)]
    port: u16,
    /// A function, NAME=PATH.wasm (repeatable; comma-separated in DURABOX_FUNCTIONS).
    #[arg(
        long = "function",
        env = "DURABOX_FUNCTIONS",
        value_delimiter = ',',
        value_name = "NAME=PATH"
    )]
    functions: Vec<String>,
    /// A TOML file with functions (environment variables, limits, timeouts) and settings.
    #[arg(long, env = "DURABOX_CONFIG")]
    config: Option<PathBuf>,
    /// Where executions live: `memory`, `sqlite:PATH` (one server per file) or
    /// `postgres://USER@HOST:PORT/DATABASE` (servers sharing executions, leased).
    #[arg(long, env = "DURABOX_STORE", default_value = "memory")]
    store: String,
    /// Write guest log lines to DIR/<function>.jsonl (CloudWatch-like events).
    #[arg(long, env = "DURABOX_LOGS_DIR")]
    logs_dir: Option<PathBuf>,
    /// Skip time: waits and retry delays complete at once (real time by default). A
    /// pending callback's timeout still passes only in real time, so it can be answered.
    #[arg(long, env = "DURABOX_SKIP_TIME")]
    skip_time: bool,
    /// With --skip-time, skip to callback timeouts and heartbeat deadlines too, once an
    /// execution has been idle 0.5 s (as AWS's testing runners do).
    #[arg(long, env = "DURABOX_FIRE_CALLBACK_TIMEOUTS")]
    fire_callback_timeouts: bool,
    /// Invocations that may wait for a free instance (DURABOX_POOL_INSTANCES run at once)
    /// before a new execution is refused with TooManyRequestsException (HTTP 429);
    /// default 1000 (or `max_queued_invocations` in the config). Executions already
    /// accepted never fail for capacity: their invocations always wait.
    #[arg(long, env = "DURABOX_MAX_QUEUE", value_name = "N")]
    max_queue: Option<usize>,
    /// With a postgres store: the URL the other servers reach this one at (they send it
    /// changes to executions it holds). Default: http:// and the bound address, a
    /// wildcard address taken as 127.0.0.1.
    #[arg(long, env = "DURABOX_ADVERTISE_URL", value_name = "URL")]
    advertise_url: Option<String>,
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = serve_config(&args)?;
    let max_queue = args
        .max_queue
        .or(config.max_queued_invocations)
        .unwrap_or(DEFAULT_MAX_QUEUED_INVOCATIONS);
    let store = durabox::store::StoreSpec::parse(&args.store).map_err(anyhow::Error::msg)?;
    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .with_context(|| format!("invalid --host/--port: {}:{}", args.host, args.port))?;

    let runtime = Runtime::new(RuntimeOptions {
        logs_dir: args.logs_dir.clone(),
        pool: PoolConfig {
            max_queued_invocations: max_queue,
            ..PoolConfig::default()
        },
        ..RuntimeOptions::default()
    })?;
    for (name, spec) in &config.functions {
        runtime
            .register_file(name, &spec.component, spec.function_config())
            .with_context(|| {
                format!(
                    "cannot load function {name} from {}",
                    spec.component.display()
                )
            })?;
    }
    let restored = runtime.attach_store(store)?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    tokio
        .block_on(durabox::server::serve(runtime, &config, addr, |bound| {
            println!("durabox listening on http://{bound}");
            for (name, spec) in &config.functions {
                println!("  function {name} = {}", spec.component.display());
            }
            if restored > 0 {
                println!("  resumed {restored} unfinished executions from the store");
            }
        }))
        .with_context(|| format!("cannot serve on {addr}"))?;
    Ok(())
}

/// The config file (if any) with the command-line flags laid over it.
fn serve_config(args: &ServeArgs) -> anyhow::Result<ServeConfig> {
    let mut config = match &args.config {
        Some(path) => ServeConfig::from_file(path).map_err(anyhow::Error::msg)?,
        None => ServeConfig::default(),
    };
    config.skip_time |= args.skip_time;
    config.fire_callback_timeouts |= args.fire_callback_timeouts;
    if args.advertise_url.is_some() {
        config.advertise_url = args.advertise_url.clone();
    }
    if config.fire_callback_timeouts && !config.skip_time {
        bail!("--fire-callback-timeouts needs --skip-time (or skip_time = true in the config)");
    }
    for entry in &args.functions {
        let (name, path) = super::split_pair("function", "NAME=PATH.wasm", entry)?;
        config
            .functions
            .insert(name.to_owned(), FunctionSpec::new(PathBuf::from(path)));
    }
    if config.functions.is_empty() {
        bail!("no functions to serve: pass --function NAME=PATH.wasm or --config FILE");
    }
    Ok(config)
}
