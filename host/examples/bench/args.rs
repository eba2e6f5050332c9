//! Command-line arguments and the repository root.

use std::path::PathBuf;

use anyhow::{bail, Context};

/// The bench's command line (see the crate docs).
pub(crate) struct Args {
    pub(crate) quick: bool,
    pub(crate) python: Option<PathBuf>,
    pub(crate) node: Option<PathBuf>,
    pub(crate) js_runner: Option<PathBuf>,
    pub(crate) out: Option<PathBuf>,
    pub(crate) cache_dir: Option<PathBuf>,
}

pub(crate) fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        quick: false,
        python: None,
        node: None,
        js_runner: None,
        out: None,
        cache_dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => args.quick = true,
            "--python" => args.python = Some(it.next().context("--python PYTHON")?.into()),
            "--node" => args.node = Some(it.next().context("--node NODE")?.into()),
            "--js-runner" => args.js_runner = Some(it.next().context("--js-runner DIR")?.into()),
            "--out" => args.out = Some(it.next().context("--out FILE")?.into()),
            "--cache-dir" => args.cache_dir = Some(it.next().context("--cache-dir DIR")?.into()),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

/// The repository root (host/ lives one level below it).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ lives one level below the root")
        .to_path_buf()
}
