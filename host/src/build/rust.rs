//! Rust handlers: `cargo build --release --target wasm32-wasip2` in the handler's own
//! crate, with the `durabox-sdk` dependency patched to the SDK embedded in this binary
//! (so `durabox-sdk = "0.1"` needs no repository path).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{embedded, tools, BuildError, Handler, Progress};
use crate::cache::CacheDir;

const TARGET: &str = "wasm32-wasip2";

pub(super) fn build(
    cache: &CacheDir,
    handler: &Handler,
    out: &Path,
    progress: &Progress,
) -> Result<(), BuildError> {
    ensure_target(progress)?;
    let sources = embedded::extract(cache)?;
    let sdk = sources.join("sdk").join("rust");
    let manifest = &handler.entry;
    let (target_dir, library) = cdylib_of(manifest)?;
    // A TOML basic string: JSON string escaping is a subset of it.
    let sdk_path = serde_json::to_string(&sdk.to_string_lossy()).unwrap_or_default();
    let mut cargo = Command::new(cargo_program());
    cargo
        .args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(manifest)
        .arg("--config")
        .arg(format!("patch.crates-io.durabox-sdk.path={sdk_path}"));
    tools::run("build the Rust component (cargo)", cargo)?;
    let built = target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{library}.wasm"));
    std::fs::copy(&built, out).map_err(|e| BuildError::io(&built, e))?;
    Ok(())
}

fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// The target folder and the cdylib's file name (underscored) of the crate at `manifest`.
fn cdylib_of(manifest: &Path) -> Result<(PathBuf, String), BuildError> {
    let mut metadata = Command::new(cargo_program());
    metadata
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(manifest);
    let text = tools::output("read the crate's metadata (cargo metadata)", metadata)?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| BuildError::Invalid(format!("cargo metadata printed no JSON: {e}")))?;
    let target_dir = PathBuf::from(json["target_directory"].as_str().unwrap_or("target"));
    let manifest = std::fs::canonicalize(manifest).map_err(|e| BuildError::io(manifest, e))?;
    let package = json["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()));
    let library = package
        .and_then(|p| p["targets"].as_array())
        .into_iter()
        .flatten()
        .find(|t| {
            t["crate_types"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"))
        })
        .and_then(|t| t["name"].as_str())
        .ok_or_else(|| {
            BuildError::Invalid(format!(
                "{} has no cdylib library: add `[lib] crate-type = [\"cdylib\"]`",
                manifest.display()
            ))
        })?;
    Ok((target_dir, library.replace('-', "_")))
}

/// Installs the wasm32-wasip2 standard library with rustup when it is missing.
fn ensure_target(progress: &Progress) -> Result<(), BuildError> {
    let mut list = Command::new("rustup");
    list.args(["target", "list", "--installed"]);
    let installed = tools::output("list the installed Rust targets (rustup)", list)?;
    if installed.lines().any(|l| l.trim() == TARGET) {
        return Ok(());
    }
    progress(&format!(
        "installing the {TARGET} target (rustup target add {TARGET})"
    ));
    let mut add = Command::new("rustup");
    add.args(["target", "add", TARGET]);
    tools::run(&format!("install the {TARGET} target"), add)
}
