//! The skeleton flow, shared by both topologies.

use govhall_web::Role;
use serde_json::{Value, json};

use crate::helpers::{Api, Tokens};

pub const SINGLE: &str = "11320102MB1234567X4000117001";
pub const PARALLEL: &str = "11320102MB1234567X4000117002";
pub const DIVISION: &str = "320102";

/// The form of a matter, filled from the example its schema carries (public catalog).
pub async fn example_form(api: &Api, matter: &str) -> Value {
    let m = api.get(&format!("/api/v1/matters/{matter}"), None).await;
    assert_eq!(m.status, 200, "{}", m.body);
    m.body["form_schema"]["examples"][0].clone()
}

/// An application by 张三 for `matter`.
pub fn application(matter: &str, form: Value, id_number: &str) -> Value {
    json!({"matter_code": matter, "applicant": {"kind": "natural_person", "name": "张三", "id_number": id_number}, "form": form})
}

/// A citizen submits and a window clerk accepts; returns the case id.
pub async fn submit_and_accept(api: &Api, tokens: &Tokens, citizen: &str, matter: &str) -> String {
    let token = tokens.citizen(citizen);
    let body = application(
        matter,
        example_form(api, matter).await,
        "11010519491231002X",
    );
    let key = uuid::Uuid::new_v4().to_string();
    let created = api
        .post(
            "/api/v1/cases",
            Some(&token),
            &body,
            &[("Idempotency-Key", &key)],
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["state"], "submitted");
    assert_eq!(
        created.body["applicant"]["id_number_masked"],
        "110105********002X"
    );
    let id = created.body["id"].as_str().unwrap().to_owned();

    // The same request again with the same key is the same case, not a second one.
    let again = api
        .post(
            "/api/v1/cases",
            Some(&token),
            &body,
            &[("Idempotency-Key", &key)],
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], created.body["id"]);

    let clerk = tokens.staff("clerk-1", &[Role::WindowClerk], DIVISION, None);
    let accepted = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({"version": 1}),
            &[],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["state"], "in_review");
    id
}

/// Every department of the case approves; then the case completes and every clock stops.
pub async fn review_and_complete(
    api: &Api,
    tokens: &Tokens,
    citizen: &str,
    id: &str,
    departments: &[&str],
) {
    for dept in departments {
        let reviewer = tokens.staff(
            &format!("reviewer-{dept}"),
            &[Role::Reviewer],
            DIVISION,
            Some(dept),
        );
        let inbox = api
            .wait_for(
                &format!("/api/v1/tasks?case_id={id}"),
                Some(&reviewer),
                60,
                "the review task",
                |r| r.status == 200 && r.body["items"].as_array().is_some_and(|a| !a.is_empty()),
            )
            .await;
        let task_id = inbox.body["items"][0]["id"].as_str().unwrap().to_owned();
        let opinion = api
            .post(
                &format!("/api/v1/tasks/{task_id}/opinion"),
                Some(&reviewer),
                &json!({"outcome": "approved", "comment": "材料齐全，符合法定条件"}),
                &[],
            )
            .await;
        assert_eq!(opinion.status, 200, "{}", opinion.body);
        assert_eq!(opinion.body["state"], "done");
    }
    let token = tokens.citizen(citizen);
    let decided = api
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&token),
            60,
            "the decision",
            |r| r.body["state"] == "decided",
        )
        .await;
    assert_eq!(decided.body["outcome"], "approved");
    // The licence is handed over at the window: the case is completed (办结).
    let clerk = tokens.staff("clerk-3", &[Role::WindowClerk], DIVISION, None);
    let handed = api
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            Some(&clerk),
            &json!({"method": "pickup"}),
            &[],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.body);
    let done = api
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&token),
            60,
            "the case to complete",
            |r| r.body["state"] == "completed",
        )
        .await;
    assert_eq!(done.body["outcome"], "approved");
    assert!(
        done.body["due_at"].is_string(),
        "the processing due time reached the case: {}",
        done.body
    );

    let supervisor = tokens.staff("clerk-2", &[Role::WindowClerk], DIVISION, None);
    let clocks = api
        .wait_for(
            &format!("/api/v1/clocks?case_id={id}"),
            Some(&supervisor),
            60,
            "every clock to stop",
            |r| {
                let items = r.body["items"].as_array().cloned().unwrap_or_default();
                kinds(&items).len() == 4 && items.iter().all(|c| c["state"] == "stopped")
            },
        )
        .await;
    let items = clocks.body["items"].as_array().unwrap();
    assert_eq!(
        items.iter().filter(|c| c["kind"] == "task").count(),
        departments.len()
    );
}

fn kinds(items: &[Value]) -> std::collections::BTreeSet<String> {
    items
        .iter()
        .filter_map(|c| c["kind"].as_str().map(str::to_owned))
        .collect()
}

/// Failure paths that must hold on every backend.
pub async fn refusals(api: &Api, tokens: &Tokens) {
    // Anonymous: the catalog is public, submitting is not.
    let matters = api.get("/api/v1/matters", None).await;
    assert_eq!(matters.status, 200);
    assert!(matters.body["items"].as_array().unwrap().len() >= 2);
    let anon = api.post("/api/v1/cases", None, &json!({}), &[]).await;
    assert_eq!(anon.status, 401);
    assert_eq!(
        anon.headers.get("content-type").unwrap(),
        "application/problem+json"
    );

    // A wrong check digit is named by field.
    let token = tokens.citizen("citizen-bad-input");
    let bad = api
        .post(
            "/api/v1/cases",
            Some(&token),
            &application(
                SINGLE,
                example_form(api, SINGLE).await,
                "110105194912310021",
            ),
            &[],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "applicant.id_number");

    // Extractor failures are problem+json too, naming the field where there is one.
    let problem = |r: &crate::helpers::Reply| {
        r.headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let broken = api
        .post_raw(
            "/api/v1/cases",
            Some(&token),
            "application/json",
            b"{".to_vec(),
        )
        .await;
    assert_eq!(
        (broken.status, broken.body["code"].as_str()),
        (400, Some("malformed_json")),
        "{}",
        broken.body
    );
    assert_eq!(
        problem(&broken).as_deref(),
        Some("application/problem+json")
    );
    let wrong_type = api
        .post(
            "/api/v1/cases",
            Some(&token),
            &json!({"matter_code": 5, "applicant": {"kind": "natural_person", "name": "李四", "id_number": "x"}}),
            &[],
        )
        .await;
    assert_eq!(
        (
            wrong_type.status,
            wrong_type.body["errors"][0]["field"].as_str()
        ),
        (422, Some("matter_code")),
        "{}",
        wrong_type.body
    );
    let missing = api
        .post(
            "/api/v1/cases",
            Some(&token),
            &json!({"matter_code": SINGLE}),
            &[],
        )
        .await;
    assert_eq!(
        (missing.status, missing.body["errors"][0]["field"].as_str()),
        (422, Some("applicant")),
        "{}",
        missing.body
    );
    let not_json = api
        .post_raw(
            "/api/v1/cases",
            Some(&token),
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(not_json.status, 415);
    let huge = api
        .post_raw(
            "/api/v1/cases",
            Some(&token),
            "application/json",
            vec![b' '; 2 << 20],
        )
        .await;
    assert_eq!(
        (huge.status, huge.body["code"].as_str()),
        (413, Some("payload_too_large")),
        "{}",
        huge.body
    );
    let bad_path = api.get("/api/v1/cases/not-a-uuid", Some(&token)).await;
    assert_eq!(
        (bad_path.status, bad_path.body["code"].as_str()),
        (404, Some("bad_path")),
        "{}",
        bad_path.body
    );
    let staff = tokens.staff("clerk-8", &[Role::WindowClerk], DIVISION, None);
    let bad_query = api.get("/api/v1/clocks?case_id=zzz", Some(&staff)).await;
    assert_eq!(
        (bad_query.status, bad_query.body["code"].as_str()),
        (400, Some("bad_query")),
        "{}",
        bad_query.body
    );
    let unknown = api
        .get(
            "/api/v1/cases/00000000-0000-0000-0000-000000000000/nothing-here",
            Some(&token),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        problem(&unknown).as_deref(),
        Some("application/problem+json")
    );

    // A citizen cannot accept, and cannot see someone else's case.
    let id = {
        let r = api
            .post(
                "/api/v1/cases",
                Some(&token),
                &application(
                    SINGLE,
                    example_form(api, SINGLE).await,
                    "11010519491231002X",
                ),
                &[],
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    };
    let forbidden = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&token),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(forbidden.status, 403);
    let other = api
        .get(
            &format!("/api/v1/cases/{id}"),
            Some(&tokens.citizen("someone-else")),
        )
        .await;
    assert_eq!(other.status, 404);

    // A stale version is refused, and accepting twice is a conflict.
    let clerk = tokens.staff("clerk-9", &[Role::WindowClerk], DIVISION, None);
    let stale = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({"version": 7}),
            &[],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert_eq!(stale.body["code"], "version_conflict");
    assert_eq!(
        api.post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({}),
            &[]
        )
        .await
        .status,
        200
    );
    let twice = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(twice.status, 409);
    assert_eq!(twice.body["code"], "invalid_state");
}

/// The public calendar queries, anonymous, through the gateway.
pub async fn calendar_queries(api: &Api) {
    let due = api
        .get(
            "/api/v1/calendar/due?start=2026-02-13&limit=5&unit=working_days&division=320000",
            None,
        )
        .await;
    assert_eq!(due.status, 200, "{}", due.body);
    assert_eq!(
        due.body["due_date"], "2026-02-27",
        "14 Feb (make-up Saturday), 24–27 Feb"
    );
    assert_eq!(due.body["due_at"], "2026-02-28T00:00:00+08:00");
    let national_day = api
        .get("/api/v1/calendar/due?start=2025-09-26&limit=4", None)
        .await;
    assert_eq!(
        national_day.body["due_date"], "2025-10-09",
        "{}",
        national_day.body
    );
    let between = api
        .get(
            "/api/v1/calendar/working-days?from=2026-02-13&to=2026-02-27&division=320102",
            None,
        )
        .await;
    assert_eq!(between.body["working_days"], 5, "{}", between.body);
    let unloaded = api
        .get("/api/v1/calendar/due?start=2026-12-30&limit=3", None)
        .await;
    assert_eq!(
        unloaded.body["years_without_calendar"],
        json!([2027]),
        "{}",
        unloaded.body
    );

    let bad_division = api
        .get(
            "/api/v1/calendar/due?start=2026-02-13&limit=5&division=32",
            None,
        )
        .await;
    assert_eq!(
        (
            bad_division.status,
            bad_division.body["errors"][0]["field"].as_str()
        ),
        (422, Some("division"))
    );
    let too_long = api
        .get("/api/v1/calendar/due?start=2026-02-13&limit=99999", None)
        .await;
    assert_eq!(
        (
            too_long.status,
            too_long.body["errors"][0]["field"].as_str()
        ),
        (422, Some("limit"))
    );
    let bad_date = api
        .get("/api/v1/calendar/due?start=2026-02-30&limit=5", None)
        .await;
    assert_eq!(
        (bad_date.status, bad_date.body["code"].as_str()),
        (400, Some("bad_query"))
    );
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A citizen drafts an application, attaches a material, submits; a clerk accepts; the
/// department approves; the licence is handed over; the citizen rates the service.
pub async fn draft_to_rating(api: &Api, tokens: &Tokens, citizen: &str) {
    let token = tokens.citizen(citizen);
    let application = application(
        SINGLE,
        example_form(api, SINGLE).await,
        "11010519491231002X",
    );
    let draft = api
        .post(
            "/api/v1/drafts",
            Some(&token),
            &json!({"matter_code": SINGLE, "application": application}),
            &[],
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let id = draft.body["id"].as_str().unwrap().to_owned();
    let boundary = "e2e-boundary-5b1d";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"application.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(PDF);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uploaded = api
        .post_raw(
            &format!("/api/v1/uploads/{id}?code=M1"),
            Some(&token),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let submitted = api
        .post(
            &format!("/api/v1/drafts/{id}/submission"),
            Some(&token),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.body);
    let number = submitted.body["case_number"].as_str().unwrap().to_owned();
    let password = submitted.body["query_password"]
        .as_str()
        .unwrap()
        .to_owned();
    let clerk = tokens.staff("clerk-7", &[Role::WindowClerk], DIVISION, None);
    let accepted = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    review_and_complete(api, tokens, citizen, &id, &["320102-SCJGJ"]).await;
    let receipt = api
        .get(&format!("/api/v1/cases/{id}/receipt"), Some(&token))
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert!(
        receipt.body["due_at"].is_string(),
        "the receipt shows the due date the deadline service counted"
    );
    let rated = api
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            Some(&token),
            &json!({"score": 4, "comment": "一次办成"}),
            &[],
        )
        .await;
    assert_eq!(rated.status, 201, "{}", rated.body);
    let stats = api.get("/api/v1/ratings/stats?by=matter", None).await;
    assert_eq!(stats.status, 200, "{}", stats.body);
    assert!(
        stats
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == SINGLE && r["ratings"].as_i64() >= Some(1))
    );
    // Anyone with number and password follows it, without logging in.
    let followed = api
        .client_get_with(
            &format!("/api/v1/lookup/{number}"),
            &[("X-Query-Password", &password)],
        )
        .await;
    assert_eq!(
        (followed.status, followed.body["state"].as_str()),
        (200, Some("completed")),
        "{}",
        followed.body
    );
}

/// A one-time supplement notice, its supplement, and a 容缺 acceptance whose commitment due
/// date the deadline service counts; the commitment is kept.
pub async fn supplement_and_tolerated_acceptance(api: &Api, tokens: &Tokens, citizen: &str) {
    let token = tokens.citizen(citizen);
    let created = api
        .post(
            "/api/v1/cases",
            Some(&token),
            &application(
                SINGLE,
                example_form(api, SINGLE).await,
                "11010519491231002X",
            ),
            &[],
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let clerk = tokens.staff("clerk-6", &[Role::WindowClerk], DIVISION, None);
    let notice = api
        .post(
            &format!("/api/v1/cases/{id}/supplement-notice"),
            Some(&clerk),
            &json!({"items": [{"material_code": "M1", "problem": "申请书未签字"}, {"material_code": "M3", "problem": "缺少经营布局图"}]}),
            &[],
        )
        .await;
    assert_eq!(
        (notice.status, notice.body["state"].as_str()),
        (200, Some("supplement_requested")),
        "{}",
        notice.body
    );
    let supplemented = api
        .post(
            &format!("/api/v1/cases/{id}/supplement"),
            Some(&token),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(
        (supplemented.status, supplemented.body["state"].as_str()),
        (200, Some("submitted")),
        "{}",
        supplemented.body
    );
    let accepted = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({"tolerated_materials": ["M2"], "commitment_days": 5}),
            &[],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let counted = api
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&token),
            60,
            "the commitment due date",
            |r| r.body["commitment_due_at"].is_string() && r.body["due_at"].is_string(),
        )
        .await;
    assert_eq!(counted.body["state"], "in_review");
    let kept = api
        .post(
            &format!("/api/v1/cases/{id}/commitment-fulfilment"),
            Some(&clerk),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert!(kept.body["commitment"].is_null());
    api.wait_for(
        &format!("/api/v1/clocks?case_id={id}"),
        Some(&clerk),
        60,
        "the commitment clock to stop",
        |r| {
            r.body["items"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|c| c["kind"] == "commitment" && c["state"] == "stopped")
            })
        },
    )
    .await;
}

/// 宜兴 (county) accepts a hazardous-chemicals licence and reviews it first; it goes up to
/// 无锡 (city), which sends it back once; the county resends; the city signs for it, two
/// departments review in parallel, the lead decides; the result comes back and the county
/// window hands it over.
pub const CROSS_LEVEL: &str = "11320282MB1385902R3000126005";

pub async fn cross_level_with_send_back(api: &Api, tokens: &Tokens, citizen: &str) {
    const COUNTY: &str = "320282";
    const CITY: &str = "320200";
    let token = tokens.citizen(citizen);
    let body = json!({"matter_code": CROSS_LEVEL,
        "applicant": {"kind": "legal_person", "name": "宜兴某某化工有限公司", "credit_code": "91320282MA1NXK2P3B"},
        "form": example_form(api, CROSS_LEVEL).await});
    let created = api.post("/api/v1/cases", Some(&token), &body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.body["division_code"], COUNTY,
        "accepted at the county"
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let county_clerk = tokens.staff("yx-clerk", &[Role::WindowClerk], COUNTY, None);
    let accepted = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&county_clerk),
            &json!({"version": 1}),
            &[],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    // The county's initial review (初审).
    answer_task(
        api,
        tokens,
        &id,
        COUNTY,
        "320282-YJGLJ",
        "初审同意，报市局审查",
    )
    .await;

    // The city sees the transfer; a county clerk cannot sign for it.
    let city_clerk = tokens.staff("wx-clerk", &[Role::WindowClerk], CITY, None);
    let inbox = api
        .wait_for(
            &format!("/api/v1/transfers?case_id={id}"),
            Some(&city_clerk),
            60,
            "the transfer to the city",
            |r| r.body["items"].as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let first = inbox.body["items"][0].clone();
    let first_id = first["id"].as_str().unwrap().to_owned();
    let refused = api
        .post(
            &format!("/api/v1/transfers/{first_id}/receipt"),
            Some(&county_clerk),
            &json!({}),
            &[],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(first["package"]["opinions"][0]["division_code"], COUNTY);

    // The city sends it back (退回); the county resends it.
    let city_reviewer = tokens.staff("wx-reviewer", &[Role::Reviewer], CITY, None);
    let back = api
        .post(
            &format!("/api/v1/transfers/{first_id}/send-back"),
            Some(&city_reviewer),
            &json!({"reason": "初审意见缺少现场核查记录", "version": first["version"]}),
            &[],
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    let resent = api
        .post(
            &format!("/api/v1/transfers/{first_id}/resending"),
            Some(&county_clerk),
            &json!({"note": "已补现场核查记录"}),
            &[("Idempotency-Key", "resend-1")],
        )
        .await;
    assert_eq!(resent.status, 201, "{}", resent.body);
    let second_id = resent.body["id"].as_str().unwrap().to_owned();
    let received = api
        .post(
            &format!("/api/v1/transfers/{second_id}/receipt"),
            Some(&city_clerk),
            &json!({"version": resent.body["version"]}),
            &[],
        )
        .await;
    assert_eq!(received.status, 200, "{}", received.body);

    // Two city departments review in parallel; the lead decides after the other answered.
    answer_task(api, tokens, &id, CITY, "320200-XFJYZD", "消防审查同意").await;
    answer_task(api, tokens, &id, CITY, "320200-YJGLJ", "准予许可").await;

    let decided = api
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&token),
            60,
            "the city's decision back at the county",
            |r| r.body["state"] == "decided",
        )
        .await;
    assert_eq!(decided.body["outcome"], "approved");
    let handed = api
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            Some(&county_clerk),
            &json!({"method": "pickup"}),
            &[],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.body);

    // The province sees the whole chain, completed.
    let supervisor = tokens.staff("js-supervisor", &[Role::Supervisor], "320000", None);
    let route = api
        .wait_for(
            &format!("/api/v1/routes/{id}"),
            Some(&supervisor),
            60,
            "the route to complete",
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
    assert_eq!(route.body["opinions"].as_array().map(Vec::len), Some(2));
    // Another city's reviewer sees nothing of it.
    let suzhou = tokens.staff("sz-reviewer", &[Role::Reviewer], "320500", None);
    assert_eq!(
        api.get(&format!("/api/v1/routes/{id}"), Some(&suzhou))
            .await
            .status,
        404
    );
}

/// The task of `department` in `division` for the case, answered with approval.
async fn answer_task(
    api: &Api,
    tokens: &Tokens,
    id: &str,
    division: &str,
    department: &str,
    comment: &str,
) {
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
    let task_id = task["id"].as_str().unwrap();
    let opinion = api
        .post(
            &format!("/api/v1/tasks/{task_id}/opinion"),
            Some(&reviewer),
            &json!({"outcome": "approved", "comment": comment}),
            &[],
        )
        .await;
    assert_eq!(opinion.status, 200, "{}", opinion.body);
}

/// Suzhou's unemployment benefit, taken in at a 玄武 (Nanjing) window (跨域通办): Suzhou
/// signs for it and decides; the result is handed over at the 玄武 window.
pub const CROSS_REGION: &str = "11320500MB0451967E3000511004";

pub async fn cross_region(api: &Api, tokens: &Tokens) {
    const HANDLING: &str = "320500";
    let clerk = tokens.staff("xw-clerk", &[Role::WindowClerk], DIVISION, None);
    let mut body = application(
        CROSS_REGION,
        example_form(api, CROSS_REGION).await,
        "11010519491231002X",
    );
    body["window_code"] = json!("W-02");
    let created = api.post("/api/v1/cases", Some(&clerk), &body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["division_code"], DIVISION);
    assert_eq!(created.body["handling_division_code"], HANDLING);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let accepted = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({"version": 1}),
            &[],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    // Suzhou finds the transfer in its inbox and signs for it, then reviews.
    let sz_clerk = tokens.staff("sz-clerk", &[Role::WindowClerk], HANDLING, None);
    let inbox = api
        .wait_for(
            &format!("/api/v1/transfers?case_id={id}"),
            Some(&sz_clerk),
            60,
            "the transfer to Suzhou",
            |r| r.body["items"].as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let transfer = &inbox.body["items"][0];
    assert_eq!(transfer["from_division"], DIVISION);
    let received = api
        .post(
            &format!(
                "/api/v1/transfers/{}/receipt",
                transfer["id"].as_str().unwrap()
            ),
            Some(&sz_clerk),
            &json!({"version": transfer["version"]}),
            &[],
        )
        .await;
    assert_eq!(received.status, 200, "{}", received.body);
    let seen = api
        .get(&format!("/api/v1/cases/{id}"), Some(&sz_clerk))
        .await;
    assert_eq!(
        seen.status, 200,
        "Suzhou's staff see the case: {}",
        seen.body
    );
    answer_task(
        api,
        tokens,
        &id,
        HANDLING,
        "320500-RLZYHSHBZJ",
        "符合领取条件",
    )
    .await;

    let decided = api
        .wait_for(
            &format!("/api/v1/cases/{id}"),
            Some(&clerk),
            60,
            "Suzhou's decision back at 玄武",
            |r| r.body["state"] == "decided",
        )
        .await;
    assert_eq!(decided.body["outcome"], "approved");
    let handed = api
        .post(
            &format!("/api/v1/cases/{id}/delivery"),
            Some(&clerk),
            &json!({"method": "pickup"}),
            &[],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.body);
    assert_eq!(handed.body["state"], "completed");
}
