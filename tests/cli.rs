//! The command line: settings errors name their key, `token` is refused when the
//! development issuer is off, and the committed OpenAPI file matches the code.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

fn govhall(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_govhall"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn the_committed_openapi_file_matches_the_code() {
    let out = govhall(&["openapi"], &[]);
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    let spec: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for path in [
        "/api/v1/cases",
        "/api/v1/cases/{id}/acceptance",
        "/api/v1/tasks/{id}/opinion",
        "/api/v1/clocks",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from the spec"
        );
    }
}

#[test]
fn the_committed_asyncapi_file_matches_the_code() {
    let out = govhall(&["asyncapi"], &[]);
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/asyncapi.yaml"
    ))
    .unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/asyncapi.yaml is stale: run `cargo run -- asyncapi > openapi/asyncapi.yaml`"
    );
    assert!(generated.contains("\nasyncapi: 3.0.0\n"));
    for channel in ["intake.case.submitted:", "joint.stage.sent:"] {
        assert!(
            generated.contains(&format!("\n  {channel}\n")),
            "{channel} missing from the document"
        );
    }
}

#[test]
fn a_malformed_setting_is_refused_naming_its_key() {
    let out = govhall(&["openapi"], &[("GOVHALL_BUS__DELIVERY_LIMIT", "0")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GOVHALL_BUS__DELIVERY_LIMIT"));
    let out = govhall(&["openapi"], &[("GOVHALL_HTTP__PORT", "not-a-port")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("port"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn serve_without_the_internal_key_is_refused_naming_the_key() {
    let out = govhall(&["serve", "intake"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GOVHALL_INTERNAL_KEY"));
}

#[test]
fn token_is_refused_when_the_development_issuer_is_disabled() {
    let dir = std::env::temp_dir().join(format!("govhall-cli-{}", uuid::Uuid::new_v4().simple()));
    let dir = dir.to_str().unwrap();
    let refused = govhall(
        &["token", "--role", "window-clerk"],
        &[
            ("GOVHALL_DEV_ISSUER__ENABLED", "false"),
            ("GOVHALL_DATA_DIR", dir),
        ],
    );
    assert!(!refused.status.success());
    let minted = govhall(
        &["token", "--role", "window-clerk", "--division", "320102"],
        &[("GOVHALL_DATA_DIR", dir)],
    );
    assert!(
        minted.status.success(),
        "{}",
        String::from_utf8_lossy(&minted.stderr)
    );
    let token = String::from_utf8(minted.stdout).unwrap();
    assert_eq!(token.trim().split('.').count(), 3, "a JWT");
}

#[test]
fn a_settings_file_is_read_and_checked_like_the_environment() {
    let dir = std::env::temp_dir().join(format!("govhall-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("govhall.toml");
    std::fs::write(&file, "[log]\nformat = \"yaml\"\n").unwrap();
    let out = govhall(&["--config", file.to_str().unwrap(), "openapi"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GOVHALL_LOG__FORMAT"));
    // The environment overrides the file.
    let out = govhall(
        &["--config", file.to_str().unwrap(), "openapi"],
        &[("GOVHALL_LOG__FORMAT", "json")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn migrate_creates_every_service_database() {
    let dir = std::env::temp_dir().join(format!("govhall-cli-{}", uuid::Uuid::new_v4().simple()));
    let out = govhall(&["migrate"], &[("GOVHALL_DATA_DIR", dir.to_str().unwrap())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for service in ["intake", "deadline", "approval", "joint", "gateway"] {
        assert!(dir.join(format!("{service}.db")).exists(), "{service}.db");
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("migrated {service}")));
    }
    // Again: nothing left to apply, still fine.
    assert!(
        govhall(
            &["migrate", "intake"],
            &[("GOVHALL_DATA_DIR", dir.to_str().unwrap())]
        )
        .status
        .success()
    );
}

#[test]
fn migrate_refuses_to_fall_back_to_sqlite_when_a_deployment_names_only_some_databases() {
    let dir = std::env::temp_dir().join(format!("govhall-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let intake = format!(
        "sqlite://{}?mode=rwc",
        dir.join("named-intake.db").display()
    );
    let env = [
        ("GOVHALL_DATA_DIR", dir.to_str().unwrap()),
        ("GOVHALL_DATABASE__INTAKE", intake.as_str()),
    ];
    let out = govhall(&["migrate"], &env);
    assert!(!out.status.success(), "a missing database is an error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GOVHALL_DATABASE__DEADLINE"), "{stderr}");
    assert!(
        !dir.join("deadline.db").exists(),
        "no throwaway SQLite file was migrated in its place"
    );
    // The named one alone is fine, and the gateway's database may be left out.
    let out = govhall(&["migrate", "intake"], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("named-intake.db").exists());
    let out = govhall(&["migrate", "gateway"], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped gateway"));
    assert!(!dir.join("gateway.db").exists());
}

#[test]
fn dead_letters_are_refused_for_the_gateway_and_without_a_broker() {
    let out = govhall(&["dead-letters", "gateway"], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the gateway consumes no queue"), "{stderr}");

    let out = govhall(&["dead-letters", "intake"], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GOVHALL_BUS__URL is required"), "{stderr}");
}
