//! Stylesheet, script and icon, compiled into the binary (no CDN, works offline).

use actix_web::{HttpResponse, http::header, web};

const STYLE: &str = include_str!("../assets/govhall.css");
const SCRIPT: &str = include_str!("../assets/govhall.js");
const ICON: &str = include_str!("../assets/icon.svg");

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/govhall.css",
        web::get().to(|| async { asset("text/css; charset=utf-8", STYLE) }),
    )
    .route(
        "/govhall.js",
        web::get().to(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
    )
    .route(
        "/icon.svg",
        web::get().to(|| async { asset("image/svg+xml", ICON) }),
    );
}
