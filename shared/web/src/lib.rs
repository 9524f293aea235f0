//! govhall-web
