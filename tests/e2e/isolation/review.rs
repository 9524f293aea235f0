//! The Xuanwu case under review: its receipt, special procedures, clocks, its review with a
//! co-department added by the lead, its task claimed by the lead's reviewer.

use govhall_web::Role;
use serde_json::json;

use super::{
    applications::Accepted,
    probe::{Probe, Snapshot, Target},
    support::*,
};

/// Everything an accepted case has while it is reviewed.
pub async fn in_review(p: &Probe<'_>, a: &str, accepted: Accepted) {
    let api = p.api;
    let Accepted { id, department } = accepted;
    let clerk = staff(p, "clerk-xw", &[Role::WindowClerk], XUANWU, None);
    let case = |method: &str, template: &str, suffix: &str| {
        Target::new(
            method,
            template,
            format!("/api/v1/cases/{id}{suffix}"),
            XUANWU,
            case_snapshot(&id, a),
        )
        .department(&department)
    };
    let reviewer = staff(
        p,
        "reviewer-xw",
        &[Role::Reviewer],
        XUANWU,
        Some(&department),
    );
    let task = task_of(api, &id, &reviewer).await;
    let clocks = clocks_of(api, &id, &clerk, &["processing", "commitment", "task"]).await;
    p.check(case("GET", "/api/v1/cases/{id}/receipt", "/receipt"))
        .await;
    for (verb, body) in [
        ("commitment-fulfilment", json!({})),
        (
            "suspension",
            json!({"procedure": "expert_review", "legal_basis": "《中华人民共和国行政许可法》第四十五条"}),
        ),
        ("resumption", json!({})),
        ("termination", json!({"reason": "申请人死亡"})),
        ("review-resubmission", json!({"reason": "已核验原件"})),
    ] {
        let template = format!("/api/v1/cases/{{id}}/{verb}");
        p.check(case("POST", &template, &format!("/{verb}")).body(body))
            .await;
    }
    for (kind, dept) in [("processing", None), ("task", Some(department.as_str()))] {
        let clock = clock_id(&clocks, kind);
        let at = |verb: &str| format!("/api/v1/clocks/{clock}{verb}");
        let target = |method: &str, template: &str, verb: &str| {
            let t = Target::new(
                method,
                template,
                at(verb),
                XUANWU,
                Snapshot::new(at(""), &clerk, clock_view),
            );
            match dept {
                Some(d) => t.department(d),
                None => t,
            }
        };
        p.check(target("GET", "/api/v1/clocks/{id}", "")).await;
        p.check(target("POST", "/api/v1/clocks/{id}/pause", "/pause").body(
            json!({"reason": "expert_review", "legal_basis": "《中华人民共和国行政许可法》第四十五条", "note": "越权"}),
        ))
        .await;
        p.check(target("POST", "/api/v1/clocks/{id}/resume", "/resume").body(json!({})))
            .await;
        p.check(target("POST", "/api/v1/clocks/{id}/extension", "/extension").body(
            json!({"value": 5, "reason": "越权延期", "legal_basis": "《中华人民共和国行政许可法》第四十二条"}),
        ))
        .await;
    }

    let review = task["review_id"].as_str().unwrap().to_owned();
    let task = task["id"].as_str().unwrap().to_owned();
    let reviewed = || Snapshot::new(format!("/api/v1/reviews/{review}"), &reviewer, review_view);
    let on_review = |method: &str, template: &str, verb: &str| {
        Target::new(
            method,
            template,
            format!("/api/v1/reviews/{review}{verb}"),
            XUANWU,
            reviewed(),
        )
        .department(&department)
    };
    p.check(on_review("GET", "/api/v1/reviews/{id}", "")).await;
    let co = json!({"department_code": "320102-WJW", "name": "南京市玄武区卫生健康委员会", "working_days": 7, "reason": "涉及卫生许可条件"});
    p.check(on_review("POST", "/api/v1/reviews/{id}/departments", "/departments").body(co.clone()))
        .await;
    // The lead department adds it itself (加签), then nobody else may remove it.
    post(
        api,
        &format!("/api/v1/reviews/{review}/departments"),
        &reviewer,
        co,
        201,
    )
    .await;
    p.check(
        on_review(
            "POST",
            "/api/v1/reviews/{id}/departments/{code}/removal",
            "/departments/320102-WJW/removal",
        )
        .body(json!({"reason": "不涉及"})),
    )
    .await;
    p.check(on_review("POST", "/api/v1/reviews/{id}/resumption", "/resumption").body(json!({})))
        .await;
    p.check(
        on_review(
            "POST",
            "/api/v1/reviews/{id}/return-to-window",
            "/return-to-window",
        )
        .body(json!({"reason": "请窗口核验原件"})),
    )
    .await;
    let on_task = |method: &str, template: &str, verb: &str| {
        Target::new(
            method,
            template,
            format!("/api/v1/tasks/{task}{verb}"),
            XUANWU,
            reviewed(),
        )
        .department(&department)
    };
    p.check(on_task("POST", "/api/v1/tasks/{id}/claim", "/claim").body(json!({})))
        .await;
    post(
        api,
        &format!("/api/v1/tasks/{task}/claim"),
        &reviewer,
        json!({}),
        200,
    )
    .await;
    for (verb, body) in [
        ("release", json!({})),
        (
            "assignment",
            json!({"assignee": "reviewer-xw-2", "reason": "按分工"}),
        ),
        (
            "opinion",
            json!({"outcome": "approve", "comment": "准予许可"}),
        ),
        ("send-back", json!({"to_step": 0, "reason": "退回初审"})),
        ("supplement-request", json!({"items": ["补充营业执照副本"]})),
    ] {
        let template = format!("/api/v1/tasks/{{id}}/{verb}");
        p.check(on_task("POST", &template, &format!("/{verb}")).body(body))
            .await;
    }
}
