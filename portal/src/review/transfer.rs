//! A cross-level transfer with its package, to sign for, send back or send again.

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web};
use askama::Template;
use chrono::Utc;
use serde_json::{Map, Value};

use super::{
    refusal, reviewer,
    transfers::TransferRow,
    words::{join_rule, opinion_words},
};
use crate::{
    Portal,
    error::PageError,
    hall::with_ok,
    layout::{Ctx, Fields, Layout, local_path, see_other},
    text,
};

/// A department of the receiving stage.
struct StageDepartment {
    name: String,
    lead: bool,
    limit: String,
}

/// A material reference in a package.
pub(super) struct PackageFile {
    pub(super) name: String,
    pub(super) sha256: String,
}

impl PackageFile {
    pub(super) fn list(summary: &Value) -> Vec<Self> {
        summary["materials"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| PackageFile {
                        name: text::s(m, "name"),
                        sha256: text::s(m, "sha256"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One department's opinion at an earlier stage.
struct StageOpinion {
    stage: String,
    division: String,
    stage_outcome: &'static str,
    department: String,
    reviewer: String,
    outcome: String,
    comment: String,
    recorded: String,
}

#[derive(Template)]
#[template(path = "review_transfer.html")]
struct TransferPage {
    l: Layout,
    row: TransferRow,
    case_id: String,
    matter_code: String,
    from_stage: String,
    to_stage: String,
    rule: &'static str,
    limit: String,
    departments: Vec<StageDepartment>,
    files: Vec<PackageFile>,
    opinions: Vec<StageOpinion>,
    note: String,
    sent_by: String,
    received: String,
    finished: String,
    reason: String,
    outcome: &'static str,
    can_receive: bool,
    can_send_back: bool,
    can_resend: bool,
    idem: String,
    problems: Vec<String>,
    kept_reason: String,
    kept_note: String,
}

pub(super) async fn transfer_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    reviewer(&ctx)?;
    render_transfer(&ctx, *id, Vec::new(), String::new(), String::new()).await
}

async fn render_transfer(
    ctx: &Ctx,
    id: uuid::Uuid,
    problems: Vec<String>,
    kept_reason: String,
    kept_note: String,
) -> Result<HttpResponse, PageError> {
    let session = reviewer(ctx)?;
    let t = ctx.api.get(&format!("/api/v1/transfers/{id}")).await?;
    let mine = session.principal.division.clone().unwrap_or_default();
    let state = text::s(&t, "state");
    let summary = &t["package"]["summary"];
    let departments = t["departments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| StageDepartment {
                    name: text::s(d, "name"),
                    lead: d["lead"].as_bool().unwrap_or(false),
                    limit: text::limit(&d["time_limit"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let files = PackageFile::list(summary);
    let mut opinions = Vec::new();
    for stage in t["package"]["opinions"].as_array().into_iter().flatten() {
        for o in stage["opinions"].as_array().into_iter().flatten() {
            opinions.push(StageOpinion {
                stage: format!("第 {} 级", stage["stage"].as_i64().unwrap_or_default() + 1),
                division: text::s(stage, "division_code"),
                stage_outcome: text::outcome(stage["outcome"].as_str().unwrap_or_default()),
                department: text::s(o, "department_code"),
                reviewer: text::s(o, "reviewer"),
                outcome: opinion_words(o),
                comment: text::s(o, "comment"),
                recorded: text::t(o, "recorded_at"),
            });
        }
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let to_here = text::s(&t, "to_division") == mine;
    let row = TransferRow::from(&t, Utc::now());
    ctx.render_status(
        status,
        &TransferPage {
            l: ctx.layout(format!("报送件：{}", row.matter)),
            case_id: text::s(&t, "case_id"),
            matter_code: text::s(summary, "matter_code"),
            from_stage: format!("第 {} 级", t["from_stage"].as_i64().unwrap_or_default() + 1),
            to_stage: format!("第 {} 级", t["to_stage"].as_i64().unwrap_or_default() + 1),
            rule: join_rule(t["join_rule"].as_str().unwrap_or_default()).0,
            limit: text::limit(&t["time_limit"]),
            departments,
            files,
            opinions,
            note: text::s(&t["package"], "note"),
            sent_by: text::s(&t, "sent_by"),
            received: match (text::s(&t, "received_by"), text::t(&t, "received_at")) {
                (who, _) if who.is_empty() => String::new(),
                (who, at) => format!("{who}（{at}）"),
            },
            finished: match (text::s(&t, "finished_by"), text::t(&t, "finished_at")) {
                (who, _) if who.is_empty() => String::new(),
                (who, at) => format!("{who}（{at}）"),
            },
            reason: text::s(&t, "reason"),
            outcome: text::outcome(t["outcome"].as_str().unwrap_or_default()),
            can_receive: to_here && state == "sent",
            can_send_back: to_here && matches!(state.as_str(), "sent" | "received"),
            can_resend: text::s(&t, "from_division") == mine && state == "sent_back",
            idem: uuid::Uuid::new_v4().to_string(),
            problems,
            kept_reason,
            kept_note,
            row,
        },
    )
}

pub(super) async fn transfer_action(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    reviewer(&ctx)?;
    let (id, action) = path.into_inner();
    let mut body = Map::new();
    if let Some(v) = posted.get("version").and_then(|v| v.parse::<i64>().ok()) {
        body.insert("version".into(), Value::from(v));
    }
    let idem = posted
        .get("_idem")
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let (api_path, flash, headers): (String, &str, Vec<(&str, &str)>) = match action.as_str() {
        "receipt" => (
            format!("/api/v1/transfers/{id}/receipt"),
            "received",
            vec![],
        ),
        "send-back" => {
            body.insert(
                "reason".into(),
                Value::String(posted.get("reason").unwrap_or_default().to_owned()),
            );
            (
                format!("/api/v1/transfers/{id}/send-back"),
                "sent_back",
                vec![],
            )
        }
        "resending" => {
            if let Some(note) = posted.get("note") {
                body.insert("note".into(), Value::String(note.to_owned()));
            }
            (
                format!("/api/v1/transfers/{id}/resending"),
                "resent",
                vec![("Idempotency-Key", idem.as_str())],
            )
        }
        _ => return Err(PageError::NotFound),
    };
    match ctx
        .api
        .send(Method::POST, &api_path, &Value::Object(body), &headers)
        .await
    {
        Ok(reply) => {
            let back = match posted.get("back") {
                Some(b) => local_path(Some(b)),
                // A resend is a new transfer: show it.
                None if action == "resending" => {
                    format!("/review/transfers/{}", text::s(&reply.body, "id"))
                }
                None => format!("/review/transfers/{id}"),
            };
            Ok(see_other(&with_ok(&back, flash)))
        }
        Err(e) if e.status() == Some(422) => {
            render_transfer(
                &ctx,
                id,
                refusal(&e),
                posted.get("reason").unwrap_or_default().to_owned(),
                posted.get("note").unwrap_or_default().to_owned(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
