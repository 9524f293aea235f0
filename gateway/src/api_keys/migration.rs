//! Schema of the gateway's database: API keys.

use sea_orm_migration::{prelude::*, schema::*};

/// The gateway's migrator.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateApiKeys)]
    }
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    KeyId,
    Digest,
    ClientId,
    Name,
    Scopes,
    RatePerMinute,
    Division,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedBy,
    IdempotencyKey,
    RequestHash,
}

struct CreateApiKeys;

impl MigrationName for CreateApiKeys {
    fn name(&self) -> &str {
        "m0001_api_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateApiKeys {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .if_not_exists()
                    .col(uuid(ApiKeys::Id).primary_key())
                    .col(string(ApiKeys::KeyId).unique_key())
                    .col(string(ApiKeys::Digest))
                    .col(string(ApiKeys::ClientId))
                    .col(string(ApiKeys::Name))
                    .col(json(ApiKeys::Scopes))
                    .col(integer_null(ApiKeys::RatePerMinute))
                    .col(string(ApiKeys::Division))
                    .col(string(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(string_null(ApiKeys::RevokedBy))
                    .col(string_null(ApiKeys::IdempotencyKey))
                    .col(string_null(ApiKeys::RequestHash))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_idempotency")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::CreatedBy)
                    .col(ApiKeys::IdempotencyKey)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_division")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::Division)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await
    }
}
