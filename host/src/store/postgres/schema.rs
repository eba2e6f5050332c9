//! Connecting, and the tables: created on open, so a new database (or schema) needs no
//! setup step.

use tokio_postgres::{Client, Config, NoTls};

/// Serialises schema creation between servers starting at once (`CREATE … IF NOT
/// EXISTS` is not safe against a concurrent create of the same name).
const SCHEMA_LOCK: i64 = 0x0064_7572_6162_6f78; // "durabox" in ASCII

const TABLES: &str = "
    CREATE TABLE IF NOT EXISTS execution_records (
        arn TEXT PRIMARY KEY,
        function_name TEXT NOT NULL,
        execution_name TEXT NOT NULL,
        status TEXT NOT NULL,
        start_ms BIGINT NOT NULL,
        end_ms BIGINT,
        spec TEXT NOT NULL,
        record TEXT NOT NULL,
        event_count BIGINT NOT NULL DEFAULT 0,
        -- The server driving the execution and until when (the database's clock). A
        -- finished execution keeps its last owner and has no lease.
        owner TEXT,
        lease_until TIMESTAMPTZ
    );
    CREATE INDEX IF NOT EXISTS execution_records_by_function
        ON execution_records (function_name, start_ms);
    -- Execution names are idempotent across every server sharing the database.
    CREATE UNIQUE INDEX IF NOT EXISTS execution_records_by_name
        ON execution_records (function_name, execution_name);
    CREATE INDEX IF NOT EXISTS execution_records_running
        ON execution_records (owner, lease_until) WHERE status = 'RUNNING';
    -- One row per commit: the changed operations (position, document), the new events and
    -- the new captured-output records.
    CREATE TABLE IF NOT EXISTS execution_deltas (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        arn TEXT NOT NULL REFERENCES execution_records (arn) ON DELETE CASCADE,
        first_event BIGINT NOT NULL,
        operation_positions INTEGER[] NOT NULL,
        operations TEXT[] NOT NULL,
        events TEXT[] NOT NULL,
        invocations TEXT[] NOT NULL
    );
    CREATE INDEX IF NOT EXISTS execution_deltas_by_arn ON execution_deltas (arn, id);
    -- Where each server answers: changes to an execution go to the server holding it.
    CREATE TABLE IF NOT EXISTS servers (
        owner TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        advertised TIMESTAMPTZ NOT NULL DEFAULT now()
    );";

/// The unique index a second execution of one name runs into.
pub(super) const NAME_INDEX: &str = "execution_records_by_name";

/// Opens a connection whose driver runs as a task on the current (store) runtime.
pub(super) async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!("postgres store connection closed: {}", super::describe(&e));
        }
    });
    Ok(client)
}

/// Creates the tables, and the schema named first in `search_path` when it does not
/// exist (`?options=-csearch_path%3DNAME` keeps several deployments in one database).
pub(super) async fn create(client: &mut Client) -> Result<(), tokio_postgres::Error> {
    let transaction = client.transaction().await?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .await?;
    let current: Option<String> = transaction
        .query_one("SELECT current_schema()", &[])
        .await?
        .try_get(0)?;
    if current.is_none() {
        let path: String = transaction
            .query_one("SHOW search_path", &[])
            .await?
            .try_get(0)?;
        if let Some(name) = first_schema(&path) {
            let quoted = name.replace('"', "\"\"");
            transaction
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{quoted}\""))
                .await?;
        }
    }
    transaction.batch_execute(TABLES).await?;
    transaction.commit().await
}

/// The first schema named in a `search_path` value, other than `"$user"`.
fn first_schema(path: &str) -> Option<String> {
    path.split(',')
        .map(|entry| {
            let entry = entry.trim();
            match entry.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => entry.to_owned(),
            }
        })
        .find(|name| !name.is_empty() && name != "$user")
}

#[cfg(test)]
#[test]
fn first_schema_skips_user_and_unquotes() {
    assert_eq!(first_schema("\"$user\", public").as_deref(), Some("public"));
    assert_eq!(first_schema("run_1").as_deref(), Some("run_1"));
    assert_eq!(first_schema("\"A \"\"b\"\"\"").as_deref(), Some("A \"b\""));
    assert_eq!(first_schema("\"$user\""), None);
}
