//! The single window in full: the versioned catalog, drafts, cases with applicants and
//! forms, materials, the timeline, notices, ratings and rectifications.
//!
//! The skeleton's `cases` table is renamed `cases_v1` rather than dropped, so no case
//! recorded before this migration is lost.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the tables of the full single window.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_single_window"
    }
}

#[derive(DeriveIden)]
enum Matters {
    Table,
    Id,
    ImplementationCode,
    Version,
    State,
    Name,
    DivisionCode,
    DepartmentCode,
    ItemType,
    CaseType,
    Spec,
    RowVersion,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum Drafts {
    Table,
    Id,
    Owner,
    MatterId,
    Body,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    CaseNumber,
    QueryPasswordHash,
    MatterId,
    MatterCode,
    MatterVersion,
    MatterName,
    DepartmentCode,
    DivisionCode,
    CaseType,
    Channel,
    WindowCode,
    ApplicantKind,
    ApplicantName,
    ApplicantIdType,
    ApplicantIdNumber,
    AgentName,
    AgentIdNumber,
    ContactPhone,
    FormData,
    SubmittedBy,
    State,
    Outcome,
    Plan,
    DueAt,
    Alert,
    ReceivedAt,
    SubmittedAt,
    AcceptedAt,
    Deemed,
    Commitment,
    CommitmentDueAt,
    Suspension,
    DecidedAt,
    Decision,
    Delivery,
    CompletedAt,
    ClosedAt,
    CloseReason,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CaseNumberSeq {
    Table,
    DivisionCode,
    Day,
    Last,
}

#[derive(DeriveIden)]
enum Materials {
    Table,
    Id,
    OwnerId,
    MaterialCode,
    FileName,
    ContentType,
    Size,
    Sha256,
    StorageKey,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum CaseEvents {
    Table,
    Id,
    CaseId,
    At,
    Kind,
    Actor,
    Summary,
    Details,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    CaseId,
    Kind,
    VerificationCode,
    Body,
    IssuedBy,
    IssuedAt,
}

#[derive(DeriveIden)]
enum Ratings {
    Table,
    Id,
    CaseId,
    Score,
    Comment,
    MatterCode,
    DepartmentCode,
    DivisionCode,
    RatedBy,
    RatedAt,
}

#[derive(DeriveIden)]
enum Rectifications {
    Table,
    Id,
    CaseId,
    DepartmentCode,
    DivisionCode,
    State,
    DueAt,
    Note,
    Version,
    CreatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Idempotency {
    Table,
    Subject,
    Scope,
    Key,
    RequestHash,
    ResourceId,
    CreatedAt,
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&str],
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table).if_not_exists();
    for c in cols {
        idx.col(Alias::new(*c));
    }
    manager.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .rename_table(
                Table::rename()
                    .table(Cases::Table, Alias::new("cases_v1"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Matters::Table)
                    .col(uuid(Matters::Id).primary_key())
                    .col(string(Matters::ImplementationCode))
                    .col(integer(Matters::Version))
                    .col(string(Matters::State))
                    .col(string(Matters::Name))
                    .col(string(Matters::DivisionCode))
                    .col(string(Matters::DepartmentCode))
                    .col(string(Matters::ItemType))
                    .col(string(Matters::CaseType))
                    .col(json(Matters::Spec))
                    .col(integer(Matters::RowVersion))
                    .col(string(Matters::CreatedBy))
                    .col(timestamp_with_time_zone(Matters::CreatedAt))
                    .col(timestamp_with_time_zone(Matters::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Matters::PublishedAt))
                    .col(timestamp_with_time_zone_null(Matters::RetiredAt))
                    .index(
                        Index::create()
                            .name("matters_code_version")
                            .unique()
                            .col(Matters::ImplementationCode)
                            .col(Matters::Version),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "matters_by_state_division",
            Matters::Table,
            &["state", "division_code"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Drafts::Table)
                    .col(uuid(Drafts::Id).primary_key())
                    .col(string(Drafts::Owner))
                    .col(uuid(Drafts::MatterId))
                    .col(json(Drafts::Body))
                    .col(integer(Drafts::Version))
                    .col(timestamp_with_time_zone(Drafts::CreatedAt))
                    .col(timestamp_with_time_zone(Drafts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(manager, "drafts_by_owner", Drafts::Table, &["owner"]).await?;
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .col(uuid(Cases::Id).primary_key())
                    .col(string_len(Cases::CaseNumber, 50).unique_key())
                    .col(string(Cases::QueryPasswordHash))
                    .col(uuid(Cases::MatterId))
                    .col(string(Cases::MatterCode))
                    .col(integer(Cases::MatterVersion))
                    .col(string(Cases::MatterName))
                    .col(string(Cases::DepartmentCode))
                    .col(string(Cases::DivisionCode))
                    .col(string(Cases::CaseType))
                    .col(string(Cases::Channel))
                    .col(string_null(Cases::WindowCode))
                    .col(string(Cases::ApplicantKind))
                    .col(string(Cases::ApplicantName))
                    .col(string(Cases::ApplicantIdType))
                    .col(string(Cases::ApplicantIdNumber))
                    .col(string_null(Cases::AgentName))
                    .col(string_null(Cases::AgentIdNumber))
                    .col(string_null(Cases::ContactPhone))
                    .col(json(Cases::FormData))
                    .col(string(Cases::SubmittedBy))
                    .col(string(Cases::State))
                    .col(string_null(Cases::Outcome))
                    .col(json_null(Cases::Plan))
                    .col(timestamp_with_time_zone_null(Cases::DueAt))
                    .col(string(Cases::Alert))
                    .col(timestamp_with_time_zone(Cases::ReceivedAt))
                    .col(timestamp_with_time_zone(Cases::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Cases::AcceptedAt))
                    .col(boolean(Cases::Deemed))
                    .col(json_null(Cases::Commitment))
                    .col(timestamp_with_time_zone_null(Cases::CommitmentDueAt))
                    .col(json_null(Cases::Suspension))
                    .col(timestamp_with_time_zone_null(Cases::DecidedAt))
                    .col(json_null(Cases::Decision))
                    .col(json_null(Cases::Delivery))
                    .col(timestamp_with_time_zone_null(Cases::CompletedAt))
                    .col(timestamp_with_time_zone_null(Cases::ClosedAt))
                    .col(string_null(Cases::CloseReason))
                    .col(integer(Cases::Version))
                    .col(timestamp_with_time_zone(Cases::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "cases_v3_by_submitter",
            Cases::Table,
            &["submitted_by", "submitted_at"],
        )
        .await?;
        index(
            manager,
            "cases_v3_by_division_state",
            Cases::Table,
            &["division_code", "state"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseNumberSeq::Table)
                    .col(string(CaseNumberSeq::DivisionCode))
                    .col(string(CaseNumberSeq::Day))
                    .col(integer(CaseNumberSeq::Last))
                    .primary_key(
                        Index::create()
                            .col(CaseNumberSeq::DivisionCode)
                            .col(CaseNumberSeq::Day),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Materials::Table)
                    .col(uuid(Materials::Id).primary_key())
                    .col(uuid(Materials::OwnerId))
                    .col(string(Materials::MaterialCode))
                    .col(string(Materials::FileName))
                    .col(string(Materials::ContentType))
                    .col(big_integer(Materials::Size))
                    .col(string(Materials::Sha256))
                    .col(string(Materials::StorageKey))
                    .col(string(Materials::UploadedBy))
                    .col(timestamp_with_time_zone(Materials::UploadedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "materials_by_owner",
            Materials::Table,
            &["owner_id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseEvents::Table)
                    .col(uuid(CaseEvents::Id).primary_key())
                    .col(uuid(CaseEvents::CaseId))
                    .col(timestamp_with_time_zone(CaseEvents::At))
                    .col(string(CaseEvents::Kind))
                    .col(string(CaseEvents::Actor))
                    .col(string(CaseEvents::Summary))
                    .col(json_null(CaseEvents::Details))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "case_events_by_case",
            CaseEvents::Table,
            &["case_id", "at"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notices::Table)
                    .col(uuid(Notices::Id).primary_key())
                    .col(uuid(Notices::CaseId))
                    .col(string(Notices::Kind))
                    .col(string(Notices::VerificationCode))
                    .col(json(Notices::Body))
                    .col(string(Notices::IssuedBy))
                    .col(timestamp_with_time_zone(Notices::IssuedAt))
                    .to_owned(),
            )
            .await?;
        index(manager, "notices_by_case", Notices::Table, &["case_id"]).await?;
        manager
            .create_table(
                Table::create()
                    .table(Ratings::Table)
                    .col(uuid(Ratings::Id).primary_key())
                    .col(uuid(Ratings::CaseId).unique_key())
                    .col(small_integer(Ratings::Score))
                    .col(string_null(Ratings::Comment))
                    .col(string(Ratings::MatterCode))
                    .col(string(Ratings::DepartmentCode))
                    .col(string(Ratings::DivisionCode))
                    .col(string(Ratings::RatedBy))
                    .col(timestamp_with_time_zone(Ratings::RatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rectifications::Table)
                    .col(uuid(Rectifications::Id).primary_key())
                    .col(uuid(Rectifications::CaseId))
                    .col(string(Rectifications::DepartmentCode))
                    .col(string(Rectifications::DivisionCode))
                    .col(string(Rectifications::State))
                    .col(timestamp_with_time_zone_null(Rectifications::DueAt))
                    .col(string_null(Rectifications::Note))
                    .col(integer(Rectifications::Version))
                    .col(timestamp_with_time_zone(Rectifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Rectifications::ClosedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Idempotency::Table)
                    .col(string(Idempotency::Subject))
                    .col(string(Idempotency::Scope))
                    .col(string(Idempotency::Key))
                    .col(string(Idempotency::RequestHash))
                    .col(uuid(Idempotency::ResourceId))
                    .col(timestamp_with_time_zone(Idempotency::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Idempotency::Subject)
                            .col(Idempotency::Scope)
                            .col(Idempotency::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "idempotency",
            "rectifications",
            "ratings",
            "notices",
            "case_events",
            "materials",
            "case_number_seq",
            "cases",
            "drafts",
            "matters",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        manager
            .rename_table(
                Table::rename()
                    .table(Alias::new("cases_v1"), Cases::Table)
                    .to_owned(),
            )
            .await
    }
}
