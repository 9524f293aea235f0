//! The `matters` table: one row per version of a matter (事项), its spec as JSON.

use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ConnectionTrait, DbErr, QueryOrder, QuerySelect, entity::prelude::*, sea_query::Expr,
};
use uuid::Uuid;

/// A stored matter version.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "matters")]
pub struct Model {
    /// Id of this version.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Implementation code (实施编码), shared by its versions.
    pub implementation_code: String,
    /// Version number, 1 upwards.
    pub version: i32,
    /// `draft`, `published` or `retired`.
    pub state: String,
    /// Name (copied from the spec, for search).
    pub name: String,
    /// Division (copied from the spec).
    pub division_code: String,
    /// Department (copied from the spec).
    pub department_code: String,
    /// Item type (copied from the spec).
    pub item_type: String,
    /// Case type (copied from the spec).
    pub case_type: String,
    /// The spec (`domain::catalog::MatterSpec`).
    pub spec: Json,
    /// Optimistic-concurrency version of the row.
    pub row_version: i32,
    /// Who created it.
    pub created_by: String,
    /// When it was created.
    pub created_at: DateTime<FixedOffset>,
    /// Last change.
    pub updated_at: DateTime<FixedOffset>,
    /// When it was published.
    pub published_at: Option<DateTime<FixedOffset>>,
    /// When it was retired.
    pub retired_at: Option<DateTime<FixedOffset>>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Loads one version.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}

/// The published version of a matter, if any.
pub async fn published(db: &impl ConnectionTrait, code: &str) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::ImplementationCode.eq(code))
        .filter(Column::State.eq("published"))
        .one(db)
        .await
}

/// Every version of a matter, newest first.
pub async fn versions(db: &impl ConnectionTrait, code: &str) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::ImplementationCode.eq(code))
        .order_by_desc(Column::Version)
        .all(db)
        .await
}

/// Highest version number of a matter (0 when it has none).
pub async fn last_version(db: &impl ConnectionTrait, code: &str) -> Result<i32, DbErr> {
    Ok(versions(db, code).await?.first().map_or(0, |m| m.version))
}

/// A catalog query: published matters, filtered.
#[derive(Debug, Default, Clone)]
pub struct Search {
    /// Words in the name.
    pub q: Option<String>,
    /// Division code or prefix (`32` province-wide, `3201` Nanjing).
    pub division: Option<String>,
    /// Department code.
    pub department: Option<String>,
    /// Item type (stored form).
    pub item_type: Option<String>,
    /// Case type (stored form).
    pub case_type: Option<String>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

/// Published matters matching `search`, by implementation code; also the total count.
pub async fn search(
    db: &impl ConnectionTrait,
    search: &Search,
) -> Result<(Vec<Model>, u64), DbErr> {
    let mut query = Entity::find().filter(Column::State.eq("published"));
    if let Some(q) = search.q.as_deref().filter(|q| !q.trim().is_empty()) {
        query = query.filter(Column::Name.contains(q.trim()));
    }
    if let Some(d) = search.division.as_deref().filter(|d| !d.is_empty()) {
        query = query.filter(Column::DivisionCode.starts_with(d));
    }
    if let Some(d) = search.department.as_deref() {
        query = query.filter(Column::DepartmentCode.eq(d));
    }
    if let Some(t) = search.item_type.as_deref() {
        query = query.filter(Column::ItemType.eq(t));
    }
    if let Some(t) = search.case_type.as_deref() {
        query = query.filter(Column::CaseType.eq(t));
    }
    let total = sea_orm::PaginatorTrait::count(query.clone(), db).await?;
    let rows = query
        .order_by_asc(Column::DivisionCode)
        .order_by_asc(Column::ImplementationCode)
        .offset(search.offset)
        .limit(search.limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Changes a version only if its row is still at `expected`; returns whether it did.
pub async fn update_if_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected: i32,
    changes: Vec<(Column, sea_orm::sea_query::SimpleExpr)>,
    now: DateTime<FixedOffset>,
) -> Result<bool, DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::RowVersion, Expr::value(expected + 1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::RowVersion.eq(expected));
    for (col, value) in changes {
        update = update.col_expr(col, value);
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}
