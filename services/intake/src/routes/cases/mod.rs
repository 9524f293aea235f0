//! Cases (办件): wire types, who may see and act on a case, and the one way every
//! transition is applied (state machine, version guard, timeline, outbox, one transaction).

pub mod lifecycle;
pub mod prereview;
pub mod submit;
pub mod views;

use chrono::{DateTime, FixedOffset};
use govhall_bus::outbox;
use govhall_contracts::{Envelope, Event, envelope::Origin};
use govhall_web::{Principal, PrincipalKind, RequestContext, Role};
use sea_orm::{
    DatabaseConnection,
    sea_query::{Expr, SimpleExpr},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::IntakeError;
use crate::{
    SERVICE,
    domain::{CaseState, case::Action, catalog::MatterSpec, id_number::mask},
    startup::AppState,
    store::{case_reviewers, cases, matters, notices, timeline},
};

/// Traffic-light status of a case's time limit (on time / warning / overdue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusColour {
    /// On time (绿灯).
    Green,
    /// Warning or yellow card (黄灯).
    Yellow,
    /// Overdue (红灯).
    Red,
}

/// A case as its applicant and the staff see it; personal data masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = case_example)]
pub struct CaseOut {
    /// Case id.
    pub id: Uuid,
    /// Case number (办件编号).
    pub case_number: String,
    /// The matter version it was submitted under.
    pub matter: MatterRef,
    /// Implementing department.
    pub department_code: String,
    /// Division of the accepting window.
    pub division_code: String,
    /// The division that handles it, when the case was taken in at another region's window
    /// (跨域通办): the result is handed over back at the accepting window.
    pub handling_division_code: Option<String>,
    /// `instant` (即办件) or `promised` (承诺件).
    pub case_type: String,
    /// Channel.
    pub channel: String,
    /// Window that took it, for counter applications.
    pub window_code: Option<String>,
    /// State.
    pub state: CaseState,
    /// State, in Chinese.
    pub state_label: String,
    /// Time-limit status colour.
    pub status_colour: StatusColour,
    /// Outcome once decided (`approved` / `denied`).
    pub outcome: Option<String>,
    /// Applicant (masked).
    pub applicant: ApplicantOut,
    /// Agent (masked), when one applied.
    pub agent: Option<ApplicantOut>,
    /// Contact phone, masked (`138****1234`).
    pub contact_phone: Option<String>,
    /// Form fields.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    /// When the processing time limit falls due (承诺办结时间).
    pub due_at: Option<DateTime<FixedOffset>>,
    /// When the complete materials were received.
    pub received_at: DateTime<FixedOffset>,
    /// First submission.
    pub submitted_at: DateTime<FixedOffset>,
    /// Accepted at (for a deemed acceptance: the day the materials were received).
    pub accepted_at: Option<DateTime<FixedOffset>>,
    /// Accepted by law because the acceptance time ran out (视为受理).
    pub deemed: bool,
    /// Open 容缺 commitment.
    #[schema(value_type = Option<Object>)]
    pub commitment: Option<serde_json::Value>,
    /// When the commitment falls due.
    pub commitment_due_at: Option<DateTime<FixedOffset>>,
    /// Running special procedure.
    #[schema(value_type = Option<Object>)]
    pub suspension: Option<serde_json::Value>,
    /// Decided at.
    pub decided_at: Option<DateTime<FixedOffset>>,
    /// The opinions behind the decision.
    #[schema(value_type = Option<Object>)]
    pub decision: Option<serde_json::Value>,
    /// Result delivery.
    #[schema(value_type = Option<Object>)]
    pub delivery: Option<serde_json::Value>,
    /// Completed at.
    pub completed_at: Option<DateTime<FixedOffset>>,
    /// Rejected, withdrawn or terminated at.
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// Why it was rejected, withdrawn or terminated.
    pub close_reason: Option<String>,
    /// Version: send it back as `If-Match` (or `version`) with a change.
    pub version: i32,
}

/// The matter version of a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatterRef {
    /// Id of the version.
    pub id: Uuid,
    /// Implementation code.
    pub code: String,
    /// Version number.
    pub version: i32,
    /// Name.
    pub name: String,
}

/// An applicant or agent, masked; handling staff also get the full number.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicantOut {
    /// `natural_person`, `legal_person` or `agent`.
    pub kind: String,
    /// Name, masked for persons (`张*`), in full for organisations.
    pub name: String,
    /// `id_card` or `credit_code`.
    pub id_type: String,
    /// Number, masked (`320102********123X`).
    pub id_number_masked: String,
    /// Full number and name, only for the window clerks and reviewers handling the case
    /// (they check identity); absent for everyone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revealed: Option<Revealed>,
}

impl std::fmt::Debug for ApplicantOut {
    // Never the revealed part, not even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicantOut")
            .field("kind", &self.kind)
            .field("id_number_masked", &self.id_number_masked)
            .finish_non_exhaustive()
    }
}

/// Personal data in full, for those who need it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct Revealed {
    /// Full name.
    pub name: String,
    /// Full ID card number or credit code.
    pub id_number: String,
    /// Full contact phone.
    pub contact_phone: Option<String>,
}

/// The example of [`CaseOut`] (also in the lists and the detail): a food licence accepted
/// with a 容缺 commitment after one supplement, in review.
pub fn case_example() -> serde_json::Value {
    serde_json::json!({
        "id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6", "case_number": "320102202611160000037",
        "matter": {"id": "019cac0f-2680-775f-aefa-719d1d524905", "code": "11320102MB1234567X4000117001", "version": 1, "name": "食品经营许可（新办）"},
        "department_code": "320102-SCJGJ", "division_code": "320102", "handling_division_code": null,
        "case_type": "promised", "channel": "pc", "window_code": null,
        "state": "in_review", "state_label": "审查中", "status_colour": "green", "outcome": null,
        "applicant": {"kind": "natural_person", "name": "王**", "id_type": "id_card", "id_number_masked": "320102********123X"},
        "agent": null, "contact_phone": "139****1234",
        "form": {"shop_name": "南京某某餐饮管理有限公司", "premises": "南京市玄武区珠江路示例大厦1层", "main_form": "餐饮服务经营者",
            "items": ["热食类食品制售", "自制饮品制售"], "area_sqm": 86.5, "contact_phone": "13800138000"},
        "due_at": "2026-12-03T00:00:00+08:00", "received_at": "2026-11-17T10:05:41+08:00",
        "submitted_at": "2026-11-16T09:12:05+08:00", "accepted_at": "2026-11-18T09:40:12+08:00", "deemed": false,
        "commitment": {"materials": ["M2"], "names": ["营业执照或者其他主体资格证明文件"], "working_days": 10},
        "commitment_due_at": "2026-12-03T00:00:00+08:00", "suspension": null, "decided_at": null, "decision": null,
        "delivery": null, "completed_at": null, "closed_at": null, "close_reason": null, "version": 4
    })
}

/// Does `principal` handle the case and so need to see the applicant in full (window
/// clerks check identity; reviewers and leaders judge the application)? The other reviewing
/// departments ([`Reader::ReviewingDepartment`]) handle it too; this rule does not see them.
pub fn needs_personal_data(principal: &Principal, case: &cases::Model) -> bool {
    is_clerk_of(principal, case)
        || (is_staff_of(principal, case)
            && (principal.has_role(Role::Reviewer) || principal.has_role(Role::Leader)))
}

/// Masks what looks like personal data inside a form (mobile numbers, ID card numbers), for
/// readers who may see the case but not its applicant's personal data (supervisors,
/// administrators): a form's fields are the matter's own, so they are recognised by
/// shape, not by name.
pub fn mask_form(form: &mut serde_json::Value) {
    match form {
        serde_json::Value::String(text) => {
            let digits = text.chars().filter(char::is_ascii_digit).count();
            let compact: String = text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            let mobile = compact.len() == 11 && digits == 11 && compact.starts_with('1');
            let id_card = compact.len() == 18
                && compact.chars().take(17).all(|c| c.is_ascii_digit())
                && compact.ends_with(|c: char| c.is_ascii_digit() || c == 'X' || c == 'x');
            if mobile {
                *text = mask_phone(&compact);
            } else if id_card {
                *text = crate::domain::id_number::mask(&compact);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_form),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(mask_form),
        _ => {}
    }
}

/// A case as `principal` may see it: the form's personal data masked unless he is its
/// applicant or handles it.
pub fn case_for(principal: &Principal, case: cases::Model, now: DateTime<FixedOffset>) -> CaseOut {
    let masked = !is_owner(principal, &case) && !needs_personal_data(principal, &case);
    let mut out = CaseOut::of(case, now);
    if masked {
        mask_form(&mut out.form);
    }
    out
}

/// Masks a person's name: the first character kept (`张**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// Masks a phone number: first 3 and last 4 kept.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// The colour of a case at `now`.
pub fn colour(case: &cases::Model, now: DateTime<FixedOffset>) -> StatusColour {
    let state = CaseState::parse(&case.state).unwrap_or(CaseState::Submitted);
    let late =
        !state.is_final() && state != CaseState::Suspended && case.due_at.is_some_and(|d| d < now);
    match case.alert.as_str() {
        "red" => StatusColour::Red,
        _ if late => StatusColour::Red,
        "warning" | "yellow" => StatusColour::Yellow,
        _ => StatusColour::Green,
    }
}

impl CaseOut {
    /// The view of a stored case at `now`; times in China Standard Time, whatever the
    /// database hands back (PostgreSQL returns UTC).
    pub fn of(m: cases::Model, now: DateTime<FixedOffset>) -> Self {
        let m = local_times(m);
        let status_colour = colour(&m, now);
        let state = CaseState::parse(&m.state).unwrap_or(CaseState::Submitted);
        let person = m.applicant_kind == "natural_person";
        Self {
            id: m.id,
            case_number: m.case_number,
            matter: MatterRef {
                id: m.matter_id,
                code: m.matter_code,
                version: m.matter_version,
                name: m.matter_name,
            },
            department_code: m.department_code,
            division_code: m.division_code,
            handling_division_code: m.handling_division,
            case_type: m.case_type,
            channel: m.channel,
            window_code: m.window_code,
            state,
            state_label: state.label().into(),
            status_colour,
            outcome: m.outcome,
            applicant: ApplicantOut {
                kind: m.applicant_kind,
                name: if person {
                    mask_name(&m.applicant_name)
                } else {
                    m.applicant_name
                },
                id_type: m.applicant_id_type,
                id_number_masked: mask(&m.applicant_id_number),
                revealed: None,
            },
            agent: m.agent_name.map(|name| ApplicantOut {
                kind: "agent".into(),
                name: mask_name(&name),
                id_type: "id_card".into(),
                id_number_masked: m.agent_id_number.as_deref().map(mask).unwrap_or_default(),
                revealed: None,
            }),
            contact_phone: m.contact_phone.as_deref().map(mask_phone),
            form: m.form_data,
            due_at: m.due_at,
            received_at: m.received_at,
            submitted_at: m.submitted_at,
            accepted_at: m.accepted_at,
            deemed: m.deemed,
            commitment: m.commitment,
            commitment_due_at: m.commitment_due_at,
            suspension: m.suspension,
            decided_at: m.decided_at,
            decision: m.decision,
            delivery: m.delivery,
            completed_at: m.completed_at,
            closed_at: m.closed_at,
            close_reason: m.close_reason,
            version: m.version,
        }
    }
}

/// A time in China Standard Time.
pub fn local(t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    t.with_timezone(&crate::routes::support::cst())
}

fn local_times(m: cases::Model) -> cases::Model {
    let opt = |t: Option<DateTime<FixedOffset>>| t.map(local);
    cases::Model {
        due_at: opt(m.due_at),
        received_at: local(m.received_at),
        submitted_at: local(m.submitted_at),
        accepted_at: opt(m.accepted_at),
        commitment_due_at: opt(m.commitment_due_at),
        decided_at: opt(m.decided_at),
        completed_at: opt(m.completed_at),
        closed_at: opt(m.closed_at),
        updated_at: local(m.updated_at),
        ..m
    }
}

/// The handling plan of a case at acceptance: the matter's, or — for a case taken in at
/// another region's window — the hand-over to the handling division (跨域通办).
pub fn plan_for(
    case: &cases::Model,
    spec: &crate::domain::catalog::MatterSpec,
) -> govhall_contracts::events::intake::HandlingPlan {
    let version = u32::try_from(case.matter_version).unwrap_or(1);
    match &case.handling_division {
        Some(_) => spec.cross_region_plan(version, &case.division_code),
        None => spec.plan(version),
    }
}

/// The case in brief for another level (joint handling): the matter, the applicant's kind
/// and masked name, and the materials by reference with their digests.
pub async fn summary_of(
    db: &impl sea_orm::ConnectionTrait,
    case: &cases::Model,
    spec: &crate::domain::catalog::MatterSpec,
) -> Result<govhall_contracts::events::intake::CaseSummary, sea_orm::DbErr> {
    use govhall_contracts::events::intake::{CaseSummary, MaterialRef};
    let files = crate::store::materials::of_owner(db, case.id).await?;
    Ok(CaseSummary {
        matter_code: spec.implementation_code.clone(),
        matter_name: case.matter_name.clone(),
        applicant_kind: case.applicant_kind.clone(),
        applicant_masked: if case.applicant_kind == "natural_person" {
            mask_name(&case.applicant_name)
        } else {
            case.applicant_name.clone()
        },
        materials: files
            .into_iter()
            .map(|f| MaterialRef {
                name: spec
                    .materials
                    .iter()
                    .find(|m| m.code == f.material_code)
                    .map_or_else(|| f.material_code.clone(), |m| m.name.clone()),
                file_id: f.id,
                sha256: f.sha256,
            })
            .collect(),
    })
}

/// Is `principal` the applicant side of the case (who submitted it online or by API)?
pub fn is_owner(principal: &Principal, case: &cases::Model) -> bool {
    matches!(
        principal.kind,
        PrincipalKind::Citizen | PrincipalKind::LegalPerson | PrincipalKind::Integrator
    ) && principal.sub == case.submitted_by
}

/// Is `principal` staff of the case's division (a supervisor also of the divisions below)?
/// A reviewer tied to a department sees only that department's cases.
pub fn is_staff_of(principal: &Principal, case: &cases::Model) -> bool {
    if principal.kind != PrincipalKind::Staff {
        return false;
    }
    let Some(mine) = principal.division.as_deref() else {
        return false;
    };
    // The accepting division, and for a case taken in elsewhere (跨域通办) the handling one.
    let divisions: Vec<&str> = std::iter::once(case.division_code.as_str())
        .chain(case.handling_division.as_deref())
        .collect();
    if divisions.contains(&mine) {
        principal.has_role(Role::WindowClerk)
            || principal.has_role(Role::Supervisor)
            || principal.has_role(Role::Admin)
            || principal
                .department
                .as_deref()
                .is_none_or(|dep| dep == case.department_code)
    } else {
        principal.has_role(Role::Supervisor)
            && divisions
                .iter()
                .any(|d| crate::domain::division::covers(mine, d))
    }
}

/// May `principal` see the case without looking at its matter's plan (its applicant, or
/// staff of its division)? [`reader`] also admits the departments reviewing it.
pub fn can_see(principal: &Principal, case: &cases::Model) -> bool {
    is_owner(principal, case) || is_staff_of(principal, case)
}

/// How `principal` comes to read a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Its applicant, or staff of its division ([`can_see`]).
    Direct,
    /// A reviewer or leader of a department reviewing it outside the implementing
    /// department: one its matter version's plan names ([`reviews_in_plan`]) — a
    /// co-department of a parallel review (并联审批), a department of another stage of a
    /// cross-level chain (跨层级联办) — or one the approval service opened a task for
    /// ([`case_reviewers`]), such as a co-department added during review (加签). It handles
    /// the case, so it sees the applicant in full; it acts on the case only in the approval
    /// and joint services.
    ReviewingDepartment,
}

/// Staff who may review in some department: a reviewer or leader with a division and a
/// department (the only principals a plan can admit).
fn departmental_reviewer(principal: &Principal) -> Option<(&str, &str)> {
    let reviews = principal.has_role(Role::Reviewer) || principal.has_role(Role::Leader);
    match (
        &principal.kind,
        principal.division.as_deref(),
        principal.department.as_deref(),
    ) {
        (PrincipalKind::Staff, Some(division), Some(department)) if reviews => {
            Some((division, department))
        }
        _ => None,
    }
}

/// Is `principal` a reviewer or leader of one of the departments that review cases of
/// `spec` under its plan, at that department's division (a department code alone is not
/// enough, as in the approval service)?
pub fn reviews_in_plan(principal: &Principal, spec: &MatterSpec) -> bool {
    departmental_reviewer(principal).is_some_and(|mine| {
        spec.reviewing_departments()
            .into_iter()
            .any(|theirs| theirs == mine)
    })
}

/// May `principal` read the case, and how? Past the direct rule, a departmental reviewer or
/// leader reads it if a review task was opened for its department at its division (the
/// approval service's `approval.task.opened`: the plan's departments and those added later
/// by 加签), or, before intake has heard of the tasks, if the matter version's plan names it.
/// A department removed from a review (减签) keeps its access: a closed task takes nothing
/// away, and a plan department stays in the plan.
pub async fn reader(
    db: &DatabaseConnection,
    principal: &Principal,
    case: &cases::Model,
) -> Result<Option<Reader>, IntakeError> {
    if can_see(principal, case) {
        return Ok(Some(Reader::Direct));
    }
    let Some((division, department)) = departmental_reviewer(principal) else {
        return Ok(None);
    };
    // One key lookup, and it admits nearly every reviewer once the tasks are known.
    if case_reviewers::includes(db, case.id, division, department).await? {
        return Ok(Some(Reader::ReviewingDepartment));
    }
    let matter = matters::find(db, case.matter_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("matter version missing"))?;
    let spec = crate::routes::matters::spec_of(&matter)?;
    Ok(reviews_in_plan(principal, &spec).then_some(Reader::ReviewingDepartment))
}

/// Is `principal` a window clerk of the case's division (the only staff who act on it here)?
pub fn is_clerk_of(principal: &Principal, case: &cases::Model) -> bool {
    principal.kind == PrincipalKind::Staff
        && principal.has_role(Role::WindowClerk)
        && principal.division.as_deref() == Some(case.division_code.as_str())
}

/// Loads a case visible to `principal`, or 404 (its existence is not revealed).
pub async fn load_visible(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> Result<cases::Model, IntakeError> {
    load_read(db, principal, id).await.map(|(case, _)| case)
}

/// Loads a case visible to `principal` with how it reads it, or 404.
pub async fn load_read(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> Result<(cases::Model, Reader), IntakeError> {
    let case = cases::find(db, id)
        .await?
        .ok_or(IntakeError::NotFound("case"))?;
    match reader(db, principal, &case).await? {
        Some(how) => Ok((case, how)),
        None => Err(IntakeError::NotFound("case")),
    }
}

/// A notice issued with a transition.
pub struct NewNotice {
    /// `acceptance`, `rejection`, `supplement` or `termination`.
    pub kind: &'static str,
    /// Content.
    pub body: serde_json::Value,
}

/// One transition of a case, applied by [`apply`].
pub struct Transition {
    /// What happens.
    pub action: Action,
    /// Columns that change besides the state.
    pub columns: Vec<(cases::Column, SimpleExpr)>,
    /// Timeline kind and one line for the applicant.
    pub timeline: (&'static str, String),
    /// Timeline details.
    pub details: Option<serde_json::Value>,
    /// A notice to issue.
    pub notice: Option<NewNotice>,
    /// Events to publish, built from the origin of this change.
    pub events: Vec<Box<dyn FnOnce(Origin) -> anyhow::Result<Envelope> + Send>>,
}

impl Transition {
    /// A transition with nothing but its action and timeline line.
    pub fn new(action: Action, kind: &'static str, summary: impl Into<String>) -> Self {
        Self {
            action,
            columns: Vec::new(),
            timeline: (kind, summary.into()),
            details: None,
            notice: None,
            events: Vec::new(),
        }
    }

    /// Sets a column.
    pub fn set(mut self, column: cases::Column, value: impl Into<sea_orm::Value>) -> Self {
        self.columns.push((column, Expr::value(value)));
        self
    }

    /// Publishes `event`.
    pub fn publish<E: Event + Serialize + Send + 'static>(mut self, event: E) -> Self {
        self.events
            .push(Box::new(move |origin| Ok(Envelope::wrap(&event, origin)?)));
        self
    }
}

/// Who caused a transition, for the timeline and the event's origin.
pub struct Cause<'a> {
    /// Subject, or `system`.
    pub actor: &'a str,
    /// Trace context of the request or message.
    pub traceparent: Option<String>,
    /// The message that caused it, for consumers.
    pub causation_id: Option<Uuid>,
}

impl<'a> Cause<'a> {
    /// A request by `principal`.
    pub fn request(principal: &'a Principal, ctx: &RequestContext) -> Self {
        Self {
            actor: &principal.sub,
            traceparent: Some(ctx.trace.header()),
            causation_id: None,
        }
    }
}

/// Applies `t` to `case` if it is still at `expected` version: state machine, columns,
/// timeline, notice and events commit together. Returns the case as it now is.
pub async fn apply(
    db: &DatabaseConnection,
    case: &cases::Model,
    expected: i32,
    cause: Cause<'_>,
    now: DateTime<FixedOffset>,
    t: Transition,
) -> Result<cases::Model, IntakeError> {
    let current = CaseState::parse(&case.state)
        .ok_or_else(|| anyhow::anyhow!("stored case state {} is unknown", case.state))?;
    let next = current.apply(t.action)?;
    if expected != case.version {
        return Err(IntakeError::VersionConflict);
    }
    let txn = govhall_bus::begin_write(db).await?;
    let mut columns = t.columns;
    columns.push((cases::Column::State, Expr::value(next.as_str())));
    if !cases::update_if_version(&txn, case.id, expected, columns, now).await? {
        return Err(IntakeError::VersionConflict);
    }
    timeline::record(
        &txn,
        case.id,
        now,
        t.timeline.0,
        cause.actor,
        t.timeline.1,
        t.details,
    )
    .await?;
    if let Some(notice) = t.notice {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        notices::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(case.id),
            kind: Set(notice.kind.into()),
            verification_code: Set(verification_code()),
            body: Set(notice.body),
            issued_by: Set(cause.actor.into()),
            issued_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let mut out = Vec::new();
    let mut previous: Option<Uuid> = cause.causation_id;
    for build in t.events {
        let origin = Origin {
            producer: SERVICE,
            correlation_id: case.id,
            causation_id: previous,
            traceparent: cause.traceparent.clone(),
            division_code: case.division_code.clone(),
        };
        let envelope = build(origin)?;
        // Several events of one change chain: each is caused by the one before.
        previous = Some(envelope.message_id);
        out.push(envelope);
    }
    outbox::enqueue(&txn, &out).await?;
    txn.commit().await?;
    tracing::info!(case.id = %case.id, case.state = next.as_str(), "case changed");
    cases::find(db, case.id)
        .await?
        .ok_or(IntakeError::NotFound("case"))
}

/// Applies `t` (see [`apply`]), wakes the relay and answers with the changed case and its
/// ETag — the ending of every case-changing request.
pub async fn answer(
    state: &AppState,
    intake: &crate::routes::support::Intake,
    case: &cases::Model,
    expected: i32,
    cause: Cause<'_>,
    now: DateTime<FixedOffset>,
    t: Transition,
) -> Result<actix_web::HttpResponse, IntakeError> {
    let case = apply(&state.db, case, expected, cause, now, t).await?;
    state.relay.notify();
    Ok(prereview::changed(case, intake))
}

/// A 12-character code printed on a notice to verify it (验证码).
pub fn verification_code() -> String {
    random_code(12)
}

/// A random code from an alphabet without look-alikes (no 0/O, 1/I/L).
pub fn random_code(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn phones_and_id_numbers_in_a_form_are_masked_wherever_they_sit() {
        let mut form = serde_json::json!({
            "shop_name": "玄武小吃店",
            "contact_phone": "13912341234",
            "staff": [{"id": "32010219900101123X", "tel": "139-1234-1234"}],
            "area_m2": 45,
            "licence": "JY13201020012345",
        });
        mask_form(&mut form);
        assert_eq!(form["contact_phone"], "139****1234");
        assert_eq!(form["staff"][0]["id"], "320102********123X");
        assert_eq!(form["staff"][0]["tel"], "139****1234");
        assert_eq!(form["shop_name"], "玄武小吃店");
        assert_eq!(form["licence"], "JY13201020012345");
        assert_eq!(form["area_m2"], 45);
    }

    use super::*;

    #[test]
    fn names_and_phones_are_masked() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "***");
    }

    #[test]
    fn codes_use_no_look_alike_characters() {
        let code = random_code(200);
        assert_eq!(code.len(), 200);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
    }
}
