//! AWS's official testing runners as child processes, asked for one sample at a time so
//! their samples interleave with durabox's:
//!
//! * the Python runner: `tests/bench/official.py --serve` in the bench venv;
//! * the JS runner: `tests/bench/js/official.mjs --serve`, run with node from the folder
//!   its packages are installed in (`npm ci` into target/bench-js by `cargo xtask bench`).
//!
//! Both speak the same line protocol: a first line `{"ready": true, ...}` (versions), then
//! for every workload name written on stdin one JSON line, `{"wall_ms": ..., "cpu_ms": ...}`
//! for one execution or `{"error": "..."}` when the runner could not run it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{bail, Context};
use serde_json::Value;

/// One execution in an official runner: wall time, and the CPU time of its whole process
/// (every thread) during it; the rest of the wall time it was idle.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall_ms: f64,
    pub cpu_ms: f64,
}

pub struct Official {
    /// What it is, for messages: `official` (Python) or `official-js`.
    pub label: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// The ready line (`python`, or `node`, `sdk`, `testing` versions).
    pub ready: Value,
    /// Why the process cannot be asked anything more (it ended, or said nonsense).
    dead: Option<String>,
}

impl Official {
    /// `python script --serve` (tests/bench/official.py).
    pub fn python(python: &Path, script: &Path) -> anyhow::Result<Self> {
        let mut command = Command::new(python);
        command.arg(script).arg("--serve");
        Self::start("official", command)
    }

    /// `node DIR/official.mjs --serve`: `script` (tests/bench/js/official.mjs) is copied
    /// into `dir`, the folder with the runner's node_modules, so its imports resolve there.
    pub fn node(node: &Path, dir: &Path, script: &Path) -> anyhow::Result<Self> {
        let dir = &std::fs::canonicalize(dir)
            .with_context(|| format!("no JS runner folder {}", dir.display()))?;
        if !dir
            .join("node_modules/@aws/durable-execution-sdk-js-testing")
            .is_dir()
        {
            bail!(
                "{} has no node_modules/@aws/durable-execution-sdk-js-testing (cargo xtask bench installs it)",
                dir.display()
            );
        }
        let text =
            std::fs::read(script).with_context(|| format!("cannot read {}", script.display()))?;
        let copy = dir.join("official.mjs");
        if std::fs::read(&copy).ok().as_deref() != Some(text.as_slice()) {
            std::fs::write(&copy, text)?;
        }
        let mut command = Command::new(node);
        command.arg(&copy).arg("--serve").current_dir(dir);
        Self::start("official-js", command)
    }

    /// Starts the runner and waits for its ready line.
    fn start(label: &'static str, mut command: Command) -> anyhow::Result<Self> {
        let shown = format!("{command:?}");
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {shown}"))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().context("no stdout")?);
        let mut official = Self {
            label,
            child,
            stdin,
            stdout,
            ready: Value::Null,
            dead: None,
        };
        let ready = official.read_line()?;
        if ready["ready"] != Value::Bool(true) {
            bail!("{shown} did not start: {ready}");
        }
        official.ready = ready;
        Ok(official)
    }

    fn read_line(&mut self) -> anyhow::Result<Value> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("{} ended early (see its output above)", self.label);
        }
        serde_json::from_str(&line).with_context(|| format!("{} said {line:?}", self.label))
    }

    fn ask(&mut self, workload: &str) -> anyhow::Result<Value> {
        let label = self.label;
        let stdin = self.stdin.as_mut().context("stdin closed")?;
        writeln!(stdin, "{workload}")
            .and_then(|()| stdin.flush())
            .with_context(|| format!("cannot write to {label}"))?;
        self.read_line()
    }

    /// One execution of `workload` (a name of the scripts' WORKLOADS), or why the runner
    /// could not run it: its own error, or its process ended (then every later call says
    /// so too).
    pub fn sample(&mut self, workload: &str) -> Result<Sample, String> {
        if let Some(dead) = &self.dead {
            return Err(dead.clone());
        }
        let answer = match self.ask(workload) {
            Ok(answer) => answer,
            Err(e) => {
                let dead = format!("{e:#}");
                self.dead = Some(dead.clone());
                return Err(dead);
            }
        };
        match (answer["wall_ms"].as_f64(), answer["cpu_ms"].as_f64()) {
            (Some(wall_ms), Some(cpu_ms)) => Ok(Sample { wall_ms, cpu_ms }),
            _ => Err(match answer["error"].as_str() {
                Some(error) => error.to_owned(),
                None => answer.to_string(),
            }),
        }
    }
}

impl Drop for Official {
    fn drop(&mut self) {
        // End of input ends the script (its runners close on the way out).
        self.stdin.take();
        let _ = self.child.wait();
    }
}
