//! `POST /api/v1/cases`: submit an application — online, at the counter (a clerk for the
//! applicant) or through the API. Drafts submit through the same [`create_case`].

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset};
use govhall_bus::outbox;
use govhall_contracts::{Envelope, envelope::Origin, events::intake::CaseSubmitted};
use govhall_web::{FieldError, Principal, PrincipalKind, Problem, RequestContext, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseTransaction, EntityTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CaseOut, random_code};
use crate::{
    SERVICE,
    domain::{
        CaseState, Channel, IdNumber, case_number::CaseNumber, catalog::MatterSpec,
        credit_code::CreditCode, id_number::mask,
    },
    routes::{
        IntakeError,
        matters::spec_of,
        support::{Intake, idempotency_key, remember, replayed, request_hash},
    },
    startup::AppState,
    store::{case_numbers, cases, drafts, matters, timeline},
};

/// An application.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "matter_code": "11320102MB1234567X4000117001",
    "applicant": {"kind": "natural_person", "name": "张三", "id_number": "11010519491231002X"},
    "contact_phone": "13812345678",
    "form": {"shop_name": "玄武小吃店"}
}))]
pub struct ApplicationIn {
    /// Matter implementation code; the published version applies.
    pub matter_code: String,
    /// Channel; defaults from the caller (window for clerks, api for integrators, pc otherwise).
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Window (hall and counter) code, for counter applications.
    #[serde(default)]
    pub window_code: Option<String>,
    /// The applicant.
    pub applicant: ApplicantIn,
    /// An agent applying for the applicant (代理人).
    #[serde(default)]
    pub agent: Option<AgentIn>,
    /// Contact phone (mainland mobile number).
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// Form fields, checked against the matter's JSON Schema.
    #[schema(value_type = Object)]
    #[serde(default = "empty_object")]
    pub form: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

/// An applicant: a natural person or a legal person.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApplicantIn {
    /// A natural person (自然人), identified by resident ID card number (GB 11643).
    NaturalPerson {
        /// Full name.
        name: String,
        /// ID card number.
        id_number: String,
    },
    /// A legal person or other organisation (法人), identified by its unified social credit
    /// code (GB 32100).
    LegalPerson {
        /// Registered name.
        name: String,
        /// Unified social credit code.
        credit_code: String,
    },
}

/// An agent (代理人).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AgentIn {
    /// Full name.
    pub name: String,
    /// ID card number.
    pub id_number: String,
}

impl std::fmt::Debug for ApplicationIn {
    // Personal data never reaches a log, not even through a `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = match &self.applicant {
            ApplicantIn::NaturalPerson { id_number, .. } => mask(id_number),
            ApplicantIn::LegalPerson { credit_code, .. } => mask(credit_code),
        };
        f.debug_struct("ApplicationIn")
            .field("matter_code", &self.matter_code)
            .field("applicant", &id)
            .finish_non_exhaustive()
    }
}

/// An application that passed every check, ready to store.
pub struct Checked {
    /// Division whose window takes the case in.
    division: String,
    /// The division that handles it, when that is another one (跨域通办).
    handling: Option<String>,
    matter: matters::Model,
    spec: MatterSpec,
    channel: Channel,
    kind: &'static str,
    name: String,
    id_type: &'static str,
    id_number: String,
    agent: Option<(String, String)>,
    input: ApplicationIn,
}

fn fe(field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
        code: code.into(),
    }
}

fn valid_phone(p: &str) -> bool {
    p.len() == 11
        && p.starts_with('1')
        && p.bytes().all(|b| b.is_ascii_digit())
        && (b'3'..=b'9').contains(&p.as_bytes()[1])
}

/// Checks an application against the published matter: every faulty field at once.
pub async fn check(
    db: &impl ConnectionTrait,
    principal: &Principal,
    input: ApplicationIn,
) -> Result<Checked, IntakeError> {
    let Some(matter) = matters::published(db, &input.matter_code).await? else {
        return Err(IntakeError::field(
            "matter_code",
            "unknown_matter",
            "没有该编码的已发布事项",
        ));
    };
    let spec = spec_of(&matter)?;
    let mut errors = Vec::new();
    let (kind, name, id_type, id_number) = match &input.applicant {
        ApplicantIn::NaturalPerson { name, id_number } => {
            if let Err(e) = IdNumber::parse(id_number) {
                errors.push(fe(
                    "applicant.id_number",
                    "id_number",
                    format!("身份证号码无效：{e}"),
                ));
            }
            (
                "natural_person",
                name,
                "id_card",
                id_number.trim().to_ascii_uppercase(),
            )
        }
        ApplicantIn::LegalPerson { name, credit_code } => {
            if let Err(e) = CreditCode::parse(credit_code) {
                errors.push(fe(
                    "applicant.credit_code",
                    "credit_code",
                    format!("统一社会信用代码无效：{e}"),
                ));
            }
            (
                "legal_person",
                name,
                "credit_code",
                credit_code.trim().to_ascii_uppercase(),
            )
        }
    };
    if name.trim().is_empty() || name.chars().count() > 100 {
        errors.push(fe(
            "applicant.name",
            "length",
            "请填写申请人名称（不超过 100 个字符）",
        ));
    }
    if let Some(agent) = &input.agent {
        if agent.name.trim().is_empty() || agent.name.chars().count() > 50 {
            errors.push(fe("agent.name", "length", "请填写代理人姓名"));
        }
        if let Err(e) = IdNumber::parse(&agent.id_number) {
            errors.push(fe(
                "agent.id_number",
                "id_number",
                format!("代理人身份证号码无效：{e}"),
            ));
        }
    }
    if let Some(phone) = &input.contact_phone
        && !valid_phone(phone)
    {
        errors.push(fe("contact_phone", "phone", "请填写 11 位手机号码"));
    }
    if input
        .window_code
        .as_deref()
        .is_some_and(|w| w.is_empty() || w.len() > 32)
    {
        errors.push(fe("window_code", "length", "窗口编号不超过 32 个字符"));
    }
    errors.extend(form_errors(&spec.form_schema, &input.form)?);
    let channel = match principal.kind {
        PrincipalKind::Staff if principal.has_role(Role::WindowClerk) => Channel::Window,
        PrincipalKind::Integrator => Channel::Api,
        _ => match input.channel {
            Some(c @ (Channel::Pc | Channel::Mobile | Channel::SelfService)) => c,
            None => Channel::Pc,
            Some(_) => {
                errors.push(fe(
                    "channel",
                    "channel",
                    "在线申请的渠道只能是 pc、mobile 或 self_service",
                ));
                Channel::Pc
            }
        },
    };
    if principal.kind == PrincipalKind::Staff && !principal.has_role(Role::WindowClerk) {
        return Err(IntakeError::Forbidden(
            "only window clerks enter applications for applicants",
        ));
    }
    // A window clerk takes it in at his own division: the matter's, or another region's
    // where the matter may be accepted for its division to handle (跨域通办).
    let home = spec.accepting_division().to_owned();
    let (division, handling) = match (principal.kind, principal.division.as_deref()) {
        (PrincipalKind::Staff, Some(d)) if d == home => (home, None),
        (PrincipalKind::Staff, Some(d)) if spec.accepts_at(d) => (d.to_owned(), Some(home)),
        (PrincipalKind::Staff, _) => {
            return Err(IntakeError::Forbidden(
                "the matter is handled by another division's windows",
            ));
        }
        _ => (home, None),
    };
    if !errors.is_empty() {
        return Err(IntakeError::Fields(errors));
    }
    Ok(Checked {
        division,
        handling,
        kind,
        name: name.trim().to_owned(),
        id_type,
        id_number,
        agent: input.agent.as_ref().map(|a| {
            (
                a.name.trim().to_owned(),
                a.id_number.trim().to_ascii_uppercase(),
            )
        }),
        matter,
        spec,
        channel,
        input,
    })
}

/// Every way `form` fails the matter's schema, as fields named `form.<path>`.
pub fn form_errors(
    schema: &serde_json::Value,
    form: &serde_json::Value,
) -> Result<Vec<FieldError>, IntakeError> {
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| anyhow::anyhow!("published form schema does not compile: {e}"))?;
    let mut errors = Vec::new();
    for error in validator.iter_errors(form) {
        let path = error.instance_path().to_string();
        let field = if path.is_empty() {
            // A missing required property is reported at the object; name the property.
            match error.kind() {
                jsonschema::error::ValidationErrorKind::Required { property } => {
                    format!("form.{}", property.as_str().unwrap_or_default())
                }
                _ => "form".into(),
            }
        } else {
            format!("form{}", path.replace('/', "."))
        };
        let (code, message) = form_message(schema, &field, error.kind());
        errors.push(fe(
            &field,
            code,
            message.unwrap_or_else(|| error.to_string()),
        ));
    }
    Ok(errors)
}

/// A code and a message in Chinese, naming the field by its title, for the ways people get a
/// form wrong; `None` (the validator's own words) for the rest.
fn form_message(
    schema: &serde_json::Value,
    field: &str,
    kind: &jsonschema::error::ValidationErrorKind,
) -> (&'static str, Option<String>) {
    use jsonschema::error::ValidationErrorKind as K;
    let name = field
        .strip_prefix("form.")
        .and_then(|rest| rest.split('.').next())
        .unwrap_or_default();
    let title = schema["properties"][name]["title"]
        .as_str()
        .unwrap_or(name)
        .to_owned();
    match kind {
        K::Required { .. } => ("required", Some(format!("请填写{title}"))),
        K::MinLength { limit } => ("length", Some(format!("{title}至少 {limit} 个字"))),
        K::MaxLength { limit } => ("length", Some(format!("{title}不超过 {limit} 个字"))),
        K::Enum { .. } => ("enum", Some(format!("请从给定选项中选择{title}"))),
        K::Pattern { .. } | K::Format { .. } => ("pattern", Some(format!("{title}格式不正确"))),
        K::Type { .. } => ("invalid_type", Some(format!("{title}格式不正确"))),
        K::MinItems { limit } => ("min_items", Some(format!("{title}至少选择 {limit} 项"))),
        K::MaxItems { limit } => ("max_items", Some(format!("{title}最多选择 {limit} 项"))),
        K::UniqueItems => ("unique", Some(format!("{title}有重复的选项"))),
        K::Minimum { limit } => ("range", Some(format!("{title}不能小于 {limit}"))),
        K::ExclusiveMinimum { limit } => ("range", Some(format!("{title}须大于 {limit}"))),
        K::Maximum { limit } => ("range", Some(format!("{title}不能大于 {limit}"))),
        K::ExclusiveMaximum { limit } => ("range", Some(format!("{title}须小于 {limit}"))),
        _ => ("form", None),
    }
}

/// Hash of case number and query password, as stored.
pub fn password_hash(case_number: &str, password: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{case_number}:{password}").as_bytes(),
    ))
}

/// Stores a checked application as case `id` inside `txn`: number, password, timeline and
/// the submitted event. Returns the case and its query password (shown once).
pub async fn create_case(
    txn: &DatabaseTransaction,
    principal: &Principal,
    ctx: &RequestContext,
    c: Checked,
    id: Uuid,
    now: DateTime<FixedOffset>,
) -> Result<(cases::Model, String), IntakeError> {
    let division = c.division.clone();
    let seq = case_numbers::next(txn, &division, now.date_naive()).await?;
    let number = CaseNumber::new(&division, now.date_naive(), seq)
        .map_err(|e| anyhow::anyhow!("case number: {e}"))?
        .to_string();
    let password = random_code(8);
    let window_code = if c.channel == Channel::Window {
        c.input.window_code.clone()
    } else {
        None
    };
    let case = cases::ActiveModel {
        id: Set(id),
        case_number: Set(number.clone()),
        query_password_hash: Set(password_hash(&number, &password)),
        matter_id: Set(c.matter.id),
        matter_code: Set(c.matter.implementation_code.clone()),
        matter_version: Set(c.matter.version),
        matter_name: Set(c.spec.name.clone()),
        department_code: Set(c.spec.department.code.clone()),
        division_code: Set(division.clone()),
        handling_division: Set(c.handling.clone()),
        case_type: Set(c.spec.case_type.as_str().into()),
        channel: Set(c.channel.as_str().into()),
        window_code: Set(window_code),
        applicant_kind: Set(c.kind.into()),
        applicant_name: Set(c.name),
        applicant_id_type: Set(c.id_type.into()),
        applicant_id_number: Set(c.id_number),
        agent_name: Set(c.agent.as_ref().map(|a| a.0.clone())),
        agent_id_number: Set(c.agent.map(|a| a.1)),
        contact_phone: Set(c.input.contact_phone.clone()),
        form_data: Set(c.input.form.clone()),
        submitted_by: Set(principal.sub.clone()),
        state: Set(CaseState::Submitted.as_str().into()),
        outcome: Set(None),
        plan: Set(None),
        due_at: Set(None),
        alert: Set("none".into()),
        received_at: Set(now),
        submitted_at: Set(now),
        accepted_at: Set(None),
        deemed: Set(false),
        commitment: Set(None),
        commitment_due_at: Set(None),
        suspension: Set(None),
        decided_at: Set(None),
        decision: Set(None),
        delivery: Set(None),
        completed_at: Set(None),
        closed_at: Set(None),
        close_reason: Set(None),
        version: Set(1),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let how = match c.channel {
        Channel::Window => "窗口代为录入申请",
        Channel::Api => "系统对接提交申请",
        _ => "网上提交申请",
    };
    timeline::record(
        txn,
        id,
        now,
        "submitted",
        &principal.sub,
        format!("{how}，办件编号 {number}"),
        None,
    )
    .await?;
    let event = CaseSubmitted {
        case_id: id,
        case_number: number,
        matter_code: c.matter.implementation_code,
        division_code: division.clone(),
        channel: c.channel.as_str().into(),
        submitted_at: now,
    };
    let origin = Origin {
        producer: SERVICE,
        correlation_id: id,
        causation_id: None,
        traceparent: Some(ctx.trace.header()),
        division_code: division,
    };
    outbox::enqueue(
        txn,
        &[Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?],
    )
    .await?;
    Ok((case, password))
}

/// A submitted case and its query password (only in this response).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6", "case_number": "320102202611160000037",
    "matter": {"id": "019cac0f-2680-775f-aefa-719d1d524905", "code": "11320102MB1234567X4000117001", "version": 1, "name": "食品经营许可（新办）"},
    "department_code": "320102-SCJGJ", "division_code": "320102", "handling_division_code": null,
    "case_type": "promised", "channel": "pc", "window_code": null,
    "state": "submitted", "state_label": "待受理", "status_colour": "green", "outcome": null,
    "applicant": {"kind": "natural_person", "name": "王**", "id_type": "id_card", "id_number_masked": "320102********123X"},
    "agent": null, "contact_phone": "139****1234",
    "form": {"shop_name": "南京某某餐饮管理有限公司", "premises": "南京市玄武区珠江路示例大厦1层", "main_form": "餐饮服务经营者",
        "items": ["热食类食品制售", "自制饮品制售"], "area_sqm": 86.5, "contact_phone": "13800138000"},
    "due_at": null, "received_at": "2026-11-16T09:12:05+08:00", "submitted_at": "2026-11-16T09:12:05+08:00",
    "accepted_at": null, "deemed": false, "commitment": null, "commitment_due_at": null, "suspension": null,
    "decided_at": null, "decision": null, "delivery": null, "completed_at": null, "closed_at": null,
    "close_reason": null, "version": 1, "query_password": "7MPRX4KD"
}))]
pub struct SubmittedOut {
    /// The case.
    #[serde(flatten)]
    pub case: CaseOut,
    /// Query password (查询密码): with the case number, anyone can follow the case without
    /// logging in. Shown once; absent when an idempotent retry replays the submission.
    pub query_password: Option<String>,
}

/// Submits an application; the acceptance time limit (5 working days) starts.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", operation_id = "submit_case",
    request_body = ApplicationIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried submission return the first case")),
    responses(
        (status = 201, description = "Submitted", body = SubmittedOut),
        (status = 200, description = "Replayed: the case an earlier request with the same key created", body = SubmittedOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff other than a window clerk of the matter's division", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every faulty field at once (applicant, form, phone …), or a reused key with a different body", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all)]
pub async fn submit_case(
    state: web::Data<AppState>,
    intake: web::Data<Intake>,
    principal: Principal,
    ctx: RequestContext,
    req: HttpRequest,
    body: govhall_web::extract::JsonBytes,
) -> Result<HttpResponse, IntakeError> {
    let key = idempotency_key(&req)?;
    let hash = request_hash(&body.0);
    if let Some(id) = replayed(&state.db, &principal.sub, "case", key.as_deref(), &hash).await? {
        return replay(&state, &intake, id).await;
    }
    let input: ApplicationIn = govhall_web::extract::parse(&body.0)?;
    let checked = check(&state.db, &principal, input).await?;
    let now = intake.now();
    let id = Uuid::now_v7();
    let txn = govhall_bus::begin_write(&state.db).await?;
    let (case, password) = create_case(&txn, &principal, &ctx, checked, id, now).await?;
    if !remember(&txn, &principal.sub, "case", key.as_deref(), &hash, id, now).await? {
        // A concurrent request with the same key won: answer with its case.
        txn.rollback().await?;
        let id = replayed(&state.db, &principal.sub, "case", key.as_deref(), &hash)
            .await?
            .ok_or_else(|| anyhow::anyhow!("idempotency row vanished"))?;
        return replay(&state, &intake, id).await;
    }
    txn.commit().await?;
    state.relay.notify();
    tracing::info!(case.id = %id, "case submitted");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/cases/{id}")))
        .insert_header(("ETag", crate::routes::support::etag(case.version)))
        .json(SubmittedOut {
            case: CaseOut::of(case, now),
            query_password: Some(password),
        }))
}

async fn replay(state: &AppState, intake: &Intake, id: Uuid) -> Result<HttpResponse, IntakeError> {
    let case = cases::find(&state.db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("idempotent case missing"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Idempotent-Replayed", "true"))
        .json(SubmittedOut {
            case: CaseOut::of(case, intake.now()),
            query_password: None,
        }))
}

/// Deletes a draft that became a case, inside the submitting transaction.
pub async fn consume_draft(txn: &DatabaseTransaction, draft: Uuid) -> Result<(), IntakeError> {
    drafts::Entity::delete_by_id(draft).exec(txn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_errors_name_the_field_by_its_title_in_chinese() {
        let schema = serde_json::json!({"type": "object", "required": ["shop_name", "items"],
        "properties": {
            "shop_name": {"type": "string", "title": "经营者名称", "minLength": 2},
            "items": {"type": "array", "title": "经营项目", "minItems": 1},
            "area_sqm": {"type": "number", "title": "经营场所面积（平方米）"}
        }});
        let errors =
            form_errors(&schema, &serde_json::json!({"area_sqm": "八十"})).unwrap_or_default();
        let by: std::collections::HashMap<_, _> = errors
            .iter()
            .map(|e| (e.field.as_str(), (e.code.as_str(), e.message.as_str())))
            .collect();
        assert_eq!(by["form.shop_name"], ("required", "请填写经营者名称"));
        assert_eq!(by["form.items"], ("required", "请填写经营项目"));
        assert_eq!(
            by["form.area_sqm"],
            ("invalid_type", "经营场所面积（平方米）格式不正确")
        );
        let short = form_errors(
            &schema,
            &serde_json::json!({"shop_name": "甲", "items": []}),
        )
        .unwrap_or_default();
        let messages: Vec<&str> = short.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.contains(&"经营者名称至少 2 个字"), "{messages:?}");
        assert!(messages.contains(&"经营项目至少选择 1 项"), "{messages:?}");
    }

    #[test]
    fn debug_output_of_an_application_hides_the_applicant() {
        let input = ApplicationIn {
            matter_code: "X".into(),
            channel: None,
            window_code: None,
            applicant: ApplicantIn::NaturalPerson {
                name: "张三".into(),
                id_number: "11010519491231002X".into(),
            },
            agent: None,
            contact_phone: Some("13812345678".into()),
            form: serde_json::json!({}),
        };
        let shown = format!("{input:?}");
        assert!(
            !shown.contains("张三")
                && !shown.contains("11010519491231002X")
                && !shown.contains("13812345678"),
            "{shown}"
        );
        assert!(shown.contains("110105********002X"));
    }

    #[test]
    fn mobile_numbers_are_checked() {
        assert!(valid_phone("13812345678"));
        assert!(!valid_phone("12812345678"));
        assert!(!valid_phone("1381234567"));
    }
}
