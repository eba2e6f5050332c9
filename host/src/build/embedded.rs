//! The WIT world and guest SDK sources compiled into the binary (see `host/build.rs`),
//! and their extraction into the cache, laid out as in the repository so the SDKs find
//! `wit/` where they expect it (`../../wit` from `sdk/<lang>`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use blake2::{Blake2b512, Digest};

use super::BuildError;
use crate::cache::{CacheDir, EntryKind};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded_sources.rs"));
}

/// Name of the file written last into an extracted folder: its presence means complete.
pub(super) const READY_MARK: &str = ".durabox-ready";

/// Every embedded file: (path relative to the repository root, contents).
pub fn files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    generated::FILES.iter().copied().chain(std::iter::once((
        "sdk/rust/Cargo.toml",
        generated::RUST_SDK_MANIFEST.as_bytes(),
    )))
}

/// The contents of one embedded file.
pub fn file(path: &str) -> Option<&'static [u8]> {
    files().find(|(p, _)| *p == path).map(|(_, bytes)| bytes)
}

/// Hex digest of every embedded path and its contents (16 bytes).
pub fn sources_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut hasher = Blake2b512::new();
        for (path, bytes) in files() {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        hex::encode(&hasher.finalize()[..16])
    })
}

/// The extracted sources, `<cache>/sources/<hash>/`, written on first use.
pub fn extract(cache: &CacheDir) -> Result<PathBuf, BuildError> {
    let dir = cache.path(EntryKind::Sources, sources_hash());
    if !dir.join(READY_MARK).exists() {
        let tmp = crate::cache::scratch_path(&dir, "");
        let _ = std::fs::remove_dir_all(&tmp);
        for (path, bytes) in files() {
            write_file(&tmp.join(path), bytes)?;
        }
        write_file(&tmp.join(READY_MARK), b"")?;
        if let Err(e) = std::fs::rename(&tmp, &dir) {
            // Another build extracted the same sources first: theirs are identical.
            let _ = std::fs::remove_dir_all(&tmp);
            if !dir.join(READY_MARK).exists() {
                return Err(BuildError::io(&dir, e));
            }
        }
    }
    crate::cache::touch(&dir);
    Ok(dir)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| BuildError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_wit_and_every_sdk() {
        for path in [
            "wit/durable.wit",
            "sdk/js/build.js",
            "sdk/js/package-lock.json",
            "sdk/js/src/index.js",
            "sdk/rust/src/lib.rs",
        ] {
            assert!(file(path).is_some(), "{path} is not embedded");
        }
        assert!(files().any(|(p, _)| p.starts_with("sdk/python/")));
        assert!(!files().any(|(p, _)| p.contains("node_modules") || p.ends_with(".pyc")));
    }

    #[test]
    fn the_rust_sdk_manifest_stands_alone_with_the_workspace_versions() {
        let manifest: toml::Table = std::str::from_utf8(file("sdk/rust/Cargo.toml").unwrap())
            .unwrap()
            .parse()
            .unwrap();
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml")).unwrap();
        let workspace: toml::Table = text.parse().unwrap();
        let shared = &workspace["workspace"]["dependencies"];
        for (name, spec) in manifest["dependencies"].as_table().unwrap() {
            assert_eq!(spec, &shared[name], "dependency {name}");
        }
        assert_eq!(manifest["package"]["name"].as_str(), Some("durabox-sdk"));
        assert_eq!(
            manifest["package"]["version"].as_str(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        let standalone = std::str::from_utf8(file("sdk/rust/Cargo.toml").unwrap()).unwrap();
        assert!(!standalone.contains("workspace"), "{standalone}");
    }
}
