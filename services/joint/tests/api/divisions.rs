//! The division tree: seeded, public, changed by administrators within their area, audited;
//! a retired code resolves to its successor.

use govhall_web::Role;
use serde_json::json;

use crate::helpers::{Backend, TestApp};

pub async fn the_division_tree_is_seeded_changed_by_admins_and_retired_codes_still_resolve(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T10:00:00+08:00").await;
    // Public: the 13 cities of Jiangsu, and a retired district resolving to its successor.
    let (status, cities) = app.text("/api/v1/divisions?parent=320000").await;
    assert_eq!(status, 200);
    let cities: serde_json::Value = serde_json::from_str(&cities).unwrap();
    assert_eq!(
        cities["items"].as_array().map(Vec::len),
        Some(13),
        "{cities}"
    );
    let (status, bad) = app.text("/api/v1/divisions?include_retired=maybe").await;
    assert_eq!(status, 400, "{bad}");
    let (_, baixia) = app.text("/api/v1/divisions/320103").await;
    let baixia: serde_json::Value = serde_json::from_str(&baixia).unwrap();
    assert_eq!(
        (
            baixia["state"].as_str(),
            baixia["resolved"]["code"].as_str(),
            baixia["resolved"]["name"].as_str()
        ),
        (Some("retired"), Some("320104"), Some("秦淮区"))
    );
    assert_eq!(
        baixia["ancestors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["江苏省", "南京市"]
    );

    // Administrators change divisions at or below their own, with a reason.
    let nanjing_admin = app.staff("nj-admin", "320100", &[Role::Admin]);
    let suzhou_admin = app.staff("sz-admin", "320500", &[Role::Admin]);
    let clerk = app.staff("nj-clerk", "320100", &[Role::WindowClerk]);
    let new = json!({"name": "试验区", "parent_code": "320100", "reason": "测试"});
    let path = "/api/v1/admin/divisions/320119";
    let (status, _) = app.put(path, &suzhou_admin, &new).await;
    assert_eq!(status, 403);
    let (status, _) = app.put(path, &clerk, &new).await;
    assert_eq!(status, 403);
    let (status, bad) = app
        .put("/api/v1/admin/divisions/3201", &nanjing_admin, &new)
        .await;
    assert_eq!(
        (status, bad["errors"][0]["field"].as_str()),
        (422, Some("code"))
    );
    let (status, bad) = app
        .put(
            path,
            &nanjing_admin,
            &json!({"name": "", "parent_code": "320500", "reason": ""}),
        )
        .await;
    assert_eq!(status, 422);
    let mut fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, vec!["name", "parent_code", "reason"], "{bad}");
    let (status, created) = app.put(path, &nanjing_admin, &new).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["level"].as_str(), created["version"].as_i64()),
        (Some("county"), Some(1))
    );
    let rename =
        json!({"name": "江北新区试验区", "parent_code": "320100", "reason": "更名", "version": 1});
    let (status, renamed) = app.put(path, &nanjing_admin, &rename).await;
    assert_eq!((status, renamed["version"].as_i64()), (200, Some(2)));
    let (status, stale) = app.put(path, &nanjing_admin, &rename).await;
    assert_eq!(
        (status, stale["code"].as_str()),
        (409, Some("version_conflict"))
    );

    // Retiring: not while divisions below are active; then the code resolves on.
    let (status, busy) = app
        .post(
            "/api/v1/admin/divisions/320100/retirement",
            &app.staff("js-admin", "320000", &[Role::Admin]),
            &json!({"reason": "x", "version": 1}),
        )
        .await;
    assert_eq!((status, busy["code"].as_str()), (409, Some("has_children")));
    let (status, retired) = app
        .post(
            "/api/v1/admin/divisions/320119/retirement",
            &nanjing_admin,
            &json!({"successor_code": "320115", "reason": "并入江宁区", "version": 2}),
        )
        .await;
    assert_eq!(status, 200, "{retired}");
    let (_, gone) = app.text("/api/v1/divisions/320119").await;
    let gone: serde_json::Value = serde_json::from_str(&gone).unwrap();
    assert_eq!(gone["resolved"]["name"], "江宁区");
    let (_, active) = app.text("/api/v1/divisions?parent=320100").await;
    assert!(
        !active.contains("320119"),
        "retired codes are listed only on request"
    );
    let (_, all) = app
        .text("/api/v1/divisions?parent=320100&include_retired=true")
        .await;
    assert!(all.contains("320119"));

    let (status, log) = app
        .get("/api/v1/admin/divisions/320119/changes", &nanjing_admin)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["action"].as_str().unwrap(), c["actor"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        vec![
            ("created", "nj-admin"),
            ("updated", "nj-admin"),
            ("retired", "nj-admin")
        ]
    );
}
