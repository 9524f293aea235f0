//! The dashboard: a division's figures for a period, by department, by division below and
//! over time.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use futures::future::join_all;
use serde::Deserialize;

use super::{
    MATTERS_READ, MAX_CALLS,
    divisions::{Division, choices, division_prefix, divisions_of},
    figures::{Figures, rate_words, summary_path},
    own_division,
    period::{Period, parse_period, split, today},
    trend::{Chart, TrendRow, charts},
};
use crate::{
    Portal,
    api::ApiError,
    error::PageError,
    hall::items,
    layout::{Ctx, Layout},
    text,
};

#[derive(Deserialize)]
pub(super) struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
    division: Option<String>,
}

/// A row of a breakdown (a department or a division).
struct Breakdown {
    name: String,
    code: String,
    /// `None` when its figures could not be read.
    figures: Option<Figures>,
    /// The overdue and warned clocks of it.
    red_link: String,
    warned_link: String,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct DashboardPage {
    l: Layout,
    from: String,
    to: String,
    division: String,
    division_name: String,
    choices: Vec<(String, String)>,
    errors: Vec<String>,
    report: Option<Report>,
}

/// Everything shown for a valid query.
struct Report {
    figures: Figures,
    rate_words: String,
    departments: Vec<Breakdown>,
    departments_note: Option<String>,
    divisions: Vec<Breakdown>,
    divisions_note: Option<String>,
    step: &'static str,
    trend: Vec<TrendRow>,
    charts: Vec<Chart>,
    red_link: String,
    yellow_link: String,
    warning_link: String,
    paused_link: String,
    extended_link: String,
}

pub(super) async fn dashboard(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let own = own_division(&ctx)?;
    let all = ctx
        .api
        .get("/api/v1/divisions")
        .await
        .map(|l| divisions_of(&l))
        .unwrap_or_default();
    let choices = choices(&own, &all);
    let division = query
        .division
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&own)
        .to_owned();
    let mut errors = Vec::new();
    if !choices.iter().any(|(c, _)| *c == division) {
        errors.push("只能查看本级及下级行政区划的办件".to_owned());
    }
    let period = parse_period(query.from.as_deref(), query.to.as_deref(), today());
    let division_name = choices.iter().find(|(c, _)| *c == division).map_or_else(
        || division.clone(),
        |(_, n)| n.trim_start_matches('　').to_owned(),
    );
    let (from, to) = match &period {
        Ok(p) => (p.from.to_string(), p.to.to_string()),
        Err(_) => (
            query.from.clone().unwrap_or_default(),
            query.to.clone().unwrap_or_default(),
        ),
    };
    let page = |errors, report| DashboardPage {
        l: ctx.layout("电子监察"),
        from: from.clone(),
        to: to.clone(),
        division: division.clone(),
        division_name: division_name.clone(),
        choices: choices.clone(),
        errors,
        report,
    };
    let period = match period {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => return ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(errors, None)),
        Err(mut e) => {
            errors.append(&mut e);
            return ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(errors, None));
        }
    };
    let report = report(&ctx, &division, period, &all).await?;
    ctx.render(&page(errors, Some(report)))
}

/// Reads every figure of `division` for `period` (calls run at once) and draws the charts.
async fn report(
    ctx: &Ctx,
    division: &str,
    period: Period,
    all: &[Division],
) -> Result<Report, PageError> {
    // The departments: those of the matters of the division and below (one catalog page).
    let matters = ctx
        .api
        .get(&format!(
            "/api/v1/matters?division={}&per_page={MATTERS_READ}",
            text::url_encode(division_prefix(division))
        ))
        .await;
    let mut departments = BTreeMap::new();
    let mut matters_total = 0;
    if let Ok(list) = &matters {
        matters_total = list["total"].as_u64().unwrap_or_default();
        for m in items(list) {
            departments.insert(
                text::s(&m["department"], "code"),
                text::s(&m["department"], "name"),
            );
        }
    }
    departments.remove("");
    let department_count = departments.len();
    let departments: Vec<(String, String)> = departments.into_iter().take(MAX_CALLS).collect();
    let departments_note = if matters.is_err() {
        Some("办事指南暂时无法读取，未能列出部门。".to_owned())
    } else if department_count > MAX_CALLS || matters_total > MATTERS_READ {
        Some(format!(
            "部门较多，仅列出前 {} 个部门（按部门代码排序，取自前 {MATTERS_READ} 个事项）。",
            departments.len()
        ))
    } else {
        None
    };
    // The divisions directly below (six-digit codes: the summary takes no township).
    let below: Vec<&Division> = all
        .iter()
        .filter(|d| d.parent == division && d.code.len() == 6)
        .collect();
    let divisions_note = (below.len() > MAX_CALLS).then(|| {
        format!(
            "下级区划较多，仅列出前 {MAX_CALLS} 个（共 {} 个）。",
            below.len()
        )
    });
    let below: Vec<&Division> = below.into_iter().take(MAX_CALLS).collect();
    let (step, buckets) = split(period);

    let overall_path = summary_path(division, None, None, period);
    // Departments are measured by their own review clocks (`task`): the case clocks
    // (`processing`) belong to no department.
    let department_paths: Vec<String> = departments
        .iter()
        .map(|(code, _)| summary_path(division, Some(code), Some("task"), period))
        .collect();
    let division_paths: Vec<String> = below
        .iter()
        .map(|d| summary_path(&d.code, None, None, period))
        .collect();
    let trend_paths: Vec<String> = buckets
        .iter()
        .map(|b| summary_path(division, None, None, b.period))
        .collect();
    let (overall, by_department, by_division, by_bucket) = futures::join!(
        figures_at(ctx, &overall_path),
        join_all(department_paths.iter().map(|p| figures_at(ctx, p))),
        join_all(division_paths.iter().map(|p| figures_at(ctx, p))),
        join_all(trend_paths.iter().map(|p| figures_at(ctx, p))),
    );
    let figures = overall?;
    let ok = |r: Result<Figures, ApiError>| match r {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!(error = ?e, "a supervision figure could not be read");
            None
        }
    };
    let departments = departments
        .into_iter()
        .zip(by_department)
        .map(|((code, name), f)| Breakdown {
            red_link: clocks_link(division, Some(&code), "red", period),
            warned_link: clocks_link(division, Some(&code), "warned", period),
            name,
            code,
            figures: ok(f),
        })
        .collect();
    let divisions = below
        .into_iter()
        .zip(by_division)
        .map(|(d, f)| Breakdown {
            red_link: clocks_link(&d.code, None, "red", period),
            warned_link: clocks_link(&d.code, None, "warned", period),
            name: d.name.clone(),
            code: d.code.clone(),
            figures: ok(f),
        })
        .collect();
    let trend: Vec<TrendRow> = buckets
        .iter()
        .zip(by_bucket)
        .map(|(b, f)| TrendRow {
            range: b.range.clone(),
            figures: ok(f),
        })
        .collect();
    let charts = charts(step, &buckets, &trend);
    Ok(Report {
        rate_words: rate_words(&figures),
        figures,
        departments,
        departments_note,
        divisions,
        divisions_note,
        step: step.words(),
        trend,
        charts,
        red_link: clocks_link(division, None, "red", period),
        yellow_link: clocks_link(division, None, "yellow", period),
        warning_link: clocks_link(division, None, "warning", period),
        paused_link: clocks_link(division, None, "paused", period),
        extended_link: clocks_link(division, None, "extended", period),
    })
}

/// The figures at a summary path.
async fn figures_at(ctx: &Ctx, path: &str) -> Result<Figures, ApiError> {
    ctx.api.get(path).await.map(|v| Figures::from(&v))
}

/// `/supervision/clocks?…` for a status of a division (and department), keeping the period.
fn clocks_link(division: &str, department: Option<&str>, status: &str, p: Period) -> String {
    let mut link = format!(
        "/supervision/clocks?division={}&status={status}&from={}&to={}",
        text::url_encode(division),
        p.from,
        p.to
    );
    if let Some(d) = department {
        link.push_str(&format!("&department={}&kind=task", text::url_encode(d)));
    }
    link
}
