//! Command-line front door: thin over the library.

mod build;
mod cache;
mod client;
mod run;
mod serve;

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
    Run(run::RunArgs),
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
}

pub fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Build(args) => build::build(args),
        Command::Run(args) => run::run(args),
        Command::Serve(args) => serve::serve(args).map(|()| ExitCode::SUCCESS),
        Command::Invoke(args) => client::invoke(args),
        Command::Execution(args) => client::execution(args),
        Command::Callback(args) => client::callback(args),
        Command::Cache(args) => cache::cache(args),
    }
}
