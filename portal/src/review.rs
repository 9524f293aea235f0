//! The review console (审批工作台) for department reviewers and leaders: the department's
//! tasks, soonest due first; a task with its case, materials and every department's opinion,
//! and what the approval service lets the caller do with it (claim, release, assign, record
//! the department's opinion, send back to an earlier step, ask for a supplement through the
//! window, and for the lead department suspend, resume, return to the window, add or remove a
//! co-department); and cross-level transfers (跨层级报送) to sign for or send back.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web};
use askama::Template;
use chrono::{DateTime, FixedOffset, Utc};
use govhall_web::Role;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{
    Portal,
    api::ApiError,
    apply::ChecklistRow,
    error::PageError,
    form,
    hall::{Entry, items, with_ok},
    layout::{Ctx, Fields, Layout, local_path, see_other},
    session::Session,
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/review", web::get().to(inbox))
        .route("/review/tasks/{id}", web::get().to(task_page))
        .route("/review/tasks/{id}/{action}", web::post().to(task_action))
        .route("/review/files/{id}", web::get().to(view_file))
        .route("/review/transfers", web::get().to(transfers))
        .route("/review/transfers/{id}", web::get().to(transfer_page))
        .route(
            "/review/transfers/{id}/{action}",
            web::post().to(transfer_action),
        );
}

/// A reviewer or a leader (both work in the console).
fn reviewer(ctx: &Ctx) -> Result<&Session, PageError> {
    let session = ctx.signed_in()?;
    if session.is(Role::Reviewer) || session.is(Role::Leader) {
        Ok(session)
    } else {
        Err(PageError::Forbidden(
            "此页面仅供审核人员、审批领导使用。".to_owned(),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Time left

/// An RFC 3339 time.
fn parse_time(raw: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(raw).ok()
}

/// Time left until `due` in words (`剩余 2 天 3 小时`, `已超期 5 小时`).
fn remaining(due: Option<DateTime<FixedOffset>>, now: DateTime<Utc>) -> String {
    let Some(due) = due else {
        return "期限待计算".to_owned();
    };
    let seconds = due
        .with_timezone(&Utc)
        .signed_duration_since(now)
        .num_seconds();
    let (prefix, s) = if seconds < 0 {
        ("已超期", -seconds)
    } else {
        ("剩余", seconds)
    };
    let (days, hours, minutes) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
    if days > 0 {
        format!("{prefix} {days} 天 {hours} 小时")
    } else if hours > 0 {
        format!("{prefix} {hours} 小时 {minutes} 分")
    } else {
        format!("{prefix} {minutes} 分")
    }
}

/// The colour class and words of a task's time: the deadline service's warning ladder when
/// its clock is known (`warning` at three working days left, `yellow` at one, `red` when due),
/// else from the natural time left.
fn urgency(
    due: Option<DateTime<FixedOffset>>,
    now: DateTime<Utc>,
    clock: Option<(&str, &str)>,
) -> (&'static str, &'static str) {
    let overdue = due.is_some_and(|d| d.with_timezone(&Utc) < now);
    if let Some((state, warning)) = clock {
        if state == "paused" && !overdue {
            return ("green", "计时暂停");
        }
        match warning {
            "red" => return ("red", "已超期"),
            "yellow" => return ("yellow", "临近期限"),
            "warning" if !overdue => return ("yellow", "即将到期"),
            _ => {}
        }
    }
    let Some(due) = due else {
        return ("green", "正常");
    };
    let hours = due
        .with_timezone(&Utc)
        .signed_duration_since(now)
        .num_hours();
    if overdue {
        ("red", "已超期")
    } else if hours < 24 {
        ("yellow", "临近期限")
    } else if hours < 72 {
        ("yellow", "即将到期")
    } else {
        ("green", "正常")
    }
}

/// Soonest due first; tasks whose due time is not known yet after them, oldest first.
fn by_due<T>(rows: &mut [T], key: impl Fn(&T) -> (Option<i64>, String)) {
    rows.sort_by_key(|r| {
        let (due, opened) = key(r);
        (due.is_none(), due, opened)
    });
}

// ---------------------------------------------------------------------------------------------
// Words

/// A task's state in words.
fn task_state(state: &str) -> &'static str {
    match state {
        "open" => "办理中",
        "awaiting_supplement" => "等待补正",
        "done" => "已出具意见",
        "cancelled" => "已撤销",
        _ => "其他",
    }
}

/// A review's state in words.
fn review_state(state: &str) -> &'static str {
    match state {
        "open" => "审查中",
        "suspended" => "特别程序中止",
        "concluded" => "审查结束",
        "returned" => "已退回窗口",
        "cancelled" => "已撤销",
        _ => "其他",
    }
}

/// A join rule in words, with what it means for the decision (one line).
fn join_rule(rule: &str) -> (&'static str, &'static str) {
    match rule {
        "any" => (
            "或签",
            "任一部门同意即准予；全部部门不同意方不予准予。牵头部门须作出准予或不予的决定并说明理由。",
        ),
        "lead_decides" => (
            "牵头部门决定",
            "各部门意见齐备后，以牵头部门作出的准予或不予决定为审批结果。",
        ),
        _ => (
            "会签",
            "全部部门同意方准予，任一部门不同意即不予准予。牵头部门须作出准予或不予的决定并说明理由。",
        ),
    }
}

/// A department's recorded opinion in words (deemed and referred ones said so).
fn opinion_words(task: &Value) -> String {
    let outcome = text::outcome(task["outcome"].as_str().unwrap_or_default());
    if outcome.is_empty() {
        return String::new();
    }
    if task["deemed"].as_bool().unwrap_or(false) {
        format!("{outcome}（视为同意）")
    } else if task["referred"].as_bool().unwrap_or(false) {
        format!("{outcome}（提请上级审定）")
    } else {
        outcome.to_owned()
    }
}

/// A review log entry's action in words.
fn log_action(action: &str) -> &'static str {
    match action {
        "claimed" => "认领任务",
        "released" => "释放任务",
        "assigned" => "分派任务",
        "reassigned" => "改派任务",
        "department_added" => "加签",
        "department_removed" => "减签",
        "supplement_requested" => "请求补正",
        "step_done" => "完成审查环节",
        "sent_back" => "退回上一环节",
        "suspended" => "中止审查（特别程序）",
        "resumed" => "恢复审查",
        "returned_to_window" => "退回受理窗口",
        _ => "其他操作",
    }
}

/// A special procedure (特别程序) in words.
const PROCEDURES: &[(&str, &str)] = &[
    ("hearing", "听证"),
    ("testing", "检验检测"),
    ("appraisal", "鉴定"),
    ("expert_review", "专家评审"),
    ("public_notice", "公示"),
    ("auction", "招标拍卖"),
    ("other", "其他"),
];

/// A transfer's state in words.
fn transfer_state(state: &str) -> &'static str {
    match state {
        "sent" => "待签收",
        "received" => "已签收，审查中",
        "forwarded" => "已继续报送",
        "returned" => "已办结返回",
        "sent_back" => "已退回",
        "resent" => "已重新报送",
        "cancelled" => "已撤销",
        _ => "其他",
    }
}

/// Who holds a task, in words.
fn holder(assignee: Option<&str>, me: &str) -> String {
    match assignee {
        None => "未认领".to_owned(),
        Some(a) if a == me => format!("本人（{a}）"),
        Some(a) => a.to_owned(),
    }
}

/// The step of a task in words (`复审（第 2 步，共 3 步）`), or "".
fn step_words(step: &Value) -> String {
    if step.is_null() {
        return String::new();
    }
    let index = step["index"].as_u64().unwrap_or_default() + 1;
    let of = step["of"].as_u64().unwrap_or_default();
    let role = if step["role"] == "leader" {
        "，审批领导办理"
    } else {
        ""
    };
    format!(
        "{}（第 {index} 步，共 {of} 步{role}）",
        text::s(step, "name")
    )
}

/// Supplement items, one a line.
fn lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The inbox

/// A task in the inbox.
struct TaskRow {
    id: String,
    number: String,
    matter: String,
    department: String,
    lead: bool,
    step: String,
    holder: String,
    state: &'static str,
    due: String,
    remaining: String,
    colour: (&'static str, &'static str),
    due_key: Option<i64>,
    opened: String,
    outcome: String,
    recorded: String,
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

/// The task's clock (state, warning, due) among a case's clocks.
fn task_clock(clocks: &Value, task_id: &str) -> Option<Value> {
    items(clocks)
        .into_iter()
        .find(|c| c["kind"] == "task" && c["task_id"].as_str() == Some(task_id))
}

async fn inbox(
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
struct Brief {
    number: String,
    matter: String,
}

impl Brief {
    fn of_case(c: &Value) -> Self {
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
async fn received(api: &crate::api::Api, case_id: &str) -> Option<Value> {
    let list = api
        .get(&format!("/api/v1/transfers?box=incoming&case_id={case_id}"))
        .await
        .ok()?;
    items(&list)
        .into_iter()
        .max_by(|a, b| text::s(a, "sent_at").cmp(&text::s(b, "sent_at")))
}

/// A task as a row: its due time from the task, else from its clock.
fn row(
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

// ---------------------------------------------------------------------------------------------
// A task

/// The case as a reviewer sees it.
struct CaseView {
    number: String,
    matter: String,
    state: String,
    colour: (&'static str, &'static str),
    submitted: String,
    accepted: String,
    due: String,
    applicant_kind: &'static str,
    applicant_name: String,
    id_label: &'static str,
    id_masked: String,
    revealed_name: String,
    revealed_id: String,
    revealed_phone: String,
    phone: String,
    fields: Vec<(String, String)>,
    timeline: Vec<Entry>,
}

/// A case read from the transfer that brought it to the caller's division.
struct Package {
    id: String,
    matter: String,
    applicant: String,
    from: String,
    files: Vec<PackageFile>,
}

impl Package {
    fn from(t: &Value) -> Self {
        let summary = &t["package"]["summary"];
        Self {
            id: text::s(t, "id"),
            matter: text::s(summary, "matter_name"),
            applicant: text::s(summary, "applicant_masked"),
            from: text::s(t, "from_division_name"),
            files: PackageFile::list(summary),
        }
    }
}

/// A department in the review.
struct DepartmentRow {
    code: String,
    name: String,
    lead: bool,
    state: &'static str,
    open: bool,
    holder: String,
    opinion: String,
    comment: String,
    recorded: String,
    due: String,
    mine: bool,
}

/// A review log entry.
struct LogRow {
    at: String,
    actor: String,
    action: &'static str,
    detail: String,
}

/// What the caller may do, as the approval service allows it.
#[derive(Default)]
struct Can {
    claim: bool,
    release: bool,
    assign: bool,
    opinion: bool,
    send_back: bool,
    supplement: bool,
    suspend: bool,
    resume: bool,
    return_to_window: bool,
    change_departments: bool,
}

/// What was typed into the form that failed, to show it again.
#[derive(Default)]
struct Kept {
    action: String,
    outcome: String,
    comment: String,
    assignee: String,
    assign_reason: String,
    to_step: String,
    sendback_reason: String,
    items: String,
    add_department: String,
    other_code: String,
    other_name: String,
    working_days: String,
    add_reason: String,
    remove_department: String,
    remove_reason: String,
    return_reason: String,
    procedure: String,
    legal_basis: String,
    suspend_comment: String,
}

impl Kept {
    fn from(action: &str, posted: &Fields) -> Self {
        let g = |name: &str| posted.get(name).unwrap_or_default().to_owned();
        Self {
            action: action.to_owned(),
            outcome: g("outcome"),
            comment: g("comment"),
            assignee: g("assignee"),
            assign_reason: g("assign_reason"),
            to_step: g("to_step"),
            sendback_reason: g("sendback_reason"),
            items: g("items"),
            add_department: g("add_department"),
            other_code: g("other_code"),
            other_name: g("other_name"),
            working_days: g("working_days"),
            add_reason: g("add_reason"),
            remove_department: g("remove_department"),
            remove_reason: g("remove_reason"),
            return_reason: g("return_reason"),
            procedure: g("procedure"),
            legal_basis: g("legal_basis"),
            suspend_comment: g("suspend_comment"),
        }
    }
}

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

async fn task_page(
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
async fn departments_of(ctx: &Ctx, division: &str) -> Vec<(String, String)> {
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
async fn render_task(
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
    let log = review["log"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let d = &e["details"];
                    let mut detail = Vec::new();
                    for key in ["department_code", "step", "from", "to", "assignee"] {
                        let v = text::s(d, key);
                        if !v.is_empty() {
                            detail.push(v);
                        }
                    }
                    if let Some(items) = d["items"].as_array() {
                        detail.extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned)));
                    }
                    for key in ["reason", "comment", "legal_basis"] {
                        let v = text::s(d, key);
                        if !v.is_empty() {
                            detail.push(v);
                        }
                    }
                    LogRow {
                        at: text::t(e, "at"),
                        actor: text::s(e, "actor"),
                        action: log_action(e["action"].as_str().unwrap_or_default()),
                        detail: detail.join("；"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
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

/// The case with its form labelled by the matter's schema.
async fn case_view(ctx: &Ctx, c: &Value) -> CaseView {
    let code = text::s(&c["matter"], "code");
    let schema = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await
        .map(|m| m["form_schema"].clone())
        .unwrap_or(Value::Null);
    let form = &c["form"];
    let mut fields: Vec<(String, String)> = form::fields(&schema, form, &HashMap::new())
        .into_iter()
        .filter(|f| !f.value.is_empty() || !f.values.is_empty())
        .map(|f| {
            let value = if f.values.is_empty() {
                match (f.kind, f.value.as_str()) {
                    ("bool", "true") => "是".to_owned(),
                    ("bool", "false") => "否".to_owned(),
                    _ => f.value,
                }
            } else {
                f.values.join("、")
            };
            (f.label, value)
        })
        .collect();
    // Fields the schema does not name (a newer or older version): shown by their key.
    let known: Vec<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(all) = form.as_object() {
        for (key, value) in all {
            if !known.contains(key) {
                let shown = match value {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join("、"),
                    other => other.to_string(),
                };
                fields.push((key.clone(), shown));
            }
        }
    }
    let a = &c["applicant"];
    let legal = a["kind"] == "legal_person" || a["id_type"] == "credit_code";
    let revealed = &a["revealed"];
    CaseView {
        number: text::s(c, "case_number"),
        matter: text::s(&c["matter"], "name"),
        state: text::s(c, "state_label"),
        colour: text::colour(c["status_colour"].as_str().unwrap_or_default()),
        submitted: text::t(c, "submitted_at"),
        accepted: text::t(c, "accepted_at"),
        due: text::t(c, "due_at"),
        applicant_kind: if legal {
            "法人或其他组织"
        } else {
            "个人"
        },
        applicant_name: text::s(a, "name"),
        id_label: if legal {
            "统一社会信用代码"
        } else {
            "居民身份证号码"
        },
        id_masked: text::s(a, "id_number_masked"),
        revealed_name: text::s(revealed, "name"),
        revealed_id: text::s(revealed, "id_number"),
        revealed_phone: text::s(revealed, "contact_phone"),
        phone: text::s(c, "contact_phone"),
        fields,
        timeline: Entry::list(c),
    }
}

/// Every action on a task, by the last segment of its path.
async fn task_action(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    let session = reviewer(&ctx)?;
    let (id, action) = path.into_inner();
    let version = posted.get("version").and_then(|v| v.parse::<i64>().ok());
    let review = posted
        .get("review")
        .and_then(|r| uuid::Uuid::parse_str(r).ok());
    let mut body = Map::new();
    if let Some(v) = version {
        body.insert("version".into(), Value::from(v));
    }
    let put = |body: &mut Map<String, Value>, key: &str, name: &str| {
        if let Some(v) = posted.get(name) {
            body.insert(key.into(), Value::String(v.to_owned()));
        }
    };
    let review_path = |tail: &str| -> Result<String, PageError> {
        review
            .map(|r| format!("/api/v1/reviews/{r}{tail}"))
            .ok_or_else(|| PageError::bad_form("review id missing"))
    };
    let (api_path, flash) = match action.as_str() {
        "claim" => (format!("/api/v1/tasks/{id}/claim"), "claimed"),
        "release" => (format!("/api/v1/tasks/{id}/release"), "released"),
        "assignment" => {
            put(&mut body, "assignee", "assignee");
            put(&mut body, "reason", "assign_reason");
            (format!("/api/v1/tasks/{id}/assignment"), "assigned")
        }
        "opinion" => {
            let outcome = posted.get("outcome").unwrap_or_default();
            let comment = posted.get("comment").unwrap_or_default();
            // A co-department's refusal without a reason would be recorded as agreement
            // (视为同意): ask for the reason rather than let that happen unnoticed.
            if posted.get("co") == Some("1") && outcome == "disagree" && comment.is_empty() {
                return render_task(
                    &ctx,
                    id,
                    vec!["不同意须说明理由；未说明理由的不同意意见将按同意处理。".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            }
            if outcome.is_empty() {
                return render_task(
                    &ctx,
                    id,
                    vec!["请选择审查意见".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            }
            body.insert("outcome".into(), Value::String(outcome.to_owned()));
            body.insert("comment".into(), Value::String(comment.to_owned()));
            (format!("/api/v1/tasks/{id}/opinion"), "opinion")
        }
        "suspension" => {
            body.insert("outcome".into(), Value::String("suspend".into()));
            put(&mut body, "procedure", "procedure");
            put(&mut body, "legal_basis", "legal_basis");
            body.insert(
                "comment".into(),
                Value::String(posted.get("suspend_comment").unwrap_or_default().to_owned()),
            );
            (format!("/api/v1/tasks/{id}/opinion"), "review_suspended")
        }
        "send-back" => {
            let Some(to_step) = posted.get("to_step").and_then(|s| s.parse::<u64>().ok()) else {
                return render_task(
                    &ctx,
                    id,
                    vec!["请选择退回到的审查环节".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            };
            body.insert("to_step".into(), Value::from(to_step));
            body.insert(
                "reason".into(),
                Value::String(posted.get("sendback_reason").unwrap_or_default().to_owned()),
            );
            (format!("/api/v1/tasks/{id}/send-back"), "sent_back")
        }
        "supplement" => {
            let items = lines(posted.get("items").unwrap_or_default());
            body.insert("items".into(), json!(items));
            (
                format!("/api/v1/tasks/{id}/supplement-request"),
                "supplement_requested",
            )
        }
        "departments" => {
            let chosen = posted.get("add_department");
            let (code, name) = match chosen {
                Some(code) if code != "other" => {
                    let division = session.principal.division.clone().unwrap_or_default();
                    let name = departments_of(&ctx, &division)
                        .await
                        .into_iter()
                        .find(|(c, _)| c == code)
                        .map(|(_, n)| n)
                        .unwrap_or_default();
                    (code.to_owned(), name)
                }
                _ => (
                    posted.get("other_code").unwrap_or_default().to_owned(),
                    posted.get("other_name").unwrap_or_default().to_owned(),
                ),
            };
            body.remove("version");
            body.insert("department_code".into(), Value::String(code));
            body.insert("name".into(), Value::String(name));
            if let Some(days) = posted
                .get("working_days")
                .and_then(|d| d.parse::<u32>().ok())
            {
                body.insert("working_days".into(), Value::from(days));
            }
            body.insert(
                "reason".into(),
                Value::String(posted.get("add_reason").unwrap_or_default().to_owned()),
            );
            (review_path("/departments")?, "department_added")
        }
        "removal" => {
            let Some(code) = posted.get("remove_department") else {
                return render_task(
                    &ctx,
                    id,
                    vec!["请选择要减签的部门".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            };
            body.remove("version");
            body.insert(
                "reason".into(),
                Value::String(posted.get("remove_reason").unwrap_or_default().to_owned()),
            );
            (
                review_path(&format!(
                    "/departments/{}/removal",
                    text::url_encode(code).replace('+', "%20")
                ))?,
                "department_removed",
            )
        }
        "resumption" => {
            body.remove("version");
            (review_path("/resumption")?, "review_resumed")
        }
        "return-to-window" => {
            body.remove("version");
            body.insert(
                "reason".into(),
                Value::String(posted.get("return_reason").unwrap_or_default().to_owned()),
            );
            (review_path("/return-to-window")?, "returned_to_window")
        }
        _ => return Err(PageError::NotFound),
    };
    match ctx.api.post(&api_path, &Value::Object(body)).await {
        Ok(_) => Ok(see_other(&with_ok(&format!("/review/tasks/{id}"), flash))),
        Err(e) if e.status() == Some(422) => {
            render_task(&ctx, id, refusal(&e), Kept::from(&action, &posted)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// What a 422 says: each field's message, else the problem's own words.
fn refusal(e: &ApiError) -> Vec<String> {
    let messages: Vec<String> = e
        .field_errors()
        .into_iter()
        .map(|(_, m)| m)
        .filter(|m| !m.is_empty())
        .collect();
    if messages.is_empty() {
        vec![e.message()]
    } else {
        messages
    }
}

/// A material file shown inline in the page's viewer (the API sends it as an attachment,
/// which a frame would download instead of showing). Only PDFs and images are shown inline;
/// anything else stays an attachment.
async fn view_file(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    reviewer(&ctx)?;
    let mut response = ctx
        .api
        .pass_through(&format!("/api/v1/materials/{id}"), "*/*")
        .await?;
    let viewable = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/pdf") || t.starts_with("image/"));
    let headers = response.headers_mut();
    if viewable {
        headers.insert(
            actix_web::http::header::CONTENT_DISPOSITION,
            actix_web::http::header::HeaderValue::from_static("inline"),
        );
    }
    headers.insert(
        actix_web::http::header::X_CONTENT_TYPE_OPTIONS,
        actix_web::http::header::HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// Cross-level transfers

/// A transfer in a list.
struct TransferRow {
    id: String,
    version: String,
    matter: String,
    applicant: String,
    from: String,
    to: String,
    state: &'static str,
    raw_state: String,
    late: bool,
    sent: String,
    due: String,
    remaining: String,
    colour: (&'static str, &'static str),
}

impl TransferRow {
    fn from(t: &Value, now: DateTime<Utc>) -> Self {
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
struct BoxQuery {
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

async fn transfers(
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

/// A department of the receiving stage.
struct StageDepartment {
    name: String,
    lead: bool,
    limit: String,
}

/// A material reference in a package.
struct PackageFile {
    name: String,
    sha256: String,
}

impl PackageFile {
    fn list(summary: &Value) -> Vec<Self> {
        summary["materials"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| PackageFile {
                        name: text::s(m, "name"),
                        sha256: text::s(m, "sha256"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One department's opinion at an earlier stage.
struct StageOpinion {
    stage: String,
    division: String,
    stage_outcome: &'static str,
    department: String,
    reviewer: String,
    outcome: String,
    comment: String,
    recorded: String,
}

#[derive(Template)]
#[template(path = "review_transfer.html")]
struct TransferPage {
    l: Layout,
    row: TransferRow,
    case_id: String,
    matter_code: String,
    from_stage: String,
    to_stage: String,
    rule: &'static str,
    limit: String,
    departments: Vec<StageDepartment>,
    files: Vec<PackageFile>,
    opinions: Vec<StageOpinion>,
    note: String,
    sent_by: String,
    received: String,
    finished: String,
    reason: String,
    outcome: &'static str,
    can_receive: bool,
    can_send_back: bool,
    can_resend: bool,
    idem: String,
    problems: Vec<String>,
    kept_reason: String,
    kept_note: String,
}

async fn transfer_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    reviewer(&ctx)?;
    render_transfer(&ctx, *id, Vec::new(), String::new(), String::new()).await
}

async fn render_transfer(
    ctx: &Ctx,
    id: uuid::Uuid,
    problems: Vec<String>,
    kept_reason: String,
    kept_note: String,
) -> Result<HttpResponse, PageError> {
    let session = reviewer(ctx)?;
    let t = ctx.api.get(&format!("/api/v1/transfers/{id}")).await?;
    let mine = session.principal.division.clone().unwrap_or_default();
    let state = text::s(&t, "state");
    let summary = &t["package"]["summary"];
    let departments = t["departments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| StageDepartment {
                    name: text::s(d, "name"),
                    lead: d["lead"].as_bool().unwrap_or(false),
                    limit: text::limit(&d["time_limit"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let files = PackageFile::list(summary);
    let mut opinions = Vec::new();
    for stage in t["package"]["opinions"].as_array().into_iter().flatten() {
        for o in stage["opinions"].as_array().into_iter().flatten() {
            opinions.push(StageOpinion {
                stage: format!("第 {} 级", stage["stage"].as_i64().unwrap_or_default() + 1),
                division: text::s(stage, "division_code"),
                stage_outcome: text::outcome(stage["outcome"].as_str().unwrap_or_default()),
                department: text::s(o, "department_code"),
                reviewer: text::s(o, "reviewer"),
                outcome: opinion_words(o),
                comment: text::s(o, "comment"),
                recorded: text::t(o, "recorded_at"),
            });
        }
    }
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let to_here = text::s(&t, "to_division") == mine;
    let row = TransferRow::from(&t, Utc::now());
    ctx.render_status(
        status,
        &TransferPage {
            l: ctx.layout(format!("报送件：{}", row.matter)),
            case_id: text::s(&t, "case_id"),
            matter_code: text::s(summary, "matter_code"),
            from_stage: format!("第 {} 级", t["from_stage"].as_i64().unwrap_or_default() + 1),
            to_stage: format!("第 {} 级", t["to_stage"].as_i64().unwrap_or_default() + 1),
            rule: join_rule(t["join_rule"].as_str().unwrap_or_default()).0,
            limit: text::limit(&t["time_limit"]),
            departments,
            files,
            opinions,
            note: text::s(&t["package"], "note"),
            sent_by: text::s(&t, "sent_by"),
            received: match (text::s(&t, "received_by"), text::t(&t, "received_at")) {
                (who, _) if who.is_empty() => String::new(),
                (who, at) => format!("{who}（{at}）"),
            },
            finished: match (text::s(&t, "finished_by"), text::t(&t, "finished_at")) {
                (who, _) if who.is_empty() => String::new(),
                (who, at) => format!("{who}（{at}）"),
            },
            reason: text::s(&t, "reason"),
            outcome: text::outcome(t["outcome"].as_str().unwrap_or_default()),
            can_receive: to_here && state == "sent",
            can_send_back: to_here && matches!(state.as_str(), "sent" | "received"),
            can_resend: text::s(&t, "from_division") == mine && state == "sent_back",
            idem: uuid::Uuid::new_v4().to_string(),
            problems,
            kept_reason,
            kept_note,
            row,
        },
    )
}

async fn transfer_action(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    reviewer(&ctx)?;
    let (id, action) = path.into_inner();
    let mut body = Map::new();
    if let Some(v) = posted.get("version").and_then(|v| v.parse::<i64>().ok()) {
        body.insert("version".into(), Value::from(v));
    }
    let idem = posted
        .get("_idem")
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let (api_path, flash, headers): (String, &str, Vec<(&str, &str)>) = match action.as_str() {
        "receipt" => (
            format!("/api/v1/transfers/{id}/receipt"),
            "received",
            vec![],
        ),
        "send-back" => {
            body.insert(
                "reason".into(),
                Value::String(posted.get("reason").unwrap_or_default().to_owned()),
            );
            (
                format!("/api/v1/transfers/{id}/send-back"),
                "sent_back",
                vec![],
            )
        }
        "resending" => {
            if let Some(note) = posted.get("note") {
                body.insert("note".into(), Value::String(note.to_owned()));
            }
            (
                format!("/api/v1/transfers/{id}/resending"),
                "resent",
                vec![("Idempotency-Key", idem.as_str())],
            )
        }
        _ => return Err(PageError::NotFound),
    };
    match ctx
        .api
        .send(Method::POST, &api_path, &Value::Object(body), &headers)
        .await
    {
        Ok(reply) => {
            let back = match posted.get("back") {
                Some(b) => local_path(Some(b)),
                // A resend is a new transfer: show it.
                None if action == "resending" => {
                    format!("/review/transfers/{}", text::s(&reply.body, "id"))
                }
                None => format!("/review/transfers/{id}"),
            };
            Ok(see_other(&with_ok(&back, flash)))
        }
        Err(e) if e.status() == Some(422) => {
            render_transfer(
                &ctx,
                id,
                refusal(&e),
                posted.get("reason").unwrap_or_default().to_owned(),
                posted.get("note").unwrap_or_default().to_owned(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(raw).unwrap()
    }

    fn now() -> DateTime<Utc> {
        at("2026-11-20T10:00:00+08:00").with_timezone(&Utc)
    }

    #[test]
    fn time_left_is_said_in_days_and_hours_or_as_overdue() {
        assert_eq!(
            remaining(Some(at("2026-11-22T13:30:00+08:00")), now()),
            "剩余 2 天 3 小时"
        );
        assert_eq!(
            remaining(Some(at("2026-11-20T12:15:00+08:00")), now()),
            "剩余 2 小时 15 分"
        );
        assert_eq!(
            remaining(Some(at("2026-11-19T05:00:00+08:00")), now()),
            "已超期 1 天 5 小时"
        );
        assert_eq!(remaining(None, now()), "期限待计算");
    }

    #[test]
    fn the_clock_warning_ladder_decides_the_colour_when_known() {
        let due = Some(at("2026-11-30T00:00:00+08:00"));
        assert_eq!(urgency(due, now(), Some(("running", "none"))).0, "green");
        assert_eq!(
            urgency(due, now(), Some(("running", "warning"))),
            ("yellow", "即将到期")
        );
        assert_eq!(
            urgency(due, now(), Some(("running", "yellow"))),
            ("yellow", "临近期限")
        );
        assert_eq!(
            urgency(due, now(), Some(("running", "red"))),
            ("red", "已超期")
        );
        assert_eq!(
            urgency(due, now(), Some(("paused", "none"))),
            ("green", "计时暂停")
        );
    }

    #[test]
    fn without_a_clock_the_colour_follows_the_natural_time_left() {
        assert_eq!(
            urgency(Some(at("2026-11-20T09:00:00+08:00")), now(), None),
            ("red", "已超期")
        );
        assert_eq!(
            urgency(Some(at("2026-11-20T20:00:00+08:00")), now(), None),
            ("yellow", "临近期限")
        );
        assert_eq!(
            urgency(Some(at("2026-11-22T09:00:00+08:00")), now(), None),
            ("yellow", "即将到期")
        );
        assert_eq!(
            urgency(Some(at("2026-11-25T09:00:00+08:00")), now(), None),
            ("green", "正常")
        );
        assert_eq!(urgency(None, now(), None), ("green", "正常"));
    }

    #[test]
    fn an_overdue_paused_clock_is_still_shown_as_overdue() {
        assert_eq!(
            urgency(
                Some(at("2026-11-19T00:00:00+08:00")),
                now(),
                Some(("paused", "none"))
            ),
            ("red", "已超期")
        );
    }

    #[test]
    fn the_inbox_puts_the_soonest_due_first_and_unknown_due_times_last() {
        let mut rows = vec![
            (None, "2026-11-01".to_owned(), "c"),
            (Some(300), "2026-11-03".to_owned(), "b"),
            (Some(100), "2026-11-05".to_owned(), "a"),
            (None, "2026-10-01".to_owned(), "d"),
        ];
        by_due(&mut rows, |r| (r.0, r.1.clone()));
        let order: Vec<&str> = rows.iter().map(|r| r.2).collect();
        assert_eq!(order, ["a", "b", "d", "c"]);
    }

    #[test]
    fn supplement_items_are_the_non_blank_lines() {
        assert_eq!(
            lines("补充环评登记表\r\n\n  补正总平面图  \n"),
            ["补充环评登记表", "补正总平面图"]
        );
        assert!(lines("  \n").is_empty());
    }

    #[test]
    fn a_step_is_named_with_its_position_and_who_acts() {
        let step = json!({"index": 1, "of": 3, "name": "复审", "role": "leader"});
        assert_eq!(step_words(&step), "复审（第 2 步，共 3 步，审批领导办理）");
        assert_eq!(step_words(&Value::Null), "");
    }

    #[test]
    fn a_deemed_or_referred_opinion_says_so() {
        assert_eq!(
            opinion_words(&json!({"outcome": "approved", "deemed": true})),
            "同意（视为同意）"
        );
        assert_eq!(
            opinion_words(&json!({"outcome": "approved", "referred": true})),
            "同意（提请上级审定）"
        );
        assert_eq!(opinion_words(&json!({"outcome": "denied"})), "不同意");
        assert_eq!(opinion_words(&json!({"outcome": null})), "");
    }

    #[test]
    fn the_holder_of_a_task_is_named_and_the_caller_recognised() {
        assert_eq!(holder(None, "r-1"), "未认领");
        assert_eq!(holder(Some("r-1"), "r-1"), "本人（r-1）");
        assert_eq!(holder(Some("r-2"), "r-1"), "r-2");
    }
}
