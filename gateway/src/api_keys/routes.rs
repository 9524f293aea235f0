//! `/api/v1/admin/api-keys`: administrators issue, list and revoke integrators' API keys.
//! Served by the gateway itself; the role × route matrix admits administrators only.

use std::collections::BTreeSet;

use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::{Next, from_fn},
    web,
};
use chrono::{DateTime, FixedOffset, Utc};
use govhall_web::{FieldError, Principal, Problem, extract::JsonBytes};
use sea_orm::{ActiveValue::Set, EntityTrait, SqlErr};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use govhall_contracts::division;

use super::{ApiKeys, digest, generate, store};
use crate::{
    access::integrator_scopes,
    auth::Caller,
    proxy::{ProxyState, admit},
};

/// What an administrator asks for.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "client_id": "suzhou-citizen-app", "name": "苏周到 App 申报接口",
    "scopes": ["drafts:write", "drafts:read", "cases:read", "cases:write", "uploads:write"],
    "rate_per_minute": 1200, "expires_at": "2027-12-31T23:59:59+08:00"
}))]
pub struct ApiKeyIn {
    /// The integrator's client id (lower-case letters, digits, `-`, `_`, `.`): the subject
    /// its requests run as. Several keys may share one client id (rotation).
    #[validate(length(min = 1, max = 64), custom(function = "client_id_chars"))]
    pub client_id: String,
    /// What the key is for.
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    /// Granted scopes, `<resource>:read` or `<resource>:write`, for resources integrators
    /// may use.
    #[validate(length(min = 1, max = 64))]
    pub scopes: Vec<String>,
    /// The key's own limit per minute (otherwise the integrator's or the default one).
    #[validate(range(min = 1, max = 1_000_000))]
    pub rate_per_minute: Option<u32>,
    /// When the key stops working; must be in the future.
    pub expires_at: Option<DateTime<FixedOffset>>,
}

fn client_id_chars(value: &str) -> Result<(), validator::ValidationError> {
    if value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("client_id")
            .with_message("lower-case letters, digits, '-', '_' and '.' only".into()))
    }
}

/// An issued key, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = api_key_example)]
pub struct ApiKeyOut {
    /// Row id.
    pub id: Uuid,
    /// The public part of the key (`ghk_<key_id>_…`), to tell keys apart.
    pub key_id: String,
    /// The integrator's client id.
    pub client_id: String,
    /// What the key is for.
    pub name: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The key's own limit per minute.
    pub rate_per_minute: Option<i32>,
    /// Division of the administrator who issued it.
    pub division: String,
    /// Who issued it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<FixedOffset>,
    /// When it stops working.
    pub expires_at: Option<DateTime<FixedOffset>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<FixedOffset>>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
}

/// The example of [`ApiKeyOut`] (also in [`ApiKeyCreated`]): the key of the request example,
/// just issued.
fn api_key_example() -> serde_json::Value {
    serde_json::json!({"id": "01a2106e-6500-738e-8e70-d02cb3c478b6", "key_id": "3f9c2a7e5b1d8046",
        "client_id": "suzhou-citizen-app", "name": "苏周到 App 申报接口",
        "scopes": ["drafts:write", "drafts:read", "cases:read", "cases:write", "uploads:write"],
        "rate_per_minute": 1200, "division": "320500", "created_by": "admin-sz",
        "created_at": "2026-11-25T10:00:00+08:00", "expires_at": "2027-12-31T23:59:59+08:00",
        "revoked_at": null, "revoked_by": null, "state": "active"})
}

/// A key as issued: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"key": "ghk_3f9c2a7e5b1d8046_9b2e4c71d0a85f3e6c1b7d94a2e05f8c3d6b19e7a4f02c85b7d3e1a96c4f0b28",
    "api_key": api_key_example()}))]
pub struct ApiKeyCreated {
    /// The key, to send as `X-Api-Key`. Shown once: govhall keeps only its digest.
    pub key: String,
    /// The key's record.
    pub api_key: ApiKeyOut,
}

/// Filters of the key list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyQuery {
    /// Only this integrator's keys.
    pub client_id: Option<String>,
    /// Include revoked keys (default false).
    pub include_revoked: Option<bool>,
}

/// Registers the routes, behind the same rate limits, authentication and matrix as every
/// proxied route (before any body is read).
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1/admin/api-keys")
            .wrap(from_fn(gatekeeper))
            .service(
                web::resource("")
                    .route(web::post().to(create_api_key))
                    .route(web::get().to(list_api_keys)),
            )
            .service(web::resource("/{id}").route(web::get().to(get_api_key)))
            .service(web::resource("/{id}/revocation").route(web::post().to(revoke_api_key))),
    );
}

/// Admits the request (or answers the gateway's 401/403/405/429) and hands the caller on.
async fn gatekeeper(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<ProxyState>>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorInternalServerError("gateway state missing"))?;
    let caller = admit(req.request(), &state).await?;
    if let Some(caller) = caller {
        req.extensions_mut().insert(caller);
    }
    next.call(req).await
}

/// The administrator the gatekeeper admitted.
fn principal_of(caller: Option<web::ReqData<Caller>>) -> Result<Principal, Problem> {
    caller
        .map(|c| c.into_inner().principal)
        .ok_or_else(|| Problem::unauthorized("login required"))
}

fn keys(state: &ProxyState) -> Result<&ApiKeys, Problem> {
    state.api_keys.as_deref().ok_or_else(|| {
        Problem::unavailable("API keys are not enabled: the gateway has no database")
    })
}

/// The administrator's division prefix: keys issued there and below are his.
fn admin_prefix(principal: &Principal) -> Result<String, Problem> {
    principal
        .division
        .as_deref()
        .filter(|d| d.len() == 6 && division::valid(d))
        .map(|d| division::prefix(d).to_owned())
        .ok_or_else(|| {
            Problem::forbidden("an administrator without a six-digit division manages no keys")
        })
}

fn out(row: store::Model) -> ApiKeyOut {
    let now = Utc::now();
    let state = if row.revoked_at.is_some() {
        "revoked"
    } else if row.expires_at.is_some_and(|at| at <= now) {
        "expired"
    } else {
        "active"
    };
    ApiKeyOut {
        id: row.id,
        key_id: row.key_id,
        client_id: row.client_id,
        name: row.name,
        scopes: serde_json::from_value(row.scopes).unwrap_or_default(),
        rate_per_minute: row.rate_per_minute,
        division: row.division,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        revoked_by: row.revoked_by,
        state: state.to_owned(),
    }
}

fn database(e: sea_orm::DbErr) -> Problem {
    tracing::error!(error = %e, "API key store failed");
    Problem::internal()
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, Problem> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 128 => Ok(Some(k.to_owned())),
        _ => Err(Problem::validation(vec![FieldError {
            field: "Idempotency-Key".into(),
            message: "Idempotency-Key must be 1 to 128 visible ASCII characters".into(),
            code: "invalid_idempotency_key".into(),
        }])),
    }
}

/// Issue an API key (签发接口密钥)
///
/// Returns the key once; govhall stores only its digest. A retry with the same
/// `Idempotency-Key` and body answers 200 with the record but without the key (it cannot be
/// shown twice): if the first answer was lost, revoke that key and issue another.
#[utoipa::path(post, path = "/api/v1/admin/api-keys", tag = "api-keys", operation_id = "create_api_key",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body give the same record")),
    request_body = ApiKeyIn,
    responses(
        (status = 201, description = "Issued; the key is in the body, once", body = ApiKeyCreated,
            headers(("Location" = String, description = "The key's record"))),
        (status = 200, description = "A retry of an earlier request: the record, without the key", body = ApiKeyOut),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator, or an administrator without a division", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client id belongs to an integrator registered by another division's administrators", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (unknown scope, expiry in the past…), or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The gateway has no database", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn create_api_key(
    req: HttpRequest,
    caller: Option<web::ReqData<Caller>>,
    body: JsonBytes,
    state: web::Data<ProxyState>,
) -> Result<HttpResponse, actix_web::Error> {
    let principal = principal_of(caller)?;
    let keys = keys(&state)?;
    let division = principal.division.clone().unwrap_or_default();
    admin_prefix(&principal)?;
    let idempotency = idempotency_key(&req)?;
    let hash = hex::encode(Sha256::digest(&body.0));
    let input: ApiKeyIn = govhall_web::extract::parse(&body.0)?;
    let mut errors = input
        .validate()
        .err()
        .map(|e| govhall_web::extract::flatten(&e))
        .unwrap_or_default();
    let grantable = integrator_scopes();
    for (i, scope) in input.scopes.iter().enumerate() {
        if !grantable.contains(scope) {
            errors.push(FieldError {
                field: format!("scopes[{i}]"),
                message: format!(
                    "unknown scope; integrators may be granted: {}",
                    grantable.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
                code: "unknown_scope".into(),
            });
        }
    }
    if input.expires_at.is_some_and(|at| at <= Utc::now()) {
        errors.push(FieldError {
            field: "expires_at".into(),
            message: "must be in the future".into(),
            code: "in_the_past".into(),
        });
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }

    if let Some(key) = &idempotency
        && let Some(earlier) = store::by_idempotency_key(&keys.db, &principal.sub, key)
            .await
            .map_err(database)?
    {
        return replay(earlier, &hash);
    }
    // A client id belongs to the division its first key was issued in: only administrators
    // of that division or above issue more (rotation); one elsewhere must not mint keys that
    // act as another region's integrator.
    let prefix = admin_prefix(&principal)?;
    let home = store::home_of_client(&keys.db, &input.client_id)
        .await
        .map_err(database)?;
    if home.is_some_and(|home| !home.starts_with(&prefix)) {
        return Err(Problem::conflict(
            "client_id_taken",
            "this client id belongs to an integrator registered by another division's administrators",
        )
        .into());
    }

    let new = generate();
    let scopes: BTreeSet<&String> = input.scopes.iter().collect();
    let row = store::ActiveModel {
        id: Set(Uuid::now_v7()),
        key_id: Set(new.key_id),
        digest: Set(digest(&new.key)),
        client_id: Set(input.client_id),
        name: Set(input.name),
        scopes: Set(serde_json::json!(scopes)),
        rate_per_minute: Set(input.rate_per_minute.and_then(|r| i32::try_from(r).ok())),
        division: Set(division),
        created_by: Set(principal.sub.clone()),
        created_at: Set(Utc::now().fixed_offset()),
        expires_at: Set(input.expires_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
        idempotency_key: Set(idempotency.clone()),
        request_hash: Set(idempotency.as_ref().map(|_| hash.clone())),
    };
    let id = row.id.clone().unwrap();
    match store::Entity::insert(row).exec(&keys.db).await {
        Ok(_) => {}
        // Two retries raced: the other one stored it first.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            if let Some(key) = &idempotency
                && let Some(earlier) = store::by_idempotency_key(&keys.db, &principal.sub, key)
                    .await
                    .map_err(database)?
            {
                return replay(earlier, &hash);
            }
            return Err(database(e).into());
        }
        Err(e) => return Err(database(e).into()),
    }
    let stored = store::Entity::find_by_id(id)
        .one(&keys.db)
        .await
        .map_err(database)?
        .ok_or_else(Problem::internal)?;
    tracing::info!(api_key.id = %id, client_id = %stored.client_id, "API key issued");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/admin/api-keys/{id}")))
        .json(ApiKeyCreated {
            key: new.key,
            api_key: out(stored),
        }))
}

fn replay(earlier: store::Model, hash: &str) -> Result<HttpResponse, actix_web::Error> {
    if earlier.request_hash.as_deref() != Some(hash) {
        return Err(Problem::validation(vec![FieldError {
            field: "Idempotency-Key".into(),
            message: "this Idempotency-Key was used with another body".into(),
            code: "idempotency_key_reused".into(),
        }])
        .into());
    }
    Ok(HttpResponse::Ok().json(out(earlier)))
}

/// List API keys
///
/// Keys issued in the administrator's division and the divisions below, newest first.
#[utoipa::path(get, path = "/api/v1/admin/api-keys", tag = "api-keys", operation_id = "list_api_keys",
    params(ApiKeyQuery),
    responses(
        (status = 200, description = "The keys, without secrets", body = Vec<ApiKeyOut>),
        (status = 400, description = "A malformed query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The gateway has no database", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn list_api_keys(
    caller: Option<web::ReqData<Caller>>,
    query: web::Query<ApiKeyQuery>,
    state: web::Data<ProxyState>,
) -> Result<HttpResponse, actix_web::Error> {
    let principal = principal_of(caller)?;
    let keys = keys(&state)?;
    let prefix = admin_prefix(&principal)?;
    let rows = store::under(
        &keys.db,
        &prefix,
        query.client_id.as_deref(),
        query.include_revoked.unwrap_or(false),
    )
    .await
    .map_err(database)?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(out).collect::<Vec<_>>()))
}

async fn visible(keys: &ApiKeys, principal: &Principal, id: Uuid) -> Result<store::Model, Problem> {
    let prefix = admin_prefix(principal)?;
    store::Entity::find_by_id(id)
        .one(&keys.db)
        .await
        .map_err(database)?
        .filter(|row| row.division.starts_with(&prefix))
        .ok_or_else(|| Problem::not_found("API key"))
}

/// Get an API key
#[utoipa::path(get, path = "/api/v1/admin/api-keys/{id}", tag = "api-keys", operation_id = "get_api_key",
    params(("id" = Uuid, Path, description = "The key's record id")),
    responses(
        (status = 200, description = "The key, without its secret", body = ApiKeyOut),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key in the administrator's divisions, or the id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The gateway has no database", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn get_api_key(
    caller: Option<web::ReqData<Caller>>,
    id: web::Path<Uuid>,
    state: web::Data<ProxyState>,
) -> Result<HttpResponse, actix_web::Error> {
    let principal = principal_of(caller)?;
    let keys = keys(&state)?;
    let row = visible(keys, &principal, *id).await?;
    Ok(HttpResponse::Ok().json(out(row)))
}

/// Revoke an API key (吊销)
///
/// The key stops working at once on this gateway replica and within 30 seconds on the
/// others. Revoking a revoked key changes nothing and answers the same record.
#[utoipa::path(post, path = "/api/v1/admin/api-keys/{id}/revocation", tag = "api-keys", operation_id = "revoke_api_key",
    params(("id" = Uuid, Path, description = "The key's record id")),
    responses(
        (status = 200, description = "Revoked", body = ApiKeyOut),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key in the administrator's divisions, or the id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The gateway has no database", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn revoke_api_key(
    caller: Option<web::ReqData<Caller>>,
    id: web::Path<Uuid>,
    state: web::Data<ProxyState>,
) -> Result<HttpResponse, actix_web::Error> {
    let principal = principal_of(caller)?;
    let keys = keys(&state)?;
    let row = visible(keys, &principal, *id).await?;
    if store::revoke(&keys.db, row.id, &principal.sub, Utc::now().fixed_offset())
        .await
        .map_err(database)?
    {
        tracing::info!(api_key.id = %row.id, client_id = %row.client_id, "API key revoked");
    }
    keys.forget(&row.digest);
    let row = visible(keys, &principal, *id).await?;
    Ok(HttpResponse::Ok().json(out(row)))
}
