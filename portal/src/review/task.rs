//! A task with its case, materials and every department's opinion, and what the approval
//! service lets the caller do with it.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::Utc;
use govhall_web::Role;
use serde_json::Value;

use super::{
    inbox::{Brief, received, row, task_clock},
    reviewer,
    task_actions::Kept,
    task_view::{Can, CaseView, DepartmentRow, LogRow, Package, case_view, log_rows},
    words::{PROCEDURES, holder, join_rule, opinion_words, review_state, task_state},
};
use crate::{
    Portal,
    apply::ChecklistRow,
    error::PageError,
    hall::items,
    layout::{Ctx, Layout},
    text,
};

#[derive(Template)]
#[template(path = "review_task.html")]
struct TaskPage {
    l: Layout,
    id: String,
    review_id: String,
    version: String,
    department: String,
    lead: bool,
    state: &'static str,
    step: String,
    intermediate: bool,
    holder: String,
    held_by_another: bool,
    due: String,
    remaining: String,
    colour: (&'static str, &'static str),
    outcome: String,
    comment: String,
    recorded: String,
    case: Option<CaseView>,
    package: Option<Package>,
    task_open: bool,
    materials: Vec<ChecklistRow>,
    materials_hidden: bool,
    rule: &'static str,
    rule_line: &'static str,
    review_state: &'static str,
    review_outcome: &'static str,
    departments: Vec<DepartmentRow>,
    log: Vec<LogRow>,
    can: Can,
    earlier_steps: Vec<(String, String)>,
    addable: Vec<(String, String)>,
    removable: Vec<(String, String)>,
    procedures: Vec<(&'static str, &'static str)>,
    problems: Vec<String>,
    kept: Kept,
}

pub(super) async fn task_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    reviewer(&ctx)?;
    render_task(&ctx, *id, Vec::new(), Kept::default()).await
}

/// The caller's task `id` (from the department's inbox: the API has no single-task read).
async fn find_task(ctx: &Ctx, id: uuid::Uuid) -> Result<Value, PageError> {
    let list = ctx.api.get("/api/v1/tasks").await?;
    let id = id.to_string();
    items(&list)
        .into_iter()
        .find(|t| t["id"].as_str() == Some(id.as_str()))
        .ok_or(PageError::NotFound)
}

/// Departments of the caller's division (from the catalog), code and name.
pub(super) async fn departments_of(ctx: &Ctx, division: &str) -> Vec<(String, String)> {
    let mut found = BTreeMap::new();
    if let Ok(list) = ctx.api.get("/api/v1/matters?per_page=100").await {
        for m in items(&list) {
            let code = text::s(&m["department"], "code");
            if code.starts_with(&format!("{division}-")) {
                found.insert(code, text::s(&m["department"], "name"));
            }
            for d in m["plan"]["departments"].as_array().into_iter().flatten() {
                let code = text::s(d, "code");
                if code.starts_with(&format!("{division}-")) {
                    found.insert(code, text::s(d, "name"));
                }
            }
        }
    }
    found.into_iter().collect()
}

/// The task page; `problems` (with what was typed, `kept`) after a refused form.
pub(super) async fn render_task(
    ctx: &Ctx,
    id: uuid::Uuid,
    problems: Vec<String>,
    kept: Kept,
) -> Result<HttpResponse, PageError> {
    let session = reviewer(ctx)?;
    let me = session.principal.sub.clone();
    let leader = session.is(Role::Leader);
    let task = find_task(ctx, id).await?;
    let review_id = text::s(&task, "review_id");
    let case_id = text::s(&task, "case_id");
    let review = ctx.api.get(&format!("/api/v1/reviews/{review_id}")).await?;
    // Only the implementing department's staff may read the case and its materials; a
    // co-department's reviewer gets a 404 there and works from the review alone.
    let case = match ctx.api.get(&format!("/api/v1/cases/{case_id}")).await {
        Ok(c) => Some(c),
        Err(e) if matches!(e.status(), Some(403 | 404)) => None,
        Err(e) => return Err(e.into()),
    };
    let checklist = match &case {
        Some(_) => ctx
            .api
            .get(&format!("/api/v1/uploads/{case_id}"))
            .await
            .ok(),
        None => None,
    };
    let clocks = ctx
        .api
        .get(&format!("/api/v1/clocks?case_id={case_id}"))
        .await
        .ok();
    let clock = clocks.and_then(|c| task_clock(&c, &id.to_string()));
    let case_view = match &case {
        Some(c) => Some(case_view(ctx, c).await),
        None => None,
    };

    let now = Utc::now();
    let transfer = match &case {
        Some(_) => None,
        None => received(&ctx.api, &case_id).await,
    };
    let row = row(
        &task,
        case.as_ref().map(Brief::of_case),
        clock.as_ref(),
        &me,
        now,
    );
    let state = task["state"].as_str().unwrap_or_default();
    let review_open = review["state"] == "open";
    let open = state == "open" && review_open;
    let assignee = task["assignee"].as_str();
    let held_by_another = assignee.is_some_and(|a| a != me) && !leader;
    let step = &task["step"];
    let step_index = step["index"].as_u64().unwrap_or_default();
    let step_of = step["of"].as_u64().unwrap_or_default();
    let step_role_ok = step["role"] != "leader" || leader;
    let intermediate = !step.is_null() && step_index + 1 < step_of;
    let lead = task["lead"].as_bool().unwrap_or(false);
    let acts = open && !held_by_another && step_role_ok;
    let all_tasks = review["tasks"].as_array().cloned().unwrap_or_default();
    let own_department = text::s(&task, "department_code");
    let can = Can {
        claim: open && assignee.is_none(),
        release: open && assignee == Some(me.as_str()),
        assign: open && leader,
        opinion: acts,
        send_back: acts && step_index > 0,
        supplement: acts,
        suspend: acts && lead && !intermediate,
        resume: lead && review["state"] == "suspended",
        return_to_window: lead && review_open,
        change_departments: lead && leader && review_open,
    };
    let addable = if can.change_departments {
        let taking_part: Vec<String> = all_tasks
            .iter()
            .filter(|t| t["state"] != "cancelled")
            .map(|t| text::s(t, "department_code"))
            .collect();
        departments_of(
            ctx,
            session.principal.division.as_deref().unwrap_or_default(),
        )
        .await
        .into_iter()
        .filter(|(code, _)| !taking_part.contains(code))
        .collect()
    } else {
        Vec::new()
    };
    let removable = all_tasks
        .iter()
        .filter(|t| t["state"] == "open" && !t["lead"].as_bool().unwrap_or(false))
        .map(|t| (text::s(t, "department_code"), text::s(t, "department_name")))
        .collect();
    let departments = all_tasks
        .iter()
        .map(|t| DepartmentRow {
            code: text::s(t, "department_code"),
            name: text::s(t, "department_name"),
            lead: t["lead"].as_bool().unwrap_or(false),
            state: task_state(t["state"].as_str().unwrap_or_default()),
            open: t["state"] == "open" || t["state"] == "awaiting_supplement",
            holder: holder(t["assignee"].as_str(), &me),
            opinion: opinion_words(t),
            comment: text::s(t, "comment"),
            recorded: text::t(t, "recorded_at"),
            due: text::t(t, "due_at"),
            mine: text::s(t, "department_code") == own_department,
        })
        .collect();
    let log = log_rows(&review);
    let earlier_steps = (0..step_index)
        .map(|i| (i.to_string(), format!("第 {} 步", i + 1)))
        .collect();
    let (rule, rule_line) = join_rule(review["join_rule"].as_str().unwrap_or_default());
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = match (&case_view, &transfer) {
        (Some(c), _) => format!("审查任务：{}", c.matter),
        (None, Some(t)) => format!(
            "审查任务：{}",
            text::s(&t["package"]["summary"], "matter_name")
        ),
        (None, None) => format!("审查任务：{}", row.department),
    };
    ctx.render_status(
        status,
        &TaskPage {
            l: ctx.layout(title),
            id: id.to_string(),
            review_id,
            version: text::s(&task, "version"),
            department: row.department,
            lead,
            state: row.state,
            step: row.step,
            intermediate,
            holder: row.holder,
            held_by_another,
            due: row.due,
            remaining: row.remaining,
            colour: row.colour,
            outcome: row.outcome,
            comment: text::s(&task, "comment"),
            recorded: row.recorded,
            materials_hidden: case.is_none(),
            materials: checklist
                .as_ref()
                .map(ChecklistRow::list)
                .unwrap_or_default(),
            case: case_view,
            package: transfer.as_ref().map(Package::from),
            task_open: matches!(state, "open" | "awaiting_supplement"),
            rule,
            rule_line,
            review_state: review_state(review["state"].as_str().unwrap_or_default()),
            review_outcome: match review["outcome"].as_str() {
                Some("approved") => "准予",
                Some("denied") => "不予",
                _ => "",
            },
            departments,
            log,
            can,
            earlier_steps,
            addable,
            removable,
            procedures: PROCEDURES.to_vec(),
            problems,
            kept,
        },
    )
}
