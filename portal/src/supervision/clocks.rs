//! The clocks of a status (drill-down).

use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use futures::future::join_all;
use serde::Deserialize;
use serde_json::Value;

use super::{
    MATTERS_READ,
    divisions::{division_prefix, divisions_of},
    own_division,
};
use crate::{
    Portal,
    error::PageError,
    hall::items,
    layout::{Ctx, Layout},
    text,
};

/// Cases whose number and matter are looked up on the clock list.
const CASES_LOOKED_UP: usize = 20;
/// Clocks listed per status.
const CLOCKS_PER_STATUS: u32 = 100;

#[derive(Deserialize)]
pub(super) struct ClocksQuery {
    division: Option<String>,
    department: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// A clock in a list.
pub(super) struct ClockRow {
    pub(super) case_id: String,
    pub(super) case_label: String,
    pub(super) matter: String,
    pub(super) kind: &'static str,
    pub(super) division: String,
    pub(super) department: String,
    pub(super) limit: String,
    pub(super) started: String,
    pub(super) due: String,
    pub(super) stopped: String,
    pub(super) state: &'static str,
    pub(super) status: (&'static str, &'static str),
    pub(super) extended: bool,
    pub(super) pause_reason: String,
}

impl ClockRow {
    pub(super) fn from(c: &Value, names: &HashMap<String, String>) -> Self {
        let name = |code: String| names.get(&code).cloned().unwrap_or(code);
        let status = c["status"]
            .as_str()
            .or_else(|| c["warning"].as_str())
            .unwrap_or_default();
        let state = text::s(c, "state");
        Self {
            case_id: text::s(c, "case_id"),
            case_label: String::new(),
            matter: String::new(),
            kind: clock_kind(c["kind"].as_str().unwrap_or_default()),
            division: name(text::s(c, "division_code")),
            department: c["department_code"]
                .as_str()
                .map(|d| name(d.to_owned()))
                .unwrap_or_default(),
            limit: clock_limit(&c["limit_value"], &c["limit_unit"]),
            started: text::t(c, "started_at"),
            due: text::t(c, "due_at"),
            stopped: text::t(c, "stopped_at"),
            state: match state.as_str() {
                "running" => "计时中",
                "paused" => "暂停",
                "stopped" => "已停止",
                _ => "",
            },
            status: if state == "stopped" {
                if c["overdue"].as_bool().unwrap_or(false) {
                    ("red", "超时完成")
                } else {
                    ("green", "按时完成")
                }
            } else if state == "paused" {
                status_words("paused")
            } else {
                status_words(if status == "none" { "on_time" } else { status })
            },
            extended: c["extended"].as_bool().unwrap_or(false),
            pause_reason: text::s(c, "pause_reason"),
        }
    }
}

#[derive(Template)]
#[template(path = "supervision_clocks.html")]
struct ClocksPage {
    l: Layout,
    heading: String,
    scope: String,
    back: String,
    clocks: Vec<ClockRow>,
    truncated: bool,
    unnamed: bool,
}

pub(super) async fn clocks_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<ClocksQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let own = own_division(&ctx)?;
    let division = query
        .division
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| own.clone());
    let (statuses, heading): (&[&str], &str) = match query.status.as_deref() {
        Some("warned") => (&["yellow", "warning"], "预警和黄牌的办件时限"),
        Some("yellow") => (&["yellow"], "黄牌的办件时限"),
        Some("warning") => (&["warning"], "预警的办件时限"),
        Some("paused") => (&["paused"], "暂停计时的办件时限"),
        Some("extended") => (&["extended"], "已延期的办件时限"),
        Some("on_time") => (&["on_time"], "正常计时的办件时限"),
        _ => (&["red"], "已超期（红牌）的办件时限"),
    };
    let department = query.department.clone().filter(|d| !d.trim().is_empty());
    let kind = query.kind.clone().filter(|k| !k.trim().is_empty());
    let paths: Vec<String> = statuses
        .iter()
        .map(|s| {
            let mut p = format!(
                "/api/v1/supervision/clocks?division={}&status={s}&limit={CLOCKS_PER_STATUS}",
                text::url_encode(&division)
            );
            if let Some(d) = &department {
                p.push_str(&format!("&department={}", text::url_encode(d)));
            }
            if let Some(k) = &kind {
                p.push_str(&format!("&kind={}", text::url_encode(k)));
            }
            p
        })
        .collect();
    let matters_path = format!(
        "/api/v1/matters?division={}&per_page={MATTERS_READ}",
        text::url_encode(division_prefix(&division))
    );
    let (lists, all, matters) = futures::join!(
        join_all(paths.iter().map(|p| ctx.api.get(p))),
        ctx.api.get("/api/v1/divisions"),
        ctx.api.get(&matters_path),
    );
    let mut clocks = Vec::new();
    let mut truncated = false;
    for list in lists {
        let list = items(&list?);
        truncated |= list.len() >= CLOCKS_PER_STATUS as usize;
        clocks.extend(list);
    }
    clocks.sort_by_key(|c| chrono::DateTime::parse_from_rfc3339(&text::s(c, "due_at")).ok());
    let mut names: HashMap<String, String> = all
        .map(|l| {
            divisions_of(&l)
                .into_iter()
                .map(|d| (d.code, d.name))
                .collect()
        })
        .unwrap_or_default();
    if let Ok(list) = &matters {
        for m in items(list) {
            names.insert(
                text::s(&m["department"], "code"),
                text::s(&m["department"], "name"),
            );
        }
    }
    let mut rows: Vec<ClockRow> = clocks.iter().map(|c| ClockRow::from(c, &names)).collect();
    // The case number and matter of the first cases (one call each, at once).
    let mut seen = HashSet::new();
    let case_ids: Vec<String> = rows
        .iter()
        .filter(|r| seen.insert(r.case_id.clone()))
        .map(|r| r.case_id.clone())
        .take(CASES_LOOKED_UP)
        .collect();
    let case_paths: Vec<String> = case_ids
        .iter()
        .map(|id| format!("/api/v1/cases/{}", text::url_encode(id)))
        .collect();
    let cases = join_all(case_paths.iter().map(|p| ctx.api.get(p))).await;
    let found: HashMap<&String, Value> = case_ids
        .iter()
        .zip(cases)
        .filter_map(|(id, c)| c.ok().map(|c| (id, c)))
        .collect();
    let mut unnamed = false;
    for row in &mut rows {
        match found.get(&row.case_id) {
            Some(c) => {
                row.case_label = text::s(c, "case_number");
                row.matter = text::s(&c["matter"], "name");
            }
            None => {
                unnamed = true;
                row.case_label = format!("办件 {}", row.case_id.get(..8).unwrap_or(&row.case_id));
            }
        }
    }
    let mut scope = names
        .get(&division)
        .cloned()
        .unwrap_or_else(|| division.clone());
    if let Some(d) = &department {
        scope = format!(
            "{scope} · {}",
            names.get(d).cloned().unwrap_or_else(|| d.clone())
        );
    }
    let mut back = format!("/supervision?division={}", text::url_encode(&division));
    for (key, value) in [("from", &query.from), ("to", &query.to)] {
        if let Some(v) = value
            .as_deref()
            .filter(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok())
        {
            back.push_str(&format!("&{key}={v}"));
        }
    }
    ctx.render(&ClocksPage {
        l: ctx.layout(heading),
        heading: heading.to_owned(),
        scope,
        back,
        clocks: rows,
        truncated,
        unnamed,
    })
}

/// The words and colour class of a supervision status.
fn status_words(status: &str) -> (&'static str, &'static str) {
    match status {
        "red" => ("red", "红牌（已超期）"),
        "yellow" => ("yellow", "黄牌（剩 1 个工作日）"),
        "warning" => ("yellow", "预警（临近期限）"),
        "paused" => ("green", "暂停计时"),
        "extended" => ("green", "已延期"),
        _ => ("green", "正常"),
    }
}

/// The kind of a clock in words.
fn clock_kind(kind: &str) -> &'static str {
    match kind {
        "acceptance" => "受理时限",
        "processing" => "承诺办结时限",
        "statutory" => "法定办结时限",
        "commitment" => "容缺补齐时限",
        "task" => "部门审查时限",
        "stage" => "环节时限",
        "rectification" => "整改时限",
        _ => "其他时限",
    }
}

/// A clock's limit in words.
fn clock_limit(value: &Value, unit: &Value) -> String {
    let n = value.as_i64().unwrap_or_default();
    match unit.as_str().unwrap_or_default() {
        "working_days" => format!("{n} 个工作日"),
        "natural_days" | "days" => format!("{n} 个自然日"),
        "hours" if n == 0 => "即办".to_owned(),
        "hours" => format!("{n} 小时"),
        "months" => format!("{n} 个月"),
        other => format!("{n} {other}"),
    }
}
