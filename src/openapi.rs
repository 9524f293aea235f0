//! The merged OpenAPI description of every service, as the gateway serves it.

use utoipa::OpenApi;
use utoipa::openapi::{InfoBuilder, OpenApi as Spec};

/// Merges the services' specs under one info block.
pub fn merged() -> Spec {
    let mut spec = govhall_intake::ApiDoc::openapi();
    spec.merge(govhall_deadline::ApiDoc::openapi());
    spec.merge(govhall_approval::ApiDoc::openapi());
    spec.merge(govhall_joint::ApiDoc::openapi());
    spec.info = InfoBuilder::new()
        .title("govhall API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "网上办事大厅 govhall: one window for applications (一窗受理), time-limited \
             processing (限时办理), parallel review (并联审批) and joint handling across levels \
             (跨层级联办). Errors are RFC 9457 problem+json.",
        ))
        .build();
    spec
}

/// The merged spec as pretty JSON with a trailing newline (the committed form).
pub fn merged_json() -> anyhow::Result<String> {
    Ok(merged().to_pretty_json()? + "\n")
}
