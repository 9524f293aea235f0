//! Divisions (the rule of `govhall_contracts::division`, which the portal does not depend on).

use serde_json::Value;

use crate::{hall::items, text};

pub(super) fn valid_division(code: &str) -> bool {
    (code.len() == 6 || code.len() == 9) && code.bytes().all(|b| b.is_ascii_digit())
}

/// The prefix of every code at or below `code`.
pub(super) fn division_prefix(code: &str) -> &str {
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
pub(super) fn covers(above: &str, code: &str) -> bool {
    valid_division(above) && code.starts_with(division_prefix(above))
}

/// A division as listed by `GET /api/v1/divisions`.
pub(super) struct Division {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) parent: String,
    pub(super) level: String,
}

pub(super) fn divisions_of(list: &Value) -> Vec<Division> {
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
pub(super) fn choices(own: &str, all: &[Division]) -> Vec<(String, String)> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
