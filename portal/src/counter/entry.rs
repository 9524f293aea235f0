//! Entering an application for an applicant standing at the window (窗口收件).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web};
use askama::Template;
use govhall_web::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Portal,
    apply::ApplicantForm,
    error::PageError,
    form::{self, Field},
    hall::{MatterRow, items},
    layout::{Ctx, Fields, Layout},
    text,
};

#[derive(Template)]
#[template(path = "counter_new.html")]
struct NewPage {
    l: Layout,
    matters: Vec<MatterRow>,
    chosen: Option<(String, String)>,
    applicant: ApplicantForm,
    fields: Vec<Field>,
    problems: Vec<String>,
    idem: String,
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    matter: Option<String>,
    legal: Option<String>,
}

pub(super) async fn new_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.staff(Role::WindowClerk)?;
    let legal = query.legal.as_deref() == Some("1");
    render_new(
        &ctx,
        query.matter.as_deref(),
        &json!({"applicant": {"kind": if legal { "legal_person" } else { "natural_person" }}}),
        HashMap::new(),
        Vec::new(),
    )
    .await
}

async fn render_new(
    ctx: &Ctx,
    matter: Option<&str>,
    application: &Value,
    errors: HashMap<String, String>,
    problems: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let session = ctx.staff(Role::WindowClerk)?;
    let division = session.principal.division.clone().unwrap_or_default();
    let list = ctx
        .api
        .get(&format!(
            "/api/v1/matters?division={}&per_page=100",
            text::url_encode(&division)
        ))
        .await?;
    let (chosen, fields) = match matter {
        Some(code) => {
            let m = ctx
                .api
                .get(&format!("/api/v1/matters/{}", text::url_encode(code)))
                .await?;
            (
                Some((code.to_owned(), text::s(&m, "name"))),
                form::fields(&m["form_schema"], &application["form"], &errors),
            )
        }
        None => (None, Vec::new()),
    };
    let status = if errors.is_empty() && problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    ctx.render_status(
        status,
        &NewPage {
            l: ctx.layout("窗口收件"),
            matters: items(&list).iter().map(MatterRow::from).collect(),
            chosen,
            applicant: ApplicantForm::from(application, false, &errors),
            fields,
            problems,
            idem: uuid::Uuid::new_v4().to_string(),
        },
    )
}

#[derive(Template)]
#[template(path = "counter_entered.html")]
struct EnteredPage {
    l: Layout,
    id: String,
    number: String,
    password: String,
}

pub(super) async fn enter(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    ctx.staff(Role::WindowClerk)?;
    let code = posted.get("matter_code").unwrap_or_default().to_owned();
    let matter = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await?;
    let form = form::read(&matter["form_schema"], &posted);
    let mut application = ApplicantForm::read(&posted, false, form);
    application["matter_code"] = Value::String(code.clone());
    if let Some(window) = posted.get("window_code") {
        application["window_code"] = Value::String(window.to_owned());
    }
    let key = posted
        .get("_idem")
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    match ctx
        .api
        .send(
            Method::POST,
            "/api/v1/cases",
            &application,
            &[("Idempotency-Key", &key)],
        )
        .await
    {
        Ok(reply) => ctx.render_status(
            StatusCode::CREATED,
            &EnteredPage {
                l: ctx.layout("收件成功"),
                id: text::s(&reply.body, "id"),
                number: text::s(&reply.body, "case_number"),
                password: text::s(&reply.body, "query_password"),
            },
        ),
        Err(e) if e.status() == Some(422) => {
            let (errors, problems) = form::errors_by_field(&e.field_errors());
            let problems = if errors.is_empty() && problems.is_empty() {
                vec![e.message()]
            } else {
                problems
            };
            render_new(&ctx, Some(&code), &application, errors, problems).await
        }
        Err(e) => Err(e.into()),
    }
}
