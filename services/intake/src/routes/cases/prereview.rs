//! Pre-review at the window (行政许可法 art. 32): accept (受理, possibly 容缺), refuse
//! (不予受理), the one-time supplement notice (一次性告知) and its answer, the 容缺
//! commitment kept, and instant matters decided on the spot (即办件).

use actix_web::{HttpRequest, HttpResponse, web};
use govhall_contracts::events::{
    LimitUnit, Outcome, TimeLimit,
    intake::{
        CaseAccepted, CaseDecided, CaseRejected, CaseSupplementRequested, CaseSupplemented,
        Commitment,
    },
};
use govhall_web::{Principal, Problem, RequestContext};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Cause, NewNotice, Transition, answer, is_clerk_of, is_owner, load_visible};
use crate::{
    domain::{case::Action, codes::CaseType},
    routes::{
        IntakeError,
        matters::spec_of,
        support::{Intake, expected_version},
    },
    startup::AppState,
    store::{cases, matters},
};

/// Answers with the changed case and its ETag.
pub fn changed(case: cases::Model, intake: &Intake) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("ETag", crate::routes::support::etag(case.version)))
        .json(super::CaseOut::of(case, intake.now()))
}

async fn clerk_case(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<cases::Model, IntakeError> {
    let case = load_visible(&state.db, principal, id).await?;
    if !is_clerk_of(principal, &case) {
        return Err(IntakeError::Forbidden(
            "only window clerks of the case's division do this",
        ));
    }
    Ok(case)
}

/// Acceptance (受理).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"version": 1, "tolerated_materials": ["M2"], "commitment_days": 10}))]
pub struct AcceptanceIn {
    /// The version of the case the clerk saw (or send `If-Match`).
    #[serde(default)]
    pub version: Option<i32>,
    /// Codes of materials missing at acceptance against the applicant's commitment (容缺);
    /// each must be one the matter allows to be missing.
    #[serde(default)]
    pub tolerated_materials: Vec<String>,
    /// Working days the applicant has to supply them (default 10).
    #[serde(default)]
    pub commitment_days: Option<u32>,
}

/// Accepts a submitted case: the processing clock starts, the review opens, and an
/// acceptance receipt (受理通知书) is issued.
#[utoipa::path(post, path = "/api/v1/cases/{id}/acceptance", tag = "pre-review", operation_id = "accept_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = AcceptanceIn,
    responses(
        (status = 200, description = "Accepted", body = super::CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not acceptable in its state (`X-Case-State` names it), or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A tolerated material the matter does not allow to be missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn accept_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<AcceptanceIn>,
) -> Result<HttpResponse, IntakeError> {
    let case = clerk_case(&state, &principal, *id).await?;
    let body = body.into_inner();
    let matter = matters::find(&state.db, case.matter_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("matter version of a case is missing"))?;
    let spec = spec_of(&matter)?;
    let mut missing = Vec::new();
    for (i, code) in body.tolerated_materials.iter().enumerate() {
        match spec.materials.iter().find(|m| &m.code == code) {
            Some(m) if m.tolerable => missing.push(m.name.clone()),
            Some(_) => {
                return Err(IntakeError::field(
                    &format!("tolerated_materials[{i}]"),
                    "not_tolerable",
                    "该材料不可容缺",
                ));
            }
            None => {
                return Err(IntakeError::field(
                    &format!("tolerated_materials[{i}]"),
                    "unknown_material",
                    "事项没有该材料",
                ));
            }
        }
    }
    let days = body.commitment_days.unwrap_or(10);
    if !(1..=60).contains(&days) {
        return Err(IntakeError::field(
            "commitment_days",
            "range",
            "承诺补齐期限应为 1 至 60 个工作日",
        ));
    }
    let now = intake.now();
    let commitment = (!missing.is_empty()).then(|| Commitment {
        missing_materials: missing.clone(),
        limit: TimeLimit {
            value: days,
            unit: LimitUnit::WorkingDays,
        },
    });
    let plan = super::plan_for(&case, &spec);
    let plan_json = serde_json::to_value(&plan).map_err(anyhow::Error::from)?;
    let case_summary = super::summary_of(&state.db, &case, &spec).await?;
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let summary = if missing.is_empty() {
        "窗口受理".to_string()
    } else {
        format!("容缺受理，待补齐：{}", missing.join("、"))
    };
    let mut t = Transition::new(Action::Accept, "accepted", summary)
        .set(cases::Column::AcceptedAt, now)
        .set(cases::Column::Plan, plan_json)
        .publish(CaseAccepted {
            case_id: case.id,
            case_number: case.case_number.clone(),
            accepted_at: now,
            plan,
            deemed: false,
            commitment: commitment.clone(),
            summary: Some(case_summary),
        });
    if let Some(c) = &commitment {
        t = t.set(
            cases::Column::Commitment,
            json!({"materials": body.tolerated_materials, "names": c.missing_materials, "working_days": days}),
        );
    }
    t.notice = Some(NewNotice {
        kind: "acceptance",
        body: json!({
            "case_number": case.case_number,
            "matter_name": case.matter_name,
            "accepted_at": now,
            "committed_limit": spec.committed_limit,
            "window_code": case.window_code,
            "tolerated_materials": missing,
            "commitment_working_days": commitment.as_ref().map(|_| days),
        }),
    });
    answer(
        &state,
        &intake,
        &case,
        expected,
        Cause::request(&principal, &ctx),
        now,
        t,
    )
    .await
}

/// Refusal to accept (不予受理).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "申请事项不属于本机关职权范围", "legal_basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项", "version": 1}))]
pub struct RejectionIn {
    /// Why, in words the applicant understands.
    pub reason: String,
    /// Legal basis.
    pub legal_basis: String,
    /// The version the clerk saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Refuses to accept a case, with reason and legal basis, as a written notice.
#[utoipa::path(post, path = "/api/v1/cases/{id}/rejection", tag = "pre-review", operation_id = "reject_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = RejectionIn,
    responses(
        (status = 200, description = "Refused", body = super::CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in pre-review, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason or legal basis missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn reject_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<RejectionIn>,
) -> Result<HttpResponse, IntakeError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    for (field, value) in [("reason", &body.reason), ("legal_basis", &body.legal_basis)] {
        if value.trim().is_empty() || value.chars().count() > 1000 {
            errors.push(govhall_web::FieldError {
                field: field.into(),
                message: "必填，不超过 1000 个字符".into(),
                code: "length".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(IntakeError::Fields(errors));
    }
    let case = clerk_case(&state, &principal, *id).await?;
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let mut t = Transition::new(
        Action::Reject,
        "rejected",
        format!("不予受理：{}", body.reason),
    )
    .set(cases::Column::ClosedAt, now)
    .set(cases::Column::CloseReason, body.reason.clone())
    .publish(CaseRejected {
        case_id: case.id,
        reason: body.reason.clone(),
        legal_basis: body.legal_basis.clone(),
        rejected_at: now,
    });
    t.notice = Some(NewNotice {
        kind: "rejection",
        body: json!({"case_number": case.case_number, "matter_name": case.matter_name, "reason": body.reason, "legal_basis": body.legal_basis, "decided_at": now,
            "remedy": "如不服本决定，可以自收到本通知书之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。"}),
    });
    answer(
        &state,
        &intake,
        &case,
        expected,
        Cause::request(&principal, &ctx),
        now,
        t,
    )
    .await
}

/// One item of a supplement notice: a material or a form field, and what is wrong.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SupplementItem {
    /// Code of the material concerned, if a material.
    #[serde(default)]
    pub material_code: Option<String>,
    /// Form field concerned, if a field.
    #[serde(default)]
    pub field: Option<String>,
    /// What is missing or wrong.
    pub problem: String,
}

/// The one-time supplement notice (一次性告知书): everything at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [{"material_code": "M1", "problem": "申请书未签字"}, {"field": "shop_name", "problem": "与营业执照名称不一致"}], "version": 1}))]
pub struct SupplementNoticeIn {
    /// Every missing or faulty material and field.
    pub items: Vec<SupplementItem>,
    /// The version the clerk saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Sends the one-time supplement notice; the acceptance clock stops until the supplement.
#[utoipa::path(post, path = "/api/v1/cases/{id}/supplement-notice", tag = "pre-review", operation_id = "request_supplement",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = SupplementNoticeIn,
    responses(
        (status = 200, description = "Notice sent", body = super::CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in pre-review, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No items, or an item naming no material of the matter", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn request_supplement(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<SupplementNoticeIn>,
) -> Result<HttpResponse, IntakeError> {
    let case = clerk_case(&state, &principal, *id).await?;
    let body = body.into_inner();
    let matter = matters::find(&state.db, case.matter_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("matter version of a case is missing"))?;
    let spec = spec_of(&matter)?;
    let mut errors = Vec::new();
    if body.items.is_empty() {
        errors.push(govhall_web::FieldError {
            field: "items".into(),
            message: "请列出需要补正的全部内容".into(),
            code: "required".into(),
        });
    }
    let mut lines = Vec::new();
    for (i, item) in body.items.iter().enumerate() {
        if item.problem.trim().is_empty() {
            errors.push(govhall_web::FieldError {
                field: format!("items[{i}].problem"),
                message: "请说明问题".into(),
                code: "required".into(),
            });
        }
        match (&item.material_code, &item.field) {
            (Some(code), _) => match spec.materials.iter().find(|m| &m.code == code) {
                Some(m) => lines.push(format!("{}：{}", m.name, item.problem)),
                None => errors.push(govhall_web::FieldError {
                    field: format!("items[{i}].material_code"),
                    message: "事项没有该材料".into(),
                    code: "unknown_material".into(),
                }),
            },
            (None, Some(field)) => lines.push(format!("{field}：{}", item.problem)),
            (None, None) => errors.push(govhall_web::FieldError {
                field: format!("items[{i}]"),
                message: "请指明材料或表单字段".into(),
                code: "required".into(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(IntakeError::Fields(errors));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let mut t = Transition::new(
        Action::RequestSupplement,
        "supplement_requested",
        format!("一次性告知需补正 {} 项", lines.len()),
    )
    .publish(CaseSupplementRequested {
        case_id: case.id,
        items: lines.clone(),
        requested_at: now,
    });
    t.details = Some(json!({"items": body.items}));
    t.notice = Some(NewNotice {
        kind: "supplement",
        body: json!({"case_number": case.case_number, "matter_name": case.matter_name, "items": body.items, "lines": lines, "issued_at": now,
            "note": "请一次性补正上述全部材料；补正齐全之日起重新计算受理期限。"}),
    });
    answer(
        &state,
        &intake,
        &case,
        expected,
        Cause::request(&principal, &ctx),
        now,
        t,
    )
    .await
}

/// The applicant's supplement.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"note": "已补充签字的申请书", "version": 2}))]
pub struct SupplementIn {
    /// Corrected form fields (replace the old ones; checked against the matter's schema).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form: Option<serde_json::Value>,
    /// A note for the clerk.
    #[serde(default)]
    pub note: Option<String>,
    /// The version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Supplements what the notice asked, online (the applicant) or at the counter (a clerk);
/// the acceptance time limit starts again from today.
#[utoipa::path(post, path = "/api/v1/cases/{id}/supplement", tag = "pre-review", operation_id = "supplement_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = SupplementIn,
    responses(
        (status = 200, description = "Supplemented; back in pre-review", body = super::CaseOut),
        (status = 403, description = "Neither the applicant nor a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No supplement was asked, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every faulty form field", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn supplement_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<SupplementIn>,
) -> Result<HttpResponse, IntakeError> {
    let case = load_visible(&state.db, &principal, *id).await?;
    if !is_owner(&principal, &case) && !is_clerk_of(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only the applicant or a window clerk supplements",
        ));
    }
    let body = body.into_inner();
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    // Before acceptance the acceptance time starts again from the complete supplement; during
    // review the paused clocks simply run on.
    let in_review = case.state == crate::domain::CaseState::ReviewSupplementRequested.as_str();
    let mut t = if in_review {
        Transition::new(
            Action::Supplement,
            "supplemented",
            "补正材料已提交，继续审查",
        )
    } else {
        Transition::new(
            Action::Supplement,
            "supplemented",
            "补正材料已提交，重新计算受理期限",
        )
        .set(cases::Column::ReceivedAt, now)
    }
    .publish(CaseSupplemented {
        case_id: case.id,
        commitment: false,
        supplemented_at: now,
    });
    if let Some(form) = body.form {
        let matter = matters::find(&state.db, case.matter_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("matter version of a case is missing"))?;
        let spec = spec_of(&matter)?;
        let errors = super::submit::form_errors(&spec.form_schema, &form)?;
        if !errors.is_empty() {
            return Err(IntakeError::Fields(errors));
        }
        t = t.set(cases::Column::FormData, form);
    }
    t.details = body.note.map(|n| json!({"note": n}));
    answer(
        &state,
        &intake,
        &case,
        expected,
        Cause::request(&principal, &ctx),
        now,
        t,
    )
    .await
}

/// A bare change request: only the version seen.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"version": 3}))]
pub struct VersionIn {
    /// The version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Records that the materials missing at a 容缺 acceptance were supplied; the commitment
/// clock stops.
#[utoipa::path(post, path = "/api/v1/cases/{id}/commitment-fulfilment", tag = "pre-review", operation_id = "fulfil_commitment",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = VersionIn,
    responses(
        (status = 200, description = "Commitment kept", body = super::CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No open commitment, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn fulfil_commitment(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<VersionIn>,
) -> Result<HttpResponse, IntakeError> {
    let case = clerk_case(&state, &principal, *id).await?;
    if case.commitment.is_none() {
        return Err(IntakeError::Conflict(
            "no_commitment",
            "该办件没有待补齐的容缺材料".into(),
        ));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let t = Transition::new(
        Action::FulfilCommitment,
        "commitment_fulfilled",
        "容缺材料已补齐",
    )
    .set(cases::Column::Commitment, Option::<serde_json::Value>::None)
    .set(
        cases::Column::CommitmentDueAt,
        Option::<chrono::DateTime<chrono::FixedOffset>>::None,
    )
    .publish(CaseSupplemented {
        case_id: case.id,
        commitment: true,
        supplemented_at: now,
    });
    answer(
        &state,
        &intake,
        &case,
        expected,
        Cause::request(&principal, &ctx),
        now,
        t,
    )
    .await
}

/// An instant matter's decision on the spot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"outcome": "approved", "opinion": "材料齐全，符合法定条件，当场办结", "version": 1}))]
pub struct InstantDecisionIn {
    /// `approved` or `denied`.
    pub outcome: OutcomeIn,
    /// The clerk's opinion.
    pub opinion: String,
    /// The version the clerk saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeIn {
    /// Approved (准予).
    Approved,
    /// Denied (不予).
    Denied,
}

/// Accepts and decides an instant matter (即办件) on the spot.
#[utoipa::path(post, path = "/api/v1/cases/{id}/instant-decision", tag = "pre-review", operation_id = "decide_on_the_spot",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = InstantDecisionIn,
    responses(
        (status = 200, description = "Accepted and decided", body = super::CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not an instant matter, not in pre-review, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Opinion missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn decide_on_the_spot(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<InstantDecisionIn>,
) -> Result<HttpResponse, IntakeError> {
    let body = body.into_inner();
    if body.opinion.trim().is_empty() {
        return Err(IntakeError::field("opinion", "required", "请填写办理意见"));
    }
    let case = clerk_case(&state, &principal, *id).await?;
    if case.case_type != CaseType::Instant.as_str() {
        return Err(IntakeError::Conflict(
            "not_instant",
            "只有即办件可以当场办结".into(),
        ));
    }
    if case.handling_division.is_some() {
        return Err(IntakeError::Conflict(
            "handled_elsewhere",
            "跨域通办的办件由办理地审查决定，不能当场办结".into(),
        ));
    }
    let matter = matters::find(&state.db, case.matter_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("matter version of a case is missing"))?;
    let spec = spec_of(&matter)?;
    let plan = spec.plan(u32::try_from(case.matter_version).unwrap_or(1));
    let case_summary = super::summary_of(&state.db, &case, &spec).await?;
    let now = intake.now();
    let outcome = match body.outcome {
        OutcomeIn::Approved => Outcome::Approved,
        OutcomeIn::Denied => Outcome::Denied,
    };
    let word = if outcome == Outcome::Approved {
        "approved"
    } else {
        "denied"
    };
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let mut t = Transition::new(
        Action::DecideOnTheSpot,
        "decided",
        format!(
            "即办件当场办理：{}",
            if outcome == Outcome::Approved {
                "准予"
            } else {
                "不予"
            }
        ),
    )
    .set(cases::Column::AcceptedAt, now)
    .set(cases::Column::DecidedAt, now)
    .set(cases::Column::Outcome, word)
    .set(
        cases::Column::Plan,
        serde_json::to_value(&plan).map_err(anyhow::Error::from)?,
    )
    .set(
        cases::Column::Decision,
        json!({"opinions": [{"by": principal.sub, "outcome": word, "opinion": body.opinion}]}),
    )
    .publish(CaseAccepted {
        case_id: case.id,
        case_number: case.case_number.clone(),
        accepted_at: now,
        plan,
        deemed: false,
        commitment: None,
        summary: Some(case_summary),
    })
    .publish(CaseDecided {
        case_id: case.id,
        outcome,
        decided_at: now,
    });
    t.notice = Some(NewNotice {
        kind: "acceptance",
        body: json!({"case_number": case.case_number, "matter_name": case.matter_name, "accepted_at": now, "instant": true, "window_code": case.window_code}),
    });
    answer(
        &state,
        &intake,
        &case,
        expected,
        Cause::request(&principal, &ctx),
        now,
        t,
    )
    .await
}
