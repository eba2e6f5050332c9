//! Python guests: every folder under `guest-examples/python/` and `tests/guests/python/`
//! holds an `app.py` exporting the handler; componentize-py (pinned in
//! `sdk/python/requirements-build.txt`, installed into the project-local venv
//! `target/python-build-venv`) turns it, with `sdk/python` on its path, into
//! `target/guests/python/<name>.wasm`.
//!
//! A build takes a few seconds per guest, so it is skipped while a content hash of the
//! guest folder, `sdk/python`, `wit/` and the requirements file matches the one stored
//! next to the component in `<name>.hash`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tree_hash::{hash_tree, Fnv};
use anyhow::{bail, Context, Result};

/// Folders whose sub-folders are Python guests.
const PYTHON_GUEST_DIRS: &[&str] = &["guest-examples/python", "tests/guests/python"];
const VENV: &str = "target/python-build-venv";
const REQUIREMENTS: &str = "sdk/python/requirements-build.txt";
const OUT_DIR: &str = "target/guests/python";

/// Builds every Python guest that changed; returns the paths of all Python components.
pub fn build_python_guests(root: &Path) -> Result<Vec<PathBuf>> {
    let guests = python_guests(root)?;
    if guests.is_empty() {
        return Ok(Vec::new());
    }
    let out_dir = root.join(OUT_DIR);
    std::fs::create_dir_all(&out_dir)?;
    let mut shared = Fnv::new();
    for input in ["sdk/python", "wit"] {
        hash_tree(&mut shared, root, &root.join(input), SKIP)?;
    }
    let mut componentize: Option<PathBuf> = None;
    let mut built = Vec::new();
    for (name, dir) in guests {
        let wasm = out_dir.join(format!("{name}.wasm"));
        let stamp = out_dir.join(format!("{name}.hash"));
        let mut hash = shared.clone();
        hash_tree(&mut hash, root, &dir, SKIP)?;
        let hash = format!("{:016x}\n", hash.finish());
        let fresh = wasm.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&hash);
        if !fresh {
            let tool = match &componentize {
                Some(tool) => tool.clone(),
                None => componentize.insert(build_venv(root)?).clone(),
            };
            eprintln!("xtask: componentize-py {}", dir.display());
            let started = std::time::Instant::now();
            let mut build = Command::new(&tool);
            build
                .arg("-d")
                .arg(root.join("wit"))
                .args(["-w", "durable-function", "componentize", "app", "-p"])
                .arg(&dir)
                .arg("-p")
                .arg(root.join("sdk/python"))
                .arg("-o")
                .arg(&wasm);
            crate::run(build)?;
            std::fs::write(&stamp, hash)?;
            eprintln!("xtask: {} in {:.1?}", wasm.display(), started.elapsed());
        }
        built.push(wasm);
    }
    Ok(built)
}

/// (name, folder) of every Python guest, sorted by name; names must be unique.
fn python_guests(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut guests = Vec::new();
    for dir in PYTHON_GUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.join("app.py").is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                guests.push((name, path));
            }
        }
    }
    guests.sort();
    if let Some(pair) = guests.windows(2).find(|w| w[0].0 == w[1].0) {
        bail!(
            "two Python guests are named {:?}: {} and {}",
            pair[0].0,
            pair[0].1.display(),
            pair[1].1.display()
        );
    }
    Ok(guests)
}

/// Creates the venv and installs the pinned requirements (again only when they change);
/// returns the componentize-py executable.
fn build_venv(root: &Path) -> Result<PathBuf> {
    let venv = root.join(VENV);
    let python = venv.join("bin/python");
    if !python.exists() {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&venv);
        crate::run(create).context("cannot create the Python build venv (python3 -m venv)")?;
    }
    let requirements = root.join(REQUIREMENTS);
    let wanted = std::fs::read_to_string(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let stamp = venv.join("installed-requirements.txt");
    let tool = venv.join("bin/componentize-py");
    if !tool.exists() || std::fs::read_to_string(&stamp).ok().as_deref() != Some(&wanted) {
        let mut install = Command::new(&python);
        install
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(&requirements);
        crate::run(install).context("cannot install componentize-py from PyPI")?;
        std::fs::write(&stamp, &wanted)?;
    }
    Ok(tool)
}

/// Folders and files that are build or cache output, not sources.
const SKIP: fn(&str) -> bool = |name| name == "__pycache__" || name.ends_with(".pyc");
