//! Joint handling: a county case sent up to its city, and sent back.

use govhall_web::Role;
use serde_json::json;

use super::{
    probe::{Caller, Probe, Snapshot, Target},
    support::*,
};
use crate::flow;

/// Company A's hazardous-chemicals licence, accepted at the Yixing (county) window and sent up
/// to Wuxi (city): the transfer, sent back once. Neither other divisions nor the wrong side of
/// the transfer act on it.
pub async fn county_case_sent_up(p: &Probe<'_>) {
    const COUNTY: &str = "320282";
    const CITY: &str = "320200";
    let api = p.api;
    let company = p.tokens.legal_person("company-a");
    let body = json!({"matter_code": flow::CROSS_LEVEL,
        "applicant": {"kind": "legal_person", "name": "宜兴某某化工有限公司", "credit_code": "91320282MA1NXK2P3B"},
        "form": flow::example_form(api, flow::CROSS_LEVEL).await});
    let created = post(api, "/api/v1/cases", &company, body, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let department = created["department_code"].as_str().unwrap().to_owned();
    let county_clerk = staff(p, "yx-clerk", &[Role::WindowClerk], COUNTY, None);
    post(
        api,
        &format!("/api/v1/cases/{id}/acceptance"),
        &county_clerk,
        json!({}),
        200,
    )
    .await;
    let county_reviewer = staff(
        p,
        "yx-reviewer",
        &[Role::Reviewer],
        COUNTY,
        Some("320282-YJGLJ"),
    );
    let task = task_of(api, &id, &county_reviewer).await;
    post(
        api,
        &format!("/api/v1/tasks/{}/opinion", task["id"].as_str().unwrap()),
        &county_reviewer,
        json!({"outcome": "approve", "comment": "初审同意，报市局审查"}),
        200,
    )
    .await;
    let city_clerk = staff(p, "wx-clerk", &[Role::WindowClerk], CITY, None);
    let inbox = api
        .wait_for(
            &format!("/api/v1/transfers?case_id={id}"),
            Some(&city_clerk),
            WAIT,
            "the transfer to the city",
            |r| r.body["items"].as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let transfer = inbox.body["items"][0]["id"].as_str().unwrap().to_owned();
    let version = inbox.body["items"][0]["version"].clone();

    p.check(
        Target::new(
            "GET",
            "/api/v1/cases/{id}",
            format!("/api/v1/cases/{id}"),
            COUNTY,
            case_snapshot(&id, &company),
        )
        .department(&department),
    )
    .await;
    p.check(Target::new(
        "GET",
        "/api/v1/routes/{case_id}",
        format!("/api/v1/routes/{id}"),
        COUNTY,
        Snapshot::new(format!("/api/v1/routes/{id}"), &county_clerk, route_view),
    ))
    .await;
    let at = |verb: &str| format!("/api/v1/transfers/{transfer}{verb}");
    let seen = || Snapshot::new(at(""), &city_clerk, transfer_view);
    p.check(Target::new(
        "GET",
        "/api/v1/transfers/{id}",
        at(""),
        COUNTY,
        seen(),
    ))
    .await;
    p.check(
        Target::new(
            "POST",
            "/api/v1/transfers/{id}/receipt",
            at("/receipt"),
            COUNTY,
            seen(),
        )
        .body(json!({"version": version}))
        .also(Caller::new(
            "the sending county's clerk",
            county_clerk.clone(),
            403,
        )),
    )
    .await;
    p.check(
        Target::new(
            "POST",
            "/api/v1/transfers/{id}/send-back",
            at("/send-back"),
            COUNTY,
            seen(),
        )
        .body(json!({"reason": "缺少现场核查记录", "version": version}))
        .also(Caller::new(
            "the sending county's reviewer",
            county_reviewer,
            403,
        )),
    )
    .await;
    // The city sends it back; only the county resends it.
    let city_reviewer = staff(p, "wx-reviewer", &[Role::Reviewer], CITY, None);
    post(
        api,
        &at("/send-back"),
        &city_reviewer,
        json!({"reason": "初审意见缺少现场核查记录", "version": version}),
        200,
    )
    .await;
    p.check(
        Target::new(
            "POST",
            "/api/v1/transfers/{id}/resending",
            at("/resending"),
            COUNTY,
            seen(),
        )
        .body(json!({"note": "已补现场核查记录"}))
        .also(Caller::new(
            "the receiving city's clerk",
            city_clerk.clone(),
            403,
        )),
    )
    .await;
}
