//! govhall-telemetry
