//! The merged OpenAPI description of every service, as the gateway serves it.

use govhall_gateway::access::{ACCESS, Who, scope_for};
use utoipa::OpenApi;
use utoipa::openapi::{
    InfoBuilder, OpenApi as Spec, RefOr,
    security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
};

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
    document_access(&mut spec);
    spec
}

/// Writes the gateway's role × route matrix into the spec: a `bearer` scheme, and on every
/// operation the callers it serves (`security`) and, for integrators, the scope it needs.
fn document_access(spec: &mut Spec) {
    let components = spec.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "bearer".into(),
        RefOr::T(SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An access token of the identity provider (OIDC; integrators use OAuth2 \
                     client credentials) or, in standalone mode, of the development issuer \
                     (`govhall token`). Each operation lists the callers it serves: `citizen`, \
                     `legal_person`, `integrator` (with the scope `<resource>:read` or \
                     `<resource>:write`) and the staff roles `window_clerk`, `reviewer`, \
                     `leader`, `supervisor`, `admin`. Anyone else gets 403.",
                ))
                .build(),
        )),
    );
    for (path, item) in spec.paths.paths.iter_mut() {
        let operations = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("DELETE", &mut item.delete),
            ("PATCH", &mut item.patch),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            let Some(rule) = ACCESS
                .iter()
                .find(|rule| rule.method == method && rule.path == path)
            else {
                // Caught by `every_operation_has_exactly_one_access_rule`.
                continue;
            };
            let callers: Vec<&str> = rule.audience.members().map(Who::name).collect();
            let mut note = format!("Callers: {}.", callers.join(", "));
            if rule.audience.contains(Who::Anonymous) {
                operation.security = Some(vec![SecurityRequirement::default()]);
                note = "Callers: anyone, no login needed.".to_owned();
            } else {
                let names = callers.iter().copied();
                operation.security = Some(vec![SecurityRequirement::new("bearer", names)]);
                if rule.audience.contains(Who::Integrator) {
                    note.push_str(&format!(
                        " Integrators need the scope `{}`.",
                        scope_for(method, path)
                    ));
                }
            }
            operation.description = Some(match operation.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\n{note}"),
                _ => note,
            });
        }
    }
}

/// The merged spec as pretty JSON with a trailing newline (the committed form).
pub fn merged_json() -> anyhow::Result<String> {
    Ok(merged().to_pretty_json()? + "\n")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn operations(spec: &Spec) -> BTreeSet<(String, String)> {
        let mut all = BTreeSet::new();
        for (path, item) in &spec.paths.paths {
            for (method, present) in [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
                ("HEAD", item.head.is_some()),
                ("OPTIONS", item.options.is_some()),
                ("TRACE", item.trace.is_some()),
            ] {
                if present {
                    all.insert((method.to_owned(), path.clone()));
                }
            }
        }
        all
    }

    #[test]
    fn every_operation_has_exactly_one_access_rule() {
        let published = operations(&merged());
        let ruled: BTreeSet<(String, String)> = ACCESS
            .iter()
            .map(|rule| (rule.method.to_owned(), rule.path.to_owned()))
            .collect();
        let unruled: Vec<_> = published.difference(&ruled).collect();
        let unpublished: Vec<_> = ruled.difference(&published).collect();
        assert!(
            unruled.is_empty(),
            "operations without a row in gateway/src/access.rs: {unruled:?}"
        );
        assert!(
            unpublished.is_empty(),
            "rows in gateway/src/access.rs without an operation: {unpublished:?}"
        );
        assert_eq!(ruled.len(), ACCESS.len(), "a row appears twice");
    }

    #[test]
    fn every_operation_names_its_callers() {
        let spec = merged();
        for (path, item) in &spec.paths.paths {
            for operation in [&item.get, &item.post, &item.put, &item.delete]
                .into_iter()
                .flatten()
            {
                let security = operation.security.as_ref().unwrap_or_else(|| {
                    panic!("{path}: no security requirement");
                });
                assert_eq!(security.len(), 1, "{path}");
                assert!(
                    operation
                        .description
                        .as_deref()
                        .is_some_and(|d| d.contains("Callers:")),
                    "{path}"
                );
            }
        }
    }
}
