//! Embeds what `durabox build` needs into the binary, so an installed `durabox` does not
//! depend on the checkout: the WIT world, the Python and JS guest SDK sources (with the
//! JS build script and its npm lock file) and the Rust guest SDK crate, whose manifest is
//! rewritten without workspace inheritance so it builds on its own.
//!
//! A build script rather than `include_dir!`: the SDK folders hold ignored build output
//! (`node_modules`, `__pycache__`) that must stay out, and the generated list lets cargo
//! rerun this script when a folder changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (folder or file relative to the workspace root, recurse).
const EMBEDDED: &[(&str, bool)] = &[
    ("wit", true),
    ("sdk/python", true),
    ("sdk/js/src", true),
    ("sdk/js/wit", true),
    ("sdk/js/build.js", false),
    ("sdk/js/package.json", false),
    ("sdk/js/package-lock.json", false),
    ("sdk/rust/src", true),
];

/// Names never embedded: build output and caches.
fn skipped(name: &str) -> bool {
    matches!(name, "node_modules" | "__pycache__" | ".DS_Store") || name.ends_with(".pyc")
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    let mut files = Vec::new();
    for (entry, recurse) in EMBEDDED {
        let path = root.join(entry);
        println!("cargo:rerun-if-changed={}", path.display());
        if *recurse {
            collect(&path, &mut files);
        } else {
            files.push(path);
        }
    }
    files.sort();

    let mut out = String::from("/// (path relative to the workspace root, contents).\npub static FILES: &[(&str, &[u8])] = &[\n");
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            out,
            "    ({relative:?}, include_bytes!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let manifest = rust_sdk_manifest(&root);
    writeln!(out, "/// sdk/rust/Cargo.toml without workspace inheritance.\npub static RUST_SDK_MANIFEST: &str = {manifest:?};").unwrap();
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("sdk/rust/Cargo.toml").display()
    );

    let out_file = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_sources.rs");
    std::fs::write(out_file, out).unwrap();
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if skipped(&name) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// The Rust SDK's manifest with `x.workspace = true` replaced by the workspace's values.
fn rust_sdk_manifest(root: &Path) -> String {
    let read = |path: &Path| -> toml::Table {
        let text = std::fs::read_to_string(path).unwrap();
        text.parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let workspace = read(&root.join("Cargo.toml"));
    let workspace = workspace["workspace"].as_table().unwrap();
    let mut sdk = read(&root.join("sdk/rust/Cargo.toml"));

    for section in ["package", "dependencies"] {
        let shared = workspace[section].as_table().unwrap();
        let table = sdk[section].as_table_mut().unwrap();
        for (key, value) in table.iter_mut() {
            if is_inherited(value) {
                *value = shared[key.as_str()].clone();
            }
        }
    }
    toml::to_string(&sdk).unwrap()
}

fn is_inherited(value: &toml::Value) -> bool {
    value
        .as_table()
        .and_then(|t| t.get("workspace"))
        .and_then(toml::Value::as_bool)
        == Some(true)
}
