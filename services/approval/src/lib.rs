//! govhall-approval
