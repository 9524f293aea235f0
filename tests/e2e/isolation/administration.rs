//! Administration: a Zhenjiang matter, Zhenjiang and Xuanwu as divisions, Xuanwu's calendar
//! overlay and the national calendar, API keys.

use govhall_web::Role;
use serde_json::{Value, json};

use super::{
    probe::{Probe, Snapshot, Target},
    support::*,
};
use crate::flow;

/// Zhenjiang's administrator publishes a version of a matter and drafts the next; Yangzhou's
/// (whose code also starts with 321), Taizhou's and a Suzhou district's may not touch either.
pub async fn matters(p: &Probe<'_>) {
    let api = p.api;
    let admin = staff(p, "admin-zj", &[Role::Admin], ZHENJIANG, None);
    let mut spec = api
        .get(&format!("/api/v1/matters/{}", flow::SINGLE), None)
        .await
        .body;
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
    spec["implementation_code"] = json!(ZJ_MATTER);
    spec["division_code"] = json!(ZHENJIANG);
    spec["department"]["code"] = json!("321100-SCJGJ");
    spec["department"]["name"] = json!("镇江市市场监督管理局");
    let v1 = post(api, "/api/v1/admin/matters", &admin, spec.clone(), 201).await;
    let v1 = v1["id"].as_str().unwrap().to_owned();
    post(
        api,
        &format!("/api/v1/admin/matters/{v1}/publication"),
        &admin,
        json!({}),
        200,
    )
    .await;
    let v2 = post(api, "/api/v1/admin/matters", &admin, spec.clone(), 201).await;
    let v2 = v2["id"].as_str().unwrap().to_owned();
    let versions = |id: &str| {
        let id = id.to_owned();
        Snapshot::new(
            format!("/api/v1/admin/matters?code={ZJ_MATTER}"),
            &admin,
            move |r| {
                let v = item_of(r, "id", &id);
                json!([v["state"], v["row_version"], v["name"]])
            },
        )
    };
    let path = |id: &str, verb: &str| format!("/api/v1/admin/matters/{id}{verb}");
    p.check(
        Target::new(
            "PUT",
            "/api/v1/admin/matters/{id}",
            path(&v2, ""),
            ZHENJIANG,
            versions(&v2),
        )
        .body(spec),
    )
    .await;
    p.check(Target::new(
        "POST",
        "/api/v1/admin/matters/{id}/publication",
        path(&v2, "/publication"),
        ZHENJIANG,
        versions(&v2),
    ))
    .await;
    p.check(Target::new(
        "POST",
        "/api/v1/admin/matters/{id}/retirement",
        path(&v1, "/retirement"),
        ZHENJIANG,
        versions(&v1),
    ))
    .await;
}

/// Zhenjiang and Xuanwu as divisions: administrators elsewhere neither change, retire nor
/// read the audit log of them.
pub async fn divisions(p: &Probe<'_>) {
    for (code, parent) in [(ZHENJIANG, "320000"), (XUANWU, "320100")] {
        let now = p.api.get(&format!("/api/v1/divisions/{code}"), None).await;
        assert_eq!(now.status, 200, "{}", now.body);
        let snapshot = || public(format!("/api/v1/divisions/{code}"), division_view);
        let path = |verb: &str| format!("/api/v1/admin/divisions/{code}{verb}");
        p.check(
            Target::new("PUT", "/api/v1/admin/divisions/{code}", path(""), code, snapshot()).body(
                json!({"name": "改名", "parent_code": parent, "reason": "越权更名", "version": now.body["version"]}),
            ),
        )
        .await;
        p.check(Target::new(
            "GET",
            "/api/v1/admin/divisions/{code}/changes",
            path("/changes"),
            code,
            snapshot(),
        ))
        .await;
        p.check(
            Target::new(
                "POST",
                "/api/v1/admin/divisions/{code}/retirement",
                path("/retirement"),
                code,
                snapshot(),
            )
            .body(json!({"reason": "越权撤销", "version": now.body["version"]})),
        )
        .await;
    }
}

/// Xuanwu's overlay of 2026, made by its administrator: others' administrators may not
/// replace it. The national year: only national administrators replace it.
pub async fn calendars(p: &Probe<'_>) {
    let api = p.api;
    let admin = staff(p, "admin-xw", &[Role::Admin], XUANWU, None);
    post(
        api,
        "/api/v1/calendar/days",
        &admin,
        json!({"division": XUANWU, "date": "2026-11-05", "kind": "normal", "reason": "核对本区日历"}),
        200,
    )
    .await;
    let year = |scope: &'static str| {
        public("/api/v1/calendar/years".into(), move |r| {
            let y = r.body["items"]
                .as_array()
                .and_then(|l| {
                    l.iter()
                        .find(|y| y["division"] == scope && y["year"] == 2026)
                })
                .cloned()
                .unwrap_or(Value::Null);
            json!([y["version"], y["source"]])
        })
    };
    p.check(
        Target::new(
            "PUT",
            "/api/v1/calendar/years/{year}",
            "/api/v1/calendar/years/2026".into(),
            XUANWU,
            year(XUANWU),
        )
        .body(json!({"division": XUANWU, "source": "越权", "holidays": [], "workdays": [], "reason": "越权"})),
    )
    .await;
    let national = api.get("/api/v1/calendar/years", None).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["division"] == "000000" && y["year"] == 2026)
        .unwrap()
        .clone();
    p.check(
        Target::new(
            "PUT",
            "/api/v1/calendar/years/{year}",
            "/api/v1/calendar/years/2026".into(),
            "000000",
            year("000000"),
        )
        .body(
            json!({"source": national["source"], "holidays": national["holidays"],
            "workdays": national["workdays"], "reason": "越权", "version": national["version"]}),
        ),
    )
    .await;
}

/// API keys issued by Xuanwu's and Zhenjiang's administrators: no other division's reads or
/// revokes them.
pub async fn api_keys(p: &Probe<'_>) {
    for (division, client) in [(XUANWU, "xw-integrator"), (ZHENJIANG, "zj-integrator")] {
        let admin = staff(
            p,
            &format!("admin-{division}"),
            &[Role::Admin],
            division,
            None,
        );
        let issued = post(
            p.api,
            "/api/v1/admin/api-keys",
            &admin,
            json!({"client_id": client, "name": "不动产登记系统", "scopes": ["cases:read"]}),
            201,
        )
        .await;
        let id = issued["api_key"]["id"].as_str().unwrap().to_owned();
        let at = |verb: &str| format!("/api/v1/admin/api-keys/{id}{verb}");
        let kept = || {
            Snapshot::new(at(""), &admin, |r| {
                json!([r.body["state"], r.body["revoked_at"]])
            })
        };
        p.check(Target::new(
            "GET",
            "/api/v1/admin/api-keys/{id}",
            at(""),
            division,
            kept(),
        ))
        .await;
        p.check(Target::new(
            "POST",
            "/api/v1/admin/api-keys/{id}/revocation",
            at("/revocation"),
            division,
            kept(),
        ))
        .await;
    }
}
