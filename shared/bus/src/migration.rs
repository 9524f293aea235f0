//! The `outbox` and `inbox` tables. Every service adds [`CreateOutboxAndInbox`] to its own
//! migrator, so the tables live next to the state they are committed with.
//!
//! Built with the schema builder only, so the same migration runs on PostgreSQL and SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_pk_auto, integer, string, string_uniq, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

/// Creates the `outbox` (messages to publish) and `inbox` (messages consumed) tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct CreateOutboxAndInbox;

impl MigrationName for CreateOutboxAndInbox {
    fn name(&self) -> &str {
        "m0001_outbox_inbox"
    }
}

/// Columns of the `outbox` table.
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Outbox {
    Table,
    Id,
    MessageId,
    RoutingKey,
    Body,
    CreatedAt,
    SentAt,
    Attempts,
    LastError,
}

/// Columns of the `inbox` table.
#[derive(DeriveIden, Clone, Copy)]
pub(crate) enum Inbox {
    Table,
    Consumer,
    MessageId,
    ProcessedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutboxAndInbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    // Ordered ids give the publish order and a cheap "next batch" scan.
                    .col(big_pk_auto(Outbox::Id))
                    // Unique: enqueueing the same envelope twice is a bug, not a retry.
                    .col(string_uniq(Outbox::MessageId))
                    .col(string(Outbox::RoutingKey))
                    .col(text(Outbox::Body))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(text_null(Outbox::LastError))
                    .to_owned(),
            )
            .await?;
        // The relay asks for `sent_at IS NULL ORDER BY id`: this index answers it without a scan.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_unsent")
                    .table(Outbox::Table)
                    .col(Outbox::SentAt)
                    .col(Outbox::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Inbox::Table)
                    .if_not_exists()
                    .col(string(Inbox::Consumer))
                    .col(string(Inbox::MessageId))
                    .col(timestamp_with_time_zone(Inbox::ProcessedAt))
                    // The key makes a second insert of the same message fail: that is the
                    // de-duplication, even for two concurrent deliveries.
                    .primary_key(Index::create().col(Inbox::Consumer).col(Inbox::MessageId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Inbox::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Outbox::Table).if_exists().to_owned())
            .await
    }
}
