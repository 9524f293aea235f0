//! After acceptance: special procedures (特别程序), result delivery (送达), withdrawal
//! (撤回) and termination (终止).

use actix_web::{HttpRequest, HttpResponse, web};
use govhall_contracts::events::intake::{
    CaseCompleted, CaseResumed, CaseSuspended, CaseTerminated, CaseWithdrawn,
};
use govhall_web::{Principal, PrincipalKind, Problem, RequestContext, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Cause, NewNotice, Transition, answer, is_clerk_of, is_owner, is_staff_of, load_visible,
    prereview::VersionIn,
};
use crate::{
    domain::{case::Action, codes::SpecialProcedure},
    routes::{
        IntakeError,
        support::{Intake, expected_version},
    },
    startup::AppState,
    store::cases,
};

fn handling_staff(principal: &Principal, case: &cases::Model) -> bool {
    is_staff_of(principal, case)
        && (principal.has_role(Role::WindowClerk)
            || principal.has_role(Role::Reviewer)
            || principal.has_role(Role::Leader))
}

/// A special procedure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"procedure": "expert_review", "legal_basis": "《中华人民共和国行政许可法》第四十五条", "version": 3}))]
pub struct SuspensionIn {
    /// Procedure (GB/T 39046 特别程序种类).
    pub procedure: SpecialProcedure,
    /// Legal basis.
    pub legal_basis: String,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// The version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Starts a special procedure: the case's time limits stop counting until it ends.
#[utoipa::path(post, path = "/api/v1/cases/{id}/suspension", tag = "cases", operation_id = "suspend_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = SuspensionIn,
    responses(
        (status = 200, description = "Suspended", body = super::CaseOut),
        (status = 403, description = "Not handling staff of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not under review, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Legal basis missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn suspend_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<SuspensionIn>,
) -> Result<HttpResponse, IntakeError> {
    let body = body.into_inner();
    if body.legal_basis.trim().is_empty() {
        return Err(IntakeError::field(
            "legal_basis",
            "required",
            "请填写法律依据",
        ));
    }
    let case = load_visible(&state.db, &principal, *id).await?;
    if !handling_staff(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only handling staff start special procedures",
        ));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let t = Transition::new(Action::Suspend, "suspended", format!("进入特别程序：{}", body.procedure.label()))
        .set(cases::Column::Suspension, json!({"procedure": body.procedure, "legal_basis": body.legal_basis, "note": body.note, "since": now}))
        .publish(CaseSuspended { case_id: case.id, procedure: body.procedure.as_str().into(), legal_basis: body.legal_basis.clone(), suspended_at: now });
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

/// Ends the special procedure; the time limits count again.
#[utoipa::path(post, path = "/api/v1/cases/{id}/resumption", tag = "cases", operation_id = "resume_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = VersionIn,
    responses(
        (status = 200, description = "Resumed", body = super::CaseOut),
        (status = 403, description = "Not handling staff of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not suspended, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn resume_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<VersionIn>,
) -> Result<HttpResponse, IntakeError> {
    let case = load_visible(&state.db, &principal, *id).await?;
    if !handling_staff(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only handling staff end special procedures",
        ));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let t = Transition::new(Action::Resume, "resumed", "特别程序结束，恢复计时")
        .set(cases::Column::Suspension, Option::<serde_json::Value>::None)
        .publish(CaseResumed {
            case_id: case.id,
            resumed_at: now,
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

/// How the result reaches the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// Picked up at the window (窗口领取).
    Pickup,
    /// Sent by courier (邮寄送达).
    Courier,
    /// Issued electronically (电子证照).
    Electronic,
}

/// Result delivery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"method": "courier", "courier": "中国邮政 EMS", "tracking_number": "1234567890123", "version": 5}))]
pub struct DeliveryIn {
    /// Method.
    pub method: DeliveryMethod,
    /// Courier company (courier only).
    #[serde(default)]
    pub courier: Option<String>,
    /// Tracking number (courier only).
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// The version the clerk saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Delivers the result: pickup or electronic issue completes the case at once; a courier
/// delivery completes it when received.
#[utoipa::path(post, path = "/api/v1/cases/{id}/delivery", tag = "cases", operation_id = "deliver_result",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = DeliveryIn,
    responses(
        (status = 200, description = "Delivered, or sent", body = super::CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not decided, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Courier delivery without a tracking number", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn deliver_result(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<DeliveryIn>,
) -> Result<HttpResponse, IntakeError> {
    let body = body.into_inner();
    if body.method == DeliveryMethod::Courier
        && body
            .tracking_number
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
    {
        return Err(IntakeError::field(
            "tracking_number",
            "required",
            "邮寄送达须填写快递单号",
        ));
    }
    let case = load_visible(&state.db, &principal, *id).await?;
    if !is_clerk_of(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only window clerks of the case's division deliver results",
        ));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let delivery = json!({"method": body.method, "courier": body.courier, "tracking_number": body.tracking_number, "at": now});
    let t = if body.method == DeliveryMethod::Courier {
        Transition::new(
            Action::Dispatch,
            "dispatched",
            format!(
                "结果已邮寄，快递单号 {}",
                body.tracking_number.clone().unwrap_or_default()
            ),
        )
        .set(cases::Column::Delivery, delivery)
    } else {
        let how = if body.method == DeliveryMethod::Pickup {
            "窗口领取"
        } else {
            "电子送达"
        };
        Transition::new(
            Action::DeliverNow,
            "completed",
            format!("办理结果已{how}，办结"),
        )
        .set(cases::Column::Delivery, delivery)
        .set(cases::Column::CompletedAt, now)
        .publish(CaseCompleted {
            case_id: case.id,
            completed_at: now,
        })
    };
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

/// Confirms that a courier delivery arrived; the case is completed (办结).
#[utoipa::path(post, path = "/api/v1/cases/{id}/delivery-confirmation", tag = "cases", operation_id = "confirm_delivery",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = VersionIn,
    responses(
        (status = 200, description = "Completed", body = super::CaseOut),
        (status = 403, description = "Neither the applicant nor a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not being delivered, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn confirm_delivery(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<VersionIn>,
) -> Result<HttpResponse, IntakeError> {
    let case = load_visible(&state.db, &principal, *id).await?;
    if !is_owner(&principal, &case) && !is_clerk_of(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only the applicant or a window clerk confirms receipt",
        ));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let t = Transition::new(Action::Complete, "completed", "已签收办理结果，办结")
        .set(cases::Column::CompletedAt, now)
        .publish(CaseCompleted {
            case_id: case.id,
            completed_at: now,
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

/// A withdrawal or a termination, with its reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "申请人主动撤回", "version": 2}))]
pub struct ReasonIn {
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// The version the caller saw.
    #[serde(default)]
    pub version: Option<i32>,
}

/// The applicant withdraws the case before its decision (撤回); its clocks are cancelled.
#[utoipa::path(post, path = "/api/v1/cases/{id}/withdrawal", tag = "cases", operation_id = "withdraw_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = ReasonIn,
    responses(
        (status = 200, description = "Withdrawn", body = super::CaseOut),
        (status = 403, description = "Neither the applicant nor a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided or ended, or changed concurrently", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn withdraw_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<ReasonIn>,
) -> Result<HttpResponse, IntakeError> {
    let case = load_visible(&state.db, &principal, *id).await?;
    if !is_owner(&principal, &case) && !is_clerk_of(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only the applicant withdraws (or a clerk at his request)",
        ));
    }
    let body = body.into_inner();
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let reason = body.reason.unwrap_or_else(|| "申请人主动撤回".into());
    let t = Transition::new(
        Action::Withdraw,
        "withdrawn",
        format!("申请已撤回：{reason}"),
    )
    .set(cases::Column::ClosedAt, now)
    .set(cases::Column::CloseReason, reason)
    .publish(CaseWithdrawn {
        case_id: case.id,
        withdrawn_at: now,
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

/// Terminates a case (终止), with a written notice to the applicant.
#[utoipa::path(post, path = "/api/v1/cases/{id}/termination", tag = "cases", operation_id = "terminate_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = ReasonIn,
    responses(
        (status = 200, description = "Terminated", body = super::CaseOut),
        (status = 403, description = "Not handling staff of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided or ended, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn terminate_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<ReasonIn>,
) -> Result<HttpResponse, IntakeError> {
    let body = body.into_inner();
    let Some(reason) = body.reason.filter(|r| !r.trim().is_empty()) else {
        return Err(IntakeError::field("reason", "required", "请填写终止原因"));
    };
    let case = load_visible(&state.db, &principal, *id).await?;
    if principal.kind != PrincipalKind::Staff || !handling_staff(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only handling staff terminate cases",
        ));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let t = terminate(&case, reason, now);
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

/// The termination of `case` for `reason`, with its notice and event.
pub fn terminate(
    case: &cases::Model,
    reason: String,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Transition {
    let mut t = Transition::new(
        Action::Terminate,
        "terminated",
        format!("办件终止：{reason}"),
    )
    .set(cases::Column::ClosedAt, now)
    .set(cases::Column::CloseReason, reason.clone())
    .publish(CaseTerminated {
        case_id: case.id,
        reason: reason.clone(),
        terminated_at: now,
    });
    t.notice = Some(NewNotice {
        kind: "termination",
        body: json!({"case_number": case.case_number, "matter_name": case.matter_name, "reason": reason, "terminated_at": now}),
    });
    t
}

/// Sends a case the review returned back to review (重新报送), saying what was done.
#[utoipa::path(post, path = "/api/v1/cases/{id}/review-resubmission", tag = "cases", operation_id = "resubmit_to_review",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = Option<String>, Header, description = "ETag of the case last read")),
    request_body = ReasonIn,
    responses(
        (status = 200, description = "Back under review", body = super::CaseOut),
        (status = 403, description = "Not a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not returned to the window, or changed concurrently", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No note of what was done", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn resubmit_to_review(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: govhall_web::Json<ReasonIn>,
) -> Result<HttpResponse, IntakeError> {
    let body = body.into_inner();
    let Some(note) = body.reason.filter(|r| !r.trim().is_empty()) else {
        return Err(IntakeError::field(
            "reason",
            "required",
            "请说明已处理的情况",
        ));
    };
    let case = load_visible(&state.db, &principal, *id).await?;
    if !is_clerk_of(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only window clerks of the case's division resubmit it",
        ));
    }
    let now = intake.now();
    let expected = expected_version(&req, body.version)?.unwrap_or(case.version);
    let t = Transition::new(
        Action::Resubmit,
        "resubmitted",
        format!("窗口重新报送审查：{note}"),
    )
    .publish(govhall_contracts::events::intake::CaseResubmitted {
        case_id: case.id,
        note,
        resubmitted_at: now,
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
