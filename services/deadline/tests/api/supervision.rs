//! Supervision scenarios, each run on both backends.

use govhall_web::{Principal, PrincipalKind, Role};
use serde_json::json;

use crate::{
    clocks::{accept, processing_clock, submit},
    helpers::{Backend, TestApp, at},
};

fn staff(app: &TestApp, roles: &[Role], division: &str) -> String {
    app.key
        .sign(&Principal {
            sub: "s".into(),
            kind: PrincipalKind::Staff,
            roles: roles.to_vec(),
            division: Some(division.into()),
            department: None,
        })
        .unwrap()
}

pub async fn a_supervisor_sees_clocks_by_status_and_the_figures_of_a_period(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    // Three cases in Xuanwu (320102): one that will be late, one paused, one finished on time.
    let late = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, late, "2026-11-02T10:00:00+08:00", 2).await;
    let paused = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, paused, "2026-11-02T10:00:00+08:00", 10).await;
    let done = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, done, "2026-11-02T10:00:00+08:00", 10).await;
    let paused_clock = processing_clock(&app, paused).await;
    processing_clock(&app, late).await;
    processing_clock(&app, done).await;

    let clerk = app.staff(&[Role::WindowClerk], None);
    let body = json!({"reason": "testing", "legal_basis": "行政许可法第四十五条"});
    let (status, _) = app
        .post(
            &format!(
                "/api/v1/clocks/{}/pause",
                paused_clock["id"].as_str().unwrap()
            ),
            &clerk,
            &body,
        )
        .await;
    assert_eq!(status, 200);
    // The third case is decided on Wed 4 Nov: two of its ten working days used.
    app.clock
        .set(at("2026-11-04T15:00:00+08:00").with_timezone(&chrono::Utc));
    let decided = govhall_contracts::events::intake::CaseDecided {
        case_id: done,
        outcome: govhall_contracts::events::Outcome::Approved,
        decided_at: at("2026-11-04T15:00:00+08:00"),
    };
    app.publish(&decided, done, "intake").await;
    app.clocks_when(done, "the decision stops the clock", |c| {
        c.iter()
            .any(|c| c["kind"] == "processing" && c["state"] == "stopped")
    })
    .await;
    // The first case runs past its two working days (3, 4 Nov).
    app.clock
        .set(at("2026-11-05T09:00:00+08:00").with_timezone(&chrono::Utc));
    app.expect_events(govhall_contracts::routing::DEADLINE_CLOCK_OVERDUE, late, 1)
        .await;

    // A Jiangsu supervisor looks at Nanjing (below his province).
    let supervisor = staff(&app, &[Role::Supervisor], "320000");
    let (status, red) = app
        .get(
            "/api/v1/supervision/clocks?division=320100&status=red",
            &supervisor,
        )
        .await;
    assert_eq!(status, 200, "{red}");
    let red_cases: Vec<&str> = red["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_str().unwrap())
        .collect();
    assert_eq!(red_cases, [late.to_string()]);
    let (_, on_pause) = app
        .get(
            "/api/v1/supervision/clocks?status=paused&kind=processing",
            &supervisor,
        )
        .await;
    assert_eq!(on_pause["items"][0]["case_id"], paused.to_string());
    assert_eq!(on_pause["items"][0]["status"], "paused");

    let (status, summary) = app
        .get(
            "/api/v1/supervision/summary?division=320102&from=2026-11-01&to=2026-11-30",
            &supervisor,
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["open"]["red"], 1);
    assert_eq!(summary["open"]["paused"], 1);
    assert_eq!(summary["completed"]["count"], 1);
    assert_eq!(summary["completed"]["on_time_rate"], 1.0);
    assert_eq!(
        summary["completed"]["average_used_working_days"], 2.0,
        "{summary}"
    );
    assert_eq!(summary["completed"]["average_committed_working_days"], 10.0);

    // Scope: a Suzhou supervisor may not look at Nanjing; a clerk may not supervise.
    let (status, _) = app
        .get(
            "/api/v1/supervision/clocks?division=320102",
            &staff(&app, &[Role::Supervisor], "320500"),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.get("/api/v1/supervision/summary", &clerk).await;
    assert_eq!(status, 403);
    let (status, bad) = app
        .get(
            "/api/v1/supervision/summary?from=2026-12-01&to=2026-11-01",
            &supervisor,
        )
        .await;
    assert_eq!(
        (status, bad["errors"][0]["field"].as_str()),
        (422, Some("from"))
    );
}
