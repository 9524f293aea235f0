//! The supervision dashboard (电子监察) for supervisors: the open time limits of a division and
//! the divisions below it by status, what was completed in a period and how much of it on
//! time, the same by department and by division, trends drawn as SVG charts on the server,
//! the overdue and warned clocks, and a read-only case page.
//!
//! Every figure comes from `GET /api/v1/supervision/summary` (several calls, run at once and
//! bounded in number); the API decides what a supervisor may see (his division and below).

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use futures::future::join_all;
use govhall_web::Role;
use plotters::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    Portal,
    api::ApiError,
    error::PageError,
    hall::{Entry, items},
    layout::{Ctx, Layout},
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/supervision", web::get().to(dashboard))
        .route("/supervision/clocks", web::get().to(clocks_page))
        .route("/supervision/cases/{id}", web::get().to(case_page));
}

/// At most this many summary calls for the departments, for the divisions below, and for the
/// sub-periods of a trend (each).
const MAX_CALLS: usize = 20;
/// Matters read to find the departments of a division (one page of the catalog).
const MATTERS_READ: u64 = 100;
/// Cases whose number and matter are looked up on the clock list.
const CASES_LOOKED_UP: usize = 20;
/// Clocks listed per status.
const CLOCKS_PER_STATUS: u32 = 100;
/// The default period: this many days up to today.
const DEFAULT_DAYS: i64 = 30;
/// The longest period the API accepts (days between the first and the last day).
const LONGEST_PERIOD: i64 = 366;

// ---------------------------------------------------------------------------------------------
// Periods

/// Today in China Standard Time.
fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// A period of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// The period asked for (`YYYY-MM-DD`, blank for the default: the last 30 days to `today`),
/// or why it cannot be used.
fn parse_period(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<Period, Vec<String>> {
    let mut errors = Vec::new();
    let mut date = |raw: Option<&str>, what: &str| -> Option<NaiveDate> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(format!(
                        "{what}格式不正确，请按“年-月-日”填写，如 2026-11-01"
                    ));
                    None
                }
            },
        }
    };
    let to_date = date(to, "结束日期");
    let from_date = date(from, "开始日期");
    if !errors.is_empty() {
        return Err(errors);
    }
    let to = to_date.unwrap_or(today);
    let from = from_date.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
    if from > to {
        return Err(vec!["开始日期不能晚于结束日期".to_owned()]);
    }
    if (to - from).num_days() > LONGEST_PERIOD {
        return Err(vec!["查询期间不能超过一年".to_owned()]);
    }
    Ok(Period { from, to })
}

/// How a period is cut for a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Day,
    Week,
    Month,
}

impl Step {
    fn words(self) -> &'static str {
        match self {
            Step::Day => "日",
            Step::Week => "周",
            Step::Month => "月",
        }
    }
}

/// One sub-period of a trend.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bucket {
    period: Period,
    /// Short, for the chart's axis (ASCII).
    label: String,
    /// In full, for the table.
    range: String,
}

/// Cuts `period` into at most [`MAX_CALLS`] sub-periods: days when short, natural weeks
/// (Monday to Sunday) when that is few enough, else calendar months; the first and last are
/// clipped to the period.
fn split(period: Period) -> (Step, Vec<Bucket>) {
    let weeks_touched = {
        let first_monday =
            period.from - Duration::days(period.from.weekday().num_days_from_monday().into());
        ((period.to - first_monday).num_days() / 7 + 1) as usize
    };
    let step = if period.days() as usize <= MAX_CALLS {
        Step::Day
    } else if weeks_touched <= MAX_CALLS {
        Step::Week
    } else {
        Step::Month
    };
    let mut buckets = Vec::new();
    let mut start = period.from;
    while start <= period.to {
        let natural_end = match step {
            Step::Day => start,
            Step::Week => {
                start + Duration::days(6 - i64::from(start.weekday().num_days_from_monday()))
            }
            Step::Month => last_of_month(start),
        };
        let end = natural_end.min(period.to);
        let (label, range) = match step {
            Step::Day => (
                start.format("%m-%d").to_string(),
                start.format("%Y-%m-%d").to_string(),
            ),
            Step::Week => (
                start.format("%m-%d").to_string(),
                format!("{} 至 {}", start.format("%Y-%m-%d"), end.format("%Y-%m-%d")),
            ),
            Step::Month => (
                start.format("%Y-%m").to_string(),
                format!(
                    "{}（{} 至 {}）",
                    start.format("%Y年%m月"),
                    start.format("%m-%d"),
                    end.format("%m-%d")
                ),
            ),
        };
        buckets.push(Bucket {
            period: Period {
                from: start,
                to: end,
            },
            label,
            range,
        });
        start = end + Duration::days(1);
    }
    (step, buckets)
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).map_or(day, |first| first - Duration::days(1))
}

// ---------------------------------------------------------------------------------------------
// Figures

/// What `GET /api/v1/supervision/summary` says.
#[derive(Debug, Clone, Default, PartialEq)]
struct Figures {
    on_time: u64,
    warning: u64,
    yellow: u64,
    red: u64,
    paused: u64,
    extended: u64,
    completed: u64,
    completed_on_time: u64,
    rate: Option<f64>,
    average_used: Option<f64>,
    average_committed: Option<f64>,
}

impl Figures {
    fn from(v: &Value) -> Self {
        let n = |x: &Value| x.as_u64().unwrap_or_default();
        let open = &v["open"];
        let done = &v["completed"];
        Self {
            on_time: n(&open["on_time"]),
            warning: n(&open["warning"]),
            yellow: n(&open["yellow"]),
            red: n(&open["red"]),
            paused: n(&open["paused"]),
            extended: n(&open["extended"]),
            completed: n(&done["count"]),
            completed_on_time: n(&done["on_time"]),
            rate: done["on_time_rate"].as_f64(),
            average_used: done["average_used_working_days"].as_f64(),
            average_committed: done["average_committed_working_days"].as_f64(),
        }
    }

    /// Open now, whatever the status (extended ones are counted in theirs).
    fn open(&self) -> u64 {
        self.on_time + self.warning + self.yellow + self.red + self.paused
    }

    /// Warned: a warning or a yellow card.
    fn warned(&self) -> u64 {
        self.warning + self.yellow
    }

    fn late(&self) -> u64 {
        self.completed.saturating_sub(self.completed_on_time)
    }

    fn percent(&self) -> String {
        percent(self.rate)
    }

    fn used_words(&self) -> String {
        working_days(self.average_used)
    }

    fn committed_words(&self) -> String {
        working_days(self.average_committed)
    }
}

/// `98.2%`, `100%`, or `—` when nothing was completed.
fn percent(rate: Option<f64>) -> String {
    match rate {
        None => "—".to_owned(),
        Some(r) => {
            let tenths = (r * 1000.0).round() as i64;
            if tenths % 10 == 0 {
                format!("{}%", tenths / 10)
            } else {
                format!("{}.{}%", tenths / 10, tenths % 10)
            }
        }
    }
}

/// The on-time rate in a sentence.
fn rate_words(f: &Figures) -> String {
    if f.completed == 0 {
        return "本期间没有办结的办件，暂无按时办结率。".to_owned();
    }
    format!(
        "本期间共办结 {} 件，其中按时办结 {} 件、超期办结 {} 件，按时办结率为 {}。",
        f.completed,
        f.completed_on_time,
        f.late(),
        f.percent()
    )
}

/// Working days, one decimal.
fn working_days(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |d| format!("{d:.1} 个工作日"))
}

/// The summary path for a division (and a department or clock kind) and period.
fn summary_path(division: &str, department: Option<&str>, kind: Option<&str>, p: Period) -> String {
    let mut path = format!(
        "/api/v1/supervision/summary?division={}&from={}&to={}",
        text::url_encode(division),
        p.from,
        p.to
    );
    if let Some(d) = department {
        path.push_str(&format!("&department={}", text::url_encode(d)));
    }
    if let Some(k) = kind {
        path.push_str(&format!("&kind={}", text::url_encode(k)));
    }
    path
}

// ---------------------------------------------------------------------------------------------
// Divisions (the rule of `govhall_contracts::division`, which the portal does not depend on)

fn valid_division(code: &str) -> bool {
    (code.len() == 6 || code.len() == 9) && code.bytes().all(|b| b.is_ascii_digit())
}

/// The prefix of every code at or below `code`.
fn division_prefix(code: &str) -> &str {
    if !valid_division(code) || code.len() == 9 {
        code
    } else if code == "000000" {
        ""
    } else if code.ends_with("0000") {
        &code[..2]
    } else if code.ends_with("00") {
        &code[..4]
    } else {
        code
    }
}

/// Is `code` the division `above` or one below it?
fn covers(above: &str, code: &str) -> bool {
    valid_division(above) && code.starts_with(division_prefix(above))
}

/// A division as listed by `GET /api/v1/divisions`.
struct Division {
    code: String,
    name: String,
    parent: String,
    level: String,
}

fn divisions_of(list: &Value) -> Vec<Division> {
    items(list)
        .iter()
        .map(|d| Division {
            code: text::s(d, "code"),
            name: text::s(d, "name"),
            parent: text::s(d, "parent_code"),
            level: text::s(d, "level"),
        })
        .collect()
}

/// The divisions a supervisor of `own` may choose (his and those below, six digits: the
/// summary takes no township), his own first.
fn choices(own: &str, all: &[Division]) -> Vec<(String, String)> {
    let mut out = vec![(
        own.to_owned(),
        all.iter()
            .find(|d| d.code == own)
            .map_or_else(|| own.to_owned(), |d| d.name.clone()),
    )];
    for d in all {
        if d.code != own && d.code.len() == 6 && covers(own, &d.code) {
            let indent = if d.level == "county" && own.ends_with("0000") {
                "　"
            } else {
                ""
            };
            out.push((d.code.clone(), format!("{indent}{}", d.name)));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Charts

const BLUE: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
const GREEN: RGBColor = RGBColor(0x2e, 0x7d, 0x32);
const ORANGE: RGBColor = RGBColor(0xc2, 0x5b, 0x00);
const CHART_SIZE: (u32, u32) = (760, 320);
const FONT: &str = "sans-serif";

fn fail(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The axis label at `x` (the bucket under it; every `every`th only, so they stay readable).
fn axis_label(labels: &[String], x: f64, every: usize) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    let i = i as usize;
    match labels.get(i) {
        Some(l) if i.is_multiple_of(every) => l.clone(),
        _ => String::new(),
    }
}

/// Grouped bars: one group per label, one bar per series.
fn bar_chart(labels: &[String], series: &[(&str, RGBColor, Vec<u64>)]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let n = labels.len().max(1);
        let top = series
            .iter()
            .flat_map(|(_, _, v)| v.iter().copied())
            .max()
            .unwrap_or(0);
        // Head room above the tallest bar for the legend.
        let y_max = u32::try_from(top + top / 2 + 2).unwrap_or(u32::MAX);
        let every = n.div_ceil(12);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0u32..y_max)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| axis_label(labels, *x, every))
            .y_labels(6)
            .light_line_style(WHITE)
            .y_desc("件数")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(fail)?;
        let width = 0.8 / series.len().max(1) as f64;
        for (j, (name, colour, values)) in series.iter().enumerate() {
            let colour = *colour;
            chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 - 0.4 + j as f64 * width;
                    Rectangle::new(
                        [
                            (x0, 0),
                            (x0 + width * 0.9, u32::try_from(*v).unwrap_or(u32::MAX)),
                        ],
                        colour.filled(),
                    )
                }))
                .map_err(fail)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FONT, 16))
            .draw()
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// A line of rates (0–1) in percent, broken where a sub-period had nothing completed.
fn rate_chart(labels: &[String], name: &str, rates: &[Option<f64>]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let n = labels.len().max(1);
        let every = n.div_ceil(12);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..110f64)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| axis_label(labels, *x, every))
            .y_labels(6)
            .y_label_formatter(&|y| {
                if *y <= 100.0 {
                    format!("{y:.0}%")
                } else {
                    String::new()
                }
            })
            .light_line_style(WHITE)
            .y_desc("按时办结率")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(fail)?;
        let points: Vec<(usize, f64)> = rates
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i, r * 100.0)))
            .collect();
        // Consecutive sub-periods with a rate are joined; a gap breaks the line.
        let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut last: Option<usize> = None;
        for (i, y) in &points {
            match runs.last_mut() {
                Some(run) if last.is_some_and(|l| l + 1 == *i) => run.push((*i as f64, *y)),
                _ => runs.push(vec![(*i as f64, *y)]),
            }
            last = Some(*i);
        }
        let style = ORANGE.stroke_width(3);
        let mut first = true;
        for run in runs {
            let drawn = chart
                .draw_series(LineSeries::new(run, style).point_size(4))
                .map_err(fail)?;
            if first {
                drawn
                    .label(name)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], style));
                first = false;
            }
        }
        chart
            .draw_series(points.iter().map(|(i, y)| {
                EmptyElement::at((*i as f64, *y))
                    + Text::new(
                        percent(Some(*y / 100.0)),
                        (-14, -22),
                        (FONT, 16).into_font().color(&BLACK),
                    )
            }))
            .map_err(fail)?;
        if !points.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font((FONT, 16))
                .draw()
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Escapes text for SVG (XML) content and attributes.
fn xml_escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Makes plotters' SVG an image with a name and a description for assistive technology:
/// `role="img"`, `aria-label`, and `<title>`/`<desc>` as its first children.
fn accessible(svg: &str, id: &str, title: &str, desc: &str) -> String {
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|at| svg[at..].find('>').map(|e| at + e))
    else {
        return svg.to_owned();
    };
    let (head, rest) = svg.split_at(open_end);
    let head = head.replacen(
        "<svg",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" aria-describedby=\"{id}-desc\" focusable=\"false\"",
            xml_escape(title)
        ),
        1,
    );
    format!(
        "{head}><title>{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        xml_escape(title),
        xml_escape(desc),
        &rest[1..]
    )
}

// ---------------------------------------------------------------------------------------------
// The dashboard

#[derive(Deserialize)]
struct DashboardQuery {
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

/// A sub-period of the trend, as shown in the table.
struct TrendRow {
    range: String,
    figures: Option<Figures>,
}

/// A chart with its text alternative (the table next to it carries the same numbers).
struct Chart {
    heading: &'static str,
    svg: Option<String>,
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

/// The signed-in supervisor's own division.
fn own_division(ctx: &Ctx) -> Result<String, PageError> {
    let session = ctx.staff(Role::Supervisor)?;
    session
        .principal
        .division
        .clone()
        .filter(|d| valid_division(d))
        .ok_or_else(|| {
            PageError::Forbidden("您的账号未设置所属行政区划，无法查看电子监察。".to_owned())
        })
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

async fn dashboard(
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

/// The trend charts: completed and on time per sub-period, and the on-time rate.
fn charts(step: Step, buckets: &[Bucket], trend: &[TrendRow]) -> Vec<Chart> {
    let labels: Vec<String> = buckets.iter().map(|b| b.label.clone()).collect();
    let completed: Vec<u64> = trend
        .iter()
        .map(|t| t.figures.as_ref().map_or(0, |f| f.completed))
        .collect();
    let on_time: Vec<u64> = trend
        .iter()
        .map(|t| t.figures.as_ref().map_or(0, |f| f.completed_on_time))
        .collect();
    let rates: Vec<Option<f64>> = trend
        .iter()
        .map(|t| t.figures.as_ref().and_then(|f| f.rate))
        .collect();
    let unit = step.words();
    let counts_desc = format!(
        "按{unit}统计的办结件数和按时办结件数：{}。数据见下表。",
        buckets
            .iter()
            .zip(completed.iter().zip(&on_time))
            .map(|(b, (c, o))| format!("{} 办结 {c} 件、按时 {o} 件", b.range))
            .collect::<Vec<_>>()
            .join("；")
    );
    let rate_desc = format!(
        "按{unit}统计的按时办结率：{}。数据见下表。",
        buckets
            .iter()
            .zip(&rates)
            .map(|(b, r)| match r {
                Some(_) => format!("{} {}", b.range, percent(*r)),
                None => format!("{} 无办结", b.range),
            })
            .collect::<Vec<_>>()
            .join("；")
    );
    let counts = bar_chart(
        &labels,
        &[
            ("办结件数", BLUE, completed),
            ("按时办结件数", GREEN, on_time),
        ],
    );
    let rate = rate_chart(&labels, "按时办结率", &rates);
    let keep = |svg: Result<String, String>, id: &str, title: &str, desc: &str| match svg {
        Ok(svg) => Some(accessible(&svg, id, title, desc)),
        Err(e) => {
            tracing::error!(error = %e, "a supervision chart could not be drawn");
            None
        }
    };
    vec![
        Chart {
            heading: "办结件数",
            svg: keep(
                counts,
                "chart-counts",
                &format!("按{unit}办结件数柱状图"),
                &counts_desc,
            ),
        },
        Chart {
            heading: "按时办结率",
            svg: keep(
                rate,
                "chart-rate",
                &format!("按{unit}按时办结率折线图"),
                &rate_desc,
            ),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// The clocks of a status (drill-down)

#[derive(Deserialize)]
struct ClocksQuery {
    division: Option<String>,
    department: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
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

/// A clock in a list.
struct ClockRow {
    case_id: String,
    case_label: String,
    matter: String,
    kind: &'static str,
    division: String,
    department: String,
    limit: String,
    started: String,
    due: String,
    stopped: String,
    state: &'static str,
    status: (&'static str, &'static str),
    extended: bool,
    pause_reason: String,
}

impl ClockRow {
    fn from(c: &Value, names: &HashMap<String, String>) -> Self {
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

async fn clocks_page(
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

// ---------------------------------------------------------------------------------------------
// A case, read-only

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

async fn case_page(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_blank_period_is_the_last_thirty_days_to_today() {
        let p = parse_period(None, Some(""), d("2026-11-29")).unwrap();
        assert_eq!(
            p,
            Period {
                from: d("2026-10-31"),
                to: d("2026-11-29")
            }
        );
        assert_eq!(p.days(), 30);
    }

    #[test]
    fn a_bad_date_a_reversed_or_too_long_period_is_refused_in_words() {
        let today = d("2026-11-29");
        assert!(
            parse_period(Some("2026/11/01"), None, today).unwrap_err()[0]
                .contains("开始日期格式不正确")
        );
        assert!(
            parse_period(Some("2026-11-20"), Some("2026-11-01"), today).unwrap_err()[0]
                .contains("不能晚于")
        );
        assert!(
            parse_period(Some("2025-01-01"), Some("2026-11-01"), today).unwrap_err()[0]
                .contains("一年")
        );
        assert!(parse_period(Some("2025-11-01"), Some("2026-11-01"), today).is_ok());
    }

    #[test]
    fn a_short_period_is_cut_into_days() {
        let (step, buckets) = split(Period {
            from: d("2026-11-01"),
            to: d("2026-11-03"),
        });
        assert_eq!(step, Step::Day);
        let labels: Vec<&str> = buckets.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["11-01", "11-02", "11-03"]);
    }

    #[test]
    fn a_month_is_cut_into_natural_weeks_clipped_to_the_period() {
        // 2026-10-31 is a Saturday; 2026-11-29 a Sunday.
        let (step, buckets) = split(Period {
            from: d("2026-10-31"),
            to: d("2026-11-29"),
        });
        assert_eq!(step, Step::Week);
        assert_eq!(buckets.len(), 5);
        assert_eq!(
            buckets[0].period,
            Period {
                from: d("2026-10-31"),
                to: d("2026-11-01")
            }
        );
        assert_eq!(
            buckets[1].period,
            Period {
                from: d("2026-11-02"),
                to: d("2026-11-08")
            }
        );
        assert_eq!(
            buckets[4].period,
            Period {
                from: d("2026-11-23"),
                to: d("2026-11-29")
            }
        );
        assert_eq!(buckets[1].range, "2026-11-02 至 2026-11-08");
    }

    #[test]
    fn a_year_is_cut_into_months_and_never_into_more_than_twenty_parts() {
        let (step, buckets) = split(Period {
            from: d("2025-11-15"),
            to: d("2026-11-14"),
        });
        assert_eq!(step, Step::Month);
        assert_eq!(buckets.len(), 13);
        assert_eq!(buckets[0].period.to, d("2025-11-30"));
        assert_eq!(
            buckets[3].period,
            Period {
                from: d("2026-02-01"),
                to: d("2026-02-28")
            }
        );
        assert_eq!(
            buckets[12].period,
            Period {
                from: d("2026-11-01"),
                to: d("2026-11-14")
            }
        );
        for days in 1..=367 {
            let p = Period {
                from: d("2026-01-01"),
                to: d("2026-01-01") + Duration::days(days - 1),
            };
            let (_, b) = split(p);
            assert!(b.len() <= MAX_CALLS, "{days} days: {} parts", b.len());
            assert_eq!(b.first().map(|b| b.period.from), Some(p.from));
            assert_eq!(b.last().map(|b| b.period.to), Some(p.to));
            assert!(
                b.windows(2)
                    .all(|w| w[0].period.to + Duration::days(1) == w[1].period.from)
            );
        }
    }

    #[test]
    fn rates_are_shown_as_percentages_with_one_decimal_when_needed() {
        assert_eq!(percent(Some(0.9824561403508771)), "98.2%");
        assert_eq!(percent(Some(1.0)), "100%");
        assert_eq!(percent(Some(0.75)), "75%");
        assert_eq!(percent(Some(0.0)), "0%");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn the_rate_is_said_in_words_with_its_counts() {
        let f = Figures {
            completed: 57,
            completed_on_time: 56,
            rate: Some(56.0 / 57.0),
            ..Default::default()
        };
        assert_eq!(
            rate_words(&f),
            "本期间共办结 57 件，其中按时办结 56 件、超期办结 1 件，按时办结率为 98.2%。"
        );
        assert!(rate_words(&Figures::default()).contains("暂无按时办结率"));
    }

    #[test]
    fn the_summary_answer_is_read_into_figures() {
        let v = serde_json::json!({"division": "320102", "from": "2026-11-01", "to": "2026-11-30",
            "open": {"on_time": 42, "warning": 3, "yellow": 1, "red": 2, "paused": 2, "extended": 1},
            "completed": {"count": 57, "on_time": 56, "on_time_rate": 0.98,
                "average_used_working_days": 6.4, "average_committed_working_days": 10.2}});
        let f = Figures::from(&v);
        assert_eq!((f.open(), f.warned(), f.red, f.late()), (50, 4, 2, 1));
        assert_eq!(working_days(f.average_used), "6.4 个工作日");
    }

    #[test]
    fn a_supervisor_chooses_his_division_and_the_six_digit_ones_below_it() {
        let all = [
            ("320000", "江苏省", "province"),
            ("320100", "南京市", "city"),
            ("320102", "玄武区", "county"),
            ("320102001", "某街道", "township"),
            ("320200", "无锡市", "city"),
        ]
        .map(|(code, name, level)| Division {
            code: code.into(),
            name: name.into(),
            parent: String::new(),
            level: level.into(),
        });
        let codes: Vec<String> = choices("320100", &all)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(codes, ["320100", "320102"]);
        assert_eq!(choices("320000", &all).len(), 4);
        assert!(!covers("321000", "321100"));
    }

    #[test]
    fn the_counts_chart_is_an_svg_with_both_series_and_the_axis_labels() {
        let labels = vec!["11-02".to_owned(), "11-09".to_owned(), "11-16".to_owned()];
        let svg = bar_chart(
            &labels,
            &[
                ("办结件数", BLUE, vec![5, 0, 7]),
                ("按时办结件数", GREEN, vec![4, 0, 7]),
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("办结件数") && svg.contains("按时办结件数"));
        assert!(svg.contains("11-09"));
        // Four non-empty bars plus two legend swatches in the series' colours.
        assert!(svg.matches("#1F5FA8").count() >= 3, "{svg}");
    }

    #[test]
    fn the_rate_chart_draws_the_line_and_labels_each_point() {
        let labels = vec!["11-02".to_owned(), "11-09".to_owned(), "11-16".to_owned()];
        let svg = rate_chart(&labels, "按时办结率", &[Some(0.5), None, Some(1.0)]).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(
            svg.contains("<polyline") || svg.contains("<circle"),
            "{svg}"
        );
        assert!(
            svg.contains("50%\n</text>") && svg.contains("100%\n</text>"),
            "{svg}"
        );
    }

    #[test]
    fn a_chart_gets_a_role_a_name_and_a_description_with_its_text_escaped() {
        let svg =
            "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>";
        let out = accessible(svg, "c1", "办结 <件数>", "a & b");
        assert!(
            out.starts_with(
                "<svg role=\"img\" aria-label=\"办结 &lt;件数&gt;\" aria-describedby=\"c1-desc\""
            ),
            "{out}"
        );
        assert!(
            out.contains(
                "><title>办结 &lt;件数&gt;</title><desc id=\"c1-desc\">a &amp; b</desc>\n<rect/>"
            ),
            "{out}"
        );
        assert_eq!(accessible("no svg", "c", "t", "d"), "no svg");
    }

    #[test]
    fn axis_labels_appear_at_whole_positions_only() {
        let labels: Vec<String> = (0..20).map(|i| format!("L{i}")).collect();
        assert_eq!(axis_label(&labels, 3.0, 1), "L3");
        assert_eq!(axis_label(&labels, 2.5, 1), "");
        assert_eq!(axis_label(&labels, 3.0, 2), "");
        assert_eq!(axis_label(&labels, 20.0, 1), "");
        assert_eq!(axis_label(&labels, -1.0, 1), "");
    }
}
