//! The second connection: loads (each from one snapshot) and the lease statements, so
//! they never wait behind a batch of writes.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_postgres::{Client, Config, IsolationLevel, Row, Statement};

use super::{describe, schema, usable, Owner, Reconnecting};
use crate::store::StoredExecution;

pub(super) type Reply<T> = mpsc::SyncSender<Result<T, String>>;

pub(super) enum Query {
    Load(String, Reply<Option<StoredExecution>>),
    LoadAll(Reply<Vec<StoredExecution>>),
    Claim(String, Duration, Reply<bool>),
    Seize(String, Duration, Reply<bool>),
    Renew(Duration, Reply<()>),
    Orphans(Reply<Vec<String>>),
    /// (function name, execution name) → the execution's ARN.
    FindNamed((String, String), Reply<Option<String>>),
    Heads(String, Reply<Vec<StoredExecution>>),
    Advertise(String, Reply<()>),
    Holder(String, Reply<Option<String>>),
}

pub(super) struct Session {
    client: Client,
    statements: Statements,
}

struct Statements {
    head: Statement,
    deltas: Statement,
    all_heads: Statement,
    all_deltas: Statement,
    /// Takes the execution if nobody holds a live lease on it (or this owner does).
    claim: Statement,
    /// Takes the unfinished execution whoever holds it.
    seize: Statement,
    renew: Statement,
    orphans: Statement,
    find_named: Statement,
    heads: Statement,
    advertise: Statement,
    /// The URL of another server with a live lease on the execution.
    holder: Statement,
}

const HEAD_SQL: &str = "SELECT arn, spec, record FROM execution_records WHERE arn = $1";

const ALL_HEADS_SQL: &str =
    "SELECT arn, spec, record FROM execution_records ORDER BY start_ms, arn";

const CLAIM_SQL: &str = "UPDATE execution_records
    SET owner = $2, lease_until = now() + make_interval(secs => $3)
    WHERE arn = $1 AND (owner IS NULL OR owner = $2
    OR lease_until IS NULL OR lease_until < now())
    RETURNING arn";

const SEIZE_SQL: &str = "UPDATE execution_records
    SET owner = $2, lease_until = now() + make_interval(secs => $3)
    WHERE arn = $1 AND status = 'RUNNING'
    RETURNING arn";

const RENEW_SQL: &str = "UPDATE execution_records
    SET lease_until = now() + make_interval(secs => $2)
    WHERE owner = $1 AND status = 'RUNNING'";

const ORPHANS_SQL: &str = "SELECT arn FROM execution_records
    WHERE status = 'RUNNING'
    AND (owner IS NULL OR lease_until IS NULL OR lease_until < now())
    ORDER BY start_ms, arn";

const FIND_NAMED_SQL: &str = "SELECT arn FROM execution_records
    WHERE function_name = $1 AND execution_name = $2";

const HEADS_SQL: &str = "SELECT arn, spec, record FROM execution_records
    WHERE function_name = $1 ORDER BY start_ms, arn";

const ADVERTISE_SQL: &str = "INSERT INTO servers (owner, url) VALUES ($1, $2)
    ON CONFLICT (owner) DO UPDATE SET url = $2, advertised = now()";

const HOLDER_SQL: &str = "SELECT s.url FROM execution_records r JOIN servers s ON s.owner = r.owner
    WHERE r.arn = $1 AND r.owner <> $2 AND r.status = 'RUNNING'
    AND r.lease_until > now()";

/// Columns of a delta row, in `replay`'s order.
const DELTA_COLUMNS: &str = "operation_positions, operations, events, invocations";

impl Reconnecting for Session {
    fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    async fn open(config: &Config) -> Result<Self, tokio_postgres::Error> {
        let client = schema::connect(config).await?;
        let statements = Statements {
            head: client.prepare(HEAD_SQL).await?,
            deltas: client
                .prepare(&format!(
                    "SELECT {DELTA_COLUMNS} FROM execution_deltas WHERE arn = $1 ORDER BY id"
                ))
                .await?,
            all_heads: client.prepare(ALL_HEADS_SQL).await?,
            all_deltas: client
                .prepare(&format!(
                    "SELECT {DELTA_COLUMNS}, arn FROM execution_deltas ORDER BY id"
                ))
                .await?,
            claim: client.prepare(CLAIM_SQL).await?,
            seize: client.prepare(SEIZE_SQL).await?,
            renew: client.prepare(RENEW_SQL).await?,
            orphans: client.prepare(ORPHANS_SQL).await?,
            find_named: client.prepare(FIND_NAMED_SQL).await?,
            heads: client.prepare(HEADS_SQL).await?,
            advertise: client.prepare(ADVERTISE_SQL).await?,
            holder: client.prepare(HOLDER_SQL).await?,
        };
        Ok(Self { client, statements })
    }
}

/// Runs until every sender is dropped. Reconnects after the connection is lost.
pub(super) async fn run(
    config: Config,
    session: Session,
    owner: Owner,
    mut queries: UnboundedReceiver<Query>,
) {
    let mut session = Some(session);
    while let Some(query) = queries.recv().await {
        let session = match usable(&mut session, &config).await {
            Ok(session) => session,
            Err(unreachable) => {
                refuse(query, &unreachable);
                continue;
            }
        };
        answer(session, owner.id.as_str(), query).await;
    }
}

/// Runs one query and sends its answer.
async fn answer(session: &mut Session, id: &str, query: Query) {
    let Session { client, statements } = session;
    match query {
        Query::Load(arn, reply) => send(reply, load(client, statements, &arn).await),
        Query::LoadAll(reply) => send(reply, load_all(client, statements).await),
        Query::Claim(arn, lease, reply) => {
            let won = client
                .query_opt(&statements.claim, &[&arn, &id, &lease.as_secs_f64()])
                .await;
            send(reply, won.map(|row| row.is_some()));
        }
        Query::Seize(arn, lease, reply) => {
            let won = client
                .query_opt(&statements.seize, &[&arn, &id, &lease.as_secs_f64()])
                .await;
            send(reply, won.map(|row| row.is_some()));
        }
        Query::Renew(lease, reply) => {
            let renewed = client
                .execute(&statements.renew, &[&id, &lease.as_secs_f64()])
                .await;
            send(reply, renewed.map(|_| ()));
        }
        Query::Orphans(reply) => {
            let rows = client.query(&statements.orphans, &[]).await;
            send(
                reply,
                rows.and_then(|rows| rows.iter().map(|row| row.try_get(0)).collect()),
            );
        }
        Query::FindNamed((function, name), reply) => {
            let row = client
                .query_opt(&statements.find_named, &[&function, &name])
                .await;
            send(
                reply,
                row.and_then(|row| row.map(|r| r.try_get(0)).transpose()),
            );
        }
        Query::Heads(function, reply) => {
            let rows = client.query(&statements.heads, &[&function]).await;
            send(
                reply,
                rows.and_then(|rows| rows.iter().map(stored).collect()),
            );
        }
        Query::Advertise(url, reply) => {
            let done = client.execute(&statements.advertise, &[&id, &url]).await;
            send(reply, done.map(|_| ()));
        }
        Query::Holder(arn, reply) => {
            let row = client.query_opt(&statements.holder, &[&arn, &id]).await;
            send(
                reply,
                row.and_then(|row| row.map(|r| r.try_get(0)).transpose()),
            );
        }
    }
}

fn send<T>(reply: Reply<T>, result: Result<T, tokio_postgres::Error>) {
    let _ = reply.send(result.map_err(|e| describe(&e)));
}

fn refuse(query: Query, message: &str) {
    let message = message.to_owned();
    match query {
        Query::Load(_, reply) => drop(reply.send(Err(message))),
        Query::LoadAll(reply) => drop(reply.send(Err(message))),
        Query::Claim(_, _, reply) | Query::Seize(_, _, reply) => drop(reply.send(Err(message))),
        Query::Renew(_, reply) => drop(reply.send(Err(message))),
        Query::Orphans(reply) => drop(reply.send(Err(message))),
        Query::FindNamed(_, reply) => drop(reply.send(Err(message))),
        Query::Heads(_, reply) => drop(reply.send(Err(message))),
        Query::Advertise(_, reply) => drop(reply.send(Err(message))),
        Query::Holder(_, reply) => drop(reply.send(Err(message))),
    }
}

/// A snapshot: the record and its deltas as of one moment.
async fn snapshot(
    client: &mut Client,
) -> Result<tokio_postgres::Transaction<'_>, tokio_postgres::Error> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
}

async fn load(
    client: &mut Client,
    statements: &Statements,
    arn: &str,
) -> Result<Option<StoredExecution>, tokio_postgres::Error> {
    let snapshot = snapshot(client).await?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&arn];
    let (head, deltas) = tokio::try_join!(
        snapshot.query_opt(&statements.head, &params),
        snapshot.query(&statements.deltas, &params),
    )?;
    snapshot.commit().await?;
    let Some(head) = head else {
        return Ok(None);
    };
    let mut stored = stored(&head)?;
    for row in &deltas {
        replay(&mut stored, row)?;
    }
    Ok(Some(stored))
}

async fn load_all(
    client: &mut Client,
    statements: &Statements,
) -> Result<Vec<StoredExecution>, tokio_postgres::Error> {
    let snapshot = snapshot(client).await?;
    let (heads, deltas) = tokio::try_join!(
        snapshot.query(&statements.all_heads, &[]),
        snapshot.query(&statements.all_deltas, &[]),
    )?;
    snapshot.commit().await?;
    let mut all = heads.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
    let index: HashMap<String, usize> = all
        .iter()
        .enumerate()
        .map(|(i, stored)| (stored.arn.clone(), i))
        .collect();
    for row in &deltas {
        let arn: &str = row.try_get(4)?;
        if let Some(&i) = index.get(arn) {
            replay(&mut all[i], row)?;
        }
    }
    Ok(all)
}

fn stored(head: &Row) -> Result<StoredExecution, tokio_postgres::Error> {
    Ok(StoredExecution {
        arn: head.try_get(0)?,
        spec: head.try_get(1)?,
        record: head.try_get(2)?,
        ..StoredExecution::default()
    })
}

/// Applies one delta row: operations replace theirs by position, the rest appends.
fn replay(stored: &mut StoredExecution, row: &Row) -> Result<(), tokio_postgres::Error> {
    let positions: Vec<i32> = row.try_get(0)?;
    let operations: Vec<String> = row.try_get(1)?;
    for (position, document) in positions.into_iter().zip(operations) {
        // The writer stores positions of u32 that fit i32; nothing else is ever written.
        let Ok(position) = usize::try_from(position) else {
            continue;
        };
        if position >= stored.operations.len() {
            stored.operations.resize(position + 1, String::new());
        }
        stored.operations[position] = document;
    }
    stored.events.extend(row.try_get::<_, Vec<String>>(2)?);
    stored.invocations.extend(row.try_get::<_, Vec<String>>(3)?);
    Ok(())
}
