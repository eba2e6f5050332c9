//! The private PostgreSQL cluster the tests of the `postgres://` store run against
//! (tests/pg/cluster.sh), for the duration of `cargo test`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// The variable the store's tests read the database URL from.
pub const URL_VARIABLE: &str = "DURABOX_TEST_POSTGRES";

/// A running cluster; stopped when dropped (also when the tests failed).
pub struct Cluster {
    script: PathBuf,
    dir: PathBuf,
    pub url: String,
}

impl Cluster {
    /// Starts the cluster in target/pg (installing PostgreSQL when missing), or reuses
    /// the one running there.
    pub fn start(root: &Path) -> Result<Self> {
        let script = root.join("tests/pg/cluster.sh");
        let dir = root.join("target/pg");
        eprintln!("xtask: starting PostgreSQL for the store tests (tests/pg/cluster.sh)");
        let output = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(&dir)
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run tests/pg/cluster.sh")?;
        if !output.status.success() {
            bail!("tests/pg/cluster.sh start failed with {}", output.status);
        }
        let url = String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if !url.starts_with("postgres://") {
            bail!("tests/pg/cluster.sh start printed no database URL");
        }
        eprintln!("xtask: {URL_VARIABLE}={url}");
        Ok(Self { script, dir, url })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let stopped = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .status();
        if !stopped.is_ok_and(|s| s.success()) {
            eprintln!("xtask: could not stop PostgreSQL (bash tests/pg/cluster.sh stop target/pg)");
        }
    }
}
