//! Service ratings (好差评): once per ended case, 1–5 with a comment; a bad rating (1–2)
//! opens a rectification item (差评整改) whose time limit the deadline service counts
//! (15 working days by default); statistics per matter, department and division.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_bus::outbox;
use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{
        LimitUnit, TimeLimit,
        intake::{CaseRated, RectificationClosed},
    },
};
use govhall_web::{Principal, PrincipalKind, Problem, RequestContext, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, SqlErr, Statement, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    IntakeError,
    cases::{is_owner, load_visible, local},
    support::{Intake, expected_version, idempotency_key, remember, replayed, request_hash},
};
use crate::{
    SERVICE,
    domain::{
        CaseState,
        codes::Satisfaction,
        division::{prefix, valid},
    },
    startup::AppState,
    store::{ratings, ratings::rectifications, timeline},
};

/// Working days a department has to rectify a bad rating.
pub const RECTIFICATION_DAYS: u32 = 15;

/// A rating.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"score": 5, "comment": "窗口服务热情，一次办成"}))]
pub struct RatingIn {
    /// 1 (非常不满意) to 5 (非常满意).
    pub score: u8,
    /// Optional comment, at most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A stored rating.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01a235cc-4830-72a5-8586-e037c9ce5ddc", "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6",
    "score": 5, "satisfaction": "very_satisfied", "comment": "网上申请很方便，一次办成",
    "rated_at": "2026-12-02T16:08:30+08:00", "rectification_id": null}))]
pub struct RatingOut {
    /// Rating id.
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Score 1–5.
    pub score: i16,
    /// Satisfaction (GB/T 39046).
    pub satisfaction: Satisfaction,
    /// Comment.
    pub comment: Option<String>,
    /// Rated at.
    pub rated_at: DateTime<FixedOffset>,
    /// The rectification item a bad rating opened.
    pub rectification_id: Option<Uuid>,
}

fn rating_out(r: ratings::Model) -> RatingOut {
    let bad = r.score <= 2;
    RatingOut {
        id: r.id,
        case_id: r.case_id,
        score: r.score,
        satisfaction: Satisfaction::from_score(u8::try_from(r.score).unwrap_or(3))
            .unwrap_or(Satisfaction::Basic),
        comment: r.comment,
        rated_at: local(r.rated_at),
        rectification_id: bad.then_some(r.id),
    }
}

/// Rates the service of an ended case, once (好差评).
#[utoipa::path(post, path = "/api/v1/cases/{id}/rating", tag = "ratings", operation_id = "rate_case",
    params(("id" = Uuid, Path, description = "Case id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried rating return the first")),
    request_body = RatingIn,
    responses(
        (status = 201, description = "Rated", body = RatingOut),
        (status = 200, description = "Replayed: the rating an earlier request with the same key made", body = RatingOut),
        (status = 403, description = "Not the case's applicant", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not ended yet, or already rated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Score outside 1–5 or comment too long", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn rate_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::extract::JsonBytes,
) -> Result<HttpResponse, IntakeError> {
    let key = idempotency_key(&req)?;
    let hash = request_hash(&body.0);
    if let Some(rating) =
        replayed(&state.db, &principal.sub, "rating", key.as_deref(), &hash).await?
    {
        let r = ratings::Entity::find_by_id(rating)
            .one(&state.db)
            .await?
            .ok_or(IntakeError::NotFound("rating"))?;
        return Ok(HttpResponse::Ok().json(rating_out(r)));
    }
    let input: RatingIn = govhall_web::extract::parse(&body.0)?;
    let mut errors = Vec::new();
    let satisfaction = Satisfaction::from_score(input.score);
    if satisfaction.is_none() {
        errors.push(govhall_web::FieldError {
            field: "score".into(),
            message: "评分应为 1 至 5".into(),
            code: "range".into(),
        });
    }
    if input
        .comment
        .as_deref()
        .is_some_and(|c| c.chars().count() > 500)
    {
        errors.push(govhall_web::FieldError {
            field: "comment".into(),
            message: "评价内容不超过 500 字".into(),
            code: "length".into(),
        });
    }
    if !errors.is_empty() {
        return Err(IntakeError::Fields(errors));
    }
    let case = load_visible(&state.db, &principal, *id).await?;
    if !is_owner(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only the applicant rates the service",
        ));
    }
    let case_state = CaseState::parse(&case.state).unwrap_or(CaseState::Submitted);
    if !case_state.can_be_rated() {
        return Err(IntakeError::Conflict(
            "not_ended",
            format!("办件尚未办结（{}），办结后才能评价", case_state.label()),
        ));
    }
    let bad = satisfaction.is_some_and(Satisfaction::is_bad);
    let now = intake.now();
    let rating_id = Uuid::now_v7();
    let txn = govhall_bus::begin_write(&state.db).await?;
    let inserted = ratings::ActiveModel {
        id: Set(rating_id),
        case_id: Set(case.id),
        score: Set(i16::from(input.score)),
        comment: Set(input.comment.clone().filter(|c| !c.trim().is_empty())),
        matter_code: Set(case.matter_code.clone()),
        department_code: Set(case.department_code.clone()),
        division_code: Set(case.division_code.clone()),
        rated_by: Set(principal.sub.clone()),
        rated_at: Set(now),
    }
    .insert(&txn)
    .await;
    let rating = match inserted {
        Ok(r) => r,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(IntakeError::Conflict(
                "already_rated",
                "每件办件只能评价一次".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if bad {
        rectifications::ActiveModel {
            id: Set(rating_id),
            case_id: Set(case.id),
            department_code: Set(case.department_code.clone()),
            division_code: Set(case.division_code.clone()),
            state: Set("open".into()),
            due_at: Set(None),
            note: Set(None),
            version: Set(1),
            created_at: Set(now),
            closed_at: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    if !remember(
        &txn,
        &principal.sub,
        "rating",
        key.as_deref(),
        &hash,
        rating_id,
        now,
    )
    .await?
    {
        txn.rollback().await?;
        return Err(IntakeError::VersionConflict);
    }
    let label = satisfaction.map(Satisfaction::label).unwrap_or_default();
    timeline::record(
        &txn,
        case.id,
        now,
        "rated",
        &principal.sub,
        format!("申请人评价：{label}"),
        None,
    )
    .await?;
    let event = CaseRated {
        case_id: case.id,
        rating_id,
        score: input.score,
        matter_code: case.matter_code.clone(),
        department_code: case.department_code.clone(),
        rectification_limit: bad.then_some(TimeLimit {
            value: RECTIFICATION_DAYS,
            unit: LimitUnit::WorkingDays,
        }),
        rated_at: now,
    };
    let origin = Origin {
        producer: SERVICE,
        correlation_id: case.id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: case.division_code.clone(),
    };
    outbox::enqueue(
        &txn,
        &[Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?],
    )
    .await?;
    txn.commit().await?;
    state.relay.notify();
    Ok(HttpResponse::Created().json(rating_out(rating)))
}

/// Statistics query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Group by `matter`, `department` or `division`.
    pub by: String,
    /// Only divisions under this code or prefix (`32`, `3201`, `320102`).
    pub division: Option<String>,
}

/// One group of ratings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"key": "320102-SCJGJ", "ratings": 128, "average": 4.71, "bad": 3, "satisfaction_rate": 0.977}))]
pub struct StatsRow {
    /// Matter code, department code or division code.
    pub key: String,
    /// Ratings.
    pub ratings: i64,
    /// Average score.
    pub average: f64,
    /// Bad ratings (1–2).
    pub bad: i64,
    /// Share of satisfied ratings (3–5), 0–1.
    pub satisfaction_rate: f64,
}

/// Rating statistics per matter, department or division (public: 好差评 results are published).
#[utoipa::path(get, path = "/api/v1/ratings/stats", tag = "ratings", operation_id = "rating_stats",
    params(StatsQuery),
    responses(
        (status = 200, description = "One row per group", body = [StatsRow]),
        (status = 422, description = "Unknown grouping", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rating_stats(
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, IntakeError> {
    // The column comes from this fixed list, never from the request text.
    let column = match query.by.as_str() {
        "matter" => "matter_code",
        "department" => "department_code",
        "division" => "division_code",
        _ => {
            return Err(IntakeError::field(
                "by",
                "one_of",
                "by 应为 matter、department 或 division",
            ));
        }
    };
    let prefix = format!(
        "{}%",
        query
            .division
            .clone()
            .unwrap_or_default()
            .replace(['%', '_'], "")
    );
    let backend = state.db.get_database_backend();
    let placeholder = if backend == sea_orm::DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let sql = format!(
        "SELECT {column} AS key, COUNT(*) AS n, CAST(AVG(score) AS DOUBLE PRECISION) AS average, \
         SUM(CASE WHEN score <= 2 THEN 1 ELSE 0 END) AS bad \
         FROM ratings WHERE division_code LIKE {placeholder} GROUP BY {column} ORDER BY {column}"
    );
    let rows = state
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            &sql,
            [prefix.into()],
        ))
        .await?;
    let mut out = Vec::new();
    for row in rows {
        let n: i64 = row.try_get("", "n")?;
        let bad: i64 = row.try_get("", "bad")?;
        out.push(StatsRow {
            key: row.try_get("", "key")?,
            ratings: n,
            average: (row.try_get::<f64>("", "average")? * 100.0).round() / 100.0,
            bad,
            satisfaction_rate: if n == 0 {
                0.0
            } else {
                ((n - bad) as f64 / n as f64 * 1000.0).round() / 1000.0
            },
        });
    }
    Ok(HttpResponse::Ok().json(out))
}

/// A rectification item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01a1f6f8-86c8-79f5-8c60-d7473933dffe", "case_id": "01a1f6b1-8318-7a98-bd07-eb925518983d",
    "department_code": "320115-RLZYHSHBZJ", "state": "open", "due_at": "2026-12-12T00:00:00+08:00", "note": null,
    "score": 2, "comment": "线上材料要求说明不清楚", "version": 1}))]
pub struct RectificationOut {
    /// Id (the bad rating's).
    pub id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Department that must rectify.
    pub department_code: String,
    /// `open` or `closed`.
    pub state: String,
    /// Due time, as counted by the deadline service.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// What the department did.
    pub note: Option<String>,
    /// The bad rating's score and comment.
    pub score: Option<i16>,
    /// The comment.
    pub comment: Option<String>,
    /// Version, for `If-Match`.
    pub version: i32,
}

/// The rectifications `principal` sees: a division prefix and a department. Supervisors see
/// their division and those below, other staff their own division (and department).
fn staff_scope(principal: &Principal) -> Result<(String, Option<String>), IntakeError> {
    match (&principal.kind, principal.division.as_deref()) {
        (PrincipalKind::Staff, Some(d)) if valid(d) && principal.has_role(Role::Supervisor) => {
            Ok((prefix(d).to_owned(), None))
        }
        // Six digits, so the prefix match below is an exact one.
        (PrincipalKind::Staff, Some(d)) if valid(d) => {
            Ok((d.to_owned(), principal.department.clone()))
        }
        _ => Err(IntakeError::Forbidden("only staff handle rectifications")),
    }
}

/// The rectification items of the caller's division (and department), open first.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "ratings", operation_id = "list_rectifications",
    responses(
        (status = 200, description = "Rectification items", body = [RectificationOut]),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_rectifications(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, IntakeError> {
    let (division, department) = staff_scope(&principal)?;
    let mut query = rectifications::Entity::find()
        .filter(rectifications::Column::DivisionCode.starts_with(&division));
    if let Some(d) = department {
        query = query.filter(rectifications::Column::DepartmentCode.eq(d));
    }
    let mut out = Vec::new();
    for r in query
        .order_by_desc(rectifications::Column::State)
        .order_by_asc(rectifications::Column::CreatedAt)
        .all(&state.db)
        .await?
    {
        let rating = ratings::Entity::find_by_id(r.id).one(&state.db).await?;
        out.push(RectificationOut {
            id: r.id,
            case_id: r.case_id,
            department_code: r.department_code,
            state: r.state,
            due_at: r.due_at.map(local),
            note: r.note,
            score: rating.as_ref().map(|x| x.score),
            comment: rating.and_then(|x| x.comment),
            version: r.version,
        });
    }
    Ok(HttpResponse::Ok().json(out))
}

/// Closing a rectification.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"note": "已约谈窗口人员并改进告知流程", "version": 1}))]
pub struct ClosureIn {
    /// What the department did.
    pub note: String,
    /// The version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Closes a rectification item with what was done; its clock stops.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/closure", tag = "ratings", operation_id = "close_rectification",
    params(("id" = Uuid, Path, description = "Rectification id"), ("If-Match" = Option<String>, Header, description = "ETag last read")),
    request_body = ClosureIn,
    responses(
        (status = 200, description = "Closed", body = RectificationOut),
        (status = 403, description = "Not staff of its division and department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Note missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn close_rectification(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<ClosureIn>,
) -> Result<HttpResponse, IntakeError> {
    if body.note.trim().is_empty() {
        return Err(IntakeError::field("note", "required", "请填写整改情况"));
    }
    let (division, department) = staff_scope(&principal)?;
    let item = rectifications::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .filter(|r| {
            r.division_code.starts_with(&division)
                && department.as_ref().is_none_or(|d| d == &r.department_code)
        })
        .ok_or(IntakeError::NotFound("rectification"))?;
    // A supervisor sees the items below his division but does not rectify them: the
    // department's own handling staff do.
    let handles = principal.division.as_deref() == Some(item.division_code.as_str())
        && principal
            .department
            .as_deref()
            .is_none_or(|d| d == item.department_code)
        && [Role::WindowClerk, Role::Reviewer, Role::Leader]
            .iter()
            .any(|r| principal.has_role(*r));
    if !handles {
        return Err(IntakeError::Forbidden(
            "only handling staff of the item's division and department close it",
        ));
    }
    if item.state != "open" {
        return Err(IntakeError::Conflict("closed", "该整改已完成".into()));
    }
    let expected = expected_version(&req, body.version)?.unwrap_or(item.version);
    let now = intake.now();
    let txn = govhall_bus::begin_write(&state.db).await?;
    let changed = rectifications::Entity::update_many()
        .col_expr(rectifications::Column::State, Expr::value("closed"))
        .col_expr(rectifications::Column::Note, Expr::value(body.note.clone()))
        .col_expr(rectifications::Column::ClosedAt, Expr::value(now))
        .col_expr(rectifications::Column::Version, Expr::value(expected + 1))
        .filter(rectifications::Column::Id.eq(item.id))
        .filter(rectifications::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(IntakeError::VersionConflict);
    }
    let origin = Origin {
        producer: SERVICE,
        correlation_id: item.case_id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: item.division_code.clone(),
    };
    let event = RectificationClosed {
        case_id: item.case_id,
        rating_id: item.id,
        closed_at: now,
    };
    outbox::enqueue(
        &txn,
        &[Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?],
    )
    .await?;
    txn.commit().await?;
    state.relay.notify();
    let rating = ratings::Entity::find_by_id(item.id).one(&state.db).await?;
    Ok(HttpResponse::Ok().json(RectificationOut {
        id: item.id,
        case_id: item.case_id,
        department_code: item.department_code,
        state: "closed".into(),
        due_at: item.due_at.map(local),
        note: Some(body.note.clone()),
        score: rating.as_ref().map(|x| x.score),
        comment: rating.and_then(|x| x.comment),
        version: expected + 1,
    }))
}
