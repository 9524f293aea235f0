//! A cross-level chain: the county reviews first, sends up, the city signs for it, reviews
//! in parallel and the result comes back; send-back and resend; late submissions.

use govhall_contracts::{
    events::{
        LimitUnit, Outcome, TimeLimit,
        approval::{OpinionRecord, ReviewConcluded},
        deadline::{ClockKind, ClockOverdue, ClockStarted},
        intake::{
            CaseAccepted, CaseSummary, DepartmentPlan, HandlingPlan, JoinRule, MaterialRef,
            PlanKind, StagePlan,
        },
    },
    routing,
};
use govhall_web::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, at};

const COUNTY: &str = "320282";
const CITY: &str = "320200";

fn wd(value: u32) -> TimeLimit {
    TimeLimit {
        value,
        unit: LimitUnit::WorkingDays,
    }
}

fn dept(code: &str, lead: bool) -> DepartmentPlan {
    DepartmentPlan {
        department_code: code.into(),
        name: code.into(),
        lead,
        time_limit: wd(10),
        steps: vec![],
    }
}

/// 宜兴 reviews first (20 working days, 行政许可法 art. 43); 无锡 decides with two departments.
fn accepted(case_id: Uuid) -> CaseAccepted {
    let stages = vec![
        StagePlan {
            level: "county".into(),
            division_code: COUNTY.into(),
            department_code: "320282-YJGLJ".into(),
            name: "宜兴市应急管理局".into(),
            time_limit: wd(20),
            departments: vec![],
            join_rule: None,
        },
        StagePlan {
            level: "city".into(),
            division_code: CITY.into(),
            department_code: "320200-YJGLJ".into(),
            name: "无锡市应急管理局".into(),
            time_limit: wd(10),
            departments: vec![dept("320200-YJGLJ", true), dept("320200-ZRZYJ", false)],
            join_rule: Some(JoinRule::LeadDecides),
        },
    ];
    let (departments, join_rule) = stages[0].review();
    CaseAccepted {
        case_id,
        case_number: "320282202611020000001".into(),
        accepted_at: at("2026-11-02T10:00:00+08:00"),
        plan: HandlingPlan {
            matter_version: 1,
            kind: PlanKind::CrossLevel,
            stages,
            departments,
            join_rule,
            time_limit: wd(30),
            statutory_limit: None,
            warning_ladder: None,
        },
        deemed: false,
        commitment: None,
        summary: Some(CaseSummary {
            matter_code: "11320282MB1385902R3000126005".into(),
            matter_name: "危险化学品经营许可证核发".into(),
            applicant_kind: "legal_person".into(),
            applicant_masked: "无锡某某化工有限公司".into(),
            materials: vec![MaterialRef {
                name: "申请书".into(),
                file_id: Uuid::now_v7(),
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            }],
        }),
    }
}

fn concluded(case_id: Uuid, outcome: Outcome, departments: &[&str]) -> ReviewConcluded {
    ReviewConcluded {
        review_id: Uuid::now_v7(),
        case_id,
        outcome,
        opinions: departments
            .iter()
            .map(|d| OpinionRecord {
                task_id: Uuid::now_v7(),
                department_code: (*d).into(),
                outcome,
                comment: format!("{d} 审查意见"),
                reviewer: format!("reviewer-{d}"),
                recorded_at: at("2026-11-03T10:00:00+08:00"),
                deemed: false,
                referred: false,
            })
            .collect(),
        concluded_at: at("2026-11-03T10:00:00+08:00"),
    }
}

/// Accepts a case at the county and lets the county's review conclude: it goes up.
async fn sent_up(app: &TestApp) -> (Uuid, Value) {
    let case_id = Uuid::now_v7();
    app.publish(&accepted(case_id), case_id, "intake", COUNTY)
        .await;
    app.expect_events(routing::JOINT_ROUTE_PLANNED, case_id, 1)
        .await;
    app.publish(
        &concluded(case_id, Outcome::Approved, &["320282-YJGLJ"]),
        case_id,
        "approval",
        COUNTY,
    )
    .await;
    let sent = app
        .expect_events(routing::JOINT_STAGE_SENT, case_id, 1)
        .await;
    let transfer_id = sent[0].payload["transfer_id"].as_str().unwrap().to_owned();
    let city = app.staff("city-clerk", CITY, &[Role::WindowClerk]);
    let (status, transfer) = app
        .get(&format!("/api/v1/transfers/{transfer_id}"), &city)
        .await;
    assert_eq!(status, 200, "{transfer}");
    (case_id, transfer)
}

pub async fn a_county_case_goes_up_to_the_city_is_reviewed_there_in_parallel_and_its_result_comes_back(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T10:00:00+08:00").await;
    let (case_id, transfer) = sent_up(&app).await;
    let id = transfer["id"].as_str().unwrap().to_owned();
    let sent = app.events(routing::JOINT_STAGE_SENT, case_id);
    assert_eq!(
        (
            sent[0].payload["from_division"].as_str(),
            sent[0].payload["to_division"].as_str(),
            sent[0].payload["time_limit"]["value"].as_u64()
        ),
        (Some(COUNTY), Some(CITY), Some(10))
    );
    // The package: the case in brief, the materials with their digests, the county's opinion.
    assert_eq!(transfer["state"], "sent");
    assert_eq!(transfer["sent_by"], "reviewer-320282-YJGLJ");
    assert_eq!(
        transfer["package"]["summary"]["materials"][0]["sha256"],
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(transfer["package"]["opinions"][0]["division_code"], COUNTY);
    assert_eq!(transfer["to_division_name"], "无锡市");

    // The city's inbox has it; the county's outbox too.
    let city_clerk = app.staff("city-clerk", CITY, &[Role::WindowClerk]);
    let (_, inbox) = app.get("/api/v1/transfers", &city_clerk).await;
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(1), "{inbox}");
    let county_clerk = app.staff("county-clerk", COUNTY, &[Role::WindowClerk]);
    let (_, outbox) = app
        .get("/api/v1/transfers?box=outgoing", &county_clerk)
        .await;
    assert_eq!(
        outbox["items"].as_array().map(Vec::len),
        Some(1),
        "{outbox}"
    );

    // A county clerk cannot sign for a transfer addressed to the city; another city's staff
    // do not even see it.
    let receipt = format!("/api/v1/transfers/{id}/receipt");
    let (status, refused) = app.post(&receipt, &county_clerk, &json!({})).await;
    assert_eq!(status, 403, "{refused}");
    let suzhou = app.staff(
        "sz-reviewer",
        "320500",
        &[Role::Reviewer, Role::WindowClerk],
    );
    let (status, _) = app.post(&receipt, &suzhou, &json!({})).await;
    assert_eq!(status, 404);
    let (status, _) = app.get(&format!("/api/v1/routes/{case_id}"), &suzhou).await;
    assert_eq!(
        status, 404,
        "a city reviewer cannot see another city's cases"
    );

    // The city signs for it (stale version refused first); its two departments review.
    let (status, stale) = app
        .post(&receipt, &city_clerk, &json!({"version": 7}))
        .await;
    assert_eq!(
        (status, stale["code"].as_str()),
        (409, Some("version_conflict"))
    );
    let (status, received) = app
        .post(&receipt, &city_clerk, &json!({"version": 1}))
        .await;
    assert_eq!(status, 200, "{received}");
    assert_eq!(
        (received["state"].as_str(), received["received_by"].as_str()),
        (Some("received"), Some("city-clerk"))
    );
    let (status, again) = app.post(&receipt, &city_clerk, &json!({})).await;
    assert_eq!((status, again["code"].as_str()), (409, Some("wrong_state")));
    let opened = app
        .expect_events(routing::JOINT_STAGE_RECEIVED, case_id, 1)
        .await;
    assert_eq!(opened[0].payload["division"], CITY);
    assert_eq!(opened[0].payload["join_rule"], "lead_decides");
    assert_eq!(
        opened[0].payload["departments"].as_array().map(Vec::len),
        Some(2)
    );

    // The city decides: the result goes back to the accepting window, the stage clock stops.
    app.publish(
        &concluded(
            case_id,
            Outcome::Approved,
            &["320200-ZRZYJ", "320200-YJGLJ"],
        ),
        case_id,
        "approval",
        CITY,
    )
    .await;
    let result = app
        .expect_events(routing::JOINT_RESULT_RETURNED, case_id, 1)
        .await;
    assert_eq!(
        (
            result[0].payload["decided_by_division"].as_str(),
            result[0].payload["outcome"].as_str(),
            result[0].division_code.as_str()
        ),
        (Some(CITY), Some("approved"), COUNTY)
    );
    assert_eq!(
        result[0].payload["opinions"].as_array().map(Vec::len),
        Some(3),
        "the county's opinion and both city departments'"
    );
    let returned = app
        .expect_events(routing::JOINT_STAGE_RETURNED, case_id, 1)
        .await;
    assert_eq!(
        (
            returned[0].payload["transfer_id"].as_str(),
            returned[0].payload["sent_back"].as_bool()
        ),
        (Some(id.as_str()), Some(false))
    );
    // A province supervisor sees the whole chain.
    let supervisor = app.staff("js-supervisor", "320000", &[Role::Supervisor]);
    let (status, route) = app
        .get(&format!("/api/v1/routes/{case_id}"), &supervisor)
        .await;
    assert_eq!(status, 200, "{route}");
    assert_eq!(route["state"], "decided");
    assert_eq!(route["opinions"].as_array().map(Vec::len), Some(2));
    assert_eq!(route["transfers"][0]["state"], "returned");
    assert_eq!(route["transfers"][0]["outcome"], "approved");
    assert_eq!(
        route["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["state"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["done", "done"]
    );
    // A conclusion delivered twice changes nothing more.
    assert_eq!(app.events(routing::JOINT_RESULT_RETURNED, case_id).len(), 1);
}

pub async fn the_city_sends_a_transfer_back_and_the_county_resends_it_once(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T10:00:00+08:00").await;
    let (case_id, transfer) = sent_up(&app).await;
    let id = transfer["id"].as_str().unwrap().to_owned();
    let back = format!("/api/v1/transfers/{id}/send-back");
    let city_reviewer = app.staff("city-reviewer", CITY, &[Role::Reviewer]);
    let (status, missing) = app.post(&back, &city_reviewer, &json!({})).await;
    assert_eq!(status, 422, "{missing}");
    let (status, blank) = app
        .post(&back, &city_reviewer, &json!({"reason": "  "}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(blank["errors"][0]["field"], "reason", "{blank}");
    let city_clerk = app.staff("city-clerk", CITY, &[Role::WindowClerk]);
    let (status, _) = app
        .post(&back, &city_clerk, &json!({"reason": "缺签章页"}))
        .await;
    assert_eq!(status, 403, "a clerk does not send back");
    let (status, sent_back) = app
        .post(
            &back,
            &city_reviewer,
            &json!({"reason": "缺少县级初审意见签章页", "version": 1}),
        )
        .await;
    assert_eq!(status, 200, "{sent_back}");
    assert_eq!(sent_back["state"], "sent_back");
    assert_eq!(sent_back["reason"], "缺少县级初审意见签章页");
    let returned = app
        .expect_events(routing::JOINT_STAGE_RETURNED, case_id, 1)
        .await;
    assert_eq!(returned[0].payload["sent_back"], true);

    // The city cannot resend; the county resends once, safely retried.
    let resend = format!("/api/v1/transfers/{id}/resending");
    let (status, _) = app
        .post_with(&resend, &city_reviewer, &[], &json!({}))
        .await;
    assert_eq!(status, 403);
    let county = app.staff("county-reviewer", COUNTY, &[Role::Reviewer]);
    let body = json!({"note": "已补签章页"});
    let (status, new) = app
        .post_with(&resend, &county, &[("Idempotency-Key", "r-1")], &body)
        .await;
    assert_eq!(status, 201, "{new}");
    assert_eq!(new["resent_from"], id.as_str());
    assert_eq!(new["package"]["note"], "已补签章页");
    assert_eq!(new["state"], "sent");
    let (status, replay) = app
        .post_with(&resend, &county, &[("Idempotency-Key", "r-1")], &body)
        .await;
    assert_eq!((status, &replay["id"]), (200, &new["id"]));
    let (status, twice) = app
        .post_with(&resend, &county, &[("Idempotency-Key", "r-2")], &body)
        .await;
    assert_eq!((status, twice["code"].as_str()), (409, Some("wrong_state")));
    app.expect_events(routing::JOINT_STAGE_SENT, case_id, 2)
        .await;
    let (_, route) = app.get(&format!("/api/v1/routes/{case_id}"), &county).await;
    assert_eq!(
        (route["state"].as_str(), route["stage_index"].as_i64()),
        (Some("transferring"), Some(1))
    );
    assert_eq!(
        route["transfers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["state"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["resent", "sent"]
    );
}

pub async fn a_late_initial_review_makes_a_late_transfer_that_a_supervisor_sees(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T10:00:00+08:00").await;
    let case_id = Uuid::now_v7();
    app.publish(&accepted(case_id), case_id, "intake", COUNTY)
        .await;
    app.expect_events(routing::JOINT_ROUTE_PLANNED, case_id, 1)
        .await;
    // The county's initial review runs past its time before it is sent up.
    app.publish(
        &ClockOverdue {
            clock_id: Uuid::now_v7(),
            case_id,
            kind: ClockKind::Task,
            department_code: Some("320282-YJGLJ".into()),
            due_at: at("2026-12-01T00:00:00+08:00"),
            task_id: Some(Uuid::now_v7()),
        },
        case_id,
        "deadline",
        COUNTY,
    )
    .await;
    let county = app.staff("county-reviewer", COUNTY, &[Role::Reviewer]);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        // The overdue mark lands before the conclusion is published.
        let (_, route) = app.get(&format!("/api/v1/routes/{case_id}"), &county).await;
        if route["overdue"] == true {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.publish(
        &concluded(case_id, Outcome::Denied, &["320282-YJGLJ"]),
        case_id,
        "approval",
        COUNTY,
    )
    .await;
    let sent = app
        .expect_events(routing::JOINT_STAGE_SENT, case_id, 1)
        .await;
    let transfer_id: Uuid = sent[0].payload["transfer_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // The deadline service's stage clock gives the transfer its due time.
    app.publish(
        &ClockStarted {
            clock_id: Uuid::now_v7(),
            case_id,
            kind: ClockKind::Stage,
            limit: wd(10),
            started_at: at("2026-12-02T10:00:00+08:00"),
            due_at: at("2026-12-17T00:00:00+08:00"),
            task_id: Some(transfer_id),
        },
        case_id,
        "deadline",
        CITY,
    )
    .await;
    let supervisor = app.staff("wx-supervisor", CITY, &[Role::Supervisor]);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let items = loop {
        let (status, body) = app
            .get("/api/v1/transfers?box=below&late=true", &supervisor)
            .await;
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().cloned().unwrap_or_default();
        if items.first().is_some_and(|t| !t["due_at"].is_null()) {
            break items;
        }
        assert!(tokio::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["late"], true);
    assert_eq!(items[0]["due_at"], "2026-12-17T00:00:00+08:00");
    assert_eq!(items[0]["package"]["opinions"][0]["outcome"], "denied");
    // Only supervisors look below their division.
    let (status, _) = app.get("/api/v1/transfers?box=below", &county).await;
    assert_eq!(status, 403);
    let (status, bad) = app.get("/api/v1/transfers?box=sideways", &county).await;
    assert_eq!(
        (status, bad["errors"][0]["field"].as_str()),
        (422, Some("box"))
    );
}

pub async fn a_redelivered_conclusion_sends_once_and_two_clerks_signing_at_once_get_one_receipt(
    backend: Backend,
) {
    use govhall_contracts::{Envelope, envelope::Origin};
    let app = TestApp::spawn(backend, "2026-11-02T10:00:00+08:00").await;
    let case_id = Uuid::now_v7();
    app.publish(&accepted(case_id), case_id, "intake", COUNTY)
        .await;
    app.expect_events(routing::JOINT_ROUTE_PLANNED, case_id, 1)
        .await;
    // The county's conclusion arrives twice (at-least-once delivery): one transfer.
    let conclusion = Envelope::wrap(
        &concluded(case_id, Outcome::Approved, &["320282-YJGLJ"]),
        Origin {
            producer: "approval",
            correlation_id: case_id,
            causation_id: None,
            traceparent: None,
            division_code: COUNTY.into(),
        },
    )
    .unwrap();
    app.deliver(&conclusion).await;
    app.deliver(&conclusion).await;
    let sent = app
        .expect_events(routing::JOINT_STAGE_SENT, case_id, 1)
        .await;
    let id = sent[0].payload["transfer_id"].as_str().unwrap().to_owned();
    let city = app.staff("city-clerk", CITY, &[Role::WindowClerk]);
    let (_, outbox) = app
        .get(
            &format!("/api/v1/transfers?box=incoming&case_id={case_id}"),
            &city,
        )
        .await;
    assert_eq!(
        outbox["items"].as_array().map(Vec::len),
        Some(1),
        "{outbox}"
    );

    // Two clerks sign for it at the same moment: one gets it, the other a conflict.
    let other = app.staff("city-clerk-2", CITY, &[Role::WindowClerk]);
    let receipt = format!("/api/v1/transfers/{id}/receipt");
    let body = json!({"version": 1});
    let ((a, _), (b, _)) = futures::join!(
        app.post(&receipt, &city, &body),
        app.post(&receipt, &other, &body)
    );
    let mut statuses = [a, b];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    app.expect_events(routing::JOINT_STAGE_RECEIVED, case_id, 1)
        .await;
}

pub async fn a_case_taken_in_at_another_regions_window_goes_straight_to_the_handling_division(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T10:00:00+08:00").await;
    let case_id = Uuid::now_v7();
    // 玄武 (320102) takes in a case Suzhou (320500) handles with two departments.
    let mut event = accepted(case_id);
    event.plan.kind = PlanKind::CrossRegion;
    event.plan.stages = vec![
        StagePlan {
            level: "county".into(),
            division_code: "320102".into(),
            department_code: String::new(),
            name: "受理窗口".into(),
            time_limit: wd(15),
            departments: vec![],
            join_rule: None,
        },
        StagePlan {
            level: "city".into(),
            division_code: "320500".into(),
            department_code: "320500-RSJ".into(),
            name: "苏州市人社局".into(),
            time_limit: wd(15),
            departments: vec![dept("320500-RSJ", true), dept("320500-YBJ", false)],
            join_rule: Some(JoinRule::All),
        },
    ];
    app.publish(&event, case_id, "intake", "320102").await;
    let sent = app
        .expect_events(routing::JOINT_STAGE_SENT, case_id, 1)
        .await;
    assert_eq!(
        (
            sent[0].payload["from_division"].as_str(),
            sent[0].payload["to_division"].as_str()
        ),
        (Some("320102"), Some("320500")),
        "no review at the accepting window: handed over at once"
    );
    let id = sent[0].payload["transfer_id"].as_str().unwrap().to_owned();
    let suzhou = app.staff("sz-clerk", "320500", &[Role::WindowClerk]);
    let (status, received) = app
        .post(
            &format!("/api/v1/transfers/{id}/receipt"),
            &suzhou,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{received}");
    let opened = app
        .expect_events(routing::JOINT_STAGE_RECEIVED, case_id, 1)
        .await;
    assert_eq!(opened[0].payload["join_rule"], "all");
    app.publish(
        &concluded(case_id, Outcome::Approved, &["320500-YBJ", "320500-RSJ"]),
        case_id,
        "approval",
        "320500",
    )
    .await;
    let result = app
        .expect_events(routing::JOINT_RESULT_RETURNED, case_id, 1)
        .await;
    assert_eq!(
        (
            result[0].payload["decided_by_division"].as_str(),
            result[0].division_code.as_str()
        ),
        (Some("320500"), "320102"),
        "decided by Suzhou, returned to the accepting window"
    );
    // Both divisions' staff see the route.
    let xuanwu = app.staff("xw-clerk", "320102", &[Role::WindowClerk]);
    for who in [&xuanwu, &suzhou] {
        let (status, route) = app.get(&format!("/api/v1/routes/{case_id}"), who).await;
        assert_eq!((status, route["state"].as_str()), (200, Some("decided")));
    }
}
