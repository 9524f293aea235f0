//! Cross-region handling (跨域通办): a case accepted at one division's window for another
//! division to handle records the handling division.

use sea_orm_migration::prelude::*;

/// Adds `cases.handling_division`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_cross_region"
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    HandlingDivision,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(
                        ColumnDef::new(Cases::HandlingDivision)
                            .string_len(12)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .drop_column(Cases::HandlingDivision)
                    .to_owned(),
            )
            .await
    }
}
