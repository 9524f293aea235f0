//! The period asked for, and how it is cut into sub-periods for a trend.

use chrono::{Datelike, Duration, NaiveDate, Utc};

use super::MAX_CALLS;

/// The default period: this many days up to today.
const DEFAULT_DAYS: i64 = 30;
/// The longest period the API accepts (days between the first and the last day).
const LONGEST_PERIOD: i64 = 366;

/// Today in China Standard Time.
pub(super) fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// A period of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Period {
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
}

impl Period {
    fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// The period asked for (`YYYY-MM-DD`, blank for the default: the last 30 days to `today`),
/// or why it cannot be used.
pub(super) fn parse_period(
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
pub(super) enum Step {
    Day,
    Week,
    Month,
}

impl Step {
    pub(super) fn words(self) -> &'static str {
        match self {
            Step::Day => "日",
            Step::Week => "周",
            Step::Month => "月",
        }
    }
}

/// One sub-period of a trend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bucket {
    pub(super) period: Period,
    /// Short, for the chart's axis (ASCII).
    pub(super) label: String,
    /// In full, for the table.
    pub(super) range: String,
}

/// Cuts `period` into at most [`MAX_CALLS`] sub-periods: days when short, natural weeks
/// (Monday to Sunday) when that is few enough, else calendar months; the first and last are
/// clipped to the period.
pub(super) fn split(period: Period) -> (Step, Vec<Bucket>) {
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
}
