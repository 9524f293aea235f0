//! The probing machinery: a target object, the outsiders derived for it from the operation's
//! admitted callers, and the owner's snapshot before and after.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
};

use govhall_web::Role;
use serde_json::Value;

use super::{TABLE, key, operations_with_ids};
use crate::helpers::{Api, Reply, Tokens};

/// A request body: content type and bytes.
pub type Body = Option<(String, Vec<u8>)>;

/// A JSON body.
pub fn json(v: Value) -> Body {
    Some(("application/json".into(), serde_json::to_vec(&v).unwrap()))
}

/// One caller and what it must get.
pub struct Caller {
    pub label: String,
    pub token: Option<String>,
    pub headers: Vec<(String, String)>,
    pub expect: u16,
}

impl Caller {
    pub fn new(label: impl Into<String>, token: String, expect: u16) -> Self {
        Self {
            label: label.into(),
            token: Some(token),
            headers: Vec::new(),
            expect,
        }
    }
}

/// How the rightful owner reads an object, and the part of it no outsider may change.
pub struct Snapshot {
    pub path: String,
    pub token: Option<String>,
    pub headers: Vec<(String, String)>,
    pub view: Box<dyn Fn(&Reply) -> Value>,
}

impl Snapshot {
    pub fn new(path: String, token: &str, view: impl Fn(&Reply) -> Value + 'static) -> Self {
        Self {
            path,
            token: Some(token.to_owned()),
            headers: Vec::new(),
            view: Box::new(view),
        }
    }

    async fn take(&self, api: &Api) -> Value {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reply = api
            .request("GET", &self.path, self.token.as_deref(), &headers, None)
            .await;
        let view = (self.view)(&reply);
        serde_json::json!({"status": reply.status, "view": view})
    }
}

/// One object reached through one operation.
pub struct Target {
    /// `METHOD /path/{template}`, as in [`TABLE`].
    pub op: String,
    /// The path with the object's id.
    pub path: String,
    /// A body the rightful caller could send.
    pub body: Body,
    /// The object's division.
    pub home: &'static str,
    /// Its department, when departments matter for it.
    pub department: Option<String>,
    /// How its owner reads it.
    pub owner: Snapshot,
    /// Callers beyond those derived from the operation's admitted roles.
    pub extra: Vec<Caller>,
}

impl Target {
    pub fn new(
        method: &str,
        template: &str,
        path: String,
        home: &'static str,
        owner: Snapshot,
    ) -> Self {
        Self {
            op: key(method, template),
            path,
            body: None,
            home,
            department: None,
            owner,
            extra: Vec::new(),
        }
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = json(body);
        self
    }

    pub fn department(mut self, department: &str) -> Self {
        self.department = Some(department.to_owned());
        self
    }

    pub fn also(mut self, caller: Caller) -> Self {
        self.extra.push(caller);
        self
    }
}

/// Divisions whose staff must not reach an object of `home`.
fn foreign(home: &str) -> &'static [&'static str] {
    match home {
        // The national calendar: administrators of a province, a city, a county.
        "000000" => &["320000", "320100", "320102"],
        // Yangzhou and Taizhou: "321" and "3212" are no prefix of Zhenjiang's objects.
        "321100" => &["321000", "321200", "320505"],
        // A Suzhou district, a sibling Nanjing district, the city of Suzhou.
        _ => &["320505", "320104", "320500"],
    }
}

fn role(name: &str) -> Role {
    match name {
        "window_clerk" => Role::WindowClerk,
        "reviewer" => Role::Reviewer,
        "leader" => Role::Leader,
        "supervisor" => Role::Supervisor,
        "admin" => Role::Admin,
        other => panic!("unknown caller {other} in the OpenAPI document"),
    }
}

/// Calls operations as outsiders and checks that nothing changed.
pub struct Probe<'a> {
    pub api: &'a Api,
    pub tokens: &'a Tokens,
    callers: BTreeMap<String, Vec<String>>,
    expect: BTreeMap<String, u16>,
    done: Mutex<BTreeSet<String>>,
    calls: Mutex<usize>,
}

impl<'a> Probe<'a> {
    pub fn new(api: &'a Api, tokens: &'a Tokens) -> Self {
        Self {
            api,
            tokens,
            callers: operations_with_ids()
                .into_iter()
                .map(|o| (o.key, o.callers))
                .collect(),
            expect: TABLE.iter().map(|(m, p, s)| (key(m, p), *s)).collect(),
            done: Mutex::new(BTreeSet::new()),
            calls: Mutex::new(0),
        }
    }

    /// Everyone who must not reach `target`, each with the status it must get.
    fn outsiders(&self, target: &Target) -> Vec<Caller> {
        let expect = *self
            .expect
            .get(&target.op)
            .unwrap_or_else(|| panic!("{} has no row in TABLE", target.op));
        let t = self.tokens;
        let mut out = Vec::new();
        for who in &self.callers[&target.op] {
            match who.as_str() {
                "citizen" => out.push(Caller::new("citizen B", t.citizen("citizen-b"), expect)),
                "legal_person" => out.push(Caller::new(
                    "legal person B",
                    t.legal_person("company-b"),
                    expect,
                )),
                "integrator" => out.push(Caller::new(
                    "integrator B",
                    t.integrator("integrator-b", &integrator_scopes()),
                    expect,
                )),
                name => {
                    let r = role(name);
                    // Reviewers and leaders claim the object's own department code.
                    let department = if matches!(r, Role::Reviewer | Role::Leader) {
                        target.department.as_deref()
                    } else {
                        None
                    };
                    for division in foreign(target.home) {
                        out.push(Caller::new(
                            format!("{name} of {division}"),
                            t.staff(&format!("{name}-{division}"), &[r], division, department),
                            expect,
                        ));
                    }
                    if let Some(own) = department {
                        let other = format!("{}-OTHER", target.home);
                        out.push(Caller::new(
                            format!("{name} of {} in another department than {own}", target.home),
                            t.staff(&format!("{name}-other"), &[r], target.home, Some(&other)),
                            expect,
                        ));
                    }
                }
            }
        }
        out
    }

    /// Calls `target` as every outsider; none succeeds and the object stays as it was.
    pub async fn check(&self, target: Target) {
        let before = target.owner.take(self.api).await;
        assert_eq!(
            before["status"], 200,
            "{}: the owner cannot read {}: {before}",
            target.op, target.owner.path
        );
        let method = target.op.split(' ').next().unwrap().to_owned();
        let mut callers = self.outsiders(&target);
        callers.extend(target.extra);
        assert!(!callers.is_empty(), "{}: nobody to try", target.op);
        for caller in &callers {
            let headers: Vec<(&str, &str)> = caller
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let body = target
                .body
                .as_ref()
                .map(|(ct, bytes)| (ct.as_str(), bytes.clone()));
            let reply = self
                .api
                .request(
                    &method,
                    &target.path,
                    caller.token.as_deref(),
                    &headers,
                    body,
                )
                .await;
            assert_eq!(
                reply.status, caller.expect,
                "{} {} as {}: {}",
                method, target.path, caller.label, reply.body
            );
        }
        *self.calls.lock().unwrap() += callers.len();
        let after = target.owner.take(self.api).await;
        assert_eq!(
            before, after,
            "{} {}: the object changed under outsiders' calls",
            method, target.path
        );
        self.done.lock().unwrap().insert(target.op);
    }

    /// Every row of [`TABLE`] was exercised; returns how many calls were made.
    pub fn finish(&self) -> usize {
        let done = self.done.lock().unwrap();
        let untried: Vec<String> = TABLE
            .iter()
            .map(|(m, p, _)| key(m, p))
            .filter(|k| !done.contains(k))
            .collect();
        assert!(untried.is_empty(), "rows never exercised: {untried:?}");
        *self.calls.lock().unwrap()
    }
}

/// Every scope an integrator could be granted for the operations here.
fn integrator_scopes() -> Vec<String> {
    ["drafts", "cases", "uploads", "materials", "lookup"]
        .iter()
        .flat_map(|r| [format!("{r}:read"), format!("{r}:write")])
        .collect()
}
