//! The counter console (窗口受理) for window clerks: the pre-review queue ordered by the
//! acceptance time left, entering an application for an applicant at the window, the
//! pre-review itself (accept, accept with materials missing against a commitment (容缺),
//! one-time supplement notice (一次性告知), refuse), instant decisions (即办件), receipts and
//! handing over results.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web};
use askama::Template;
use govhall_web::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Portal,
    apply::{ApplicantForm, ChecklistRow},
    error::PageError,
    form::{self, Field},
    hall::{Entry, MatterRow, items, with_ok},
    layout::{Ctx, Fields, Layout, see_other},
    my_cases::CaseRow,
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/counter", web::get().to(queue))
        .route("/counter/new", web::get().to(new_page))
        .route("/counter/new", web::post().to(enter))
        .route("/counter/cases/{id}", web::get().to(case_page))
        .route(
            "/counter/cases/{id}/materials/{code}",
            web::post().to(crate::apply::upload),
        )
        .route("/counter/cases/{id}/{action}", web::post().to(act));
}

#[derive(Template)]
#[template(path = "counter_queue.html")]
struct QueuePage {
    l: Layout,
    waiting: Vec<CaseRow>,
    to_deliver: Vec<CaseRow>,
}

async fn queue(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.staff(Role::WindowClerk)?;
    // The API orders the queue by acceptance time left, least first.
    let waiting = ctx.api.get("/api/v1/queue").await?;
    let decided = ctx
        .api
        .get("/api/v1/case-search?state=decided&per_page=100")
        .await?;
    ctx.render(&QueuePage {
        l: ctx.layout("窗口受理"),
        waiting: items(&waiting).iter().map(CaseRow::from).collect(),
        to_deliver: items(&decided).iter().map(CaseRow::from).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Entering an application at the window

#[derive(Template)]
#[template(path = "counter_new.html")]
struct NewPage {
    l: Layout,
    matters: Vec<MatterRow>,
    chosen: Option<(String, String)>,
    applicant: ApplicantForm,
    fields: Vec<Field>,
    problems: Vec<String>,
    idem: String,
}

#[derive(Deserialize)]
struct NewQuery {
    matter: Option<String>,
    legal: Option<String>,
}

async fn new_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    ctx.staff(Role::WindowClerk)?;
    let legal = query.legal.as_deref() == Some("1");
    render_new(
        &ctx,
        query.matter.as_deref(),
        &json!({"applicant": {"kind": if legal { "legal_person" } else { "natural_person" }}}),
        HashMap::new(),
        Vec::new(),
    )
    .await
}

async fn render_new(
    ctx: &Ctx,
    matter: Option<&str>,
    application: &Value,
    errors: HashMap<String, String>,
    problems: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let session = ctx.staff(Role::WindowClerk)?;
    let division = session.principal.division.clone().unwrap_or_default();
    let list = ctx
        .api
        .get(&format!(
            "/api/v1/matters?division={}&per_page=100",
            text::url_encode(&division)
        ))
        .await?;
    let (chosen, fields) = match matter {
        Some(code) => {
            let m = ctx
                .api
                .get(&format!("/api/v1/matters/{}", text::url_encode(code)))
                .await?;
            (
                Some((code.to_owned(), text::s(&m, "name"))),
                form::fields(&m["form_schema"], &application["form"], &errors),
            )
        }
        None => (None, Vec::new()),
    };
    let status = if errors.is_empty() && problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    ctx.render_status(
        status,
        &NewPage {
            l: ctx.layout("窗口收件"),
            matters: items(&list).iter().map(MatterRow::from).collect(),
            chosen,
            applicant: ApplicantForm::from(application, false, &errors),
            fields,
            problems,
            idem: uuid::Uuid::new_v4().to_string(),
        },
    )
}

#[derive(Template)]
#[template(path = "counter_entered.html")]
struct EnteredPage {
    l: Layout,
    id: String,
    number: String,
    password: String,
}

async fn enter(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    ctx.staff(Role::WindowClerk)?;
    let code = posted.get("matter_code").unwrap_or_default().to_owned();
    let matter = ctx
        .api
        .get(&format!("/api/v1/matters/{}", text::url_encode(&code)))
        .await?;
    let form = form::read(&matter["form_schema"], &posted);
    let mut application = ApplicantForm::read(&posted, false, form);
    application["matter_code"] = Value::String(code.clone());
    if let Some(window) = posted.get("window_code") {
        application["window_code"] = Value::String(window.to_owned());
    }
    let key = posted
        .get("_idem")
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    match ctx
        .api
        .send(
            Method::POST,
            "/api/v1/cases",
            &application,
            &[("Idempotency-Key", &key)],
        )
        .await
    {
        Ok(reply) => ctx.render_status(
            StatusCode::CREATED,
            &EnteredPage {
                l: ctx.layout("收件成功"),
                id: text::s(&reply.body, "id"),
                number: text::s(&reply.body, "case_number"),
                password: text::s(&reply.body, "query_password"),
            },
        ),
        Err(e) if e.status() == Some(422) => {
            let (errors, problems) = form::errors_by_field(&e.field_errors());
            let problems = if errors.is_empty() && problems.is_empty() {
                vec![e.message()]
            } else {
                problems
            };
            render_new(&ctx, Some(&code), &application, errors, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One case at the counter

/// A notice as listed.
struct NoticeRow {
    id: String,
    kind: &'static str,
    code: String,
    issued: String,
    lines: Vec<String>,
}

#[derive(Template)]
#[template(path = "counter_case.html")]
struct CasePage {
    l: Layout,
    row: CaseRow,
    id: String,
    state: String,
    version: String,
    instant: bool,
    applicant_kind: String,
    applicant_name: String,
    applicant_id: String,
    phone: String,
    form: Vec<(String, String)>,
    materials: Vec<ChecklistRow>,
    notices: Vec<NoticeRow>,
    timeline: Vec<Entry>,
    accepted: bool,
    error: Option<String>,
}

async fn case_page(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    render_case(&ctx, *id, None).await
}

async fn render_case(
    ctx: &Ctx,
    id: uuid::Uuid,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    ctx.staff(Role::WindowClerk)?;
    let c = ctx.api.get(&format!("/api/v1/cases/{id}")).await?;
    let checklist = ctx.api.get(&format!("/api/v1/uploads/{id}")).await?;
    let matter = ctx
        .api
        .get(&format!(
            "/api/v1/matters/versions/{}",
            text::s(&c["matter"], "id")
        ))
        .await
        .unwrap_or(Value::Null);
    let applicant = &c["applicant"];
    let revealed = &applicant["revealed"];
    let labels: HashMap<String, String> = matter["form_schema"]["properties"]
        .as_object()
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.clone(), v["title"].as_str().unwrap_or(k).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let form_rows = c["form"]
        .as_object()
        .map(|f| {
            f.iter()
                .map(|(k, v)| {
                    let value = match v {
                        Value::String(s) => s.clone(),
                        Value::Array(a) => a
                            .iter()
                            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join("、"),
                        other => other.to_string(),
                    };
                    (labels.get(k).cloned().unwrap_or_else(|| k.clone()), value)
                })
                .collect()
        })
        .unwrap_or_default();
    let notices = c["notices"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|n| NoticeRow {
                    id: text::s(n, "id"),
                    kind: crate::notices::heading(n["kind"].as_str().unwrap_or_default()),
                    code: text::s(n, "verification_code"),
                    issued: text::t(n, "issued_at"),
                    lines: n["body"]["lines"]
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    ctx.render_status(
        status,
        &CasePage {
            l: ctx.layout(format!("窗口办件 {}", text::s(&c, "case_number"))),
            row: CaseRow::from(&c),
            id: id.to_string(),
            state: text::s(&c, "state"),
            version: text::s(&c, "version"),
            instant: c["case_type"] == "instant",
            applicant_kind: if applicant["kind"] == "legal_person" {
                "法人或其他组织".to_owned()
            } else {
                "个人".to_owned()
            },
            // Clerks check identity: the API reveals the full name and number to them.
            applicant_name: revealed["name"]
                .as_str()
                .map_or_else(|| text::s(applicant, "name"), str::to_owned),
            applicant_id: revealed["id_number"]
                .as_str()
                .map_or_else(|| text::s(applicant, "id_number_masked"), str::to_owned),
            phone: revealed["contact_phone"]
                .as_str()
                .map_or_else(|| text::s(&c, "contact_phone"), str::to_owned),
            form: form_rows,
            materials: ChecklistRow::list(&checklist),
            notices,
            timeline: Entry::list(&c),
            accepted: c["accepted_at"].is_string(),
            error,
        },
    )
}

/// What a posted action sends to the API, or why the form is incomplete.
fn action_body(action: &str, posted: &Fields) -> Result<(String, Value, &'static str), String> {
    let version = posted
        .get("version")
        .and_then(|v| v.parse::<i64>().ok())
        .map(Value::from)
        .unwrap_or(Value::Null);
    let mut body = match action {
        "acceptance" => {
            let tolerated: Vec<&str> = posted.all("tolerated");
            let mut body = json!({"tolerated_materials": tolerated});
            if !tolerated.is_empty() {
                let days = posted
                    .get("commitment_days")
                    .map(|d| {
                        d.parse::<u32>()
                            .map_err(|_| "补齐期限须为工作日天数".to_owned())
                    })
                    .transpose()?;
                if let Some(days) = days {
                    body["commitment_days"] = Value::from(days);
                }
            }
            body
        }
        "supplement-notice" => {
            let mut items: Vec<Value> = posted
                .all("missing")
                .into_iter()
                .map(|code| {
                    let problem = posted
                        .get(&format!("problem.{code}"))
                        .unwrap_or("请补正该材料");
                    json!({"material_code": code, "problem": problem})
                })
                .collect();
            if let Some(other) = posted.get("other") {
                items.push(json!({"problem": other}));
            }
            if items.is_empty() {
                return Err("请勾选需要补正的材料，或填写其他需补正的内容".to_owned());
            }
            json!({"items": items})
        }
        "rejection" => {
            let (Some(reason), Some(basis)) = (posted.get("reason"), posted.get("legal_basis"))
            else {
                return Err("不予受理须写明理由和法律依据".to_owned());
            };
            json!({"reason": reason, "legal_basis": basis})
        }
        "instant-decision" => {
            let Some(opinion) = posted.get("opinion") else {
                return Err("请填写办理意见".to_owned());
            };
            let outcome = if posted.get("outcome") == Some("denied") {
                "denied"
            } else {
                "approved"
            };
            json!({"outcome": outcome, "opinion": opinion})
        }
        "delivery" => {
            let method = posted.get("method").unwrap_or("pickup");
            let mut body = json!({"method": method});
            if method == "courier" {
                body["courier"] = Value::String(posted.get("courier").unwrap_or_default().into());
                body["tracking_number"] =
                    Value::String(posted.get("tracking_number").unwrap_or_default().into());
            }
            body
        }
        "supplement" => {
            let mut body = json!({});
            if let Some(note) = posted.get("note") {
                body["note"] = Value::String(note.to_owned());
            }
            body
        }
        _ => return Err("未知操作".to_owned()),
    };
    body["version"] = version;
    let flash = match action {
        "acceptance" => "accepted",
        "supplement-notice" => "notice",
        "rejection" => "rejected",
        "instant-decision" => "decided",
        "delivery" => "delivered",
        _ => "supplemented",
    };
    Ok((action.to_owned(), body, flash))
}

async fn act(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    ctx.staff(Role::WindowClerk)?;
    let (id, action) = path.into_inner();
    let (action, body, flash) = match action_body(&action, &posted) {
        Ok(parts) => parts,
        Err(why) => return render_case(&ctx, id, Some(why)).await,
    };
    match ctx
        .api
        .post(&format!("/api/v1/cases/{id}/{action}"), &body)
        .await
    {
        Ok(_) => Ok(see_other(&with_ok(&format!("/counter/cases/{id}"), flash))),
        Err(e) if e.status() == Some(422) => {
            let mut why = e.message();
            for (_, message) in e.field_errors() {
                why.push('；');
                why.push_str(&message);
            }
            render_case(&ctx, id, Some(why)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn a_supplement_notice_lists_every_ticked_material_with_its_problem() {
        let (_, body, flash) = action_body(
            "supplement-notice",
            &posted(&[
                ("missing", "M1"),
                ("problem.M1", "申请书未签字"),
                ("missing", "M3"),
                ("other", "联系电话有误"),
                ("version", "2"),
            ]),
        )
        .unwrap();
        assert_eq!(flash, "notice");
        assert_eq!(
            body,
            json!({"items": [
                {"material_code": "M1", "problem": "申请书未签字"},
                {"material_code": "M3", "problem": "请补正该材料"},
                {"problem": "联系电话有误"}], "version": 2})
        );
    }

    #[test]
    fn an_empty_supplement_notice_or_a_refusal_without_legal_basis_is_refused_before_the_api() {
        assert!(action_body("supplement-notice", &posted(&[("version", "1")])).is_err());
        assert!(action_body("rejection", &posted(&[("reason", "不属于本部门职权")])).is_err());
        assert!(action_body("launch", &posted(&[])).is_err());
    }

    #[test]
    fn a_tolerated_acceptance_carries_the_missing_materials_and_the_commitment() {
        let (_, body, _) = action_body(
            "acceptance",
            &posted(&[
                ("tolerated", "M2"),
                ("commitment_days", "5"),
                ("version", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(
            body,
            json!({"tolerated_materials": ["M2"], "commitment_days": 5, "version": 3})
        );
        let (_, plain, _) =
            action_body("acceptance", &posted(&[("commitment_days", "5")])).unwrap();
        assert_eq!(plain, json!({"tolerated_materials": [], "version": null}));
    }
}
