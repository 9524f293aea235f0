//! The `calendar_years` and `calendar_changes` tables: calendars as data, versioned and
//! audited.

use chrono::{DateTime, FixedOffset};
use govhall_calendar::{Calendars, YearCalendar};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, QueryOrder, entity::prelude::*,
    sea_query::Expr,
};
use uuid::Uuid;

/// The scope of the national calendar.
pub use crate::domain::division::NATIONAL;

/// One stored year of one scope.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_years")]
pub struct Model {
    /// `000000` (national) or a division code (its overlay).
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    /// The year.
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    /// The `YearCalendar` as JSON.
    pub data: Json,
    /// Version, bumped by every change.
    pub version: i32,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<FixedOffset>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Every stored year, in a stable order.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .order_by_asc(Column::Scope)
        .order_by_asc(Column::Year)
        .all(db)
        .await
}

/// A stored year.
pub async fn find(
    db: &impl ConnectionTrait,
    scope: &str,
    year: i32,
) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id((scope.to_owned(), year)).one(db).await
}

/// Builds the in-memory calendars from the stored rows (rows that no longer parse are
/// skipped and logged: a bad row must not take the service down).
pub fn compile(rows: &[Model]) -> Calendars {
    let mut calendars = Calendars::default();
    for row in rows {
        let loaded = serde_json::from_value::<YearCalendar>(row.data.clone())
            .map_err(|e| e.to_string())
            .and_then(|year| {
                if row.scope == NATIONAL {
                    calendars.set_national(year)
                } else {
                    calendars.set_overlay(&row.scope, year)
                }
                .map_err(|e| e.to_string())
            });
        if let Err(error) = loaded {
            tracing::error!(calendar.scope = %row.scope, calendar.year = row.year, error, "stored calendar skipped");
        }
    }
    calendars
}

/// Stores a year: inserts it, or replaces it if it is still at `expected_version` (any
/// version when `None`); records the change for audit. Returns the new version, or `None`
/// when someone changed it first.
pub async fn put(
    db: &impl ConnectionTrait,
    scope: &str,
    year: &YearCalendar,
    expected_version: Option<i32>,
    actor: &str,
    reason: Option<String>,
    at: DateTime<FixedOffset>,
) -> Result<Option<i32>, DbErr> {
    let data = serde_json::to_value(year).map_err(|e| DbErr::Custom(e.to_string()))?;
    let version = match find(db, scope, year.year).await? {
        None => {
            ActiveModel {
                scope: Set(scope.to_owned()),
                year: Set(year.year),
                data: Set(data.clone()),
                version: Set(1),
                updated_by: Set(actor.to_owned()),
                updated_at: Set(at),
            }
            .insert(db)
            .await?;
            1
        }
        Some(current) => {
            if expected_version.is_some_and(|v| v != current.version) {
                return Ok(None);
            }
            let changed = Entity::update_many()
                .col_expr(Column::Data, Expr::value(data.clone()))
                .col_expr(Column::Version, Expr::value(current.version + 1))
                .col_expr(Column::UpdatedBy, Expr::value(actor))
                .col_expr(Column::UpdatedAt, Expr::value(at))
                .filter(Column::Scope.eq(scope))
                .filter(Column::Year.eq(year.year))
                .filter(Column::Version.eq(current.version))
                .exec(db)
                .await?;
            if changed.rows_affected != 1 {
                return Ok(None);
            }
            current.version + 1
        }
    };
    super::calendar_changes::ActiveModel {
        id: Set(Uuid::now_v7()),
        scope: Set(scope.to_owned()),
        year: Set(year.year),
        version: Set(version),
        actor: Set(actor.to_owned()),
        reason: Set(reason),
        data: Set(data),
        at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(Some(version))
}
