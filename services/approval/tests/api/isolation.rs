//! Who may see and act on a review and its tasks: staff of the review's division (a
//! department code names a body, but the division is checked with it), supervisors of the
//! division or one above it only reading; a task someone holds is his.

use awc::http::Method;
use govhall_contracts::events::intake::JoinRule;
use govhall_web::Role;
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, TestApp},
    reviews::open,
};

/// The task's state, version and holder, and the review's version and log length.
async fn snapshot(app: &TestApp, review: &str) -> Value {
    let (status, body) = app
        .send(
            Method::GET,
            &format!("/api/v1/reviews/{review}"),
            &app.reviewer("LEAD"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    json!({"version": body["version"], "log": body["log"].as_array().map(Vec::len),
        "tasks": body["tasks"].as_array().unwrap().iter()
            .map(|t| json!([t["state"], t["version"], t["assignee"]])).collect::<Vec<_>>()})
}

/// I-4: staff of another division who claim the department code of a review's task neither
/// see nor change it; a supervisor above reads it without changing it.
pub async fn staff_of_another_division_with_the_same_department_code_neither_see_nor_act(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let case_id = open(&app, JoinRule::All, &[("LEAD", true), ("CO1", false)]).await;
    let task = app.task(case_id, "LEAD").await;
    let (id, review) = (
        task["id"].as_str().unwrap().to_owned(),
        task["review_id"].as_str().unwrap().to_owned(),
    );
    let before = snapshot(&app, &review).await;
    let task_calls = [
        ("claim", json!({})),
        ("release", json!({})),
        ("assignment", json!({"assignee": "reviewer-x"})),
        (
            "opinion",
            json!({"outcome": "approve", "comment": "准予许可"}),
        ),
        ("send-back", json!({"to_step": 0, "reason": "退回"})),
        ("supplement-request", json!({"items": ["补正材料"]})),
    ];
    let review_calls = [
        (
            "departments".to_owned(),
            json!({"department_code": "CO2", "name": "CO2", "reason": "加签"}),
        ),
        (
            "departments/CO1/removal".to_owned(),
            json!({"reason": "减签"}),
        ),
        ("resumption".to_owned(), json!({})),
        ("return-to-window".to_owned(), json!({"reason": "退回窗口"})),
    ];
    // Another city, a sibling district, and a city whose code merely starts alike.
    for division in ["320505", "320104", "321000"] {
        let foreign = app.staff_of("foreign", division, "LEAD", &[Role::Reviewer, Role::Leader]);
        for (verb, body) in &task_calls {
            let (status, answer) = app
                .send(
                    Method::POST,
                    &format!("/api/v1/tasks/{id}/{verb}"),
                    &foreign,
                    Some(body),
                )
                .await;
            assert_eq!(status, 404, "{division} {verb}: {answer}");
        }
        let (status, _) = app
            .send(
                Method::GET,
                &format!("/api/v1/reviews/{review}"),
                &foreign,
                None,
            )
            .await;
        assert_eq!(status, 404, "{division} reads the review");
        for (verb, body) in &review_calls {
            let (status, answer) = app
                .send(
                    Method::POST,
                    &format!("/api/v1/reviews/{review}/{verb}"),
                    &foreign,
                    Some(body),
                )
                .await;
            assert_eq!(status, 404, "{division} {verb}: {answer}");
        }
        let (_, inbox) = app
            .send(
                Method::GET,
                &format!("/api/v1/tasks?case_id={case_id}"),
                &foreign,
                None,
            )
            .await;
        assert_eq!(inbox["items"], json!([]), "{division}'s inbox");
    }
    // Supervisors: Nanjing above Xuanwu reads it; Yangzhou is not above anything here.
    let nanjing = app.staff_of(
        "sup-nj",
        "320100",
        "LEAD",
        &[Role::Supervisor, Role::Reviewer],
    );
    let (status, _) = app
        .send(
            Method::GET,
            &format!("/api/v1/reviews/{review}"),
            &nanjing,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send(
            Method::POST,
            &format!("/api/v1/reviews/{review}/departments"),
            &nanjing,
            Some(&review_calls[0].1),
        )
        .await;
    assert_eq!(status, 403, "reading is not changing");
    for division in ["320500", "321000", "300000"] {
        let (status, _) = app
            .send(
                Method::GET,
                &format!("/api/v1/reviews/{review}"),
                &app.staff_of("sup", division, "X", &[Role::Supervisor]),
                None,
            )
            .await;
        assert_eq!(status, 404, "a supervisor of {division}");
    }
    assert_eq!(snapshot(&app, &review).await, before, "nothing changed");
    app.stop().await;
}

/// I-5: a task a reviewer claimed is his for sending back and asking for a supplement too,
/// as for an opinion; a leader may still act for the department.
pub async fn a_task_held_by_one_reviewer_is_not_sent_back_or_suspended_for_a_supplement_by_another(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let case_id = open(&app, JoinRule::All, &[("LEAD", true)]).await;
    let task = app.task(case_id, "LEAD").await;
    let id = task["id"].as_str().unwrap().to_owned();
    let a = app.staff("reviewer-a", "LEAD", &[Role::Reviewer]);
    let b = app.staff("reviewer-b", "LEAD", &[Role::Reviewer]);
    let post = |who: String, verb: &'static str, body: Value| {
        let (app, id) = (&app, id.clone());
        async move {
            app.send(
                Method::POST,
                &format!("/api/v1/tasks/{id}/{verb}"),
                &who,
                Some(&body),
            )
            .await
        }
    };
    let (status, claimed) = post(a.clone(), "claim", json!({})).await;
    assert_eq!(status, 200, "{claimed}");
    for (verb, body) in [
        ("supplement-request", json!({"items": ["补正总平面图"]})),
        ("send-back", json!({"to_step": 0, "reason": "退回"})),
    ] {
        let (status, refused) = post(b.clone(), verb, body).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (409, Some("assigned_to_another")),
            "{verb}: {refused}"
        );
    }
    let leader = app.staff("leader-1", "LEAD", &[Role::Leader]);
    let (status, waiting) = post(
        leader,
        "supplement-request",
        json!({"items": ["补正总平面图"]}),
    )
    .await;
    assert_eq!(
        (status, waiting["state"].as_str()),
        (200, Some("awaiting_supplement")),
        "{waiting}"
    );
    app.stop().await;
}
