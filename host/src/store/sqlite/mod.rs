//! SQLite store: a row per execution (identity, spec, small mutable record) and an
//! append-only log of its deltas (changed operations, new events, new output), so a
//! commit writes two rows whatever the execution's size; loading replays the log.
//! WAL with synchronous=FULL, group-committed by one writer thread (`writer`): a commit
//! that returned is on disk.

mod writer;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::{ExecutionDelta, ExecutionStore, Receipt, StoreError, StoredExecution};
use writer::{Change, Job};

/// Every table keyed by execution ARN.
const TABLES: [&str; 2] = ["execution_records", "execution_deltas"];

const SCHEMA: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    CREATE TABLE IF NOT EXISTS execution_records (
        arn TEXT PRIMARY KEY,
        function_name TEXT NOT NULL,
        execution_name TEXT NOT NULL,
        status TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER,
        spec TEXT NOT NULL,
        record TEXT NOT NULL,
        event_count INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS execution_records_by_function
        ON execution_records (function_name, start_ms);
    -- One row per commit. Each column holds one JSON document per line (compact JSON
    -- has no raw newline); operations lines are `<position> <document>`.
    CREATE TABLE IF NOT EXISTS execution_deltas (
        id INTEGER PRIMARY KEY,
        arn TEXT NOT NULL,
        first_event INTEGER NOT NULL,
        operations TEXT NOT NULL,
        events TEXT NOT NULL,
        invocations TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS execution_deltas_by_arn ON execution_deltas (arn, id);";

/// How long a write waits for a lock another process holds before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

pub struct SqliteStore {
    path: PathBuf,
    jobs: Mutex<mpsc::Sender<Job>>,
    reader: Mutex<Connection>,
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
        connection.execute_batch(SCHEMA).map_err(wrap)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(wrap)?;
        refuse_legacy_rows(&connection, path)?;
        let reader = Connection::open(path).map_err(wrap)?;
        reader.busy_timeout(BUSY_TIMEOUT).map_err(wrap)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("durabox-store-writer".into())
            .spawn(move || writer::run(connection, queue))
            .map_err(|source| StoreError::Lock {
                path: path.to_owned(),
                lock: path.to_owned(),
                source,
            })?;
        Ok(Self {
            path: path.to_owned(),
            jobs: Mutex::new(jobs),
            reader: Mutex::new(reader),
            _writer_lock: writer_lock,
        })
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Queues a change for the writer and waits until it is durable (or failed).
    fn write(&self, change: Change) -> Result<(), StoreError> {
        self.queue(change).wait()
    }

    /// Queues a change for the writer; the receipt tells when it is durable.
    fn queue(&self, change: Change) -> Receipt {
        let (done, outcome) = mpsc::sync_channel(1);
        let path = self.path.clone();
        let gone = |path: PathBuf| StoreError::WriterGone { path };
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(Job { change, done });
        if sent.is_err() {
            return Receipt::ready(Err(gone(path)));
        }
        Receipt::new(move || match outcome.recv() {
            Ok(written) => written.map_err(|message| StoreError::Write { path, message }),
            Err(_) => Err(gone(path)),
        })
    }

    /// Replays the execution's delta log onto its record.
    fn load_parts(
        &self,
        reader: &Connection,
        (arn, spec, record): (String, String, String),
    ) -> Result<StoredExecution, StoreError> {
        let mut stored = StoredExecution {
            arn,
            spec,
            record,
            ..StoredExecution::default()
        };
        let mut statement = reader
            .prepare_cached(
                "SELECT operations, events, invocations FROM execution_deltas
                 WHERE arn = ?1 ORDER BY id",
            )
            .map_err(|e| self.error(e))?;
        let mut rows = statement
            .query(params![stored.arn])
            .map_err(|e| self.error(e))?;
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let column = |i| row.get_ref(i).and_then(|v| Ok(v.as_str()?.to_owned()));
            let (operations, events, invocations) = (column(0), column(1), column(2));
            let corrupt = |e: rusqlite::Error| self.error(e);
            for line in lines(&operations.map_err(corrupt)?) {
                let (position, document) = line.split_once(' ').unwrap_or((line, ""));
                let Ok(position) = position.parse::<usize>() else {
                    return Err(self.error(rusqlite::Error::InvalidColumnType(
                        0,
                        "operations".into(),
                        rusqlite::types::Type::Text,
                    )));
                };
                if position >= stored.operations.len() {
                    stored.operations.resize(position + 1, String::new());
                }
                stored.operations[position] = document.to_owned();
            }
            stored
                .events
                .extend(lines(&events.map_err(corrupt)?).map(str::to_owned));
            stored
                .invocations
                .extend(lines(&invocations.map_err(corrupt)?).map(str::to_owned));
        }
        Ok(stored)
    }
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').filter(|line| !line.is_empty())
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

/// Files written before the store kept deltas hold one JSON document per execution in
/// `executions`; they are left untouched and refused with a message, not misread.
fn refuse_legacy_rows(connection: &Connection, path: &Path) -> Result<(), StoreError> {
    let has_table: i64 = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'executions'",
            [],
            |row| row.get(0),
        )
        .map_err(|source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        })?;
    let legacy = match has_table {
        0 => None,
        _ => connection
            .query_row("SELECT count(*) FROM executions", [], |row| {
                row.get::<_, i64>(0)
            })
            .optional()
            .map_err(|source| StoreError::Sqlite {
                path: path.to_owned(),
                source,
            })?,
    };
    if legacy.unwrap_or(0) > 0 {
        return Err(StoreError::Legacy {
            path: path.to_owned(),
        });
    }
    Ok(())
}

impl ExecutionStore for SqliteStore {
    fn commit(&self, delta: ExecutionDelta) -> Result<(), StoreError> {
        if delta.is_empty() {
            return Ok(());
        }
        self.write(Change::Commit(Box::new(delta)))
    }

    fn submit(&self, delta: ExecutionDelta) -> Receipt {
        if delta.is_empty() {
            return Receipt::ready(Ok(()));
        }
        self.queue(Change::Commit(Box::new(delta)))
    }

    fn delete(&self, arn: &str) -> Result<(), StoreError> {
        self.write(Change::Delete(arn.to_owned()))
    }

    fn load(&self, arn: &str) -> Result<Option<StoredExecution>, StoreError> {
        let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let snapshot = reader.unchecked_transaction().map_err(|e| self.error(e))?;
        let head = snapshot
            .query_row(
                "SELECT arn, spec, record FROM execution_records WHERE arn = ?1",
                params![arn],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(|e| self.error(e))?;
        head.map(|head| self.load_parts(&snapshot, head))
            .transpose()
    }

    fn load_all(&self) -> Result<Vec<StoredExecution>, StoreError> {
        let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let snapshot = reader.unchecked_transaction().map_err(|e| self.error(e))?;
        let heads: Vec<(String, String, String)> = {
            let mut statement = snapshot
                .prepare("SELECT arn, spec, record FROM execution_records ORDER BY start_ms")
                .map_err(|e| self.error(e))?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .map_err(|e| self.error(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.error(e))?
        };
        heads
            .into_iter()
            .map(|head| self.load_parts(&snapshot, head))
            .collect()
    }
}

#[cfg(test)]
mod tests;
