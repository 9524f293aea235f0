//! Calendars as data: one per year for the nation or a division, layered by division.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::CalendarError;

/// How a day differs from the Monday-to-Friday rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOverride {
    /// A public or local holiday (not a working day, even on a weekday).
    Holiday,
    /// A make-up workday (调休: a working day, even on a weekend).
    Workday,
}

/// A named range of holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Name, e.g. 春节.
    pub name: String,
}

/// The calendar of one year: holidays and make-up workdays, with where they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearCalendar {
    /// The year.
    pub year: i32,
    /// The notice the data comes from.
    pub source: String,
    /// Holidays.
    pub holidays: Vec<HolidayRange>,
    /// Make-up workdays.
    pub workdays: Vec<NaiveDate>,
}

impl YearCalendar {
    /// Parses and checks a year from JSON.
    pub fn from_json(json: &str) -> Result<Self, CalendarError> {
        let year: Self =
            serde_json::from_str(json).map_err(|e| CalendarError::Malformed(e.to_string()))?;
        year.check()?;
        Ok(year)
    }

    /// Checks that every date is in the year, ranges run forwards and no day is both.
    pub fn check(&self) -> Result<(), CalendarError> {
        let in_year = |date: NaiveDate| {
            if date.year() == self.year {
                Ok(())
            } else {
                Err(CalendarError::OutsideYear {
                    year: self.year,
                    date,
                })
            }
        };
        for range in &self.holidays {
            in_year(range.from)?;
            in_year(range.to)?;
            if range.to < range.from {
                return Err(CalendarError::BackwardsRange {
                    name: range.name.clone(),
                });
            }
        }
        for day in &self.workdays {
            in_year(*day)?;
            if self.holidays.iter().any(|r| (r.from..=r.to).contains(day)) {
                return Err(CalendarError::Contradiction(*day));
            }
        }
        Ok(())
    }

    /// Every overridden day of the year.
    pub fn overrides(&self) -> BTreeMap<NaiveDate, DayOverride> {
        let mut days = BTreeMap::new();
        for range in &self.holidays {
            let mut day = range.from;
            while day <= range.to {
                days.insert(day, DayOverride::Holiday);
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
        }
        for day in &self.workdays {
            days.insert(*day, DayOverride::Workday);
        }
        days
    }
}

/// Whose calendar: the nation's, or a division's overlay.
type Scope = Option<String>;

/// The national calendar and the division overlays, by year, compiled for lookups.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    years: HashMap<(Scope, i32), YearCalendar>,
    days: HashMap<(Scope, i32), HashMap<NaiveDate, DayOverride>>,
}

/// The shipped national data.
const SHIPPED: &[&str] = &[
    include_str!("../data/cn-2025.json"),
    include_str!("../data/cn-2026.json"),
];

impl Calendars {
    /// The national years shipped with govhall (2025 and 2026), as data.
    pub fn shipped_years() -> Result<Vec<YearCalendar>, CalendarError> {
        SHIPPED
            .iter()
            .map(|json| YearCalendar::from_json(json))
            .collect()
    }

    /// The national calendars shipped with govhall (2025 and 2026).
    pub fn national_defaults() -> Result<Self, CalendarError> {
        let mut calendars = Self::default();
        for json in SHIPPED {
            calendars.set_national(YearCalendar::from_json(json)?)?;
        }
        Ok(calendars)
    }

    /// Loads (or replaces) a national year.
    pub fn set_national(&mut self, year: YearCalendar) -> Result<(), CalendarError> {
        self.set(None, year)
    }

    /// Loads (or replaces) a division's overlay of a year.
    pub fn set_overlay(&mut self, division: &str, year: YearCalendar) -> Result<(), CalendarError> {
        parse_division(division)?;
        self.set(Some(division.to_owned()), year)
    }

    fn set(&mut self, scope: Scope, year: YearCalendar) -> Result<(), CalendarError> {
        year.check()?;
        let key = (scope, year.year);
        self.days
            .insert(key.clone(), year.overrides().into_iter().collect());
        self.years.insert(key, year);
        Ok(())
    }

    /// The national data of a year, if loaded.
    pub fn national(&self, year: i32) -> Option<&YearCalendar> {
        self.years.get(&(None, year))
    }

    /// Years with national data.
    pub fn loaded_years(&self) -> BTreeSet<i32> {
        self.years
            .keys()
            .filter(|(scope, _)| scope.is_none())
            .map(|(_, y)| *y)
            .collect()
    }

    /// The national calendar alone, with no overlay.
    pub fn national_only(&self) -> DivisionCalendar<'_> {
        DivisionCalendar {
            calendars: self,
            chain: vec![None],
        }
    }

    /// The working-day calendar of `division`: national, then its province, city and
    /// county overlays, the nearer overriding the farther.
    pub fn for_division(&self, division: &str) -> Result<DivisionCalendar<'_>, CalendarError> {
        let mut chain: Vec<Scope> = vec![None];
        chain.extend(parse_division(division)?.into_iter().map(Some));
        Ok(DivisionCalendar {
            calendars: self,
            chain,
        })
    }
}

/// The divisions whose overlays apply to `code`: its province, city and itself.
fn parse_division(code: &str) -> Result<Vec<String>, CalendarError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CalendarError::Division(code.to_owned()));
    }
    let mut chain: Vec<String> = Vec::with_capacity(3);
    for level in [
        format!("{}0000", &code[..2]),
        format!("{}00", &code[..4]),
        code.to_owned(),
    ] {
        if !chain.contains(&level) {
            chain.push(level);
        }
    }
    Ok(chain)
}

/// The calendar seen from one division.
#[derive(Debug, Clone)]
pub struct DivisionCalendar<'a> {
    calendars: &'a Calendars,
    chain: Vec<Scope>,
}

impl DivisionCalendar<'_> {
    /// Is `day` a working day here? Monday to Friday, unless the nation or one of the
    /// division's levels says otherwise for that day (the nearest level wins).
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        let mut working = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        for scope in &self.chain {
            if let Some(o) = self
                .calendars
                .days
                .get(&(scope.clone(), day.year()))
                .and_then(|d| d.get(&day))
            {
                working = *o == DayOverride::Workday;
            }
        }
        working
    }

    /// Does national data exist for `year`?
    pub fn is_loaded(&self, year: i32) -> bool {
        self.calendars.years.contains_key(&(None, year))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_years_load_and_know_their_holidays_and_make_up_days() {
        let cals = Calendars::national_defaults().unwrap();
        assert_eq!(cals.loaded_years(), [2025, 2026].into_iter().collect());
        let cn = cals.for_division("320102").unwrap();
        assert!(
            !cn.is_working_day(d("2026-02-16")),
            "Spring Festival Monday"
        );
        assert!(cn.is_working_day(d("2026-02-14")), "make-up Saturday");
        assert!(cn.is_working_day(d("2026-02-28")), "make-up Saturday");
        assert!(!cn.is_working_day(d("2026-10-01")));
        assert!(
            cn.is_working_day(d("2026-10-10")),
            "make-up Saturday after National Day"
        );
        assert!(!cn.is_working_day(d("2025-10-08")));
        assert!(cn.is_working_day(d("2025-10-11")));
        assert!(!cn.is_working_day(d("2026-11-28")), "an ordinary Saturday");
        assert!(cn.is_working_day(d("2026-11-27")), "an ordinary Friday");
    }

    #[test]
    fn an_overlay_applies_to_its_division_and_the_divisions_below_only() {
        let mut cals = Calendars::national_defaults().unwrap();
        // A local festival for a prefecture (e.g. an ethnic-minority holiday).
        let local = YearCalendar {
            year: 2026,
            source: "州人民政府通知".into(),
            holidays: vec![HolidayRange {
                from: d("2026-03-03"),
                to: d("2026-03-03"),
                name: "地方节日".into(),
            }],
            workdays: vec![],
        };
        cals.set_overlay("532900", local).unwrap();
        assert!(
            !cals
                .for_division("532901")
                .unwrap()
                .is_working_day(d("2026-03-03")),
            "county below"
        );
        assert!(
            !cals
                .for_division("532900")
                .unwrap()
                .is_working_day(d("2026-03-03")),
            "the prefecture"
        );
        assert!(
            cals.for_division("530100")
                .unwrap()
                .is_working_day(d("2026-03-03")),
            "another city"
        );
        assert!(
            cals.for_division("320102")
                .unwrap()
                .is_working_day(d("2026-03-03")),
            "another province"
        );
    }

    #[test]
    fn contradictory_or_misplaced_data_is_refused() {
        let bad = r#"{"year":2027,"source":"x","holidays":[{"from":"2027-02-01","to":"2027-02-03","name":"a"}],"workdays":["2027-02-02"]}"#;
        assert_eq!(
            YearCalendar::from_json(bad),
            Err(CalendarError::Contradiction(d("2027-02-02")))
        );
        let outside = r#"{"year":2027,"source":"x","holidays":[],"workdays":["2026-02-02"]}"#;
        assert!(matches!(
            YearCalendar::from_json(outside),
            Err(CalendarError::OutsideYear { .. })
        ));
        let backwards = r#"{"year":2027,"source":"x","holidays":[{"from":"2027-02-03","to":"2027-02-01","name":"a"}],"workdays":[]}"#;
        assert!(matches!(
            YearCalendar::from_json(backwards),
            Err(CalendarError::BackwardsRange { .. })
        ));
        assert!(Calendars::default().for_division("3201").is_err());
    }
}
