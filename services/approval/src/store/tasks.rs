//! The `tasks` table: one task per department of a review.

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, QueryOrder, entity::prelude::*};
use uuid::Uuid;

/// A stored task.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    /// Task id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Review.
    pub review_id: Uuid,
    /// Case.
    pub case_id: Uuid,
    /// Department code.
    pub department_code: String,
    /// Department name.
    pub department_name: String,
    /// Lead department?
    pub lead: bool,
    /// `open`, `done` or `cancelled`.
    pub state: String,
    /// Verdict (`approved` / `denied`).
    pub outcome: Option<String>,
    /// Opinion text.
    pub comment: Option<String>,
    /// Reviewer subject.
    pub reviewer: Option<String>,
    /// Opened.
    pub opened_at: DateTime<FixedOffset>,
    /// Opinion recorded.
    pub recorded_at: Option<DateTime<FixedOffset>>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// The opinion was deemed (no answer in time, or a refusal without a reason).
    pub deemed: bool,
    /// Agreed but referred upward.
    pub referred: bool,
    /// The reviewer working on it (claimed or assigned), if any.
    pub assignee: Option<String>,
    /// Due time of its clock, as the deadline service counted it.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// The step the department's review is at (0 = first).
    pub step_index: i32,
    /// The department's steps (`[{name, role}]`); none: a single step.
    pub steps: Option<Json>,
}

impl Model {
    /// The department's steps.
    pub fn step_list(&self) -> Vec<govhall_contracts::events::intake::ReviewStep> {
        self.steps
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Tasks of one review.
pub async fn of_review(db: &impl ConnectionTrait, review_id: Uuid) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ReviewId.eq(review_id))
        .order_by_asc(Column::OpenedAt)
        .all(db)
        .await
}

/// Inbox of a department: its tasks, optionally of one case, oldest first.
pub async fn inbox(
    db: &impl ConnectionTrait,
    department: &str,
    case_id: Option<Uuid>,
) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find().filter(Column::DepartmentCode.eq(department));
    if let Some(case_id) = case_id {
        q = q.filter(Column::CaseId.eq(case_id));
    }
    // Least time left first; tasks whose due time is not known yet after them.
    let mut items = q.order_by_asc(Column::OpenedAt).all(db).await?;
    items.sort_by_key(|t| (t.state != "open", t.due_at.is_none(), t.due_at));
    Ok(items)
}
