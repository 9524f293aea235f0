//! The `divisions` table: the administrative division tree (GB/T 2260), retired codes kept.

use chrono::{DateTime, FixedOffset};
use sea_orm::entity::prelude::*;

/// A stored division.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "divisions")]
pub struct Model {
    /// Code: 6 digits (province, city, county) or 9 (township).
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Name.
    pub name: String,
    /// `province`, `city`, `county`, `township`.
    pub level: String,
    /// Parent code (none for a province).
    pub parent_code: Option<String>,
    /// `active` or `retired`.
    pub state: String,
    /// The division a retired one was merged into or renamed to.
    pub successor_code: Option<String>,
    /// Optimistic-concurrency version.
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

/// Names of the given codes that are known (retired ones included).
pub async fn names(
    db: &impl ConnectionTrait,
    codes: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    let codes: Vec<String> = codes.into_iter().collect();
    Ok(Entity::find()
        .filter(Column::Code.is_in(codes))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect())
}
