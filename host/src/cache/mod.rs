//! durabox's cache folder: what lives where, when each entry was last used, and the
//! least-recently-used eviction that keeps the folder under its size cap.
//!
//! ```text
//! <root>/artifacts/<hash>-<engine>.cwasm   compiled components (the sandbox)
//! <root>/builds/<hash>.wasm                components made by `durabox build`
//! <root>/sources/<hash>/                   the WIT and SDK sources embedded in the binary
//! <root>/toolchains/<name>/                componentize-py, componentize-js (+ esbuild)
//! <root>/pydeps/<hash>/                    handlers' Python dependencies (pip --target)
//! ```
//!
//! An entry is one file or one folder of those. Its last use is the file's modification
//! time, or for a folder that of its `.durabox-used` mark: access times are unreliable
//! (`noatime`, `relatime`), so a use touches the entry explicitly.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The cap when `DURABOX_CACHE_MAX_MB` is not set.
pub(crate) const DEFAULT_MAX_BYTES: u64 = 2 << 30;

/// The kinds of entry, by sub-folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A compiled component (`artifacts/`), made by the sandbox.
    Artifact,
    /// A component made by `durabox build` (`builds/`).
    Build,
    /// The WIT and SDK sources embedded in the binary, unpacked (`sources/`).
    Sources,
    /// A build tool installed on first use (`toolchains/`).
    Toolchain,
    /// A handler's Python dependencies (`pydeps/`).
    PythonDeps,
}

impl EntryKind {
    pub(crate) const ALL: [EntryKind; 5] = [
        EntryKind::Artifact,
        EntryKind::Build,
        EntryKind::Sources,
        EntryKind::Toolchain,
        EntryKind::PythonDeps,
    ];

    /// The sub-folder holding entries of this kind.
    pub fn folder(self) -> &'static str {
        match self {
            EntryKind::Artifact => "artifacts",
            EntryKind::Build => "builds",
            EntryKind::Sources => "sources",
            EntryKind::Toolchain => "toolchains",
            EntryKind::PythonDeps => "pydeps",
        }
    }

    /// Folders are entries of these kinds; files of the others.
    fn is_folder(self) -> bool {
        matches!(
            self,
            EntryKind::Sources | EntryKind::Toolchain | EntryKind::PythonDeps
        )
    }
}

/// Name of the mark whose modification time is a folder entry's last use.
const USED_MARK: &str = ".durabox-used";

/// One cached file or folder.
#[derive(Debug, Clone)]
pub struct CacheEntry {
    /// Which sub-folder it is in.
    pub kind: EntryKind,
    /// The file or folder.
    pub path: PathBuf,
    /// Its size (a folder's: every file in it).
    pub bytes: u64,
    /// Its last use ([`SystemTime::UNIX_EPOCH`] when unknown).
    pub last_used: SystemTime,
}

/// The cache folder and its size cap.
#[derive(Debug, Clone)]
pub struct CacheDir {
    root: PathBuf,
    max_bytes: u64,
}

impl CacheDir {
    /// The cache at `root`, evicting past `max_bytes`.
    pub(crate) fn new(root: PathBuf, max_bytes: u64) -> Self {
        Self { root, max_bytes }
    }

    /// The default folder — `$DURABOX_CACHE_DIR`, else `$XDG_CACHE_HOME/durabox`, else
    /// `~/.cache/durabox` — with the cap from `DURABOX_CACHE_MAX_MB` (default 2 GiB);
    /// `None` without a home folder.
    pub fn from_env() -> Option<Self> {
        default_cache_root().map(|root| Self::new(root, max_bytes_from_env()))
    }

    /// The cache folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The size cap eviction keeps the folder under, in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// `<root>/<kind folder>/<name>`.
    pub(crate) fn path(&self, kind: EntryKind, name: &str) -> PathBuf {
        self.root.join(kind.folder()).join(name)
    }

    /// Every entry, oldest use first.
    pub fn entries(&self) -> Vec<CacheEntry> {
        let mut entries = Vec::new();
        for kind in EntryKind::ALL {
            let Ok(dir) = std::fs::read_dir(self.root.join(kind.folder())) else {
                continue;
            };
            for item in dir.flatten() {
                let path = item.path();
                let name = item.file_name();
                // Half-written entries (`*.tmp*`) belong to a build in progress.
                if name.to_string_lossy().contains(".tmp") {
                    continue;
                }
                let is_dir = path.is_dir();
                if is_dir != kind.is_folder() {
                    continue;
                }
                let (bytes, last_used) = if is_dir {
                    (folder_size(&path), modified(&path.join(USED_MARK)))
                } else {
                    let meta = item.metadata().ok();
                    (
                        meta.as_ref().map_or(0, |m| m.len()),
                        meta.and_then(|m| m.modified().ok())
                            .unwrap_or(SystemTime::UNIX_EPOCH),
                    )
                };
                entries.push(CacheEntry {
                    kind,
                    path,
                    bytes,
                    last_used,
                });
            }
        }
        entries.sort_by_key(|e| e.last_used);
        entries
    }

    /// Removes least-recently-used entries until the folder is under the cap, never one
    /// of `keep` (entries the caller is using). Returns what it removed.
    pub(crate) fn evict(&self, keep: &[&Path]) -> Vec<CacheEntry> {
        let entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.bytes).sum();
        let mut removed = Vec::new();
        for entry in entries {
            if total <= self.max_bytes {
                break;
            }
            if keep
                .iter()
                .any(|k| entry.path.starts_with(k) || k.starts_with(&entry.path))
            {
                continue;
            }
            if remove_entry(&entry.path).is_ok() {
                total = total.saturating_sub(entry.bytes);
                tracing::info!("cache: evicted {}", entry.path.display());
                removed.push(entry);
            }
        }
        removed
    }

    /// Removes every entry; returns the bytes freed.
    pub fn clear(&self) -> std::io::Result<u64> {
        let mut freed = 0;
        for entry in self.entries() {
            remove_entry(&entry.path)?;
            freed += entry.bytes;
        }
        Ok(freed)
    }
}

/// A fresh scratch path beside `path` (`<path>.tmp<pid>-<n><suffix>`), unique per call:
/// writers in several processes and in several threads of one embedding process (test
/// runners building handlers side by side) never share one, and each renames its own
/// into place.
pub(crate) fn scratch_path(path: &Path, suffix: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    path.with_extension(format!("tmp{}-{n}{suffix}", std::process::id()))
}

/// Records a use of the entry at `path` (a file, or a folder entry).
pub(crate) fn touch(path: &Path) {
    let target = if path.is_dir() {
        path.join(USED_MARK)
    } else {
        path.to_owned()
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&target);
    if let Ok(file) = file {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// The default cache folder: `$DURABOX_CACHE_DIR`, else `$XDG_CACHE_HOME/durabox`, else
/// `~/.cache/durabox`.
pub(crate) fn default_cache_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DURABOX_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("durabox"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("durabox"))
}

/// `DURABOX_CACHE_MAX_MB` in bytes, else [`DEFAULT_MAX_BYTES`]; an unreadable value is
/// reported and ignored.
pub(crate) fn max_bytes_from_env() -> u64 {
    match std::env::var("DURABOX_CACHE_MAX_MB") {
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(mb) => mb.saturating_mul(1 << 20),
            Err(_) => {
                tracing::warn!(
                    "DURABOX_CACHE_MAX_MB={value:?} is not a whole number of MiB; using the default"
                );
                DEFAULT_MAX_BYTES
            }
        },
        Err(_) => DEFAULT_MAX_BYTES,
    }
}

fn remove_entry(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Bytes of every file under `dir` (symbolic links not followed).
pub(crate) fn folder_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => folder_size(&entry.path()),
            Ok(t) if t.is_file() => entry.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn file_entry(cache: &CacheDir, kind: EntryKind, name: &str, bytes: usize, age_s: u64) {
        let path = cache.path(kind, name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, vec![0u8; bytes]).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(age_s))
            .unwrap();
    }

    fn temp_cache(max_bytes: u64) -> CacheDir {
        let root = std::env::temp_dir().join(format!(
            "durabox-cache-test-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        CacheDir::new(root, max_bytes)
    }

    #[test]
    fn evicts_least_recently_used_first_until_under_the_cap() {
        let cache = temp_cache(250);
        file_entry(&cache, EntryKind::Artifact, "old.cwasm", 100, 300);
        file_entry(&cache, EntryKind::Build, "middle.wasm", 100, 200);
        file_entry(&cache, EntryKind::Artifact, "new.cwasm", 100, 100);
        let removed = cache.evict(&[]);
        let names: Vec<_> = removed
            .iter()
            .map(|e| e.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["old.cwasm"]);
        assert_eq!(cache.entries().len(), 2);
        std::fs::remove_dir_all(cache.root()).unwrap();
    }

    #[test]
    fn a_touched_entry_counts_as_new_and_kept_entries_survive() {
        let cache = temp_cache(150);
        file_entry(&cache, EntryKind::Artifact, "a.cwasm", 100, 300);
        file_entry(&cache, EntryKind::Artifact, "b.cwasm", 100, 200);
        touch(&cache.path(EntryKind::Artifact, "a.cwasm"));
        let folder = cache.path(EntryKind::Toolchain, "tool");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("big"), vec![0u8; 100]).unwrap();
        touch(&folder);
        // 300 bytes, cap 150: b is the oldest; the folder is kept though older than a.
        std::fs::File::options()
            .write(true)
            .open(folder.join(USED_MARK))
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(1000))
            .unwrap();
        let removed = cache.evict(&[&folder]);
        let names: Vec<_> = removed
            .iter()
            .map(|e| e.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.cwasm", "a.cwasm"]);
        assert!(folder.join("big").exists());
        assert_eq!(cache.clear().unwrap(), 100);
        assert!(cache.entries().is_empty());
        std::fs::remove_dir_all(cache.root()).unwrap();
    }
}
