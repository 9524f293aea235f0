//! Unified social credit codes (统一社会信用代码, GB 32100-2015).
//!
//! Layout of the 18 characters: 1 registration authority, 2 organisation type, 3–8
//! administrative division (GB/T 2260, digits), 9–17 organisation code (GB 11714), 18 check
//! character over the first 17 (weight of position i is 3^(i-1) mod 31; sum modulo 31).

use std::fmt;

use super::id_number::mask;

/// An 18-character unified social credit code whose check character is right.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

/// The 31 characters of GB 32100 in value order (no I, O, Z, S, V).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a unified social credit code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not 18 characters of the GB 32100 alphabet with digits at positions 3–8.
    #[error("应为 18 位，由数字和除 I、O、S、V、Z 以外的大写字母组成，第 3–8 位为数字")]
    Format,
    /// The check character does not match (GB 32100 modulo 31).
    #[error("最后一位校验码不正确，请核对")]
    Checksum,
}

impl CreditCode {
    /// Parses and checks a credit code (surrounding spaces and lower case are accepted).
    ///
    /// The organisation code's own check character (position 17, GB 11714) is not verified
    /// separately: position 18 already covers all 17 characters before it.
    pub fn parse(s: &str) -> Result<Self, CreditCodeError> {
        let s = s.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 18
            || !bytes[2..8].iter().all(u8::is_ascii_digit)
            || !bytes.iter().all(|b| value(*b).is_some())
        {
            return Err(CreditCodeError::Format);
        }
        let expected = Self::check_char(&s[..17]).ok_or(CreditCodeError::Format)?;
        if char::from(bytes[17]) != expected {
            return Err(CreditCodeError::Checksum);
        }
        Ok(Self(s))
    }

    /// The full code (only for those who need it).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division code of the registering authority (positions 3–8).
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Masked for display: first 6 and last 4 kept (`913501********0Y43`).
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// Computes the check character for 17 upper-case alphabet characters (for tests and
    /// fixtures); `None` if `first17` is anything else.
    pub fn check_char(first17: &str) -> Option<char> {
        let bytes = first17.as_bytes();
        if bytes.len() != 17 {
            return None;
        }
        let mut sum = 0;
        for (b, w) in bytes.iter().zip(WEIGHTS) {
            sum += value(*b)? * w;
        }
        // 31 - (sum mod 31), where 31 itself stands for 0.
        let check = (31 - sum % 31) % 31;
        ALPHABET.get(check as usize).map(|b| char::from(*b))
    }
}

/// The value (0–30) of an alphabet character, `None` for any other byte.
fn value(b: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|a| *a == b)
        .and_then(|i| u32::try_from(i).ok())
}

impl fmt::Debug for CreditCode {
    // Masked even in debug output, like ID numbers: a sole trader's code points at a person.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// 17 characters that are valid at their positions: digits at 3–8, the alphabet elsewhere.
    const FIRST17: &str = "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}";

    #[test]
    fn published_codes_are_accepted() {
        // The sample commonly cited with GB 32100 (Fuzhou, 350100).
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        // Huawei Technologies Co., Ltd. and Shenzhen Tencent Computer Systems Co., Ltd., as
        // printed on their business licences; both also pass the GB 11714 check at 17.
        assert!(CreditCode::parse("914403001922038216").is_ok());
        assert!(CreditCode::parse("91440300708461136T").is_ok());
    }

    #[test]
    fn spaces_and_lower_case_are_normalised() {
        let code = CreditCode::parse(" 91440300708461136t\n").unwrap();
        assert_eq!(code.as_str(), "91440300708461136T");
    }

    #[test]
    fn parts_and_mask_are_read_from_the_code() {
        let code = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.division_code(), "350100");
        assert_eq!(code.masked(), "913501********0Y43");
    }

    #[test]
    fn debug_output_is_masked() {
        let code = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(format!("{code:?}"), "CreditCode(913501********0Y43)");
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::Checksum)
        );
        assert_eq!(
            CreditCode::parse("914403001922038217"),
            Err(CreditCodeError::Checksum)
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in [
            "",
            "91350100M000100Y4",   // 17 characters
            "91350100M000100Y433", // 19 characters
            "91350100M0001O0Y43",  // letter O
            "91350100M0001I0Y43",  // letter I
            "9135010SM000100Y43",  // letter in the division code
            "91350100M000100Y4３", // full-width digit
        ] {
            assert_eq!(
                CreditCode::parse(bad),
                Err(CreditCodeError::Format),
                "{bad}"
            );
        }
    }

    #[test]
    fn check_value_31_is_written_as_zero() {
        // A weighted sum divisible by 31 gives 31 - 0 = 31, which the standard writes as 0.
        assert_eq!(CreditCode::check_char("00000000000000000"), Some('0'));
        assert!(CreditCode::parse("000000000000000000").is_ok());
    }

    #[test]
    fn check_char_refuses_what_is_not_17_alphabet_characters() {
        assert_eq!(CreditCode::check_char("91350100M000100Y"), None);
        assert_eq!(CreditCode::check_char("91350100M000100y4"), None);
        assert_eq!(CreditCode::check_char("91350100M000100Z4"), None);
    }

    proptest! {
        #[test]
        fn any_17_characters_with_their_check_character_parse(head in FIRST17) {
            let c = CreditCode::check_char(&head).unwrap();
            let code = CreditCode::parse(&format!("{head}{c}")).unwrap();
            prop_assert_eq!(code.as_str(), format!("{head}{c}"));
        }

        #[test]
        fn changing_one_character_is_detected(
            head in FIRST17,
            pos in 0usize..18,
            delta in 1usize..31,
        ) {
            let c = CreditCode::check_char(&head).unwrap();
            let mut bytes = format!("{head}{c}").into_bytes();
            let i = ALPHABET.iter().position(|a| *a == bytes[pos]).unwrap();
            bytes[pos] = ALPHABET[(i + delta) % 31];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&changed).is_err());
        }
    }
}
