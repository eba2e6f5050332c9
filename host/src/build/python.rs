//! Python handlers: componentize-py with the handler's folder, the embedded SDK
//! (`aws_durable_execution_sdk_python` and `durabox_durable`) and the handler's
//! pure-Python dependencies on its path.
//!
//! Dependencies come from, in order: `requirements.txt`, `pyproject.toml`'s
//! `[project] dependencies` (both installed with pip into `<cache>/pydeps/<hash>/` as
//! pure-Python wheels for the CPython componentize-py bundles), else the active
//! virtualenv's site-packages (`$VIRTUAL_ENV`). The AWS SDK itself is never installed:
//! the embedded SDK answers its imports.

use std::path::{Path, PathBuf};
use std::process::Command;

use blake2::{Blake2b512, Digest};

use super::{embedded, tools, BuildError, Handler, Language, Progress};
use crate::cache::{CacheDir, EntryKind};

/// The CPython componentize-py 0.25 bundles: dependencies are resolved for it.
const GUEST_PYTHON_VERSION: &str = "3.14";

/// Distributions the embedded SDK replaces (normalized names).
const REPLACED: &[&str] = &[
    "aws-durable-execution-sdk-python",
    "aws-durable-execution-sdk-python-testing",
];

/// Handler file names preferred when a folder holds several handlers.
const PREFERRED: &[&str] = &["app.py", "handler.py", "lambda_function.py", "main.py"];

/// The handler module in `dir` (or `dir/src`): the one `.py` file that uses
/// `durable_execution`, else one of the preferred names.
pub(super) fn entry_in(dir: &Path) -> Result<PathBuf, BuildError> {
    for folder in [dir.to_owned(), dir.join("src")] {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut handlers: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .filter(|p| {
                std::fs::read_to_string(p).is_ok_and(|text| text.contains("durable_execution"))
            })
            .collect();
        handlers.sort();
        match handlers.len() {
            0 => continue,
            1 => return Ok(handlers.remove(0)),
            _ => {
                if let Some(preferred) = PREFERRED
                    .iter()
                    .map(|name| folder.join(name))
                    .find(|p| handlers.contains(p))
                {
                    return Ok(preferred);
                }
                let names: Vec<String> = handlers
                    .iter()
                    .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                    .collect();
                return Err(BuildError::AmbiguousEntry {
                    dir: folder,
                    candidates: names.join(", "),
                });
            }
        }
    }
    Err(BuildError::NoEntry {
        language: Language::Python,
        dir: dir.to_owned(),
        looked_for: "a .py file using @durable_execution (in the folder or its src/)".into(),
    })
}

/// Where the handler's dependencies come from.
enum Dependencies {
    None,
    /// Requirement lines for pip (the replaced SDK distributions removed).
    Requirements {
        lines: Vec<String>,
        from: PathBuf,
    },
    /// An active virtualenv's site-packages.
    SitePackages(PathBuf),
}

fn dependencies(handler: &Handler) -> Result<Dependencies, BuildError> {
    let module_dir = handler.entry.parent().unwrap_or(&handler.project);
    for dir in [module_dir, handler.project.as_path()] {
        let requirements = dir.join("requirements.txt");
        if requirements.is_file() {
            let text = std::fs::read_to_string(&requirements)
                .map_err(|e| BuildError::io(&requirements, e))?;
            let lines = text
                .lines()
                .map(|l| l.split(" #").next().unwrap_or("").trim().to_owned())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect();
            return Ok(requirements_of(lines, requirements));
        }
        let pyproject = dir.join("pyproject.toml");
        if pyproject.is_file() {
            let text =
                std::fs::read_to_string(&pyproject).map_err(|e| BuildError::io(&pyproject, e))?;
            let table: toml::Table = text.parse().map_err(|e| {
                BuildError::Invalid(format!("{}: not valid TOML: {e}", pyproject.display()))
            })?;
            let lines = table
                .get("project")
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.as_array())
                .map(|deps| {
                    deps.iter()
                        .filter_map(|d| d.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            return Ok(requirements_of(lines, pyproject));
        }
    }
    Ok(match venv_site_packages(handler) {
        Some(site) => Dependencies::SitePackages(site),
        None => Dependencies::None,
    })
}

fn requirements_of(lines: Vec<String>, from: PathBuf) -> Dependencies {
    let lines: Vec<String> = lines
        .into_iter()
        .filter(|line| !REPLACED.contains(&distribution_name(line).as_str()))
        .collect();
    if lines.is_empty() {
        Dependencies::None
    } else {
        Dependencies::Requirements { lines, from }
    }
}

/// The normalized distribution name a requirement line starts with (PEP 503).
fn distribution_name(line: &str) -> String {
    line.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace(['_', '.'], "-")
}

/// The active virtualenv's site-packages, when the handler has no requirements file.
pub(super) fn venv_site_packages(handler: &Handler) -> Option<PathBuf> {
    if handler.language != Language::Python {
        return None;
    }
    let module_dir = handler.entry.parent()?;
    let declared = [module_dir, handler.project.as_path()]
        .iter()
        .any(|d| d.join("requirements.txt").is_file() || d.join("pyproject.toml").is_file());
    if declared {
        return None;
    }
    let venv = PathBuf::from(std::env::var_os("VIRTUAL_ENV")?);
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    let mut sites: Vec<PathBuf> = lib
        .flatten()
        .map(|e| e.path().join("site-packages"))
        .filter(|p| p.is_dir())
        .collect();
    sites.sort();
    sites.pop()
}

/// pip-installs `lines` into `<cache>/pydeps/<hash>/` (once per distinct list).
fn install_requirements(
    cache: &CacheDir,
    lines: &[String],
    from: &Path,
    progress: &Progress,
) -> Result<PathBuf, BuildError> {
    let mut hasher = Blake2b512::new();
    hasher.update(GUEST_PYTHON_VERSION);
    hasher.update(lines.join("\n"));
    let name = hex::encode(&hasher.finalize()[..16]);
    let dir = cache.path(EntryKind::PythonDeps, &name);
    if !dir.is_dir() {
        progress(&format!(
            "installing the dependencies in {} ({} requirement(s), pure-Python wheels for CPython {GUEST_PYTHON_VERSION})",
            from.display(),
            lines.len()
        ));
        let tmp = crate::cache::scratch_path(&dir, "");
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| BuildError::io(&tmp, e))?;
        let requirements = tmp.join("requirements.txt");
        std::fs::write(&requirements, lines.join("\n"))
            .map_err(|e| BuildError::io(&requirements, e))?;
        let mut pip = Command::new(tools::python());
        pip.current_dir(from.parent().unwrap_or(Path::new(".")))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-compile",
            ])
            .args([
                "--only-binary=:all:",
                "--platform",
                "any",
                "--implementation",
                "py",
            ])
            .args(["--python-version", GUEST_PYTHON_VERSION, "--target"])
            .arg(tmp.join("site"))
            .arg("-r")
            .arg(&requirements);
        if let Err(e) = tools::run("install the handler's Python dependencies (pure-Python wheels only: a package with native code cannot run in the sandbox)", pip) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    crate::cache::touch(&dir);
    Ok(dir.join("site"))
}

pub(super) fn build(
    cache: &CacheDir,
    handler: &Handler,
    out: &Path,
    progress: &Progress,
) -> Result<(), BuildError> {
    let module_dir = handler.entry.parent().unwrap_or(&handler.project);
    let module = handler
        .entry
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if module.is_empty()
        || module.starts_with(|c: char| c.is_ascii_digit())
        || !module
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(BuildError::Invalid(format!(
            "{}: `{module}` is not a Python module name (letters, digits and _; rename the file)",
            handler.entry.display()
        )));
    }
    let sources = embedded::extract(cache)?;
    let componentize = tools::componentize_py(cache, progress)?;
    let deps = match dependencies(handler)? {
        Dependencies::None => None,
        Dependencies::Requirements { lines, from } => {
            Some(install_requirements(cache, &lines, &from, progress)?)
        }
        Dependencies::SitePackages(site) => {
            progress(&format!(
                "bundling the active virtualenv's packages ({})",
                site.display()
            ));
            Some(site)
        }
    };
    let mut command = Command::new(componentize);
    command
        .arg("-d")
        .arg(sources.join("wit"))
        .args(["-w", "durable-function", "componentize"])
        .arg(&module)
        .arg("-p")
        .arg(module_dir)
        // The SDK before the dependencies: a virtualenv's real AWS SDK stays unused.
        .arg("-p")
        .arg(sources.join("sdk").join("python"));
    if let Some(deps) = deps {
        command.arg("-p").arg(deps);
    }
    command.arg("-o").arg(out);
    tools::run("build the Python component (componentize-py)", command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_names_are_normalized_and_the_aws_sdk_is_dropped() {
        assert_eq!(distribution_name("Foo_Bar.baz>=1.0"), "foo-bar-baz");
        let deps = requirements_of(
            vec![
                "aws_durable_execution_sdk_python==3.0.0".into(),
                "attrs>=23".into(),
            ],
            PathBuf::from("requirements.txt"),
        );
        match deps {
            Dependencies::Requirements { lines, .. } => assert_eq!(lines, ["attrs>=23"]),
            _ => panic!("expected requirements"),
        }
        assert!(matches!(
            requirements_of(
                vec!["aws-durable-execution-sdk-python".into()],
                PathBuf::new()
            ),
            Dependencies::None
        ));
    }
}
