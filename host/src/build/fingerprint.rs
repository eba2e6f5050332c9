//! The content hash of a build's inputs: the handler's project folder (build output,
//! caches and hidden folders aside), the embedded SDK sources and, for Python handlers
//! that take their dependencies from a virtualenv, the packages installed there.

use std::path::Path;

use blake2::{Blake2b512, Digest};

use super::{embedded, python, BuildError, Handler};

/// Folder names that are never inputs: build output, dependency caches, VCS.
fn skipped_dir(name: &str) -> bool {
    name.starts_with('.')
        || matches!(
            name,
            "node_modules" | "target" | "__pycache__" | "venv" | "env" | "dist-newstyle"
        )
}

/// File names that are never inputs: compiled output.
fn skipped_file(name: &str) -> bool {
    name.ends_with(".pyc") || name.ends_with(".wasm") || name.ends_with(".cwasm")
}

/// Hex fingerprint (32 characters) of everything that decides `handler`'s component;
/// `out` is skipped should it lie inside the project.
pub fn of(handler: &Handler, out: &Path) -> Result<String, BuildError> {
    let mut hasher = Blake2b512::new();
    hasher.update(format!("{:?}\n", handler.language));
    hasher.update(embedded::sources_hash());
    hasher.update(handler.entry.as_os_str().as_encoded_bytes());
    hash_tree(&mut hasher, &handler.project, &handler.project, out)?;
    if let Some(site) = python::venv_site_packages(handler) {
        // The installed distributions (name-version), not every file: cheap and enough.
        let mut installed: Vec<String> = std::fs::read_dir(&site)
            .map_err(|e| BuildError::io(&site, e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".dist-info"))
            .collect();
        installed.sort();
        hasher.update(site.as_os_str().as_encoded_bytes());
        hasher.update(installed.join("\n"));
    }
    Ok(hex::encode(&hasher.finalize()[..16]))
}

fn hash_tree(
    hasher: &mut Blake2b512,
    root: &Path,
    dir: &Path,
    out: &Path,
) -> Result<(), BuildError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| BuildError::io(dir, e))?
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !skipped_dir(&name) {
                hash_tree(hasher, root, &path, out)?;
            }
        } else if kind.is_file() && !skipped_file(&name) && path != out {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let bytes = std::fs::read(&path).map_err(|e| BuildError::io(&path, e))?;
            hasher.update(relative.as_os_str().as_encoded_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
    }
    Ok(())
}
