//! Citizen A's case in Zhenjiang (321100), under the matter its administrator published:
//! reviewed, decided, handed over, rated badly, and the rectification that follows.

use govhall_web::Role;
use serde_json::json;

use super::{
    probe::{Caller, Probe, Snapshot, Target},
    support::*,
};
use crate::flow;

/// Citizen A's case in Zhenjiang, under the matter its administrator published: reviewed,
/// decided, handed over, rated badly; the rectification that follows. Yangzhou's staff
/// (321000, a code that also starts with 321) reach none of it.
pub async fn case_through_rating(p: &Probe<'_>, a: &str) {
    let api = p.api;
    let clerk = staff(p, "clerk-zj", &[Role::WindowClerk], ZHENJIANG, None);
    let form = flow::example_form(api, ZJ_MATTER).await;
    let created = post(
        api,
        "/api/v1/cases",
        a,
        flow::application(ZJ_MATTER, form, ID_NUMBER),
        201,
    )
    .await;
    assert_eq!(created["division_code"], ZHENJIANG);
    let id = created["id"].as_str().unwrap().to_owned();
    let department = created["department_code"].as_str().unwrap().to_owned();
    let path = |verb: &str| format!("/api/v1/cases/{id}{verb}");
    post(api, &path("/acceptance"), &clerk, json!({}), 200).await;
    let reviewer = staff(
        p,
        "reviewer-zj",
        &[Role::Reviewer],
        ZHENJIANG,
        Some(&department),
    );
    let task = task_of(api, &id, &reviewer).await;
    let clocks = clocks_of(api, &id, &clerk, &["processing", "task"]).await;
    let case = |method: &str, template: &str, verb: &str| {
        Target::new(
            method,
            template,
            path(verb),
            ZHENJIANG,
            case_snapshot(&id, a),
        )
        .department(&department)
    };
    p.check(case("GET", "/api/v1/cases/{id}", "")).await;
    let clock = clock_id(&clocks, "processing");
    p.check(Target::new(
        "GET",
        "/api/v1/clocks/{id}",
        format!("/api/v1/clocks/{clock}"),
        ZHENJIANG,
        Snapshot::new(format!("/api/v1/clocks/{clock}"), &clerk, clock_view),
    ))
    .await;
    let review = task["review_id"].as_str().unwrap();
    let task = task["id"].as_str().unwrap();
    let reviewed = || Snapshot::new(format!("/api/v1/reviews/{review}"), &reviewer, review_view);
    p.check(
        Target::new(
            "GET",
            "/api/v1/reviews/{id}",
            format!("/api/v1/reviews/{review}"),
            ZHENJIANG,
            reviewed(),
        )
        .department(&department),
    )
    .await;
    p.check(
        Target::new(
            "POST",
            "/api/v1/tasks/{id}/opinion",
            format!("/api/v1/tasks/{task}/opinion"),
            ZHENJIANG,
            reviewed(),
        )
        .department(&department)
        .body(json!({"outcome": "approve", "comment": "准予许可"})),
    )
    .await;

    // Decided, handed over, rated.
    post(
        api,
        &format!("/api/v1/tasks/{task}/opinion"),
        &reviewer,
        json!({"outcome": "approve", "comment": "材料齐全，准予许可"}),
        200,
    )
    .await;
    api.wait_for(&path(""), Some(a), WAIT, "the decision", |r| {
        r.body["state"] == "decided"
    })
    .await;
    p.check(
        case("POST", "/api/v1/cases/{id}/delivery", "/delivery").body(json!({"method": "pickup"})),
    )
    .await;
    post(
        api,
        &path("/delivery"),
        &clerk,
        json!({"method": "pickup"}),
        200,
    )
    .await;
    api.wait_for(&path(""), Some(a), WAIT, "the completion", |r| {
        r.body["state"] == "completed"
    })
    .await;
    p.check(
        case(
            "POST",
            "/api/v1/cases/{id}/delivery-confirmation",
            "/delivery-confirmation",
        )
        .body(json!({})),
    )
    .await;
    p.check(
        case("POST", "/api/v1/cases/{id}/rating", "/rating")
            .body(json!({"score": 5, "comment": "好评"})),
    )
    .await;
    post(
        api,
        &path("/rating"),
        a,
        json!({"score": 1, "comment": "多跑了两次"}),
        201,
    )
    .await;
    let listed = api
        .wait_for(
            "/api/v1/rectifications",
            Some(&clerk),
            WAIT,
            "the rectification",
            |r| {
                r.body
                    .as_array()
                    .is_some_and(|l| l.iter().any(|i| i["case_id"] == id.as_str()))
            },
        )
        .await;
    let item = item_of(&listed, "case_id", &id)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rectification = {
        let item = item.clone();
        Snapshot::new("/api/v1/rectifications".into(), &clerk, move |r| {
            let i = item_of(r, "id", &item);
            json!([i["state"], i["version"], i["note"]])
        })
    };
    let leader_and_supervisor = |division: &str, expect: u16, why: &str| {
        Caller::new(
            format!("a supervisor and leader of {division} ({why})"),
            staff(
                p,
                "sup-lead",
                &[Role::Supervisor, Role::Leader],
                division,
                None,
            ),
            expect,
        )
    };
    p.check(
        Target::new(
            "POST",
            "/api/v1/rectifications/{id}/closure",
            format!("/api/v1/rectifications/{item}/closure"),
            ZHENJIANG,
            rectification,
        )
        .department(&department)
        .body(json!({"note": "越权整改"}))
        .also(leader_and_supervisor("321000", 404, "not above Zhenjiang"))
        .also(leader_and_supervisor(
            "320000",
            403,
            "sees it, does not rectify it",
        )),
    )
    .await;
}
