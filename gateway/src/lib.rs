//! govhall-gateway
