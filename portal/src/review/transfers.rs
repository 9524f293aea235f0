//! Cross-level transfers (跨层级报送) received or sent by the caller's division.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{
    reviewer,
    time_left::{parse_time, remaining, urgency},
    words::transfer_state,
};
use crate::{
    Portal,
    error::PageError,
    hall::items,
    layout::{Ctx, Layout},
    text,
};

/// A transfer in a list.
pub(super) struct TransferRow {
    pub(super) id: String,
    pub(super) version: String,
    pub(super) matter: String,
    pub(super) applicant: String,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) state: &'static str,
    pub(super) raw_state: String,
    pub(super) late: bool,
    pub(super) sent: String,
    pub(super) due: String,
    pub(super) remaining: String,
    pub(super) colour: (&'static str, &'static str),
}

impl TransferRow {
    pub(super) fn from(t: &Value, now: DateTime<Utc>) -> Self {
        let summary = &t["package"]["summary"];
        let due = t["due_at"].as_str().and_then(parse_time);
        let name = |name: &str, code: &str| {
            let n = text::s(t, name);
            if n.is_empty() { text::s(t, code) } else { n }
        };
        let raw_state = text::s(t, "state");
        let waiting = matches!(raw_state.as_str(), "sent" | "received");
        Self {
            id: text::s(t, "id"),
            version: text::s(t, "version"),
            matter: text::s(summary, "matter_name"),
            applicant: text::s(summary, "applicant_masked"),
            from: name("from_division_name", "from_division"),
            to: name("to_division_name", "to_division"),
            state: transfer_state(&raw_state),
            late: t["late"].as_bool().unwrap_or(false),
            sent: text::t(t, "sent_at"),
            due: due.map(|d| text::time(&d.to_rfc3339())).unwrap_or_default(),
            remaining: if waiting {
                remaining(due, now)
            } else {
                String::new()
            },
            colour: if waiting {
                urgency(due, now, None)
            } else {
                ("green", "已处理")
            },
            raw_state,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct BoxQuery {
    #[serde(rename = "box")]
    which: Option<String>,
}

#[derive(Template)]
#[template(path = "review_transfers.html")]
struct TransfersPage {
    l: Layout,
    outgoing: bool,
    division: String,
    rows: Vec<TransferRow>,
}

pub(super) async fn transfers(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<BoxQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let session = reviewer(&ctx)?;
    let outgoing = query.which.as_deref() == Some("outgoing");
    let list = ctx
        .api
        .get(if outgoing {
            "/api/v1/transfers?box=outgoing"
        } else {
            "/api/v1/transfers?box=incoming"
        })
        .await?;
    let now = Utc::now();
    let mut rows: Vec<TransferRow> = items(&list)
        .iter()
        .map(|t| TransferRow::from(t, now))
        .collect();
    // Waiting ones first (the API already orders by due time).
    rows.sort_by_key(|r| !matches!(r.raw_state.as_str(), "sent" | "received"));
    ctx.render(&TransfersPage {
        l: ctx.layout("跨层级报送"),
        outgoing,
        division: session.principal.division.clone().unwrap_or_default(),
        rows,
    })
}
