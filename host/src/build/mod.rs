//! `durabox build`: a handler's sources, in any folder, to a component.
//!
//! Detect the language → fingerprint the inputs → reuse `<cache>/builds/<fingerprint>.wasm`
//! or build it (Python: componentize-py; JS/TS: esbuild + componentize-js; Rust: cargo for
//! `wasm32-wasip2`) with the SDK sources embedded in this binary → copy to the output.
//! Tools (componentize-py, componentize-js, esbuild) are provisioned into the cache on
//! first use.

mod embedded;
mod fingerprint;
mod js;
mod python;
mod rust;
mod tools;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cache::{CacheDir, EntryKind};

/// The handler languages `durabox build` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Built with componentize-py.
    Python,
    /// JavaScript or TypeScript, bundled by esbuild and built with componentize-js.
    JavaScript,
    /// A cargo project, built for `wasm32-wasip2`.
    Rust,
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Language::Python => "Python",
            Language::JavaScript => "JavaScript/TypeScript",
            Language::Rust => "Rust",
        })
    }
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The path given does not exist.
    #[error("{0} does not exist")]
    NotFound(PathBuf),
    /// Nothing at the path marks a language durabox builds.
    #[error(
        "cannot tell the language of {0}: pass a .py, .js, .mjs, .cjs, .ts, .mts or .cts file, or a folder \
         with Cargo.toml (Rust), package.json or .js/.ts files (JavaScript/TypeScript), or \
         pyproject.toml, requirements.txt or .py files (Python)"
    )]
    UnknownLanguage(PathBuf),
    /// A folder with both Python and JavaScript/TypeScript sources.
    #[error(
        "{path} holds both Python and JavaScript/TypeScript sources: pass the handler file itself"
    )]
    MixedLanguages {
        /// The folder given.
        path: PathBuf,
    },
    /// A folder of a known language without a handler file of a name durabox looks for.
    #[error("no {language} handler found in {dir}: looked for {looked_for}; pass the handler file itself")]
    NoEntry {
        /// The language the folder's contents point to.
        language: Language,
        /// The folder searched.
        dir: PathBuf,
        /// The file names tried, for the message.
        looked_for: String,
    },
    /// A folder with several candidate Python handlers.
    #[error("{dir} has several Python handlers ({candidates}): pass the one to build")]
    AmbiguousEntry {
        /// The folder searched.
        dir: PathBuf,
        /// The candidates found, comma-separated.
        candidates: String,
    },
    /// The project cannot be built as it is (the message says why).
    #[error("{0}")]
    Invalid(String),
    /// A tool the build needs is not installed and cannot be provisioned.
    #[error("{tool} is needed but was not found: {hint}")]
    ToolMissing {
        /// The missing program (`npm`, `cargo`, or a newer `node`).
        tool: String,
        /// How to install it.
        hint: String,
    },
    /// A build tool failed, or could not be started (its output went to stderr).
    #[error("could not {what}: `{command}` exited with {status}")]
    Tool {
        /// The step that failed, as a verb phrase (`build the component`).
        what: String,
        /// The command line run.
        command: String,
        /// Its exit status, or why it could not start.
        status: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No cache folder could be found (no `DURABOX_CACHE_DIR`, no `HOME`).
    #[error("no cache folder: set DURABOX_CACHE_DIR or HOME")]
    NoCache,
}

impl BuildError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        BuildError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// Where progress lines go (the CLI prints them to stderr).
pub(crate) type Progress = dyn Fn(&str) + Send + Sync;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// A handler file, or a folder holding one.
    pub path: PathBuf,
    /// Where the component goes; `None`: `<stem>.wasm` in the current folder.
    pub out: Option<PathBuf>,
    /// Build even when a component of the same inputs is cached.
    pub force: bool,
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildOutput {
    /// The handler's language.
    pub language: Language,
    /// Where the component was written (absolute).
    pub component: PathBuf,
    /// The component's size in bytes.
    pub bytes: u64,
    /// Wall time of the whole build, cache lookup included.
    pub elapsed: Duration,
    /// Whether the component came from the cache (inputs unchanged).
    pub cached: bool,
}

/// A handler located: its language, project folder and entry file.
#[derive(Debug, Clone)]
pub(crate) struct Handler {
    pub language: Language,
    /// The folder whose contents are the build's inputs.
    pub project: PathBuf,
    /// The handler file (Python module, JS/TS entry) or Cargo.toml.
    pub entry: PathBuf,
}

/// Builds handlers into components through one cache folder.
pub struct Builder {
    cache: CacheDir,
    progress: Box<Progress>,
}

impl Builder {
    /// A builder on `cache` that reports progress lines to `progress`.
    pub(crate) fn new(cache: CacheDir, progress: Box<Progress>) -> Self {
        Self { cache, progress }
    }

    /// A builder on the default cache folder, reporting progress to stderr.
    pub fn from_env() -> Result<Self, BuildError> {
        let cache = CacheDir::from_env().ok_or(BuildError::NoCache)?;
        Ok(Self::new(
            cache,
            Box::new(|line| eprintln!("durabox: {line}")),
        ))
    }

    /// The cache folder components and tools go to.
    pub fn cache(&self) -> &CacheDir {
        &self.cache
    }

    /// Builds a handler for a test runner: the component goes into the cache (one file
    /// per source path; a test must not write into the user's project), and an earlier
    /// build of the same inputs is reused.
    pub fn build_for_test(&self, path: &Path) -> Result<BuildOutput, BuildError> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let stem = absolute
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("handler")
            .to_owned();
        // SipHash with fixed keys: the same source path maps to the same file every run.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&absolute, &mut hasher);
        let key = std::hash::Hasher::finish(&hasher);
        let out = self
            .cache
            .root()
            .join("testing")
            .join(format!("{stem}-{key:016x}.wasm"));
        self.build(&BuildRequest {
            path: absolute,
            out: Some(out),
            force: false,
        })
    }

    /// Builds the handler at `request.path` and copies the component to the output path,
    /// reusing a cached component of the same inputs unless `request.force`.
    pub fn build(&self, request: &BuildRequest) -> Result<BuildOutput, BuildError> {
        let started = Instant::now();
        let handler = locate(&request.path)?;
        let out = match &request.out {
            Some(out) => out.clone(),
            None => PathBuf::from(format!("{}.wasm", default_stem(&handler))),
        };
        let out = absolute(&out)?;
        let fingerprint = fingerprint::of(&handler, &out)?;
        let cached = self
            .cache
            .path(EntryKind::Build, &format!("{fingerprint}.wasm"));
        let reused = !request.force && cached.is_file();
        if !reused {
            (self.progress)(&format!(
                "building {} ({})",
                handler.entry.display(),
                handler.language
            ));
            let tmp = crate::cache::scratch_path(&cached, ".wasm");
            std::fs::create_dir_all(tmp.parent().unwrap()).map_err(|e| BuildError::io(&tmp, e))?;
            let result = match handler.language {
                Language::Python => python::build(&self.cache, &handler, &tmp, &*self.progress),
                Language::JavaScript => js::build(&self.cache, &handler, &tmp, &*self.progress),
                Language::Rust => rust::build(&self.cache, &handler, &tmp, &*self.progress),
            };
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::rename(&tmp, &cached).map_err(|e| BuildError::io(&cached, e))?;
            // A build may add inputs (cargo writes Cargo.lock): file the component under
            // the inputs as they are now too, so the next build finds it.
            let after = fingerprint::of(&handler, &out)?;
            if after != fingerprint {
                let again = self.cache.path(EntryKind::Build, &format!("{after}.wasm"));
                std::fs::copy(&cached, &again).map_err(|e| BuildError::io(&again, e))?;
            }
            // Only a new build grows the cache; a reused one leaves nothing to evict.
            self.cache.evict(&[&cached]);
        }
        crate::cache::touch(&cached);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
        }
        std::fs::copy(&cached, &out).map_err(|e| BuildError::io(&out, e))?;
        let bytes = std::fs::metadata(&out).map_or(0, |m| m.len());
        Ok(BuildOutput {
            language: handler.language,
            component: out,
            bytes,
            elapsed: started.elapsed(),
            cached: reused,
        })
    }
}

/// The output name when none is given: the handler file's stem, or the folder's name.
fn default_stem(handler: &Handler) -> String {
    let named = match handler.language {
        Language::Rust => &handler.project,
        _ => &handler.entry,
    };
    named
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "handler".into())
}

fn absolute(path: &Path) -> Result<PathBuf, BuildError> {
    std::path::absolute(path).map_err(|e| BuildError::io(path, e))
}

const PYTHON_MARKERS: &[&str] = &["pyproject.toml", "requirements.txt", "setup.py"];
const JS_EXTENSIONS: &[&str] = &["ts", "mts", "cts", "js", "mjs", "cjs"];

/// Finds the language, project folder and entry of the handler at `path`.
pub(crate) fn locate(path: &Path) -> Result<Handler, BuildError> {
    if !path.exists() {
        return Err(BuildError::NotFound(path.to_owned()));
    }
    let path = std::fs::canonicalize(path).map_err(|e| BuildError::io(path, e))?;
    if path.is_file() {
        let project = path.parent().unwrap_or(Path::new("/")).to_owned();
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let language = match extension {
            "py" => Language::Python,
            e if JS_EXTENSIONS.contains(&e) => Language::JavaScript,
            _ if path.file_name().is_some_and(|n| n == "Cargo.toml") => Language::Rust,
            _ if path.file_name().is_some_and(|n| n == "package.json") => {
                return locate_in(&project, Language::JavaScript)
            }
            _ => return Err(BuildError::UnknownLanguage(path)),
        };
        return Ok(Handler {
            language,
            project,
            entry: path,
        });
    }
    let has = |name: &str| path.join(name).is_file();
    let language = if has("Cargo.toml") {
        Language::Rust
    } else if has("package.json") {
        Language::JavaScript
    } else {
        let python = PYTHON_MARKERS.iter().any(|m| has(m)) || has_files(&path, &["py"]);
        let js = has_files(&path, JS_EXTENSIONS);
        match (python, js) {
            (true, true) => return Err(BuildError::MixedLanguages { path }),
            (true, false) => Language::Python,
            (false, true) => Language::JavaScript,
            (false, false) => return Err(BuildError::UnknownLanguage(path)),
        }
    };
    locate_in(&path, language)
}

fn locate_in(dir: &Path, language: Language) -> Result<Handler, BuildError> {
    let entry = match language {
        Language::Rust => dir.join("Cargo.toml"),
        Language::JavaScript => js::entry_in(dir)?,
        Language::Python => python::entry_in(dir)?,
    };
    Ok(Handler {
        language,
        project: dir.to_owned(),
        entry,
    })
}

/// Whether `dir` directly holds a file with one of `extensions` (declaration files aside).
fn has_files(dir: &Path, extensions: &[&str]) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        path.is_file()
            && !name.ends_with(".d.ts")
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
    })
}

#[cfg(test)]
mod tests;
