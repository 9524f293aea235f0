//! Administrative divisions (行政区划, GB/T 2260) as far as reviews need them: which codes lie
//! at or below a supervisor's division.
//!
//! The level is read from the shape of the code: `320000` is a province, `320100` a city,
//! `320102` a county, `000000` the country. Stripping trailing zeros is not the same thing:
//! Yangzhou `321000` would become `321` and cover Zhenjiang `3211xx` too.

/// Is `code` six ASCII digits?
pub fn valid(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The prefix every code at or below `code` starts with: empty for the country (`000000`),
/// `32` for a province, `3201` for a city, the whole code for a county.
pub fn prefix(code: &str) -> &str {
    if !valid(code) {
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
pub fn covers(above: &str, code: &str) -> bool {
    valid(above) && code.starts_with(prefix(above))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_division_covers_itself_and_the_divisions_below_it_only() {
        assert!(covers("320000", "320102"));
        assert!(covers("320100", "320102"));
        assert!(covers("320102", "320102"));
        assert!(covers("000000", "320102"));
        assert!(!covers("320102", "320104"));
        assert!(!covers("320102", "320100"));
    }

    #[test]
    fn codes_sharing_leading_digits_are_not_below_one_another() {
        assert!(covers("321000", "321002"));
        assert!(!covers("321000", "321100"));
        assert!(!covers("321000", "321302"));
        assert!(!covers("500000", "510104"));
        assert!(!covers("", "320102"));
    }
}
