//! Failures of a page, shown as a page (never a raw error), with the status they mean.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use askama::Template;

use crate::{api::ApiError, layout::Layout};

/// Why a page could not be shown or a form not handled.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// Not signed in: go to the login page, then back to this path.
    #[error("sign-in required")]
    SignIn(String),
    /// Signed in, but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such page or record.
    #[error("not found")]
    NotFound,
    /// The form's CSRF token did not match.
    #[error("CSRF token mismatch")]
    Csrf,
    /// The form could not be read.
    #[error("bad form: {0}")]
    BadForm(String),
    /// Someone else changed the record first.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The API refused, for a reason shown as is.
    #[error("refused ({status}): {message}")]
    Refused { status: u16, message: String },
    /// The API could not be reached.
    #[error("API unavailable: {0}")]
    Unavailable(String),
    /// A template failed to render.
    #[error("render: {0}")]
    Render(String),
}

impl PageError {
    /// An unreadable form.
    pub(crate) fn bad_form(why: &str) -> Self {
        PageError::BadForm(why.to_owned())
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error.status() {
            Some(401) => PageError::SignIn("/".to_owned()),
            Some(403) => PageError::Forbidden(error.message()),
            Some(404) => PageError::NotFound,
            Some(409 | 412 | 428) => PageError::Conflict(error.message()),
            Some(status) if status < 500 => PageError::Refused {
                status,
                message: error.message(),
            },
            _ => PageError::Unavailable(match error {
                ApiError::Transport(why) => why,
                ApiError::Status { status, .. } => format!("the API answered {status}"),
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    heading: &'static str,
    detail: String,
    sign_in: bool,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn(_) => StatusCode::SEE_OTHER,
            PageError::Forbidden(_) | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadForm(_) => StatusCode::BAD_REQUEST,
            PageError::Conflict(_) => StatusCode::CONFLICT,
            PageError::Refused { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            PageError::Unavailable(_) => StatusCode::BAD_GATEWAY,
            PageError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::SignIn(next) = self {
            let location = format!("/login?next={}", crate::text::url_encode(next));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
        }
        let (heading, detail) = match self {
            PageError::SignIn(_) => ("请先登录", String::new()),
            PageError::Forbidden(why) => ("无权访问", why.clone()),
            PageError::NotFound => (
                "页面不存在",
                "您要找的页面或记录不存在，或您无权查看。".into(),
            ),
            PageError::Csrf => (
                "页面已过期",
                "为保护您的安全，请返回上一页刷新后重新提交。".into(),
            ),
            PageError::BadForm(_) => ("提交的内容无法识别", "请返回上一页检查后重新提交。".into()),
            PageError::Conflict(why) => (
                "内容已被他人更新",
                format!("{why}。请返回上一页刷新后再操作。"),
            ),
            PageError::Refused { message, .. } => ("操作未能完成", message.clone()),
            PageError::Unavailable(why) => {
                tracing::warn!(error = %why, "a page could not reach the API");
                ("服务暂时不可用", "请稍后再试。".into())
            }
            PageError::Render(why) => {
                tracing::error!(error = %why, "a page failed to render");
                ("页面出错了", "请稍后再试。".into())
            }
        };
        let page = ErrorPage {
            l: Layout::bare(heading),
            heading,
            detail,
            sign_in: matches!(self, PageError::Forbidden(_)),
        };
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(page.render().unwrap_or_else(|_| heading.to_owned()))
    }
}
