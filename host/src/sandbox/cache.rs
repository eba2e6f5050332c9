//! Compiled-artifact cache keyed by the component's content hash and the engine's
//! compatibility hash: compiling a Python or JS component takes seconds, loading the
//! serialized artifact takes milliseconds.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use blake2::{Blake2b512, Digest};
use wasmtime::component::Component;
use wasmtime::Engine;

use super::SandboxError;

pub struct ArtifactCache {
    dir: Option<PathBuf>,
}

/// The default cache folder: `$DURABOX_CACHE_DIR`, else `$XDG_CACHE_HOME/durabox`, else
/// `~/.cache/durabox`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DURABOX_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("durabox"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("durabox"))
}

/// Hex BLAKE2b of the component bytes (the function's identity).
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(&Blake2b512::digest(bytes)[..32])
}

impl ArtifactCache {
    /// `None` disables the on-disk cache.
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    fn artifact_path(&self, engine: &Engine, hash: &str) -> Option<PathBuf> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = hasher.finish();
        self.dir
            .as_ref()
            .map(|dir| dir.join(format!("{hash}-{engine_key:016x}.cwasm")))
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
                Ok(component) => return Ok((component, true)),
                Err(e) => tracing::warn!(
                    "ignoring unreadable cached artifact {}: {e}",
                    path.display()
                ),
            }
        }
        let component = Component::from_binary(engine, bytes)
            .map_err(|e| SandboxError::Compile(e.to_string()))?;
        if let Some(path) = path {
            if let Err(e) = store_atomically(&path, &component) {
                tracing::warn!(
                    "could not cache compiled artifact at {}: {e}",
                    path.display()
                );
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
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
