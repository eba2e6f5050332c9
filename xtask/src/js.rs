//! JavaScript guests: `sdk/js` (componentize-js) builds every `app.js` under
//! guest-examples/js/* and tests/guests/js/* to target/guests/js/<name>.wasm.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run;
use crate::tree_hash::{hash_tree, Fnv};
use anyhow::{Context, Result};

/// Folders whose sub-folders are JS guests (each with an `app.js`).
const JS_GUEST_DIRS: &[&str] = &["guest-examples/js", "tests/guests/js"];
const SDK_DIR: &str = "sdk/js";

/// Installs the SDK's npm dependencies, then builds every JS guest whose sources (or the
/// SDK, or the WIT) changed since its last build; returns the paths of the components.
pub fn build_js_guests(root: &Path) -> Result<Vec<PathBuf>> {
    let guests = js_guests(root);
    if guests.is_empty() {
        return Ok(Vec::new());
    }
    npm_install(root)?;
    let out_dir = root.join("target/guests/js");
    std::fs::create_dir_all(&out_dir)?;
    // Shared inputs of every guest: the SDK (without node_modules) and the WIT world.
    let mut shared = Fnv::new();
    hash_tree(&mut shared, root, &root.join(SDK_DIR), SKIP)?;
    hash_tree(&mut shared, root, &root.join("wit"), SKIP)?;
    let mut built = Vec::new();
    for (name, dir) in guests {
        let out = out_dir.join(format!("{name}.wasm"));
        let stamp = out_dir.join(format!("{name}.hash"));
        let mut hash = shared.clone();
        hash_tree(&mut hash, root, &dir, SKIP)?;
        let hash = format!("{:016x}\n", hash.finish());
        if out.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(hash.as_str()) {
            built.push(out);
            continue;
        }
        let mut build = Command::new("node");
        build
            .current_dir(root)
            .arg(root.join(SDK_DIR).join("build.js"))
            .arg(dir.join("app.js"))
            .arg(&out);
        run(build).with_context(|| format!("cannot build the JS guest {}", dir.display()))?;
        std::fs::write(&stamp, hash)?;
        built.push(out);
    }
    eprintln!("xtask: JS guests in {}", out_dir.display());
    Ok(built)
}

/// `(name, folder)` of every folder with an `app.js`, sorted by name.
fn js_guests(root: &Path) -> Vec<(String, PathBuf)> {
    let mut guests = Vec::new();
    for dir in JS_GUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.join("app.js").is_file() {
                guests.push((entry.file_name().to_string_lossy().into_owned(), path));
            }
        }
    }
    guests.sort();
    guests
}

/// `npm ci` (or `npm install` without a lock file) in sdk/js with a project-local
/// cache, again only when package.json / package-lock.json change.
fn npm_install(root: &Path) -> Result<()> {
    let sdk = root.join(SDK_DIR);
    let lock = sdk.join("package-lock.json");
    let mut hash = Fnv::new();
    for file in ["package.json", "package-lock.json"] {
        hash.write(&std::fs::read(sdk.join(file)).unwrap_or_default());
    }
    let hash = format!("{:016x}\n", hash.finish());
    let stamp = sdk.join("node_modules/.durabox-installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(hash.as_str()) {
        return Ok(());
    }
    let cache = root.join("target/npm-cache");
    let mut npm = Command::new("npm");
    npm.current_dir(&sdk)
        .arg(if lock.exists() { "ci" } else { "install" })
        .arg("--cache")
        .arg(&cache)
        .args(["--no-audit", "--no-fund"]);
    run(npm)
        .context("cannot install sdk/js's npm dependencies (needs Node 20+ and npm on PATH)")?;
    std::fs::write(&stamp, hash)?;
    Ok(())
}

/// Folders and files that are build or cache output, not sources.
const SKIP: fn(&str) -> bool = |name| name == "node_modules";
