//! The department's tasks, soonest due first, and the last ones done.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    reviewer,
    time_left::{by_due, parse_time, remaining, urgency},
    words::{holder, opinion_words, step_words, task_state},
};
use crate::{
    Portal,
    error::PageError,
    hall::items,
    layout::{Ctx, Layout},
    text,
};

/// A task in the inbox.
pub(super) struct TaskRow {
    pub(super) id: String,
    pub(super) number: String,
    pub(super) matter: String,
    pub(super) department: String,
    pub(super) lead: bool,
    pub(super) step: String,
    pub(super) holder: String,
    pub(super) state: &'static str,
    pub(super) due: String,
    pub(super) remaining: String,
    pub(super) colour: (&'static str, &'static str),
    pub(super) due_key: Option<i64>,
    pub(super) opened: String,
    pub(super) outcome: String,
    pub(super) recorded: String,
}

#[derive(Template)]
#[template(path = "review_inbox.html")]
struct InboxPage {
    l: Layout,
    department: String,
    pending: Vec<TaskRow>,
    done: Vec<TaskRow>,
}

/// How many open tasks the inbox looks up cases and clocks for.
const INBOX_LIMIT: usize = 100;

pub(super) async fn inbox(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let session = reviewer(&ctx)?;
    let me = session.principal.sub.clone();
    let department = session.principal.department.clone().unwrap_or_default();
    if department.is_empty() {
        return Err(PageError::Forbidden(
            "审批工作台按部门办理任务，请以所属部门的身份登录。".to_owned(),
        ));
    }
    let list = ctx.api.get("/api/v1/tasks").await?;
    let all = items(&list);
    let department = all
        .first()
        .map(|t| text::s(t, "department_name"))
        .filter(|n| !n.is_empty())
        .unwrap_or(department);
    let (open, closed): (Vec<Value>, Vec<Value>) = all
        .into_iter()
        .partition(|t| matches!(t["state"].as_str(), Some("open" | "awaiting_supplement")));
    // The case (number, matter) and the task clock of each open task, looked up together.
    let shown: Vec<&Value> = open.iter().take(INBOX_LIMIT).collect();
    let lookups = shown.iter().map(|t| {
        let api = &ctx.api;
        let case_id = text::s(t, "case_id");
        async move {
            let brief = match api.get(&format!("/api/v1/cases/{case_id}")).await {
                Ok(c) => Some(Brief::of_case(&c)),
                Err(_) => received(api, &case_id)
                    .await
                    .map(|t| Brief::of_transfer(&t)),
            };
            let clocks = api
                .get(&format!("/api/v1/clocks?case_id={case_id}"))
                .await
                .ok();
            (brief, clocks)
        }
    });
    let found = futures::future::join_all(lookups).await;
    let now = Utc::now();
    let mut pending: Vec<TaskRow> = shown
        .iter()
        .zip(found)
        .map(|(t, (brief, clocks))| {
            let clock = clocks.and_then(|c| task_clock(&c, &text::s(t, "id")));
            row(t, brief, clock.as_ref(), &me, now)
        })
        .collect();
    by_due(&mut pending, |r| (r.due_key, r.opened.clone()));
    let mut done: Vec<TaskRow> = closed
        .iter()
        .map(|t| row(t, None, None, &me, now))
        .collect();
    done.sort_by(|a, b| b.recorded.cmp(&a.recorded));
    done.truncate(20);
    ctx.render(&InboxPage {
        l: ctx.layout("审批工作台"),
        department,
        pending,
        done,
    })
}

/// What the inbox says about a task's case: number and matter.
#[derive(Default)]
pub(super) struct Brief {
    pub(super) number: String,
    pub(super) matter: String,
}

impl Brief {
    pub(super) fn of_case(c: &Value) -> Self {
        Self {
            number: text::s(c, "case_number"),
            matter: text::s(&c["matter"], "name"),
        }
    }

    /// From the package of a transfer (the case itself is the accepting division's).
    fn of_transfer(t: &Value) -> Self {
        Self {
            number: String::new(),
            matter: text::s(&t["package"]["summary"], "matter_name"),
        }
    }
}

/// The latest transfer of `case_id` addressed to the caller's division, if any: at an upper
/// level the case is read from its package (the API shows the case to the accepting division).
pub(super) async fn received(api: &crate::api::Api, case_id: &str) -> Option<Value> {
    let list = api
        .get(&format!("/api/v1/transfers?box=incoming&case_id={case_id}"))
        .await
        .ok()?;
    items(&list)
        .into_iter()
        .max_by(|a, b| text::s(a, "sent_at").cmp(&text::s(b, "sent_at")))
}

/// A task as a row: its due time from the task, else from its clock.
pub(super) fn row(
    t: &Value,
    brief: Option<Brief>,
    clock: Option<&Value>,
    me: &str,
    now: DateTime<Utc>,
) -> TaskRow {
    let due = t["due_at"]
        .as_str()
        .or_else(|| clock.and_then(|c| c["due_at"].as_str()))
        .and_then(parse_time);
    let clock_state = clock.map(|c| {
        (
            c["state"].as_str().unwrap_or_default(),
            c["warning"].as_str().unwrap_or_default(),
        )
    });
    TaskRow {
        id: text::s(t, "id"),
        number: brief.as_ref().map(|b| b.number.clone()).unwrap_or_default(),
        matter: brief.map(|b| b.matter).unwrap_or_default(),
        department: text::s(t, "department_name"),
        lead: t["lead"].as_bool().unwrap_or(false),
        step: step_words(&t["step"]),
        holder: holder(t["assignee"].as_str(), me),
        state: task_state(t["state"].as_str().unwrap_or_default()),
        due: due.map(|d| text::time(&d.to_rfc3339())).unwrap_or_default(),
        remaining: remaining(due, now),
        colour: urgency(due, now, clock_state),
        due_key: due.map(|d| d.timestamp()),
        opened: text::s(t, "opened_at"),
        outcome: opinion_words(t),
        recorded: text::t(t, "recorded_at"),
    }
}

/// The task's clock (state, warning, due) among a case's clocks.
pub(super) fn task_clock(clocks: &Value, task_id: &str) -> Option<Value> {
    items(clocks)
        .into_iter()
        .find(|c| c["kind"] == "task" && c["task_id"].as_str() == Some(task_id))
}
