//! Group commit: one thread owns the write connection and commits every delta queued
//! while the previous transaction was syncing in one transaction (one fsync), then
//! acknowledges each. A delta that fails rolls back alone (savepoint); a failed commit
//! fails every delta of the batch.

use std::sync::mpsc;

use rusqlite::{params, Connection};

use crate::store::{ExecutionDelta, NewExecution};

/// Deltas committed together at most (bounds the time a batch holds the write lock).
const MAX_BATCH: usize = 512;

pub(super) enum Change {
    Commit(Box<ExecutionDelta>),
    Delete(String),
}

pub(super) struct Job {
    pub change: Change,
    pub done: mpsc::SyncSender<Result<(), String>>,
}

/// Runs until every sender is dropped.
pub(super) fn run(connection: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = write_batch(&connection, &batch);
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.done.send(result);
        }
    }
}

fn write_batch(connection: &Connection, batch: &[Job]) -> Vec<Result<(), String>> {
    if let Err(e) = connection.execute_batch("BEGIN IMMEDIATE") {
        return batch.iter().map(|_| Err(e.to_string())).collect();
    }
    let mut results: Vec<Result<(), String>> = batch
        .iter()
        .map(|job| write_one(connection, &job.change, batch.len() == 1).map_err(|e| e.to_string()))
        .collect();
    if batch.len() == 1 && results[0].is_err() {
        // Alone, without a savepoint: undo it by rolling the whole transaction back.
        let _ = connection.execute_batch("ROLLBACK");
        return results;
    }
    if let Err(e) = connection.execute_batch("COMMIT") {
        let _ = connection.execute_batch("ROLLBACK");
        let message = e.to_string();
        for result in results.iter_mut().filter(|r| r.is_ok()) {
            *result = Err(message.clone());
        }
    }
    results
}

/// Applies one change; inside a savepoint when others share the transaction, so a
/// failure undoes only this change.
fn write_one(connection: &Connection, change: &Change, alone: bool) -> rusqlite::Result<()> {
    if !alone {
        connection.execute_batch("SAVEPOINT change")?;
    }
    let applied = match change {
        Change::Commit(delta) => apply(connection, delta),
        Change::Delete(arn) => delete(connection, arn),
    };
    match (applied, alone) {
        (Ok(()), true) => Ok(()),
        (Ok(()), false) => connection.execute_batch("RELEASE change"),
        (Err(e), true) => Err(e),
        (Err(e), false) => {
            let _ = connection.execute_batch("ROLLBACK TO change; RELEASE change");
            Err(e)
        }
    }
}

fn refused(message: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
        Some(message),
    )
}

fn apply(connection: &Connection, delta: &ExecutionDelta) -> rusqlite::Result<()> {
    // Events are appended in order, never twice: anything else means a lost delta.
    let before = delta.events.first().map(|(seq, _)| *seq as i64 - 1);
    match &delta.new {
        Some(new) => insert_record(connection, delta, new, before)?,
        None => update_record(connection, delta, before)?,
    }
    if delta.operations.is_empty() && delta.events.is_empty() && delta.invocations.is_empty() {
        return Ok(());
    }
    let operations = join(delta.operations.iter().map(|(p, d)| format!("{p} {d}")));
    let events = join(delta.events.iter().map(|(_, d)| d.as_str()));
    let invocations = join(delta.invocations.iter().map(|(_, d)| d.as_str()));
    connection
        .prepare_cached(
            "INSERT INTO execution_deltas (arn, first_event, operations, events, invocations)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            delta.arn,
            before.map_or(0, |b| b + 1),
            operations,
            events,
            invocations
        ])?;
    Ok(())
}

/// A new execution's record; its events must start at 1.
fn insert_record(
    connection: &Connection,
    delta: &ExecutionDelta,
    new: &NewExecution,
    before: Option<i64>,
) -> rusqlite::Result<()> {
    if before.is_some_and(|b| b != 0) {
        return Err(refused(format!(
            "execution {}: its first event is not 1",
            delta.arn
        )));
    }
    connection
        .prepare_cached(
            "INSERT INTO execution_records (arn, function_name, execution_name, status,
                 start_ms, end_ms, spec, record, event_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            delta.arn,
            new.function_name,
            new.execution_name,
            delta.status,
            new.start_ms,
            delta.end_ms,
            new.spec,
            delta.record.as_deref().unwrap_or("{}"),
            delta.events.len() as i64,
        ])?;
    Ok(())
}

/// Updates a stored record whose events end right before this delta's first.
fn update_record(
    connection: &Connection,
    delta: &ExecutionDelta,
    before: Option<i64>,
) -> rusqlite::Result<()> {
    let arn = &delta.arn;
    let appended = delta.events.len() as i64;
    let updated = match (&delta.record, before) {
        (Some(record), before) => connection
            .prepare_cached(
                "UPDATE execution_records
                 SET status = ?2, end_ms = ?3, record = ?4, event_count = event_count + ?5
                 WHERE arn = ?1 AND (?6 IS NULL OR event_count = ?6)",
            )?
            .execute(params![
                arn,
                delta.status,
                delta.end_ms,
                record,
                appended,
                before
            ])?,
        (None, Some(before)) => connection
            .prepare_cached(
                "UPDATE execution_records SET event_count = event_count + ?2
                 WHERE arn = ?1 AND event_count = ?3",
            )?
            .execute(params![arn, appended, before])?,
        (None, None) => 1,
    };
    if updated != 1 {
        return Err(refused(format!(
            "execution {arn}: not stored, or its events from {} do not follow the stored ones",
            before.map_or(0, |b| b + 1)
        )));
    }
    Ok(())
}

/// One document per line: compact JSON never holds a raw newline.
fn join<D: std::borrow::Borrow<str>>(documents: impl Iterator<Item = D>) -> String {
    documents.collect::<Vec<D>>().join("\n")
}

fn delete(connection: &Connection, arn: &str) -> rusqlite::Result<()> {
    for table in super::TABLES {
        connection
            .prepare_cached(&format!("DELETE FROM {table} WHERE arn = ?1"))?
            .execute(params![arn])?;
    }
    Ok(())
}
