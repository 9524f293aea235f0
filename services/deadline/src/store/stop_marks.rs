//! The `stop_marks` table: which clocks of a case were stopped, by scope (`acceptance`,
//! `processing`, `statutory`, `task:<review id>`, or `*` for all), so that a start handled
//! after its stop creates the clock already stopped.

use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, DbErr, entity::prelude::*};
use uuid::Uuid;

/// Every clock of the case.
pub const ALL: &str = "*";

/// A stop mark.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stop_marks")]
pub struct Model {
    /// Case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: Uuid,
    /// What was stopped.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Marks `scope` of the case stopped at `at` (the first mark stays).
pub async fn mark(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    scope: &str,
    at: DateTime<FixedOffset>,
) -> Result<(), DbErr> {
    let row = ActiveModel {
        case_id: sea_orm::ActiveValue::Set(case_id),
        scope: sea_orm::ActiveValue::Set(scope.to_owned()),
        at: sea_orm::ActiveValue::Set(super::clocks::utc(at)),
    };
    Entity::insert(row)
        .on_conflict_do_nothing_on([Column::CaseId, Column::Scope])
        .exec(db)
        .await?;
    Ok(())
}

/// When any of `scopes` (or everything) of the case was stopped at or after `since`, if it
/// was. A mark older than a clock's start belongs to an earlier period (a case completed
/// before its rating, an acceptance clock restarted after a supplement) and does not stop it.
pub async fn stopped_at(
    db: &impl ConnectionTrait,
    case_id: Uuid,
    scopes: &[&str],
    since: DateTime<FixedOffset>,
) -> Result<Option<DateTime<FixedOffset>>, DbErr> {
    Ok(Entity::find()
        .filter(Column::CaseId.eq(case_id))
        .filter(Column::At.gte(super::clocks::utc(since)))
        .filter(Column::Scope.is_in(scopes.iter().copied().chain([ALL])))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.at)
        .min())
}
