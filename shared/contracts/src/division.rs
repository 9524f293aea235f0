//! Administrative division codes (行政区划代码, GB/T 2260; 9 digits for townships) as every
//! service reads them: which codes lie at or below a division ("my division and below", for
//! supervisors and administrators; calendar overlays; joint handling's chains).
//!
//! The level is read from the shape of the code: `000000` is the country, `320000` a
//! province, `320100` a city, `320102` a county, `320102001` a township. Stripping trailing
//! zeros is not the same thing: Yangzhou `321000` would become `321` and cover Zhenjiang
//! `3211xx`, Taizhou `3212xx` and Suqian `3213xx` too.

/// The code of the whole country (the national calendar, national administrators).
pub const NATIONAL: &str = "000000";

/// Is `code` shaped like a division code (6 digits, or 9 for a township)?
pub fn valid(code: &str) -> bool {
    (code.len() == 6 || code.len() == 9) && code.bytes().all(|b| b.is_ascii_digit())
}

/// The prefix every code at or below `code` starts with: empty for the country, `32` for a
/// province (`320000`), `3201` for a city (`320100`), the whole code for a county (its
/// townships extend it) or a township. A string that is no division code covers only itself.
pub fn prefix(code: &str) -> &str {
    if !valid(code) || code.len() == 9 {
        code
    } else if code == NATIONAL {
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
        assert!(covers("320102", "320102001"));
        assert!(covers(NATIONAL, "500101"));
        assert!(!covers("320102", "320104"));
        assert!(!covers("320100", "320505"));
        assert!(!covers("320102", "320100"));
        assert!(!covers("320000", NATIONAL));
        assert!(!covers("330000", "320000"));
    }

    #[test]
    fn codes_sharing_leading_digits_are_not_below_one_another() {
        // Yangzhou is not Zhenjiang, Taizhou or Suqian.
        assert!(covers("321000", "321002"));
        assert!(!covers("321000", "321100"));
        assert!(!covers("321000", "321102"));
        assert!(!covers("321000", "321282"));
        assert!(!covers("321000", "321302"));
        // Chongqing is not Sichuan; a county ending in 0 is not its neighbours.
        assert!(covers("500000", "500101"));
        assert!(!covers("500000", "510104"));
        assert!(!covers("320110", "320111"));
    }

    #[test]
    fn something_that_is_no_division_code_covers_nothing() {
        assert!(!covers("", "320102"));
        assert!(!covers("32", "320102"));
        assert!(!covers("3201xx", "320102"));
        assert_eq!(prefix("abc"), "abc");
    }
}
