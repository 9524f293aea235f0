//! Signing in on the development login page as the people of the scenarios, and small
//! page helpers built on the harness.

use std::time::{Duration, Instant};

use crate::harness::Browser;

/// A staff post on the login page (the checkbox labels).
#[derive(Clone, Copy)]
pub enum Post {
    Clerk,
    Reviewer,
    Leader,
    Supervisor,
}

impl Post {
    fn label(self) -> &'static str {
        match self {
            Post::Clerk => "窗口人员",
            Post::Reviewer => "审核人员",
            Post::Leader => "审批领导",
            Post::Supervisor => "电子监察人员",
        }
    }
}

/// Signs in as the citizen `account` (any earlier session is replaced).
pub async fn citizen(b: &Browser, account: &str) {
    b.goto("/login").await;
    b.choose("个人（自然人）").await;
    b.fill("账号", account).await;
    b.click_button("登录").await;
    b.wait_for_text("登录成功", Duration::from_secs(30)).await;
}

/// Signs in as staff `account` of `division` (option text shows the code in brackets) and,
/// for reviewers, `department`.
pub async fn staff(
    b: &Browser,
    account: &str,
    posts: &[Post],
    division: &str,
    department: Option<&str>,
) {
    b.goto("/login").await;
    b.choose("工作人员").await;
    b.fill("账号", account).await;
    for post in posts {
        b.choose(post.label()).await;
    }
    select_by_code(b, "#division", division).await;
    if let Some(department) = department {
        select_by_code(b, "#department", department).await;
    }
    b.click_button("登录").await;
    b.wait_for_text("登录成功", Duration::from_secs(30)).await;
}

/// Picks the option of `select_css` whose text ends with `（code）`.
async fn select_by_code(b: &Browser, select_css: &str, code: &str) {
    let script = format!(
        "const s = document.querySelector({select:?}); \
         const o = [...s.options].find(o => o.value === {code:?}); \
         if (!o) return false; s.value = o.value; return true;",
        select = select_css,
        code = code
    );
    let found = b
        .client()
        .execute(&script, vec![])
        .await
        .expect("select an option");
    assert_eq!(
        found,
        serde_json::Value::Bool(true),
        "no option {code} in {select_css}"
    );
}

/// Reloads `path` until its text contains `text` (work done by other services arrives a
/// moment later), failing after `timeout`.
pub async fn reload_until(b: &Browser, path: &str, text: &str, timeout: Duration) {
    let start = Instant::now();
    loop {
        b.goto(path).await;
        if b.page_text().await.contains(text) {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "{path} did not show {text:?} within {timeout:?}: {}",
            b.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Clicks the first element matching `css`.
pub async fn click(b: &Browser, css: &str) {
    b.find(css).await.click().await.expect("click");
}

/// A small, valid PDF to upload.
pub fn pdf(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    )
    .expect("write a PDF");
    path
}
