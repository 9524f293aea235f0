//! Filling forms and pressing buttons the way a user finds them: fields by their label,
//! buttons and links by their text.

use std::{path::Path, time::Duration};

use fantoccini::elements::Element;
use serde_json::{Value, json};

use crate::harness::{Browser, WAIT};

impl Browser {
    /// Sets the form control whose `<label>` (or `aria-label`, or placeholder) reads
    /// `label_or_css` — exactly, else the first label starting with it — or else the first
    /// element matching it as a CSS selector. Text fields are cleared and typed into; a
    /// `<select>` picks the option whose text (else value) is `value`; a checkbox is checked
    /// for `"true"`/`"on"`/`"yes"` and unchecked otherwise; a radio button is clicked; date
    /// and time fields take `value` in their wire format (`2026-03-01`).
    pub async fn fill(&self, label_or_css: &str, value: &str) {
        let el = self.control(label_or_css).await;
        let tag = el.tag_name().await.unwrap().to_lowercase();
        let kind = el.attr("type").await.unwrap().unwrap_or_default();
        match (tag.as_str(), kind.to_lowercase().as_str()) {
            ("select", _) => {
                if el.select_by_label(value).await.is_err() {
                    el.select_by_value(value).await.unwrap_or_else(|e| {
                        panic!("{label_or_css:?} has no option {value:?}: {e}")
                    });
                }
            }
            ("input", "checkbox") => {
                let want = matches!(value, "true" | "on" | "yes" | "1");
                if el.is_selected().await.unwrap() != want {
                    el.click().await.unwrap();
                }
            }
            ("input", "radio") => el.click().await.unwrap(),
            (
                "input",
                "date" | "time" | "datetime-local" | "month" | "week" | "color" | "range",
            ) => {
                // Typing into these depends on the browser's locale; set the wire value and
                // tell the page, as a user's pick would.
                self.client()
                    .execute(
                        "const [el, v] = arguments; el.value = v; \
                         el.dispatchEvent(new Event('input', {bubbles: true})); \
                         el.dispatchEvent(new Event('change', {bubbles: true}));",
                        vec![serde_json::to_value(&el).unwrap(), json!(value)],
                    )
                    .await
                    .unwrap();
            }
            _ => {
                el.clear().await.unwrap();
                el.send_keys(value).await.unwrap();
            }
        }
    }

    /// Clicks the radio button or checkbox labelled `label` (see [`Browser::fill`]).
    pub async fn choose(&self, label: &str) {
        self.control(label).await.click().await.unwrap();
    }

    /// Clicks the visible button (`<button>`, `input[type=submit|button]`, `[role=button]`)
    /// whose text or `aria-label` is `text` — exactly, else the first containing it.
    pub async fn click_button(&self, text: &str) {
        let el = self
            .wait_for_js(FIND_BUTTON, text, "button")
            .await
            .unwrap_or_else(|| panic!("no visible button reads {text:?} after {WAIT:?}"));
        el.click().await.unwrap();
    }

    /// Clicks the visible link whose text or `aria-label` is `text` (exactly, else the first
    /// containing it).
    pub async fn click_link(&self, text: &str) {
        let el = self
            .wait_for_js(FIND_BUTTON, text, "link")
            .await
            .unwrap_or_else(|| panic!("no visible link reads {text:?} after {WAIT:?}"));
        el.click().await.unwrap();
    }

    /// Gives the file input matching `file_input_css` the file at `path` (made absolute).
    pub async fn upload(&self, file_input_css: &str, path: &Path) {
        let path = std::fs::canonicalize(path)
            .unwrap_or_else(|e| panic!("cannot upload {}: {e}", path.display()));
        self.find(file_input_css)
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
    }

    /// The control labelled `label_or_css`, or matching it as CSS, waiting up to [`WAIT`].
    async fn control(&self, label_or_css: &str) -> Element {
        self.wait_for_js(FIND_CONTROL, label_or_css, "")
            .await
            .unwrap_or_else(|| {
                panic!("no field is labelled {label_or_css:?} nor matches it as CSS after {WAIT:?}")
            })
    }

    /// Runs a lookup script with `(key, kind)` until it returns an element or [`WAIT`] passes.
    async fn wait_for_js(&self, script: &str, key: &str, kind: &str) -> Option<Element> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = self
                .client()
                .execute(script, vec![json!(key), json!(kind)])
                .await
                .unwrap();
            if let Some(id) = found.get(ELEMENT_KEY).and_then(Value::as_str) {
                return Some(Element::from_element_id(
                    self.client().clone(),
                    id.to_owned().into(),
                ));
            }
            if tokio::time::Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The key under which WebDriver returns an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `arguments = [key]`: the form control whose label, `aria-label` or placeholder reads `key`
/// (exact match first, then the first starting with it), else `querySelector(key)`.
const FIND_CONTROL: &str = r#"
const key = arguments[0];
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const controls = [];
for (const l of document.querySelectorAll('label')) {
  const c = l.control || (l.htmlFor ? document.getElementById(l.htmlFor) : null);
  if (c) controls.push([norm(l.textContent), c]);
}
for (const c of document.querySelectorAll('input, select, textarea')) {
  if (c.getAttribute('aria-label')) controls.push([norm(c.getAttribute('aria-label')), c]);
  if (c.placeholder) controls.push([norm(c.placeholder), c]);
}
const exact = controls.find(([t]) => t === key);
if (exact) return exact[1];
const prefix = controls.find(([t]) => t.startsWith(key));
if (prefix) return prefix[1];
try { return document.querySelector(key); } catch (e) { return null; }
"#;

/// `arguments = [text, 'button' | 'link']`: the visible button or link whose text or
/// `aria-label` reads `text` (exact first, then the first containing it).
const FIND_BUTTON: &str = r#"
const [text, kind] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const css = kind === 'link'
  ? 'a[href], [role=link]'
  : 'button, input[type=submit], input[type=button], input[type=reset], [role=button]';
const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
const items = [...document.querySelectorAll(css)].filter(visible)
  .map(el => [norm(el.innerText || el.value), norm(el.getAttribute('aria-label')), el]);
const exact = items.find(([t, a]) => t === text || a === text);
if (exact) return exact[2];
const part = items.find(([t, a]) => t.includes(text) || a.includes(text));
return part ? part[2] : null;
"#;
