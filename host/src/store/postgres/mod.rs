//! PostgreSQL store, for several `durabox serve` processes sharing executions: the same
//! layout as the SQLite store (a row per execution, an append-only log of its deltas),
//! plus a lease per execution: which server drives it, and until when.
//!
//! Every database call runs on the store's own thread (a current-thread tokio runtime
//! owning two connections: `writer` group-commits deltas, `reader` loads and handles
//! leases); callers queue a request and wait on a std channel, so the store can be used
//! from any thread, inside a tokio runtime or not, and never blocks a runtime's worker
//! on a future.
//!
//! Leases use the database's clock. A server inserts its new executions with a lease
//! of [`PostgresStore::lease`], keeps them by [`ExecutionStore::renew`], and takes over
//! another's [`ExecutionStore::orphans`] with [`ExecutionStore::claim`]. Commits are
//! fenced: a delta for an execution another server has taken over fails and stores
//! nothing ([`StoreError::LeaseLost`]).

mod reader;
mod schema;
mod testing;
mod writer;

use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::{ExecutionDelta, ExecutionStore, Receipt, StoreError, StoredExecution};
pub use testing::{test_database, TestDatabase};

/// The lease a server takes on the executions it starts or claims: another server may
/// take an execution over this long after its owner last renewed it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// How long opening a connection may take (unless the URL sets `connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// This store's identity in the `owner` column, and the lease it takes.
#[derive(Clone)]
struct Owner {
    id: String,
    lease: Duration,
}

pub struct PostgresStore {
    /// The URL without its password, for messages.
    url: String,
    owner: Owner,
    writes: UnboundedSender<writer::Job>,
    reads: UnboundedSender<reader::Query>,
}

/// The store's thread: connects, creates the tables, reports on `ready`, then serves
/// writes and reads until both queues close.
fn store_thread(
    config: tokio_postgres::Config,
    owner: Owner,
    write_queue: UnboundedReceiver<writer::Job>,
    read_queue: UnboundedReceiver<reader::Query>,
    ready: mpsc::SyncSender<Result<(), String>>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot start the store's runtime: {e}")));
            return;
        }
    };
    runtime.block_on(async move {
        let sessions = async {
            let mut client = schema::connect(&config).await?;
            schema::create(&mut client).await?;
            let writer = writer::Session::prepare(client).await?;
            let reader = <reader::Session as Reconnecting>::open(&config).await?;
            Ok::<_, tokio_postgres::Error>((writer, reader))
        };
        let (writer, reader) = match sessions.await {
            Ok(sessions) => sessions,
            Err(e) => {
                let _ = ready.send(Err(describe(&e)));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        tokio::join!(
            writer::run(config.clone(), writer, owner.clone(), write_queue),
            reader::run(config, reader, owner, read_queue),
        );
    });
}

impl PostgresStore {
    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?…]`, no TLS),
    /// creates the tables if missing and starts the store's thread. New executions are
    /// leased for `lease`.
    pub fn open(url: &str, lease: Duration) -> Result<Self, StoreError> {
        let shown = redact(url);
        let failed = |message: String| StoreError::Postgres {
            url: shown.clone(),
            message,
        };
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| failed(format!("invalid URL: {}", describe(&e))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let owner = Owner {
            id: owner_id(),
            lease,
        };
        if config.get_application_name().is_none() {
            config.application_name(format!("durabox {}", owner.id));
        }
        let (writes, write_queue) = unbounded_channel();
        let (reads, read_queue) = unbounded_channel();
        let (ready, started) = mpsc::sync_channel(1);
        let thread_owner = owner.clone();
        std::thread::Builder::new()
            .name("durabox-store-postgres".into())
            .spawn(move || store_thread(config, thread_owner, write_queue, read_queue, ready))
            .map_err(|e| failed(format!("cannot start the store's thread: {e}")))?;
        started
            .recv()
            .map_err(|_| failed("the store's thread stopped while opening".into()))?
            .map_err(failed)?;
        Ok(Self {
            url: shown,
            owner,
            writes,
            reads,
        })
    }

    fn gone(&self) -> StoreError {
        StoreError::PostgresGone {
            url: self.url.clone(),
        }
    }

    /// Queues a change for the writer and waits until it is durable (or failed).
    fn write(&self, arn: &str, change: writer::Change) -> Result<(), StoreError> {
        self.queue(arn, change).wait()
    }

    /// Queues a change for the writer; the receipt tells when it is durable.
    fn queue(&self, arn: &str, change: writer::Change) -> Receipt {
        let named = match &change {
            writer::Change::Commit(delta) => delta
                .new
                .as_ref()
                .map(|new| (new.function_name.clone(), new.execution_name.clone())),
            writer::Change::Delete(_) => None,
        };
        let (done, outcome) = mpsc::sync_channel(1);
        if self.writes.send(writer::Job { change, done }).is_err() {
            return Receipt::ready(Err(self.gone()));
        }
        let (url, arn) = (self.url.clone(), arn.to_owned());
        Receipt::new(move || {
            let failure = match outcome.recv() {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(failure)) => failure,
                Err(_) => return Err(StoreError::PostgresGone { url }),
            };
            Err(match failure {
                writer::Failure::LeaseLost => StoreError::LeaseLost { url, arn },
                writer::Failure::NameTaken => {
                    let (function_name, execution_name) = named.unwrap_or_default();
                    StoreError::NameTaken {
                        url,
                        function_name,
                        execution_name,
                    }
                }
                writer::Failure::Failed(message) => StoreError::PostgresWrite { url, message },
            })
        })
    }

    /// Sends a query to the reader and waits for its answer.
    fn ask<T>(
        &self,
        query: impl FnOnce(reader::Reply<T>) -> reader::Query,
    ) -> Result<T, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.reads.send(query(reply)).map_err(|_| self.gone())?;
        answer
            .recv()
            .map_err(|_| self.gone())?
            .map_err(|message| StoreError::Postgres {
                url: self.url.clone(),
                message,
            })
    }
}

impl ExecutionStore for PostgresStore {
    fn commit(&self, delta: ExecutionDelta) -> Result<(), StoreError> {
        if delta.is_empty() {
            return Ok(());
        }
        let arn = delta.arn.clone();
        self.write(&arn, writer::Change::Commit(Box::new(delta)))
    }

    fn submit(&self, delta: ExecutionDelta) -> Receipt {
        if delta.is_empty() {
            return Receipt::ready(Ok(()));
        }
        let arn = delta.arn.clone();
        self.queue(&arn, writer::Change::Commit(Box::new(delta)))
    }

    fn delete(&self, arn: &str) -> Result<(), StoreError> {
        self.write(arn, writer::Change::Delete(arn.to_owned()))
    }

    fn load(&self, arn: &str) -> Result<Option<StoredExecution>, StoreError> {
        self.ask(|reply| reader::Query::Load(arn.to_owned(), reply))
    }

    fn load_all(&self) -> Result<Vec<StoredExecution>, StoreError> {
        self.ask(reader::Query::LoadAll)
    }

    fn owner(&self) -> Option<&str> {
        Some(&self.owner.id)
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.owner.lease)
    }

    fn claim(&self, arn: &str, lease: Duration) -> Result<bool, StoreError> {
        self.ask(|reply| reader::Query::Claim(arn.to_owned(), lease, reply))
    }

    fn seize(&self, arn: &str, lease: Duration) -> Result<bool, StoreError> {
        self.ask(|reply| reader::Query::Seize(arn.to_owned(), lease, reply))
    }

    fn renew(&self, lease: Duration) -> Result<(), StoreError> {
        self.ask(|reply| reader::Query::Renew(lease, reply))
    }

    fn orphans(&self) -> Result<Vec<String>, StoreError> {
        self.ask(reader::Query::Orphans)
    }

    fn find_named(
        &self,
        function_name: &str,
        execution_name: &str,
    ) -> Result<Option<String>, StoreError> {
        let key = (function_name.to_owned(), execution_name.to_owned());
        self.ask(|reply| reader::Query::FindNamed(key, reply))
    }

    fn heads(&self, function_name: &str) -> Result<Vec<StoredExecution>, StoreError> {
        self.ask(|reply| reader::Query::Heads(function_name.to_owned(), reply))
    }

    fn advertise(&self, url: &str) -> Result<(), StoreError> {
        self.ask(|reply| reader::Query::Advertise(url.to_owned(), reply))
    }

    fn holder(&self, arn: &str) -> Result<Option<String>, StoreError> {
        self.ask(|reply| reader::Query::Holder(arn.to_owned(), reply))
    }
}

/// A driver error with the server's message (and detail) when it has one.
/// A connection with its prepared statements, opened again after it is lost.
trait Reconnecting: Sized {
    async fn open(config: &tokio_postgres::Config) -> Result<Self, tokio_postgres::Error>;
    fn is_closed(&self) -> bool;
}

/// The session, reconnected first if it was lost; the reason when it cannot be.
async fn usable<'a, S: Reconnecting>(
    session: &'a mut Option<S>,
    config: &tokio_postgres::Config,
) -> Result<&'a mut S, String> {
    if session.as_ref().is_none_or(S::is_closed) {
        *session = None;
        match S::open(config).await {
            Ok(reopened) => *session = Some(reopened),
            Err(e) => {
                let reason = format!("cannot reconnect: {}", describe(&e));
                tracing::warn!("postgres store: {reason}");
                return Err(reason);
            }
        }
    }
    session.as_mut().ok_or_else(|| "no connection".to_owned())
}

fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        return text;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// `hostname-pid-random`: unique per store, readable in `pg_stat_activity` and the
/// `owner` column.
fn owner_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "durabox".into());
    format!("{host}-{}-{:08x}", std::process::id(), fastrand::u32(..))
}

/// The URL with its password (in the user part or a `password=` parameter) hidden.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests;
