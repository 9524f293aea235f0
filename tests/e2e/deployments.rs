//! Two deployments — a county platform (宜兴) and a city platform (无锡) — each with its own
//! vhost (its own "broker"), services, databases and gateway, joined by RabbitMQ shovels that
//! forward what is addressed to the other side's division. A case goes up from the county,
//! is sent back, resent, decided in the city and comes back to be handed over at the county.

use govhall_web::Role;
use serde_json::json;

use crate::{
    cluster::{Cluster, Vhosts, amqp, rabbitmqctl},
    flow,
    helpers::{Api, Tokens},
};

const COUNTY: &str = "320282";
const CITY: &str = "320200";

/// A dynamic shovel on `from` forwarding every message whose routing key ends in `division`
/// to the same exchange on `to`, keeping its routing key.
fn shovel(from: &str, to: &str, exchange: &str, division: &str) {
    let definition = json!({
        "src-uri": amqp(from),
        "src-exchange": exchange,
        "src-exchange-key": format!("#.{division}"),
        "dest-uri": amqp(to),
        "dest-exchange": exchange,
    });
    rabbitmqctl(&[
        "set_parameter",
        "-p",
        from,
        "shovel",
        &format!("to-{division}"),
        &definition.to_string(),
    ]);
}

async fn deployment(vhost: &str, prefix: &str, tokens: Option<&Tokens>) -> Cluster {
    let mut cluster = Cluster::on(amqp(vhost), prefix.to_owned(), tokens).await;
    for service in ["intake", "deadline", "approval", "joint"] {
        cluster.start(service).await;
    }
    cluster.start_gateway().await;
    cluster
}

#[actix_web::test]
async fn two_deployments_joined_by_shovels_hand_a_case_up_and_back() {
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (a, b) = (format!("gh-county-{tag}"), format!("gh-city-{tag}"));
    let _vhosts = Vhosts::new(&[a.clone(), b.clone()]);
    let prefix = govhall_test_support::unique_prefix();
    let county = deployment(&a, &prefix, None).await;
    let city = deployment(&b, &prefix, Some(&county.tokens)).await;
    // Each side's services declared their exchange: join them.
    let exchange = format!("{prefix}events");
    shovel(&a, &b, &exchange, CITY);
    shovel(&b, &a, &exchange, COUNTY);
    let (here, there) = (county.api(), city.api());
    let tokens = &county.tokens;

    // The county accepts and reviews first.
    let citizen = tokens.citizen("company-two");
    let body = json!({"matter_code": flow::CROSS_LEVEL,
        "applicant": {"kind": "legal_person", "name": "宜兴某某化工有限公司", "credit_code": "91320282MA1NXK2P3B"},
        "form": flow::example_form(&here, flow::CROSS_LEVEL).await});
    let created = here.post("/api/v1/cases", Some(&citizen), &body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let county_clerk = tokens.staff("yx-clerk", &[Role::WindowClerk], COUNTY, None);
    let accepted = here
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&county_clerk),
            &json!({"version": 1}),
            &[],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    answer(&here, tokens, &id, COUNTY, "320282-YJGLJ").await;

    // The city's platform received the transfer through the shovel and sends it back.
    let city_clerk = tokens.staff("wx-clerk", &[Role::WindowClerk], CITY, None);
    let first = wait_transfer(&there, &city_clerk, &id, 1).await;
    assert_eq!(first["from_division"], COUNTY);
    assert_eq!(
        first["package"]["opinions"][0]["division_code"], COUNTY,
        "the package crossed with the county's opinion"
    );
    let first_id = first["id"].as_str().unwrap().to_owned();
    let city_reviewer = tokens.staff("wx-reviewer", &[Role::Reviewer], CITY, None);
    let back = there
        .post(
            &format!("/api/v1/transfers/{first_id}/send-back"),
            Some(&city_reviewer),
            &json!({"reason": "缺少现场核查记录"}),
            &[],
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.body);

    // The county's platform learns it was sent back, with the reason, and resends.
    let sent_back = here
        .wait_for(
            &format!("/api/v1/transfers/{first_id}"),
            Some(&county_clerk),
            60,
            "the send-back to reach the county",
            |r| r.body["state"] == "sent_back",
        )
        .await;
    assert_eq!(sent_back.body["reason"], "缺少现场核查记录");
    let resent = here
        .post(
            &format!("/api/v1/transfers/{first_id}/resending"),
            Some(&county_clerk),
            &json!({"note": "已补现场核查记录"}),
            &[("Idempotency-Key", "two-1")],
        )
        .await;
    assert_eq!(resent.status, 201, "{}", resent.body);

    // The city signs for the resent transfer; two departments review; the lead decides.
    let second = wait_transfer(&there, &city_clerk, &id, 2).await;
    assert_eq!(second["id"], resent.body["id"]);
    let received = there
        .post(
            &format!(
                "/api/v1/transfers/{}/receipt",
                second["id"].as_str().unwrap()
            ),
            Some(&city_clerk),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(received.status, 200, "{}", received.body);
    answer(&there, tokens, &id, CITY, "320200-XFJYZD").await;
    answer(&there, tokens, &id, CITY, "320200-YJGLJ").await;

    // Back at the county: decided, handed over, and the chain complete on this side.
    let decided = here
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&citizen),
            60,
            "the city's decision at the county",
            |r| r.body["state"] == "decided",
        )
        .await;
    assert_eq!(decided.body["outcome"], "approved");
    assert_eq!(decided.body["decision"]["decided_by_division"], CITY);
    let handed = here
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            Some(&county_clerk),
            &json!({"method": "pickup"}),
            &[],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.body);
    let route = here
        .wait_for(
            &format!("/api/v1/routes/{id}"),
            Some(&county_clerk),
            60,
            "the county's route to complete",
            |r| r.body["state"] == "completed",
        )
        .await;
    let states: Vec<&str> = route.body["transfers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["resent", "returned"], "{}", route.body);
}

/// The transfers of a case on one platform, once there are `n`; the newest.
async fn wait_transfer(api: &Api, token: &str, id: &str, n: usize) -> serde_json::Value {
    let reply = api
        .wait_for(
            &format!("/api/v1/transfers?case_id={id}"),
            Some(token),
            60,
            "the transfer through the shovel",
            |r| r.body["items"].as_array().is_some_and(|a| a.len() == n),
        )
        .await;
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|t| t["sent_at"].as_str().unwrap().to_owned())
        .unwrap()
        .clone()
}

/// The open task of `department` in `division`, approved.
async fn answer(api: &Api, tokens: &Tokens, id: &str, division: &str, department: &str) {
    let reviewer = tokens.staff(
        &format!("reviewer-{department}"),
        &[Role::Reviewer],
        division,
        Some(department),
    );
    let inbox = api
        .wait_for(
            &format!("/api/v1/tasks?case_id={id}"),
            Some(&reviewer),
            60,
            &format!("the task of {department}"),
            |r| {
                r.body["items"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|t| t["state"] == "open"))
            },
        )
        .await;
    let task = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["state"] == "open")
        .unwrap()
        .clone();
    let opinion = api
        .post(
            &format!("/api/v1/tasks/{}/opinion", task["id"].as_str().unwrap()),
            Some(&reviewer),
            &json!({"outcome": "approved", "comment": "同意"}),
            &[],
        )
        .await;
    assert_eq!(opinion.status, 200, "{}", opinion.body);
}
