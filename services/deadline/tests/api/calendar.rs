//! Calendar administration scenarios, each run on both backends.

use govhall_contracts::routing;
use govhall_web::{Principal, PrincipalKind, Role};
use serde_json::json;

use crate::{
    clocks::{accept, processing_clock, submit},
    helpers::{Backend, TestApp},
};

/// An administrator of `division`.
fn admin_of(app: &TestApp, division: &str) -> String {
    app.key
        .sign(&Principal {
            sub: format!("admin-{division}"),
            kind: PrincipalKind::Staff,
            roles: vec![Role::Admin],
            division: Some(division.into()),
            department: None,
        })
        .unwrap()
}

pub async fn a_calendar_change_moves_running_clocks_and_is_versioned(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
    assert_eq!(
        processing_clock(&app, case_id).await["due_at"],
        "2026-11-10T00:00:00+08:00"
    );
    let admin = app
        .key
        .sign(&Principal {
            sub: "admin-1".into(),
            kind: PrincipalKind::Staff,
            roles: vec![Role::Admin],
            division: Some("320000".into()),
            department: None,
        })
        .unwrap();

    // Nanjing (320100) declares a local holiday on Thu 5 Nov; the case is in 320102, below it.
    let change = json!({"division": "320100", "date": "2026-11-05", "kind": "holiday", "name": "地方节日", "reason": "市政府通知"});
    let (status, refused) = app
        .post(
            "/api/v1/calendar/days",
            &app.staff(&[Role::Leader], None),
            &change,
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    let (status, changed) = app.post("/api/v1/calendar/days", &admin, &change).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            changed["version"].as_i64(),
            changed["clocks_moved"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        processing_clock(&app, case_id).await["due_at"],
        "2026-11-11T00:00:00+08:00"
    );
    let moved = app
        .expect_events(routing::DEADLINE_CLOCK_DUE_CHANGED, case_id, 1)
        .await;
    assert_eq!(moved[0].payload["due_at"], "2026-11-11T00:00:00+08:00");

    // The public query sees it for the divisions below Nanjing, not for Suzhou.
    let (_, nanjing) = app
        .get(
            "/api/v1/calendar/due?start=2026-11-02&limit=5&division=320102",
            &admin,
        )
        .await;
    assert_eq!(nanjing["due_date"], "2026-11-10");
    let (_, suzhou) = app
        .get(
            "/api/v1/calendar/due?start=2026-11-02&limit=5&division=320500",
            &admin,
        )
        .await;
    assert_eq!(suzhou["due_date"], "2026-11-09");

    // Versioned: a stale version is refused; the list shows the overlay next to the shipped years.
    let stale = json!({"division": "320100", "date": "2026-11-06", "kind": "holiday", "reason": "x", "version": 7});
    let (status, conflict) = app.post("/api/v1/calendar/days", &admin, &stale).await;
    assert_eq!(
        (status, conflict["code"].as_str()),
        (409, Some("version_conflict"))
    );
    let (_, years) = app.get("/api/v1/calendar/years", &admin).await;
    let keys: Vec<(String, i64, i64)> = years["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["division"].as_str().unwrap().to_owned(),
                y["year"].as_i64().unwrap(),
                y["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        keys.contains(&("000000".into(), 2025, 1)) && keys.contains(&("000000".into(), 2026, 1)),
        "{keys:?}"
    );
    assert!(keys.contains(&("320100".into(), 2026, 1)), "{keys:?}");

    // Contradictory data is refused whole (the national calendar: by a national administrator).
    let bad = json!({"source": "x", "holidays": [{"from": "2027-02-01", "to": "2027-02-03", "name": "a"}], "workdays": ["2027-02-02"], "reason": "test"});
    let national = admin_of(&app, "000000");
    let (status, invalid) = app
        .put("/api/v1/calendar/years/2027", &national, &bad)
        .await;
    assert_eq!(status, 422, "{invalid}");
    let (_, years) = app.get("/api/v1/calendar/years", &admin).await;
    assert!(
        !years["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|y| y["year"] == 2027),
        "nothing stored"
    );

    // Back to normal: the clock moves back.
    let normal = json!({"division": "320100", "date": "2026-11-05", "kind": "normal", "reason": "撤销", "version": 1});
    let (status, _) = app.post("/api/v1/calendar/days", &admin, &normal).await;
    assert_eq!(status, 200);
    assert_eq!(
        processing_clock(&app, case_id).await["due_at"],
        "2026-11-10T00:00:00+08:00"
    );
}

pub async fn readiness_reports_a_missing_calendar_year_without_failing(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let admin = app.staff(&[Role::Admin], None);
    let (status, ready) = app.get("/readyz", &admin).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(
        ready["details"]["calendar"]["missing_years"],
        json!([2027]),
        "{ready}"
    );
    // And as a metric, for alerting.
    let (status, metrics) = app.text("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("govhall_calendar_missing{year=\"2027\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("govhall_calendar_missing{year=\"2026\"} 0"),
        "{metrics}"
    );
    // Once 2027 is loaded, nothing is missing.
    let year = json!({"source": "国务院办公厅关于2027年部分节假日安排的通知", "holidays": [{"from": "2027-01-01", "to": "2027-01-01", "name": "元旦"}], "workdays": [], "reason": "通知发布"});
    let admin_principal = admin_of(&app, "000000");
    let (status, stored) = app
        .put("/api/v1/calendar/years/2027", &admin_principal, &year)
        .await;
    assert_eq!(status, 200, "{stored}");
    let (_, ready) = app.get("/readyz", &admin).await;
    assert_eq!(
        ready["details"]["calendar"]["missing_years"],
        json!([]),
        "{ready}"
    );
    let (_, metrics) = app.text("/metrics").await;
    assert!(
        metrics.contains("govhall_calendar_missing{year=\"2027\"} 0"),
        "{metrics}"
    );
}

pub async fn a_calendar_change_cut_off_before_its_clocks_moved_is_finished_by_the_follower(
    backend: Backend,
) {
    use govhall_calendar::{YearCalendar, data::HolidayRange};
    use govhall_deadline::{ops::Actor, recompute, store::calendar_years};
    use sea_orm::TransactionTrait;
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
        accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
        assert_eq!(
            processing_clock(&app, case_id).await["due_at"],
            "2026-11-10T00:00:00+08:00"
        );
        cases.push(case_id);
    }
    // The state a crash right after the change committed leaves: the calendar and its job
    // are stored, no clock has moved yet.
    let db = govhall_runtime::connect_database(&app.database_url)
        .await
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-02T11:00:00+08:00").unwrap();
    let year = YearCalendar {
        year: 2026,
        source: "市政府通知".into(),
        holidays: vec![HolidayRange {
            from: chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(),
            name: "地方节日".into(),
        }],
        workdays: vec![],
    };
    let actor = Actor {
        subject: "admin-1".into(),
        reason: Some("test".into()),
        legal_basis: None,
        traceparent: None,
    };
    // This second connection writes beside the running service; on SQLite a write that
    // started as a read can meet the service's own write (SQLITE_BUSY): try again.
    let mut attempts = 0;
    loop {
        let stored = async {
            let txn = db.begin().await?;
            calendar_years::put(
                &txn,
                "320100",
                &year,
                None,
                "admin-1",
                Some("test".into()),
                now,
            )
            .await?;
            recompute::enqueue(&txn, "320100", &actor, now).await?;
            txn.commit().await
        }
        .await;
        match stored {
            Ok(()) => break,
            Err(e) if attempts < 20 => {
                attempts += 1;
                eprintln!("retrying the calendar write: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    // The calendar follower resumes the job: every clock moves, one event each.
    for case_id in cases {
        app.clocks_when(case_id, "the clock to move", |c| {
            c.iter()
                .any(|c| c["kind"] == "processing" && c["due_at"] == "2026-11-11T00:00:00+08:00")
        })
        .await;
        app.expect_events(routing::DEADLINE_CLOCK_DUE_CHANGED, case_id, 1)
            .await;
    }
}

/// The national calendar counts for every clock in the country: national administrators
/// alone change it. A division's overlay is changed by its own administrators and those above
/// it, not by a neighbour's nor by a city whose code merely starts alike (Yangzhou 321000,
/// Zhenjiang 321100).
pub async fn administrators_change_the_calendars_of_their_division_and_below_and_the_national_one_only_nationally(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let day = |division: &str| json!({"division": division, "date": "2026-11-05", "kind": "normal", "reason": "核对"});
    let year = json!({"source": "国务院办公厅关于2027年部分节假日安排的通知", "holidays": [{"from": "2027-01-01", "to": "2027-01-01", "name": "元旦"}], "workdays": [], "reason": "通知发布"});
    for own in ["320000", "320100", "321000"] {
        let admin = admin_of(&app, own);
        let (status, refused) = app.put("/api/v1/calendar/years/2027", &admin, &year).await;
        assert_eq!(status, 403, "{own} on the national year: {refused}");
        let (status, _) = app
            .post(
                "/api/v1/calendar/days",
                &admin,
                &json!({"date": "2026-11-05", "kind": "normal", "reason": "核对"}),
            )
            .await;
        assert_eq!(status, 403, "{own} on a national day");
    }
    for (own, overlay) in [
        ("321000", "321100"),
        ("320500", "320102"),
        ("320102", "320100"),
    ] {
        let (status, _) = app
            .post("/api/v1/calendar/days", &admin_of(&app, own), &day(overlay))
            .await;
        assert_eq!(status, 403, "{own} on {overlay}'s overlay");
    }
    let mut zhenjiang = year.clone();
    zhenjiang["division"] = json!("321100");
    let (status, _) = app
        .put(
            "/api/v1/calendar/years/2027",
            &admin_of(&app, "321000"),
            &zhenjiang,
        )
        .await;
    assert_eq!(status, 403);
    let (_, years) = app
        .get("/api/v1/calendar/years", &admin_of(&app, "320000"))
        .await;
    assert!(
        !years["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|y| y["year"] == 2027 || y["division"] != "000000"),
        "nothing stored: {years}"
    );
    for (own, overlay) in [
        ("321100", "321100"),
        ("320000", "321100"),
        ("320100", "320102"),
        ("000000", "320102"),
    ] {
        let (status, stored) = app
            .post("/api/v1/calendar/days", &admin_of(&app, own), &day(overlay))
            .await;
        assert_eq!(status, 200, "{own} on {overlay}'s overlay: {stored}");
    }
    let (status, stored) = app
        .put(
            "/api/v1/calendar/years/2027",
            &admin_of(&app, "000000"),
            &year,
        )
        .await;
    assert_eq!(status, 200, "{stored}");
}
