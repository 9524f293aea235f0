//! What every page shares: who is signed in, the navigation, the CSRF token, the text size,
//! and rendering with the cookies a page sets.

use actix_web::{HttpRequest, HttpResponse, cookie::Cookie, http::header, web};
use askama::Template;
use govhall_web::Role;

use crate::{
    Portal,
    api::Api,
    error::PageError,
    session::{self, Session, TEXT_COOKIE},
    text,
};

/// One entry of the main navigation.
pub(crate) struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The frame of every page.
pub(crate) struct Layout {
    /// Page title (before " - 网上办事大厅").
    pub title: String,
    /// Who is signed in: display name and role.
    pub user: Option<(String, String)>,
    /// Large-text mode (适老化).
    pub large: bool,
    /// CSRF token for the page's forms.
    pub csrf: String,
    /// This page's path and query, to come back to.
    pub here: String,
    /// Main navigation.
    pub nav: Vec<NavItem>,
    /// A message after an action (`?ok=<key>`).
    pub flash: Option<&'static str>,
}

/// One request's view of the portal: the session, the API as the caller, and the frame.
pub(crate) struct Ctx {
    pub session: Option<Session>,
    pub api: Api,
    csrf: String,
    csrf_cookie: Option<Cookie<'static>>,
    large: bool,
    here: String,
    path: String,
    flash: Option<&'static str>,
}

impl Ctx {
    /// Reads the session and prepares the API client for `req`.
    pub(crate) async fn new(
        req: &HttpRequest,
        portal: &web::Data<Portal>,
        client: &web::Data<awc::Client>,
    ) -> Self {
        let session = session::session(req, portal, client).await;
        let api = Api::new(
            portal,
            client,
            req,
            session.as_ref().map(|s| s.token.as_str()),
        );
        let (csrf, csrf_cookie) = session::csrf(req, portal.secure_cookies);
        let large = req
            .cookie(TEXT_COOKIE)
            .is_some_and(|c| c.value() == "large");
        let here = match req.query_string() {
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        let flash =
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.get("ok").and_then(|k| text::flash(k)));
        Self {
            session,
            api,
            csrf,
            csrf_cookie,
            large,
            here,
            path: req.path().to_owned(),
            flash,
        }
    }

    /// The signed-in session, or a redirect to the login page that comes back here.
    pub(crate) fn signed_in(&self) -> Result<&Session, PageError> {
        self.session
            .as_ref()
            .ok_or_else(|| PageError::SignIn(self.here.clone()))
    }

    /// The signed-in staff member holding `role`.
    pub(crate) fn staff(&self, role: Role) -> Result<&Session, PageError> {
        let session = self.signed_in()?;
        if session.is(role) {
            Ok(session)
        } else {
            Err(PageError::Forbidden(text::role_needed(role)))
        }
    }

    /// The frame for a page titled `title`.
    pub(crate) fn layout(&self, title: impl Into<String>) -> Layout {
        let user = self.session.as_ref().map(|s| {
            (
                text::display_name(&s.principal),
                text::principal_role(&s.principal),
            )
        });
        let mut nav = vec![
            NavItem {
                href: "/",
                label: "首页",
                current: false,
            },
            NavItem {
                href: "/matters",
                label: "办事指南",
                current: false,
            },
            NavItem {
                href: "/track",
                label: "办件查询",
                current: false,
            },
        ];
        match &self.session {
            Some(s) if s.is_applicant() => nav.push(NavItem {
                href: "/my/cases",
                label: "我的办件",
                current: false,
            }),
            Some(s) => {
                if s.is(Role::WindowClerk) {
                    nav.push(NavItem {
                        href: "/counter",
                        label: "窗口受理",
                        current: false,
                    });
                }
                if s.is(Role::Reviewer) || s.is(Role::Leader) {
                    nav.push(NavItem {
                        href: "/review",
                        label: "审批工作台",
                        current: false,
                    });
                }
                if s.is(Role::Supervisor) {
                    nav.push(NavItem {
                        href: "/supervision",
                        label: "电子监察",
                        current: false,
                    });
                }
            }
            None => {}
        }
        // The longest matching prefix is the current section.
        let current = nav
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n.href == self.path
                    || (n.href != "/"
                        && self
                            .path
                            .strip_prefix(n.href)
                            .is_some_and(|r| r.is_empty() || r.starts_with('/')))
            })
            .max_by_key(|(_, n)| n.href.len())
            .map(|(i, _)| i);
        if let Some(i) = current {
            nav[i].current = true;
        }
        Layout {
            title: title.into(),
            user,
            large: self.large,
            csrf: self.csrf.clone(),
            here: self.here.clone(),
            nav,
            flash: self.flash,
        }
    }

    /// Checks the form's CSRF token against the cookie.
    pub(crate) fn check_csrf(
        &self,
        req: &HttpRequest,
        sent: Option<&str>,
    ) -> Result<(), PageError> {
        if session::csrf_ok(req, sent) {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }

    /// Renders `page` (200).
    pub(crate) fn render(&self, page: &impl Template) -> Result<HttpResponse, PageError> {
        self.render_status(actix_web::http::StatusCode::OK, page)
    }

    /// Renders `page` with `status` (422 for a form with errors).
    pub(crate) fn render_status(
        &self,
        status: actix_web::http::StatusCode,
        page: &impl Template,
    ) -> Result<HttpResponse, PageError> {
        let html = page
            .render()
            .map_err(|e| PageError::Render(e.to_string()))?;
        let mut response = HttpResponse::build(status);
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if let Some(cookie) = &self.csrf_cookie {
            response.cookie(cookie.clone());
        }
        Ok(response.body(html))
    }
}

/// `303 See Other` to `location` (after a form was handled).
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A path inside the portal to go back to, never another site (`//evil`, `https://…`).
pub(crate) fn local_path(candidate: Option<&str>) -> String {
    match candidate {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Form fields as sent: repeated names kept (checkbox groups).
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

impl Layout {
    /// The frame of an error page (no session read).
    pub(crate) fn bare(title: &str) -> Self {
        Layout {
            title: title.to_owned(),
            user: None,
            large: false,
            csrf: String::new(),
            here: "/".to_owned(),
            nav: vec![
                NavItem {
                    href: "/",
                    label: "首页",
                    current: false,
                },
                NavItem {
                    href: "/matters",
                    label: "办事指南",
                    current: false,
                },
            ],
            flash: None,
        }
    }
}
