//! The official runner as a child process: `tests/bench/official.py --serve` in the bench
//! venv, asked for one sample at a time so its samples interleave with durabox's.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{bail, Context};
use serde_json::Value;

/// One execution in the official runner: wall time, and the CPU time of its whole
/// process (every thread) during it; the rest of the wall time it was idle.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall_ms: f64,
    pub cpu_ms: f64,
}

pub struct Official {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// CPython's version, as the script reports it.
    pub python: String,
}

impl Official {
    /// Starts `python script --serve` and waits for it to be ready.
    pub fn start(python: &Path, script: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(python)
            .arg(script)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {} {}", python.display(), script.display()))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().context("no stdout")?);
        let mut official = Self {
            child,
            stdin,
            stdout,
            python: String::new(),
        };
        let ready = official.read_line()?;
        if ready["ready"] != Value::Bool(true) {
            bail!("official.py did not start: {ready}");
        }
        official.python = ready["python"].as_str().unwrap_or("?").to_owned();
        Ok(official)
    }

    fn read_line(&mut self) -> anyhow::Result<Value> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("official.py ended early (see its output above)");
        }
        serde_json::from_str(&line).with_context(|| format!("official.py said {line:?}"))
    }

    /// One execution of `workload` (a name of official.py's WORKLOADS).
    pub fn sample(&mut self, workload: &str) -> anyhow::Result<Sample> {
        let stdin = self.stdin.as_mut().context("official.py closed")?;
        writeln!(stdin, "{workload}")?;
        stdin.flush()?;
        let answer = self.read_line()?;
        match (answer["wall_ms"].as_f64(), answer["cpu_ms"].as_f64()) {
            (Some(wall_ms), Some(cpu_ms)) => Ok(Sample { wall_ms, cpu_ms }),
            _ => bail!("official.py {workload}: {answer}"),
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
