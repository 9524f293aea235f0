//! govhall-deadline
