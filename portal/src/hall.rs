//! The online hall (网上办事大厅): home, sign-in, sign-out, the text size, and what the hall's
//! pages share (a matter in a list, a timeline entry, list answers).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, cookie::Cookie, web};
use askama::Template;
use govhall_web::{PrincipalKind, Role};
use serde::Deserialize;
use serde_json::Value;

use crate::{
    Portal,
    error::PageError,
    layout::{Ctx, Fields, Layout, local_path, see_other},
    session::{self, SESSION_TTL, TEXT_COOKIE},
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/preferences/text-size", web::post().to(text_size));
    crate::catalog::configure(cfg);
    crate::track::configure(cfg);
    crate::apply::configure(cfg);
}

/// A matter in a list.
pub(crate) struct MatterRow {
    pub code: String,
    pub name: String,
    pub department: String,
    pub case_type: &'static str,
    pub limit: String,
    pub online: bool,
}

impl MatterRow {
    pub(crate) fn from(m: &Value) -> Self {
        Self {
            code: text::s(m, "implementation_code"),
            name: text::s(m, "name"),
            department: text::s(&m["department"], "name"),
            case_type: text::case_type(m["case_type"].as_str().unwrap_or_default()),
            limit: text::limit(&m["committed_limit"]),
            online: m["handling_forms"]
                .as_array()
                .is_some_and(|f| f.iter().any(|x| x == "online")),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    matters: Vec<MatterRow>,
    staff_links: Vec<(&'static str, &'static str)>,
}

async fn home(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let list = ctx.api.get("/api/v1/matters?per_page=8").await?;
    let matters = items(&list).iter().map(MatterRow::from).collect();
    let mut staff_links = Vec::new();
    if let Some(s) = &ctx.session {
        if s.is(Role::WindowClerk) {
            staff_links.push(("/counter", "窗口受理：待预审办件"));
        }
        if s.is(Role::Reviewer) || s.is(Role::Leader) {
            staff_links.push(("/review", "审批工作台：待办任务"));
        }
        if s.is(Role::Supervisor) {
            staff_links.push(("/supervision", "电子监察：办件统计与预警"));
        }
    }
    ctx.render(&HomePage {
        l: ctx.layout("首页"),
        matters,
        staff_links,
    })
}

/// The `items` array of a list answer.
pub(crate) fn items(list: &Value) -> Vec<Value> {
    list["items"]
        .as_array()
        .cloned()
        .or_else(|| list.as_array().cloned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Sign-in

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    next: String,
    development: bool,
    /// The identity provider's sign-in is configured.
    provider: bool,
    divisions: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    render_login(&ctx, &portal, local_path(query.next.as_deref()), None).await
}

async fn render_login(
    ctx: &Ctx,
    portal: &Portal,
    next: String,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let development = session::minter(portal).is_some();
    let (divisions, departments) = if development {
        directory(ctx, true).await
    } else {
        (Vec::new(), Vec::new())
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    ctx.render_status(
        status,
        &LoginPage {
            l: ctx.layout("登录"),
            next,
            development,
            provider: matches!(portal.login, crate::LoginMode::IdentityProvider(Some(_))),
            divisions,
            departments,
            error,
        },
    )
}

/// Divisions and departments to choose from: the implementing departments of the catalog,
/// and with `reviewing` also those reviewing beside them or at other levels (sign-in).
pub(crate) async fn directory(
    ctx: &Ctx,
    reviewing: bool,
) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let divisions = ctx
        .api
        .get("/api/v1/divisions?per_page=100")
        .await
        .map(|l| {
            items(&l)
                .iter()
                .map(|d| (text::s(d, "code"), text::s(d, "name")))
                .collect()
        })
        .unwrap_or_default();
    let mut departments = BTreeMap::new();
    if let Ok(list) = ctx.api.get("/api/v1/matters?per_page=100").await {
        for m in items(&list) {
            departments.insert(
                text::s(&m["department"], "code"),
                text::s(&m["department"], "name"),
            );
            if !reviewing {
                continue;
            }
            // Departments reviewing beside the lead (并联) and the stages of a cross-level plan.
            for d in m["plan"]["departments"].as_array().into_iter().flatten() {
                departments.insert(text::s(d, "code"), text::s(d, "name"));
            }
            for stage in m["plan"]["stages"].as_array().into_iter().flatten() {
                departments.insert(text::s(stage, "department_code"), text::s(stage, "name"));
            }
        }
    }
    (divisions, departments.into_iter().collect())
}

async fn login(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let form = Fields(form.into_inner());
    ctx.check_csrf(&req, form.get("_csrf"))?;
    let next = local_path(form.get("next"));
    let Some(minter) = session::minter(&portal) else {
        return Err(PageError::Forbidden(
            "请通过统一身份认证平台登录。".to_owned(),
        ));
    };
    let Some(account) = form.get("account") else {
        return render_login(&ctx, &portal, next, Some("请填写账号".to_owned())).await;
    };
    if account.chars().count() > 64
        || !account
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return render_login(
            &ctx,
            &portal,
            next,
            Some("账号只能包含字母、数字、“-”“_”“.”，不超过 64 个字符".to_owned()),
        )
        .await;
    }
    let principal = match form.get("kind") {
        Some("legal_person") => {
            session::dev_principal(PrincipalKind::LegalPerson, account, vec![], None, None)
        }
        Some("staff") => {
            let roles: Vec<Role> = form
                .all("role")
                .into_iter()
                .filter_map(|r| match r {
                    "window_clerk" => Some(Role::WindowClerk),
                    "reviewer" => Some(Role::Reviewer),
                    "leader" => Some(Role::Leader),
                    "supervisor" => Some(Role::Supervisor),
                    "admin" => Some(Role::Admin),
                    _ => None,
                })
                .collect();
            let Some(division) = form.get("division") else {
                return render_login(
                    &ctx,
                    &portal,
                    next,
                    Some("工作人员请选择所属行政区划".to_owned()),
                )
                .await;
            };
            if roles.is_empty() {
                return render_login(
                    &ctx,
                    &portal,
                    next,
                    Some("工作人员请至少选择一个岗位".to_owned()),
                )
                .await;
            }
            session::dev_principal(
                PrincipalKind::Staff,
                account,
                roles,
                Some(division.to_owned()),
                form.get("department").map(str::to_owned),
            )
        }
        _ => session::dev_principal(PrincipalKind::Citizen, account, vec![], None, None),
    };
    let token = minter
        .mint(&principal, SESSION_TTL)
        .map_err(|e| PageError::Render(format!("{e:#}")))?;
    let landing = if next == "/" {
        match principal.kind {
            PrincipalKind::Staff if principal.has_role(Role::WindowClerk) => "/counter".to_owned(),
            PrincipalKind::Staff
                if principal.has_role(Role::Reviewer) || principal.has_role(Role::Leader) =>
            {
                "/review".to_owned()
            }
            PrincipalKind::Staff if principal.has_role(Role::Supervisor) => {
                "/supervision".to_owned()
            }
            PrincipalKind::Citizen | PrincipalKind::LegalPerson => "/my/cases".to_owned(),
            _ => "/".to_owned(),
        }
    } else {
        next
    };
    let mut response = see_other(&with_ok(&landing, "signed_in"));
    response
        .add_cookie(&session::session_cookie(token, portal.secure_cookies))
        .map_err(|e| PageError::Render(e.to_string()))?;
    Ok(response)
}

/// `path` with `ok=<key>` added to its query (a message on the next page).
pub(crate) fn with_ok(path: &str, key: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}ok={key}")
}

async fn logout(
    req: HttpRequest,
    portal: web::Data<Portal>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = Fields(form.into_inner());
    if !session::csrf_ok(&req, form.get("_csrf")) {
        return Err(PageError::Csrf);
    }
    let mut response = see_other("/?ok=signed_out");
    response
        .add_cookie(&session::session_removal(portal.secure_cookies))
        .map_err(|e| PageError::Render(e.to_string()))?;
    response
        .add_cookie(&crate::oidc::refresh_removal())
        .map_err(|e| PageError::Render(e.to_string()))?;
    Ok(response)
}

async fn text_size(
    req: HttpRequest,
    portal: web::Data<Portal>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let form = Fields(form.into_inner());
    if !session::csrf_ok(&req, form.get("_csrf")) {
        return Err(PageError::Csrf);
    }
    let size = if form.get("size") == Some("large") {
        "large"
    } else {
        "normal"
    };
    let cookie = Cookie::build(TEXT_COOKIE, size)
        .path("/")
        .secure(portal.secure_cookies)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    let mut response = see_other(&local_path(form.get("back")));
    response
        .add_cookie(&cookie)
        .map_err(|e| PageError::Render(e.to_string()))?;
    Ok(response)
}

/// A timeline entry as shown.
pub(crate) struct Entry {
    pub at: String,
    pub summary: String,
}

impl Entry {
    pub(crate) fn list(case: &Value) -> Vec<Self> {
        case["timeline"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| Entry {
                        at: text::t(e, "at"),
                        summary: text::s(e, "summary"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
