//! A period's trend: its sub-periods' figures and the charts drawn from them.

use super::{
    charts::{BLUE, GREEN, accessible, bar_chart, rate_chart},
    figures::{Figures, percent},
    period::{Bucket, Step},
};

/// A sub-period of the trend, as shown in the table.
pub(super) struct TrendRow {
    pub(super) range: String,
    pub(super) figures: Option<Figures>,
}

/// A chart with its text alternative (the table next to it carries the same numbers).
pub(super) struct Chart {
    pub(super) heading: &'static str,
    pub(super) svg: Option<String>,
}

/// The trend charts: completed and on time per sub-period, and the on-time rate.
pub(super) fn charts(step: Step, buckets: &[Bucket], trend: &[TrendRow]) -> Vec<Chart> {
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
