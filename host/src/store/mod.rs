//! Where executions live: in memory only, in SQLite so that executions, operations,
//! history and timers survive a restart, or in PostgreSQL so that several servers share
//! them (each execution leased to one server at a time).
//!
//! The store sees no service types: the service hands it an [`ExecutionDelta`] (what
//! changed since the last commit, already serialized) and gets [`StoredExecution`]s back.
//! A commit returns only once the delta is durable.

#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
#[cfg(test)]
mod test_deltas;

use std::path::PathBuf;
use std::time::Duration;

#[cfg(feature = "postgres")]
use postgres::PostgresStore;
#[cfg(feature = "postgres")]
pub use postgres::{test_database, TestDatabase, DEFAULT_LEASE};
use sqlite::SqliteStore;

/// Why a store operation failed. `url` fields carry the PostgreSQL URL without its
/// password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("sqlite store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// A stored document of the execution does not parse.
    #[error("stored execution {arn} is unreadable: {source}")]
    Corrupt {
        /// The execution.
        arn: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Another process holds the SQLite file's writer lock.
    #[error("sqlite store {path} is in use by another durabox process (one writer per file; {lock} is locked)")]
    InUse {
        /// The database file.
        path: PathBuf,
        /// The lock file beside it.
        lock: PathBuf,
    },
    /// The writer lock file could not be created or locked.
    #[error("sqlite store {path}: cannot take the writer lock {lock}: {source}")]
    Lock {
        /// The database file.
        path: PathBuf,
        /// The lock file beside it.
        lock: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A SQLite commit failed and was rolled back.
    #[error("sqlite store {path}: write failed, nothing of it was stored: {message}")]
    Write {
        /// The database file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The file holds an older durabox's layout, which this version does not read.
    #[error("sqlite store {path} was written by an older durabox (one JSON document per execution in table `executions`); it is left untouched: start with a new file, or finish those executions with the older version")]
    Legacy {
        /// The database file.
        path: PathBuf,
    },
    /// The SQLite writer thread has stopped.
    #[error("sqlite store {path}: the writer thread is gone")]
    WriterGone {
        /// The database file.
        path: PathBuf,
    },
    /// Connecting to PostgreSQL or reading from it failed (or PostgreSQL support is not
    /// built in).
    #[error("postgres store {url}: {message}")]
    Postgres {
        /// The store URL.
        url: String,
        /// Why.
        message: String,
    },
    /// A PostgreSQL commit failed and was rolled back.
    #[error("postgres store {url}: write failed, nothing of it was stored: {message}")]
    PostgresWrite {
        /// The store URL.
        url: String,
        /// Why.
        message: String,
    },
    /// Another server took the execution over: this server's lease on it ran out.
    #[error("postgres store {url}: execution {arn} was taken over by another durabox server (this server's lease on it ran out); nothing was stored")]
    LeaseLost {
        /// The store URL.
        url: String,
        /// The execution.
        arn: String,
    },
    /// The PostgreSQL store's thread stopped.
    #[error("postgres store {url}: the store's thread is gone")]
    PostgresGone {
        /// The store URL.
        url: String,
    },
    /// Another server sharing the store started an execution of that name first.
    #[error("postgres store {url}: an execution of {function_name} named {execution_name} is already stored")]
    NameTaken {
        /// The store URL.
        url: String,
        /// The function.
        function_name: String,
        /// The execution name asked for.
        execution_name: String,
    },
}

/// Identity of an execution, written once with its first delta.
#[derive(Clone, Debug)]
pub struct NewExecution {
    /// The function it runs.
    pub function_name: String,
    /// Its name (unique per function).
    pub execution_name: String,
    /// Its start (epoch ms, execution clock).
    pub start_ms: i64,
    /// The execution's spec (input, settings), JSON.
    pub spec: String,
}

/// What changed in one execution since its last commit.
#[derive(Clone, Debug, Default)]
pub struct ExecutionDelta {
    /// The execution's ARN, its key.
    pub arn: String,
    /// Set on the execution's first commit.
    pub new: Option<NewExecution>,
    /// Its status after the change (`RUNNING`, `SUCCEEDED`, …).
    pub status: String,
    /// Its end (epoch ms) once it ended.
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
    pub(crate) fn is_empty(&self) -> bool {
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
    /// The execution's ARN.
    pub arn: String,
    /// [`NewExecution::spec`] of its first delta.
    pub spec: String,
    /// The latest [`ExecutionDelta::record`].
    pub record: String,
    /// Each operation's latest JSON, in start order.
    pub operations: Vec<String>,
    /// The history events' JSON, in order.
    pub events: Vec<String>,
    /// The captured-output records' JSON, in order.
    pub invocations: Vec<String>,
}

/// A commit under way: [`wait`](Self::wait) returns once it is durable, or failed.
pub struct Receipt(Box<dyn FnOnce() -> Result<(), StoreError> + Send>);

impl Receipt {
    /// A commit that already ended.
    pub(crate) fn ready(outcome: Result<(), StoreError>) -> Self {
        Self(Box::new(move || outcome))
    }

    /// A commit whose end `wait` waits for.
    pub fn new(wait: impl FnOnce() -> Result<(), StoreError> + Send + 'static) -> Self {
        Self(Box::new(wait))
    }

    /// Blocks until the commit is durable (`Ok`) or has failed.
    pub fn wait(self) -> Result<(), StoreError> {
        (self.0)()
    }
}

/// Persistence of executions as deltas.
///
/// A store shared by several servers (PostgreSQL) leases each unfinished execution to
/// one of them: new executions belong to the server that committed them; a server keeps
/// its leases by [`renew`](Self::renew) and takes over [`orphans`](Self::orphans) (whose
/// owner stopped renewing) by [`claim`](Self::claim), then loads them. A commit for an
/// execution another server has taken over fails ([`StoreError::LeaseLost`]). The
/// defaults suit a store with one writer (memory, SQLite): it owns everything.
pub trait ExecutionStore: Send + Sync {
    /// Writes `delta` durably; returns once it is on disk. On error nothing of it is.
    fn commit(&self, delta: ExecutionDelta) -> Result<(), StoreError>;
    /// Starts committing `delta` and returns at once. Deltas are written in the order
    /// they are given (committed or submitted). The default commits before returning.
    fn submit(&self, delta: ExecutionDelta) -> Receipt {
        Receipt::ready(self.commit(delta))
    }
    /// Forgets the execution (DeleteDurableExecution); no error when it is not stored.
    fn delete(&self, arn: &str) -> Result<(), StoreError>;
    /// The stored state of one execution, if it is stored.
    fn load(&self, arn: &str) -> Result<Option<StoredExecution>, StoreError>;
    /// Every stored execution, oldest first.
    fn load_all(&self) -> Result<Vec<StoredExecution>, StoreError>;

    /// This store's owner id in a shared store (unique per store opened); None when it
    /// is the only writer.
    fn owner(&self) -> Option<&str> {
        None
    }
    /// The lease new executions get (renew well within it); None when leases are not used.
    fn lease(&self) -> Option<Duration> {
        None
    }
    /// Takes `arn` for this owner, for `lease`, if nobody holds a live lease on it (or
    /// this owner does); true if this owner holds it now. Load it after winning.
    fn claim(&self, _arn: &str, _lease: Duration) -> Result<bool, StoreError> {
        Ok(true)
    }
    /// [`claim`](Self::claim) even from an owner whose lease is live: only for an owner
    /// known to be dead (nothing listens at its address any more). Fencing stops it
    /// should it still run. True if this owner holds the (unfinished) execution now.
    fn seize(&self, _arn: &str, _lease: Duration) -> Result<bool, StoreError> {
        Ok(true)
    }
    /// Extends to `lease` from now every lease this owner holds on an unfinished execution.
    fn renew(&self, _lease: Duration) -> Result<(), StoreError> {
        Ok(())
    }
    /// Unfinished executions whose lease ran out (their server stopped renewing), oldest
    /// first.
    fn orphans(&self) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }

    // What servers sharing a store ask of it. A single writer holds every execution in
    // memory and is never asked.

    /// The ARN of the stored execution of `function_name` named `execution_name`.
    fn find_named(
        &self,
        _function_name: &str,
        _execution_name: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    /// Every stored execution of `function_name`, oldest first, without its operations,
    /// events and output: enough to list it.
    fn heads(&self, _function_name: &str) -> Result<Vec<StoredExecution>, StoreError> {
        Ok(Vec::new())
    }
    /// Publishes the URL this server answers at, where the others send changes to
    /// executions it holds.
    fn advertise(&self, _url: &str) -> Result<(), StoreError> {
        Ok(())
    }
    /// The URL of the server holding a live lease on `arn`, when that is another server.
    fn holder(&self, _arn: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
}

/// The `--store` choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreSpec {
    /// `memory`: nothing is stored; executions end with the process.
    Memory,
    /// `sqlite:PATH`: one SQLite file, one writing process.
    Sqlite(PathBuf),
    /// A `postgres://` (or `postgresql://`) URL.
    Postgres(String),
}

impl StoreSpec {
    /// Parses `memory`, `sqlite:PATH` or a `postgres://` URL; the error says what is
    /// accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.split_once(':') {
            _ if text == "memory" => Ok(Self::Memory),
            Some(("sqlite", path)) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
            Some(("postgres" | "postgresql", rest)) if rest.len() > 2 && rest.starts_with("//") => {
                Ok(Self::Postgres(text.to_owned()))
            }
            _ => Err(format!(
                "--store must be `memory`, `sqlite:PATH` or `postgres://USER@HOST:PORT/DATABASE`, got '{text}'"
            )),
        }
    }

    /// Opens the store (creating the file or tables); `None` for [`StoreSpec::Memory`].
    pub fn open(&self) -> Result<Option<std::sync::Arc<dyn ExecutionStore>>, StoreError> {
        Ok(match self {
            Self::Memory => None,
            Self::Sqlite(path) => Some(std::sync::Arc::new(SqliteStore::open(path)?)),
            #[cfg(feature = "postgres")]
            Self::Postgres(url) => Some(std::sync::Arc::new(PostgresStore::open(
                url,
                DEFAULT_LEASE,
            )?)),
            #[cfg(not(feature = "postgres"))]
            Self::Postgres(url) => {
                return Err(StoreError::Postgres {
                    url: url.clone(),
                    message: "this durabox was built without the `postgres` feature".into(),
                })
            }
        })
    }
}
