//! Administrative division codes (行政区划代码, GB/T 2260; 9 digits for townships).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 省级.
    Province,
    /// 地市级.
    City,
    /// 区县级.
    County,
    /// 乡镇（街道）.
    Township,
}

impl Level {
    /// Wire and storage form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::County => "county",
            Self::Township => "township",
        }
    }

    /// The level a code's shape says it has.
    pub fn of(code: &str) -> Option<Self> {
        if !valid(code) {
            None
        } else if code.len() == 9 {
            Some(Self::Township)
        } else if code.ends_with("0000") {
            Some(Self::Province)
        } else if code.ends_with("00") {
            Some(Self::City)
        } else {
            Some(Self::County)
        }
    }
}

pub use govhall_contracts::division::{covers, prefix, valid};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_of_a_code_gives_its_level() {
        assert_eq!(Level::of("320000"), Some(Level::Province));
        assert_eq!(Level::of("320100"), Some(Level::City));
        assert_eq!(Level::of("320102"), Some(Level::County));
        assert_eq!(Level::of("320102001"), Some(Level::Township));
        assert_eq!(Level::of("32010"), None);
        assert_eq!(Level::of("32a100"), None);
    }
}
