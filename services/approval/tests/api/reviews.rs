//! Reviews: join rules, deemed consent, cancellation, concurrency.

use govhall_contracts::{
    events::{
        LimitUnit, TimeLimit,
        deadline::{ClockKind, ClockOverdue},
        intake::{
            CaseAccepted, CaseDecided, CaseWithdrawn, DepartmentPlan, HandlingPlan, JoinRule,
        },
    },
    routing,
};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Backend, TestApp};

fn plan(rule: JoinRule, departments: &[(&str, bool)]) -> HandlingPlan {
    let wd = |value| TimeLimit {
        value,
        unit: LimitUnit::WorkingDays,
    };
    HandlingPlan {
        matter_version: 1,
        kind: Default::default(),
        stages: vec![],
        departments: departments
            .iter()
            .map(|(code, lead)| DepartmentPlan {
                department_code: (*code).into(),
                name: (*code).into(),
                lead: *lead,
                time_limit: wd(7),
                steps: vec![],
            })
            .collect(),
        join_rule: rule,
        time_limit: wd(15),
        statutory_limit: None,
        warning_ladder: None,
    }
}

fn accepted(case_id: Uuid, plan: HandlingPlan) -> CaseAccepted {
    CaseAccepted {
        case_id,
        case_number: "n".into(),
        accepted_at: chrono::Utc::now().fixed_offset(),
        plan,
        deemed: false,
        commitment: None,
        summary: None,
    }
}

pub async fn open(app: &TestApp, rule: JoinRule, departments: &[(&str, bool)]) -> Uuid {
    let case_id = Uuid::now_v7();
    app.publish(
        &accepted(case_id, plan(rule, departments)),
        case_id,
        "intake",
    )
    .await;
    case_id
}

pub async fn each_join_rule_concludes_as_it_should(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // 会签: a reasoned refusal by a co-department decides.
    let all = open(&app, JoinRule::All, &[("LEAD", true), ("CO", false)]).await;
    let (status, _) = app
        .opinion(
            &app.task(all, "CO").await,
            "CO",
            json!({"outcome": "disagree", "comment": "选址与规划不符"}),
        )
        .await;
    assert_eq!(status, 200);
    let done = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, all, 1)
        .await;
    assert_eq!(done[0].payload["outcome"], "denied");
    // 或签: one agreement suffices.
    let any = open(&app, JoinRule::Any, &[("LEAD", true), ("CO", false)]).await;
    app.opinion(
        &app.task(any, "CO").await,
        "CO",
        json!({"outcome": "agree"}),
    )
    .await;
    let done = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, any, 1)
        .await;
    assert_eq!(done[0].payload["outcome"], "approved");
    // The lead decides once every opinion is in, whatever the co-departments said.
    let lead = open(
        &app,
        JoinRule::LeadDecides,
        &[("LEAD", true), ("CO", false)],
    )
    .await;
    let (status, refused) = app
        .opinion(
            &app.task(lead, "LEAD").await,
            "LEAD",
            json!({"outcome": "approve"}),
        )
        .await;
    assert_eq!(
        (status, refused["errors"][0]["field"].as_str()),
        (422, Some("comment")),
        "the lead gives reasons"
    );
    app.opinion(
        &app.task(lead, "CO").await,
        "CO",
        json!({"outcome": "disagree", "comment": "有异议"}),
    )
    .await;
    let (status, _) = app
        .opinion(
            &app.task(lead, "LEAD").await,
            "LEAD",
            json!({"outcome": "approve", "comment": "综合各部门意见，准予许可"}),
        )
        .await;
    assert_eq!(status, 200);
    let done = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, lead, 1)
        .await;
    assert_eq!(done[0].payload["outcome"], "approved");
    assert_eq!(done[0].payload["opinions"].as_array().unwrap().len(), 2);
    app.stop().await;
}

pub async fn a_late_co_department_and_an_unreasoned_refusal_are_deemed_to_agree(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let case_id = open(
        &app,
        JoinRule::All,
        &[("LEAD", true), ("CO1", false), ("CO2", false)],
    )
    .await;
    // A refusal without a reason counts as agreement, recorded as deemed.
    let (status, task) = app
        .opinion(
            &app.task(case_id, "CO1").await,
            "CO1",
            json!({"outcome": "disagree"}),
        )
        .await;
    assert_eq!(status, 200, "{task}");
    assert_eq!(
        (task["outcome"].as_str(), task["deemed"].as_bool()),
        (Some("approved"), Some(true))
    );
    // CO2 never answers: the deadline service reports its task clock overdue.
    let co2 = app.task(case_id, "CO2").await;
    let overdue = ClockOverdue {
        clock_id: Uuid::now_v7(),
        case_id,
        kind: ClockKind::Task,
        department_code: Some("CO2".into()),
        due_at: chrono::Utc::now().fixed_offset(),
        task_id: Some(co2["id"].as_str().unwrap().parse().unwrap()),
    };
    let envelope = TestApp::envelope(&overdue, case_id, "deadline");
    // Delivered twice: deemed once.
    app.publish_all(&[envelope.clone(), envelope]).await;
    app.expect_events(routing::APPROVAL_TASK_CLOSED, case_id, 2)
        .await;
    let co2 = app.task(case_id, "CO2").await;
    assert_eq!(
        (
            co2["state"].as_str(),
            co2["deemed"].as_bool(),
            co2["outcome"].as_str()
        ),
        (Some("done"), Some(true), Some("approved")),
        "{co2}"
    );
    let (status, _) = app
        .opinion(
            &co2,
            "CO2",
            json!({"outcome": "disagree", "comment": "太迟了"}),
        )
        .await;
    assert_eq!(status, 409, "a deemed task takes no late answer");
    app.opinion(
        &app.task(case_id, "LEAD").await,
        "LEAD",
        json!({"outcome": "approve", "comment": "准予许可"}),
    )
    .await;
    let done = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, case_id, 1)
        .await;
    assert_eq!(done[0].payload["outcome"], "approved");
    let deemed: Vec<bool> = done[0].payload["opinions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["deemed"].as_bool().unwrap())
        .collect();
    assert_eq!(deemed.iter().filter(|d| **d).count(), 2, "{deemed:?}");
    app.stop().await;
}

pub async fn a_withdrawal_cancels_the_open_tasks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let case_id = open(&app, JoinRule::All, &[("LEAD", true), ("CO", false)]).await;
    app.opinion(
        &app.task(case_id, "CO").await,
        "CO",
        json!({"outcome": "agree"}),
    )
    .await;
    app.publish(
        &CaseWithdrawn {
            case_id,
            withdrawn_at: chrono::Utc::now().fixed_offset(),
        },
        case_id,
        "intake",
    )
    .await;
    // The answered task closed with its opinion; the lead's closes without one.
    let closed = app
        .expect_events(routing::APPROVAL_TASK_CLOSED, case_id, 2)
        .await;
    assert!(closed.iter().any(|e| e.payload["outcome"].is_null()));
    let lead = app.task(case_id, "LEAD").await;
    assert_eq!(lead["state"], "cancelled");
    let (status, _) = app
        .opinion(&lead, "LEAD", json!({"outcome": "approve", "comment": "x"}))
        .await;
    assert_eq!(status, 409);
    app.stop().await;
}

pub async fn a_case_decided_on_the_spot_leaves_no_review_open(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // An instant matter: accepted and decided in one step at the window.
    let case_id = open(&app, JoinRule::All, &[("LEAD", true)]).await;
    app.publish(
        &CaseDecided {
            case_id,
            outcome: govhall_contracts::events::Outcome::Approved,
            decided_at: chrono::Utc::now().fixed_offset(),
        },
        case_id,
        "intake",
    )
    .await;
    let closed = app
        .expect_events(routing::APPROVAL_TASK_CLOSED, case_id, 1)
        .await;
    assert!(
        closed[0].payload["outcome"].is_null(),
        "closed without an opinion, so the deadline service stops its clock: {}",
        closed[0].payload
    );
    assert_eq!(app.task(case_id, "LEAD").await["state"], "cancelled");
    app.stop().await;
}

pub async fn two_reviewers_on_one_task_one_wins_and_a_redelivered_acceptance_opens_one_review(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let case_id = Uuid::now_v7();
    let envelope = TestApp::envelope(
        &accepted(
            case_id,
            plan(JoinRule::All, &[("LEAD", true), ("CO", false)]),
        ),
        case_id,
        "intake",
    );
    app.publish_all(&[envelope.clone(), envelope]).await;
    app.expect_events(routing::APPROVAL_TASK_OPENED, case_id, 2)
        .await;
    let task = app.task(case_id, "CO").await;
    let body = json!({"outcome": "agree", "version": task["version"]});
    let (a, b) = tokio::join!(
        app.opinion(&task, "CO", body.clone()),
        app.opinion(&task, "CO", body)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    app.stop().await;
}

pub async fn tasks_are_claimed_released_and_assigned_and_the_inbox_shows_the_time_left(
    backend: Backend,
) {
    use govhall_contracts::events::deadline::ClockStarted;
    use govhall_web::Role;
    let app = TestApp::spawn(backend).await;
    let case_id = open(&app, JoinRule::All, &[("LEAD", true)]).await;
    let task = app.task(case_id, "LEAD").await;
    let task_id: Uuid = task["id"].as_str().unwrap().parse().unwrap();
    let due = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00+08:00").unwrap();
    let started = ClockStarted {
        clock_id: Uuid::now_v7(),
        case_id,
        kind: ClockKind::Task,
        limit: TimeLimit {
            value: 7,
            unit: LimitUnit::WorkingDays,
        },
        started_at: chrono::Utc::now().fixed_offset(),
        due_at: due,
        task_id: Some(task_id),
    };
    app.publish(&started, case_id, "deadline").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.task(case_id, "LEAD").await["due_at"].is_null() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the due time never reached the inbox"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Paused (a supplement, a hearing): no due time; resumed: the new one.
    use govhall_contracts::events::deadline::{ClockPaused, ClockResumed, PauseReason};
    let clock_id = Uuid::now_v7();
    let paused = ClockPaused {
        clock_id,
        case_id,
        kind: ClockKind::Task,
        reason: PauseReason::Hearing,
        paused_at: chrono::Utc::now().fixed_offset(),
        task_id: Some(task_id),
    };
    app.publish(&paused, case_id, "deadline").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while !app.task(case_id, "LEAD").await["due_at"].is_null() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the pause never reached the inbox"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let later = chrono::DateTime::parse_from_rfc3339("2026-12-08T00:00:00+08:00").unwrap();
    let resumed = ClockResumed {
        clock_id,
        case_id,
        kind: ClockKind::Task,
        resumed_at: chrono::Utc::now().fixed_offset(),
        due_at: later,
        task_id: Some(task_id),
    };
    app.publish(&resumed, case_id, "deadline").await;
    while app.task(case_id, "LEAD").await["due_at"].is_null() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the resumption never reached the inbox"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(
            app.task(case_id, "LEAD").await["due_at"].as_str().unwrap()
        )
        .unwrap(),
        later
    );
    let a = app.staff("reviewer-a", "LEAD", &[Role::Reviewer]);
    let b = app.staff("reviewer-b", "LEAD", &[Role::Reviewer]);
    let leader = app.staff("leader-1", "LEAD", &[Role::Leader]);
    let path = |verb: &str| format!("/api/v1/tasks/{task_id}/{verb}");
    let (status, claimed) = app
        .send(
            awc::http::Method::POST,
            &path("claim"),
            &a,
            Some(&json!({})),
        )
        .await;
    assert_eq!(
        (status, claimed["assignee"].as_str()),
        (200, Some("reviewer-a")),
        "{claimed}"
    );
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &path("claim"),
            &b,
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, 409, "held by another");
    let (status, held) = app
        .send(
            awc::http::Method::POST,
            &path("opinion"),
            &b,
            Some(&json!({"outcome": "approve", "comment": "x"})),
        )
        .await;
    assert_eq!(
        (status, held["code"].as_str()),
        (409, Some("assigned_to_another"))
    );
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &path("release"),
            &b,
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, 409, "only the holder releases");
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &path("release"),
            &a,
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &path("assignment"),
            &a,
            Some(&json!({"assignee": "reviewer-b"})),
        )
        .await;
    assert_eq!(status, 403, "only a leader assigns");
    let (status, assigned) = app
        .send(
            awc::http::Method::POST,
            &path("assignment"),
            &leader,
            Some(&json!({"assignee": "reviewer-b", "reason": "按分工"})),
        )
        .await;
    assert_eq!(
        (status, assigned["assignee"].as_str()),
        (200, Some("reviewer-b"))
    );
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &path("opinion"),
            &b,
            Some(&json!({"outcome": "approve", "comment": "符合条件"})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, review) = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/reviews/{}", task["review_id"].as_str().unwrap()),
            &leader,
            None,
        )
        .await;
    let actions: Vec<&str> = review["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["claimed", "released", "assigned"], "{review}");
    app.stop().await;
}

pub async fn a_co_department_is_added_and_another_removed_mid_review(backend: Backend) {
    use govhall_web::Role;
    let app = TestApp::spawn(backend).await;
    let case_id = open(
        &app,
        JoinRule::All,
        &[("LEAD", true), ("CO1", false), ("CO2", false)],
    )
    .await;
    let review_id = app.task(case_id, "LEAD").await["review_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead = app.staff("lead-reviewer", "LEAD", &[Role::Reviewer]);
    let co1 = app.staff("co1-reviewer", "CO1", &[Role::Reviewer]);
    let post = |path: String, who: String, body: serde_json::Value| {
        let app = &app;
        async move {
            app.send(awc::http::Method::POST, &path, &who, Some(&body))
                .await
        }
    };
    let (status, _) = post(
        format!("/api/v1/reviews/{review_id}/departments"),
        co1.clone(),
        json!({"department_code": "CO3", "name": "CO3", "reason": "x"}),
    )
    .await;
    assert_eq!(status, 403, "a co-department does not change the make-up");
    let (status, _) = post(
        format!("/api/v1/reviews/{review_id}/departments"),
        lead.clone(),
        json!({"department_code": "CO3", "name": "CO3", "reason": ""}),
    )
    .await;
    assert_eq!(status, 422, "a reason is required");
    let (status, added) = post(
        format!("/api/v1/reviews/{review_id}/departments"),
        lead.clone(),
        json!({"department_code": "CO3", "name": "卫健委", "reason": "涉及卫生条件"}),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    // Every task, the added one's too, names the review's division: with the department code
    // it tells the intake service who may read the case.
    let opened = app
        .expect_events(routing::APPROVAL_TASK_OPENED, case_id, 4)
        .await;
    assert!(
        opened
            .iter()
            .all(|e| e.payload["division_code"] == "320102"),
        "{opened:?}"
    );
    app.opinion(
        &app.task(case_id, "CO1").await,
        "CO1",
        json!({"outcome": "agree"}),
    )
    .await;
    app.opinion(
        &app.task(case_id, "LEAD").await,
        "LEAD",
        json!({"outcome": "approve", "comment": "准予"}),
    )
    .await;
    let (status, _) = post(
        format!("/api/v1/reviews/{review_id}/departments/LEAD/removal"),
        lead.clone(),
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(status, 409, "the lead stays");
    let (status, _) = post(
        format!("/api/v1/reviews/{review_id}/departments/CO1/removal"),
        lead.clone(),
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(status, 409, "a department that answered stays");
    let (status, review) = post(
        format!("/api/v1/reviews/{review_id}/departments/CO2/removal"),
        lead.clone(),
        json!({"reason": "不涉及该部门职责"}),
    )
    .await;
    assert_eq!(
        (status, review["state"].as_str()),
        (200, Some("open")),
        "CO3 still has to answer: {review}"
    );
    app.opinion(
        &app.task(case_id, "CO3").await,
        "CO3",
        json!({"outcome": "agree"}),
    )
    .await;
    let done = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, case_id, 1)
        .await;
    assert_eq!(done[0].payload["outcome"], "approved");
    let departments: Vec<&str> = done[0].payload["opinions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["department_code"].as_str().unwrap())
        .collect();
    assert!(
        departments.contains(&"CO3") && !departments.contains(&"CO2"),
        "{departments:?}"
    );
    let (_, review) = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/reviews/{review_id}"),
            &lead,
            None,
        )
        .await;
    let actions: Vec<&str> = review["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["department_added", "department_removed"]);
    assert_eq!(review["log"][1]["details"]["reason"], "不涉及该部门职责");
    app.stop().await;
}

pub async fn the_lead_suspends_the_review_for_a_special_procedure_and_resumes_it(backend: Backend) {
    use govhall_web::Role;
    let app = TestApp::spawn(backend).await;
    let case_id = open(&app, JoinRule::All, &[("LEAD", true), ("CO", false)]).await;
    let lead_task = app.task(case_id, "LEAD").await;
    let review_id = lead_task["review_id"].as_str().unwrap().to_owned();
    let (status, problem) = app
        .opinion(
            &lead_task,
            "LEAD",
            json!({"outcome": "suspend", "comment": "需专家评审"}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("procedure")),
        "{problem}"
    );
    let (status, _) = app
        .opinion(&lead_task, "LEAD", json!({"outcome": "suspend", "procedure": "expert_review", "legal_basis": "《中华人民共和国行政许可法》第四十五条", "comment": "需专家评审"}))
        .await;
    assert_eq!(status, 200);
    let lead = app.staff("lead-1", "LEAD", &[Role::Reviewer]);
    let (_, review) = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/reviews/{review_id}"),
            &lead,
            None,
        )
        .await;
    assert_eq!(review["state"], "suspended");
    let (status, waiting) = app
        .opinion(
            &app.task(case_id, "CO").await,
            "CO",
            json!({"outcome": "agree"}),
        )
        .await;
    assert_eq!(
        (status, waiting["code"].as_str()),
        (409, Some("review_suspended"))
    );
    let co = app.staff("co-1", "CO", &[Role::Reviewer]);
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &format!("/api/v1/reviews/{review_id}/resumption"),
            &co,
            Some(&json!({})),
        )
        .await;
    assert_eq!(status, 403, "only the lead resumes");
    let (status, review) = app
        .send(
            awc::http::Method::POST,
            &format!("/api/v1/reviews/{review_id}/resumption"),
            &lead,
            Some(&json!({})),
        )
        .await;
    assert_eq!(
        (status, review["state"].as_str()),
        (200, Some("open")),
        "{review}"
    );
    let (status, _) = app
        .opinion(
            &app.task(case_id, "CO").await,
            "CO",
            json!({"outcome": "agree"}),
        )
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}

pub async fn a_department_reviews_in_steps_and_a_later_step_sends_back(backend: Backend) {
    use govhall_contracts::events::intake::ReviewStep;
    use govhall_web::Role;
    let app = TestApp::spawn(backend).await;
    let mut stepped = plan(JoinRule::All, &[("LEAD", true)]);
    stepped.departments[0].steps = [
        ("初审", "reviewer"),
        ("复审", "reviewer"),
        ("审批", "leader"),
    ]
    .into_iter()
    .map(|(name, role)| ReviewStep {
        name: name.into(),
        role: role.into(),
    })
    .collect();
    let case_id = Uuid::now_v7();
    app.publish(&accepted(case_id, stepped), case_id, "intake")
        .await;
    let task = app.task(case_id, "LEAD").await;
    assert_eq!(
        (task["step"]["name"].as_str(), task["step"]["of"].as_u64()),
        (Some("初审"), Some(3))
    );
    let id = task["id"].as_str().unwrap().to_owned();
    let reviewer = app.staff("reviewer-1", "LEAD", &[Role::Reviewer]);
    let leader = app.staff("leader-1", "LEAD", &[Role::Leader]);
    let opinion = |who: String, body: serde_json::Value| {
        let (app, id) = (&app, id.clone());
        async move {
            app.send(
                awc::http::Method::POST,
                &format!("/api/v1/tasks/{id}/opinion"),
                &who,
                Some(&body),
            )
            .await
        }
    };
    let (status, at) = opinion(
        reviewer.clone(),
        json!({"outcome": "agree", "comment": "材料齐全"}),
    )
    .await;
    assert_eq!(
        (status, at["step"]["name"].as_str(), at["state"].as_str()),
        (200, Some("复审"), Some("open")),
        "{at}"
    );
    let (_, at) = opinion(
        reviewer.clone(),
        json!({"outcome": "agree", "comment": "同意初审意见"}),
    )
    .await;
    assert_eq!(at["step"]["name"], "审批");
    let (status, _) = opinion(
        reviewer.clone(),
        json!({"outcome": "approve", "comment": "x"}),
    )
    .await;
    assert_eq!(status, 403, "the sign-off step is a leader's");
    let send_back = |body: serde_json::Value| {
        let (app, id, leader) = (&app, id.clone(), leader.clone());
        async move {
            app.send(
                awc::http::Method::POST,
                &format!("/api/v1/tasks/{id}/send-back"),
                &leader,
                Some(&body),
            )
            .await
        }
    };
    let (status, _) = send_back(json!({"to_step": 2, "reason": "x"})).await;
    assert_eq!(status, 422, "only to an earlier step");
    let (status, back) = send_back(json!({"to_step": 0, "reason": "初审未说明选址依据"})).await;
    assert_eq!(
        (status, back["step"]["name"].as_str()),
        (200, Some("初审")),
        "{back}"
    );
    opinion(
        reviewer.clone(),
        json!({"outcome": "agree", "comment": "已补充选址依据"}),
    )
    .await;
    opinion(
        reviewer.clone(),
        json!({"outcome": "agree", "comment": "同意"}),
    )
    .await;
    let (status, done) = opinion(
        leader.clone(),
        json!({"outcome": "approve", "comment": "准予许可"}),
    )
    .await;
    assert_eq!(
        (status, done["state"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    let concluded = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, case_id, 1)
        .await;
    assert_eq!(concluded[0].payload["outcome"], "approved");
    let (_, review) = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/reviews/{}", task["review_id"].as_str().unwrap()),
            &leader,
            None,
        )
        .await;
    let actions: Vec<&str> = review["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "step_done",
            "step_done",
            "sent_back",
            "step_done",
            "step_done"
        ]
    );
    app.stop().await;
}

pub async fn supplement_requests_of_two_departments_go_out_as_one_and_only_the_askers_review_again(
    backend: Backend,
) {
    use govhall_contracts::events::intake::CaseSupplemented;
    let app = TestApp::spawn(backend).await;
    let case_id = open(
        &app,
        JoinRule::All,
        &[("LEAD", true), ("CO1", false), ("CO2", false)],
    )
    .await;
    let ask = |dept: &'static str, item: &'static str| {
        let app = &app;
        async move {
            let task = app.task(case_id, dept).await;
            let id = task["id"].as_str().unwrap().to_owned();
            app.send(
                awc::http::Method::POST,
                &format!("/api/v1/tasks/{id}/supplement-request"),
                &app.reviewer(dept),
                Some(&json!({"items": [item]})),
            )
            .await
        }
    };
    let (status, waiting) = ask("CO1", "补充建设项目环境影响登记表").await;
    assert_eq!(
        (status, waiting["state"].as_str()),
        (200, Some("awaiting_supplement")),
        "{waiting}"
    );
    let (status, _) = ask("CO2", "补正总平面图").await;
    assert_eq!(status, 200);
    let (status, _) = app
        .opinion(
            &app.task(case_id, "CO1").await,
            "CO1",
            json!({"outcome": "agree"}),
        )
        .await;
    assert_eq!(status, 409, "a waiting task takes no opinion");
    // One request for the applicant, both departments in it.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let merged = loop {
        let found: Vec<_> = app
            .seen_by_intake
            .lock()
            .unwrap()
            .iter()
            .filter(|e| {
                e.message_type == routing::APPROVAL_SUPPLEMENT_REQUESTED
                    && e.correlation_id == case_id
            })
            .cloned()
            .collect();
        if !found.is_empty() {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let again = app
                .seen_by_intake
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.message_type == routing::APPROVAL_SUPPLEMENT_REQUESTED)
                .count();
            assert_eq!(again, 1, "merged into one request");
            break found[0].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no merged request");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let departments: Vec<&str> = merged.payload["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["department_code"].as_str().unwrap())
        .collect();
    assert_eq!(departments, ["CO1", "CO2"]);
    // The supplement arrives: the askers review again and the review concludes.
    app.publish(
        &CaseSupplemented {
            case_id,
            commitment: false,
            supplemented_at: chrono::Utc::now().fixed_offset(),
        },
        case_id,
        "intake",
    )
    .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.task(case_id, "CO1").await["state"] != "open" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the asker's task never reopened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for dept in ["CO1", "CO2"] {
        let (status, _) = app
            .opinion(
                &app.task(case_id, dept).await,
                dept,
                json!({"outcome": "agree"}),
            )
            .await;
        assert_eq!(status, 200);
    }
    app.opinion(
        &app.task(case_id, "LEAD").await,
        "LEAD",
        json!({"outcome": "approve", "comment": "准予许可"}),
    )
    .await;
    let done = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, case_id, 1)
        .await;
    assert_eq!(done[0].payload["outcome"], "approved");
    app.stop().await;
}

pub async fn a_level_of_a_chain_reviews_the_case_after_the_accepting_level(backend: Backend) {
    use govhall_contracts::events::{
        intake::DepartmentPlan,
        joint::{StageReceived, StageReturned},
    };
    let app = TestApp::spawn(backend).await;
    let case_id = open(&app, JoinRule::All, &[("COUNTY", true)]).await;
    app.opinion(
        &app.task(case_id, "COUNTY").await,
        "COUNTY",
        json!({"outcome": "approve", "comment": "初审同意"}),
    )
    .await;
    app.expect_events(routing::APPROVAL_REVIEW_CONCLUDED, case_id, 1)
        .await;
    // The county sends the case up and the city signs for it: the city reviews it in a
    // review of its own.
    let limit = TimeLimit {
        value: 20,
        unit: LimitUnit::WorkingDays,
    };
    let received = |transfer_id| StageReceived {
        case_id,
        transfer_id,
        division: "320200".into(),
        departments: vec![DepartmentPlan {
            department_code: "CITY".into(),
            name: "市局".into(),
            lead: true,
            time_limit: limit,
            steps: vec![],
        }],
        join_rule: JoinRule::All,
        time_limit: limit,
        received_at: chrono::Utc::now().fixed_offset(),
    };
    app.publish(&received(Uuid::now_v7()), case_id, "joint")
        .await;
    // The city's review belongs to the city: a token of the same department code in the
    // county's division sees nothing; the city's reviewer sees and answers it.
    let city_reviewer = app.staff_of(
        "city-reviewer",
        "320200",
        "CITY",
        &[govhall_web::Role::Reviewer],
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let city = loop {
        let (_, body) = app
            .send(
                awc::http::Method::GET,
                &format!("/api/v1/tasks?case_id={case_id}"),
                &city_reviewer,
                None,
            )
            .await;
        if let Some(task) = body["items"].as_array().and_then(|a| a.first()) {
            break task.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no city task");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    // Its task names the city, whatever division the message that opened it carried.
    let opened = app
        .expect_events(routing::APPROVAL_TASK_OPENED, case_id, 2)
        .await;
    let city_task = opened
        .iter()
        .find(|e| e.payload["department_code"] == "CITY")
        .expect("the city's task opened");
    assert_eq!(city_task.payload["division_code"], "320200");
    let (_, county_view) = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/tasks?case_id={case_id}"),
            &app.reviewer("CITY"),
            None,
        )
        .await;
    assert_eq!(
        county_view["items"].as_array().map(Vec::len),
        Some(0),
        "{county_view}"
    );
    let id = city["id"].as_str().unwrap();
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &format!("/api/v1/tasks/{id}/opinion"),
            &city_reviewer,
            Some(&json!({"outcome": "approve", "comment": "审查同意"})),
        )
        .await;
    assert_eq!(status, 200);
    let concluded = app
        .expect_events(routing::APPROVAL_REVIEW_CONCLUDED, case_id, 2)
        .await;
    assert!(concluded.iter().all(|e| e.payload["outcome"] == "approved"));

    // A later transfer the city sends back (退回) before answering: its review ends and its
    // task closes unanswered.
    let again = Uuid::now_v7();
    app.publish(&received(again), case_id, "joint").await;
    app.expect_events(routing::APPROVAL_TASK_OPENED, case_id, 3)
        .await;
    app.publish(
        &StageReturned {
            case_id,
            transfer_id: again,
            sent_back: true,
            reason: None,
            returned_at: chrono::Utc::now().fixed_offset(),
        },
        case_id,
        "joint",
    )
    .await;
    let closed = app
        .expect_events(routing::APPROVAL_TASK_CLOSED, case_id, 3)
        .await;
    assert!(
        closed
            .iter()
            .any(|e| e.payload["department_code"] == "CITY" && e.payload["outcome"].is_null()),
        "{:?}",
        closed.iter().map(|e| &e.payload).collect::<Vec<_>>()
    );
    app.stop().await;
}

pub async fn the_lead_returns_the_case_to_the_window_and_a_resubmission_opens_a_new_review(
    backend: Backend,
) {
    use govhall_contracts::events::intake::CaseResubmitted;
    use govhall_web::Role;
    let app = TestApp::spawn(backend).await;
    let case_id = open(&app, JoinRule::All, &[("LEAD", true), ("CO", false)]).await;
    let first = app.task(case_id, "LEAD").await["review_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lead = app.staff("lead-1", "LEAD", &[Role::Reviewer]);
    let (status, _) = app
        .send(
            awc::http::Method::POST,
            &format!("/api/v1/reviews/{first}/return-to-window"),
            &lead,
            Some(&json!({"reason": ""})),
        )
        .await;
    assert_eq!(status, 422);
    let (status, review) = app
        .send(
            awc::http::Method::POST,
            &format!("/api/v1/reviews/{first}/return-to-window"),
            &lead,
            Some(&json!({"reason": "请窗口核验土地使用权证原件"})),
        )
        .await;
    assert_eq!(
        (status, review["state"].as_str()),
        (200, Some("returned")),
        "{review}"
    );
    assert!(
        review["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "cancelled")
    );
    app.expect_events(routing::APPROVAL_TASK_CLOSED, case_id, 2)
        .await;
    app.publish(
        &CaseResubmitted {
            case_id,
            note: "已核验原件".into(),
            resubmitted_at: chrono::Utc::now().fixed_offset(),
        },
        case_id,
        "intake",
    )
    .await;
    app.expect_events(routing::APPROVAL_TASK_OPENED, case_id, 4)
        .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, body) = app
            .send(
                awc::http::Method::GET,
                &format!("/api/v1/tasks?case_id={case_id}"),
                &lead,
                None,
            )
            .await;
        let open: Vec<_> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["state"] == "open")
            .cloned()
            .collect();
        if let Some(task) = open.first() {
            assert_ne!(
                task["review_id"].as_str(),
                Some(first.as_str()),
                "a new review"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no new review");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.stop().await;
}
