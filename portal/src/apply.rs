//! Applying online: the application form, drafts with their materials, submission.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web};
use askama::Template;
use govhall_web::PrincipalKind;
use serde_json::{Value, json};

use crate::{
    Portal,
    error::PageError,
    form::{self, Field},
    hall::{items, with_ok},
    layout::{Ctx, Fields, Layout, see_other},
    session::Session,
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/apply/{code}", web::get().to(apply_page))
        .route("/apply/{code}", web::post().to(apply))
        .route("/my/drafts/{id}", web::get().to(draft_page))
        .route("/my/drafts/{id}", web::post().to(draft_action))
        .route("/my/drafts/{id}/materials/{code}", web::post().to(upload))
        .route("/my/cases/{id}/materials/{code}", web::post().to(upload));
    crate::my_cases::configure(cfg);
}

/// The applicant part of the form.
pub(crate) struct ApplicantForm {
    pub legal: bool,
    pub name: String,
    pub id: String,
    pub phone: String,
    pub name_error: Option<String>,
    pub id_error: Option<String>,
    pub phone_error: Option<String>,
}

impl ApplicantForm {
    pub(crate) fn from(application: &Value, legal: bool, errors: &HashMap<String, String>) -> Self {
        let a = &application["applicant"];
        Self {
            legal: a["kind"].as_str().map_or(legal, |k| k == "legal_person"),
            name: text::s(a, "name"),
            id: if a["credit_code"].is_string() {
                text::s(a, "credit_code")
            } else {
                text::s(a, "id_number")
            },
            phone: text::s(application, "contact_phone"),
            name_error: errors.get("applicant_name").cloned(),
            id_error: errors.get("applicant_id").cloned(),
            phone_error: errors.get("contact_phone").cloned(),
        }
    }

    /// The application body from posted fields (blank parts left out for the API to name).
    pub(crate) fn read(posted: &Fields, legal: bool, form: Value) -> Value {
        let legal = posted
            .get("applicant_kind")
            .map_or(legal, |k| k == "legal_person");
        let name = posted.get("applicant_name").unwrap_or_default();
        let id = posted
            .get("applicant_id")
            .unwrap_or_default()
            .to_uppercase();
        let applicant = if legal {
            json!({"kind": "legal_person", "name": name, "credit_code": id})
        } else {
            json!({"kind": "natural_person", "name": name, "id_number": id})
        };
        let mut application = json!({"applicant": applicant, "form": form});
        if let Some(phone) = posted.get("contact_phone") {
            application["contact_phone"] = Value::String(phone.to_owned());
        }
        application
    }
}

/// A required material with the files supplied for it.
pub(crate) struct ChecklistRow {
    pub code: String,
    pub name: String,
    pub mandatory: bool,
    pub tolerable: bool,
    pub files: Vec<FileRow>,
}

/// A supplied file.
pub(crate) struct FileRow {
    pub id: String,
    pub name: String,
    pub size: String,
    pub content_type: String,
}

impl FileRow {
    /// Can a browser show it inline (PDF, images)?
    pub(crate) fn viewable(&self) -> bool {
        self.content_type == "application/pdf" || self.content_type.starts_with("image/")
    }

    pub(crate) fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

impl ChecklistRow {
    pub(crate) fn list(checklist: &Value) -> Vec<Self> {
        items(checklist)
            .iter()
            .map(|m| ChecklistRow {
                code: text::s(m, "code"),
                name: text::s(m, "name"),
                mandatory: m["mandatory"].as_bool().unwrap_or(false),
                tolerable: m["tolerable"].as_bool().unwrap_or(false),
                files: m["files"]
                    .as_array()
                    .map(|files| {
                        files
                            .iter()
                            .map(|f| FileRow {
                                id: text::s(f, "id"),
                                name: text::s(f, "file_name"),
                                size: size(f["size"].as_i64().unwrap_or_default()),
                                content_type: text::s(f, "content_type"),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

pub(crate) fn applicant(ctx: &Ctx) -> Result<&Session, PageError> {
    let session = ctx.signed_in()?;
    if session.is_applicant() {
        Ok(session)
    } else {
        Err(PageError::Forbidden(
            "网上申请请使用个人或法人账号登录；窗口人员请在“窗口受理”中代为录入。".to_owned(),
        ))
    }
}

fn is_legal(session: &Session) -> bool {
    session.principal.kind == PrincipalKind::LegalPerson
}

// ---------------------------------------------------------------------------------------------
// A new application

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    l: Layout,
    code: String,
    name: String,
    applicant: ApplicantForm,
    fields: Vec<Field>,
    idem: String,
}

async fn apply_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let session = applicant(&ctx)?;
    let matter = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await?;
    let none = HashMap::new();
    ctx.render(&ApplyPage {
        l: ctx.layout(format!("在线申请：{}", text::s(&matter, "name"))),
        code: code.into_inner(),
        name: text::s(&matter, "name"),
        applicant: ApplicantForm::from(&Value::Null, is_legal(session), &none),
        fields: form::fields(&matter["form_schema"], &Value::Null, &none),
        idem: uuid::Uuid::new_v4().to_string(),
    })
}

/// Saves what was filled in as a draft; materials are uploaded to the draft next.
async fn apply(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    code: web::Path<String>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    let session = applicant(&ctx)?;
    let matter = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await?;
    let form = form::read(&matter["form_schema"], &posted);
    let application = ApplicantForm::read(&posted, is_legal(session), form);
    let key = posted
        .get("_idem")
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let draft = ctx
        .api
        .send(
            Method::POST,
            "/api/v1/drafts",
            &json!({"matter_code": code.as_str(), "application": application}),
            &[("Idempotency-Key", &key)],
        )
        .await?;
    let id = text::s(&draft.body, "id");
    Ok(see_other(&format!("/my/drafts/{id}?ok=saved")))
}

// ---------------------------------------------------------------------------------------------
// A draft

#[derive(Template)]
#[template(path = "draft.html")]
struct DraftPage {
    l: Layout,
    id: String,
    code: String,
    name: String,
    etag: String,
    applicant: ApplicantForm,
    fields: Vec<Field>,
    materials: Vec<ChecklistRow>,
    problems: Vec<String>,
    summary: Vec<(String, String)>,
}

async fn draft_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    applicant(&ctx)?;
    render_draft(&ctx, *id, None, HashMap::new(), Vec::new()).await
}

/// The draft page; `posted` shows what was just sent (with `errors`) instead of what is saved.
async fn render_draft(
    ctx: &Ctx,
    id: uuid::Uuid,
    posted: Option<Value>,
    errors: HashMap<String, String>,
    problems: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let session = applicant(ctx)?;
    let draft = ctx
        .api
        .get_with(&format!("/api/v1/drafts/{id}"), &[])
        .await?;
    let code = text::s(&draft.body, "matter_code");
    let matter = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await?;
    let checklist = ctx.api.get(&format!("/api/v1/uploads/{id}")).await?;
    let application = posted.unwrap_or_else(|| draft.body["application"].clone());
    let fields = form::fields(&matter["form_schema"], &application["form"], &errors);
    let applicant = ApplicantForm::from(&application, is_legal(session), &errors);
    // An error summary at the top, each entry a link to its field.
    let mut summary: Vec<(String, String)> = Vec::new();
    for (id, error) in [
        ("applicant_name", &applicant.name_error),
        ("applicant_id", &applicant.id_error),
        ("contact_phone", &applicant.phone_error),
    ] {
        if let Some(e) = error {
            summary.push((id.to_owned(), e.clone()));
        }
    }
    for f in &fields {
        if let Some(e) = &f.error {
            summary.push((f.id(), e.clone()));
        }
    }
    let status = if errors.is_empty() && problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    ctx.render_status(
        status,
        &DraftPage {
            l: ctx.layout(format!("申请草稿：{}", text::s(&matter, "name"))),
            id: id.to_string(),
            name: text::s(&matter, "name"),
            etag: draft.etag.unwrap_or_default(),
            applicant,
            fields,
            materials: ChecklistRow::list(&checklist),
            problems,
            summary,
            code,
        },
    )
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct SubmittedPage {
    l: Layout,
    id: String,
    number: String,
    password: String,
    matter: String,
}

async fn draft_action(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    let session = applicant(&ctx)?;
    let id = *id;
    if posted.get("action") == Some("delete") {
        ctx.api.delete(&format!("/api/v1/drafts/{id}")).await?;
        return Ok(see_other("/my/cases"));
    }
    let code = posted.get("matter_code").unwrap_or_default().to_owned();
    let matter = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await?;
    let form = form::read(&matter["form_schema"], &posted);
    let application = ApplicantForm::read(&posted, is_legal(session), form);
    let etag = posted.get("_etag").unwrap_or("*").to_owned();
    ctx.api
        .send(
            Method::PUT,
            &format!("/api/v1/drafts/{id}"),
            &json!({"matter_code": code, "application": application}),
            &[("If-Match", &etag)],
        )
        .await?;
    if posted.get("action") != Some("submit") {
        return Ok(see_other(&format!("/my/drafts/{id}?ok=saved")));
    }
    match ctx
        .api
        .post(&format!("/api/v1/drafts/{id}/submission"), &json!({}))
        .await
    {
        Ok(case) => ctx.render_status(
            StatusCode::CREATED,
            &SubmittedPage {
                l: ctx.layout("申请已提交"),
                id: text::s(&case, "id"),
                number: text::s(&case, "case_number"),
                password: text::s(&case, "query_password"),
                matter: text::s(&case["matter"], "name"),
            },
        ),
        Err(e) if e.status() == Some(422) => {
            let (errors, problems) = form::errors_by_field(&e.field_errors());
            let problems = if errors.is_empty() && problems.is_empty() {
                vec![e.message()]
            } else {
                problems
            };
            render_draft(&ctx, id, Some(application), errors, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Passes an upload (multipart, field `file`) to the API for a draft's or a case's material,
/// then back to the page it came from. The CSRF token travels in the query: the body is
/// passed through unread.
pub(crate) async fn upload(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, String)>,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.check_csrf(&req, query.get("_csrf").map(String::as_str))?;
    ctx.signed_in()?;
    let (id, code) = path.into_inner();
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !content_type.starts_with("multipart/form-data") {
        return Err(PageError::bad_form("an upload is multipart/form-data"));
    }
    ctx.api
        .post_stream(
            &format!("/api/v1/uploads/{id}?code={}", text::url_encode(&code)),
            &content_type,
            payload,
        )
        .await?;
    let back = crate::layout::local_path(query.get("back").map(String::as_str));
    let back = if back == "/" {
        format!("/my/drafts/{id}")
    } else {
        back
    };
    Ok(see_other(&with_ok(&back, "uploaded")))
}
