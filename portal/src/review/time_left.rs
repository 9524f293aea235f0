//! Time left until a due time, in words and as a colour, and the order of the inbox.

use chrono::{DateTime, FixedOffset, Utc};

/// An RFC 3339 time.
pub(super) fn parse_time(raw: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(raw).ok()
}

/// Time left until `due` in words (`剩余 2 天 3 小时`, `已超期 5 小时`).
pub(super) fn remaining(due: Option<DateTime<FixedOffset>>, now: DateTime<Utc>) -> String {
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
pub(super) fn urgency(
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
pub(super) fn by_due<T>(rows: &mut [T], key: impl Fn(&T) -> (Option<i64>, String)) {
    rows.sort_by_key(|r| {
        let (due, opened) = key(r);
        (due.is_none(), due, opened)
    });
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
}
