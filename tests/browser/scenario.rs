//! The whole story in the browser: a citizen applies online with an upload, the window clerk
//! asks for a supplement, the citizen supplements, the clerk accepts, two departments review
//! in parallel, the citizen sees the decision, the result is handed over and the citizen
//! rates it; the supervisor sees the case counted. Every page on the way passes axe.

use std::time::Duration;

use crate::{
    harness::{Browser, Hall},
    people::{self, Post, click, reload_until},
};

/// 娱乐场所经营许可 at 南京市鼓楼区: the culture bureau leads, public security and the fire
/// brigade review beside it (join rule: all).
pub const MATTER: &str = "11320106MB0937461A4000133004";
pub const DIVISION: &str = "320106";
pub const LEAD: &str = "320106-WHHLYJ";
pub const POLICE: &str = "320106-GAFJ";
pub const FIRE: &str = "320106-XFJYDD";
const CITIZEN: &str = "citizen-zhang";

const LONG: Duration = Duration::from_secs(60);

/// The citizen applies online: finds the matter, fills the form (a mistake first, shown at
/// its field), uploads a material with the draft, submits. Returns the case number.
pub async fn citizen_applies(b: &Browser, hall: &Hall) -> String {
    people::citizen(b, CITIZEN).await;
    b.axe("my-cases-empty").await;

    b.step("home");
    b.goto("/").await;
    b.axe("home").await;
    b.shot("home").await;
    b.fill("事项名称关键词", "娱乐场所").await;
    b.click_button("搜索").await;
    b.wait_for_text("娱乐场所经营许可", Duration::from_secs(30))
        .await;
    b.axe("catalog").await;
    b.shot("catalog").await;
    b.click_link("娱乐场所经营许可").await;
    b.wait_for_text("申请材料", Duration::from_secs(30)).await;
    assert!(b.path().await.ends_with(MATTER), "{}", b.path().await);
    b.axe("matter").await;
    b.shot("matter").await;

    b.step("apply");
    b.click_link("在线申请").await;
    b.wait_for_text("申请人信息", Duration::from_secs(30)).await;
    b.axe("apply").await;
    b.fill("姓名", "张三").await;
    b.fill("居民身份证号码", "11010519491231002X").await;
    b.fill("#contact_phone", "13800138000").await;
    b.fill("场所名称", "鼓楼区欢唱量贩式KTV").await;
    b.fill("场所类型", "歌舞娱乐场所").await;
    // Too short: the API's rule, shown at the field after submitting.
    b.fill("营业地址", "鼓楼").await;
    b.fill("营业面积（平方米）", "620").await;
    b.fill("包厢（包间）数", "18").await;
    b.fill("#field-contact_phone", "13800138000").await;
    b.click_button("保存并上传材料").await;
    b.wait_for_text("草稿已保存", Duration::from_secs(30)).await;
    b.axe("draft").await;

    b.step("upload");
    let application = people::pdf(&hall.dir, "申请书.pdf");
    b.upload("#file-M1", &application).await;
    click(b, "form[action*='/materials/M1'] button[type=submit]").await;
    b.wait_for_text("已上传：申请书.pdf", Duration::from_secs(30))
        .await;
    b.shot("draft").await;

    b.step("submit with a mistake");
    b.click_button("提交申请").await;
    b.wait_for_text("申请未能提交", Duration::from_secs(30))
        .await;
    assert_eq!(
        b.text_of("#field-address-error").await,
        "营业地址至少 5 个字",
        "the API's complaint is shown at the field"
    );
    b.axe("draft-with-errors").await;
    b.shot("form-errors").await;
    b.fill("营业地址", "南京市鼓楼区示例路88号3层").await;
    b.click_button("提交申请").await;
    b.wait_for_text("申请已提交", Duration::from_secs(30)).await;
    b.axe("submitted").await;
    let number = b.text_of("#case-number").await;
    assert_eq!(number.len(), 21, "case number {number:?}");
    assert_eq!(b.text_of("#query-password").await.len(), 8);
    number
}

/// The clerk of the division finds the case at the top of the queue and sends the one-time
/// supplement notice for the business licence.
pub async fn clerk_asks_for_a_supplement(b: &Browser, number: &str) {
    people::staff(b, "clerk-gulou", &[Post::Clerk], DIVISION, None).await;
    b.step("counter queue");
    assert_eq!(b.path().await, "/counter?ok=signed_in");
    b.wait_for_text(number, Duration::from_secs(30)).await;
    b.axe("counter").await;
    b.shot("counter").await;
    b.click_link(number).await;
    b.wait_for_text("预审", Duration::from_secs(30)).await;
    assert!(
        b.page_text().await.contains("11010519491231002X"),
        "the clerk sees the full ID number to check identity"
    );
    b.axe("counter-case").await;
    b.shot("counter-case").await;
    b.step("supplement notice");
    click(b, "input[name=missing][value=M2]").await;
    b.fill(
        "问题说明（营业执照）",
        "营业执照已过期，请提供有效期内的营业执照",
    )
    .await;
    b.click_button("出具补正告知书").await;
    b.wait_for_text("已出具一次性补正告知书", Duration::from_secs(30))
        .await;
    assert!(b.page_text().await.contains("营业执照已过期"));
    b.step("print the notice");
    b.click_link("补正材料一次性告知书").await;
    b.wait_for_text("请一次性补正以下内容", Duration::from_secs(30))
        .await;
    let notice = b.page_text().await;
    assert!(notice.contains("1. 营业执照：营业执照已过期"), "{notice}");
    assert!(
        notice.contains(number) && notice.contains("验证码"),
        "{notice}"
    );
    b.axe("notice").await;
    b.shot("notice").await;
}

/// The citizen sees the notice on the case, uploads the licence and sends the supplement.
pub async fn citizen_supplements(b: &Browser, hall: &Hall, number: &str) {
    people::citizen(b, CITIZEN).await;
    b.step("my cases");
    b.goto("/my/cases").await;
    b.wait_for_text(number, Duration::from_secs(30)).await;
    b.axe("my-cases").await;
    b.shot("my-cases").await;
    b.click_link(number).await;
    b.wait_for_text("需要补正材料", Duration::from_secs(30))
        .await;
    assert!(b.page_text().await.contains("营业执照已过期"));
    b.axe("case-supplement").await;
    let licence = people::pdf(&hall.dir, "营业执照.pdf");
    b.upload("#file-M2", &licence).await;
    click(b, "form[action*='/materials/M2'] button[type=submit]").await;
    b.wait_for_text("已上传：营业执照.pdf", Duration::from_secs(30))
        .await;
    b.fill("补正说明", "已上传有效期内的营业执照").await;
    b.click_button("提交补正").await;
    b.wait_for_text("补正材料已提交", Duration::from_secs(30))
        .await;
}

/// The clerk accepts the supplemented case; the receipt can be printed.
pub async fn clerk_accepts(b: &Browser, number: &str) {
    people::staff(b, "clerk-gulou", &[Post::Clerk], DIVISION, None).await;
    b.step("accept");
    b.wait_for_text(number, Duration::from_secs(30)).await;
    b.click_link(number).await;
    b.wait_for_text("预审", Duration::from_secs(30)).await;
    b.click_button("受理").await;
    b.wait_for_text("已受理", Duration::from_secs(30)).await;
    assert!(b.page_text().await.contains("打印受理回执"));
}

/// The citizen sees the decision, then (after the hand-over) rates the service.
pub async fn citizen_sees_the_decision(b: &Browser, case_path: &str) {
    people::citizen(b, CITIZEN).await;
    b.step("decision");
    reload_until(b, case_path, "审批结果", LONG).await;
    assert_eq!(
        b.text_of("#case-outcome").await.split('（').next(),
        Some("同意")
    );
    b.axe("case-decided").await;
}

/// The clerk hands the licence over at the window.
pub async fn clerk_hands_over(b: &Browser, number: &str) {
    people::staff(b, "clerk-gulou", &[Post::Clerk], DIVISION, None).await;
    b.step("hand over");
    reload_until(b, "/counter", number, LONG).await;
    b.click_link(number).await;
    b.wait_for_text("送达结果", Duration::from_secs(30)).await;
    b.choose("窗口领取").await;
    b.click_button("送达").await;
    b.wait_for_text("已送达办理结果", Duration::from_secs(30))
        .await;
}

/// The citizen rates the completed case (好差评).
pub async fn citizen_rates(b: &Browser, case_path: &str) {
    people::citizen(b, CITIZEN).await;
    b.step("rate");
    reload_until(b, case_path, "评价本次服务", LONG).await;
    b.axe("case-completed").await;
    b.shot("case").await;
    b.choose("非常满意").await;
    b.fill("意见或建议", "网上申请方便，一次补正就办好了").await;
    b.click_button("提交评价").await;
    b.wait_for_text("感谢您的评价", Duration::from_secs(30))
        .await;
    assert!(b.page_text().await.contains("您已评价本次服务"));
}

/// The path of the citizen's page of the case numbered `number`.
pub async fn case_path(b: &Browser, number: &str) -> String {
    people::citizen(b, CITIZEN).await;
    b.goto("/my/cases").await;
    b.click_link(number).await;
    b.wait_for_text(number, Duration::from_secs(30)).await;
    b.path().await
}

/// The culture bureau's leader opens the task, takes the fire brigade off the review (减签:
/// this venue's fire inspection was done separately), and approves; the police reviewer then
/// approves too, in parallel: with both opinions in, the review concludes.
pub async fn two_departments_review(b: &Browser, number: &str) {
    people::staff(
        b,
        "leader-whly",
        &[Post::Reviewer, Post::Leader],
        DIVISION,
        Some(LEAD),
    )
    .await;
    b.step("lead inbox");
    reload_until(b, "/review", number, LONG).await;
    b.axe("review-inbox").await;
    b.shot("review-inbox").await;
    b.click_link(number).await;
    b.wait_for_text("审查意见", Duration::from_secs(30)).await;
    b.axe("review-task").await;
    b.shot("review-task").await;

    b.step("remove a co-department");
    click(b, "details:has(#form-removal) > summary").await;
    let removed = b
        .client()
        .execute(
            &format!(
                "const s = document.querySelector('#remove_department'); s.value = {FIRE:?}; return s.value;"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(removed, serde_json::json!(FIRE));
    b.fill("减签理由", "消防验收已另案办结，无需会签").await;
    b.click_button("减签").await;
    b.wait_for_text("已移除协办部门", Duration::from_secs(30))
        .await;

    b.step("lead opinion");
    b.choose("同意（准予）").await;
    b.fill(
        "意见内容",
        "经审查，申请材料齐全，场所符合设立条件，准予许可",
    )
    .await;
    b.click_button("提交意见").await;
    b.wait_for_text("审查意见已提交", Duration::from_secs(30))
        .await;

    people::staff(
        b,
        "reviewer-police",
        &[Post::Reviewer],
        DIVISION,
        Some(POLICE),
    )
    .await;
    b.step("police opinion");
    // Every department of the plan reads the case in full: its number, not just "查看任务".
    reload_until(b, "/review", number, LONG).await;
    b.click_link(number).await;
    b.wait_for_text("审查意见", Duration::from_secs(30)).await;
    b.axe("review-task-co-department").await;
    b.choose("同意").await;
    b.fill("意见内容", "治安条件符合要求").await;
    b.click_button("提交意见").await;
    b.wait_for_text("审查意见已提交", Duration::from_secs(30))
        .await;
}

/// The supervisor of the district sees the case counted among the completed ones.
pub async fn supervisor_sees_it_counted(b: &Browser) {
    people::staff(b, "supervisor-gulou", &[Post::Supervisor], DIVISION, None).await;
    b.step("supervision");
    reload_until(b, "/supervision", "共办结 1 件", LONG).await;
    b.axe("supervision").await;
    b.shot("supervision").await;
}
