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

/// A case submitted in `division` (its acceptance clock counts there).
async fn submit_in(app: &TestApp, division: &str) -> uuid::Uuid {
    let case_id = uuid::Uuid::now_v7();
    let event = govhall_contracts::events::intake::CaseSubmitted {
        case_id,
        case_number: format!("{division}202611020001"),
        matter_code: "M".into(),
        division_code: division.into(),
        channel: "pc".into(),
        submitted_at: at("2026-11-02T09:00:00+08:00"),
    };
    app.publish_in(&event, case_id, "intake", division).await;
    case_id
}

/// I-3 and I-7: Yangzhou (321000) is not above Zhenjiang (321100) though both codes start
/// with `321`; a leader supervises his own division, not those below it; seeing a division
/// below is no licence to change its clocks.
pub async fn supervision_reaches_the_divisions_below_by_code_shape_and_leaders_see_their_own_only(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let zhenjiang = submit_in(&app, "321100").await;
    let xuanwu = submit_in(&app, "320102").await;
    let zj_clock = app
        .clocks_seen_by(
            &staff(&app, &[Role::WindowClerk], "321100"),
            zhenjiang,
            "the Zhenjiang acceptance clock",
            |c| !c.is_empty(),
        )
        .await[0]
        .clone();
    let zj_id = zj_clock["id"].as_str().unwrap().to_owned();
    let xw_id = app
        .clocks_when(xuanwu, "the Xuanwu acceptance clock", |c| !c.is_empty())
        .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let yangzhou = staff(&app, &[Role::Supervisor], "321000");
    let (status, _) = app.get(&format!("/api/v1/clocks/{zj_id}"), &yangzhou).await;
    assert_eq!(status, 404, "Yangzhou does not see Zhenjiang's clock");
    let (status, listed) = app.get("/api/v1/supervision/clocks", &yangzhou).await;
    assert_eq!((status, listed["items"].clone()), (200, json!([])));
    let (status, _) = app
        .get("/api/v1/supervision/clocks?division=321100", &yangzhou)
        .await;
    assert_eq!(status, 403);
    let jiangsu = staff(&app, &[Role::Supervisor], "320000");
    let (status, _) = app.get(&format!("/api/v1/clocks/{zj_id}"), &jiangsu).await;
    assert_eq!(status, 200, "the province is above Zhenjiang");

    // Nanjing's leader supervises Nanjing (320100) itself; its supervisor also what is below.
    let leader = staff(&app, &[Role::Leader], "320100");
    let (status, own) = app.get("/api/v1/supervision/clocks", &leader).await;
    assert_eq!((status, own["items"].clone()), (200, json!([])), "{own}");
    let (_, summary) = app
        .get("/api/v1/supervision/summary?kind=acceptance", &leader)
        .await;
    assert_eq!(summary["open"]["on_time"], 0, "{summary}");
    let (status, _) = app
        .get("/api/v1/supervision/clocks?division=320102", &leader)
        .await;
    assert_eq!(status, 403);
    let supervisor = staff(&app, &[Role::Supervisor], "320100");
    let (_, below) = app.get("/api/v1/supervision/clocks", &supervisor).await;
    assert_eq!(below["items"][0]["id"], xw_id.as_str(), "{below}");
    let (_, summary) = app
        .get("/api/v1/supervision/summary?kind=acceptance", &supervisor)
        .await;
    assert_eq!(summary["open"]["on_time"], 1, "{summary}");

    // A supervisor who is also a leader sees Xuanwu's clock but neither pauses nor extends it.
    let both = staff(&app, &[Role::Supervisor, Role::Leader], "320100");
    let (status, _) = app.get(&format!("/api/v1/clocks/{xw_id}"), &both).await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            &format!("/api/v1/clocks/{xw_id}/pause"),
            &both,
            &json!({"reason": "testing", "legal_basis": "行政许可法第四十五条"}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post(
            &format!("/api/v1/clocks/{xw_id}/extension"),
            &both,
            &json!({"value": 5, "reason": "情况复杂", "legal_basis": "行政许可法第四十二条"}),
        )
        .await;
    assert_eq!(status, 403);
}
