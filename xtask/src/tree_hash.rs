//! Content hashes of source trees, so guests are rebuilt only when their inputs change.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// FNV-1a, 64 bits: stable across Rust versions (unlike `DefaultHasher`).
#[derive(Clone)]
pub struct Fnv(u64);

impl Fnv {
    pub fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// Feeds every file below `dir` (path relative to `root`, then contents, in sorted order)
/// to `hash`, skipping entries whose name `skip` rejects (dependency and byte-code caches).
pub fn hash_tree(hash: &mut Fnv, root: &Path, dir: &Path, skip: fn(&str) -> bool) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if skip(&path.file_name().unwrap_or_default().to_string_lossy()) {
            continue;
        }
        if path.is_dir() {
            hash_tree(hash, root, &path, skip)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            hash.write(relative.to_string_lossy().as_bytes());
            hash.write(&[0]);
            hash.write(&std::fs::read(&path)?);
            hash.write(&[0]);
        }
    }
    Ok(())
}
