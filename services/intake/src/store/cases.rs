//! The `cases` table.

use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ConnectionTrait, DbErr, QueryOrder, QuerySelect, entity::prelude::*, sea_query::Expr,
};
use uuid::Uuid;

/// A stored case.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    /// Case id (the draft's id when it started as one).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case number (办件编号).
    #[sea_orm(unique)]
    pub case_number: String,
    /// SHA-256 of case number and query password (查询密码), hex.
    pub query_password_hash: String,
    /// The matter version it was submitted under.
    pub matter_id: Uuid,
    /// Matter implementation code.
    pub matter_code: String,
    /// Matter version number.
    pub matter_version: i32,
    /// Matter name.
    pub matter_name: String,
    /// Implementing department.
    pub department_code: String,
    /// Division of the accepting window.
    pub division_code: String,
    /// The division that handles a case accepted here for it (跨域通办); none otherwise.
    pub handling_division: Option<String>,
    /// `instant` or `promised`.
    pub case_type: String,
    /// Channel.
    pub channel: String,
    /// Window (hall and counter) that took it, for counter applications.
    pub window_code: Option<String>,
    /// `natural_person` or `legal_person`.
    pub applicant_kind: String,
    /// Applicant's name (person or organisation).
    pub applicant_name: String,
    /// `id_card` or `credit_code`.
    pub applicant_id_type: String,
    /// ID card number or unified social credit code (stored in full, shown masked).
    pub applicant_id_number: String,
    /// Agent's name, when an agent applies.
    pub agent_name: Option<String>,
    /// Agent's ID card number.
    pub agent_id_number: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Form fields, valid against the matter version's schema.
    pub form_data: Json,
    /// Subject of the principal who submitted (the applicant, or the clerk at the counter).
    pub submitted_by: String,
    /// State (`domain::CaseState`).
    pub state: String,
    /// Outcome once decided.
    pub outcome: Option<String>,
    /// Handling plan captured at acceptance.
    pub plan: Option<Json>,
    /// Due time of the processing clock.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Worst time-limit alert so far: `none`, `warning`, `yellow`, `red`.
    pub alert: String,
    /// When the complete materials were received (acceptance dates from here).
    pub received_at: DateTime<FixedOffset>,
    /// First submission.
    pub submitted_at: DateTime<FixedOffset>,
    /// Acceptance time.
    pub accepted_at: Option<DateTime<FixedOffset>>,
    /// Accepted by law because the acceptance time ran out.
    pub deemed: bool,
    /// 容缺 commitment: the missing material codes.
    pub commitment: Option<Json>,
    /// When the commitment falls due.
    pub commitment_due_at: Option<DateTime<FixedOffset>>,
    /// The running special procedure.
    pub suspension: Option<Json>,
    /// Decision time.
    pub decided_at: Option<DateTime<FixedOffset>>,
    /// The opinions behind the decision.
    pub decision: Option<Json>,
    /// How the result is delivered.
    pub delivery: Option<Json>,
    /// Completion time.
    pub completed_at: Option<DateTime<FixedOffset>>,
    /// When it was rejected, withdrawn or terminated.
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// Why.
    pub close_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
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

/// Loads a case by number.
pub async fn by_number(db: &impl ConnectionTrait, number: &str) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::CaseNumber.eq(number))
        .one(db)
        .await
}

/// Changes a case only if it is still at `expected_version`; returns whether it did.
/// `changes` sets the columns to change; the version is bumped here.
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn update_if_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    changes: Vec<(Column, sea_orm::sea_query::SimpleExpr)>,
    now: DateTime<FixedOffset>,
) -> Result<bool, DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::Version, Expr::value(expected_version + 1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
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
    Entity::find()
        .filter(Column::SubmittedBy.eq(subject))
        .order_by_desc(Column::SubmittedAt)
        .limit(limit)
        .all(db)
        .await
}

/// A staff search.
#[derive(Debug, Default, Clone)]
pub struct Search {
    /// Division (exact, or a prefix for supervisors).
    pub division_prefix: String,
    /// Department, for reviewers tied to one.
    pub department: Option<String>,
    /// States (stored forms); all when empty.
    pub states: Vec<String>,
    /// Case number prefix.
    pub number: Option<String>,
    /// Matter code.
    pub matter_code: Option<String>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

/// Cases matching a staff search, newest first, and their total.
pub async fn search(db: &impl ConnectionTrait, s: &Search) -> Result<(Vec<Model>, u64), DbErr> {
    let mut query = Entity::find().filter(Column::DivisionCode.starts_with(&s.division_prefix));
    if let Some(d) = &s.department {
        query = query.filter(Column::DepartmentCode.eq(d));
    }
    if !s.states.is_empty() {
        query = query.filter(Column::State.is_in(s.states.clone()));
    }
    if let Some(n) = s.number.as_deref().filter(|n| !n.is_empty()) {
        query = query.filter(Column::CaseNumber.starts_with(n));
    }
    if let Some(m) = &s.matter_code {
        query = query.filter(Column::MatterCode.eq(m));
    }
    let total = sea_orm::PaginatorTrait::count(query.clone(), db).await?;
    let rows = query
        .order_by_desc(Column::SubmittedAt)
        .offset(s.offset)
        .limit(s.limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The pre-review queue of a division (待受理, 待补正 excluded: the applicant holds them),
/// oldest receipt first — the acceptance time runs out in that order.
pub async fn awaiting_pre_review(
    db: &impl ConnectionTrait,
    division: &str,
    window: Option<&str>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    // New applications, and accepted ones the review returned to the window.
    let mut query = Entity::find()
        .filter(Column::DivisionCode.eq(division))
        .filter(Column::State.is_in(["submitted", "returned_to_window"]));
    if let Some(w) = window {
        query = query.filter(
            sea_orm::Condition::any()
                .add(Column::WindowCode.eq(w))
                .add(Column::WindowCode.is_null()),
        );
    }
    query
        .order_by_asc(Column::ReceivedAt)
        .limit(limit)
        .all(db)
        .await
}
