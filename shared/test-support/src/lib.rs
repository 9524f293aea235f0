//! govhall-test-support
