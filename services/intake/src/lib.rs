//! govhall-intake
