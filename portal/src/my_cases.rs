//! Following one's own cases: "my cases" (我的办件), a case with its timeline and notices,
//! a supplement, the printable receipt and the rating (好差评).

use actix_web::{HttpRequest, HttpResponse, http::Method, web};
use askama::Template;
use serde_json::{Value, json};

use crate::{
    Portal,
    api::ApiError,
    apply::{ChecklistRow, applicant},
    error::PageError,
    hall::{Entry, items},
    layout::{Ctx, Fields, Layout, see_other},
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/my/cases", web::get().to(my_cases))
        .route("/my/cases/{id}", web::get().to(case_page))
        .route("/my/cases/{id}/supplement", web::post().to(supplement))
        .route("/my/cases/{id}/rating", web::post().to(rate))
        .route("/my/cases/{id}/receipt", web::get().to(receipt));
}

/// A case in a list.
pub(crate) struct CaseRow {
    pub id: String,
    pub number: String,
    pub matter: String,
    pub state: String,
    pub colour: (&'static str, &'static str),
    pub due: String,
    pub submitted: String,
    pub applicant: String,
}

impl CaseRow {
    pub(crate) fn from(c: &Value) -> Self {
        Self {
            id: text::s(c, "id"),
            number: text::s(c, "case_number"),
            matter: text::s(&c["matter"], "name"),
            state: text::s(c, "state_label"),
            colour: text::colour(c["status_colour"].as_str().unwrap_or_default()),
            due: text::t(c, "due_at"),
            submitted: text::t(c, "submitted_at"),
            applicant: text::s(&c["applicant"], "name"),
        }
    }
}

#[derive(Template)]
#[template(path = "my_cases.html")]
struct MyCasesPage {
    l: Layout,
    cases: Vec<CaseRow>,
    drafts: Vec<(String, String, String)>,
}

async fn my_cases(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    applicant(&ctx)?;
    let cases = ctx.api.get("/api/v1/cases").await?;
    let drafts = ctx.api.get("/api/v1/drafts").await?;
    ctx.render(&MyCasesPage {
        l: ctx.layout("我的办件"),
        cases: items(&cases).iter().map(CaseRow::from).collect(),
        drafts: items(&drafts)
            .iter()
            .map(|d| {
                (
                    text::s(d, "id"),
                    text::s(d, "matter_name"),
                    text::t(d, "updated_at"),
                )
            })
            .collect(),
    })
}

/// What a supplement notice asks for.
pub(crate) struct NoticeLine {
    pub line: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    l: Layout,
    row: CaseRow,
    version: String,
    state: String,
    outcome: String,
    decided: String,
    completed: String,
    close_reason: String,
    accepted: bool,
    timeline: Vec<Entry>,
    supplement: Vec<NoticeLine>,
    materials: Vec<ChecklistRow>,
    can_rate: bool,
    rated: bool,
    /// Notices issued: id, heading, when.
    notices: Vec<(String, &'static str, String)>,
}

async fn case_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    applicant(&ctx)?;
    let c = ctx.api.get(&format!("/api/v1/cases/{id}")).await?;
    let state = text::s(&c, "state");
    let supplementing = state == "supplement_requested" || state == "review_supplement_requested";
    let (supplement, materials) = if supplementing {
        let notice = c["notices"]
            .as_array()
            .and_then(|n| n.iter().find(|n| n["kind"] == "supplement"))
            .cloned()
            .unwrap_or(Value::Null);
        let lines = notice["body"]["lines"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|x| NoticeLine {
                        line: x.as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let checklist = ctx.api.get(&format!("/api/v1/uploads/{id}")).await?;
        (lines, ChecklistRow::list(&checklist))
    } else {
        (Vec::new(), Vec::new())
    };
    let rated = c["timeline"]
        .as_array()
        .is_some_and(|t| t.iter().any(|e| e["kind"] == "rated"));
    ctx.render(&CasePage {
        l: ctx.layout(format!("办件 {}", text::s(&c, "case_number"))),
        row: CaseRow::from(&c),
        version: text::s(&c, "version"),
        outcome: text::outcome(c["outcome"].as_str().unwrap_or_default()).to_owned(),
        decided: text::t(&c, "decided_at"),
        completed: text::t(&c, "completed_at"),
        close_reason: text::s(&c, "close_reason"),
        accepted: c["accepted_at"].is_string(),
        timeline: Entry::list(&c),
        can_rate: matches!(state.as_str(), "completed" | "rejected" | "terminated") && !rated,
        notices: c["notices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| {
                (
                    text::s(n, "id"),
                    crate::notices::heading(n["kind"].as_str().unwrap_or_default()),
                    text::t(n, "issued_at"),
                )
            })
            .collect(),
        rated,
        supplement,
        materials,
        state,
    })
}

async fn supplement(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    applicant(&ctx)?;
    let mut body = json!({});
    if let Some(note) = posted.get("note") {
        body["note"] = Value::String(note.to_owned());
    }
    if let Some(version) = posted.get("version").and_then(|v| v.parse::<i64>().ok()) {
        body["version"] = Value::from(version);
    }
    ctx.api
        .post(&format!("/api/v1/cases/{id}/supplement"), &body)
        .await?;
    Ok(see_other(&format!("/my/cases/{id}?ok=supplemented")))
}

async fn rate(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    applicant(&ctx)?;
    let Some(score) = posted.get("score").and_then(|s| s.parse::<u8>().ok()) else {
        return Err(PageError::Refused {
            status: 422,
            message: "请选择满意程度".to_owned(),
        });
    };
    let mut body = json!({"score": score});
    if let Some(comment) = posted.get("comment") {
        body["comment"] = Value::String(comment.to_owned());
    }
    match ctx
        .api
        .send(
            Method::POST,
            &format!("/api/v1/cases/{id}/rating"),
            &body,
            &[(
                "Idempotency-Key",
                posted.get("_idem").unwrap_or(&id.to_string()),
            )],
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!("/my/cases/{id}?ok=rated"))),
        Err(ApiError::Status { status: 409, .. }) => {
            Ok(see_other(&format!("/my/cases/{id}?ok=rated")))
        }
        Err(e) => Err(e.into()),
    }
}

/// The printable acceptance receipt (the API renders it).
async fn receipt(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.signed_in()?;
    Ok(ctx
        .api
        .pass_through(&format!("/api/v1/cases/{id}/receipt"), "text/html")
        .await?)
}
