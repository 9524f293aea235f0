//! The browser-test harness: a `govhall standalone` on a fresh data folder ([`Hall`]), a
//! headless Chromium driven through its own chromedriver ([`Browser`]), page helpers that
//! find fields by their label and buttons by their text, an axe-core accessibility check
//! ([`Browser::axe`]) and screenshots — on failure inside [`Browser::scenario`], and named
//! ones for the README with [`Browser::shot`].
//!
//! ```ignore
//! #[actix_web::test]
//! async fn a_citizen_finds_a_matter() {
//!     let hall = Hall::start().await;
//!     let b = Browser::desktop(&hall, "a_citizen_finds_a_matter").await;
//!     b.scenario(async {
//!         b.goto("/").await;
//!         b.fill("事项名称关键词", "食品").await; // a field by its label
//!         b.click_button("搜索").await;
//!         b.wait_for_text("食品经营许可", WAIT).await;
//!         b.axe("matters").await; // fails on serious or critical WCAG 2.1 AA violations
//!         b.shot("matters").await; // docs/screenshots/matters.png when asked for
//!         b.click_link("食品经营许可（新办）").await;
//!     })
//!     .await;
//! }
//! ```
//!
//! Forms, buttons and links are in `forms`, the accessibility check and screenshots in
//! `evidence`, the chromedriver process in `driver`. Every element lookup waits up to
//! [`WAIT`] for the element to appear, so a test never sleeps. Chromium, chromedriver and axe-core come from `scripts/browser-deps.sh`; when one
//! is missing the test fails saying so (nothing is skipped).

use std::{future::Future, panic::AssertUnwindSafe, path::PathBuf, sync::Mutex, time::Duration};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use futures::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::driver::{CHROMIUM, Chromedriver, Profile};
use crate::helpers::{Api, Proc, Tokens, spawn, standalone_env, temp_dir, without_rate_limits};

/// How long element lookups and [`Browser::wait_for_text`] callers usually wait.
pub const WAIT: Duration = Duration::from_secs(30);

/// A running `govhall standalone` (killed when dropped) on its own data folder.
pub struct Hall {
    /// The process; its `url` is the gateway's base URL.
    pub proc: Proc,
    /// Mints development tokens the gateway accepts (same key file).
    pub tokens: Tokens,
    /// The data folder (SQLite files, materials, the issuer key).
    pub dir: PathBuf,
}

impl Hall {
    /// Starts `govhall standalone` on a fresh data folder, rate limits off.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Like [`Hall::start`] with extra `GOVHALL_*` settings.
    pub async fn start_with(extra_env: &[(String, String)]) -> Self {
        let dir = temp_dir();
        let tokens = Tokens::new(&dir);
        let mut env = standalone_env(&dir, &tokens);
        env.extend(without_rate_limits());
        env.extend(extra_env.iter().cloned());
        let proc = spawn("standalone", &["standalone"], &env).await;
        Self { proc, tokens, dir }
    }

    /// The gateway's base URL, without a trailing slash.
    pub fn url(&self) -> &str {
        self.proc.url.trim_end_matches('/')
    }

    /// A JSON client for the same gateway, to prepare data or check what a page did.
    pub fn api(&self) -> Api {
        Api::new(self.url())
    }
}

/// The viewport a session opens with, in CSS pixels.
#[derive(Clone, Copy, Debug)]
pub enum Window {
    /// 1280×900, a desktop browser.
    Desktop,
    /// 390×844 at 2 device pixels per CSS pixel, touch, a phone held upright (Chromium's
    /// mobile emulation: a headless window cannot be narrower than 500 pixels).
    Phone,
    /// Any other desktop viewport, at least 500 wide.
    Size(u32, u32),
}

impl Window {
    fn size(self) -> (u32, u32) {
        match self {
            Window::Desktop => (1280, 900),
            Window::Phone => (390, 844),
            Window::Size(w, h) => (w, h),
        }
    }
}

/// One headless Chromium session on its own chromedriver and profile, pointed at a hall.
/// Dropping it ends chromedriver and Chromium, whatever state the test is in.
pub struct Browser {
    client: Client,
    base: String,
    test: String,
    step: Mutex<Option<String>>,
    /// Whether the page's own scripts may run (see [`Browser::without_javascript`]).
    pub(crate) javascript: bool,
    // Field order is drop order: the client first, then chromedriver and its browser, then
    // the profile folder they used.
    _driver: Chromedriver,
    _profile: Profile,
}

impl Browser {
    /// A desktop-size session on `hall`; `test` names failure screenshots.
    pub async fn desktop(hall: &Hall, test: &str) -> Self {
        Self::open(hall.url(), test, Window::Desktop).await
    }

    /// A phone-size session (390×844) on `hall`.
    pub async fn phone(hall: &Hall, test: &str) -> Self {
        Self::open(hall.url(), test, Window::Phone).await
    }

    /// A desktop-size session on `hall` with JavaScript off (Chromium's content setting, as
    /// a user or an administrator would turn it off): the page's own scripts do not run.
    /// WebDriver's scripts still do (chromedriver runs them through DevTools), so the
    /// helpers work, except [`Browser::axe`] (axe-core waits on timers, which do not fire);
    /// [`Browser::page_scripts_run`] tells whether the page's scripts run.
    pub async fn without_javascript(hall: &Hall, test: &str) -> Self {
        Self::open_with(hall.url(), test, Window::Desktop, false).await
    }

    /// A session on any base URL with any window.
    pub async fn open(base: &str, test: &str, window: Window) -> Self {
        Self::open_with(base, test, window, true).await
    }

    /// A session on any base URL with any window, the page's JavaScript on or off.
    pub async fn open_with(base: &str, test: &str, window: Window, javascript: bool) -> Self {
        let driver = Chromedriver::start().await;
        let profile = Profile::new();
        let (w, h) = window.size();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    format!("--window-size={w},{h}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        if !javascript {
            caps["goog:chromeOptions"]["prefs"] =
                json!({"profile.managed_default_content_settings.javascript": 2});
        }
        if let Window::Phone = window {
            caps["goog:chromeOptions"]["mobileEmulation"] = json!({
                "deviceMetrics": {"width": w, "height": h, "pixelRatio": 2, "mobile": true, "touch": true},
            });
        }
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("chromedriver refused a Chromium session: {e}"));
        if !matches!(window, Window::Phone) {
            // --window-size is the outer window; grow it by whatever the headless frame
            // takes so the page itself gets w×h.
            let inner = client
                .execute("return [window.innerWidth, window.innerHeight];", vec![])
                .await
                .unwrap();
            let (iw, ih) = (
                inner[0].as_u64().unwrap_or(0),
                inner[1].as_u64().unwrap_or(0),
            );
            let (dw, dh) = (
                u64::from(w).saturating_sub(iw),
                u64::from(h).saturating_sub(ih),
            );
            if dw > 0 || dh > 0 {
                let (ow, oh) = client.get_window_size().await.unwrap();
                client
                    .set_window_size((ow + dw) as u32, (oh + dh) as u32)
                    .await
                    .unwrap();
            }
        }
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            test: test.to_owned(),
            step: Mutex::new(None),
            javascript,
            _driver: driver,
            _profile: profile,
        }
    }

    /// The fantoccini client, for anything the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `path` on the hall (`"/matters"` → `http://127.0.0.1:port/matters`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Names the current step; a failure screenshot is `<test>-<step>.png`. Without a step
    /// (none named since the last [`Browser::goto`]) it is named after the page's path.
    pub fn step(&self, name: &str) {
        *self.step.lock().unwrap() = Some(slug(name));
    }

    /// `<test>-<step>`, the name of a failure screenshot.
    pub(crate) async fn failure_name(&self) -> String {
        let named = self.step.lock().unwrap().clone();
        let step = match named {
            Some(step) => step,
            None => match self.client.current_url().await {
                Ok(url) => slug(url.path()),
                Err(_) => "start".to_owned(),
            },
        };
        format!("{}-{step}", slug(&self.test))
    }

    /// Runs a test's body; when it panics, saves a screenshot of the page and prints its path,
    /// URL and visible text before letting the panic go on.
    pub async fn scenario(&self, body: impl Future<Output = ()>) {
        if let Err(panic) = AssertUnwindSafe(body).catch_unwind().await {
            self.report_failure().await;
            std::panic::resume_unwind(panic);
        }
    }

    /// Opens `path` on the hall and waits for the page to load.
    pub async fn goto(&self, path: &str) {
        *self.step.lock().unwrap() = None;
        let url = self.url(path);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Whether the page's own scripts run: a `<script>` element added to the page sets a
    /// mark when they do. (WebDriver's scripts, like this check itself, run either way.)
    pub async fn page_scripts_run(&self) -> bool {
        let ran = self
            .client
            .execute(
                "const s = document.createElement('script'); \
                 s.textContent = 'window.__govhallPageScript = true;'; \
                 document.head.appendChild(s); s.remove(); \
                 const ran = window.__govhallPageScript === true; \
                 delete window.__govhallPageScript; return ran;",
                vec![],
            )
            .await
            .unwrap();
        ran == serde_json::Value::Bool(true)
    }

    /// The page's `<title>`.
    pub async fn title(&self) -> String {
        self.client.title().await.unwrap()
    }

    /// Forgets the step named last: failure screenshots are named after the page again.
    pub fn end_step(&self) {
        *self.step.lock().unwrap() = None;
    }

    /// The current URL's path and query (`/my/cases?page=2`).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The first element matching `css`, waiting up to [`WAIT`] for it.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element matches {css:?} after {WAIT:?}: {e}"))
    }

    /// Every element matching `css` now (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// The visible text of the first element matching `css`, trimmed.
    pub async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap().trim().to_owned()
    }

    /// The visible text of every element matching `css`, trimmed.
    pub async fn texts_of(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for el in self.find_all(css).await {
            texts.push(el.text().await.unwrap().trim().to_owned());
        }
        texts
    }

    /// The page's whole visible text.
    pub async fn page_text(&self) -> String {
        let text = self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
            .unwrap();
        text.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the page's visible text contains `text`; fails after `timeout` quoting
    /// the start of what the page says instead.
    pub async fn wait_for_text(&self, text: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let now = self.page_text().await;
            if now.contains(text) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let start: String = now.chars().take(1500).collect();
                panic!("the page never said {text:?} within {timeout:?}; it says:\n{start}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the WebDriver session cleanly (dropping the browser also ends it, by force).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A file-name-safe form of a step or page name.
pub(crate) fn slug(name: &str) -> String {
    let s: String = name
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "home".to_owned() } else { s }
}
