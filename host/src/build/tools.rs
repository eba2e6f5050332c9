//! The external tools a build runs, and their provisioning into the cache on first use:
//! componentize-py in a virtualenv, componentize-js and esbuild through `npm ci` beside
//! the extracted JS SDK. Provisioning holds a file lock, so concurrent builds install once.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{embedded, BuildError, Progress};
use crate::cache::{CacheDir, EntryKind};

/// Runs `command` with stdout sent to stderr (our stdout stays clean); its own progress
/// output shows. A non-zero exit is `BuildError::Tool` naming `what`.
pub(super) fn run(what: &str, mut command: Command) -> Result<(), BuildError> {
    let shown = describe(&command);
    command.stdout(std::io::stderr());
    let status = command
        .status()
        .map_err(|e| missing_or_io(&command, e, &shown))?;
    if status.success() {
        Ok(())
    } else {
        Err(BuildError::Tool {
            what: what.to_owned(),
            command: shown,
            status: status.to_string(),
        })
    }
}

/// Runs `command` for its stdout (stderr shown), failing like [`run`].
pub(super) fn output(what: &str, mut command: Command) -> Result<String, BuildError> {
    let shown = describe(&command);
    command.stderr(Stdio::inherit());
    let out = command
        .output()
        .map_err(|e| missing_or_io(&command, e, &shown))?;
    if !out.status.success() {
        return Err(BuildError::Tool {
            what: what.to_owned(),
            command: shown,
            status: out.status.to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    let mut shown = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

fn missing_or_io(command: &Command, error: std::io::Error, shown: &str) -> BuildError {
    if error.kind() == std::io::ErrorKind::NotFound {
        BuildError::ToolMissing {
            tool: command.get_program().to_string_lossy().into_owned(),
            hint: hint_for(&command.get_program().to_string_lossy()),
        }
    } else {
        BuildError::Tool {
            what: "start".into(),
            command: shown.to_owned(),
            status: error.to_string(),
        }
    }
}

fn hint_for(program: &str) -> String {
    match program {
        p if p.contains("python") => {
            "install Python 3.11+ or point DURABOX_PYTHON at an interpreter".into()
        }
        "node" | "npm" => "install Node.js 20+ (with npm) and put it on PATH".into(),
        "cargo" | "rustup" => "install Rust with rustup (https://rustup.rs)".into(),
        _ => "put it on PATH".into(),
    }
}

/// The Python interpreter that creates virtualenvs: `$DURABOX_PYTHON`, else `python3`.
pub(super) fn python() -> PathBuf {
    std::env::var_os("DURABOX_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// An exclusive lock on `<cache>/<name>.lock`, released when dropped.
pub(super) fn lock(cache: &CacheDir, name: &str) -> Result<std::fs::File, BuildError> {
    std::fs::create_dir_all(cache.root()).map_err(|e| BuildError::io(cache.root(), e))?;
    let path = cache.root().join(format!("{name}.lock"));
    let file = std::fs::File::create(&path).map_err(|e| BuildError::io(&path, e))?;
    file.lock().map_err(|e| BuildError::io(&path, e))?;
    Ok(file)
}

/// componentize-py at the version `sdk/python/requirements-build.txt` pins, in a
/// virtualenv `<cache>/toolchains/componentize-py-<version>/`; returns the executable.
pub(super) fn componentize_py(
    cache: &CacheDir,
    progress: &Progress,
) -> Result<PathBuf, BuildError> {
    let pin = std::str::from_utf8(
        embedded::file("sdk/python/requirements-build.txt").unwrap_or_default(),
    )
    .unwrap_or_default()
    .lines()
    .map(str::trim)
    .find(|l| l.starts_with("componentize-py"))
    .unwrap_or("componentize-py")
    .to_owned();
    let name = pin.replace("==", "-");
    let dir = cache.path(EntryKind::Toolchain, &name);
    let tool = dir.join("bin").join("componentize-py");
    let ready = dir.join(embedded::READY_MARK);
    if !ready.exists() {
        let _lock = lock(cache, &name)?;
        if !ready.exists() {
            progress(&format!(
                "installing {pin} into {} (first use; from PyPI)",
                dir.display()
            ));
            // A virtualenv is not relocatable: it is built in place, marked ready last.
            let _ = std::fs::remove_dir_all(&dir);
            let mut venv = Command::new(python());
            venv.args(["-m", "venv"]).arg(&dir);
            run("create a Python virtualenv", venv)?;
            let mut pip = Command::new(dir.join("bin").join("python"));
            pip.args(["-m", "pip", "install", "--disable-pip-version-check", &pin]);
            run("install componentize-py from PyPI", pip)?;
            std::fs::write(&ready, pin.as_bytes()).map_err(|e| BuildError::io(&ready, e))?;
        }
    }
    crate::cache::touch(&dir);
    Ok(tool)
}

/// The extracted sources with `npm ci` run in `sdk/js` (componentize-js, esbuild);
/// returns the sources folder.
pub(super) fn js_toolchain(cache: &CacheDir, progress: &Progress) -> Result<PathBuf, BuildError> {
    let sources = embedded::extract(cache)?;
    let sdk = sources.join("sdk").join("js");
    let ready = sdk.join("node_modules").join(embedded::READY_MARK);
    if !ready.exists() {
        let _lock = lock(cache, &format!("npm-{}", embedded::sources_hash()))?;
        if !ready.exists() {
            progress(&format!(
                "installing componentize-js and esbuild into {} (first use; npm ci)",
                sdk.display()
            ));
            let mut npm = Command::new("npm");
            npm.current_dir(&sdk)
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
            run("install the JS build tools from npm", npm)?;
            std::fs::write(&ready, b"").map_err(|e| BuildError::io(&ready, e))?;
        }
    }
    Ok(sources)
}

/// Node.js's major version, or an error saying how to get it.
pub(super) fn require_node(min_major: u32) -> Result<(), BuildError> {
    let version = output("read Node.js's version", {
        let mut node = Command::new("node");
        node.arg("--version");
        node
    })?;
    let major = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if major < min_major {
        return Err(BuildError::ToolMissing {
            tool: format!("node >= {min_major} (found {})", version.trim()),
            hint: hint_for("node"),
        });
    }
    Ok(())
}
