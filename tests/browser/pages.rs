//! The pages the whole-story scenario does not pass through, each checked with axe: following
//! a case anonymously, the window entering an application and deciding an instant matter on
//! the spot, a cross-level transfer signed for, the supervisor's drill-down to overdue clocks,
//! sign-in, an error page and the acceptance receipt; the hall on a phone and in large text;
//! and applying with an upload with JavaScript off.

use std::time::Duration;

use govhall_web::Role;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::{
    harness::{Browser, Hall},
    helpers::{Api, Tokens},
    people::{self, Post, click, reload_until},
};

/// 食品经营许可（新办） at 南京市玄武区: a promised matter, one department.
const SINGLE: &str = "11320102MB1234567X4000117001";
const SINGLE_NAME: &str = "食品经营许可（新办）";
const SINGLE_DIVISION: &str = "320102";
/// 个体工商户注销登记 at 南京市秦淮区: an instant matter (即办件), decided at the window.
const INSTANT: &str = "11320104MB0291536G4000117018";
const INSTANT_NAME: &str = "个体工商户注销登记";
const INSTANT_DIVISION: &str = "320104";
/// 危险化学品经营许可证核发: the county (宜兴) reviews first, then hands it to the city (无锡).
const CROSS_LEVEL: &str = "11320282MB1385902R3000126005";
const CROSS_LEVEL_NAME: &str = "危险化学品经营许可证核发（带有储存设施）";
const COUNTY: &str = "320282";
const CITY: &str = "320200";
/// 南京市: the supervisor above 玄武 and 秦淮.
const NANJING: &str = "320100";

const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(30);

#[actix_web::test]
async fn every_console_page_passes_the_accessibility_check() {
    let hall = Hall::start().await;
    let b = Browser::desktop(&hall, "every_console_page_passes_the_accessibility_check").await;
    b.scenario(async {
        let api = hall.api();
        let citizen = "citizen-li";
        let case = submit(&api, &hall.tokens, citizen, SINGLE).await;

        // Sign-in, before anyone signs in.
        b.step("login page");
        b.goto("/login").await;
        b.wait_for_text("身份类型", SHORT).await;
        b.axe("login").await;

        // Anyone with the number and the query password follows the case, signed in or not.
        b.step("track");
        b.goto("/track").await;
        b.axe("track").await;
        b.fill("办件编号", &case.number).await;
        b.fill("查询密码", &case.password).await;
        b.click_button("查询").await;
        b.wait_for_text("办理过程", SHORT).await;
        assert_eq!(b.text_of("#result-heading").await, SINGLE_NAME);
        assert!(
            b.page_text().await.contains(&case.number),
            "the followed case shows its number"
        );
        b.axe("track-found").await;
        b.step("track with a wrong password");
        b.fill("办件编号", &case.number).await;
        b.fill("查询密码", "00000000").await;
        b.click_button("查询").await;
        b.find("form .alert[role=alert]").await;
        assert!(b.find_all("#result-heading").await.is_empty());
        b.axe("track-refused").await;

        // Accepted: the citizen prints the receipt (受理通知书); another's case is not found.
        accept(&api, &hall.tokens, &case.id, SINGLE_DIVISION).await;
        people::citizen(&b, citizen).await;
        b.step("receipt");
        b.goto(&format!("/my/cases/{}/receipt", case.id)).await;
        b.wait_for_text(&case.number, SHORT).await;
        assert!(
            b.title().await.contains("受理通知书"),
            "{}",
            b.title().await
        );
        b.axe("receipt").await;
        b.step("not found");
        b.goto(&format!("/my/cases/{}", uuid::Uuid::new_v4())).await;
        b.wait_for_text("页面不存在", SHORT).await;
        b.axe("not-found").await;

        supervisor_drills_down_to_an_overdue_case(&b, &hall, &case).await;
        window_enters_and_decides_an_instant_matter(&b).await;
        city_signs_for_a_transfer(&b, &api, &hall.tokens).await;
    })
    .await;
}

/// The 秦淮 window enters an instant matter for an applicant at the counter, tells him the
/// number and password, and decides it on the spot.
async fn window_enters_and_decides_an_instant_matter(b: &Browser) {
    people::staff(b, "clerk-qinhuai", &[Post::Clerk], INSTANT_DIVISION, None).await;
    b.step("counter new");
    b.click_link("窗口收件").await;
    b.wait_for_text("办理事项", SHORT).await;
    assert_eq!(b.path().await, "/counter/new");
    b.axe("counter-new").await;
    b.fill("办理事项", INSTANT_NAME).await;
    b.fill("申请人类型", "个人").await;
    b.click_button("选择").await;
    b.wait_for_text("申请内容", SHORT).await;
    b.fill("姓名", "王五").await;
    b.fill("居民身份证号码", "11010519491231002X").await;
    b.fill("#contact_phone", "13900139000").await;
    b.fill("个体工商户名称", "秦淮区示例便利店").await;
    b.fill("注销原因", "经营者决定停止经营").await;
    b.fill("债权债务已清理完结", "true").await;
    b.fill("#field-contact_phone", "13900139000").await;
    b.fill("窗口编号", "W-01").await;
    b.axe("counter-new-filled").await;
    b.click_button("收件").await;
    b.wait_for_text("收件成功", SHORT).await;
    let told = b.texts_of("dd.big").await;
    assert_eq!(told.len(), 2, "number and password: {told:?}");
    assert_eq!(told[0].len(), 21, "case number {:?}", told[0]);
    assert_eq!(told[1].len(), 8, "query password {:?}", told[1]);
    b.axe("counter-entered").await;

    b.step("instant decision");
    b.click_link("进入预审").await;
    b.wait_for_text("即办件当场办结", SHORT).await;
    assert!(b.page_text().await.contains("即办件"));
    b.axe("counter-case-instant").await;
    b.fill("办理意见", "材料齐全，准予注销登记").await;
    b.click_button("当场办结").await;
    b.wait_for_text("已当场办结", SHORT).await;
    assert!(
        b.find_all("form[action$='/instant-decision']")
            .await
            .is_empty(),
        "the instant-decision form is gone once decided"
    );
    b.axe("counter-case-decided").await;
}

/// 宜兴 accepts and reviews a hazardous-chemicals licence (through the API); 无锡's reviewer
/// finds the transfer in the browser and signs for it (签收).
async fn city_signs_for_a_transfer(b: &Browser, api: &Api, tokens: &Tokens) {
    let token = tokens.legal_person("company-yixing");
    let body = json!({"matter_code": CROSS_LEVEL,
        "applicant": {"kind": "legal_person", "name": "宜兴某某化工有限公司", "credit_code": "91320282MA1NXK2P3B"},
        "form": example_form(api, CROSS_LEVEL).await});
    let created = api.post("/api/v1/cases", Some(&token), &body, &[]).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    accept(api, tokens, &id, COUNTY).await;
    approve_task(api, tokens, &id, COUNTY, "320282-YJGLJ").await;

    people::staff(
        b,
        "reviewer-wuxi",
        &[Post::Reviewer],
        CITY,
        Some("320200-YJGLJ"),
    )
    .await;
    b.step("transfers");
    reload_until(b, "/review/transfers", CROSS_LEVEL_NAME, LONG).await;
    assert!(b.page_text().await.contains("待签收"));
    b.axe("review-transfers").await;
    b.click_link(CROSS_LEVEL_NAME).await;
    b.wait_for_text("报送情况", SHORT).await;
    assert_eq!(b.text_of("#transfer-state").await, "待签收");
    assert!(
        b.page_text().await.contains("初审同意"),
        "the county's opinion travels with the transfer"
    );
    b.axe("review-transfer").await;
    b.step("sign for it");
    b.click_button("签收").await;
    b.wait_for_text("已签收。", SHORT).await;
    assert_eq!(b.text_of("#transfer-state").await, "已签收，审查中");
    b.axe("review-transfer-received").await;
}

/// A clock of the 玄武 case runs out (the deadline database is aged: days cannot pass in a
/// test); Nanjing's supervisor opens the red-card list and drills down to the case.
async fn supervisor_drills_down_to_an_overdue_case(b: &Browser, hall: &Hall, case: &Submitted) {
    age_clocks(hall, SINGLE_DIVISION).await;
    people::staff(b, "supervisor-nanjing", &[Post::Supervisor], NANJING, None).await;
    b.step("red clocks");
    reload_until(b, "/supervision/clocks?status=red", &case.number, LONG).await;
    assert!(b.page_text().await.contains("已超期"));
    b.axe("supervision-clocks").await;
    b.shot("supervision-clocks").await;
    b.click_link(&case.number).await;
    b.wait_for_text("办理过程", SHORT).await;
    assert_eq!(b.path().await, format!("/supervision/cases/{}", case.id));
    assert!(b.page_text().await.contains(SINGLE_NAME));
    b.axe("supervision-case").await;
}

#[actix_web::test]
async fn the_hall_works_on_a_phone_and_in_large_text() {
    let hall = Hall::start().await;
    let b = Browser::phone(&hall, "the_hall_works_on_a_phone_and_in_large_text").await;
    b.scenario(async {
        let citizen = "citizen-zhao";
        let case = submit(&hall.api(), &hall.tokens, citizen, SINGLE).await;

        b.step("phone home");
        b.goto("/").await;
        assert!(b.page_scripts_run().await, "JavaScript is on by default");
        let width = b
            .client()
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap();
        assert_eq!(width, json!(390), "a phone-wide viewport");
        assert_no_sideways_scroll(&b).await;
        b.axe("phone-home").await;
        b.shot("phone-home").await;

        b.step("phone catalog");
        b.goto("/matters").await;
        b.wait_for_text(SINGLE_NAME, SHORT).await;
        assert_no_sideways_scroll(&b).await;
        b.axe("phone-catalog").await;
        b.goto(&format!("/matters/{SINGLE}")).await;
        b.wait_for_text("申请材料", SHORT).await;
        assert_no_sideways_scroll(&b).await;
        b.axe("phone-matter").await;

        people::citizen(&b, citizen).await;
        b.step("phone my cases");
        b.goto("/my/cases").await;
        b.wait_for_text(&case.number, SHORT).await;
        b.axe("phone-my-cases").await;
        b.click_link(&case.number).await;
        b.wait_for_text("办理过程", SHORT).await;
        assert_eq!(b.path().await, format!("/my/cases/{}", case.id));
        assert_no_sideways_scroll(&b).await;
        b.axe("phone-case").await;

        b.step("large text");
        assert!(!root_class(&b).await.contains("large"));
        let normal = root_font_px(&b).await;
        assert_eq!(normal, 16.0, "standard text is 16px");
        b.click_button("大字版").await;
        b.find("html.large").await;
        assert!(root_class(&b).await.contains("large"));
        let large = root_font_px(&b).await;
        assert_eq!(large, 20.0, "large text is 20px (was {normal}px)");
        assert_eq!(
            b.path().await,
            format!("/my/cases/{}", case.id),
            "the same page again"
        );
        b.axe("phone-case-large").await;
        b.step("large text stays");
        b.goto("/").await;
        assert!(root_class(&b).await.contains("large"), "the choice is kept");
        assert_no_sideways_scroll(&b).await;
        b.axe("phone-home-large").await;
        b.shot("large-text").await;
        b.click_button("标准字号").await;
        b.wait_for_text("大字版", SHORT).await;
        assert!(!root_class(&b).await.contains("large"));
        assert_eq!(root_font_px(&b).await, 16.0);
    })
    .await;
}

#[actix_web::test]
async fn a_citizen_applies_and_uploads_with_javascript_off() {
    let hall = Hall::start().await;
    let b = Browser::without_javascript(&hall, "a_citizen_applies_and_uploads_with_javascript_off")
        .await;
    b.scenario(async {
        let api = hall.api();
        b.goto("/").await;
        assert!(
            !b.page_scripts_run().await,
            "the page's scripts are off in this session"
        );
        people::citizen(&b, "citizen-sun").await;

        b.step("apply");
        b.goto(&format!("/apply/{SINGLE}")).await;
        b.wait_for_text("申请人信息", SHORT).await;
        b.fill("姓名", "孙七").await;
        b.fill("居民身份证号码", "11010519491231002X").await;
        b.fill("#contact_phone", "13700137000").await;
        fill_example(&b, &example_form(&api, SINGLE).await).await;
        b.click_button("保存并上传材料").await;
        b.wait_for_text("草稿已保存", SHORT).await;
        let path = b.path().await;
        let draft = path.split('?').next().unwrap().to_owned();
        assert!(draft.starts_with("/my/drafts/"), "{path}");

        b.step("upload");
        let pdf = people::pdf(&hall.dir, "食品经营许可申请书.pdf");
        b.upload("#file-M1", &pdf).await;
        // A mark on this document: a real form POST replaces the document, so it is gone
        // after the upload's 303 back to the draft.
        b.client()
            .execute("window.__before_upload = true;", vec![])
            .await
            .unwrap();
        click(&b, "form[action*='/materials/M1'] button[type=submit]").await;
        b.wait_for_text("已上传：食品经营许可申请书.pdf", Duration::from_secs(30))
            .await;
        let after = b
            .client()
            .execute(
                "return [window.__before_upload === true, \
                 [...document.querySelectorAll('form[data-upload] progress')].every(p => p.hidden)];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            after,
            json!([false, true]),
            "a new document (the plain POST's redirect), every progress bar still hidden"
        );
        assert!(
            b.path().await.starts_with(&draft),
            "back on the draft: {}",
            b.path().await
        );
        assert!(b.page_text().await.contains("材料已上传。"));

        b.step("submit");
        b.click_button("提交申请").await;
        b.wait_for_text("申请已提交", SHORT).await;
        let number = b.text_of("#case-number").await;
        assert_eq!(number.len(), 21, "case number {number:?}");
        // The window sees the file among the case's materials.
        people::staff(&b, "clerk-xuanwu", &[Post::Clerk], SINGLE_DIVISION, None).await;
        b.step("the window sees the upload");
        b.wait_for_text(&number, SHORT).await;
        b.click_link(&number).await;
        b.wait_for_text("预审", SHORT).await;
        assert!(
            b.page_text().await.contains("食品经营许可申请书.pdf"),
            "the uploaded file is on the case"
        );
    })
    .await;
}

/// A case submitted through the API.
struct Submitted {
    id: String,
    number: String,
    password: String,
}

/// `citizen` applies for `matter` with its schema's example form (through the API).
async fn submit(api: &Api, tokens: &Tokens, citizen: &str, matter: &str) -> Submitted {
    let token = tokens.citizen(citizen);
    let body = json!({"matter_code": matter,
        "applicant": {"kind": "natural_person", "name": "李四", "id_number": "11010519491231002X"},
        "form": example_form(api, matter).await});
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
    let s = |k: &str| created.body[k].as_str().unwrap_or_default().to_owned();
    let submitted = Submitted {
        id: s("id"),
        number: s("case_number"),
        password: s("query_password"),
    };
    assert!(
        !submitted.number.is_empty() && !submitted.password.is_empty(),
        "{}",
        created.body
    );
    submitted
}

/// A window clerk of `division` accepts the case (through the API).
async fn accept(api: &Api, tokens: &Tokens, id: &str, division: &str) {
    let clerk = tokens.staff("clerk-api", &[Role::WindowClerk], division, None);
    let accepted = api
        .post(
            &format!("/api/v1/cases/{id}/acceptance"),
            Some(&clerk),
            &json!({"version": 1}),
            &[],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
}

/// The open task of `department` on the case, approved (through the API).
async fn approve_task(api: &Api, tokens: &Tokens, id: &str, division: &str, department: &str) {
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
            &json!({"outcome": "approved", "comment": "初审同意，报市局审查"}),
            &[],
        )
        .await;
    assert_eq!(opinion.status, 200, "{}", opinion.body);
}

/// The example form of `matter`'s schema (public catalog).
async fn example_form(api: &Api, matter: &str) -> Value {
    let m = api.get(&format!("/api/v1/matters/{matter}"), None).await;
    assert_eq!(m.status, 200, "{}", m.body);
    m.body["form_schema"]["examples"][0].clone()
}

/// Fills the form's fields (`#field-<name>`) with `example`: text as typed, a list by ticking
/// its boxes, a boolean by its checkbox.
async fn fill_example(b: &Browser, example: &Value) {
    for (name, value) in example.as_object().unwrap() {
        match value {
            Value::Array(items) => {
                for item in items {
                    click(
                        b,
                        &format!(
                            "input[name=\"f.{name}\"][value={:?}]",
                            item.as_str().unwrap()
                        ),
                    )
                    .await;
                }
            }
            Value::String(s) => b.fill(&format!("#field-{name}"), s).await,
            other => b.fill(&format!("#field-{name}"), &other.to_string()).await,
        }
    }
}

/// Makes the running processing and statutory clocks of `division` overdue, the way days
/// passing would: started a month ago, due three days ago, their next step due now, in the
/// deadline service's own SQLite file (in the format it writes), for its scheduler to fire
/// the whole warning ladder up to the red card.
async fn age_clocks(hall: &Hall, division: &str) {
    let path = hall.dir.join("deadline.db");
    let db = Database::connect(format!("sqlite://{}?mode=rw", path.display()))
        .await
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let filter = format!(
        "state = 'running' AND NOT overdue AND kind IN ('processing', 'statutory') \
         AND division_code = '{division}'"
    );
    let sample = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT due_at FROM clocks WHERE {filter} LIMIT 1"),
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no running clock in {division} to age"));
    let sample: String = sample.try_get("", "due_at").unwrap();
    // The stored form (`2026-03-02 09:00:00+00:00` or with a `T`), so text comparisons
    // against the scheduler's "now" still order correctly.
    let sep = if sample.contains('T') { "T" } else { " " };
    let format = format!("%Y-%m-%d{sep}%H:%M:%S%.6f%:z");
    let now = chrono::Utc::now();
    let started = (now - chrono::Duration::days(30)).format(&format);
    let due = (now - chrono::Duration::days(3)).format(&format);
    let fire = (now - chrono::Duration::seconds(1)).format(&format);
    let sql = format!(
        "UPDATE clocks SET started_at = '{started}', due_at = '{due}', next_fire_at = '{fire}' \
         WHERE {filter}"
    );
    // The service writes to the same file: retry while it holds the lock.
    for attempt in 0.. {
        match db.execute_unprepared(&sql).await {
            Ok(done) => {
                assert!(done.rows_affected() > 0, "no clock of {division} aged");
                break;
            }
            Err(e) if attempt < 50 && e.to_string().contains("locked") => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot age the clocks (stored as {sample:?}): {e}"),
        }
    }
    db.close().await.unwrap();
}

/// `document.documentElement.className`.
async fn root_class(b: &Browser) -> String {
    b.client()
        .execute("return document.documentElement.className;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The root element's computed font size, in CSS pixels.
async fn root_font_px(b: &Browser) -> f64 {
    let size = b
        .client()
        .execute(
            "return getComputedStyle(document.documentElement).fontSize;",
            vec![],
        )
        .await
        .unwrap();
    let size = size.as_str().unwrap_or_default();
    size.trim_end_matches("px")
        .parse()
        .unwrap_or_else(|_| panic!("root font size {size:?}"))
}

/// Fails when the page is wider than the viewport (a phone user would scroll sideways).
async fn assert_no_sideways_scroll(b: &Browser) {
    let widths = b
        .client()
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "{} is wider than the screen: {widths}",
        b.path().await
    );
}
