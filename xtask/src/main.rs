//! Project tasks (the cargo-xtask pattern): `cargo xtask demo | test | build-guests`.

mod js;
mod pg;
mod python;
mod tree_hash;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const GUEST_TARGET: &str = "wasm32-wasip2";
/// Folders whose sub-folders are Rust guest crates, with the language they build for.
const RUST_GUEST_DIRS: &[&str] = &["guest-examples/rust", "tests/guests/rust"];

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("demo") => demo(&root),
        Some("test") => test(&root),
        Some("build-guests") => build_guests(&root).map(|_| ()),
        Some("bench") => bench(&root, args.iter().any(|a| a == "--quick")),
        Some("reliability") => reliability(&root, &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 demo          build the CLI and the Rust quickstart guest, run it\n  \
                 test          install what is needed, build every guest, run all tests\n  \
                 build-guests  build every guest to target/guests/<lang>/<name>.wasm\n  \
                 bench         durabox against AWS's Python and JS testing runners (--quick: fewer runs)\n  \
                 reliability   durabox serve under load, SIGKILL, a locked db, a full disk (--quick)"
            );
            bail!("unknown or missing task")
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(mut command: Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Makes sure the guest target's standard library is installed.
fn ensure_guest_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == GUEST_TARGET)
        })
        .unwrap_or(false);
    if installed {
        return Ok(());
    }
    eprintln!("xtask: installing the {GUEST_TARGET} target (rustup target add {GUEST_TARGET})");
    let mut add = Command::new("rustup");
    add.args(["target", "add", GUEST_TARGET]);
    run(add).with_context(|| {
        format!("could not install the {GUEST_TARGET} standard library; run `rustup target add {GUEST_TARGET}` by hand")
    })
}

/// Package names of the Rust guest crates.
fn rust_guests(root: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for dir in RUST_GUEST_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let manifest = entry.path().join("Cargo.toml");
            if let Ok(text) = std::fs::read_to_string(&manifest) {
                let name = text
                    .lines()
                    .find_map(|l| {
                        l.trim()
                            .strip_prefix("name = ")
                            .map(|n| n.trim_matches('"').to_owned())
                    })
                    .with_context(|| format!("no package name in {}", manifest.display()))?;
                names.push(name);
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Builds every guest; returns the paths of the components.
fn build_guests(root: &Path) -> Result<Vec<PathBuf>> {
    ensure_guest_target()?;
    let guests = rust_guests(root)?;
    let mut build = cargo();
    build.args(["build", "--profile", "guest", "--target", GUEST_TARGET]);
    for guest in &guests {
        build.args(["-p", guest]);
    }
    run(build)?;
    let out_dir = root.join("target/guests/rust");
    std::fs::create_dir_all(&out_dir)?;
    let mut built = Vec::new();
    for guest in &guests {
        let file = format!("{}.wasm", guest.replace('-', "_"));
        let from = root
            .join("target")
            .join(GUEST_TARGET)
            .join("guest")
            .join(&file);
        let to = out_dir.join(format!("{guest}.wasm"));
        copy_if_changed(&from, &to)?;
        built.push(to);
    }
    eprintln!("xtask: guests in {}", out_dir.display());
    built.extend(python::build_python_guests(root)?);
    built.extend(js::build_js_guests(root)?);
    Ok(built)
}

fn copy_if_changed(from: &Path, to: &Path) -> Result<()> {
    let bytes = std::fs::read(from)
        .with_context(|| format!("guest build produced no {}", from.display()))?;
    if std::fs::read(to).ok().as_deref() != Some(bytes.as_slice()) {
        std::fs::write(to, bytes)?;
    }
    Ok(())
}

fn demo(root: &Path) -> Result<()> {
    build_guests(root)?;
    let mut demo = cargo();
    demo.args(["run", "--quiet", "-p", "durabox", "--", "run"])
        .arg(root.join("target/guests/rust/quickstart.wasm"))
        .args(["--input", "\"input str\""])
        .env("DURABOX_CACHE_DIR", root.join("target/durabox-cache"));
    run(demo)
}

fn test(root: &Path) -> Result<()> {
    build_guests(root)?;
    lint()?;
    // The postgres:// store's tests need a database: a private cluster, stopped when
    // `cluster` is dropped, whatever the tests' outcome.
    let cluster = pg::Cluster::start(root)?;
    let mut tests = cargo();
    // Guests and the guest SDK only build for the guest target: test the host crates.
    tests
        .args(["test", "-p", "durabox"])
        .env("DURABOX_CACHE_DIR", root.join("target/durabox-cache"))
        .env(pg::URL_VARIABLE, &cluster.url);
    let tested = run(tests);
    drop(cluster);
    tested?;
    // boto3 against `durabox serve`, the new-user check, then AWS's conformance suite in every
    // language (reports in target/conformance/).
    let mut python = Command::new("bash");
    python
        .arg(root.join("tests/run_python_suites.sh"))
        .env("DURABOX_CACHE_DIR", root.join("target/durabox-cache"));
    run(python)
}

/// Formatting and clippy, warnings as errors, on every crate of the workspace.
fn lint() -> Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run(fmt).context("code is not formatted: run `cargo fmt --all`")?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "-p",
        "durabox",
        "-p",
        "xtask",
        "-p",
        "durabox-python",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy)?;
    // What an embedder builds with `default-features = false`: no CLI, server or PostgreSQL.
    let mut embedded = cargo();
    embedded.args([
        "clippy",
        "-p",
        "durabox",
        "--lib",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ]);
    run(embedded)?;
    let mut guests = cargo();
    guests.args([
        "clippy",
        "--target",
        GUEST_TARGET,
        "--profile",
        "guest",
        "-p",
        "durabox-sdk",
    ]);
    for guest in rust_guests(&project_root())? {
        guests.args(["-p", &guest]);
    }
    guests.args(["--", "-D", "warnings"]);
    run(guests)
}

/// `cargo xtask bench [--quick]`: the same workloads in AWS's official Python testing
/// runner (tests/bench/official.py --serve, in the venv target/bench-venv), in AWS's
/// official JS testing runner (tests/bench/js/official.mjs --serve, its packages in
/// target/bench-js), in durabox and on the do-nothing host (host/examples/bench), samples
/// interleaved; prints a table and writes target/bench/results.json.
fn bench(root: &Path, quick: bool) -> Result<()> {
    let started = std::time::Instant::now();
    build_guests(root)?;
    let python = bench_venv(root)?;
    let js = bench_js(root);
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir)?;

    eprintln!(
        "xtask: durabox, the do-nothing host and the official runners (host/examples/bench, dev profile)"
    );
    let mut durabox = cargo();
    durabox.args([
        "run",
        "--quiet",
        "-p",
        "durabox",
        "--example",
        "bench",
        "--",
    ]);
    if quick {
        durabox.arg("--quick");
    }
    durabox.arg("--python").arg(&python);
    if let Some((node, dir)) = &js {
        durabox.arg("--node").arg(node).arg("--js-runner").arg(dir);
    }
    durabox.arg("--out").arg(out_dir.join("results.json"));
    run(durabox)?;
    eprintln!("xtask: bench done in {:.0?}", started.elapsed());
    Ok(())
}

/// Creates target/bench-venv and installs tests/bench/requirements.txt into it (again
/// only when the requirements change); returns the venv's python.
fn bench_venv(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/bench-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&venv);
        run(create).context("cannot create the venv (python3 -m venv)")?;
    }
    let requirements = root.join("tests/bench/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)?;
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    let pip = |extra: &[&str]| {
        let mut install = Command::new(&python);
        install
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(&requirements)
            .args(extra);
        run(install)
    };
    if pip(&[]).is_err() {
        eprintln!("xtask: retrying the install with --ignore-requires-python");
        pip(&["--ignore-requires-python"])?;
    }
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}

/// The official JS runner's packages: `npm ci` from tests/bench/js (package.json and the
/// committed package-lock.json) into target/bench-js, again only when the lock file
/// changes (a copy of it is the stamp). Returns node and that folder, or None, saying why,
/// when node or npm is missing or the install fails: the bench then runs without the JS
/// runner.
fn bench_js(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let without = |why: String| {
        eprintln!("xtask: {why}; the bench runs without AWS's JS testing runner");
        None
    };
    let Some(node) = find_program("node") else {
        return without(
            "node is not on PATH (the official JS runner needs node >= 20 and npm)".into(),
        );
    };
    match Command::new(&node).arg("--version").output() {
        Ok(out) if out.status.success() => eprintln!(
            "xtask: node {} for the official JS runner",
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        _ => return without(format!("{} --version failed", node.display())),
    }
    let Some(npm) = find_program("npm") else {
        return without("npm is not on PATH (it installs the official JS runner)".into());
    };
    let source = root.join("tests/bench/js");
    let dir = root.join("target/bench-js");
    let installed = (|| -> Result<()> {
        let lock = std::fs::read_to_string(source.join("package-lock.json"))?;
        let stamp = dir.join("installed-package-lock.json");
        if std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str())
            && dir.join("node_modules").is_dir()
        {
            return Ok(());
        }
        std::fs::create_dir_all(&dir)?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(source.join(file), dir.join(file))?;
        }
        eprintln!("xtask: npm ci (tests/bench/js) into {}", dir.display());
        let mut ci = Command::new(&npm);
        ci.current_dir(&dir)
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--cache",
            ])
            .arg(root.join("target/npm-cache"));
        run(ci)?;
        std::fs::write(&stamp, lock)?;
        Ok(())
    })();
    match installed {
        Ok(()) => Some((node, dir)),
        Err(e) => without(format!("installing the official JS runner failed: {e:#}")),
    }
}

/// `name`'s path on PATH, if it is there.
fn find_program(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// `cargo xtask reliability [--quick] [--only PREFIX]`: host/examples/reliability
/// against the CLI binary; figures to target/reliability/results.json.
fn reliability(root: &Path, args: &[String]) -> Result<()> {
    build_guests(root)?;
    let mut build = cargo();
    build.args(["build", "--quiet", "-p", "durabox", "--bin", "durabox"]);
    run(build)?;
    let mut trials = cargo();
    trials.args([
        "run",
        "--quiet",
        "-p",
        "durabox",
        "--example",
        "reliability",
        "--",
    ]);
    let cluster = pg::Cluster::start(root)?;
    trials
        .arg("--durabox")
        .arg(root.join("target/debug/durabox"))
        .args(args)
        .env(pg::URL_VARIABLE, &cluster.url);
    let ran = run(trials);
    drop(cluster);
    ran
}
