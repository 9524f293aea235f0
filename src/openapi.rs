//! The merged OpenAPI description of every service, as the gateway serves it.

use govhall_gateway::access::{ACCESS, Who, scope_for};
use utoipa::OpenApi;
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi as Spec, Ref, RefOr, ResponseBuilder,
    security::{
        ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    },
};

/// Merges the services' specs under one info block.
pub fn merged() -> Spec {
    let mut spec = govhall_intake::ApiDoc::openapi();
    spec.merge(govhall_deadline::ApiDoc::openapi());
    spec.merge(govhall_approval::ApiDoc::openapi());
    spec.merge(govhall_joint::ApiDoc::openapi());
    spec.merge(govhall_gateway::ApiDoc::openapi());
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
    components.security_schemes.insert(
        "api_key".into(),
        RefOr::T(SecurityScheme::ApiKey(ApiKey::Header(
            ApiKeyValue::with_description(
                "X-Api-Key",
                "An API key govhall issued to an integrator (`POST /api/v1/admin/api-keys`), \
             with the scopes listed on each operation integrators may call.",
            ),
        ))),
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
                let mut security = vec![SecurityRequirement::new("bearer", names)];
                if rule.audience.contains(Who::Integrator) {
                    let scope = scope_for(method, path);
                    note.push_str(&format!(" Integrators need the scope `{scope}`."));
                    security.push(SecurityRequirement::new("api_key", [scope]));
                }
                operation.security = Some(security);
            }
            gateway_responses(operation, rule.audience.contains(Who::Anonymous));
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

/// The answers the gateway itself may give on any operation, added where the service did not
/// document them already.
fn gateway_responses(operation: &mut utoipa::openapi::path::Operation, public: bool) {
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    let mut add = |code: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(code.to_owned())
            .or_insert_with(|| problem(description));
    };
    add(
        "400",
        "A malformed request: JSON, query parameter or header that cannot be read",
    );
    add(
        "401",
        "A credential that is malformed, unknown, expired or revoked (also on public operations)",
    );
    if !public {
        add("403", "The caller is not among those the operation serves");
    }
    add(
        "429",
        "Too many requests from this address or caller; `Retry-After` says when to retry",
    );
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| match body {
            RefOr::T(body) => body.content.keys().any(|media| media == "application/json"),
            RefOr::Ref(_) => false,
        });
    if operation.request_body.is_some() {
        add(
            "413",
            "The request body is larger than the operation accepts",
        );
    }
    if json_body {
        add("415", "The request body is not `application/json`");
    }
    let located = |place: utoipa::openapi::path::ParameterIn| {
        operation.parameters.as_ref().is_some_and(|parameters| {
            parameters
                .iter()
                .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
        })
    };
    let has_query = located(utoipa::openapi::path::ParameterIn::Query)
        || located(utoipa::openapi::path::ParameterIn::Header);
    let has_path = located(utoipa::openapi::path::ParameterIn::Path);
    if has_path {
        add(
            "404",
            "Nothing the caller may see has this id (or the id is not well formed)",
        );
    }
    if operation.request_body.is_some() || has_query {
        add(
            "422",
            "The request parses but breaks a rule; `errors` names each field or parameter",
        );
    }
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
                assert!(!security.is_empty(), "{path}");
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

    fn operations_of(spec: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
        let mut all = Vec::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                all.push((method.to_uppercase(), path.clone(), operation.clone()));
            }
        }
        all
    }

    /// The example of a media type: its own, or its schema's (through one `$ref`).
    fn example_of(
        spec: &serde_json::Value,
        media: &serde_json::Value,
    ) -> Option<serde_json::Value> {
        if let Some(example) = media.get("example") {
            return Some(example.clone());
        }
        let schema = &media["schema"];
        let target = match schema.get("$ref").and_then(|r| r.as_str()) {
            Some(reference) => spec.pointer(reference.trim_start_matches('#'))?,
            None => schema,
        };
        target
            .get("example")
            .cloned()
            .or_else(|| target["examples"].get(0).cloned())
    }

    /// Validates `instance` against the media type's schema, resolving `$ref`s in `spec`.
    fn check_against(
        spec: &serde_json::Value,
        schema: &serde_json::Value,
        instance: &serde_json::Value,
    ) -> Result<(), String> {
        let mut root = schema.clone();
        root["components"] = spec["components"].clone();
        let validator = jsonschema::validator_for(&root).map_err(|e| e.to_string())?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    #[test]
    fn every_operation_has_a_summary_error_responses_and_valid_examples() {
        let spec = serde_json::to_value(merged()).unwrap();
        let mut faults = Vec::new();
        for (method, path, operation) in operations_of(&spec) {
            let name = format!("{method} {path}");
            if operation["summary"].as_str().is_none_or(str::is_empty) {
                faults.push(format!("{name}: no summary"));
            }
            let responses = operation["responses"].as_object().unwrap();
            if !responses.keys().any(|code| code.starts_with('4')) {
                faults.push(format!("{name}: no error response"));
            }
            for (code, response) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    let problem = &response["content"]["application/problem+json"];
                    if problem.is_null() {
                        faults.push(format!("{name}: {code} is not problem+json"));
                    }
                }
            }
            for (code, response) in responses {
                if !code.starts_with('2') {
                    continue;
                }
                let Some(media) = response["content"].get("application/json") else {
                    continue;
                };
                // An array's example is its items'.
                let items = media["schema"]
                    .get("items")
                    .map(|items| serde_json::json!({ "schema": items }));
                let example = example_of(&spec, media)
                    .or_else(|| items.as_ref().and_then(|items| example_of(&spec, items)));
                match (example, &items) {
                    (None, _) => faults.push(format!("{name}: no example of its {code} response")),
                    (Some(example), Some(items)) if media.get("example").is_none() => {
                        if let Err(e) = check_against(&spec, &items["schema"], &example) {
                            faults.push(format!("{name}: the {code} example does not fit: {e}"));
                        }
                    }
                    (Some(example), _) => {
                        if let Err(e) = check_against(&spec, &media["schema"], &example) {
                            faults.push(format!("{name}: the {code} example does not fit: {e}"));
                        }
                    }
                }
            }
            let Some(content) = operation["requestBody"]["content"].as_object() else {
                continue;
            };
            for (media_type, media) in content {
                // A file upload's example would be a file.
                if media_type == "multipart/form-data" {
                    continue;
                }
                match example_of(&spec, media) {
                    None => faults.push(format!("{name}: no request example ({media_type})")),
                    Some(example) => {
                        if let Err(e) = check_against(&spec, &media["schema"], &example) {
                            faults.push(format!(
                                "{name}: the request example does not fit its schema: {e}"
                            ));
                        }
                    }
                }
            }
        }
        assert!(faults.is_empty(), "{}", faults.join("\n"));
    }
}
