//! Starting a transaction that writes.

use sea_orm::{DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`, waiting up to the connection's busy timeout): a deferred transaction
/// that reads first and writes later fails at once with `SQLITE_BUSY` when another connection
/// of the process wrote in between, which a busy timeout cannot help. PostgreSQL ignores the
/// mode and begins as usual.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
