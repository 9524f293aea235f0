//! What a browser test leaves behind besides pass or fail: the axe-core accessibility check
//! of a page, screenshots of failures, and named screenshots for the README.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::harness::{Browser, slug};

/// Where axe-core is, relative to the root package (installed by scripts/browser-deps.sh).
const AXE_JS: &str = "tests/browser/node_modules/axe-core/axe.min.js";

/// The WCAG 2.1 A and AA rules: what public-service sites in China (GB/T 37668) and the EU
/// (EN 301 549) are held to.
const AXE_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// An axe-core rule a page breaks.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The rule (`color-contrast`, `label`, …).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for, in one line.
    pub help: String,
    /// The rule's documentation.
    pub help_url: String,
    /// CSS selectors of the elements breaking it.
    pub targets: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<&str> = self.targets.iter().take(5).map(String::as_str).collect();
        let more = self.targets.len().saturating_sub(shown.len());
        write!(
            f,
            "[{}] {}: {} at {}",
            self.impact,
            self.id,
            self.help,
            shown.join(", ")
        )?;
        if more > 0 {
            write!(f, " and {more} more")?;
        }
        write!(f, " ({})", self.help_url)
    }
}

impl Browser {
    /// Checks the current page with axe-core against WCAG 2.1 A and AA, prints every
    /// violation under `page_name`, fails when one is `serious` or `critical`, and returns
    /// them all (minor and moderate ones included) for the test to look at.
    pub async fn axe(&self, page_name: &str) -> Vec<Violation> {
        self.step(&format!("axe-{page_name}"));
        // axe-core waits on timers, which a page without JavaScript never fires.
        assert!(
            self.javascript,
            "axe cannot check {page_name} in a session with JavaScript off: check the page in \
             one with it on"
        );
        let injected = self
            .client()
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .unwrap();
        if injected != Value::Bool(true) {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(AXE_JS);
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "cannot read {}: {e}; run scripts/browser-deps.sh (it installs axe-core)",
                    path.display()
                )
            });
            // WebDriver scripts are not subject to the page's Content-Security-Policy, unlike
            // a <script> element added to it.
            self.client().execute(&source, vec![]).await.unwrap();
        }
        let result = self
            .client()
            .execute_async(
                r#"
const [tags, done] = arguments;
axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(r => done({violations: r.violations.map(v => ({
      id: v.id, impact: v.impact || 'unknown', help: v.help, helpUrl: v.helpUrl,
      targets: v.nodes.map(n => n.target.join(' '))}))}),
    e => done({error: String(e)}));
"#,
                vec![json!(AXE_TAGS)],
            )
            .await
            .unwrap();
        if let Some(error) = result.get("error") {
            panic!("axe-core failed on {page_name}: {error}");
        }
        let violations: Vec<Violation> = result["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| Violation {
                id: string(&v["id"]),
                impact: string(&v["impact"]),
                help: string(&v["help"]),
                help_url: string(&v["helpUrl"]),
                targets: v["targets"]
                    .as_array()
                    .map(|t| t.iter().map(string).collect())
                    .unwrap_or_default(),
            })
            .collect();
        for v in &violations {
            eprintln!("axe {page_name}: {v}");
        }
        let blocking: Vec<String> = violations
            .iter()
            .filter(|v| matches!(v.impact.as_str(), "serious" | "critical"))
            .map(|v| format!("  {v}"))
            .collect();
        assert!(
            blocking.is_empty(),
            "{page_name} ({}) breaks {} serious or critical accessibility rule(s):\n{}",
            self.path().await,
            blocking.len(),
            blocking.join("\n")
        );
        self.end_step();
        violations
    }

    /// Saves a screenshot of the page as `$GOVHALL_SCREENSHOTS_DIR/<name>.png` when that
    /// variable is set (README screenshots: `GOVHALL_SCREENSHOTS_DIR=docs/screenshots`), and
    /// returns its path; does nothing otherwise.
    pub async fn shot(&self, name: &str) -> Option<PathBuf> {
        let dir = std::env::var_os("GOVHALL_SCREENSHOTS_DIR")?;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let path = dir.join(format!("{}.png", slug(name)));
        self.save_screenshot(&path).await.unwrap();
        eprintln!("screenshot {name}: {}", path.display());
        Some(path)
    }

    /// Saves a PNG of the visible page at `path`, creating its folder.
    pub async fn save_screenshot(&self, path: &Path) -> Result<(), String> {
        let png = self
            .client()
            .screenshot()
            .await
            .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| e.to_string())
    }

    /// After a failure inside [`Browser::scenario`]: a screenshot under
    /// `$CARGO_TARGET_DIR/browser-screenshots/<test>-<step>.png`, the URL and the start of the
    /// page's text, on stderr. Never panics itself (the browser may be what failed).
    pub(crate) async fn report_failure(&self) {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
        let path = target
            .join("browser-screenshots")
            .join(format!("{}.png", self.failure_name().await));
        match self.save_screenshot(&path).await {
            Ok(()) => eprintln!("failure screenshot: {}", path.display()),
            Err(e) => eprintln!("no failure screenshot ({e})"),
        }
        if let Ok(url) = self.client().current_url().await {
            eprintln!("failed on {url}");
        }
        if let Ok(text) = self
            .client()
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
        {
            let start: String = text
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(2000)
                .collect();
            eprintln!("the page said:\n{start}");
        }
    }
}

fn string(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}
