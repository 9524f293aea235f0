//! The skeleton on the production backends: one `govhall serve` process per service, on
//! PostgreSQL and RabbitMQ, with a fresh database per service and a unique queue prefix.

use crate::{
    cluster::{Cluster, free_port},
    flow,
    helpers::{Api, spawn},
};

#[actix_web::test]
async fn a_case_goes_through_every_service_as_separate_processes_on_postgres_and_rabbitmq() {
    let mut cluster = Cluster::new().await;
    for service in ["intake", "deadline", "approval", "joint"] {
        cluster.start(service).await;
    }
    cluster.start_gateway().await;
    let api = cluster.api();
    let id = flow::submit_and_accept(&api, &cluster.tokens, "citizen-d1", flow::SINGLE).await;
    flow::review_and_complete(&api, &cluster.tokens, "citizen-d1", &id, &["320102-SCJGJ"]).await;
    flow::refusals(&api, &cluster.tokens).await;
    flow::calendar_queries(&api).await;
    flow::draft_to_rating(&api, &cluster.tokens, "citizen-d3").await;
    flow::supplement_and_tolerated_acceptance(&api, &cluster.tokens, "citizen-d4").await;
    deemed_acceptance(&cluster, &api).await;
    late_co_department(&cluster, &api).await;
    flow::cross_level_with_send_back(&api, &cluster.tokens, "company-d1").await;
    flow::cross_region(&api, &cluster.tokens).await;
    // Each service reports its database and broker ready.
    let client = awc::Client::default();
    for proc in &cluster.procs {
        let res = client
            .get(format!("{}/readyz", proc.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{} not ready", proc.name);
    }
    for proc in cluster.procs.drain(..) {
        let name = proc.name.clone();
        assert!(
            proc.terminate().await.success(),
            "{name} exits 0 on SIGTERM"
        );
    }
}

#[actix_web::test]
async fn services_started_late_pick_up_the_messages_waiting_for_them() {
    let mut cluster = Cluster::new().await;
    // Only intake is up at first: deadline, approval and joint start after the case was
    // submitted and accepted, on ports fixed in advance for the gateway.
    cluster.start("intake").await;
    let late = ["deadline", "approval", "joint"];
    for service in late {
        let port = free_port();
        cluster.env.push((
            format!("GOVHALL_UPSTREAMS__{}", service.to_uppercase()),
            format!("http://127.0.0.1:{port}"),
        ));
    }
    cluster.start_gateway().await;
    let api = cluster.api();
    let id = flow::submit_and_accept(&api, &cluster.tokens, "citizen-d2", flow::SINGLE).await;
    for service in late {
        let key = format!("GOVHALL_UPSTREAMS__{}", service.to_uppercase());
        let url = cluster
            .env
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .unwrap()
            .1
            .clone();
        let port = url.rsplit(':').next().unwrap().to_owned();
        let mut env = cluster.env.clone();
        env.push(("GOVHALL_HTTP__PORT".to_owned(), port));
        cluster
            .procs
            .push(spawn(service, &["serve", service], &env).await);
    }
    flow::review_and_complete(&api, &cluster.tokens, "citizen-d2", &id, &["320102-SCJGJ"]).await;
}

#[actix_web::test]
async fn a_service_whose_database_is_gone_reports_not_ready_with_a_problem() {
    let mut cluster = Cluster::new().await;
    cluster.start("joint").await;
    let url = cluster.procs[0].url.clone();
    let client = awc::Client::default();
    assert_eq!(
        client
            .get(format!("{url}/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let db_url = cluster
        .env
        .iter()
        .find(|(k, _)| k == "GOVHALL_DATABASE__JOINT")
        .unwrap()
        .1
        .clone();
    let db_name = db_url.rsplit('/').next().unwrap().to_owned();
    let admin = std::env::var("GOVHALL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let conn = sea_orm::Database::connect(admin).await.unwrap();
    use sea_orm::ConnectionTrait;
    conn.execute_unprepared(&format!("DROP DATABASE \"{db_name}\" WITH (FORCE)"))
        .await
        .unwrap();
    let mut res = client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("database"),
        "{body}"
    );
    // Liveness is not readiness: the process itself is fine.
    assert_eq!(
        client
            .get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

/// Five working days cannot pass in a test: the deadline service's expiry event is
/// published on the real broker as that service would, and the real intake, deadline and
/// approval processes take it from there.
async fn deemed_acceptance(cluster: &Cluster, api: &Api) {
    use govhall_bus::{Bus, RabbitBus, Topology};
    use govhall_contracts::{
        Envelope,
        envelope::Origin,
        events::deadline::{ClockExpired, ClockKind},
    };
    let token = cluster.tokens.citizen("citizen-d5");
    let created = api
        .post(
            "/api/v1/cases",
            Some(&token),
            &flow::application(
                flow::SINGLE,
                flow::example_form(api, flow::SINGLE).await,
                "11010519491231002X",
            ),
            &[],
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id: uuid::Uuid = created.body["id"].as_str().unwrap().parse().unwrap();
    let prefix = cluster
        .env
        .iter()
        .find(|(k, _)| k == "GOVHALL_BUS__PREFIX")
        .unwrap()
        .1
        .clone();
    let bus = RabbitBus::new(
        govhall_test_support::amqp_url(),
        Topology {
            prefix,
            delivery_limit: 5,
            queue_expires_ms: Some(60_000),
        },
    );
    let expired = ClockExpired {
        clock_id: uuid::Uuid::now_v7(),
        case_id: id,
        kind: ClockKind::Acceptance,
        due_at: chrono::Utc::now().fixed_offset(),
    };
    let origin = Origin {
        producer: "deadline",
        correlation_id: id,
        causation_id: None,
        traceparent: None,
        division_code: flow::DIVISION.into(),
    };
    for result in bus
        .publish(&[Envelope::wrap(&expired, origin).unwrap()])
        .await
    {
        result.unwrap();
    }
    let deemed = api
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&token),
            60,
            "the deemed acceptance",
            |r| r.body["state"] == "in_review",
        )
        .await;
    assert_eq!(deemed.body["deemed"], true);
    assert_eq!(deemed.body["accepted_at"], created.body["received_at"]);
    // The deadline service starts the processing clock from the day of receipt.
    let clerk = cluster.tokens.staff(
        "clerk-d",
        &[govhall_web::Role::WindowClerk],
        flow::DIVISION,
        None,
    );
    api.wait_for(
        &format!("/api/v1/clocks?case_id={id}"),
        Some(&clerk),
        60,
        "the processing clock",
        |r| {
            r.body["items"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|c| c["kind"] == "processing" && c["state"] == "running")
            })
        },
    )
    .await;
}

/// A lead and three co-departments; one co-department never answers. Its countersign time
/// cannot run out in a test: the deadline service's overdue event is published on the real
/// broker as that service would; approval deems the consent, the lead decides, intake
/// records the decision.
async fn late_co_department(cluster: &Cluster, api: &Api) {
    use govhall_bus::{Bus, RabbitBus, Topology};
    use govhall_contracts::{
        Envelope,
        envelope::Origin,
        events::deadline::{ClockKind, ClockOverdue},
    };
    let id = flow::submit_and_accept(api, &cluster.tokens, "citizen-d6", flow::PARALLEL).await;
    for dept in ["320102-ZJJ", "320102-HBJ"] {
        let (token, task) = task_of(cluster, api, &id, dept).await;
        let answered = api
            .post(
                &format!("/api/v1/tasks/{task}/opinion"),
                Some(&token),
                &serde_json::json!({"outcome": "agree"}),
                &[],
            )
            .await;
        assert_eq!(answered.status, 200, "{}", answered.body);
    }
    let (_, late_task) = task_of(cluster, api, &id, "320102-RFB").await;
    let prefix = cluster
        .env
        .iter()
        .find(|(k, _)| k == "GOVHALL_BUS__PREFIX")
        .unwrap()
        .1
        .clone();
    let bus = RabbitBus::new(
        govhall_test_support::amqp_url(),
        Topology {
            prefix,
            delivery_limit: 5,
            queue_expires_ms: Some(60_000),
        },
    );
    let case_id: uuid::Uuid = id.parse().unwrap();
    let overdue = ClockOverdue {
        clock_id: uuid::Uuid::now_v7(),
        case_id,
        kind: ClockKind::Task,
        department_code: Some("320102-RFB".into()),
        due_at: chrono::Utc::now().fixed_offset(),
        task_id: Some(late_task.parse().unwrap()),
    };
    let origin = Origin {
        producer: "deadline",
        correlation_id: case_id,
        causation_id: None,
        traceparent: None,
        division_code: flow::DIVISION.into(),
    };
    for result in bus
        .publish(&[Envelope::wrap(&overdue, origin).unwrap()])
        .await
    {
        result.unwrap();
    }
    let (lead_token, lead_task) = task_of(cluster, api, &id, "320102-GTJ").await;
    // The lead answers once the late department's consent is deemed (the review is all-must-agree).
    let citizen = cluster.tokens.citizen("citizen-d6");
    let lead = api
        .post(
            &format!("/api/v1/tasks/{lead_task}/opinion"),
            Some(&lead_token),
            &serde_json::json!({"outcome": "approve", "comment": "综合各部门意见，准予许可"}),
            &[],
        )
        .await;
    assert_eq!(lead.status, 200, "{}", lead.body);
    let decided = api
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&citizen),
            60,
            "the decision",
            |r| r.body["state"] == "decided",
        )
        .await;
    assert_eq!(decided.body["outcome"], "approved");
    let opinions = decided.body["decision"]["opinions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(opinions.len(), 4, "{opinions:?}");
    assert!(
        opinions
            .iter()
            .any(|o| o["department_code"] == "320102-RFB" && o["deemed"] == true),
        "the late department's consent is recorded as deemed: {opinions:?}"
    );
}

/// A reviewer token of `dept` and the id of its task for case `id`, once it is open.
async fn task_of(cluster: &Cluster, api: &Api, id: &str, dept: &str) -> (String, String) {
    let token = cluster.tokens.staff(
        &format!("reviewer-{dept}"),
        &[govhall_web::Role::Reviewer],
        flow::DIVISION,
        Some(dept),
    );
    let inbox = api
        .wait_for(
            &format!("/api/v1/tasks?case_id={id}"),
            Some(&token),
            60,
            "the review task",
            |r| r.status == 200 && r.body["items"].as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
    let task = inbox.body["items"][0]["id"].as_str().unwrap().to_owned();
    (token, task)
}
