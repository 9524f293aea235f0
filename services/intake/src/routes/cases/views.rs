//! Reading cases: one case with its timeline, "my cases", the anonymous lookup by number
//! and password, the clerk's pre-review queue, the staff search, and the acceptance
//! receipt as JSON or a printable page.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_web::{Principal, PrincipalKind, Problem, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{CaseOut, load_visible, submit::password_hash};
use crate::{
    routes::{
        IntakeError,
        support::{Intake, etag},
    },
    startup::AppState,
    store::{cases, notices, timeline},
};

/// One timeline entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineOut {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// What (`submitted`, `accepted`, `clock_warned`, …).
    pub kind: String,
    /// One line, in Chinese.
    pub summary: String,
}

/// A notice issued for a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeOut {
    /// Notice id.
    pub id: Uuid,
    /// `acceptance`, `rejection`, `supplement` or `termination`.
    pub kind: String,
    /// Verification code printed on it.
    pub verification_code: String,
    /// Content.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// Issued at.
    pub issued_at: DateTime<FixedOffset>,
}

/// A case with its timeline and notices.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = case_detail_example)]
pub struct CaseDetailOut {
    /// The case.
    #[serde(flatten)]
    pub case: CaseOut,
    /// Everything that happened, oldest first.
    pub timeline: Vec<TimelineOut>,
    /// Notices, newest first.
    pub notices: Vec<NoticeOut>,
}

/// The example of [`CaseDetailOut`]: the example case with what happened to it so far.
fn case_detail_example() -> serde_json::Value {
    let mut detail = super::case_example();
    if let Some(fields) = detail.as_object_mut() {
        fields.insert("timeline".into(), serde_json::json!([
            {"at": "2026-11-16T09:12:05+08:00", "kind": "submitted", "summary": "网上提交申请，办件编号 320102202611160000037"},
            {"at": "2026-11-16T14:30:22+08:00", "kind": "supplement_requested", "summary": "一次性告知需补正 1 项"},
            {"at": "2026-11-17T10:05:41+08:00", "kind": "supplemented", "summary": "补正材料已提交，重新计算受理期限"},
            {"at": "2026-11-18T09:40:12+08:00", "kind": "accepted", "summary": "容缺受理，待补齐：营业执照或者其他主体资格证明文件"}
        ]));
        fields.insert("notices".into(), serde_json::json!([
            {"id": "01a1ec4f-c0c4-764d-9708-b11a63e968fd", "kind": "acceptance", "verification_code": "K7QW3MZP9RTA",
                "body": acceptance_notice_example(), "issued_at": "2026-11-18T09:40:12+08:00"},
            {"id": "01a1e30c-b030-7fcf-a8f1-dfaf03aa3897", "kind": "supplement", "verification_code": "H4XN8TRD2KEP",
                "body": {"case_number": "320102202611160000037", "matter_name": "食品经营许可（新办）", "issued_at": "2026-11-16T14:30:22+08:00",
                    "items": [{"material_code": "M1", "field": null, "problem": "申请书未签字"}],
                    "lines": ["食品经营许可申请书：申请书未签字"],
                    "note": "请一次性补正上述全部材料；补正齐全之日起重新计算受理期限。"},
                "issued_at": "2026-11-16T14:30:22+08:00"}
        ]));
    }
    detail
}

/// The acceptance notice of the example case, as issued (in the detail and the receipt).
fn acceptance_notice_example() -> serde_json::Value {
    serde_json::json!({
        "case_number": "320102202611160000037", "matter_name": "食品经营许可（新办）",
        "accepted_at": "2026-11-18T09:40:12+08:00", "committed_limit": {"value": 10, "unit": "working_days"},
        "tolerated_materials": ["营业执照或者其他主体资格证明文件"], "commitment_working_days": 10, "window_code": null
    })
}

async fn detail(
    state: &AppState,
    case: cases::Model,
    now: DateTime<FixedOffset>,
) -> Result<CaseDetailOut, IntakeError> {
    let timeline = timeline::of_case(&state.db, case.id)
        .await?
        .into_iter()
        .map(|e| TimelineOut {
            at: e.at,
            kind: e.kind,
            summary: e.summary,
        })
        .collect();
    let notices = notices::of_case(&state.db, case.id)
        .await?
        .into_iter()
        .map(|n| NoticeOut {
            id: n.id,
            kind: n.kind,
            verification_code: n.verification_code,
            body: n.body,
            issued_at: n.issued_at,
        })
        .collect();
    Ok(CaseDetailOut {
        case: CaseOut::of(case, now),
        timeline,
        notices,
    })
}

/// Reads a case with its timeline: its applicant, staff of its division, or the departments
/// reviewing it.
///
/// The departments reviewing it are the reviewers and leaders of every department its matter
/// version's plan names, at that department's division: the implementing one, the
/// co-departments of a parallel review (并联审批), the departments of each stage of a
/// cross-level chain (跨层级联办) — and every department a review task was opened for, at the
/// review's division, co-departments added during review (加签) included, from the moment
/// intake hears of the task (`approval.task.opened`). A department removed from a review
/// (减签) keeps reading the case. Handling staff (the accepting window's clerks and the
/// reviewing departments) get the applicant in full (`applicant.revealed`) and the form
/// unmasked; other staff get both masked.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", operation_id = "get_case",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case; `ETag` carries its version", body = CaseDetailOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn get_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let (case, reader) = super::load_read(&state.db, &principal, *id).await?;
    let tag = etag(case.version);
    let handles = reader == super::Reader::ReviewingDepartment
        || super::needs_personal_data(&principal, &case);
    let revealed = handles.then(|| super::Revealed {
        name: case.applicant_name.clone(),
        id_number: case.applicant_id_number.clone(),
        contact_phone: case.contact_phone.clone(),
    });
    let masked = !super::is_owner(&principal, &case) && revealed.is_none();
    let mut out = detail(&state, case, intake.now()).await?;
    if masked {
        super::mask_form(&mut out.case.form);
    }
    if revealed.is_some() {
        // An audit trail of who saw personal data, without the data.
        tracing::info!(case.id = %out.case.id, viewer = %principal.sub, "personal data shown to handling staff");
    }
    out.case.applicant.revealed = revealed;
    Ok(HttpResponse::Ok().insert_header(("ETag", tag)).json(out))
}

/// A page of cases.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [super::case_example()], "total": 1}))]
pub struct CaseListOut {
    /// Cases.
    pub items: Vec<CaseOut>,
    /// Total matching (searches only).
    #[serde(default)]
    pub total: Option<u64>,
}

/// The caller's own cases ("my cases"), newest first, at most 100.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", operation_id = "list_my_cases",
    responses(
        (status = 200, description = "The caller's cases", body = CaseListOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_my_cases(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
) -> Result<HttpResponse, IntakeError> {
    let now = intake.now();
    let items = cases::by_submitter(&state.db, &principal.sub, 100).await?;
    Ok(HttpResponse::Ok().json(CaseListOut {
        items: items.into_iter().map(|c| CaseOut::of(c, now)).collect(),
        total: None,
    }))
}

/// Header carrying the query password of an anonymous lookup (kept out of URLs and logs).
pub const QUERY_PASSWORD: &str = "X-Query-Password";

/// Follows a case without logging in: case number in the path, query password in the
/// `X-Query-Password` header. Shows the masked case and its timeline.
#[utoipa::path(get, path = "/api/v1/lookup/{case_number}", tag = "cases", operation_id = "lookup_case",
    params(("case_number" = String, Path, description = "Case number (办件编号)"), ("X-Query-Password" = String, Header, description = "Query password from the receipt")),
    responses(
        (status = 200, description = "The case", body = CaseDetailOut),
        (status = 404, description = "No case with that number and password", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn lookup_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    req: HttpRequest,
    number: web::Path<String>,
) -> Result<HttpResponse, IntakeError> {
    let password = req
        .headers()
        .get(QUERY_PASSWORD)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let found = cases::by_number(&state.db, &number).await?;
    // The same answer for a wrong number and a wrong password: nothing to enumerate.
    let case = found
        .filter(|c| {
            !password.is_empty()
                && c.query_password_hash == password_hash(&c.case_number, password.trim())
        })
        .ok_or(IntakeError::NotFound("case"))?;
    let mut out = detail(&state, case, intake.now()).await?;
    // An anonymous reader sees no form content.
    out.case.form = serde_json::json!({});
    Ok(HttpResponse::Ok().json(out))
}

/// The clerk's queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only this window's counter applications (plus every online one).
    pub window: Option<String>,
}

/// The cases awaiting pre-review at the clerk's division, least acceptance time left first.
#[utoipa::path(get, path = "/api/v1/queue", tag = "pre-review", operation_id = "list_pre_review_queue",
    params(QueueQuery),
    responses(
        (status = 200, description = "Cases awaiting pre-review", body = CaseListOut),
        (status = 403, description = "Not a window clerk", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_pre_review_queue(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, IntakeError> {
    let division = match (
        &principal.kind,
        principal.has_role(Role::WindowClerk),
        principal.division.as_deref(),
    ) {
        (PrincipalKind::Staff, true, Some(d)) => d.to_owned(),
        _ => {
            return Err(IntakeError::Forbidden(
                "only window clerks have a pre-review queue",
            ));
        }
    };
    let now = intake.now();
    let items =
        cases::awaiting_pre_review(&state.db, &division, query.window.as_deref(), 200).await?;
    Ok(HttpResponse::Ok().json(CaseListOut {
        items: items
            .into_iter()
            .map(|c| super::case_for(&principal, c, now))
            .collect(),
        total: None,
    }))
}

/// A staff search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// State (stored form), repeatable as a comma-separated list.
    pub state: Option<String>,
    /// Case number or its prefix.
    pub number: Option<String>,
    /// Matter implementation code.
    pub matter_code: Option<String>,
    /// Page, from 1.
    #[param(minimum = 1, maximum = 100_000)]
    pub page: Option<u32>,
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// Searches the cases of the caller's division (a supervisor: and the divisions below it; a
/// reviewer tied to a department: only that department's).
#[utoipa::path(get, path = "/api/v1/case-search", tag = "cases", operation_id = "search_cases",
    params(SearchQuery),
    responses(
        (status = 200, description = "Matching cases", body = CaseListOut),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search_cases(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, IntakeError> {
    let Some(division) = principal
        .division
        .clone()
        .filter(|d| principal.kind == PrincipalKind::Staff && crate::domain::division::valid(d))
    else {
        return Err(IntakeError::Forbidden("only staff search cases"));
    };
    let supervisor = principal.has_role(Role::Supervisor);
    let clerk_or_admin = principal.has_role(Role::WindowClerk) || principal.has_role(Role::Admin);
    let q = query.into_inner();
    let (offset, per_page) = crate::routes::support::paging(q.page, q.per_page)?;
    let search = cases::Search {
        division_prefix: if supervisor {
            crate::domain::division::prefix(&division).to_owned()
        } else {
            division.clone()
        },
        department: if supervisor || clerk_or_admin {
            None
        } else {
            principal.department.clone()
        },
        states: q
            .state
            .map(|s| s.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        number: q.number,
        matter_code: q.matter_code,
        offset,
        limit: per_page,
    };
    // A non-supervisor's division must match exactly, not as a prefix.
    let now = intake.now();
    let (rows, total) = cases::search(&state.db, &search).await?;
    let items = rows
        .into_iter()
        .filter(|c| supervisor || c.division_code == division)
        .map(|c| super::case_for(&principal, c, now))
        .collect();
    Ok(HttpResponse::Ok().json(CaseListOut {
        items,
        total: Some(total),
    }))
}

/// The acceptance receipt (受理通知书).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case_number": "320102202611160000037", "matter_name": "食品经营许可（新办）",
    "accepted_at": "2026-11-18T09:40:12+08:00", "due_at": "2026-12-03T00:00:00+08:00", "window_code": null,
    "deemed": false, "verification_code": "K7QW3MZP9RTA", "notice": acceptance_notice_example()}))]
pub struct ReceiptOut {
    /// Case number.
    pub case_number: String,
    /// Matter name.
    pub matter_name: String,
    /// Acceptance date.
    pub accepted_at: DateTime<FixedOffset>,
    /// Committed due date, as counted by the deadline service (absent until it has).
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Window that accepted it.
    pub window_code: Option<String>,
    /// Deemed acceptance (视为受理).
    pub deemed: bool,
    /// Verification code (验证码).
    pub verification_code: String,
    /// The notice as issued.
    #[schema(value_type = Object)]
    pub notice: serde_json::Value,
}

/// The acceptance receipt: JSON, or a printable HTML page when the client accepts `text/html`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/receipt", tag = "pre-review", operation_id = "get_acceptance_receipt",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The receipt as JSON; as a printable page with `Accept: text/html`", content(
            (ReceiptOut = "application/json"),
            (String = "text/html"),
        )),
        (status = 404, description = "No such case visible to the caller, or not accepted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_acceptance_receipt(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    let case = load_visible(&state.db, &principal, *id).await?;
    let notice = notices::latest(&state.db, case.id, "acceptance")
        .await?
        .ok_or(IntakeError::NotFound("receipt"))?;
    let receipt = ReceiptOut {
        case_number: case.case_number.clone(),
        matter_name: case.matter_name.clone(),
        accepted_at: super::local(case.accepted_at.unwrap_or(notice.issued_at)),
        due_at: case.due_at.map(super::local),
        window_code: case.window_code.clone(),
        deemed: case.deemed,
        verification_code: notice.verification_code,
        notice: notice.body,
    };
    let wants_html = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(receipt_html(&receipt, &case)));
    }
    Ok(HttpResponse::Ok().json(receipt))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn receipt_html(r: &ReceiptOut, case: &cases::Model) -> String {
    let date = |d: DateTime<FixedOffset>| {
        d.with_timezone(&crate::routes::support::cst())
            .format("%Y年%m月%d日")
            .to_string()
    };
    let due = r.due_at.map(date).unwrap_or_else(|| "（计算中）".into());
    let how = if r.deemed {
        "依法视为受理"
    } else {
        "予以受理"
    };
    let applicant = if case.applicant_kind == "natural_person" {
        super::mask_name(&case.applicant_name)
    } else {
        case.applicant_name.clone()
    };
    format!(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>受理通知书 {number}</title>
<style>body{{font-family:"SimSun",serif;max-width:40em;margin:2em auto;line-height:1.8}}h1{{text-align:center}}@media print{{button{{display:none}}}}</style></head>
<body><h1>受理通知书</h1>
<p>{applicant}：</p>
<p>你（单位）于 {received} 提交的“{matter}”申请，经审查，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，决定{how}。</p>
<p>办件编号：{number}<br>受理日期：{accepted}<br>承诺办结日期：{due}<br>受理窗口：{window}<br>验证码：{code}</p>
<p>凭办件编号和查询密码可在网上办事大厅查询办理进度。</p>
<button onclick="window.print()">打印</button></body></html>"#,
        number = esc(&r.case_number),
        applicant = esc(&applicant),
        received = date(case.received_at),
        matter = esc(&r.matter_name),
        how = how,
        accepted = date(r.accepted_at),
        due = esc(&due),
        window = esc(r.window_code.as_deref().unwrap_or("网上受理")),
        code = esc(&r.verification_code),
    )
}

/// A new query password.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case_number": "320102202611160000037", "query_password": "QF3NWA8T"}))]
pub struct QueryPasswordOut {
    /// Case number.
    pub case_number: String,
    /// The new query password (shown once; the old one no longer works).
    pub query_password: String,
}

/// Issues a new query password (查询密码) for a case, to its applicant or a window clerk of
/// its division (who hands it to the applicant at the counter); the old one stops working.
#[utoipa::path(post, path = "/api/v1/cases/{id}/query-password", tag = "cases", operation_id = "reset_query_password",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The new password", body = QueryPasswordOut),
        (status = 403, description = "Neither the applicant nor a window clerk of the case's division", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reset_query_password(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, IntakeError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let case = load_visible(&state.db, &principal, *id).await?;
    if !super::is_owner(&principal, &case) && !super::is_clerk_of(&principal, &case) {
        return Err(IntakeError::Forbidden(
            "only the applicant or a window clerk resets the query password",
        ));
    }
    let password = super::random_code(8);
    let now = intake.now();
    let txn = govhall_bus::begin_write(&state.db).await?;
    // Not a state change: the version stays, so nobody's pending change is refused for it.
    cases::Entity::update_many()
        .col_expr(
            cases::Column::QueryPasswordHash,
            Expr::value(password_hash(&case.case_number, &password)),
        )
        .filter(cases::Column::Id.eq(case.id))
        .exec(&txn)
        .await?;
    timeline::record(
        &txn,
        case.id,
        now,
        "query_password_reset",
        &principal.sub,
        "查询密码已重置",
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(QueryPasswordOut {
        case_number: case.case_number,
        query_password: password,
    }))
}
