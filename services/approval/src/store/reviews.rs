//! The `reviews` table: one review of a case at one level.

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, entity::prelude::*, sea_query::Expr};
use uuid::Uuid;

/// A stored review.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    /// Review id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Case id (a case is reviewed at acceptance and at each level of a chain).
    pub case_id: Uuid,
    /// Division of the case.
    pub division_code: String,
    /// Join rule (`all`, `any`, `lead_decides`).
    pub join_rule: String,
    /// `open` or `concluded`.
    pub state: String,
    /// Outcome once concluded.
    pub outcome: Option<String>,
    /// The handling plan the review started with (kept to the end).
    pub plan: Json,
    /// Optimistic-concurrency version; every opinion bumps it, so concurrent opinions
    /// on one review are serialised and the join rule sees them all.
    pub version: i32,
    /// Opened.
    pub opened_at: DateTime<FixedOffset>,
    /// Concluded.
    pub concluded_at: Option<DateTime<FixedOffset>>,
    /// What opened it: `acceptance`, or `stage:<transfer id>` for a level of a chain.
    pub source: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Bumps the version of an open review if it is still at `version`; with `conclusion`,
/// also concludes it.
pub async fn bump(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    conclusion: Option<(&str, DateTime<FixedOffset>)>,
) -> Result<bool, DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::Version, Expr::value(version + 1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(version))
        .filter(Column::State.eq("open"));
    if let Some((outcome, at)) = conclusion {
        update = update
            .col_expr(Column::State, Expr::value("concluded"))
            .col_expr(Column::Outcome, Expr::value(outcome))
            .col_expr(Column::ConcludedAt, Expr::value(at));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Moves a review from state `from` to `to` if it is still at `version`; returns whether it did.
pub async fn set_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    from: &str,
    to: &str,
) -> Result<bool, DbErr> {
    Ok(Entity::update_many()
        .col_expr(Column::Version, Expr::value(version + 1))
        .col_expr(Column::State, Expr::value(to))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(version))
        .filter(Column::State.eq(from))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}
