//! For tests (this crate's and the integration tests): a fresh schema in the database
//! `cargo xtask test` starts, named by `DURABOX_TEST_POSTGRES`.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable `cargo xtask test` sets to its private cluster's database URL.
const VARIABLE: &str = "DURABOX_TEST_POSTGRES";

/// A schema of its own for one test (dropped with the value): `url` opens stores in it.
/// Stores opened on the same `url` share it, like servers sharing a database.
#[doc(hidden)]
pub struct TestDatabase {
    pub url: String,
    pub schema: String,
    base: String,
}

/// A fresh schema in the test database, or None (with a line saying the test is
/// skipped) when `DURABOX_TEST_POSTGRES` is unset. Under CI (`CI` set) a missing
/// variable panics: CI must never skip these tests silently.
#[doc(hidden)]
pub fn test_database(test: &str) -> Option<TestDatabase> {
    let base = match std::env::var(VARIABLE) {
        Ok(url) if !url.trim().is_empty() => url,
        _ if running_in_ci() => panic!(
            "{test}: {VARIABLE} is not set under CI; run the tests with `cargo xtask test`, \
             which starts a private PostgreSQL cluster (tests/pg/cluster.sh) and sets it"
        ),
        _ => {
            eprintln!(
                "skipped {test}: {VARIABLE} is not set (`cargo xtask test` starts a private \
                 PostgreSQL cluster and sets it; or `bash tests/pg/cluster.sh start target/pg`)"
            );
            return None;
        }
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name: String = test
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .take(24)
        .collect();
    let schema = format!(
        "t_{name}_{}_{}_{:04x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        fastrand::u16(..)
    );
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(TestDatabase {
        url: format!("{base}{separator}options=-csearch_path%3D{schema}"),
        schema,
        base,
    })
}

fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

impl Drop for TestDatabase {
    /// Drops the schema, on a thread of its own (the caller may be inside a runtime).
    fn drop(&mut self) {
        let (base, schema) = (self.base.clone(), self.schema.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let config: tokio_postgres::Config = base.parse().ok()?;
                let client = super::schema::connect(&config).await.ok()?;
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}
