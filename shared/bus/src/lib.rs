//! govhall-bus
