//! The life of a case through the intake API.

use govhall_contracts::{
    events::{
        LimitUnit, Outcome, TimeLimit,
        approval::ReviewConcluded,
        deadline::{ClockExpired, ClockKind, ClockStarted},
        intake::CaseAccepted,
    },
    routing,
};
use govhall_web::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, FOOD, TestApp, application, at, food_form};

fn uuid(v: &Value) -> Uuid {
    v.as_str().unwrap().parse().unwrap()
}

pub async fn a_draft_becomes_a_case_that_is_accepted_decided_delivered_and_followed_by_number(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let me = app.citizen("citizen-a");
    // Saved half-filled, edited, listed, then submitted.
    let (status, draft) = app
        .post(
            "/api/v1/drafts",
            &me,
            &json!({"matter_code": FOOD, "application": {"form": {"shop_name": "玄武小吃店"}}}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let full = application(FOOD, food_form());
    let (status, saved) = app
        .put(
            &format!("/api/v1/drafts/{draft_id}"),
            &me,
            &json!({"matter_code": FOOD, "application": full}),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(
        (status, saved["version"].as_i64()),
        (200, Some(2)),
        "{saved}"
    );
    let (status, _) = app
        .put(
            &format!("/api/v1/drafts/{draft_id}"),
            &me,
            &json!({"matter_code": FOOD, "application": full}),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(status, 409, "a stale save is refused");
    let (_, mine) = app.get("/api/v1/drafts", Some(&me)).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let (status, created) = app
        .post(
            &format!("/api/v1/drafts/{draft_id}/submission"),
            &me,
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["id"],
        draft_id.as_str(),
        "the case keeps the draft's id"
    );
    assert_eq!(created["state"], "submitted");
    assert_eq!(
        created["applicant"]["id_number_masked"],
        "110105********002X"
    );
    assert_eq!(created["applicant"]["name"], "张*");
    let number = created["case_number"].as_str().unwrap().to_owned();
    assert!(
        number.starts_with("32010220261102") && number.len() == 21,
        "{number}"
    );
    let password = created["query_password"].as_str().unwrap().to_owned();
    let (status, again) = app
        .post(
            &format!("/api/v1/drafts/{draft_id}/submission"),
            &me,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, again["id"].as_str()),
        (200, Some(draft_id.as_str())),
        "a retried submission replays the case"
    );
    let (_, drafts) = app.get("/api/v1/drafts", Some(&me)).await;
    assert_eq!(drafts.as_array().unwrap().len(), 0, "the draft is gone");

    // The clerk sees it in his queue, accepts it, and a receipt is issued.
    let clerk = app.clerk();
    let (_, queue) = app.get("/api/v1/queue", Some(&clerk)).await;
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == draft_id.as_str()),
        "{queue}"
    );
    let (status, accepted) = app
        .post(
            &format!("/api/v1/cases/{draft_id}/acceptance"),
            &clerk,
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["state"], "in_review");
    let events = app
        .expect_events(routing::INTAKE_CASE_ACCEPTED, &draft_id, 1)
        .await;
    let event: CaseAccepted = events[0].decode().unwrap();
    assert_eq!(
        event.plan.time_limit,
        TimeLimit {
            value: 10,
            unit: LimitUnit::WorkingDays
        }
    );
    assert_eq!(event.plan.departments[0].department_code, "320102-SCJGJ");

    // The deadline service counts the due date; it shows on the case and the receipt.
    let case_id = uuid(&accepted["id"]);
    let started = ClockStarted {
        task_id: None,
        clock_id: Uuid::now_v7(),
        case_id,
        kind: ClockKind::Processing,
        limit: TimeLimit {
            value: 10,
            unit: LimitUnit::WorkingDays,
        },
        started_at: at("2026-11-02T09:00:00+08:00"),
        due_at: at("2026-11-17T00:00:00+08:00"),
    };
    app.publish(&started, case_id, "deadline").await;
    app.case_when(&draft_id, &me, "the due date", |c| c["due_at"].is_string())
        .await;
    let (status, receipt) = app
        .get(&format!("/api/v1/cases/{draft_id}/receipt"), Some(&me))
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["case_number"], number.as_str());
    assert_eq!(receipt["due_at"], "2026-11-17T00:00:00+08:00");
    assert_eq!(receipt["verification_code"].as_str().unwrap().len(), 12);
    let (status, html) = app
        .raw(
            awc::http::Method::GET,
            &format!("/api/v1/cases/{draft_id}/receipt"),
            Some(&me),
            None,
            &[("Accept", "text/html")],
        )
        .await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, 200);
    assert!(
        html.contains("受理通知书") && html.contains(&number) && html.contains("2026年11月17日"),
        "{html}"
    );
    assert!(!html.contains("张三"), "the printed receipt masks the name");

    // The review concludes: decided, not yet completed; the clerk hands the licence over.
    let concluded = ReviewConcluded {
        review_id: Uuid::now_v7(),
        case_id,
        outcome: Outcome::Approved,
        opinions: vec![],
        concluded_at: at("2026-11-05T10:00:00+08:00"),
    };
    app.publish(&concluded, case_id, "approval").await;
    let decided = app
        .case_when(&draft_id, &me, "the decision", |c| c["state"] == "decided")
        .await;
    assert_eq!(decided["outcome"], "approved");
    app.expect_events(routing::INTAKE_CASE_DECIDED, &draft_id, 1)
        .await;
    let (status, done) = app
        .post(
            &format!("/api/v1/cases/{draft_id}/delivery"),
            &clerk,
            &json!({"method": "pickup"}),
        )
        .await;
    assert_eq!(
        (status, done["state"].as_str()),
        (200, Some("completed")),
        "{done}"
    );
    app.expect_events(routing::INTAKE_CASE_COMPLETED, &draft_id, 1)
        .await;

    // The timeline tells the whole story; anyone with number and password can follow it.
    let (_, detail) = app
        .get(&format!("/api/v1/cases/{draft_id}"), Some(&me))
        .await;
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["submitted", "accepted", "decided", "completed"]);
    let (status, anon) = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/lookup/{number}"),
            None,
            None,
            &[("X-Query-Password", &password)],
        )
        .await;
    assert_eq!(status, 200, "{anon}");
    assert_eq!(anon["state"], "completed");
    assert_eq!(
        anon["form"],
        json!({}),
        "an anonymous reader sees no form content"
    );
    let (status, _) = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/lookup/{number}"),
            None,
            None,
            &[("X-Query-Password", "WRONGPWD")],
        )
        .await;
    assert_eq!(status, 404);
    // A lost password is replaced; the old one stops working, the new one works.
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{draft_id}/query-password"),
            &app.citizen("someone-else"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, reset) = app
        .post(
            &format!("/api/v1/cases/{draft_id}/query-password"),
            &me,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    let fresh = reset["query_password"].as_str().unwrap().to_owned();
    assert_ne!(fresh, password);
    for (pw, expected) in [(password.as_str(), 404), (fresh.as_str(), 200)] {
        let (status, _) = app
            .send(
                awc::http::Method::GET,
                &format!("/api/v1/lookup/{number}"),
                None,
                None,
                &[("X-Query-Password", pw)],
            )
            .await;
        assert_eq!(status, expected);
    }
    app.stop().await;
}

pub async fn a_supplement_notice_restarts_acceptance_and_a_broken_commitment_terminates_the_case(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let me = app.citizen("citizen-b");
    let clerk = app.clerk();
    let created = app.submit_food("citizen-b").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, notice) = app
        .post(
            &format!("/api/v1/cases/{id}/supplement-notice"),
            &clerk,
            &json!({"items": [
                {"material_code": "M1", "problem": "申请书未签字"},
                {"field": "premises", "problem": "与租赁合同地址不一致"}
            ]}),
        )
        .await;
    assert_eq!(
        (status, notice["state"].as_str()),
        (200, Some("supplement_requested")),
        "{notice}"
    );
    let (status, refused) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &clerk,
            &json!({}),
        )
        .await;
    assert_eq!(
        status, 409,
        "no acceptance while the applicant holds the case: {refused}"
    );
    assert_eq!(refused["code"], "invalid_state");
    let (_, detail) = app.get(&format!("/api/v1/cases/{id}"), Some(&me)).await;
    let supplement = detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "supplement")
        .unwrap()
        .clone();
    assert_eq!(
        supplement["body"]["lines"].as_array().unwrap().len(),
        2,
        "every item in one notice"
    );

    // Supplemented a week later: acceptance now dates from that day.
    app.clock.set(at("2026-11-09T10:00:00+08:00").into());
    let mut form = food_form();
    form["premises"] = json!("南京市玄武区珠江路 2 号");
    let (status, back) = app
        .post(
            &format!("/api/v1/cases/{id}/supplement"),
            &me,
            &json!({"form": form}),
        )
        .await;
    assert_eq!(
        (status, back["state"].as_str()),
        (200, Some("submitted")),
        "{back}"
    );
    assert_eq!(back["received_at"], "2026-11-09T10:00:00+08:00");
    app.expect_events(routing::INTAKE_CASE_SUPPLEMENTED, &id, 1)
        .await;

    // Accepted with the licence copy (M2) missing, against a commitment of 5 working days.
    let (status, accepted) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &clerk,
            &json!({"tolerated_materials": ["M2"], "commitment_days": 5}),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["commitment"]["materials"], json!(["M2"]));
    let events = app
        .expect_events(routing::INTAKE_CASE_ACCEPTED, &id, 1)
        .await;
    let event: CaseAccepted = events[0].decode().unwrap();
    let commitment = event.commitment.unwrap();
    assert_eq!(
        commitment.limit,
        TimeLimit {
            value: 5,
            unit: LimitUnit::WorkingDays
        }
    );
    let (status, refused) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &clerk,
            &json!({"tolerated_materials": ["M1"]}),
        )
        .await;
    assert_eq!(
        status, 422,
        "the application form may not be missing: {refused}"
    );
    let (status, refused) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &clerk,
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "accepted once: {refused}");

    // The commitment clock runs out: the case ends, and the applicant is told why.
    let case_id: Uuid = id.parse().unwrap();
    app.publish(
        &ClockExpired {
            clock_id: Uuid::now_v7(),
            case_id,
            kind: ClockKind::Commitment,
            due_at: at("2026-11-17T00:00:00+08:00"),
        },
        case_id,
        "deadline",
    )
    .await;
    let ended = app
        .case_when(&id, &me, "the termination", |c| c["state"] == "terminated")
        .await;
    assert!(
        ended["close_reason"].as_str().unwrap().contains("营业执照"),
        "{ended}"
    );
    assert!(
        ended["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "termination")
    );
    app.expect_events(routing::INTAKE_CASE_TERMINATED, &id, 1)
        .await;
    app.stop().await;
}

pub async fn an_unanswered_application_is_deemed_accepted_as_of_its_receipt(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let me = app.citizen("citizen-c");
    let created = app.submit_food("citizen-c").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let case_id: Uuid = id.parse().unwrap();
    app.clock.set(at("2026-11-09T00:00:00+08:00").into());
    let expired = ClockExpired {
        clock_id: Uuid::now_v7(),
        case_id,
        kind: ClockKind::Acceptance,
        due_at: at("2026-11-07T00:00:00+08:00"),
    };
    app.publish(&expired, case_id, "deadline").await;
    // Delivered twice (a redelivery): one acceptance only.
    app.publish(&expired, case_id, "deadline").await;
    let deemed = app
        .case_when(&id, &me, "the deemed acceptance", |c| {
            c["state"] == "in_review"
        })
        .await;
    assert_eq!(deemed["deemed"], true);
    assert_eq!(
        deemed["accepted_at"], created["received_at"],
        "accepted as of receipt, not of expiry"
    );
    let events = app
        .expect_events(routing::INTAKE_CASE_ACCEPTED, &id, 1)
        .await;
    let event: CaseAccepted = events[0].decode().unwrap();
    assert!(event.deemed);
    assert_eq!(
        event.accepted_at,
        at(created["received_at"].as_str().unwrap())
    );
    let (status, receipt) = app
        .get(&format!("/api/v1/cases/{id}/receipt"), Some(&me))
        .await;
    assert_eq!(
        (status, receipt["deemed"].as_bool()),
        (200, Some(true)),
        "{receipt}"
    );
    app.stop().await;
}

pub async fn the_same_idempotency_key_gives_one_case_and_another_body_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let me = app.citizen("citizen-d");
    let body = application(FOOD, food_form());
    let key = [("Idempotency-Key", "k-123")];
    let (first, created) = app
        .send(
            awc::http::Method::POST,
            "/api/v1/cases",
            Some(&me),
            Some(&body),
            &key,
        )
        .await;
    let (again, replayed) = app
        .send(
            awc::http::Method::POST,
            "/api/v1/cases",
            Some(&me),
            Some(&body),
            &key,
        )
        .await;
    assert_eq!((first, again), (201, 200));
    assert_eq!(created["id"], replayed["id"]);
    let mut other = body.clone();
    other["contact_phone"] = json!("13900000000");
    let (status, refused) = app
        .send(
            awc::http::Method::POST,
            "/api/v1/cases",
            Some(&me),
            Some(&other),
            &key,
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "Idempotency-Key");
    let (_, mine) = app.get("/api/v1/cases", Some(&me)).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    app.expect_events(
        routing::INTAKE_CASE_SUBMITTED,
        created["id"].as_str().unwrap(),
        1,
    )
    .await;
    app.stop().await;
}

pub async fn citizens_and_clerks_see_and_change_only_what_is_theirs(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let created = app.submit_food("citizen-e").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let other = app.citizen("citizen-f");
    let (status, _) = app.get(&format!("/api/v1/cases/{id}"), Some(&other)).await;
    assert_eq!(status, 404, "another citizen cannot read it by id");
    let (_, mine) = app.get("/api/v1/cases", Some(&other)).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 0);
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/withdrawal"),
            &other,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404, "nor withdraw it");
    let (status, _) = app
        .get(&format!("/api/v1/cases/{id}/receipt"), Some(&other))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &other,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);

    // A clerk of another division neither finds nor accepts it.
    let foreign = app.staff("clerk-9", &[Role::WindowClerk], "320104");
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &foreign,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, found) = app
        .get(
            &format!(
                "/api/v1/case-search?number={}",
                &created["case_number"].as_str().unwrap()[..14]
            ),
            Some(&foreign),
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 0, "{found}");
    let (_, queue) = app.get("/api/v1/queue", Some(&foreign)).await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);
    // A reviewer of the division reads it but does not accept it; the division's clerk finds it.
    let reviewer = app.staff("reviewer-1", &[Role::Reviewer], "320102");
    let (status, seen) = app
        .get(&format!("/api/v1/cases/{id}"), Some(&reviewer))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        seen["applicant"]["revealed"]["id_number"],
        crate::helpers::ID,
        "handling staff see the number in full"
    );
    let supervisor = app.staff("sup-1", &[Role::Supervisor], "320100");
    let (status, supervised) = app
        .get(&format!("/api/v1/cases/{id}"), Some(&supervisor))
        .await;
    assert_eq!(status, 200, "a city supervisor sees the district's case");
    assert!(
        supervised["applicant"].get("revealed").is_none(),
        "but not the applicant in full"
    );
    assert_eq!(
        supervised["form"]["contact_phone"], "138****8000",
        "nor the personal data inside the form"
    );
    assert_eq!(seen["form"]["contact_phone"], "13800138000");
    let (_, own) = app
        .get(
            &format!("/api/v1/cases/{id}"),
            Some(&app.citizen("citizen-e")),
        )
        .await;
    assert!(own["applicant"].get("revealed").is_none());
    assert_eq!(
        own["form"]["contact_phone"], "13800138000",
        "the applicant's own form"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &reviewer,
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (_, found) = app
        .get("/api/v1/case-search?state=submitted", Some(&app.clerk()))
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    // A citizen has no staff search and no queue.
    let me = app.citizen("citizen-e");
    let (status, _) = app.get("/api/v1/case-search", Some(&me)).await;
    assert_eq!(status, 403);
    let (status, _) = app.get("/api/v1/queue", Some(&me)).await;
    assert_eq!(status, 403);
    app.stop().await;
}

pub async fn every_faulty_field_is_listed_at_once_and_illegal_transitions_name_the_state(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let me = app.citizen("citizen-g");
    let body = json!({"matter_code": FOOD,
        "applicant": {"kind": "natural_person", "name": "", "id_number": "110105194912310021"},
        "agent": {"name": "李四", "id_number": "123"},
        "contact_phone": "12345",
        "form": {"shop_name": "X", "main_form": "不存在的业态", "items": []}});
    let (status, problem) = app.post("/api/v1/cases", &me, &body).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "applicant.id_number",
        "applicant.name",
        "agent.id_number",
        "contact_phone",
        "form.shop_name",
        "form.main_form",
        "form.items",
        "form.premises",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let legal = json!({"matter_code": FOOD, "applicant": {"kind": "legal_person", "name": "南京某某餐饮管理有限公司", "credit_code": "91350100M000100Y44"}, "form": food_form()});
    let (status, problem) = app.post("/api/v1/cases", &me, &legal).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("applicant.credit_code")),
        "{problem}"
    );
    let (status, problem) = app.post("/api/v1/cases", &me, &json!({"matter_code": "nope", "applicant": {"kind": "natural_person", "name": "张三", "id_number": crate::helpers::ID}})).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("matter_code"))
    );

    let created = app.submit_food("citizen-g").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, problem) = app
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            &app.clerk(),
            &json!({"method": "pickup"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["title"], "the case is submitted");
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &app.clerk(),
            &json!({"version": 7}),
        )
        .await;
    assert_eq!(status, 409, "a stale version is refused");
    app.stop().await;
}

pub async fn an_instant_matter_is_decided_on_the_spot_and_a_withdrawal_cancels(backend: Backend) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    // 城乡居民基本养老保险参保登记 (江宁区), an instant matter, entered at the counter.
    let clerk = app.staff("clerk-j", &[Role::WindowClerk], "320115");
    let (_, matter) = app
        .get("/api/v1/matters?division=320115&case_type=instant", None)
        .await;
    let code = matter["items"][0]["implementation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = matter["items"][0]["form_schema"]["examples"][0].clone();
    let (status, created) = app.post("/api/v1/cases", &clerk, &json!({"matter_code": code, "window_code": "W-03",
        "applicant": {"kind": "natural_person", "name": "王五", "id_number": crate::helpers::ID}, "form": form})).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["channel"].as_str(), created["window_code"].as_str()),
        (Some("window"), Some("W-03"))
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, decided) = app
        .post(
            &format!("/api/v1/cases/{id}/instant-decision"),
            &clerk,
            &json!({"outcome": "approved", "opinion": "符合条件，当场办结"}),
        )
        .await;
    assert_eq!(
        (status, decided["state"].as_str()),
        (200, Some("decided")),
        "{decided}"
    );
    app.expect_events(routing::INTAKE_CASE_ACCEPTED, &id, 1)
        .await;
    app.expect_events(routing::INTAKE_CASE_DECIDED, &id, 1)
        .await;

    // A promised matter is not decided on the spot; its applicant may withdraw it.
    let food = app.submit_food("citizen-h").await;
    let food_id = food["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{food_id}/instant-decision"),
            &app.clerk(),
            &json!({"outcome": "approved", "opinion": "x"}),
        )
        .await;
    assert_eq!(status, 409);
    let (status, withdrawn) = app
        .post(
            &format!("/api/v1/cases/{food_id}/withdrawal"),
            &app.citizen("citizen-h"),
            &json!({"reason": "不再经营"}),
        )
        .await;
    assert_eq!(
        (status, withdrawn["state"].as_str()),
        (200, Some("withdrawn")),
        "{withdrawn}"
    );
    app.expect_events(routing::INTAKE_CASE_WITHDRAWN, &food_id, 1)
        .await;
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{food_id}/withdrawal"),
            &app.citizen("citizen-h"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "withdrawn once");
    app.stop().await;
}

pub async fn refusals_special_procedures_couriers_terminations_and_colours_each_take_their_path(
    backend: Backend,
) {
    use govhall_contracts::events::deadline::{ClockOverdue, ClockWarned, WarningLevel};
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let clerk = app.clerk();
    // 不予受理: reason and legal basis, as a notice; the applicant may still rate it.
    let refused = app.submit_food("citizen-p").await;
    let refused_id = refused["id"].as_str().unwrap().to_owned();
    let (status, problem) = app
        .post(
            &format!("/api/v1/cases/{refused_id}/rejection"),
            &clerk,
            &json!({"reason": "", "legal_basis": ""}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"].as_array().map(Vec::len)),
        (422, Some(2))
    );
    let (status, rejected) = app
        .post(&format!("/api/v1/cases/{refused_id}/rejection"), &clerk, &json!({"reason": "不属于本机关职权范围", "legal_basis": "《中华人民共和国行政许可法》第三十二条"}))
        .await;
    assert_eq!(
        (status, rejected["state"].as_str()),
        (200, Some("rejected")),
        "{rejected}"
    );
    app.expect_events(routing::INTAKE_CASE_REJECTED, &refused_id, 1)
        .await;
    let (_, detail) = app
        .get(
            &format!("/api/v1/cases/{refused_id}"),
            Some(&app.citizen("citizen-p")),
        )
        .await;
    let notice = detail["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "rejection")
        .unwrap()
        .clone();
    assert_eq!(
        notice["body"]["legal_basis"],
        "《中华人民共和国行政许可法》第三十二条"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{refused_id}/rating"),
            &app.citizen("citizen-p"),
            &json!({"score": 3}),
        )
        .await;
    assert_eq!(status, 201);

    // A special procedure suspends the case; a warning and an overdue clock colour it.
    let created = app.submit_food("citizen-q").await;
    let id = created["id"].as_str().unwrap().to_owned();
    let me = app.citizen("citizen-q");
    app.post(
        &format!("/api/v1/cases/{id}/acceptance"),
        &clerk,
        &json!({}),
    )
    .await;
    let reviewer = app.staff("reviewer-q", &[Role::Reviewer], "320102");
    let (status, suspended) = app
        .post(&format!("/api/v1/cases/{id}/suspension"), &reviewer, &json!({"procedure": "expert_review", "legal_basis": "《中华人民共和国行政许可法》第四十五条"}))
        .await;
    assert_eq!(
        (status, suspended["state"].as_str()),
        (200, Some("suspended")),
        "{suspended}"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/suspension"),
            &me,
            &json!({"procedure": "hearing", "legal_basis": "x"}),
        )
        .await;
    assert_eq!(status, 403, "an applicant starts no special procedure");
    let (status, resumed) = app
        .post(
            &format!("/api/v1/cases/{id}/resumption"),
            &reviewer,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, resumed["state"].as_str()),
        (200, Some("in_review")),
        "{resumed}"
    );
    app.expect_events(routing::INTAKE_CASE_SUSPENDED, &id, 1)
        .await;
    app.expect_events(routing::INTAKE_CASE_RESUMED, &id, 1)
        .await;
    assert_eq!(resumed["status_colour"], "green");
    let case_id: Uuid = id.parse().unwrap();
    let due = at("2026-11-17T00:00:00+08:00");
    app.publish(
        &ClockWarned {
            clock_id: Uuid::now_v7(),
            case_id,
            kind: ClockKind::Processing,
            department_code: None,
            level: WarningLevel::Yellow,
            due_at: due,
        },
        case_id,
        "deadline",
    )
    .await;
    app.case_when(&id, &me, "the yellow light", |c| {
        c["status_colour"] == "yellow"
    })
    .await;
    app.publish(
        &ClockOverdue {
            task_id: None,
            clock_id: Uuid::now_v7(),
            case_id,
            kind: ClockKind::Processing,
            department_code: None,
            due_at: due,
        },
        case_id,
        "deadline",
    )
    .await;
    app.case_when(&id, &me, "the red light", |c| c["status_colour"] == "red")
        .await;

    // The reviewing departments need a supplement: one notice, the case waits, then goes on.
    use govhall_contracts::events::approval::{DepartmentSupplement, SupplementRequested};
    let asked = SupplementRequested {
        review_id: Uuid::now_v7(),
        case_id,
        requests: vec![
            DepartmentSupplement {
                department_code: "320102-SCJGJ".into(),
                items: vec!["补充从业人员健康证明".into()],
            },
            DepartmentSupplement {
                department_code: "320102-WJW".into(),
                items: vec!["补充卫生检测报告".into()],
            },
        ],
        requested_at: at("2026-11-04T09:00:00+08:00"),
    };
    app.publish(&asked, case_id, "approval").await;
    let waiting = app
        .case_when(&id, &me, "the review's supplement request", |c| {
            c["state"] == "review_supplement_requested"
        })
        .await;
    let notice = waiting["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "supplement")
        .unwrap()
        .clone();
    assert_eq!(
        notice["body"]["lines"].as_array().unwrap().len(),
        2,
        "one notice with every department's items"
    );
    app.expect_events(routing::INTAKE_CASE_SUPPLEMENT_REQUESTED, &id, 1)
        .await;
    let (status, back) = app
        .post(
            &format!("/api/v1/cases/{id}/supplement"),
            &me,
            &json!({"note": "已补充"}),
        )
        .await;
    assert_eq!(
        (status, back["state"].as_str()),
        (200, Some("in_review")),
        "{back}"
    );
    assert_eq!(
        back["received_at"], created["received_at"],
        "a supplement in review does not move the receipt"
    );
    app.expect_events(routing::INTAKE_CASE_SUPPLEMENTED, &id, 1)
        .await;

    // The lead department returns the case to the window; the clerk resubmits it.
    use govhall_contracts::events::approval::ReviewReturned;
    let returned = ReviewReturned {
        review_id: Uuid::now_v7(),
        case_id,
        reason: "请核验原件".into(),
        returned_at: at("2026-11-04T09:30:00+08:00"),
    };
    app.publish(&returned, case_id, "approval").await;
    app.case_when(&id, &me, "the return to the window", |c| {
        c["state"] == "returned_to_window"
    })
    .await;
    let (_, queue) = app.get("/api/v1/queue", Some(&clerk)).await;
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str()),
        "back in the clerk's queue: {queue}"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/review-resubmission"),
            &clerk,
            &json!({}),
        )
        .await;
    assert_eq!(status, 422, "the clerk says what was done");
    let (status, again) = app
        .post(
            &format!("/api/v1/cases/{id}/review-resubmission"),
            &clerk,
            &json!({"reason": "已核验原件"}),
        )
        .await;
    assert_eq!(
        (status, again["state"].as_str()),
        (200, Some("in_review")),
        "{again}"
    );
    let (_, detail) = app.get(&format!("/api/v1/cases/{id}"), Some(&me)).await;
    assert!(
        detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "resubmitted"),
        "{detail}"
    );

    // The lead department suspends the review too: the case follows, and back.
    use govhall_contracts::events::approval::{ReviewResumed, ReviewSuspended};
    let review_id = Uuid::now_v7();
    let suspended = ReviewSuspended {
        review_id,
        case_id,
        procedure: "hearing".into(),
        legal_basis: "《中华人民共和国行政许可法》第四十六条".into(),
        comment: "需举行听证".into(),
        suspended_at: at("2026-11-04T10:00:00+08:00"),
    };
    app.publish(&suspended, case_id, "approval").await;
    let held = app
        .case_when(&id, &me, "the review's suspension", |c| {
            c["state"] == "suspended"
        })
        .await;
    assert_eq!(held["suspension"]["procedure"], "hearing");
    app.expect_events(routing::INTAKE_CASE_SUSPENDED, &id, 2)
        .await;
    app.publish(
        &ReviewResumed {
            review_id,
            case_id,
            resumed_at: at("2026-11-04T16:00:00+08:00"),
        },
        case_id,
        "approval",
    )
    .await;
    app.case_when(&id, &me, "the review's resumption", |c| {
        c["state"] == "in_review"
    })
    .await;
    app.expect_events(routing::INTAKE_CASE_RESUMED, &id, 2)
        .await;

    // Decided, sent by courier (a tracking number is required), then received.
    let concluded = ReviewConcluded {
        review_id: Uuid::now_v7(),
        case_id,
        outcome: Outcome::Denied,
        opinions: vec![],
        concluded_at: at("2026-11-05T10:00:00+08:00"),
    };
    app.publish(&concluded, case_id, "approval").await;
    app.case_when(&id, &me, "the decision", |c| c["state"] == "decided")
        .await;
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            &clerk,
            &json!({"method": "courier"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, sent) = app
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            &clerk,
            &json!({"method": "courier", "courier": "EMS", "tracking_number": "1187654321098"}),
        )
        .await;
    assert_eq!(
        (status, sent["state"].as_str()),
        (200, Some("delivering")),
        "{sent}"
    );
    let (status, received) = app
        .post(
            &format!("/api/v1/cases/{id}/delivery-confirmation"),
            &me,
            &json!({}),
        )
        .await;
    assert_eq!(
        (
            status,
            received["state"].as_str(),
            received["outcome"].as_str()
        ),
        (200, Some("completed"), Some("denied"))
    );

    // Staff terminate a case with a reason; the applicant gets a notice.
    let other = app.submit_food("citizen-s").await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{other_id}/termination"),
            &clerk,
            &json!({}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, ended) = app
        .post(
            &format!("/api/v1/cases/{other_id}/termination"),
            &clerk,
            &json!({"reason": "申请人死亡，无继承人继续申请"}),
        )
        .await;
    assert_eq!(
        (status, ended["state"].as_str()),
        (200, Some("terminated")),
        "{ended}"
    );
    app.expect_events(routing::INTAKE_CASE_TERMINATED, &other_id, 1)
        .await;
    app.stop().await;
}

pub async fn a_cross_level_case_is_decided_by_the_result_the_deciding_level_returns(
    backend: Backend,
) {
    use govhall_contracts::events::joint::ResultReturned;
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    // 危险化学品经营许可证核发 in 宜兴 (320282): county initial review, then the city decides.
    let clerk = app.staff("clerk-yx", &[Role::WindowClerk], "320282");
    let (_, found) = app.get("/api/v1/matters?division=320282", None).await;
    let matter = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["plan"]["kind"] == "cross_level")
        .unwrap()
        .clone();
    let (status, created) = app
        .post("/api/v1/cases", &clerk, &json!({"matter_code": matter["implementation_code"], "applicant": {"kind": "legal_person", "name": "宜兴某某化工贸易有限公司", "credit_code": "91350100M000100Y43"}, "form": matter["form_schema"]["examples"][0]}))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["applicant"]["name"], "宜兴某某化工贸易有限公司",
        "an organisation's name is not masked"
    );
    let id = created["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/cases/{id}/acceptance"),
        &clerk,
        &json!({}),
    )
    .await;
    let events = app
        .expect_events(routing::INTAKE_CASE_ACCEPTED, &id, 1)
        .await;
    let accepted: CaseAccepted = events[0].decode().unwrap();
    assert_eq!(
        accepted.plan.stages.len(),
        2,
        "the acceptance carries the chain"
    );
    let case_id: Uuid = id.parse().unwrap();
    // The county's review is only the initial one: the case stays under review.
    let concluded = ReviewConcluded {
        review_id: Uuid::now_v7(),
        case_id,
        outcome: Outcome::Approved,
        opinions: vec![],
        concluded_at: at("2026-11-05T10:00:00+08:00"),
    };
    app.publish(&concluded, case_id, "approval").await;
    let reviewed = app
        .case_when(&id, &clerk, "the initial review", |c| {
            c["timeline"]
                .as_array()
                .is_some_and(|t| t.iter().any(|e| e["kind"] == "initial_review"))
        })
        .await;
    assert_eq!(reviewed["state"], "in_review");
    let returned = ResultReturned {
        case_id,
        decided_by_division: "320200".into(),
        outcome: Outcome::Approved,
        opinions: vec!["无锡市应急管理局：同意".into()],
        returned_at: at("2026-11-20T10:00:00+08:00"),
    };
    app.publish(&returned, case_id, "joint").await;
    let decided = app
        .case_when(&id, &clerk, "the decision", |c| c["state"] == "decided")
        .await;
    assert_eq!(decided["decision"]["decided_by_division"], "320200");
    app.expect_events(routing::INTAKE_CASE_DECIDED, &id, 1)
        .await;
    app.stop().await;
}

pub async fn a_case_taken_in_at_another_regions_window_is_handled_there_and_seen_by_both(
    backend: Backend,
) {
    use govhall_contracts::events::{intake::PlanKind, joint::ResultReturned};
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    // 失业保险金申领 is Suzhou's (320500) and may be taken in anywhere in Jiangsu (全省通办).
    let code = "11320500MB0451967E3000511004";
    let (_, matter) = app.get(&format!("/api/v1/matters/{code}"), None).await;
    let form = matter["form_schema"]["examples"][0].clone();
    let body = json!({"matter_code": code, "window_code": "W-01",
        "applicant": {"kind": "natural_person", "name": "张三", "id_number": crate::helpers::ID}, "form": form});
    // A window outside Jiangsu may not; a Nanjing (玄武) window may.
    let hangzhou = app.staff("clerk-hz", &[Role::WindowClerk], "330102");
    let (status, _) = app.post("/api/v1/cases", &hangzhou, &body).await;
    assert_eq!(status, 403);
    let clerk = app.clerk();
    let (status, created) = app.post("/api/v1/cases", &clerk, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (
            created["division_code"].as_str(),
            created["handling_division_code"].as_str()
        ),
        (Some("320102"), Some("320500")),
        "the case shows both divisions"
    );
    assert!(
        created["case_number"]
            .as_str()
            .unwrap()
            .starts_with("320102"),
        "numbered by the accepting window"
    );
    // Online, the same matter goes to Suzhou alone.
    let (status, online) = app
        .post(
            "/api/v1/cases",
            &app.citizen("citizen-cr"),
            &application(code, form.clone()),
        )
        .await;
    assert_eq!(status, 201, "{online}");
    assert_eq!(
        (
            online["division_code"].as_str(),
            online["handling_division_code"].as_str()
        ),
        (Some("320500"), None)
    );

    let id = created["id"].as_str().unwrap().to_owned();
    let (status, accepted) = app
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            &clerk,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    let events = app
        .expect_events(routing::INTAKE_CASE_ACCEPTED, &id, 1)
        .await;
    let event: CaseAccepted = events[0].decode().unwrap();
    assert_eq!(event.plan.kind, PlanKind::CrossRegion);
    assert_eq!(
        event
            .plan
            .stages
            .iter()
            .map(|s| s.division_code.as_str())
            .collect::<Vec<_>>(),
        vec!["320102", "320500"]
    );
    assert_eq!(events[0].division_code, "320102");
    // Suzhou's staff see the case; Wuxi's do not; Suzhou's clerk cannot accept or hand over.
    let suzhou = app.staff("sz-reviewer", &[Role::Reviewer], "320500");
    let (status, seen) = app.get(&format!("/api/v1/cases/{id}"), Some(&suzhou)).await;
    assert_eq!(status, 200, "{seen}");
    let wuxi = app.staff("wx-reviewer", &[Role::Reviewer], "320200");
    let (status, _) = app.get(&format!("/api/v1/cases/{id}"), Some(&wuxi)).await;
    assert_eq!(status, 404);

    // Suzhou's review concludes (through joint handling): the result comes back to 玄武.
    let case_id: Uuid = id.parse().unwrap();
    app.publish(
        &ReviewConcluded {
            review_id: Uuid::now_v7(),
            case_id,
            outcome: Outcome::Approved,
            opinions: vec![],
            concluded_at: at("2026-11-05T10:00:00+08:00"),
        },
        case_id,
        "approval",
    )
    .await;
    let reviewed = app
        .case_when(&id, &clerk, "the handling review", |c| {
            c["timeline"]
                .as_array()
                .is_some_and(|t| t.iter().any(|e| e["kind"] == "handling_review"))
        })
        .await;
    assert_eq!(reviewed["state"], "in_review");
    app.publish(
        &ResultReturned {
            case_id,
            decided_by_division: "320500".into(),
            outcome: Outcome::Approved,
            opinions: vec!["苏州市人社局：同意".into()],
            returned_at: at("2026-11-10T10:00:00+08:00"),
        },
        case_id,
        "joint",
    )
    .await;
    app.case_when(&id, &clerk, "the decision", |c| c["state"] == "decided")
        .await;
    let sz_clerk = app.staff("sz-clerk", &[Role::WindowClerk], "320500");
    let (status, _) = app
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            &sz_clerk,
            &json!({"method": "pickup"}),
        )
        .await;
    assert_eq!(status, 403, "handed over at the accepting window only");
    let (status, done) = app
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            &clerk,
            &json!({"method": "pickup"}),
        )
        .await;
    assert_eq!((status, done["state"].as_str()), (200, Some("completed")));
    app.stop().await;
}
