//! What the scenes share: the divisions and matters they use, how an owner reads each kind of
//! object (the part no outsider may change), and the owners' own requests.

use govhall_web::Role;
use serde_json::{Value, json};

use super::probe::{Body, Probe, Snapshot};
use crate::{
    flow,
    helpers::{Api, Reply},
};

pub const XUANWU: &str = flow::DIVISION;
pub const ZHENJIANG: &str = "321100";
/// The food licence, as Zhenjiang's administrator publishes it for his city.
pub const ZJ_MATTER: &str = "11321100MB1234567X4000117001";
pub const ID_NUMBER: &str = "11010519491231002X";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
/// Seconds to wait for what other services do after an event.
pub const WAIT: u64 = 60;

// --- Views: the part of an object no outsider may change ---------------------------------

pub fn case_view(r: &Reply) -> Value {
    let timeline: Vec<&Value> = r.body["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|e| &e["kind"])
                .filter(|k| !k.as_str().unwrap_or("").starts_with("clock_"))
                .collect()
        })
        .unwrap_or_default();
    json!({"state": r.body["state"], "version": r.body["version"], "timeline": timeline,
        "notices": r.body["notices"].as_array().map(Vec::len)})
}

pub fn draft_view(r: &Reply) -> Value {
    json!({"version": r.body["version"], "application": r.body["application"]})
}

pub fn uploads_view(r: &Reply) -> Value {
    json!(r.body.as_array().map(|items| {
        items
            .iter()
            .map(|m| {
                json!([
                    m["code"],
                    m["files"]
                        .as_array()
                        .map(|f| f.iter().map(|f| f["id"].clone()).collect::<Vec<_>>())
                ])
            })
            .collect::<Vec<_>>()
    }))
}

pub fn clock_view(r: &Reply) -> Value {
    json!({"state": r.body["state"], "version": r.body["version"], "extended": r.body["extended"],
        "history": r.body["history"].as_array().map(Vec::len)})
}

pub fn review_view(r: &Reply) -> Value {
    let tasks: Vec<Value> = r.body["tasks"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|t| {
                    json!([
                        t["department_code"],
                        t["state"],
                        t["version"],
                        t["assignee"]
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    json!({"state": r.body["state"], "version": r.body["version"],
        "log": r.body["log"].as_array().map(Vec::len), "tasks": tasks})
}

pub fn transfer_view(r: &Reply) -> Value {
    json!({"state": r.body["state"], "version": r.body["version"]})
}

pub fn route_view(r: &Reply) -> Value {
    json!({"state": r.body["state"], "version": r.body["version"],
        "transfers": r.body["transfers"].as_array().map(Vec::len)})
}

pub fn division_view(r: &Reply) -> Value {
    json!({"name": r.body["name"], "state": r.body["state"], "version": r.body["version"],
        "parent_code": r.body["parent_code"]})
}

/// The item of a list (`items` or the array itself) whose `field` is `value`.
pub fn item_of(r: &Reply, field: &str, value: &str) -> Value {
    let list = r.body["items"].as_array().or(r.body.as_array());
    list.and_then(|l| l.iter().find(|i| i[field] == value))
        .cloned()
        .unwrap_or(Value::Null)
}

pub fn case_snapshot(id: &str, owner: &str) -> Snapshot {
    Snapshot::new(format!("/api/v1/cases/{id}"), owner, case_view)
}

pub fn public(path: String, view: impl Fn(&Reply) -> Value + 'static) -> Snapshot {
    Snapshot {
        path,
        token: None,
        headers: Vec::new(),
        view: Box::new(view),
    }
}

// --- Helpers ---------------------------------------------------------------------------------

pub fn staff(
    p: &Probe<'_>,
    sub: &str,
    roles: &[Role],
    division: &str,
    dept: Option<&str>,
) -> String {
    p.tokens.staff(sub, roles, division, dept)
}

/// A material file as a multipart upload.
pub fn pdf_upload() -> Body {
    let boundary = "isolation-5b1d";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(PDF);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Some((format!("multipart/form-data; boundary={boundary}"), body))
}

pub async fn upload(api: &Api, owner: &str, token: &str) -> String {
    let (ct, bytes) = pdf_upload().unwrap();
    let stored = api
        .post_raw(
            &format!("/api/v1/uploads/{owner}?code=M1"),
            Some(token),
            &ct,
            bytes,
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    stored.body["id"].as_str().unwrap().to_owned()
}

/// `body` POSTed to `path` by `token`; the reply, which must have `status`.
pub async fn post(api: &Api, path: &str, token: &str, body: Value, status: u16) -> Value {
    let reply = api.post(path, Some(token), &body, &[]).await;
    assert_eq!(reply.status, status, "{path}: {}", reply.body);
    reply.body
}

/// The open task of the case for a reviewer, once its clock counts (its due time is known).
pub async fn task_of(api: &Api, case: &str, reviewer: &str) -> Value {
    let inbox = api
        .wait_for(
            &format!("/api/v1/tasks?case_id={case}"),
            Some(reviewer),
            WAIT,
            "the review task and its clock",
            |r| {
                r.body["items"].as_array().is_some_and(|a| {
                    a.iter()
                        .any(|t| t["state"] == "open" && t["due_at"].is_string())
                })
            },
        )
        .await;
    inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["state"] == "open")
        .unwrap()
        .clone()
}

/// The clocks of a case seen by `staff`, once every kind in `kinds` runs.
pub async fn clocks_of(api: &Api, case: &str, staff: &str, kinds: &[&str]) -> Vec<Value> {
    let reply = api
        .wait_for(
            &format!("/api/v1/clocks?case_id={case}"),
            Some(staff),
            WAIT,
            "the case's clocks",
            |r| {
                let items = r.body["items"].as_array().cloned().unwrap_or_default();
                kinds.iter().all(|k| {
                    items
                        .iter()
                        .any(|c| c["kind"] == *k && c["state"] == "running")
                })
            },
        )
        .await;
    reply.body["items"].as_array().unwrap().clone()
}

pub fn clock_id(clocks: &[Value], kind: &str) -> String {
    clocks
        .iter()
        .find(|c| c["kind"] == kind && c["state"] == "running")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
