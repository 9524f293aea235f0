//! The `cases` table.

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, entity::prelude::*, sea_query::Expr};
use uuid::Uuid;

/// A stored case.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    /// Case id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case number (办件编号).
    #[sea_orm(unique)]
    pub case_number: String,
    /// Matter code.
    pub matter_code: String,
    /// Matter version the case was submitted under.
    pub matter_version: i32,
    /// Division of the accepting window.
    pub division_code: String,
    /// Channel.
    pub channel: String,
    /// `natural_person` or `legal_person`.
    pub applicant_kind: String,
    /// Applicant's name.
    pub applicant_name: String,
    /// Applicant's ID card number (stored in full, shown masked).
    pub applicant_id_number: String,
    /// Subject of the principal who submitted.
    pub submitted_by: String,
    /// State (see `domain::CaseState`).
    pub state: String,
    /// Outcome once decided.
    pub outcome: Option<String>,
    /// Handling plan captured at acceptance.
    pub plan: Option<Json>,
    /// Due time of the processing clock.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Submission time.
    pub submitted_at: DateTime<FixedOffset>,
    /// Acceptance time.
    pub accepted_at: Option<DateTime<FixedOffset>>,
    /// Decision time.
    pub decided_at: Option<DateTime<FixedOffset>>,
    /// Completion time.
    pub completed_at: Option<DateTime<FixedOffset>>,
    /// Last change.
    pub updated_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Loads a case.
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// Changes a case only if it is still at `expected_version`; returns whether it did.
/// `changes` sets the columns to change; the version is bumped here.
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn update_if_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    changes: Vec<(Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<bool, DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::Version, Expr::value(expected_version + 1))
        .col_expr(
            Column::UpdatedAt,
            Expr::value(chrono::Utc::now().fixed_offset()),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected_version));
    for (col, value) in changes {
        update = update.col_expr(col, value);
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Cases submitted by a subject, newest first.
pub async fn by_submitter(
    db: &impl ConnectionTrait,
    subject: &str,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    Entity::find()
        .filter(Column::SubmittedBy.eq(subject))
        .order_by_desc(Column::SubmittedAt)
        .limit(limit)
        .all(db)
        .await
}
