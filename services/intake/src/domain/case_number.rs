//! Case numbers (办件编号): which hall accepted a case, on which day, in which order.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

/// A case number (办件编号): 21 ASCII digits, `DDDDDD` `YYYYMMDD` `NNNNNNN`.
///
/// - `DDDDDD`: the accepting body's administrative division code (GB/T 2260, first digit 1–9);
/// - `YYYYMMDD`: the date of submission in Asia/Shanghai (a real calendar date);
/// - `NNNNNNN`: the sequence number, `0000001`–`9999999`, per division per day.
///
/// It sorts: every part is fixed-width, so the lexical order of the numbers (and the `Ord` of
/// this type) is the order of (division, date, sequence). At 21 characters it stays within
/// the 50 characters the standard allows a case number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber {
    // First, so the derived order is the lexical order of the number; the other fields are
    // read from it and never decide a comparison.
    number: String,
    date: NaiveDate,
    sequence: u32,
}

/// Length of a case number in characters.
const LEN: usize = 21;
/// The largest sequence number that fits in 7 digits.
const SEQUENCE_MAX: u32 = 9_999_999;

/// Why a case number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseNumberError {
    /// Not exactly 21 ASCII digits.
    #[error("must be exactly 21 ASCII digits")]
    Format,
    /// The division code is not 6 digits with a first digit from 1 to 9.
    #[error("division code must be 6 digits, the first from 1 to 9 (GB/T 2260)")]
    Division,
    /// The date is not a real calendar date in the years 0001 to 9999.
    #[error("date must be a real calendar date YYYYMMDD in the years 0001 to 9999")]
    Date,
    /// The sequence number is outside 1 to 9 999 999.
    #[error("sequence number must be from 0000001 to 9999999")]
    Sequence,
}

impl CaseNumber {
    /// Builds the number for the `seq`-th case accepted in `division` on `date`.
    ///
    /// `date` must be the Asia/Shanghai (UTC+8) date of submission, not the UTC date.
    pub fn new(division: &str, date: NaiveDate, seq: u32) -> Result<Self, CaseNumberError> {
        let division_ok = division.len() == 6
            && division.bytes().all(|b| b.is_ascii_digit())
            && !division.starts_with('0');
        if !division_ok {
            return Err(CaseNumberError::Division);
        }
        if !(1..=9999).contains(&date.year()) {
            return Err(CaseNumberError::Date);
        }
        if !(1..=SEQUENCE_MAX).contains(&seq) {
            return Err(CaseNumberError::Sequence);
        }
        let number = format!(
            "{division}{:04}{:02}{:02}{seq:07}",
            date.year(),
            date.month(),
            date.day()
        );
        Ok(Self {
            number,
            date,
            sequence: seq,
        })
    }

    /// Parses a case number (surrounding spaces are ignored).
    pub fn parse(s: &str) -> Result<Self, CaseNumberError> {
        let s = s.trim();
        if s.len() != LEN || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CaseNumberError::Format);
        }
        let date =
            NaiveDate::from_ymd_opt(number(&s[6..10])?, number(&s[10..12])?, number(&s[12..14])?)
                .ok_or(CaseNumberError::Date)?;
        Self::new(&s[..6], date, number(&s[14..])?)
    }

    /// The full number.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The accepting body's administrative division code (the first 6 digits).
    pub fn division_code(&self) -> &str {
        &self.number[..6]
    }

    /// The date of submission (Asia/Shanghai).
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The sequence number within the division and day (1 to 9 999 999).
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

/// Reads a run of ASCII digits already checked by the caller.
fn number<T: std::str::FromStr>(digits: &str) -> Result<T, CaseNumberError> {
    digits.parse().map_err(|_| CaseNumberError::Format)
}

impl fmt::Display for CaseNumber {
    // Not personal data: the full number may be shown and logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl Serialize for CaseNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.number)
    }
}

impl<'de> Deserialize<'de> for CaseNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

// By hand rather than derived, to publish the length and pattern along with the example.
impl utoipa::PartialSchema for CaseNumber {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "Case number (办件编号): 6-digit division code of the accepting body, \
                 date of submission YYYYMMDD (Asia/Shanghai), 7-digit sequence of the day.",
            ))
            .min_length(Some(LEN))
            .max_length(Some(LEN))
            .pattern(Some("^[1-9][0-9]{20}$"))
            .examples(["320102202611280000001"])
            .into()
    }
}

impl utoipa::ToSchema for CaseNumber {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_parts_are_read_back() {
        let n = CaseNumber::parse("320102202611280000001").unwrap();
        assert_eq!(n.as_str(), "320102202611280000001");
        assert_eq!(n.division_code(), "320102");
        assert_eq!(n.date(), ymd(2026, 11, 28));
        assert_eq!(n.sequence(), 1);
        assert_eq!(n.to_string(), "320102202611280000001");
    }

    #[test]
    fn new_pads_the_date_and_sequence() {
        let n = CaseNumber::new("110105", ymd(2027, 1, 4), 42).unwrap();
        assert_eq!(n.as_str(), "110105202701040000042");
        let n = CaseNumber::new("110105", ymd(2027, 1, 4), SEQUENCE_MAX).unwrap();
        assert_eq!(n.as_str(), "110105202701049999999");
    }

    #[test]
    fn new_refuses_bad_parts() {
        let day = ymd(2026, 11, 28);
        for division in ["", "32010", "3201020", "020102", "32O102", "３２０１０"] {
            assert_eq!(
                CaseNumber::new(division, day, 1),
                Err(CaseNumberError::Division),
                "{division}"
            );
        }
        assert_eq!(
            CaseNumber::new("320102", day, 0),
            Err(CaseNumberError::Sequence)
        );
        assert_eq!(
            CaseNumber::new("320102", day, SEQUENCE_MAX + 1),
            Err(CaseNumberError::Sequence)
        );
        assert_eq!(
            CaseNumber::new("320102", ymd(10_000, 1, 1), 1),
            Err(CaseNumberError::Date)
        );
        assert_eq!(
            CaseNumber::new("320102", ymd(0, 1, 1), 1),
            Err(CaseNumberError::Date)
        );
    }

    #[test]
    fn parse_refuses_bad_numbers() {
        for (bad, err) in [
            ("", CaseNumberError::Format),
            ("32010220261128000001", CaseNumberError::Format), // 20 digits
            ("3201022026112800000001", CaseNumberError::Format), // 22 digits
            ("32010220261128000000a", CaseNumberError::Format),
            ("+20102202611280000001", CaseNumberError::Format),
            ("020102202611280000001", CaseNumberError::Division),
            ("320102202602300000001", CaseNumberError::Date), // 30 February
            ("320102202502290000001", CaseNumberError::Date), // 2025 is not a leap year
            ("320102202613010000001", CaseNumberError::Date),
            ("320102202611000000001", CaseNumberError::Date),
            ("320102000001010000001", CaseNumberError::Date), // year 0000
            ("320102202611280000000", CaseNumberError::Sequence),
        ] {
            assert_eq!(CaseNumber::parse(bad), Err(err), "{bad}");
        }
        assert!(CaseNumber::parse("320102202802290000001").is_ok()); // 2028 is
        assert!(CaseNumber::parse(" 320102202611280000001\n").is_ok());
    }

    #[test]
    fn numbers_sort_by_division_then_date_then_sequence() {
        let mut numbers: Vec<CaseNumber> = [
            "320102202611280000002",
            "320102202611290000001",
            "110105202612310000009",
            "320102202611280000001",
            "320105202601010000001",
        ]
        .into_iter()
        .map(|s| CaseNumber::parse(s).unwrap())
        .collect();
        numbers.sort();
        let sorted: Vec<&str> = numbers.iter().map(CaseNumber::as_str).collect();
        assert_eq!(
            sorted,
            [
                "110105202612310000009",
                "320102202611280000001",
                "320102202611280000002",
                "320102202611290000001",
                "320105202601010000001",
            ]
        );
    }

    #[test]
    fn json_is_a_string_and_deserializing_checks_it() {
        let n = CaseNumber::parse("320102202611280000001").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, r#""320102202611280000001""#);
        assert_eq!(serde_json::from_str::<CaseNumber>(&json).unwrap(), n);
        assert!(serde_json::from_str::<CaseNumber>(r#""320102202602300000001""#).is_err());
        assert!(serde_json::from_str::<CaseNumber>("320102202611280000001").is_err());
    }

    #[test]
    fn the_schema_is_a_string_with_an_example() {
        use utoipa::{PartialSchema, ToSchema};
        assert_eq!(CaseNumber::name(), "CaseNumber");
        let schema = serde_json::to_value(CaseNumber::schema()).unwrap();
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["examples"][0], "320102202611280000001");
        assert_eq!(schema["minLength"], 21);
        assert_eq!(schema["maxLength"], 21);
        // The example itself is a valid case number.
        assert!(CaseNumber::parse(schema["examples"][0].as_str().unwrap()).is_ok());
    }

    /// Every date in the years 0001 to 9999 (day 1 is 0001-01-01, day 3 652 059 9999-12-31).
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (1i32..=3_652_059).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    proptest! {
        #[test]
        fn new_then_parse_round_trips(
            division in "[1-9][0-9]{5}",
            date in any_date(),
            seq in 1..=SEQUENCE_MAX,
        ) {
            let n = CaseNumber::new(&division, date, seq).unwrap();
            prop_assert_eq!(n.as_str().len(), LEN);
            let back = CaseNumber::parse(n.as_str()).unwrap();
            prop_assert_eq!(back.division_code(), division.as_str());
            prop_assert_eq!(back.date(), date);
            prop_assert_eq!(back.sequence(), seq);
            prop_assert_eq!(back, n);
        }

        #[test]
        fn lexical_order_is_date_then_sequence_order_within_a_division(
            division in "[1-9][0-9]{5}",
            a in (any_date(), 1..=SEQUENCE_MAX),
            b in (any_date(), 1..=SEQUENCE_MAX),
        ) {
            let na = CaseNumber::new(&division, a.0, a.1).unwrap();
            let nb = CaseNumber::new(&division, b.0, b.1).unwrap();
            prop_assert_eq!(na.as_str().cmp(nb.as_str()), a.cmp(&b));
            prop_assert_eq!(na.cmp(&nb), a.cmp(&b));
        }

        #[test]
        fn parse_keeps_what_it_accepts_and_names_what_it_refuses(
            s in "[1-9][0-9]{9}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{7}",
        ) {
            // Division, month and day ranges are right by construction: only an impossible
            // day (31 April, 29 February of a common year), year 0000 or sequence 0 remain.
            match CaseNumber::parse(&s) {
                Ok(n) => prop_assert_eq!(n.as_str(), s.as_str()),
                Err(e) => prop_assert!(
                    matches!(e, CaseNumberError::Date | CaseNumberError::Sequence),
                    "{s}: {e:?}"
                ),
            }
        }
    }
}
