//! The web hall as the gateway serves it: who may open which console, and forms without
//! their CSRF token. None of these reach a service.

use uuid::Uuid;

use crate::helpers::*;

fn set_cookie(response: &awc::ClientResponse<impl futures::Stream>, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

async fn status_with_session(app: &TestApp, path: &str, token: &str) -> u16 {
    app.get(path)
        .insert_header(("Cookie", format!("govhall_session={token}")))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn a_console_refuses_the_wrong_principal_and_sends_a_stranger_to_sign_in() {
    let app = spawn_app().await;
    let anonymous = app.get("/my/cases").send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 303);
    assert_eq!(
        anonymous.headers().get("location").unwrap(),
        "/login?next=%2Fmy%2Fcases"
    );
    let citizen = app.token_for(&citizen());
    for console in ["/counter", "/review", "/supervision", "/counter/new"] {
        assert_eq!(
            status_with_session(&app, console, &citizen).await,
            403,
            "a citizen on {console}"
        );
    }
    let reviewer = app.token_for(&reviewer());
    for page in ["/counter", "/supervision", "/my/cases"] {
        assert_eq!(
            status_with_session(&app, page, &reviewer).await,
            403,
            "a reviewer on {page}"
        );
    }
    // A cookie the gateway would not accept as a bearer token is no session.
    assert_eq!(status_with_session(&app, "/counter", "forged").await, 303);
    assert_eq!(app.upstream.hits(), 0, "refused before any service call");
}

#[actix_web::test]
async fn a_form_without_its_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    // Signing in needs the token of the browser's own login page.
    let forged = app
        .post("/login")
        .send_form(&[("kind", "citizen"), ("account", "mallory")])
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert!(set_cookie(&forged, "govhall_session").is_none());

    let page = app.get("/login").send().await.unwrap();
    let csrf = set_cookie(&page, "govhall_csrf").expect("the login page sets a CSRF cookie");
    let token = csrf.trim_start_matches("govhall_csrf=").to_owned();
    let signed_in = app
        .post("/login")
        .insert_header(("Cookie", csrf.clone()))
        .send_form(&[
            ("_csrf", token.as_str()),
            ("kind", "citizen"),
            ("account", "zhangsan"),
        ])
        .await
        .unwrap();
    assert_eq!(
        signed_in.status().as_u16(),
        303,
        "the same form with its token"
    );
    let session = set_cookie(&signed_in, "govhall_session").expect("a session");

    // Signed in, a posted action with another token, or an upload without one, is refused.
    let hits = app.upstream.hits();
    let case = Uuid::now_v7();
    let cookies = format!("{session}; {csrf}");
    let rating = app
        .post(&format!("/my/cases/{case}/rating"))
        .insert_header(("Cookie", cookies.clone()))
        .send_form(&[("_csrf", "0".repeat(32).as_str()), ("score", "1")])
        .await
        .unwrap();
    assert_eq!(rating.status().as_u16(), 403);
    let upload = app
        .post(&format!("/my/drafts/{case}/materials/M1"))
        .insert_header(("Cookie", cookies))
        .insert_header(("Content-Type", "multipart/form-data; boundary=x"))
        .send_body("--x--\r\n")
        .await
        .unwrap();
    assert_eq!(upload.status().as_u16(), 403);
    assert_eq!(app.upstream.hits(), hits, "nothing reached a service");
}
