//! What the task page shows besides the task: the case (or the package it came in), the
//! departments of the review and its log.

use std::collections::HashMap;

use serde_json::Value;

use super::{transfer::PackageFile, words::log_action};
use crate::{form, hall::Entry, layout::Ctx, text};

/// The case as a reviewer sees it.
pub(super) struct CaseView {
    pub(super) number: String,
    pub(super) matter: String,
    pub(super) state: String,
    pub(super) colour: (&'static str, &'static str),
    pub(super) submitted: String,
    pub(super) accepted: String,
    pub(super) due: String,
    pub(super) applicant_kind: &'static str,
    pub(super) applicant_name: String,
    pub(super) id_label: &'static str,
    pub(super) id_masked: String,
    pub(super) revealed_name: String,
    pub(super) revealed_id: String,
    pub(super) revealed_phone: String,
    pub(super) phone: String,
    pub(super) fields: Vec<(String, String)>,
    pub(super) timeline: Vec<Entry>,
}

/// A case read from the transfer that brought it to the caller's division.
pub(super) struct Package {
    pub(super) id: String,
    pub(super) matter: String,
    pub(super) applicant: String,
    pub(super) from: String,
    pub(super) files: Vec<PackageFile>,
}

impl Package {
    pub(super) fn from(t: &Value) -> Self {
        let summary = &t["package"]["summary"];
        Self {
            id: text::s(t, "id"),
            matter: text::s(summary, "matter_name"),
            applicant: text::s(summary, "applicant_masked"),
            from: text::s(t, "from_division_name"),
            files: PackageFile::list(summary),
        }
    }
}

/// A department in the review.
pub(super) struct DepartmentRow {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) lead: bool,
    pub(super) state: &'static str,
    pub(super) open: bool,
    pub(super) holder: String,
    pub(super) opinion: String,
    pub(super) comment: String,
    pub(super) recorded: String,
    pub(super) due: String,
    pub(super) mine: bool,
}

/// A review log entry.
pub(super) struct LogRow {
    pub(super) at: String,
    pub(super) actor: String,
    pub(super) action: &'static str,
    pub(super) detail: String,
}

/// What the caller may do, as the approval service allows it.
#[derive(Default)]
pub(super) struct Can {
    pub(super) claim: bool,
    pub(super) release: bool,
    pub(super) assign: bool,
    pub(super) opinion: bool,
    pub(super) send_back: bool,
    pub(super) supplement: bool,
    pub(super) suspend: bool,
    pub(super) resume: bool,
    pub(super) return_to_window: bool,
    pub(super) change_departments: bool,
}

/// The case with its form labelled by the matter's schema.
pub(super) async fn case_view(ctx: &Ctx, c: &Value) -> CaseView {
    let code = text::s(&c["matter"], "code");
    let schema = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await
        .map(|m| m["form_schema"].clone())
        .unwrap_or(Value::Null);
    let form = &c["form"];
    let mut fields: Vec<(String, String)> = form::fields(&schema, form, &HashMap::new())
        .into_iter()
        .filter(|f| !f.value.is_empty() || !f.values.is_empty())
        .map(|f| {
            let value = if f.values.is_empty() {
                match (f.kind, f.value.as_str()) {
                    ("bool", "true") => "是".to_owned(),
                    ("bool", "false") => "否".to_owned(),
                    _ => f.value,
                }
            } else {
                f.values.join("、")
            };
            (f.label, value)
        })
        .collect();
    // Fields the schema does not name (a newer or older version): shown by their key.
    let known: Vec<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(all) = form.as_object() {
        for (key, value) in all {
            if !known.contains(key) {
                let shown = match value {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join("、"),
                    other => other.to_string(),
                };
                fields.push((key.clone(), shown));
            }
        }
    }
    let a = &c["applicant"];
    let legal = a["kind"] == "legal_person" || a["id_type"] == "credit_code";
    let revealed = &a["revealed"];
    CaseView {
        number: text::s(c, "case_number"),
        matter: text::s(&c["matter"], "name"),
        state: text::s(c, "state_label"),
        colour: text::colour(c["status_colour"].as_str().unwrap_or_default()),
        submitted: text::t(c, "submitted_at"),
        accepted: text::t(c, "accepted_at"),
        due: text::t(c, "due_at"),
        applicant_kind: if legal {
            "法人或其他组织"
        } else {
            "个人"
        },
        applicant_name: text::s(a, "name"),
        id_label: if legal {
            "统一社会信用代码"
        } else {
            "居民身份证号码"
        },
        id_masked: text::s(a, "id_number_masked"),
        revealed_name: text::s(revealed, "name"),
        revealed_id: text::s(revealed, "id_number"),
        revealed_phone: text::s(revealed, "contact_phone"),
        phone: text::s(c, "contact_phone"),
        fields,
        timeline: Entry::list(c),
    }
}

/// The review's log, each entry with the details that say what was done.
pub(super) fn log_rows(review: &Value) -> Vec<LogRow> {
    review["log"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let d = &e["details"];
                    let mut detail = Vec::new();
                    for key in ["department_code", "step", "from", "to", "assignee"] {
                        let v = text::s(d, key);
                        if !v.is_empty() {
                            detail.push(v);
                        }
                    }
                    if let Some(items) = d["items"].as_array() {
                        detail.extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned)));
                    }
                    for key in ["reason", "comment", "legal_basis"] {
                        let v = text::s(d, key);
                        if !v.is_empty() {
                            detail.push(v);
                        }
                    }
                    LogRow {
                        at: text::t(e, "at"),
                        actor: text::s(e, "actor"),
                        action: log_action(e["action"].as_str().unwrap_or_default()),
                        detail: detail.join("；"),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}
