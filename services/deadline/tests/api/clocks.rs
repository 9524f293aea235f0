//! Clock scenarios, each run on both backends.

use chrono::{Duration, Utc};
use govhall_contracts::{
    events::{
        LimitUnit, TimeLimit,
        intake::{CaseAccepted, CaseSubmitted, HandlingPlan, JoinRule},
    },
    routing,
};
use govhall_web::Role;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, at};

pub async fn submit(app: &TestApp, submitted_at: &str) -> Uuid {
    let case_id = Uuid::now_v7();
    let event = CaseSubmitted {
        case_id,
        case_number: "320102202602130001".into(),
        matter_code: "M".into(),
        division_code: "320102".into(),
        channel: "pc".into(),
        submitted_at: at(submitted_at),
    };
    app.publish(&event, case_id, "intake").await;
    case_id
}

pub async fn accept(app: &TestApp, case_id: Uuid, accepted_at: &str, working_days: u32) {
    let plan = HandlingPlan {
        matter_version: 1,
        kind: Default::default(),
        stages: vec![],
        departments: vec![],
        join_rule: JoinRule::All,
        time_limit: TimeLimit {
            value: working_days,
            unit: LimitUnit::WorkingDays,
        },
        statutory_limit: None,
        warning_ladder: None,
    };
    accept_with(app, case_id, accepted_at, plan).await;
}

pub async fn accept_with(app: &TestApp, case_id: Uuid, accepted_at: &str, plan: HandlingPlan) {
    let event = CaseAccepted {
        case_id,
        case_number: "n".into(),
        accepted_at: at(accepted_at),
        plan,
        deemed: false,
        commitment: None,
        summary: None,
    };
    app.publish(&event, case_id, "intake").await;
}

/// A review task of `department` opened for the case at 11:00 on 2 Nov 2026 (7 working days).
pub async fn open_task(
    app: &TestApp,
    case_id: Uuid,
    review_id: Uuid,
    task_id: Uuid,
    department: &str,
) {
    let opened = govhall_contracts::events::approval::TaskOpened {
        task_id,
        review_id,
        case_id,
        department_code: department.into(),
        division_code: Some("320102".into()),
        lead: false,
        time_limit: TimeLimit {
            value: 7,
            unit: LimitUnit::WorkingDays,
        },
        opened_at: at("2026-11-02T11:00:00+08:00"),
    };
    app.publish(&opened, case_id, "approval").await;
}

/// (department, state) of the case's task clocks, once one of them has stopped.
async fn task_states_once_one_stopped(
    app: &TestApp,
    case_id: Uuid,
    what: &str,
) -> Vec<(String, String)> {
    let clocks = app
        .clocks_when(case_id, what, |c| {
            c.iter()
                .any(|c| c["kind"] == "task" && c["state"] == "stopped")
        })
        .await;
    clocks
        .iter()
        .filter(|c| c["kind"] == "task")
        .map(|c| {
            (
                c["department_code"].as_str().unwrap().to_owned(),
                c["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub async fn processing_clock(app: &TestApp, case_id: Uuid) -> serde_json::Value {
    let clocks = app
        .clocks_when(case_id, "the processing clock", |c| {
            c.iter().any(|c| c["kind"] == "processing")
        })
        .await;
    clocks
        .into_iter()
        .find(|c| c["kind"] == "processing")
        .unwrap()
}

pub async fn a_submitted_case_starts_an_acceptance_clock_due_by_the_official_calendar(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-02-13T10:00:00+08:00").await;
    let case_id = submit(&app, "2026-02-13T10:00:00+08:00").await;
    let clocks = app
        .clocks_when(case_id, "the acceptance clock", |c| !c.is_empty())
        .await;
    // Five working days after Fri 13 Feb 2026: the make-up Saturday 14 Feb, then 24–27 Feb.
    assert_eq!(clocks[0]["kind"], "acceptance");
    assert_eq!(clocks[0]["due_at"], "2026-02-28T00:00:00+08:00");
    app.expect_events(routing::DEADLINE_CLOCK_STARTED, case_id, 1)
        .await;
}

pub async fn pause_and_resume_keep_the_working_days_left_and_are_recorded(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-02-09T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-02-09T09:00:00+08:00").await;
    accept(&app, case_id, "2026-02-09T10:00:00+08:00", 10).await;
    let clock = processing_clock(&app, case_id).await;
    // 10 working days from Mon 9 Feb: 10–14 Feb (14 is a make-up Saturday), 24–28 Feb
    // (28 is one too): due at the end of Sat 28 Feb.
    assert_eq!(clock["due_at"], "2026-03-01T00:00:00+08:00");
    let id = clock["id"].as_str().unwrap().to_owned();
    let reviewer = app.staff(&[Role::Reviewer], None);

    // Paused on Thu 12 Feb for an expert review: left after 12 Feb are 13, 14, 24–28 Feb = 7.
    app.clock
        .set(at("2026-02-12T15:00:00+08:00").with_timezone(&Utc));
    let body = json!({"reason": "expert_review", "note": "组织专家评审", "legal_basis": "行政许可法第四十五条", "version": clock["version"]});
    let (status, paused) = app
        .post(&format!("/api/v1/clocks/{id}/pause"), &reviewer, &body)
        .await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(
        (paused["state"].as_str(), paused["remaining_value"].as_i64()),
        (Some("paused"), Some(7))
    );

    // Resumed on Tue 3 Mar: 4, 5, 6, 9, 10, 11, 12 Mar.
    app.clock
        .set(at("2026-03-03T09:00:00+08:00").with_timezone(&Utc));
    let (status, resumed) = app
        .post(
            &format!("/api/v1/clocks/{id}/resume"),
            &reviewer,
            &json!({"note": "评审结束"}),
        )
        .await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["state"], "running");
    assert_eq!(resumed["due_at"], "2026-03-13T00:00:00+08:00");

    let (_, detail) = app.get(&format!("/api/v1/clocks/{id}"), &reviewer).await;
    let operations: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations, ["started", "paused", "resumed"]);
    assert_eq!(detail["history"][1]["legal_basis"], "行政许可法第四十五条");
    assert_eq!(detail["history"][1]["actor"], "staff-1");
    app.expect_events(routing::DEADLINE_CLOCK_PAUSED, case_id, 1)
        .await;
    app.expect_events(routing::DEADLINE_CLOCK_RESUMED, case_id, 1)
        .await;
}

pub async fn a_clock_is_extended_once_and_only_by_a_leader(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
    let clock = processing_clock(&app, case_id).await;
    assert_eq!(clock["due_at"], "2026-11-10T00:00:00+08:00");
    let id = clock["id"].as_str().unwrap().to_owned();
    let body = json!({"value": 10, "reason": "情况复杂", "legal_basis": "行政许可法第四十二条"});

    let (status, refused) = app
        .post(
            &format!("/api/v1/clocks/{id}/extension"),
            &app.staff(&[Role::Reviewer], None),
            &body,
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    let leader = app.staff(&[Role::Leader], None);
    let (status, extended) = app
        .post(&format!("/api/v1/clocks/{id}/extension"), &leader, &body)
        .await;
    assert_eq!(status, 200, "{extended}");
    // Ten more working days after Mon 9 Nov: 10–13, 16–20, 23 Nov.
    assert_eq!(
        (extended["due_at"].as_str(), extended["extended"].as_bool()),
        (Some("2026-11-24T00:00:00+08:00"), Some(true))
    );
    let (status, again) = app
        .post(&format!("/api/v1/clocks/{id}/extension"), &leader, &body)
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("already_extended"))
    );
    let (status, invalid) = app
        .post(
            &format!("/api/v1/clocks/{id}/extension"),
            &leader,
            &json!({"value": 0, "reason": "", "legal_basis": "x"}),
        )
        .await;
    assert_eq!(status, 422, "{invalid}");
    let events = app
        .expect_events(routing::DEADLINE_CLOCK_EXTENDED, case_id, 1)
        .await;
    assert_eq!(events[0].payload["approver"], "staff-1");
}

pub async fn each_warning_step_fires_once_then_the_clock_turns_red(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
    // Due at the end of Mon 9 Nov: warning from the start of Thu 5 Nov (5, 6, 9 left),
    // yellow from the start of 9 Nov, red at its end.
    processing_clock(&app, case_id).await;
    app.clock
        .set(at("2026-11-04T23:59:00+08:00").with_timezone(&Utc));
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(
        app.events(routing::DEADLINE_CLOCK_WARNED, case_id)
            .is_empty(),
        "nothing before its time"
    );

    app.clock
        .set(at("2026-11-05T00:00:01+08:00").with_timezone(&Utc));
    let warned = app
        .expect_events(routing::DEADLINE_CLOCK_WARNED, case_id, 1)
        .await;
    assert_eq!(warned[0].payload["level"], "warning");
    app.clock
        .set(at("2026-11-09T08:00:00+08:00").with_timezone(&Utc));
    let warned = app
        .expect_events(routing::DEADLINE_CLOCK_WARNED, case_id, 2)
        .await;
    assert_eq!(warned[1].payload["level"], "yellow");
    app.clock.advance(Duration::days(1));
    app.expect_events(routing::DEADLINE_CLOCK_OVERDUE, case_id, 1)
        .await;
    let clock = processing_clock(&app, case_id).await;
    assert_eq!(
        (clock["warning"].as_str(), clock["overdue"].as_bool()),
        (Some("red"), Some(true))
    );
    // Time goes on; nothing fires twice.
    app.clock.advance(Duration::days(3));
    app.expect_events(routing::DEADLINE_CLOCK_WARNED, case_id, 2)
        .await;
    app.expect_events(routing::DEADLINE_CLOCK_OVERDUE, case_id, 1)
        .await;
}

pub async fn a_step_due_while_the_service_was_down_fires_once_at_start(backend: Backend) {
    let mut app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
    processing_clock(&app, case_id).await;
    app.stop().await;
    // Down past the due time: at start every due step fires, once each, in order.
    app.clock
        .set(at("2026-11-12T09:00:00+08:00").with_timezone(&Utc));
    app.start().await;
    let warned = app
        .expect_events(routing::DEADLINE_CLOCK_WARNED, case_id, 2)
        .await;
    assert_eq!(
        (
            warned[0].payload["level"].as_str(),
            warned[1].payload["level"].as_str()
        ),
        (Some("warning"), Some("yellow"))
    );
    app.expect_events(routing::DEADLINE_CLOCK_OVERDUE, case_id, 1)
        .await;
    // A second restart fires nothing again.
    app.stop().await;
    app.start().await;
    app.expect_events(routing::DEADLINE_CLOCK_OVERDUE, case_id, 1)
        .await;
}

pub async fn stale_versions_wrong_states_and_other_divisions_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
    let clock = processing_clock(&app, case_id).await;
    let id = clock["id"].as_str().unwrap().to_owned();
    let clerk = app.staff(&[Role::WindowClerk], None);
    let pause = |version: i64| json!({"reason": "supplement", "legal_basis": "行政许可法第三十二条", "version": version});

    let (status, stale) = app
        .post(&format!("/api/v1/clocks/{id}/pause"), &clerk, &pause(99))
        .await;
    assert_eq!(
        (status, stale["code"].as_str()),
        (409, Some("version_conflict"))
    );
    let (status, _) = app
        .post(&format!("/api/v1/clocks/{id}/resume"), &clerk, &json!({}))
        .await;
    assert_eq!(status, 409, "a running clock cannot resume");
    let (status, missing) = app
        .post(
            &format!("/api/v1/clocks/{id}/pause"),
            &clerk,
            &json!({"reason": "supplement"}),
        )
        .await;
    assert_eq!(
        (status, missing["errors"][0]["field"].as_str()),
        (422, Some("legal_basis"))
    );

    let elsewhere = app
        .key
        .sign(&govhall_web::Principal {
            sub: "other".into(),
            kind: govhall_web::PrincipalKind::Staff,
            roles: vec![Role::WindowClerk],
            division: Some("320500".into()),
            department: None,
        })
        .unwrap();
    let (status, _) = app
        .post(&format!("/api/v1/clocks/{id}/pause"), &elsewhere, &pause(1))
        .await;
    assert_eq!(status, 404, "another division does not see the clock");
    let citizen = app
        .key
        .sign(&govhall_web::Principal {
            sub: "c".into(),
            kind: govhall_web::PrincipalKind::Citizen,
            roles: vec![],
            division: None,
            department: None,
        })
        .unwrap();
    let (status, _) = app.get(&format!("/api/v1/clocks/{id}"), &citizen).await;
    assert_eq!(status, 404);
    let (status, _) = app.get(&format!("/api/v1/clocks/{id}"), "forged").await;
    assert_eq!(status, 401);
}

pub async fn a_supplement_request_pauses_the_clocks_until_the_supplement_arrives(backend: Backend) {
    use govhall_contracts::events::intake::{CaseSupplementRequested, CaseSupplemented};
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
    assert_eq!(
        processing_clock(&app, case_id).await["due_at"],
        "2026-11-10T00:00:00+08:00"
    );
    // Told on Tue 3 Nov: 3 Nov used, 4 left (4, 5, 6, 9 Nov).
    let asked = CaseSupplementRequested {
        case_id,
        items: vec!["营业执照复印件".into()],
        requested_at: at("2026-11-03T11:00:00+08:00"),
    };
    app.publish(&asked, case_id, "intake").await;
    let paused = app
        .clocks_when(case_id, "the pause", |c| {
            c.iter()
                .any(|c| c["kind"] == "processing" && c["state"] == "paused")
        })
        .await;
    let clock = paused.iter().find(|c| c["kind"] == "processing").unwrap();
    assert_eq!(
        (
            clock["pause_reason"].as_str(),
            clock["remaining_value"].as_i64()
        ),
        (Some("supplement"), Some(4))
    );
    // Supplemented on Mon 16 Nov: 17, 18, 19, 20 Nov.
    let answered = CaseSupplemented {
        case_id,
        commitment: false,
        supplemented_at: at("2026-11-16T14:00:00+08:00"),
    };
    app.publish(&answered, case_id, "intake").await;
    let resumed = app
        .clocks_when(case_id, "the resumption", |c| {
            c.iter()
                .any(|c| c["kind"] == "processing" && c["state"] == "running")
        })
        .await;
    let clock = resumed.iter().find(|c| c["kind"] == "processing").unwrap();
    assert_eq!(clock["due_at"], "2026-11-21T00:00:00+08:00");
    app.expect_events(routing::DEADLINE_CLOCK_PAUSED, case_id, 1)
        .await;
    app.expect_events(routing::DEADLINE_CLOCK_RESUMED, case_id, 1)
        .await;
}

pub async fn a_withdrawn_case_cancels_its_clocks_and_an_unanswered_one_expires(backend: Backend) {
    use govhall_contracts::events::intake::CaseWithdrawn;
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let withdrawn = submit(&app, "2026-11-02T09:00:00+08:00").await;
    let unanswered = submit(&app, "2026-11-02T09:00:00+08:00").await;
    app.clocks_when(unanswered, "the acceptance clock", |c| !c.is_empty())
        .await;
    app.clocks_when(withdrawn, "the acceptance clock", |c| !c.is_empty())
        .await;
    app.publish(
        &CaseWithdrawn {
            case_id: withdrawn,
            withdrawn_at: at("2026-11-03T09:00:00+08:00"),
        },
        withdrawn,
        "intake",
    )
    .await;
    app.clocks_when(withdrawn, "the cancellation", |c| {
        c.iter().all(|c| c["state"] == "cancelled")
    })
    .await;
    app.expect_events(routing::DEADLINE_CLOCK_CANCELLED, withdrawn, 1)
        .await;
    // Five working days pass without an answer (3–6, 9 Nov): the acceptance clock expires.
    app.clock
        .set(at("2026-11-10T00:00:01+08:00").with_timezone(&Utc));
    let expired = app
        .expect_events(routing::DEADLINE_CLOCK_EXPIRED, unanswered, 1)
        .await;
    assert_eq!(expired[0].payload["kind"], "acceptance");
    assert!(
        app.events(routing::DEADLINE_CLOCK_EXPIRED, withdrawn)
            .is_empty(),
        "a cancelled clock does not expire"
    );
    // The scheduler's lateness is a metric (its promise: under a second).
    let (_, metrics) = app.text("/metrics").await;
    assert!(
        metrics.contains("govhall_deadline_fire_lag_seconds"),
        "{metrics}"
    );
    assert!(
        metrics.contains("govhall_deadline_clocks_fired_total"),
        "{metrics}"
    );
}

pub async fn a_statutory_clock_runs_beside_the_committed_one_and_a_matter_sets_its_own_ladder(
    backend: Backend,
) {
    use govhall_contracts::events::intake::{CaseDecided, WarningLadder};
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    let wd = |value| TimeLimit {
        value,
        unit: LimitUnit::WorkingDays,
    };
    let plan = HandlingPlan {
        matter_version: 1,
        kind: Default::default(),
        stages: vec![],
        departments: vec![],
        join_rule: JoinRule::All,
        time_limit: wd(5),
        statutory_limit: Some(wd(20)),
        warning_ladder: Some(WarningLadder {
            warning_days: 4,
            yellow_days: 2,
        }),
    };
    accept_with(&app, case_id, "2026-11-02T10:00:00+08:00", plan).await;
    let clocks = app
        .clocks_when(case_id, "both clocks", |c| {
            c.iter().any(|c| c["kind"] == "statutory")
        })
        .await;
    let due = |kind: &str| clocks.iter().find(|c| c["kind"] == kind).unwrap()["due_at"].clone();
    assert_eq!(due("processing"), "2026-11-10T00:00:00+08:00");
    // Twenty working days: 3–6, 9–13, 16–20, 23–27 and 30 Nov.
    assert_eq!(due("statutory"), "2026-12-01T00:00:00+08:00");
    // The matter warns at 4 working days left: from the start of Wed 4 Nov (4, 5, 6, 9).
    app.clock
        .set(at("2026-11-04T00:00:01+08:00").with_timezone(&Utc));
    let warned = app
        .expect_events(routing::DEADLINE_CLOCK_WARNED, case_id, 1)
        .await;
    assert_eq!(
        (
            warned[0].payload["kind"].as_str(),
            warned[0].payload["level"].as_str()
        ),
        (Some("processing"), Some("warning"))
    );
    let decided = CaseDecided {
        case_id,
        outcome: govhall_contracts::events::Outcome::Approved,
        decided_at: at("2026-11-05T10:00:00+08:00"),
    };
    app.publish(&decided, case_id, "intake").await;
    app.clocks_when(case_id, "the decision stops both", |c| {
        c.iter()
            .filter(|c| c["kind"] != "acceptance")
            .all(|c| c["state"] == "stopped" && c["overdue"] == false)
    })
    .await;
}

pub async fn two_replicas_fire_each_step_once_and_share_the_messages(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let (stop_second, second) = app.spawn_replica().await;
    let (stop_third, third) = app.spawn_replica().await;
    let mut cases = Vec::new();
    for _ in 0..6 {
        let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
        accept(&app, case_id, "2026-11-02T10:00:00+08:00", 5).await;
        cases.push(case_id);
    }
    for case_id in &cases {
        let clocks = app
            .clocks_when(*case_id, "the processing clock", |c| {
                c.iter().any(|c| c["kind"] == "processing")
            })
            .await;
        assert_eq!(
            clocks.iter().filter(|c| c["kind"] == "processing").count(),
            1,
            "one clock per message, whichever replica took it"
        );
    }
    // Past every due time at once: three schedulers race for the same steps.
    app.clock
        .set(at("2026-11-20T09:00:00+08:00").with_timezone(&Utc));
    for case_id in &cases {
        app.expect_events(routing::DEADLINE_CLOCK_OVERDUE, *case_id, 1)
            .await;
        app.expect_events(routing::DEADLINE_CLOCK_WARNED, *case_id, 2)
            .await;
    }
    stop_second.cancel();
    stop_third.cancel();
    second.await.unwrap().unwrap();
    third.await.unwrap().unwrap();
}

pub async fn a_concluded_review_stops_only_its_own_task_clocks(backend: Backend) {
    use govhall_contracts::events::{Outcome, approval::ReviewConcluded};
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 20).await;
    // County initial review and city review of the same case (跨层级联办), one task each.
    let (county, city) = (Uuid::now_v7(), Uuid::now_v7());
    for (review_id, department) in [(county, "320102-SCJGJ"), (city, "320100-SCJGJ")] {
        open_task(&app, case_id, review_id, Uuid::now_v7(), department).await;
    }
    app.clocks_when(case_id, "two task clocks", |c| {
        c.iter().filter(|c| c["kind"] == "task").count() == 2
    })
    .await;
    let concluded = ReviewConcluded {
        review_id: county,
        case_id,
        outcome: Outcome::Approved,
        opinions: vec![],
        concluded_at: at("2026-11-03T11:00:00+08:00"),
    };
    app.publish(&concluded, case_id, "approval").await;
    let task_states_owned =
        task_states_once_one_stopped(&app, case_id, "the county task clock to stop").await;
    let task_states: Vec<(&str, &str)> = task_states_owned
        .iter()
        .map(|(d, s)| (d.as_str(), s.as_str()))
        .collect();
    assert!(
        task_states.contains(&("320102-SCJGJ", "stopped")),
        "{task_states:?}"
    );
    assert!(
        task_states.contains(&("320100-SCJGJ", "running")),
        "{task_states:?}"
    );
}

pub async fn a_department_that_answered_stops_its_task_clock_before_the_review_concludes(
    backend: Backend,
) {
    use govhall_contracts::events::{Outcome, approval::TaskClosed};
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    accept(&app, case_id, "2026-11-02T10:00:00+08:00", 20).await;
    let review_id = Uuid::now_v7();
    let tasks: Vec<(Uuid, &str)> = vec![
        (Uuid::now_v7(), "320102-GTJ"),
        (Uuid::now_v7(), "320102-HBJ"),
    ];
    for (task_id, department) in &tasks {
        open_task(&app, case_id, review_id, *task_id, department).await;
    }
    app.clocks_when(case_id, "two task clocks", |c| {
        c.iter().filter(|c| c["kind"] == "task").count() == 2
    })
    .await;
    let closed = TaskClosed {
        task_id: tasks[0].0,
        review_id,
        case_id,
        department_code: tasks[0].1.into(),
        outcome: Some(Outcome::Approved),
        closed_at: at("2026-11-03T15:00:00+08:00"),
    };
    app.publish(&closed, case_id, "approval").await;
    let states_owned =
        task_states_once_one_stopped(&app, case_id, "the answered task clock to stop").await;
    let states: Vec<(&str, &str)> = states_owned
        .iter()
        .map(|(d, s)| (d.as_str(), s.as_str()))
        .collect();
    assert!(
        states.contains(&("320102-GTJ", "stopped")) && states.contains(&("320102-HBJ", "running")),
        "{states:?}"
    );
}
