//! JavaScript and TypeScript handlers: the embedded `sdk/js/build.js` bundles the entry
//! with esbuild (TypeScript compiled, `@aws/durable-execution-sdk-js` resolved to the
//! embedded SDK, the handler's npm dependencies from its own `node_modules`) and
//! componentizes the bundle with componentize-js.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{tools, BuildError, Handler, Language, Progress};
use crate::cache::CacheDir;

/// componentize-js 0.23 needs Node.js 20.
const MIN_NODE: u32 = 20;

/// Entry files tried in a folder, after package.json's `main`/`module`.
const CANDIDATES: &[&str] = &[
    "handler",
    "index",
    "app",
    "src/handler",
    "src/index",
    "src/app",
];
const EXTENSIONS: &[&str] = &["ts", "mts", "mjs", "js", "cts", "cjs"];

/// The handler entry of the JS/TS project in `dir`.
pub(super) fn entry_in(dir: &Path) -> Result<PathBuf, BuildError> {
    let manifest = dir.join("package.json");
    if manifest.is_file() {
        let text = std::fs::read_to_string(&manifest).map_err(|e| BuildError::io(&manifest, e))?;
        let package: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            BuildError::Invalid(format!("{}: not valid JSON: {e}", manifest.display()))
        })?;
        for field in ["main", "module"] {
            if let Some(main) = package.get(field).and_then(|m| m.as_str()) {
                let path = dir.join(main);
                if path.is_file() {
                    return Ok(path);
                }
            }
        }
    }
    for stem in CANDIDATES {
        for extension in EXTENSIONS {
            let path = dir.join(format!("{stem}.{extension}"));
            if path.is_file() {
                return Ok(path);
            }
        }
    }
    Err(BuildError::NoEntry {
        language: Language::JavaScript,
        dir: dir.to_owned(),
        looked_for: format!(
            "package.json's main, then {{{}}}.{{{}}}",
            CANDIDATES.join(","),
            EXTENSIONS.join(",")
        ),
    })
}

pub(super) fn build(
    cache: &CacheDir,
    handler: &Handler,
    out: &Path,
    progress: &Progress,
) -> Result<(), BuildError> {
    tools::require_node(MIN_NODE)?;
    let sources = tools::js_toolchain(cache, progress)?;
    let mut node = Command::new("node");
    node.current_dir(&handler.project)
        .arg(sources.join("sdk").join("js").join("build.js"))
        .arg(&handler.entry)
        .arg(out);
    tools::run(
        "build the JavaScript component (esbuild + componentize-js)",
        node,
    )
}
