//! Following a case with its number and query password, without signing in (办件查询), and
//! material files passed through from the API (who may see one is the API's to decide).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::{
    Portal,
    error::PageError,
    hall::Entry,
    layout::{Ctx, Fields, Layout},
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/track", web::get().to(track_page))
        .route("/track", web::post().to(track))
        .route("/files/{id}", web::get().to(file));
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    l: Layout,
    number: String,
    error: Option<String>,
    found: Option<Tracked>,
}

struct Tracked {
    number: String,
    matter: String,
    state: String,
    colour: (&'static str, &'static str),
    due: String,
    timeline: Vec<Entry>,
}

async fn track_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.render(&TrackPage {
        l: ctx.layout("办件查询"),
        number: String::new(),
        error: None,
        found: None,
    })
}

async fn track(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let form = Fields(form.into_inner());
    ctx.check_csrf(&req, form.get("_csrf"))?;
    let number = form.get("number").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default();
    let page = |error: Option<String>, found: Option<Tracked>| TrackPage {
        l: ctx.layout("办件查询"),
        number: number.clone(),
        error,
        found,
    };
    if number.is_empty() || password.is_empty() {
        return ctx.render_status(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &page(Some("请填写办件编号和查询密码".to_owned()), None),
        );
    }
    let answer = ctx
        .api
        .get_with(
            &format!("/api/v1/lookup/{}", text::url_encode(&number)),
            &[("X-Query-Password", password)],
        )
        .await;
    match answer {
        Ok(reply) => {
            let c = reply.body;
            let found = Tracked {
                number: text::s(&c, "case_number"),
                matter: text::s(&c["matter"], "name"),
                state: text::s(&c, "state_label"),
                colour: text::colour(c["status_colour"].as_str().unwrap_or_default()),
                due: text::t(&c, "due_at"),
                timeline: Entry::list(&c),
            };
            ctx.render(&page(None, Some(found)))
        }
        Err(e) if matches!(e.status(), Some(400 | 401 | 403 | 404 | 422)) => ctx.render_status(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            &page(Some("办件编号或查询密码不正确".to_owned()), None),
        ),
        Err(e) => Err(e.into()),
    }
}

/// A material file (viewed inline by reviewers, downloaded by applicants): the API decides
/// who may see it.
async fn file(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.signed_in()?;
    Ok(ctx
        .api
        .pass_through(&format!("/api/v1/materials/{id}"), "*/*")
        .await?)
}
