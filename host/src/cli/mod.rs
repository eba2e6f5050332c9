//! Command-line front door: thin over the library.

mod build;
mod cache;
mod chaos;
mod client;
mod mocks;
mod replay;
mod run;
mod serve;
mod session;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "durabox",
    version,
    about = "Run AWS Lambda durable functions compiled to WebAssembly components"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a handler (Python, JavaScript/TypeScript or Rust sources) into a component.
    Build(build::BuildArgs),
    /// Run a component to completion and print its operation tree and result.
    ///
    /// Exit codes: 0 succeeded; 1 failed, timed out or stopped; 2 usage or load error;
    /// 3 waiting for a callback (answer it through `durabox serve`); 4 --timeout passed.
    /// With --json the document is printed in every case.
    Run(Box<run::RunArgs>),
    /// Replay recorded histories against a component without running recorded step
    /// bodies; name the first operation where the code no longer matches (a CI gate).
    ///
    /// Exit codes: 0 every history reproduced; 1 one diverged; 2 usage, load or read error.
    Replay(replay::ReplayArgs),
    /// Run declarative test scenarios (YAML): mocks, scripted callbacks, manual clock
    /// steps, expected result and history; JUnit XML and a coverage report.
    ///
    /// Exit codes: 0 every scenario passed; 1 one failed or a file was invalid; 2 usage error.
    Test(test::TestArgs),
    /// Serve the Lambda durable-execution HTTP API (boto3, the AWS CLI, SAM).
    Serve(serve::ServeArgs),
    /// Start an execution on a running server.
    Invoke(client::InvokeArgs),
    /// Inspect or stop executions on a running server.
    Execution(client::ExecutionArgs),
    /// Answer callbacks on a running server.
    Callback(client::CallbackArgs),
    /// List or clear durabox's cache (builds, compiled artifacts, toolchains).
    Cache(cache::CacheArgs),
    /// Drive a test session over stdin/stdout, JSON lines (the Node test runner's protocol).
    TestSession(session::SessionArgs),
}

pub fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        restore_sigpipe();
    }
    match cli.command {
        Command::Build(args) => build::build(args),
        Command::Run(args) => run::run(*args),
        Command::Replay(args) => replay::replay(args),
        Command::Test(args) => test::test(args),
        Command::Serve(args) => serve::serve(args).map(|()| ExitCode::SUCCESS),
        Command::Invoke(args) => client::invoke(args),
        Command::Execution(args) => client::execution(args),
        Command::Callback(args) => client::callback(args),
        Command::Cache(args) => cache::cache(args),
        Command::TestSession(args) => session::session(args),
    }
}

/// A `--flag A=B` value split at its first `=`; `shape` names the parts in the error.
fn split_pair<'a>(flag: &str, shape: &str, entry: &'a str) -> anyhow::Result<(&'a str, &'a str)> {
    entry
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("--{flag} expects {shape}, got '{entry}'"))
}

/// `--env KEY=VALUE` flags as pairs.
fn env_pairs(flags: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    flags
        .iter()
        .map(|kv| {
            let (key, value) = split_pair("env", "KEY=VALUE", kv)?;
            Ok((key.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`durabox run … | head`) panics.
/// Commands that print restore the default: the process ends quietly, as `cat` would.
/// The server keeps ignoring it (a closed log pipe must not stop it).
fn restore_sigpipe() {
    // SAFETY: resetting a signal disposition to its default, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
