//! Drafts (草稿): an application saved, edited and listed before it is submitted. A draft
//! may be incomplete; it is checked in full on submission and becomes a case with its id.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, PrincipalKind, Problem, RequestContext};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    IntakeError,
    cases::submit::{ApplicationIn, SubmittedOut, check, consume_draft, create_case},
    support::{Intake, etag, expected_version, idempotency_key, remember, replayed, request_hash},
};
use crate::{
    startup::AppState,
    store::{drafts, matters},
};

/// A draft as saved.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"matter_code": "11320102MB1234567X4000117001", "application": {"form": {"shop_name": "玄武小吃店"}}}))]
pub struct DraftIn {
    /// Matter implementation code (must be published).
    pub matter_code: String,
    /// The application so far: any part of an application body.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub application: serde_json::Value,
}

/// A saved draft.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01a21ced-6268-76cc-8938-59b10794a750", "matter_code": "11320102MB1234567X4000117001",
    "matter_name": "食品经营许可（新办）",
    "application": {"applicant": {"kind": "natural_person", "name": "孙伟", "id_number": "320104199208142021"},
        "form": {"shop_name": "玄武小吃店", "premises": "南京市玄武区珠江路 1 号"}},
    "version": 2, "created_at": "2026-11-27T20:14:09+08:00", "updated_at": "2026-11-27T20:19:52+08:00"}))]
pub struct DraftOut {
    /// Draft id (the case keeps it).
    pub id: Uuid,
    /// Matter implementation code.
    pub matter_code: String,
    /// Matter name.
    pub matter_name: String,
    /// The application so far (`null` until something is saved).
    #[schema(value_type = Option<Object>)]
    pub application: serde_json::Value,
    /// Version, for `If-Match`.
    pub version: i32,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last saved at.
    pub updated_at: DateTime<FixedOffset>,
}

fn out(d: drafts::Model) -> DraftOut {
    let code = d
        .body
        .get("matter_code")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let name = d
        .body
        .get("matter_name")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    DraftOut {
        id: d.id,
        matter_code: code,
        matter_name: name,
        application: d.body.get("application").cloned().unwrap_or_default(),
        version: d.version,
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

fn applicant_only(principal: &Principal) -> Result<(), IntakeError> {
    if principal.kind == PrincipalKind::Staff {
        return Err(IntakeError::Forbidden(
            "drafts belong to applicants; clerks submit directly",
        ));
    }
    Ok(())
}

async fn stored_body(
    state: &AppState,
    input: &DraftIn,
) -> Result<(Uuid, serde_json::Value), IntakeError> {
    let matter = matters::published(&state.db, &input.matter_code)
        .await?
        .ok_or_else(|| {
            IntakeError::field("matter_code", "unknown_matter", "没有该编码的已发布事项")
        })?;
    if !input.application.is_object() && !input.application.is_null() {
        return Err(IntakeError::field(
            "application",
            "invalid_type",
            "应为 JSON 对象",
        ));
    }
    Ok((
        matter.id,
        serde_json::json!({"matter_code": input.matter_code, "matter_name": matter.name, "application": input.application}),
    ))
}

/// Saves a new draft.
#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts", operation_id = "create_draft",
    request_body = DraftIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried save return the first draft")),
    responses(
        (status = 201, description = "Saved", body = DraftOut),
        (status = 200, description = "Replayed", body = DraftOut),
        (status = 403, description = "Staff have no drafts", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown matter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_draft(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    req: HttpRequest,
    body: govhall_web::extract::JsonBytes,
) -> Result<HttpResponse, IntakeError> {
    applicant_only(&principal)?;
    let key = idempotency_key(&req)?;
    let hash = request_hash(&body.0);
    if let Some(id) = replayed(&state.db, &principal.sub, "draft", key.as_deref(), &hash).await? {
        let d = drafts::find_owned(&state.db, id, &principal.sub)
            .await?
            .ok_or(IntakeError::NotFound("draft"))?;
        return Ok(HttpResponse::Ok().json(out(d)));
    }
    let input: DraftIn = govhall_web::extract::parse(&body.0)?;
    let (matter_id, stored) = stored_body(&state, &input).await?;
    let now = intake.now();
    let id = Uuid::now_v7();
    let txn = govhall_bus::begin_write(&state.db).await?;
    let d = drafts::ActiveModel {
        id: Set(id),
        owner: Set(principal.sub.clone()),
        matter_id: Set(matter_id),
        body: Set(stored),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    if !remember(
        &txn,
        &principal.sub,
        "draft",
        key.as_deref(),
        &hash,
        id,
        now,
    )
    .await?
    {
        txn.rollback().await?;
        return Err(IntakeError::VersionConflict);
    }
    txn.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/drafts/{id}")))
        .insert_header(("ETag", etag(d.version)))
        .json(out(d)))
}

/// The caller's drafts, last saved first.
#[utoipa::path(get, path = "/api/v1/drafts", tag = "drafts", operation_id = "list_drafts",
    responses(
        (status = 200, description = "Drafts", body = [DraftOut]),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_drafts(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, IntakeError> {
    let items: Vec<DraftOut> = drafts::of_owner(&state.db, &principal.sub)
        .await?
        .into_iter()
        .map(out)
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// One of the caller's drafts.
#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts", operation_id = "get_draft",
    params(("id" = Uuid, Path, description = "Draft id")),
    responses(
        (status = 200, description = "The draft", body = DraftOut),
        (status = 404, description = "No such draft of the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_draft(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let d = drafts::find_owned(&state.db, *id, &principal.sub)
        .await?
        .ok_or(IntakeError::NotFound("draft"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(d.version)))
        .json(out(d)))
}

/// Saves a draft again (`If-Match` guards against a save from another tab).
#[utoipa::path(put, path = "/api/v1/drafts/{id}", tag = "drafts", operation_id = "update_draft",
    request_body = DraftIn,
    params(("id" = Uuid, Path, description = "Draft id"), ("If-Match" = Option<String>, Header, description = "ETag of the draft last read")),
    responses(
        (status = 200, description = "Saved", body = DraftOut),
        (status = 404, description = "No such draft of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Saved meanwhile elsewhere", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown matter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_draft(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<DraftIn>,
) -> Result<HttpResponse, IntakeError> {
    let d = drafts::find_owned(&state.db, *id, &principal.sub)
        .await?
        .ok_or(IntakeError::NotFound("draft"))?;
    let expected = expected_version(&req, None)?.unwrap_or(d.version);
    let (matter_id, stored) = stored_body(&state, &body).await?;
    let result = drafts::Entity::update_many()
        .col_expr(drafts::Column::Body, Expr::value(stored))
        .col_expr(drafts::Column::MatterId, Expr::value(matter_id))
        .col_expr(drafts::Column::Version, Expr::value(expected + 1))
        .col_expr(drafts::Column::UpdatedAt, Expr::value(intake.now()))
        .filter(drafts::Column::Id.eq(d.id))
        .filter(drafts::Column::Version.eq(expected))
        .exec(&state.db)
        .await?;
    if result.rows_affected != 1 {
        return Err(IntakeError::VersionConflict);
    }
    let d = drafts::find_owned(&state.db, d.id, &principal.sub)
        .await?
        .ok_or(IntakeError::NotFound("draft"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(d.version)))
        .json(out(d)))
}

/// Deletes a draft.
#[utoipa::path(delete, path = "/api/v1/drafts/{id}", tag = "drafts", operation_id = "delete_draft",
    params(("id" = Uuid, Path, description = "Draft id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such draft of the caller's", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_draft(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let result = drafts::Entity::delete_many()
        .filter(drafts::Column::Id.eq(*id))
        .filter(drafts::Column::Owner.eq(principal.sub.clone()))
        .exec(&state.db)
        .await?;
    if result.rows_affected == 0 {
        return Err(IntakeError::NotFound("draft"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Submits a draft: checked in full against the published matter; it becomes a case with
/// the same id (uploaded materials stay attached).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/submission", tag = "drafts", operation_id = "submit_draft",
    params(("id" = Uuid, Path, description = "Draft id")),
    responses(
        (status = 201, description = "Submitted", body = SubmittedOut),
        (status = 200, description = "Replayed: the draft was already submitted as this case", body = SubmittedOut),
        (status = 404, description = "No such draft of the caller's (a submitted draft is gone: read the case)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every faulty field at once", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_draft(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let Some(d) = drafts::find_owned(&state.db, *id, &principal.sub).await? else {
        // A retried submission: the draft already became this case.
        return match crate::store::cases::find(&state.db, *id).await? {
            Some(case) if super::cases::is_owner(&principal, &case) => Ok(HttpResponse::Ok()
                .insert_header(("Idempotent-Replayed", "true"))
                .json(SubmittedOut {
                    case: super::cases::CaseOut::of(case, intake.now()),
                    query_password: None,
                })),
            _ => Err(IntakeError::NotFound("draft")),
        };
    };
    let mut application = d
        .body
        .get("application")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(obj) = application.as_object_mut() {
        obj.insert(
            "matter_code".into(),
            d.body.get("matter_code").cloned().unwrap_or_default(),
        );
    }
    let input: ApplicationIn = serde_json::from_value(application).map_err(|e| {
        IntakeError::Invalid(Problem::validation(vec![govhall_web::FieldError {
            field: "application".into(),
            message: format!("草稿内容不完整：{e}"),
            code: "incomplete".into(),
        }]))
    })?;
    let checked = check(&state.db, &principal, input).await?;
    let now = intake.now();
    let txn = govhall_bus::begin_write(&state.db).await?;
    // Deleting first makes a concurrent second submission of the draft find nothing.
    let gone = drafts::Entity::delete_many()
        .filter(drafts::Column::Id.eq(d.id))
        .filter(drafts::Column::Version.eq(d.version))
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(IntakeError::VersionConflict);
    }
    let (case, password) = create_case(&txn, &principal, &ctx, checked, d.id, now).await?;
    consume_draft(&txn, d.id).await?;
    txn.commit().await?;
    state.relay.notify();
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/cases/{}", case.id)))
        .json(SubmittedOut {
            case: super::cases::CaseOut::of(case, now),
            query_password: Some(password),
        }))
}
