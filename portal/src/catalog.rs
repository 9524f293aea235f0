//! The catalog (办事指南): searching the published matters by keyword, division and department,
//! and a matter's guide.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    Portal,
    error::PageError,
    hall::{MatterRow, directory, items},
    layout::{Ctx, Layout},
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/matters", web::get().to(catalog))
        .route("/matters/{code}", web::get().to(matter));
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    l: Layout,
    q: String,
    division: String,
    department: String,
    divisions: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    matters: Vec<MatterRow>,
    total: u64,
    page: u64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct CatalogQuery {
    q: Option<String>,
    division: Option<String>,
    department: Option<String>,
    page: Option<u64>,
}

const PER_PAGE: u64 = 20;

async fn catalog(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<CatalogQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let division = query.division.clone().unwrap_or_default();
    let department = query.department.clone().unwrap_or_default();
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut params = vec![format!("per_page={PER_PAGE}"), format!("page={page}")];
    for (key, value) in [
        ("q", &q),
        ("division", &division),
        ("department", &department),
    ] {
        if !value.is_empty() {
            params.push(format!("{key}={}", text::url_encode(value)));
        }
    }
    let list = ctx
        .api
        .get(&format!("/api/v1/matters?{}", params.join("&")))
        .await?;
    let total = list["total"].as_u64().unwrap_or_default();
    let (divisions, departments) = directory(&ctx, false).await;
    let link = |p: u64| {
        format!(
            "/matters?q={}&division={}&department={}&page={p}",
            text::url_encode(&q),
            text::url_encode(&division),
            text::url_encode(&department)
        )
    };
    ctx.render(&CatalogPage {
        l: ctx.layout("办事指南"),
        matters: items(&list).iter().map(MatterRow::from).collect(),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page * PER_PAGE < total).then(|| link(page + 1)),
        q,
        division,
        department,
        divisions,
        departments,
        total,
        page,
    })
}

/// A required material, as the guide lists it.
pub(crate) struct MaterialRow {
    pub name: String,
    pub form: &'static str,
    pub copies: String,
    pub mandatory: bool,
    pub tolerable: bool,
}

impl MaterialRow {
    pub(crate) fn list(matter: &Value) -> Vec<Self> {
        matter["materials"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| MaterialRow {
                        name: text::s(m, "name"),
                        form: text::material_form(m["form"].as_str().unwrap_or_default()),
                        copies: text::s(m, "copies"),
                        mandatory: m["mandatory"].as_bool().unwrap_or(false),
                        tolerable: m["tolerable"].as_bool().unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "matter.html")]
struct MatterPage {
    l: Layout,
    row: MatterRow,
    item_type: &'static str,
    statutory: String,
    committed: String,
    fees: bool,
    max_visits: String,
    forms: Vec<&'static str>,
    result: String,
    legal_basis: String,
    materials: Vec<MaterialRow>,
    can_apply: bool,
}

async fn matter(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let m = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await?;
    let row = MatterRow::from(&m);
    let can_apply = row.online && ctx.session.as_ref().is_none_or(|s| s.is_applicant());
    ctx.render(&MatterPage {
        l: ctx.layout(row.name.clone()),
        item_type: text::item_type(m["item_type"].as_str().unwrap_or_default()),
        statutory: text::limit(&m["statutory_limit"]),
        committed: text::limit(&m["committed_limit"]),
        fees: m["fees"].as_bool().unwrap_or(false),
        max_visits: text::s(&m, "max_visits"),
        forms: m["handling_forms"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| text::handling_form(f.as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default(),
        result: text::s(&m, "result_name"),
        legal_basis: text::s(&m, "legal_basis"),
        materials: MaterialRow::list(&m),
        can_apply,
        row,
    })
}
