//! Ratings (好差评) and material files.

use govhall_contracts::{
    events::{
        LimitUnit, TimeLimit,
        deadline::{ClockKind, ClockStarted},
        intake::CaseRated,
    },
    routing,
};
use govhall_web::Role;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Backend, FOOD, TestApp, at};

pub async fn an_ended_case_is_rated_once_and_a_bad_rating_opens_a_rectification(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let me = app.citizen("citizen-r");
    // Not before the case has ended.
    let open = app.submit_food("citizen-r").await;
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{}/rating", open["id"].as_str().unwrap()),
            &me,
            &json!({"score": 5}),
        )
        .await;
    assert_eq!(status, 409);

    let id = app.completed_food_case("citizen-r").await;
    let (status, problem) = app
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &me,
            &json!({"score": 6}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("score"))
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &app.citizen("someone-else"),
            &json!({"score": 1}),
        )
        .await;
    assert_eq!(status, 404, "only the applicant rates");
    let (status, rated) = app
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &me,
            &json!({"score": 1, "comment": "多跑了两次"}),
        )
        .await;
    assert_eq!(status, 201, "{rated}");
    assert_eq!(rated["satisfaction"], "very_dissatisfied");
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &me,
            &json!({"score": 5}),
        )
        .await;
    assert_eq!(status, 409, "once per case");
    let events = app.expect_events(routing::INTAKE_CASE_RATED, &id, 1).await;
    let event: CaseRated = events[0].decode().unwrap();
    assert_eq!(
        event.rectification_limit,
        Some(TimeLimit {
            value: 15,
            unit: LimitUnit::WorkingDays
        })
    );

    // The deadline service counts the rectification's time; the department closes it.
    let case_id: Uuid = id.parse().unwrap();
    let started = ClockStarted {
        task_id: None,
        clock_id: Uuid::now_v7(),
        case_id,
        kind: ClockKind::Rectification,
        limit: TimeLimit {
            value: 15,
            unit: LimitUnit::WorkingDays,
        },
        started_at: at("2026-11-02T09:00:00+08:00"),
        due_at: at("2026-11-24T00:00:00+08:00"),
    };
    app.publish(&started, case_id, "deadline").await;
    let reviewer = app.staff("reviewer-r", &[Role::Reviewer], "320102");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let item = loop {
        let (_, items) = app.get("/api/v1/rectifications", Some(&reviewer)).await;
        let item = items[0].clone();
        if item["due_at"].is_string() {
            break item;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no due date: {items}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        (
            item["state"].as_str(),
            item["score"].as_i64(),
            item["due_at"].as_str()
        ),
        (Some("open"), Some(1), Some("2026-11-24T00:00:00+08:00"))
    );
    let (status, _) = app.get("/api/v1/rectifications", Some(&me)).await;
    assert_eq!(status, 403);
    // The city's supervisor sees it but does not rectify it, even as a leader; another
    // city's does not see it at all.
    let closure = format!(
        "/api/v1/rectifications/{}/closure",
        item["id"].as_str().unwrap()
    );
    let nanjing = app.staff("sup-nj", &[Role::Supervisor, Role::Leader], "320100");
    let (_, seen) = app.get("/api/v1/rectifications", Some(&nanjing)).await;
    assert_eq!(seen.as_array().map(Vec::len), Some(1), "{seen}");
    let (status, _) = app
        .post(&closure, &nanjing, &json!({"note": "越权整改"}))
        .await;
    assert_eq!(status, 403);
    let suzhou = app.staff("sup-sz", &[Role::Supervisor, Role::Leader], "320500");
    let (_, seen) = app.get("/api/v1/rectifications", Some(&suzhou)).await;
    assert_eq!(seen, json!([]));
    let (status, _) = app
        .post(&closure, &suzhou, &json!({"note": "越权整改"}))
        .await;
    assert_eq!(status, 404);
    let (status, closed) = app
        .post(
            &format!(
                "/api/v1/rectifications/{}/closure",
                item["id"].as_str().unwrap()
            ),
            &reviewer,
            &json!({"note": "已改进一次性告知"}),
        )
        .await;
    assert_eq!(
        (status, closed["state"].as_str()),
        (200, Some("closed")),
        "{closed}"
    );
    app.expect_events(routing::INTAKE_RECTIFICATION_CLOSED, &id, 1)
        .await;

    // Public statistics by matter, department and division.
    for (by, key) in [
        ("matter", FOOD),
        ("department", "320102-SCJGJ"),
        ("division", "320102"),
    ] {
        let (status, rows) = app
            .get(&format!("/api/v1/ratings/stats?by={by}&division=32"), None)
            .await;
        assert_eq!(status, 200, "{rows}");
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap_or_else(|| panic!("{by}: {rows}"));
        assert_eq!(
            (
                row["ratings"].as_i64(),
                row["bad"].as_i64(),
                row["average"].as_f64()
            ),
            (Some(1), Some(1), Some(1.0))
        );
    }
    let (status, _) = app.get("/api/v1/ratings/stats?by=anything", None).await;
    assert_eq!(status, 422);
    app.stop().await;
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

pub async fn materials_are_checked_stored_listed_and_read_only_by_those_who_may(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let me = app.citizen("citizen-m");
    let (status, draft) = app.post("/api/v1/drafts", &me, &json!({"matter_code": FOOD, "application": crate::helpers::application(FOOD, crate::helpers::food_form())})).await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let (status, stored) = app.upload(&id, "M1", &me, "application/pdf", PDF).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["sha256"].as_str(), Some(hex_sha256(PDF).as_str()));
    assert_eq!(stored["size"].as_u64(), Some(PDF.len() as u64));
    for (code, ct, bytes, field) in [
        ("M9", "application/pdf", PDF, "code"),
        ("M1", "text/plain", &b"hello"[..], "file"),
        ("M1", "application/pdf", &b"not a pdf"[..], "file"),
    ] {
        let (status, problem) = app.upload(&id, code, &me, ct, bytes).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{problem}"
        );
    }
    // Someone else can neither upload to, list nor read it.
    let other = app.citizen("citizen-n");
    let (status, _) = app.upload(&id, "M1", &other, "application/pdf", PDF).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(&format!("/api/v1/uploads/{id}"), Some(&other))
        .await;
    assert_eq!(status, 404);
    let file = stored["id"].as_str().unwrap();
    let (status, _) = app
        .raw(
            awc::http::Method::GET,
            &format!("/api/v1/materials/{file}"),
            Some(&other),
            None,
            &[],
        )
        .await;
    assert_eq!(status, 404);
    // The draft becomes a case with its files; the clerk reads them.
    let (status, _) = app
        .post(&format!("/api/v1/drafts/{id}/submission"), &me, &json!({}))
        .await;
    assert_eq!(status, 201);
    let (_, checklist) = app
        .get(&format!("/api/v1/uploads/{id}"), Some(&app.clerk()))
        .await;
    let m1 = checklist
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "M1")
        .unwrap();
    assert_eq!(m1["files"].as_array().unwrap().len(), 1, "{checklist}");
    let m2 = checklist
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "M2")
        .unwrap();
    assert_eq!(
        (
            m2["tolerable"].as_bool(),
            m2["files"].as_array().unwrap().len()
        ),
        (Some(true), 0)
    );
    let (status, bytes) = app
        .raw(
            awc::http::Method::GET,
            &format!("/api/v1/materials/{file}"),
            Some(&app.clerk()),
            None,
            &[],
        )
        .await;
    assert_eq!((status, bytes.as_slice()), (200, PDF));
    let foreign = app.staff("clerk-x", &[Role::WindowClerk], "320500");
    let (status, _) = app
        .raw(
            awc::http::Method::GET,
            &format!("/api/v1/materials/{file}"),
            Some(&foreign),
            None,
            &[],
        )
        .await;
    assert_eq!(status, 404, "a clerk of another division cannot read it");
    app.stop().await;
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
