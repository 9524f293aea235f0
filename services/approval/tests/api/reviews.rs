//! Reviews: join rules, deemed consent, cancellation, concurrency.

use govhall_contracts::{
    events::{
        LimitUnit, TimeLimit,
        deadline::{ClockKind, ClockOverdue},
        intake::{CaseAccepted, CaseWithdrawn, DepartmentPlan, HandlingPlan, JoinRule},
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
    }
}

async fn open(app: &TestApp, rule: JoinRule, departments: &[(&str, bool)]) -> Uuid {
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
