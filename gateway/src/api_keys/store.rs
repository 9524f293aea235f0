//! The `api_keys` table: one row per key govhall issued to an integrator (接口密钥).
//! The key itself is never stored: only its SHA-256 digest and its public id.

use chrono::{DateTime, FixedOffset};
use sea_orm::{QueryOrder, entity::prelude::*};
use uuid::Uuid;

/// A stored API key.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Public part of the key (`ghk_<key_id>_<secret>`), unique, used to find the row.
    #[sea_orm(unique)]
    pub key_id: String,
    /// SHA-256 of the whole key, hex.
    pub digest: String,
    /// The integrator's client id: the principal's subject.
    pub client_id: String,
    /// What the key is for, for people.
    pub name: String,
    /// Granted scopes (`["cases:read", "cases:write"]`).
    pub scopes: Json,
    /// The key's own rate limit per minute, if it has one.
    pub rate_per_minute: Option<i32>,
    /// Division of the administrator who issued it; administrators see the keys of their
    /// division and those below.
    pub division: String,
    /// Who issued it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<FixedOffset>,
    /// After this the key is refused.
    pub expires_at: Option<DateTime<FixedOffset>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<FixedOffset>>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// `Idempotency-Key` of the request that created it.
    pub idempotency_key: Option<String>,
    /// SHA-256 of that request's body.
    pub request_hash: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The key with this public id.
pub async fn by_key_id(db: &impl ConnectionTrait, key_id: &str) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::KeyId.eq(key_id))
        .one(db)
        .await
}

/// A key an administrator created earlier with the same `Idempotency-Key`.
pub async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    created_by: &str,
    key: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::CreatedBy.eq(created_by))
        .filter(Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}

/// The division the first key for `client_id` was issued in (revoked keys count): the
/// integrator's home.
pub async fn home_of_client(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<String>, DbErr> {
    Ok(Entity::find()
        .filter(Column::ClientId.eq(client_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .one(db)
        .await?
        .map(|row| row.division))
}

/// Keys issued in divisions starting with `prefix`, newest first.
pub async fn under(
    db: &impl ConnectionTrait,
    prefix: &str,
    client_id: Option<&str>,
    include_revoked: bool,
) -> Result<Vec<Model>, DbErr> {
    let mut find = Entity::find().filter(Column::Division.starts_with(prefix));
    if let Some(client_id) = client_id {
        find = find.filter(Column::ClientId.eq(client_id));
    }
    if !include_revoked {
        find = find.filter(Column::RevokedAt.is_null());
    }
    find.order_by_desc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Marks a key revoked unless it already is; `true` when this call revoked it.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: &str,
    at: DateTime<FixedOffset>,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::Expr;
    let result = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(at))
        .col_expr(Column::RevokedBy, Expr::value(by.to_owned()))
        .filter(Column::Id.eq(id))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
