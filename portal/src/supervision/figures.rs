//! The figures of `GET /api/v1/supervision/summary`, and how they are said.

use serde_json::Value;

use super::period::Period;
use crate::text;

/// What `GET /api/v1/supervision/summary` says.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Figures {
    pub(super) on_time: u64,
    pub(super) warning: u64,
    pub(super) yellow: u64,
    pub(super) red: u64,
    pub(super) paused: u64,
    pub(super) extended: u64,
    pub(super) completed: u64,
    pub(super) completed_on_time: u64,
    pub(super) rate: Option<f64>,
    pub(super) average_used: Option<f64>,
    pub(super) average_committed: Option<f64>,
}

impl Figures {
    pub(super) fn from(v: &Value) -> Self {
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
    pub(super) fn open(&self) -> u64 {
        self.on_time + self.warning + self.yellow + self.red + self.paused
    }

    /// Warned: a warning or a yellow card.
    pub(super) fn warned(&self) -> u64 {
        self.warning + self.yellow
    }

    pub(super) fn late(&self) -> u64 {
        self.completed.saturating_sub(self.completed_on_time)
    }

    pub(super) fn percent(&self) -> String {
        percent(self.rate)
    }

    pub(super) fn used_words(&self) -> String {
        working_days(self.average_used)
    }

    pub(super) fn committed_words(&self) -> String {
        working_days(self.average_committed)
    }
}

/// `98.2%`, `100%`, or `—` when nothing was completed.
pub(super) fn percent(rate: Option<f64>) -> String {
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
pub(super) fn rate_words(f: &Figures) -> String {
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
pub(super) fn working_days(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |d| format!("{d:.1} 个工作日"))
}

/// The summary path for a division (and a department or clock kind) and period.
pub(super) fn summary_path(
    division: &str,
    department: Option<&str>,
    kind: Option<&str>,
    p: Period,
) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
