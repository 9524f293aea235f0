//! Helpers shared by the integration tests of every govhall crate: a fresh database per test
//! (PostgreSQL or SQLite), the broker URL, and random name prefixes so tests running in
//! parallel never share a queue, an exchange or a table.

use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use uuid::Uuid;

/// Server used for test databases unless `GOVHALL_TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Broker used by tests unless `GOVHALL_TEST_AMQP_URL` says otherwise.
pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Creates an empty database `test_<uuid>` on the test PostgreSQL server and returns its URL.
///
/// The databases are not dropped: a failed test leaves its data behind for inspection.
pub async fn fresh_postgres_url() -> anyhow::Result<String> {
    let server = std::env::var("GOVHALL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    let name = format!("test_{}", Uuid::new_v4().simple());
    let mut options = ConnectOptions::new(server.clone());
    options.max_connections(1).sqlx_logging(false);
    let admin = Database::connect(options).await?;
    // The name is generated above (hex only), so formatting it into the statement is safe.
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    admin.close().await?;
    let mut url = url::Url::parse(&server)?;
    url.set_path(&name);
    Ok(url.to_string())
}

/// The URL of a new SQLite file under the OS temp directory (created on first connect).
pub fn fresh_sqlite_url() -> String {
    let path =
        std::env::temp_dir().join(format!("govhall-test-{}.sqlite", Uuid::new_v4().simple()));
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The test broker's URL (`GOVHALL_TEST_AMQP_URL`, default guest on localhost).
pub fn amqp_url() -> String {
    std::env::var("GOVHALL_TEST_AMQP_URL").unwrap_or_else(|_| DEFAULT_AMQP_URL.to_owned())
}

/// A random exchange/queue name prefix such as `t1a2b3c4d.`.
pub fn unique_prefix() -> String {
    let id = Uuid::new_v4().simple().to_string();
    format!("t{}.", &id[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_prefix_is_short_and_ends_with_a_dot() {
        let prefix = unique_prefix();
        assert_eq!(prefix.len(), 10);
        assert!(prefix.starts_with('t') && prefix.ends_with('.'));
        assert_ne!(prefix, unique_prefix());
    }

    #[test]
    fn a_sqlite_url_creates_its_file_on_connect() {
        let url = fresh_sqlite_url();
        assert!(url.starts_with("sqlite://") && url.ends_with("?mode=rwc"));
    }
}
