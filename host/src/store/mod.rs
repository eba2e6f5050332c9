//! Where executions live: in memory only, or in SQLite so that executions, operations,
//! history and timers survive a restart.

mod sqlite;

use std::path::PathBuf;

pub use sqlite::SqliteStore;

use crate::service::Execution;

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
}

/// Persistence of execution documents.
pub trait ExecutionStore: Send + Sync {
    /// Writes the execution's current state durably.
    fn save(&self, execution: &Execution) -> Result<(), StoreError>;
    fn delete(&self, arn: &str) -> Result<(), StoreError>;
    /// Every stored execution, oldest first.
    fn load_all(&self) -> Result<Vec<Execution>, StoreError>;
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
