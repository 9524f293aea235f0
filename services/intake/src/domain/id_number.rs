//! Resident identity card numbers (公民身份号码, GB 11643-1999).

use std::fmt;

/// An 18-character ID card number whose check character is right.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why an ID card number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 17 digits and a check character.
    #[error("应为 17 位数字加 1 位数字或 X")]
    Format,
    /// The check character does not match (GB 11643 ISO 7064 MOD 11-2).
    #[error("最后一位校验码不正确，请核对")]
    Checksum,
}

impl IdNumber {
    /// Parses and checks an ID card number (a lower-case `x` is accepted).
    pub fn parse(s: &str) -> Result<Self, IdNumberError> {
        let s = s.trim().to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
            return Err(IdNumberError::Format);
        }
        let sum: u32 = chars[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        if CHECK[(sum % 11) as usize] != chars[17] {
            return Err(IdNumberError::Checksum);
        }
        Ok(Self(s))
    }

    /// The full number (only for those who need it).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked for display: first 6 and last 4 kept (`320102********123X`).
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// Computes the check character for 17 digits (for tests and fixtures).
    pub fn check_char(first17: &str) -> Option<char> {
        if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sum: u32 = first17
            .chars()
            .zip(WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        Some(CHECK[(sum % 11) as usize])
    }
}

/// Masks a stored ID number: keeps the first 6 and last 4 characters.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

impl fmt::Debug for IdNumber {
    // Never print the full number, not even in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_published_sample_number_is_accepted() {
        // The sample from GB 11643-1999, appendix.
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::Checksum)
        );
        assert_eq!(
            IdNumber::parse("1101051949123100"),
            Err(IdNumberError::Format)
        );
    }

    #[test]
    fn debug_output_is_masked() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    proptest! {
        #[test]
        fn any_17_digits_with_their_check_character_parse(digits in "[0-9]{17}") {
            let c = IdNumber::check_char(&digits).unwrap();
            let id = format!("{digits}{c}");
            prop_assert!(IdNumber::parse(&id).is_ok());
        }

        #[test]
        fn changing_one_digit_is_detected(digits in "[0-9]{17}", pos in 0usize..17, delta in 1u32..10) {
            let c = IdNumber::check_char(&digits).unwrap();
            let mut chars: Vec<char> = digits.chars().collect();
            let d = chars[pos].to_digit(10).unwrap();
            chars[pos] = char::from_digit((d + delta) % 10, 10).unwrap();
            let changed: String = chars.into_iter().collect();
            let candidate = format!("{changed}{c}");
            prop_assert!(IdNumber::parse(&candidate).is_err());
        }
    }
}
