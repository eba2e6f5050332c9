//! Compiled-artifact cache keyed by the component's content hash and the engine's
//! compatibility hash: compiling a Python or JS component takes seconds, loading the
//! serialized artifact takes milliseconds.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use blake2::{Blake2b512, Digest};
use wasmtime::component::Component;
use wasmtime::Engine;

use super::SandboxError;
use crate::cache::{CacheDir, EntryKind};

pub struct ArtifactCache {
    dir: Option<CacheDir>,
}

/// Hex BLAKE2b of the component bytes (the function's identity).
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(&Blake2b512::digest(bytes)[..32])
}

impl ArtifactCache {
    /// Artifacts go to `<root>/artifacts/`; `None` disables the on-disk cache.
    pub fn new(root: Option<PathBuf>) -> Self {
        Self {
            dir: root.map(|root| CacheDir::new(root, crate::cache::max_bytes_from_env())),
        }
    }

    fn artifact_path(&self, engine: &Engine, hash: &str) -> Option<PathBuf> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = hasher.finish();
        self.dir.as_ref().map(|dir| {
            dir.path(
                EntryKind::Artifact,
                &format!("{hash}-{engine_key:016x}.cwasm"),
            )
        })
    }

    /// Loads the compiled component for `bytes`, compiling and storing it on a miss.
    /// Returns the component and whether it came from the cache.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
        hash: &str,
    ) -> Result<(Component, bool), SandboxError> {
        let path = self.artifact_path(engine, hash);
        if let Some(path) = path.as_deref().filter(|p| p.exists()) {
            // Read, not mmap: a cache file truncated under a live mapping would SIGBUS.
            let artifact = std::fs::read(path).unwrap_or_default();
            // SAFETY: the file was written by `Component::serialize` of this same engine
            // configuration (the name carries its compatibility hash) into our own cache;
            // wasmtime checks the header and rejects anything else.
            match unsafe { Component::deserialize(engine, &artifact) } {
                Ok(component) => {
                    crate::cache::touch(path);
                    return Ok((component, true));
                }
                Err(e) => tracing::warn!(
                    "ignoring unreadable cached artifact {}: {e}",
                    path.display()
                ),
            }
        }
        let component = Component::from_binary(engine, bytes)
            .map_err(|e| SandboxError::Compile(e.to_string()))?;
        if let (Some(path), Some(dir)) = (path, &self.dir) {
            match store_atomically(&path, &component) {
                Ok(()) => {
                    dir.evict(&[&path]);
                }
                Err(e) => tracing::warn!(
                    "could not cache compiled artifact at {}: {e}",
                    path.display()
                ),
            }
        }
        Ok((component, false))
    }
}

fn store_atomically(path: &Path, component: &Component) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = component.serialize().map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = crate::cache::scratch_path(path, "");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
