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
        })
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
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
