//! Browser tests: the portal (online hall, counter, review and supervision consoles) in a
//! headless Chromium against a real `govhall standalone`, with an axe-core accessibility
//! check of every page. Needs Debian's chromium and chromium-driver and the pinned axe-core:
//! `scripts/browser-deps.sh` installs them (`scripts/test.sh` runs it first).
//!
//! ```sh
//! scripts/browser-deps.sh
//! cargo nextest run -p govhall --test browser
//! GOVHALL_SCREENSHOTS_DIR=docs/screenshots cargo nextest run -p govhall --test browser  # README shots
//! ```
//!
//! `pages` covers the pages the scenario does not pass through, the hall on a phone and in
//! large text, and applying with JavaScript off.
//!
//! Each test starts its own hall and Chromium; `.config/nextest.toml` runs at most two at a
//! time. See `harness` for the API.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, dead_code)]

mod driver;
mod evidence;
mod forms;
mod harness;
#[path = "../e2e/helpers.rs"]
mod helpers;
mod pages;
mod people;
mod scenario;

use harness::{Browser, Hall};

#[actix_web::test]
async fn the_home_page_renders_and_passes_the_accessibility_check() {
    let hall = Hall::start().await;
    let b = Browser::desktop(
        &hall,
        "the_home_page_renders_and_passes_the_accessibility_check",
    )
    .await;
    b.scenario(async {
        b.goto("/").await;
        let title = b.title().await;
        assert!(title.contains("网上办事大厅"), "title: {title:?}");
        b.axe("home").await;
        b.shot("home").await;
    })
    .await;
}

#[actix_web::test]
async fn a_citizen_applies_online_supplements_once_two_departments_approve_and_the_citizen_rates_it()
 {
    let hall = Hall::start().await;
    let name = "a_citizen_applies_online_supplements_once_two_departments_approve_and_the_citizen_rates_it";
    let b = Browser::desktop(&hall, name).await;
    b.scenario(async {
        let number = scenario::citizen_applies(&b, &hall).await;
        scenario::clerk_asks_for_a_supplement(&b, &number).await;
        scenario::citizen_supplements(&b, &hall, &number).await;
        scenario::clerk_accepts(&b, &number).await;
        scenario::two_departments_review(&b, &number).await;
        let case = scenario::case_path(&b, &number).await;
        scenario::citizen_sees_the_decision(&b, &case).await;
        scenario::clerk_hands_over(&b, &number).await;
        scenario::citizen_rates(&b, &case).await;
        scenario::supervisor_sees_it_counted(&b).await;
    })
    .await;
}
