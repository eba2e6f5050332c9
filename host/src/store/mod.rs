//! Where executions live: in memory only, or in SQLite so that executions, operations,
//! history and timers survive a restart.
//!
//! The store sees no service types: the service hands it an [`ExecutionDelta`] (what
//! changed since the last commit, already serialized) and gets [`StoredExecution`]s back.
//! A commit returns only once the delta is durable.

mod sqlite;

use std::path::PathBuf;

pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite store {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("stored execution {arn} is unreadable: {source}")]
    Corrupt {
        arn: String,
        source: serde_json::Error,
    },
    #[error("sqlite store {path} is in use by another durabox process (one writer per file; {lock} is locked)")]
    InUse { path: PathBuf, lock: PathBuf },
    #[error("sqlite store {path}: cannot take the writer lock {lock}: {source}")]
    Lock {
        path: PathBuf,
        lock: PathBuf,
        source: std::io::Error,
    },
    #[error("sqlite store {path}: write failed, nothing of it was stored: {message}")]
    Write { path: PathBuf, message: String },
    #[error("sqlite store {path} was written by an older durabox (one JSON document per execution in table `executions`); it is left untouched: start with a new file, or finish those executions with the older version")]
    Legacy { path: PathBuf },
    #[error("sqlite store {path}: the writer thread is gone")]
    WriterGone { path: PathBuf },
}

/// Identity of an execution, written once with its first delta.
#[derive(Clone, Debug)]
pub struct NewExecution {
    pub function_name: String,
    pub execution_name: String,
    pub start_ms: i64,
    /// The execution's spec (input, settings), JSON.
    pub spec: String,
}

/// What changed in one execution since its last commit.
#[derive(Clone, Debug, Default)]
pub struct ExecutionDelta {
    pub arn: String,
    /// Set on the execution's first commit.
    pub new: Option<NewExecution>,
    pub status: String,
    pub end_ms: Option<i64>,
    /// The small mutable part of the execution (status, clock, scheduling), JSON; None
    /// when it did not change.
    pub record: Option<String>,
    /// New or changed operations: (position in start order, JSON).
    pub operations: Vec<(u32, String)>,
    /// New history events: (1-based event id, JSON). Events are never rewritten.
    pub events: Vec<(u64, String)>,
    /// New captured-output records of finished invocations: (index, JSON).
    pub invocations: Vec<(u32, String)>,
}

impl ExecutionDelta {
    /// True when committing it would write nothing.
    pub fn is_empty(&self) -> bool {
        self.new.is_none()
            && self.record.is_none()
            && self.operations.is_empty()
            && self.events.is_empty()
            && self.invocations.is_empty()
    }
}

/// One execution as stored: the parts of its deltas, put back together in order.
#[derive(Clone, Debug, Default)]
pub struct StoredExecution {
    pub arn: String,
    pub spec: String,
    pub record: String,
    pub operations: Vec<String>,
    pub events: Vec<String>,
    pub invocations: Vec<String>,
}

/// Persistence of executions as deltas.
pub trait ExecutionStore: Send + Sync {
    /// Writes `delta` durably; returns once it is on disk. On error nothing of it is.
    fn commit(&self, delta: ExecutionDelta) -> Result<(), StoreError>;
    fn delete(&self, arn: &str) -> Result<(), StoreError>;
    /// The stored state of one execution, if it is stored.
    fn load(&self, arn: &str) -> Result<Option<StoredExecution>, StoreError>;
    /// Every stored execution, oldest first.
    fn load_all(&self) -> Result<Vec<StoredExecution>, StoreError>;
}

/// The `--store` choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreSpec {
    Memory,
    Sqlite(PathBuf),
}

impl StoreSpec {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.split_once(':') {
            _ if text == "memory" => Ok(Self::Memory),
            Some(("sqlite", path)) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
            _ => Err(format!(
                "--store must be `memory` or `sqlite:PATH`, got '{text}'"
            )),
        }
    }

    pub fn open(&self) -> Result<Option<std::sync::Arc<dyn ExecutionStore>>, StoreError> {
        Ok(match self {
            Self::Memory => None,
            Self::Sqlite(path) => Some(std::sync::Arc::new(SqliteStore::open(path)?)),
        })
    }
}
