//! Group commit: one connection commits every delta queued while the previous
//! transaction was committing in one transaction (one WAL flush), then acknowledges each.
//! With several deltas, each sits in a savepoint so a failing one rolls back alone; a
//! failed commit fails the whole batch.
//!
//! Fencing: a delta for a stored execution is written only while this store's owner
//! holds the execution (checked on the locked row, in the same transaction); once
//! another server has taken it over, the delta fails and nothing of it is stored.

use std::sync::mpsc;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_postgres::{Client, Config, Statement, Transaction};

use super::{describe, schema, usable, Owner, Reconnecting};
use crate::store::{ExecutionDelta, NewExecution};

/// Deltas committed together at most (bounds the time a batch holds row locks).
const MAX_BATCH: usize = 512;

pub(super) enum Change {
    Commit(Box<ExecutionDelta>),
    Delete(String),
}

/// Why a change was not stored.
pub(super) enum Failure {
    /// Another server holds the execution now.
    LeaseLost,
    /// An execution of the same function and name is stored already.
    NameTaken,
    Failed(String),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(describe(&e))
    }
}

pub(super) struct Job {
    pub change: Change,
    pub done: mpsc::SyncSender<Result<(), Failure>>,
}

/// The write connection and its prepared statements.
pub(super) struct Session {
    client: Client,
    statements: Statements,
}

struct Statements {
    insert_record: Statement,
    /// Changes the record when $2 (status) is given; returns the owner (for the fence)
    /// and the event count before this delta (for the events check).
    update_record: Statement,
    insert_delta: Statement,
    /// Deltas go with the record (ON DELETE CASCADE).
    delete: Statement,
}

impl Reconnecting for Session {
    async fn open(config: &Config) -> Result<Self, tokio_postgres::Error> {
        Self::prepare(schema::connect(config).await?).await
    }

    fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

impl Session {
    pub(super) async fn prepare(client: Client) -> Result<Self, tokio_postgres::Error> {
        let statements = Statements {
            insert_record: client
                .prepare(
                    "INSERT INTO execution_records (arn, function_name, execution_name, status,
                         start_ms, end_ms, spec, record, event_count, owner, lease_until)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                         CASE WHEN $4 = 'RUNNING' THEN now() + make_interval(secs => $11) END)",
                )
                .await?,
            update_record: client
                .prepare(
                    "UPDATE execution_records SET
                         status = COALESCE($2, status),
                         end_ms = CASE WHEN $2::text IS NULL THEN end_ms ELSE $3 END,
                         record = COALESCE($4, record),
                         event_count = event_count + $5,
                         lease_until = CASE WHEN COALESCE($2, status) = 'RUNNING'
                             THEN lease_until END
                     WHERE arn = $1
                     RETURNING owner, event_count - $5",
                )
                .await?,
            insert_delta: client
                .prepare(
                    "INSERT INTO execution_deltas (arn, first_event, operation_positions,
                         operations, events, invocations)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .await?,
            delete: client
                .prepare("DELETE FROM execution_records WHERE arn = $1")
                .await?,
        };
        Ok(Self { client, statements })
    }
}

/// Runs until every sender is dropped. Reconnects after the connection is lost.
pub(super) async fn run(
    config: Config,
    session: Session,
    owner: Owner,
    mut jobs: UnboundedReceiver<Job>,
) {
    let mut session = Some(session);
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = match usable(&mut session, &config).await {
            Ok(session) => write_batch(session, &owner, &batch).await,
            Err(unreachable) => failed_all(&batch, &unreachable),
        };
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.done.send(result);
        }
    }
}

fn failed_all(batch: &[Job], message: &str) -> Vec<Result<(), Failure>> {
    batch
        .iter()
        .map(|_| Err(Failure::Failed(message.to_owned())))
        .collect()
}

async fn write_batch(
    session: &mut Session,
    owner: &Owner,
    batch: &[Job],
) -> Vec<Result<(), Failure>> {
    let Session { client, statements } = session;
    let mut transaction = match client.transaction().await {
        Ok(transaction) => transaction,
        Err(e) => return failed_all(batch, &describe(&e)),
    };
    let mut results = Vec::with_capacity(batch.len());
    if let [job] = batch {
        // Alone in its transaction: a failure rolls the transaction back.
        if let Err(failure) = write_one(&transaction, statements, owner, &job.change).await {
            let _ = transaction.rollback().await;
            return vec![Err(failure)];
        }
        results.push(Ok(()));
    } else {
        for job in batch {
            match in_savepoint(&mut transaction, statements, owner, &job.change).await {
                Ok(result) => results.push(result),
                // A savepoint that could not be released or rolled back leaves the
                // transaction unusable: nothing of the batch is stored.
                Err(e) => {
                    let _ = transaction.rollback().await;
                    return failed_all(batch, &describe(&e));
                }
            }
        }
    }
    if let Err(e) = transaction.commit().await {
        let message = describe(&e);
        for result in results.iter_mut().filter(|r| r.is_ok()) {
            *result = Err(Failure::Failed(message.clone()));
        }
    }
    results
}

/// Applies one change in a savepoint; the outer error means the transaction is broken.
async fn in_savepoint(
    transaction: &mut Transaction<'_>,
    statements: &Statements,
    owner: &Owner,
    change: &Change,
) -> Result<Result<(), Failure>, tokio_postgres::Error> {
    let savepoint = transaction.savepoint("change").await?;
    match write_one(&savepoint, statements, owner, change).await {
        Ok(()) => savepoint.commit().await.map(Ok),
        Err(failure) => savepoint.rollback().await.map(|()| Err(failure)),
    }
}

async fn write_one(
    transaction: &Transaction<'_>,
    statements: &Statements,
    owner: &Owner,
    change: &Change,
) -> Result<(), Failure> {
    match change {
        Change::Commit(delta) => apply(transaction, statements, owner, delta).await,
        Change::Delete(arn) => {
            transaction.execute(&statements.delete, &[arn]).await?;
            Ok(())
        }
    }
}

async fn apply(
    transaction: &Transaction<'_>,
    statements: &Statements,
    owner: &Owner,
    delta: &ExecutionDelta,
) -> Result<(), Failure> {
    let first_event = delta.events.first().map_or(0, |(seq, _)| *seq as i64);
    let stored_events = match &delta.new {
        Some(new) => {
            insert_record(transaction, statements, owner, delta, new).await?;
            0
        }
        None => update_record(transaction, statements, owner, delta).await?,
    };
    // Events are appended in order, never twice: anything else is a lost delta.
    if !delta.events.is_empty() && stored_events != first_event - 1 {
        return Err(Failure::Failed(format!(
            "execution {}: events from {first_event} do not follow the stored ones",
            delta.arn
        )));
    }
    if delta.operations.is_empty() && delta.events.is_empty() && delta.invocations.is_empty() {
        return Ok(());
    }
    insert_delta(transaction, statements, delta, first_event).await
}

/// A new execution's record; a name another execution of the function holds is refused.
async fn insert_record(
    transaction: &Transaction<'_>,
    statements: &Statements,
    owner: &Owner,
    delta: &ExecutionDelta,
    new: &NewExecution,
) -> Result<(), Failure> {
    let event_count = delta.events.len() as i64;
    transaction
        .execute(
            &statements.insert_record,
            &[
                &delta.arn,
                &new.function_name,
                &new.execution_name,
                &delta.status,
                &new.start_ms,
                &delta.end_ms,
                &new.spec,
                &delta.record.as_deref().unwrap_or("{}"),
                &event_count,
                &owner.id,
                &owner.lease.as_secs_f64(),
            ],
        )
        .await
        .map_err(|e| {
            let duplicate = e.as_db_error().is_some_and(|db| {
                *db.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION
                    && db.constraint() == Some(schema::NAME_INDEX)
            });
            if duplicate {
                Failure::NameTaken
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// Updates a stored record this server holds; returns how many events were stored before.
async fn update_record(
    transaction: &Transaction<'_>,
    statements: &Statements,
    owner: &Owner,
    delta: &ExecutionDelta,
) -> Result<i64, Failure> {
    let arn = &delta.arn;
    let event_count = delta.events.len() as i64;
    let status = delta.record.as_ref().map(|_| delta.status.as_str());
    let row = transaction
        .query_opt(
            &statements.update_record,
            &[arn, &status, &delta.end_ms, &delta.record, &event_count],
        )
        .await?
        .ok_or_else(|| Failure::Failed(format!("execution {arn} is not stored")))?;
    let holder: Option<String> = row.try_get(0)?;
    if holder.as_deref() != Some(owner.id.as_str()) {
        return Err(Failure::LeaseLost);
    }
    Ok(row.try_get(1)?)
}

/// The delta's operations, events and invocations, appended in one statement.
async fn insert_delta(
    transaction: &Transaction<'_>,
    statements: &Statements,
    delta: &ExecutionDelta,
    first_event: i64,
) -> Result<(), Failure> {
    let positions = delta
        .operations
        .iter()
        .map(|(p, _)| i32::try_from(*p))
        .collect::<Result<Vec<i32>, _>>()
        .map_err(|_| {
            Failure::Failed(format!(
                "execution {}: operation position out of range",
                delta.arn
            ))
        })?;
    let operations: Vec<&str> = delta.operations.iter().map(|(_, d)| d.as_str()).collect();
    let events: Vec<&str> = delta.events.iter().map(|(_, d)| d.as_str()).collect();
    let invocations: Vec<&str> = delta.invocations.iter().map(|(_, d)| d.as_str()).collect();
    transaction
        .execute(
            &statements.insert_delta,
            &[
                &delta.arn,
                &first_event,
                &positions,
                &operations,
                &events,
                &invocations,
            ],
        )
        .await?;
    Ok(())
}
