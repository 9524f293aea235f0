//! The administrative division tree (行政区划): public reading, changes by administrators,
//! every change audited; a retired code keeps resolving (to its successor) for old cases.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{FieldError, Principal, PrincipalKind, Problem, Role, ValidatedJson};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{field, internal};
use crate::{
    domain::division::{Level, covers, valid},
    startup::{AppState, Joint},
    store::{division_changes, divisions},
};

/// A division.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": "320103", "name": "白下区", "level": "county", "parent_code": "320100", "state": "retired", "successor_code": "320104", "version": 1}))]
pub struct DivisionOut {
    /// Code (GB/T 2260; 9 digits for a township).
    pub code: String,
    /// Name.
    pub name: String,
    /// `province`, `city`, `county`, `township`.
    pub level: String,
    /// Parent code.
    pub parent_code: Option<String>,
    /// `active` or `retired`.
    pub state: String,
    /// What a retired code was merged into or renamed to.
    pub successor_code: Option<String>,
    /// Version (send it back to change the division).
    pub version: i32,
}

impl From<divisions::Model> for DivisionOut {
    fn from(d: divisions::Model) -> Self {
        Self {
            code: d.code,
            name: d.name,
            level: d.level,
            parent_code: d.parent_code,
            state: d.state,
            successor_code: d.successor_code,
            version: d.version,
        }
    }
}

impl DivisionOut {
    /// As JSON, for the audit log.
    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// A division with where it sits and what it resolves to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": "320103", "name": "白下区", "level": "county", "parent_code": "320100",
    "state": "retired", "successor_code": "320104", "version": 1,
    "ancestors": [
        {"code": "320000", "name": "江苏省", "level": "province", "parent_code": null, "state": "active", "successor_code": null, "version": 1},
        {"code": "320100", "name": "南京市", "level": "city", "parent_code": "320000", "state": "active", "successor_code": null, "version": 1}
    ],
    "resolved": {"code": "320104", "name": "秦淮区", "level": "county", "parent_code": "320100", "state": "active", "successor_code": null, "version": 1}}))]
pub struct DivisionDetail {
    /// The division itself.
    #[serde(flatten)]
    pub division: DivisionOut,
    /// Its ancestors, top first.
    pub ancestors: Vec<DivisionOut>,
    /// For a retired code: the active division it resolves to now.
    pub resolved: Option<DivisionOut>,
}

/// A list of divisions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [
    {"code": "320102", "name": "玄武区", "level": "county", "parent_code": "320100", "state": "active", "successor_code": null, "version": 1},
    {"code": "320104", "name": "秦淮区", "level": "county", "parent_code": "320100", "state": "active", "successor_code": null, "version": 1},
    {"code": "320105", "name": "建邺区", "level": "county", "parent_code": "320100", "state": "active", "successor_code": null, "version": 1}
]}))]
pub struct DivisionList {
    /// Divisions by code.
    pub items: Vec<DivisionOut>,
}

/// Which divisions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DivisionQuery {
    /// Children of this code.
    pub parent: Option<String>,
    /// Only this level.
    pub level: Option<String>,
    /// Retired codes too.
    #[serde(default)]
    pub include_retired: bool,
}

/// Lists divisions (public).
#[utoipa::path(get, path = "/api/v1/divisions", tag = "divisions", operation_id = "list_divisions",
    params(DivisionQuery),
    responses(
        (status = 200, description = "The divisions", body = DivisionList),
        (status = 400, description = "A malformed query parameter (e.g. include_retired=maybe)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_divisions(
    state: web::Data<AppState>,
    query: web::Query<DivisionQuery>,
) -> Result<HttpResponse, Problem> {
    let mut find = divisions::Entity::find();
    if let Some(parent) = &query.parent {
        find = find.filter(divisions::Column::ParentCode.eq(parent.as_str()));
    }
    if let Some(level) = &query.level {
        find = find.filter(divisions::Column::Level.eq(level.as_str()));
    }
    if !query.include_retired {
        find = find.filter(divisions::Column::State.eq("active"));
    }
    let items = find
        .order_by_asc(divisions::Column::Code)
        .all(&state.db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(DivisionOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(DivisionList { items }))
}

async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<divisions::Model>, Problem> {
    divisions::Entity::find_by_id(code.to_owned())
        .one(db)
        .await
        .map_err(internal)
}

/// Reads a division, its ancestors and, for a retired code, the division it resolves to
/// (public).
#[utoipa::path(get, path = "/api/v1/divisions/{code}", tag = "divisions", operation_id = "get_division",
    params(("code" = String, Path, description = "Division code")),
    responses(
        (status = 200, description = "The division", body = DivisionDetail),
        (status = 404, description = "Unknown code", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_division(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let division = find(&state.db, &code)
        .await?
        .ok_or_else(|| Problem::not_found("division"))?;
    let mut ancestors = Vec::new();
    let mut parent = division.parent_code.clone();
    while let Some(p) = parent.filter(|_| ancestors.len() < 4) {
        let Some(d) = find(&state.db, &p).await? else {
            break;
        };
        parent = d.parent_code.clone();
        ancestors.insert(0, DivisionOut::from(d));
    }
    let mut resolved = None;
    let mut next = division.successor_code.clone();
    for _ in 0..8 {
        let Some(code) = next else { break };
        let Some(d) = find(&state.db, &code).await? else {
            break;
        };
        next = d.successor_code.clone();
        let active = d.state == "active";
        resolved = Some(DivisionOut::from(d));
        if active {
            break;
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", format!("\"{}\"", division.version)))
        .json(DivisionDetail {
            division: DivisionOut::from(division),
            ancestors,
            resolved,
        }))
}

/// Creating or changing a division.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "秦淮区", "parent_code": "320100", "reason": "民政部批复（民函〔2013〕42号）", "version": 1}))]
pub struct DivisionIn {
    /// Name.
    pub name: String,
    /// Parent code (required below a province).
    pub parent_code: Option<String>,
    /// Why (kept in the audit log).
    pub reason: String,
    /// Version last read; required to change an existing division.
    pub version: Option<i32>,
}

fn admin_for(principal: &Principal, code: &str) -> Result<(), Problem> {
    if principal.kind != PrincipalKind::Staff || !principal.has_role(Role::Admin) {
        return Err(Problem::forbidden("administrators only"));
    }
    match principal.division.as_deref() {
        Some(d) if covers(d, code) => Ok(()),
        _ => Err(Problem::forbidden(
            "administrators change divisions at or below their own",
        )),
    }
}

async fn audit(
    db: &impl ConnectionTrait,
    action: &str,
    before: Option<&DivisionOut>,
    after: &divisions::Model,
    actor: &str,
    reason: &str,
    now: DateTime<FixedOffset>,
) -> Result<(), Problem> {
    division_changes::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(after.code.clone()),
        action: Set(action.into()),
        before: Set(before.map(DivisionOut::json)),
        after: Set(DivisionOut::from(after.clone()).json()),
        actor: Set(actor.into()),
        reason: Set(reason.into()),
        changed_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(internal)?;
    Ok(())
}

/// Creates a division (201) or renames / moves one (200, with `version`), audited.
#[utoipa::path(put, path = "/api/v1/admin/divisions/{code}", tag = "divisions", operation_id = "put_division",
    params(("code" = String, Path, description = "Division code")),
    request_body = DivisionIn,
    responses(
        (status = 201, description = "Created", body = DivisionOut),
        (status = 200, description = "Changed", body = DivisionOut),
        (status = 403, description = "Not an administrator of a division at or above it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale version, or a retired division", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed code, unknown or wrong-level parent, missing name, reason or version", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_division(
    state: web::Data<AppState>,
    joint: web::Data<Joint>,
    principal: Principal,
    code: web::Path<String>,
    body: ValidatedJson<DivisionIn>,
) -> Result<HttpResponse, Problem> {
    let code = code.into_inner();
    let body = body.into_inner();
    let Some(level) = Level::of(&code) else {
        return Err(field(
            "code",
            "division_code",
            "行政区划代码应为 6 位（乡镇 9 位）数字",
        ));
    };
    admin_for(&principal, &code)?;
    let mut errors = Vec::new();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        errors.push(("name", "required", "请填写名称（64 字以内）"));
    }
    if body.reason.trim().is_empty() {
        errors.push(("reason", "required", "请填写变更依据"));
    }
    let expected_parent = match level {
        Level::Province => None,
        Level::City => Some(format!("{}0000", &code[..2])),
        Level::County => None,
        Level::Township => Some(code[..6].to_owned()),
    };
    match (&body.parent_code, level) {
        (Some(_), Level::Province) => errors.push(("parent_code", "forbidden", "省级区划没有上级")),
        (None, Level::Province) => {}
        (None, _) => errors.push(("parent_code", "required", "请填写上级区划代码")),
        (Some(p), _) => {
            let parent = if valid(p) {
                find(&state.db, p).await?
            } else {
                None
            };
            match parent {
                Some(parent) if parent.state == "active" => {
                    let fits = match level {
                        Level::City => parent.level == "province",
                        // Under its city, or directly under the province (省直辖县级).
                        Level::County => {
                            *p == format!("{}00", &code[..4]) || *p == format!("{}0000", &code[..2])
                        }
                        Level::Township => parent.level == "county",
                        Level::Province => false,
                    } && expected_parent.as_ref().is_none_or(|e| e == p);
                    if !fits {
                        errors.push(("parent_code", "level", "上级区划的层级或代码与本区划不符"));
                    }
                }
                _ => errors.push(("parent_code", "unknown", "上级区划不存在或已撤销")),
            }
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(
            errors
                .into_iter()
                .map(|(f, c, m)| FieldError {
                    field: f.into(),
                    code: c.into(),
                    message: m.into(),
                })
                .collect(),
        ));
    }
    let now = joint.now();
    let reason = body.reason.trim();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let existing = find(&txn, &code).await?;
    let (status, row) = match existing {
        None => {
            let row = divisions::ActiveModel {
                code: Set(code.clone()),
                name: Set(name),
                level: Set(level.as_str().into()),
                parent_code: Set(body.parent_code.clone()),
                state: Set("active".into()),
                successor_code: Set(None),
                version: Set(1),
                updated_by: Set(principal.sub.clone()),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    Problem::conflict("version_conflict", "the division was created meanwhile")
                }
                _ => internal(e),
            })?;
            audit(&txn, "created", None, &row, &principal.sub, reason, now).await?;
            (201, row)
        }
        Some(old) => {
            let Some(version) = body.version else {
                return Err(field("version", "required", "修改已有区划需提供 version"));
            };
            if old.state != "active" {
                return Err(Problem::conflict(
                    "retired",
                    "a retired division is not changed",
                ));
            }
            let done = divisions::Entity::update_many()
                .col_expr(divisions::Column::Name, Expr::value(name))
                .col_expr(
                    divisions::Column::ParentCode,
                    Expr::value(body.parent_code.clone()),
                )
                .col_expr(divisions::Column::Version, Expr::value(old.version + 1))
                .col_expr(
                    divisions::Column::UpdatedBy,
                    Expr::value(principal.sub.clone()),
                )
                .col_expr(divisions::Column::UpdatedAt, Expr::value(now))
                .filter(divisions::Column::Code.eq(code.as_str()))
                .filter(divisions::Column::Version.eq(version))
                .exec(&txn)
                .await
                .map_err(internal)?;
            if done.rows_affected == 0 {
                return Err(Problem::conflict(
                    "version_conflict",
                    "the division changed since it was read",
                ));
            }
            let row = find(&txn, &code)
                .await?
                .ok_or_else(|| Problem::not_found("division"))?;
            let before = DivisionOut::from(old);
            audit(
                &txn,
                "updated",
                Some(&before),
                &row,
                &principal.sub,
                reason,
                now,
            )
            .await?;
            (200, row)
        }
    };
    txn.commit().await.map_err(internal)?;
    tracing::info!(division.code = %row.code, "division changed");
    let mut res = if status == 201 {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(DivisionOut::from(row)))
}

/// Retiring a division.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"successor_code": "320104", "reason": "白下区并入秦淮区（国函〔2013〕22号）", "version": 1}))]
pub struct RetirementIn {
    /// The division it is merged into or renamed to.
    pub successor_code: Option<String>,
    /// Why.
    pub reason: String,
    /// Version last read.
    pub version: i32,
}

/// Retires a division (merged or renamed); its code keeps resolving, to its successor.
#[utoipa::path(post, path = "/api/v1/admin/divisions/{code}/retirement", tag = "divisions", operation_id = "retire_division",
    params(("code" = String, Path, description = "Division code")),
    request_body = RetirementIn,
    responses(
        (status = 200, description = "Retired", body = DivisionOut),
        (status = 403, description = "Not an administrator of a division at or above it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already retired, has active divisions below it, or a stale version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason, or an unknown or retired successor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retire_division(
    state: web::Data<AppState>,
    joint: web::Data<Joint>,
    principal: Principal,
    code: web::Path<String>,
    body: ValidatedJson<RetirementIn>,
) -> Result<HttpResponse, Problem> {
    let code = code.into_inner();
    let body = body.into_inner();
    admin_for(&principal, &code)?;
    if body.reason.trim().is_empty() {
        return Err(field("reason", "required", "请填写撤销依据"));
    }
    if let Some(s) = &body.successor_code {
        let ok = s != &code
            && valid(s)
            && find(&state.db, s)
                .await?
                .is_some_and(|d| d.state == "active");
        if !ok {
            return Err(field(
                "successor_code",
                "unknown",
                "承继区划不存在、已撤销或与本区划相同",
            ));
        }
    }
    let now = joint.now();
    let txn = govhall_bus::begin_write(&state.db)
        .await
        .map_err(internal)?;
    let old = find(&txn, &code)
        .await?
        .ok_or_else(|| Problem::not_found("division"))?;
    if old.state != "active" {
        return Err(Problem::conflict(
            "retired",
            "the division is already retired",
        ));
    }
    let children = divisions::Entity::find()
        .filter(divisions::Column::ParentCode.eq(code.as_str()))
        .filter(divisions::Column::State.eq("active"))
        .all(&txn)
        .await
        .map_err(internal)?;
    if !children.is_empty() {
        return Err(Problem::conflict(
            "has_children",
            format!(
                "move or retire the {} divisions below it first",
                children.len()
            ),
        ));
    }
    let done = divisions::Entity::update_many()
        .col_expr(divisions::Column::State, Expr::value("retired"))
        .col_expr(
            divisions::Column::SuccessorCode,
            Expr::value(body.successor_code.clone()),
        )
        .col_expr(divisions::Column::Version, Expr::value(old.version + 1))
        .col_expr(
            divisions::Column::UpdatedBy,
            Expr::value(principal.sub.clone()),
        )
        .col_expr(divisions::Column::UpdatedAt, Expr::value(now))
        .filter(divisions::Column::Code.eq(code.as_str()))
        .filter(divisions::Column::Version.eq(body.version))
        .exec(&txn)
        .await
        .map_err(internal)?;
    if done.rows_affected == 0 {
        return Err(Problem::conflict(
            "version_conflict",
            "the division changed since it was read",
        ));
    }
    let row = find(&txn, &code)
        .await?
        .ok_or_else(|| Problem::not_found("division"))?;
    let before = DivisionOut::from(old);
    audit(
        &txn,
        "retired",
        Some(&before),
        &row,
        &principal.sub,
        body.reason.trim(),
        now,
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    tracing::info!(division.code = %row.code, "division retired");
    Ok(HttpResponse::Ok().json(DivisionOut::from(row)))
}

/// One audited change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DivisionChangeOut {
    /// `seeded`, `created`, `updated`, `retired`.
    pub action: String,
    /// Before.
    pub before: Option<DivisionOut>,
    /// After.
    pub after: DivisionOut,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: String,
    /// When.
    pub changed_at: DateTime<FixedOffset>,
}

/// The audit log of a division.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [
    {"action": "created", "before": null,
        "after": {"code": "320102002", "name": "玄武门街道办事处", "level": "township", "parent_code": "320102", "state": "active", "successor_code": null, "version": 1},
        "actor": "admin-nj", "reason": "接入街道便民服务中心", "changed_at": "2026-09-01T10:20:00+08:00"},
    {"action": "updated",
        "before": {"code": "320102002", "name": "玄武门街道办事处", "level": "township", "parent_code": "320102", "state": "active", "successor_code": null, "version": 1},
        "after": {"code": "320102002", "name": "玄武门街道", "level": "township", "parent_code": "320102", "state": "active", "successor_code": null, "version": 2},
        "actor": "admin-nj", "reason": "名称按民政部区划代码库规范", "changed_at": "2026-09-03T15:45:00+08:00"}
]}))]
pub struct DivisionChangeList {
    /// Changes, oldest first.
    pub items: Vec<DivisionChangeOut>,
}

/// The changes of a division, oldest first (administrators).
#[utoipa::path(get, path = "/api/v1/admin/divisions/{code}/changes", tag = "divisions", operation_id = "division_changes",
    params(("code" = String, Path, description = "Division code")),
    responses(
        (status = 200, description = "The audit log", body = DivisionChangeList),
        (status = 403, description = "Not an administrator of a division at or above it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn division_changes(
    state: web::Data<AppState>,
    principal: Principal,
    code: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    admin_for(&principal, &code)?;
    let items = division_changes::Entity::find()
        .filter(division_changes::Column::Code.eq(code.as_str()))
        .order_by_asc(division_changes::Column::ChangedAt)
        .order_by_asc(division_changes::Column::Id)
        .all(&state.db)
        .await
        .map_err(internal)?
        .into_iter()
        .filter_map(|c| {
            Some(DivisionChangeOut {
                action: c.action,
                before: c.before.and_then(|b| serde_json::from_value(b).ok()),
                after: serde_json::from_value(c.after).ok()?,
                actor: c.actor,
                reason: c.reason,
                changed_at: super::cst(c.changed_at),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(DivisionChangeList { items }))
}
