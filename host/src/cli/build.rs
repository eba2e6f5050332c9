//! `durabox build PATH [-o OUT.wasm]`: a handler's sources to a component, then compiled
//! once for the sandbox so the first `durabox run` loads it from the artifact cache.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use durabox::build::{BuildRequest, Builder};
use durabox::sandbox::Sandbox;

#[derive(Args)]
pub struct BuildArgs {
    /// The handler: a .py/.js/.mjs/.ts file, or a folder (pyproject.toml or .py files,
    /// package.json or .js/.ts files, Cargo.toml).
    path: PathBuf,
    /// Where the component goes [default: <handler name>.wasm in the current folder].
    #[arg(short, long, value_name = "OUT.wasm")]
    out: Option<PathBuf>,
    /// Build even when a component of the same inputs is cached.
    #[arg(long)]
    force: bool,
    /// Skip compiling the component for the sandbox (the first run then compiles it).
    #[arg(long)]
    no_precompile: bool,
}

pub fn build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let builder = Builder::from_env()?;
    let built = builder.build(&BuildRequest {
        path: args.path,
        out: args.out,
        force: args.force,
    })?;
    let size = built.bytes as f64 / 1e6;
    if built.cached {
        eprintln!(
            "durabox: {} is up to date ({}, {size:.1} MB; inputs unchanged, from the build cache)",
            built.component.display(),
            built.language
        );
    } else {
        eprintln!(
            "durabox: built {} ({}, {size:.1} MB) in {:.1} s",
            built.component.display(),
            built.language,
            built.elapsed.as_secs_f64()
        );
    }
    if !args.no_precompile {
        let started = Instant::now();
        let sandbox = Sandbox::new(Some(builder.cache().root().to_owned()))?;
        let loaded = sandbox.load_file(&built.component)?;
        if !loaded.from_cache {
            eprintln!(
                "durabox: compiled for the sandbox in {:.1} s (cached for `durabox run`)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!("{}", built.component.display());
    Ok(ExitCode::SUCCESS)
}
