//! Applications at a Xuanwu (Nanjing) window: citizen A's draft, and a case of his through
//! pre-review to acceptance (then [`super::review`]).

use govhall_web::Role;
use serde_json::json;

use super::{
    probe::{Caller, Probe, Snapshot, Target},
    support::*,
};
use crate::flow;

/// Citizen A's draft with a material: nobody else's, not even the clerks' of its division.
pub async fn draft(p: &Probe<'_>, a: &str) {
    let api = p.api;
    let form = flow::example_form(api, flow::SINGLE).await;
    let application = flow::application(flow::SINGLE, form, ID_NUMBER);
    let draft = post(
        api,
        "/api/v1/drafts",
        a,
        json!({"matter_code": flow::SINGLE, "application": application}),
        201,
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let file = upload(api, &id, a).await;
    let drafted = || Snapshot::new(format!("/api/v1/drafts/{id}"), a, draft_view);
    let files = || Snapshot::new(format!("/api/v1/uploads/{id}"), a, uploads_view);
    let path = format!("/api/v1/drafts/{id}");
    let resave = json!({"matter_code": flow::SINGLE, "application": application});
    p.check(Target::new(
        "GET",
        "/api/v1/drafts/{id}",
        path.clone(),
        XUANWU,
        drafted(),
    ))
    .await;
    p.check(
        Target::new(
            "PUT",
            "/api/v1/drafts/{id}",
            path.clone(),
            XUANWU,
            drafted(),
        )
        .body(resave),
    )
    .await;
    p.check(Target::new(
        "DELETE",
        "/api/v1/drafts/{id}",
        path.clone(),
        XUANWU,
        drafted(),
    ))
    .await;
    p.check(
        Target::new(
            "POST",
            "/api/v1/drafts/{id}/submission",
            format!("{path}/submission"),
            XUANWU,
            drafted(),
        )
        .body(json!({})),
    )
    .await;
    let own_clerk = || {
        Caller::new(
            "a clerk of the draft's own division (drafts are the applicant's)",
            staff(p, "clerk-xw", &[Role::WindowClerk], XUANWU, None),
            404,
        )
    };
    p.check(
        Target::new(
            "GET",
            "/api/v1/uploads/{id}",
            format!("/api/v1/uploads/{id}"),
            XUANWU,
            files(),
        )
        .also(own_clerk()),
    )
    .await;
    let mut upload = Target::new(
        "POST",
        "/api/v1/uploads/{id}",
        format!("/api/v1/uploads/{id}?code=M1"),
        XUANWU,
        files(),
    )
    .also(own_clerk());
    upload.body = pdf_upload();
    p.check(upload).await;
    p.check(
        Target::new(
            "GET",
            "/api/v1/materials/{id}",
            format!("/api/v1/materials/{file}"),
            XUANWU,
            files(),
        )
        .also(own_clerk()),
    )
    .await;
}

/// Citizen A's case at a Xuanwu window: submitted, sent a supplement notice, supplemented,
/// accepted with a missing material on commitment (容缺); its review with a co-department
/// added, its task claimed, its clocks running.
pub async fn xuanwu_case(p: &Probe<'_>, a: &str) -> Accepted {
    let api = p.api;
    let clerk = staff(p, "clerk-xw", &[Role::WindowClerk], XUANWU, None);
    let form = flow::example_form(api, flow::SINGLE).await;
    let created = post(
        api,
        "/api/v1/cases",
        a,
        flow::application(flow::SINGLE, form, ID_NUMBER),
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let number = created["case_number"].as_str().unwrap().to_owned();
    let password = created["query_password"].as_str().unwrap().to_owned();
    let department = created["department_code"].as_str().unwrap().to_owned();
    let file = upload(api, &id, a).await;
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

    // Submitted.
    p.check(case("GET", "/api/v1/cases/{id}", "")).await;
    for (verb, body) in [
        ("acceptance", json!({})),
        (
            "rejection",
            json!({"reason": "不属于本机关职权范围", "legal_basis": "《中华人民共和国行政许可法》第三十二条"}),
        ),
        (
            "supplement-notice",
            json!({"items": [{"material_code": "M1", "problem": "申请书未签字"}]}),
        ),
        (
            "instant-decision",
            json!({"outcome": "approved", "opinion": "当场办结"}),
        ),
        ("withdrawal", json!({"reason": "申请人主动撤回"})),
    ] {
        let template = format!("/api/v1/cases/{{id}}/{verb}");
        p.check(case("POST", &template, &format!("/{verb}")).body(body))
            .await;
    }
    let lookup = || Snapshot {
        path: format!("/api/v1/lookup/{number}"),
        token: None,
        headers: vec![("X-Query-Password".into(), password.clone())],
        view: Box::new(case_view),
    };
    let mut reset = case(
        "POST",
        "/api/v1/cases/{id}/query-password",
        "/query-password",
    );
    reset.owner = lookup();
    p.check(reset).await;
    let wrong = |label: &str, token: Option<String>, password: Option<&str>| Caller {
        label: label.into(),
        token,
        headers: password
            .map(|p| vec![("X-Query-Password".to_owned(), p.to_owned())])
            .unwrap_or_default(),
        expect: 404,
    };
    p.check(
        Target::new(
            "GET",
            "/api/v1/lookup/{case_number}",
            format!("/api/v1/lookup/{number}"),
            XUANWU,
            lookup(),
        )
        .also(wrong(
            "anyone with a wrong password",
            None,
            Some("WRONGPASS"),
        ))
        .also(wrong("anyone without a password", None, None))
        .also(wrong(
            "citizen B, signed in, no password",
            Some(p.tokens.citizen("citizen-b")),
            None,
        ))
        .also(wrong(
            "the applicant with a wrong password",
            Some(a.to_owned()),
            Some("WRONGPASS"),
        )),
    )
    .await;
    let files = || Snapshot::new(format!("/api/v1/uploads/{id}"), a, uploads_view);
    p.check(
        Target::new(
            "GET",
            "/api/v1/uploads/{id}",
            format!("/api/v1/uploads/{id}"),
            XUANWU,
            files(),
        )
        .department(&department),
    )
    .await;
    let mut more = Target::new(
        "POST",
        "/api/v1/uploads/{id}",
        format!("/api/v1/uploads/{id}?code=M1"),
        XUANWU,
        files(),
    )
    .department(&department);
    more.body = pdf_upload();
    p.check(more).await;
    p.check(
        Target::new(
            "GET",
            "/api/v1/materials/{id}",
            format!("/api/v1/materials/{file}"),
            XUANWU,
            files(),
        )
        .department(&department),
    )
    .await;

    // A supplement notice: the applicant's turn.
    let path = |verb: &str| format!("/api/v1/cases/{id}/{verb}");
    post(
        api,
        &path("supplement-notice"),
        &clerk,
        json!({"items": [{"material_code": "M1", "problem": "申请书未签字"}]}),
        200,
    )
    .await;
    p.check(
        case("POST", "/api/v1/cases/{id}/supplement", "/supplement")
            .body(json!({"note": "已补充"})),
    )
    .await;
    post(
        api,
        &path("supplement"),
        a,
        json!({"note": "已补充签字"}),
        200,
    )
    .await;

    // Accepted with M2 on commitment; its review, task and clocks.
    post(
        api,
        &path("acceptance"),
        &clerk,
        json!({"tolerated_materials": ["M2"], "commitment_days": 5}),
        200,
    )
    .await;
    api.wait_for(
        &format!("/api/v1/cases/{id}"),
        Some(a),
        WAIT,
        "the due dates",
        |r| r.body["due_at"].is_string() && r.body["commitment_due_at"].is_string(),
    )
    .await;
    Accepted { id, department }
}

/// A case accepted at a Xuanwu window, with its department.
pub struct Accepted {
    pub id: String,
    pub department: String,
}
