//! SQLite store: one row per execution holding its JSON document, plus the columns
//! listing queries filter on. WAL with synchronous=FULL: a save that returned is on disk.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection};

use super::{ExecutionStore, StoreError};
use crate::service::Execution;

pub struct SqliteStore {
    path: PathBuf,
    connection: Mutex<Connection>,
    /// Held open for the store's life: its exclusive lock makes this the file's only writer.
    _writer_lock: std::fs::File,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let wrap = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let writer_lock = take_writer_lock(path)?;
        let connection = Connection::open(path).map_err(wrap)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 CREATE TABLE IF NOT EXISTS executions (
                     arn TEXT PRIMARY KEY,
                     function_name TEXT NOT NULL,
                     execution_name TEXT NOT NULL,
                     status TEXT NOT NULL,
                     start_ms INTEGER NOT NULL,
                     end_ms INTEGER,
                     document TEXT NOT NULL
                 );
                 CREATE INDEX IF NOT EXISTS executions_by_function
                     ON executions (function_name, start_ms);",
            )
            .map_err(wrap)?;
        Ok(Self {
            path: path.to_owned(),
            connection: Mutex::new(connection),
            _writer_lock: writer_lock,
        })
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

/// Locks `<db>.lock` for this process (released when it exits, even by SIGKILL): two
/// servers on one file would resume each other's executions and overwrite each other.
fn take_writer_lock(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut lock = path.as_os_str().to_owned();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    let failed = |source| StoreError::Lock {
        path: path.to_owned(),
        lock: lock.clone(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse {
            path: path.to_owned(),
            lock,
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(failed(source)),
    }
}

impl ExecutionStore for SqliteStore {
    fn save(&self, execution: &Execution) -> Result<(), StoreError> {
        let document = serde_json::to_string(execution).map_err(|source| StoreError::Corrupt {
            arn: execution.arn.clone(),
            source,
        })?;
        let connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        connection
            .execute(
                "INSERT INTO executions (arn, function_name, execution_name, status, start_ms, end_ms, document)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(arn) DO UPDATE SET status = ?4, end_ms = ?6, document = ?7",
                params![
                    execution.arn,
                    execution.spec.function_name,
                    execution.spec.execution_name,
                    execution.status.as_str(),
                    execution.start,
                    execution.end,
                    document
                ],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    fn delete(&self, arn: &str) -> Result<(), StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        connection
            .execute("DELETE FROM executions WHERE arn = ?1", params![arn])
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    fn load_all(&self) -> Result<Vec<Execution>, StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        let mut statement = connection
            .prepare("SELECT arn, document FROM executions ORDER BY start_ms")
            .map_err(|e| self.error(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(|e| self.error(e))?;
        let mut executions = Vec::new();
        for row in rows {
            let (arn, document) = row.map_err(|e| self.error(e))?;
            let execution: Execution = serde_json::from_str(&document)
                .map_err(|source| StoreError::Corrupt { arn, source })?;
            executions.push(execution.restore());
        }
        Ok(executions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_closes() {
        let dir = std::env::temp_dir().join(format!("durabox-lock-{}", std::process::id()));
        let path = dir.join("executions.db");
        let first = SqliteStore::open(&path).unwrap();
        let refused = SqliteStore::open(&path).err().expect("the file is in use");
        assert!(matches!(refused, StoreError::InUse { .. }), "{refused}");
        assert!(refused
            .to_string()
            .contains("in use by another durabox process"));
        drop(first);
        SqliteStore::open(&path).expect("free again");
        std::fs::remove_dir_all(&dir).ok();
    }
}
