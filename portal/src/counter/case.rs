//! One case at the counter: the applicant (revealed to the clerk), form, materials, notices
//! and timeline, and the pre-review, decision and hand-over actions.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use govhall_web::Role;
use serde_json::Value;

use super::actions::action_body;
use crate::{
    Portal,
    apply::ChecklistRow,
    error::PageError,
    hall::{Entry, with_ok},
    layout::{Ctx, Fields, Layout, see_other},
    my_cases::CaseRow,
    text,
};

/// A notice as listed.
struct NoticeRow {
    id: String,
    kind: &'static str,
    code: String,
    issued: String,
    lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "counter_case.html")]
struct CasePage {
    l: Layout,
    row: CaseRow,
    id: String,
    state: String,
    version: String,
    instant: bool,
    applicant_kind: String,
    applicant_name: String,
    applicant_id: String,
    phone: String,
    form: Vec<(String, String)>,
    materials: Vec<ChecklistRow>,
    notices: Vec<NoticeRow>,
    timeline: Vec<Entry>,
    accepted: bool,
    error: Option<String>,
}

pub(super) async fn case_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    render_case(&ctx, *id, None).await
}

async fn render_case(
    ctx: &Ctx,
    id: uuid::Uuid,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    ctx.staff(Role::WindowClerk)?;
    let c = ctx.api.get(&format!("/api/v1/cases/{id}")).await?;
    let checklist = ctx.api.get(&format!("/api/v1/uploads/{id}")).await?;
    let matter = ctx
        .api
        .get(&format!(
            "/api/v1/matters/versions/{}",
            text::s(&c["matter"], "id")
        ))
        .await
        .unwrap_or(Value::Null);
    let applicant = &c["applicant"];
    let revealed = &applicant["revealed"];
    let labels: HashMap<String, String> = matter["form_schema"]["properties"]
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.clone(), v["title"].as_str().unwrap_or(k).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let form_rows = c["form"]
        .as_object()
        .map(|f| {
            f.iter()
                .map(|(k, v)| {
                    let value = match v {
                        Value::String(s) => s.clone(),
                        Value::Array(a) => a
                            .iter()
                            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join("、"),
                        other => other.to_string(),
                    };
                    (labels.get(k).cloned().unwrap_or_else(|| k.clone()), value)
                })
                .collect()
        })
        .unwrap_or_default();
    let notices = c["notices"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|n| NoticeRow {
                    id: text::s(n, "id"),
                    kind: crate::notices::heading(n["kind"].as_str().unwrap_or_default()),
                    code: text::s(n, "verification_code"),
                    issued: text::t(n, "issued_at"),
                    lines: n["body"]["lines"]
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    ctx.render_status(
        status,
        &CasePage {
            l: ctx.layout(format!("窗口办件 {}", text::s(&c, "case_number"))),
            row: CaseRow::from(&c),
            id: id.to_string(),
            state: text::s(&c, "state"),
            version: text::s(&c, "version"),
            instant: c["case_type"] == "instant",
            applicant_kind: if applicant["kind"] == "legal_person" {
                "法人或其他组织".to_owned()
            } else {
                "个人".to_owned()
            },
            // Clerks check identity: the API reveals the full name and number to them.
            applicant_name: revealed["name"]
                .as_str()
                .map_or_else(|| text::s(applicant, "name"), str::to_owned),
            applicant_id: revealed["id_number"]
                .as_str()
                .map_or_else(|| text::s(applicant, "id_number_masked"), str::to_owned),
            phone: revealed["contact_phone"]
                .as_str()
                .map_or_else(|| text::s(&c, "contact_phone"), str::to_owned),
            form: form_rows,
            materials: ChecklistRow::list(&checklist),
            notices,
            timeline: Entry::list(&c),
            accepted: c["accepted_at"].is_string(),
            error,
        },
    )
}

/// A posted pre-review, decision or hand-over action, sent to the API; a 422 shows the
/// API's words on the case page.
pub(super) async fn act(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    ctx.staff(Role::WindowClerk)?;
    let (id, action) = path.into_inner();
    let (action, body, flash) = match action_body(&action, &posted) {
        Ok(parts) => parts,
        Err(why) => return render_case(&ctx, id, Some(why)).await,
    };
    match ctx
        .api
        .post(&format!("/api/v1/cases/{id}/{action}"), &body)
        .await
    {
        Ok(_) => Ok(see_other(&with_ok(&format!("/counter/cases/{id}"), flash))),
        Err(e) if e.status() == Some(422) => {
            let mut why = e.message();
            for (_, message) in e.field_errors() {
                why.push('；');
                why.push_str(&message);
            }
            render_case(&ctx, id, Some(why)).await
        }
        Err(e) => Err(e.into()),
    }
}
