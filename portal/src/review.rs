//! (to be written)

use actix_web::web;

pub(crate) fn configure(_cfg: &mut web::ServiceConfig) {}
