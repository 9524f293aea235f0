//! A case, read-only: its facts, its clocks and its timeline.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{clocks::ClockRow, divisions::divisions_of, own_division};
use crate::{
    Portal,
    error::PageError,
    hall::{Entry, items},
    layout::{Ctx, Layout},
    text,
};

/// The case as shown to a supervisor.
struct CaseFacts {
    number: String,
    matter: String,
    state: String,
    colour: (&'static str, &'static str),
    applicant: String,
    division: String,
    department: String,
    case_type: &'static str,
    submitted: String,
    accepted: String,
    due: String,
    completed: String,
    closed: String,
    close_reason: String,
}

#[derive(Template)]
#[template(path = "supervision_case.html")]
struct CasePage {
    l: Layout,
    case: Option<CaseFacts>,
    refused: Option<String>,
    clocks: Vec<ClockRow>,
    clocks_refused: Option<String>,
    timeline: Vec<Entry>,
}

pub(super) async fn case_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    own_division(&ctx)?;
    let case_path = format!("/api/v1/cases/{id}");
    let clocks_path = format!("/api/v1/clocks?case_id={id}");
    let (case, clocks, all) = futures::join!(
        ctx.api.get(&case_path),
        ctx.api.get(&clocks_path),
        ctx.api.get("/api/v1/divisions"),
    );
    let mut names: HashMap<String, String> = all
        .map(|l| {
            divisions_of(&l)
                .into_iter()
                .map(|d| (d.code, d.name))
                .collect()
        })
        .unwrap_or_default();
    // The department's name, from the matter's guide (public).
    if let Ok(c) = &case
        && let Some(code) = c["matter"]["code"].as_str()
        && let Ok(m) = ctx
            .api
            .get(&format!("/api/v1/matters/{}", text::url_encode(code)))
            .await
    {
        names.insert(
            text::s(&m["department"], "code"),
            text::s(&m["department"], "name"),
        );
    }
    let (case, refused) = match case {
        Ok(c) => (Some(c), None),
        Err(e) if matches!(e.status(), Some(403 | 404)) => (
            None,
            Some("办件服务未向您提供该办件的详情（可能不在您的管辖范围内），以下仅显示计时服务提供的时限信息。".to_owned()),
        ),
        Err(e) => return Err(e.into()),
    };
    let (clocks, clocks_refused) = match clocks {
        Ok(list) => (items(&list), None),
        Err(e) if case.is_some() && e.status().is_some_and(|s| s < 500) => (
            Vec::new(),
            Some(format!("时限信息无法读取：{}", e.message())),
        ),
        Err(e) => return Err(e.into()),
    };
    if case.is_none() && clocks.is_empty() {
        return Err(PageError::NotFound);
    }
    let clock_rows = clocks.iter().map(|c| ClockRow::from(c, &names)).collect();
    let facts = case.as_ref().map(|c| CaseFacts {
        number: text::s(c, "case_number"),
        matter: text::s(&c["matter"], "name"),
        state: text::s(c, "state_label"),
        colour: text::colour(c["status_colour"].as_str().unwrap_or_default()),
        applicant: text::s(&c["applicant"], "name"),
        division: {
            let code = text::s(c, "division_code");
            names
                .get(&code)
                .map_or(code.clone(), |n| format!("{n}（{code}）"))
        },
        department: {
            let code = text::s(c, "department_code");
            names.get(&code).cloned().unwrap_or(code)
        },
        case_type: text::case_type(c["case_type"].as_str().unwrap_or_default()),
        submitted: text::t(c, "submitted_at"),
        accepted: text::t(c, "accepted_at"),
        due: text::t(c, "due_at"),
        completed: text::t(c, "completed_at"),
        closed: text::t(c, "closed_at"),
        close_reason: text::s(c, "close_reason"),
    });
    let title = facts
        .as_ref()
        .map_or_else(|| "办件时限".to_owned(), |f| format!("办件 {}", f.number));
    ctx.render(&CasePage {
        l: ctx.layout(title),
        timeline: case.as_ref().map(Entry::list).unwrap_or_default(),
        case: facts,
        refused,
        clocks: clock_rows,
        clocks_refused,
    })
}
