//! The admin API of the catalog: drafts of new versions, edits, publication, retirement.
//! A published version is immutable; publishing a new one retires the old.

use actix_web::{HttpRequest, HttpResponse, web};
use govhall_web::{Principal, Problem, Role};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, SqlErr, sea_query::Expr};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{MatterOut, spec_of};
use crate::{
    domain::{catalog::MatterSpec, division::covers},
    routes::{
        IntakeError,
        support::{
            Intake, etag, expected_version, idempotency_key, remember, replayed, request_hash,
        },
    },
    startup::AppState,
    store::matters,
};

/// May `principal` administer matters of `division`? Admins manage their own division and
/// those below it (`320000` all of Jiangsu, `320100` Nanjing; `321000` Yangzhou is not
/// Zhenjiang `321100`).
fn authorize(principal: &Principal, division: &str) -> Result<(), IntakeError> {
    if !principal.has_role(Role::Admin) {
        return Err(IntakeError::Forbidden(
            "only administrators manage the catalog",
        ));
    }
    match principal.division.as_deref() {
        Some(d) if covers(d, division) => Ok(()),
        _ => Err(IntakeError::Forbidden(
            "the matter belongs to another division",
        )),
    }
}

fn checked(spec: &MatterSpec) -> Result<(), IntakeError> {
    let problems = spec.problems();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(IntakeError::Fields(problems))
    }
}

fn parse_spec(body: &[u8]) -> Result<MatterSpec, IntakeError> {
    Ok(govhall_web::extract::parse::<MatterSpec>(body)?)
}

fn out(row: matters::Model) -> Result<HttpResponse, IntakeError> {
    let tag = etag(row.row_version);
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", tag))
        .json(MatterOut::try_from(row)?))
}

/// Creates a draft: version 1 of a new matter, or the next version of an existing one.
#[utoipa::path(post, path = "/api/v1/admin/matters", tag = "matters", operation_id = "create_matter",
    request_body = MatterSpec,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first draft")),
    responses(
        (status = 201, description = "Draft created", body = MatterOut),
        (status = 200, description = "Replayed: the draft an earlier request with the same key created", body = MatterOut),
        (status = 403, description = "Not an administrator of the matter's division", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The matter already has an open draft", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every faulty field at once", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_matter(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    req: HttpRequest,
    body: govhall_web::extract::JsonBytes,
) -> Result<HttpResponse, IntakeError> {
    let spec = parse_spec(&body.0)?;
    authorize(&principal, &spec.division_code)?;
    checked(&spec)?;
    let key = idempotency_key(&req)?;
    let hash = request_hash(&body.0);
    if let Some(id) = replayed(&state.db, &principal.sub, "matter", key.as_deref(), &hash).await? {
        let row = matters::find(&state.db, id)
            .await?
            .ok_or(IntakeError::NotFound("matter"))?;
        return out(row);
    }
    let now = intake.now();
    let txn = govhall_bus::begin_write(&state.db).await?;
    let versions = matters::versions(&txn, &spec.implementation_code).await?;
    if versions.iter().any(|v| v.state == "draft") {
        return Err(IntakeError::Conflict(
            "draft_exists",
            "该事项已有未发布的草稿版本，请编辑该草稿".into(),
        ));
    }
    let id = Uuid::now_v7();
    let row = matters::ActiveModel {
        id: Set(id),
        implementation_code: Set(spec.implementation_code.clone()),
        version: Set(versions.first().map_or(1, |v| v.version + 1)),
        state: Set("draft".into()),
        name: Set(spec.name.clone()),
        division_code: Set(spec.division_code.clone()),
        department_code: Set(spec.department.code.clone()),
        item_type: Set(spec.item_type.as_str().into()),
        case_type: Set(spec.case_type.as_str().into()),
        spec: Set(serde_json::to_value(&spec).map_err(anyhow::Error::from)?),
        row_version: Set(1),
        created_by: Set(principal.sub.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
        retired_at: Set(None),
    };
    let inserted = match row.insert(&txn).await {
        Ok(row) => row,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(IntakeError::VersionConflict);
        }
        Err(e) => return Err(e.into()),
    };
    if !remember(
        &txn,
        &principal.sub,
        "matter",
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
    tracing::info!(matter.id = %id, matter.version = inserted.version, "matter draft created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/admin/matters/{id}")))
        .insert_header(("ETag", etag(inserted.row_version)))
        .json(MatterOut::try_from(inserted)?))
}

/// Replaces the content of a draft (`If-Match` with its ETag guards against lost updates).
#[utoipa::path(put, path = "/api/v1/admin/matters/{id}", tag = "matters", operation_id = "update_matter",
    request_body = MatterSpec,
    params(("id" = Uuid, Path, description = "Id of the draft version"), ("If-Match" = Option<String>, Header, description = "ETag of the draft last read")),
    responses(
        (status = 200, description = "Draft saved", body = MatterOut),
        (status = 403, description = "Not an administrator of the matter's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Published or retired versions are immutable; or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every faulty field at once", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_matter(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::extract::JsonBytes,
) -> Result<HttpResponse, IntakeError> {
    let spec = parse_spec(&body.0)?;
    let row = matters::find(&state.db, *id)
        .await?
        .ok_or(IntakeError::NotFound("matter"))?;
    authorize(&principal, &row.division_code)?;
    authorize(&principal, &spec.division_code)?;
    if row.state != "draft" {
        return Err(IntakeError::Conflict(
            "immutable_version",
            "已发布或已废止的版本不可修改，请新建版本".into(),
        ));
    }
    if spec.implementation_code != row.implementation_code {
        return Err(IntakeError::field(
            "implementation_code",
            "immutable",
            "实施编码不可修改",
        ));
    }
    checked(&spec)?;
    let expected = expected_version(&req, None)?.unwrap_or(row.row_version);
    if expected != row.row_version {
        return Err(IntakeError::VersionConflict);
    }
    let changed = matters::update_if_version(
        &state.db,
        row.id,
        expected,
        vec![
            (
                matters::Column::Spec,
                Expr::value(serde_json::to_value(&spec).map_err(anyhow::Error::from)?),
            ),
            (matters::Column::Name, Expr::value(spec.name.clone())),
            (
                matters::Column::DivisionCode,
                Expr::value(spec.division_code.clone()),
            ),
            (
                matters::Column::DepartmentCode,
                Expr::value(spec.department.code.clone()),
            ),
            (
                matters::Column::ItemType,
                Expr::value(spec.item_type.as_str()),
            ),
            (
                matters::Column::CaseType,
                Expr::value(spec.case_type.as_str()),
            ),
        ],
        intake.now(),
    )
    .await?;
    if !changed {
        return Err(IntakeError::VersionConflict);
    }
    out(matters::find(&state.db, row.id)
        .await?
        .ok_or(IntakeError::NotFound("matter"))?)
}

/// Publishes a draft; the version published before it is retired in the same transaction.
#[utoipa::path(post, path = "/api/v1/admin/matters/{id}/publication", tag = "matters", operation_id = "publish_matter",
    params(("id" = Uuid, Path, description = "Id of the draft version"), ("If-Match" = Option<String>, Header, description = "ETag of the draft last read")),
    responses(
        (status = 200, description = "Published", body = MatterOut),
        (status = 403, description = "Not an administrator of the matter's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The draft is incomplete: every faulty field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn publish_matter(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let row = matters::find(&state.db, *id)
        .await?
        .ok_or(IntakeError::NotFound("matter"))?;
    authorize(&principal, &row.division_code)?;
    if row.state != "draft" {
        return Err(IntakeError::Conflict(
            "not_a_draft",
            "只有草稿版本可以发布".into(),
        ));
    }
    checked(&spec_of(&row)?)?;
    let expected = expected_version(&req, None)?.unwrap_or(row.row_version);
    let now = intake.now();
    let txn = govhall_bus::begin_write(&state.db).await?;
    if let Some(old) = matters::published(&txn, &row.implementation_code).await? {
        let retired = matters::update_if_version(
            &txn,
            old.id,
            old.row_version,
            vec![
                (matters::Column::State, Expr::value("retired")),
                (matters::Column::RetiredAt, Expr::value(now)),
            ],
            now,
        )
        .await?;
        if !retired {
            return Err(IntakeError::VersionConflict);
        }
    }
    let published = matters::update_if_version(
        &txn,
        row.id,
        expected,
        vec![
            (matters::Column::State, Expr::value("published")),
            (matters::Column::PublishedAt, Expr::value(now)),
        ],
        now,
    )
    .await?;
    if !published {
        return Err(IntakeError::VersionConflict);
    }
    txn.commit().await?;
    tracing::info!(matter.id = %row.id, matter.version = row.version, "matter published");
    out(matters::find(&state.db, row.id)
        .await?
        .ok_or(IntakeError::NotFound("matter"))?)
}

/// Retires the published version: no new applications; cases under it carry on.
#[utoipa::path(post, path = "/api/v1/admin/matters/{id}/retirement", tag = "matters", operation_id = "retire_matter",
    params(("id" = Uuid, Path, description = "Id of the published version"), ("If-Match" = Option<String>, Header, description = "ETag of the version last read")),
    responses(
        (status = 200, description = "Retired", body = MatterOut),
        (status = 403, description = "Not an administrator of the matter's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not published, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retire_matter(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let row = matters::find(&state.db, *id)
        .await?
        .ok_or(IntakeError::NotFound("matter"))?;
    authorize(&principal, &row.division_code)?;
    if row.state != "published" {
        return Err(IntakeError::Conflict(
            "not_published",
            "只有已发布的版本可以废止".into(),
        ));
    }
    let expected = expected_version(&req, None)?.unwrap_or(row.row_version);
    let now = intake.now();
    let changed = matters::update_if_version(
        &state.db,
        row.id,
        expected,
        vec![
            (matters::Column::State, Expr::value("retired")),
            (matters::Column::RetiredAt, Expr::value(now)),
        ],
        now,
    )
    .await?;
    if !changed {
        return Err(IntakeError::VersionConflict);
    }
    out(matters::find(&state.db, row.id)
        .await?
        .ok_or(IntakeError::NotFound("matter"))?)
}

/// Which matter's versions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionsQuery {
    /// Implementation code.
    pub code: String,
}

/// Every version of a matter, drafts included, newest first.
#[utoipa::path(get, path = "/api/v1/admin/matters", tag = "matters", operation_id = "list_matter_versions",
    params(VersionsQuery),
    responses(
        (status = 200, description = "Versions", body = [MatterOut]),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_matter_versions(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<VersionsQuery>,
) -> Result<HttpResponse, IntakeError> {
    if !principal.has_role(Role::Admin) {
        return Err(IntakeError::Forbidden(
            "only administrators manage the catalog",
        ));
    }
    let mut items = Vec::new();
    for row in matters::versions(&state.db, &query.code).await? {
        if authorize(&principal, &row.division_code).is_ok() {
            items.push(MatterOut::try_from(row)?);
        }
    }
    Ok(HttpResponse::Ok().json(items))
}
