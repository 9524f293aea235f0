//! Which handler failures mean "the service's own infrastructure is unavailable right now"
//! (its database restarting, its connections cut, a serialization conflict) rather than
//! "this message cannot be handled". A consumer holds such a message and tries it again in
//! place instead of handing it back to the queue: a handed-back delivery counts towards the
//! delivery limit, and a PostgreSQL restart of a few seconds must not dead-letter every
//! message that arrived meanwhile.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures::FutureExt;
use govhall_contracts::Envelope;
use sea_orm::{DbErr, RuntimeErr, sqlx};
use tokio_util::sync::CancellationToken;

use crate::{Handler, backoff};

/// How long a consumer holds one message while its infrastructure is unavailable before the
/// failure counts as a delivery like any other (so a fault that only looks transient cannot
/// hold a queue for ever).
pub const HOLD_LIMIT: Duration = Duration::from_secs(120);

/// Runs `handler` on `envelope` (a panic is an error); while it fails because the service's
/// infrastructure is unavailable the message is held and tried again after a backoff
/// (`retry_base` doubling, at most `retry_max`), for at most [`HOLD_LIMIT`] or until
/// `shutdown`. Both buses' consumers settle a message with what this returns.
pub(crate) async fn handle_holding(
    handler: &dyn Handler,
    envelope: &Envelope,
    shutdown: &CancellationToken,
    retry_base: Duration,
    retry_max: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut attempts = 0u32;
    loop {
        let error = match AssertUnwindSafe(handler.handle(envelope))
            .catch_unwind()
            .await
        {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(error)) => error,
            Err(_) => anyhow::anyhow!("handler panicked"),
        };
        if !is_transient(&error) || started.elapsed() >= HOLD_LIMIT || shutdown.is_cancelled() {
            return Err(error);
        }
        attempts = attempts.saturating_add(1);
        let delay = backoff(retry_base, attempts, retry_max);
        tracing::warn!(
            message.id = %envelope.message_id,
            attempts,
            retry_in_ms = delay.as_millis() as u64,
            error = %crate::dead_letter_reason(&error),
            "infrastructure unavailable; holding the message and trying again"
        );
        tokio::select! {
            () = shutdown.cancelled() => return Err(error),
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// Is `error` (or anything in its chain) the infrastructure being unavailable?
pub fn is_transient(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        if let Some(db) = cause.downcast_ref::<DbErr>() {
            return db_transient(db);
        }
        if let Some(e) = cause.downcast_ref::<sqlx::Error>() {
            return sqlx_transient(e);
        }
        false
    })
}

fn db_transient(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_transient(e)
        }
        _ => false,
    }
}

fn sqlx_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| transient_code(&code)),
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs of class 08 (connection exception) and 57P (the server shutting
/// down, crashed or starting: `admin_shutdown`, `cannot_connect_now`, …), serialization
/// failure (40001), deadlock (40P01) and too many connections (53300); SQLite's busy and
/// locked result codes with their extended forms.
fn transient_code(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("57P")
        || matches!(code, "40001" | "40P01" | "53300")
        || matches!(code, "5" | "6" | "261" | "262" | "517" | "773")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::error::ConnAcquireErr;

    #[test]
    fn a_lost_connection_or_an_exhausted_pool_is_transient() {
        let timeout = anyhow::Error::new(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        assert!(is_transient(&timeout));
        let io = DbErr::Exec(RuntimeErr::SqlxError(std::sync::Arc::new(sqlx::Error::Io(
            std::io::Error::from(std::io::ErrorKind::ConnectionReset),
        ))));
        assert!(is_transient(
            &anyhow::Error::new(io).context("recording the clock")
        ));
    }

    #[test]
    fn a_bad_message_or_a_broken_query_is_not() {
        let decode = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        assert!(!is_transient(&anyhow::Error::new(decode)));
        assert!(!is_transient(&anyhow::Error::new(DbErr::RecordNotFound(
            "case".into()
        ))));
        assert!(!is_transient(&anyhow::anyhow!(
            "matter 42 is not in the catalog"
        )));
    }

    #[test]
    fn server_shutdown_conflicts_and_busy_databases_are_transient_by_code() {
        for code in [
            "57P01", "57P03", "08006", "40001", "40P01", "53300", "5", "517",
        ] {
            assert!(transient_code(code), "{code}");
        }
        for code in ["23505", "42P01", "22P02", "19"] {
            assert!(!transient_code(code), "{code}");
        }
    }
}
