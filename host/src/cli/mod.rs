//! Command-line front door: thin over the library.

mod run;

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
    /// Run a component to completion and print its operation tree and result.
    Run(run::RunArgs),
}

pub fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Run(args) => run::run(args),
    }
}
