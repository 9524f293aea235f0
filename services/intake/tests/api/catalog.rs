//! The catalog: public search and the admin versioning.

use govhall_web::Role;
use serde_json::json;

use crate::helpers::{Backend, FOOD, TestApp};

pub async fn a_new_version_is_drafted_edited_and_published_and_the_old_one_retired(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    // Public, no login: the seed catalog covers Jiangsu and can be searched.
    let (status, all) = app.get("/api/v1/matters?per_page=100", None).await;
    assert_eq!(status, 200);
    assert!(all["total"].as_u64().unwrap() >= 12, "{}", all["total"]);
    let (_, nanjing) = app
        .get("/api/v1/matters?division=3201&q=%E9%A3%9F%E5%93%81", None)
        .await;
    assert_eq!(nanjing["items"][0]["implementation_code"], FOOD);
    let (_, v1) = app.get(&format!("/api/v1/matters/{FOOD}"), None).await;
    assert_eq!(v1["version"], 1);

    let admin = app.staff("admin-1", &[Role::Admin], "320100");
    let mut spec = v1.clone();
    for k in [
        "id",
        "version",
        "state",
        "row_version",
        "published_at",
        "retired_at",
    ] {
        spec.as_object_mut().unwrap().remove(k);
    }
    spec["committed_limit"] = json!({"value": 8, "unit": "working_days"});
    let (status, draft) = app.post("/api/v1/admin/matters", &admin, &spec).await;
    assert_eq!(
        (status, draft["version"].as_i64(), draft["state"].as_str()),
        (201, Some(2), Some("draft")),
        "{draft}"
    );
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    // Faulty edits are refused with every field; a good one saves.
    let mut bad = spec.clone();
    bad["committed_limit"] = json!({"value": 30, "unit": "working_days"});
    bad["name"] = json!("");
    let (status, problem) = app
        .put(
            &format!("/api/v1/admin/matters/{draft_id}"),
            &admin,
            &bad,
            &[],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    spec["max_visits"] = json!(0);
    let (status, _) = app
        .put(
            &format!("/api/v1/admin/matters/{draft_id}"),
            &admin,
            &spec,
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(status, 200);
    // Another division's admin may not touch it; a citizen may not either.
    let foreign = app.staff("admin-2", &[Role::Admin], "320500");
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/matters/{draft_id}/publication"),
            &foreign,
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post("/api/v1/admin/matters", &app.citizen("c"), &spec)
        .await;
    assert_eq!(status, 403);
    let (status, published) = app
        .post(
            &format!("/api/v1/admin/matters/{draft_id}/publication"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, published["state"].as_str()),
        (200, Some("published")),
        "{published}"
    );
    let (_, current) = app.get(&format!("/api/v1/matters/{FOOD}"), None).await;
    assert_eq!(
        (
            current["version"].as_i64(),
            current["committed_limit"]["value"].as_i64()
        ),
        (Some(2), Some(8))
    );
    let (_, versions) = app
        .get(&format!("/api/v1/admin/matters?code={FOOD}"), Some(&admin))
        .await;
    let states: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["published", "retired"]);
    // A published version is immutable.
    let (status, problem) = app
        .put(
            &format!("/api/v1/admin/matters/{draft_id}"),
            &admin,
            &spec,
            &[],
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    // A case submitted now records version 2.
    let created = app.submit_food("citizen-v").await;
    assert_eq!(created["matter"]["version"], 2);
    app.stop().await;
}

/// I-3: "my division and below" is read from the shape of the code. Yangzhou (321000) is not
/// above Zhenjiang (321100), though both codes start with `321`.
pub async fn an_administrator_manages_the_matters_of_his_division_and_below_only(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let (_, food) = app.get(&format!("/api/v1/matters/{FOOD}"), None).await;
    let mut spec = food.clone();
    for k in [
        "id",
        "version",
        "state",
        "row_version",
        "published_at",
        "retired_at",
    ] {
        spec.as_object_mut().unwrap().remove(k);
    }
    spec["implementation_code"] = json!("11321100MB1234567X4000117001");
    spec["division_code"] = json!("321100");
    spec["department"]["code"] = json!("321100-SCJGJ");
    spec["department"]["name"] = json!("镇江市市场监督管理局");
    for division in ["321000", "320100", "320102"] {
        let admin = app.staff("admin-x", &[Role::Admin], division);
        let (status, problem) = app.post("/api/v1/admin/matters", &admin, &spec).await;
        assert_eq!(status, 403, "an admin of {division}: {problem}");
    }
    let zhenjiang = app.staff("admin-zj", &[Role::Admin], "321100");
    let (status, draft) = app.post("/api/v1/admin/matters", &zhenjiang, &spec).await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let yangzhou = app.staff("admin-yz", &[Role::Admin], "321000");
    let (status, _) = app
        .put(
            &format!("/api/v1/admin/matters/{id}"),
            &yangzhou,
            &spec,
            &[],
        )
        .await;
    assert_eq!(status, 403);
    for action in ["publication", "retirement"] {
        let (status, _) = app
            .post(
                &format!("/api/v1/admin/matters/{id}/{action}"),
                &yangzhou,
                &json!({}),
            )
            .await;
        assert_eq!(status, 403, "{action}");
    }
    let (_, listed) = app
        .get(
            "/api/v1/admin/matters?code=11321100MB1234567X4000117001",
            Some(&yangzhou),
        )
        .await;
    assert_eq!(listed, json!([]), "nor are its versions listed to him");
    // The province is above both.
    let jiangsu = app.staff("admin-js", &[Role::Admin], "320000");
    let (status, published) = app
        .post(
            &format!("/api/v1/admin/matters/{id}/publication"),
            &jiangsu,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    app.stop().await;
}
