//! Review tasks: a department's inbox and its opinions.

pub mod assign;
pub mod list;
pub mod opinion;
pub mod steps;
pub mod supplement;

use chrono::{DateTime, FixedOffset};
use govhall_contracts::events::{Outcome, intake::JoinRule};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use govhall_web::{Principal, PrincipalKind, Role};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::store::{reviews, tasks};

/// A review task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = task_example)]
pub struct TaskOut {
    /// Task id.
    pub id: Uuid,
    /// Review id.
    pub review_id: Uuid,
    /// Case id.
    pub case_id: Uuid,
    /// Department code.
    pub department_code: String,
    /// Department name.
    pub department_name: String,
    /// Lead department (牵头部门)?
    pub lead: bool,
    /// `open`, `done`, or `cancelled` (the department was removed or the review ended).
    pub state: String,
    /// Verdict.
    pub outcome: Option<String>,
    /// Opinion.
    pub comment: Option<String>,
    /// Opened.
    pub opened_at: DateTime<FixedOffset>,
    /// Opinion recorded.
    pub recorded_at: Option<DateTime<FixedOffset>>,
    /// Version, for concurrent updates.
    pub version: i32,
    /// The opinion was deemed (no answer in time, or a refusal without a reason).
    pub deemed: bool,
    /// Agreed but referred upward.
    pub referred: bool,
    /// The reviewer working on it, if claimed or assigned.
    pub assignee: Option<String>,
    /// When its time runs out (as the deadline service counted it).
    pub due_at: Option<DateTime<FixedOffset>>,
    /// The step the department is at, when its review runs in steps.
    pub step: Option<StepOut>,
}

/// The current step of a department's review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StepOut {
    /// 0-based index.
    pub index: usize,
    /// How many steps there are.
    pub of: usize,
    /// Name (初审, 复审, 审批 …).
    pub name: String,
    /// Who acts: `reviewer` or `leader`.
    pub role: String,
}

/// The example of [`TaskOut`] (also in the inbox and the review): the lead department's task
/// of a food licence, claimed by a reviewer.
pub fn task_example() -> serde_json::Value {
    serde_json::json!({"id": "01a1ec4f-c510-7b26-8ee6-f8170e8e2329", "review_id": "01a1ec4f-c448-7eee-b74a-dd548c656018",
        "case_id": "01a1e1e9-4a88-7e2a-861b-0e7ac7bb69f6", "department_code": "320102-SCJGJ",
        "department_name": "南京市玄武区市场监督管理局", "lead": true, "state": "open", "outcome": null, "comment": null,
        "opened_at": "2026-11-18T09:40:13+08:00", "recorded_at": null, "version": 2, "deemed": false, "referred": false,
        "assignee": "reviewer-7", "due_at": "2026-12-03T00:00:00+08:00", "step": null})
}

impl From<tasks::Model> for TaskOut {
    fn from(t: tasks::Model) -> Self {
        let steps = t.step_list();
        let index = usize::try_from(t.step_index).unwrap_or_default();
        let step = steps.get(index).map(|s| StepOut {
            index,
            of: steps.len(),
            name: s.name.clone(),
            role: s.role.clone(),
        });
        Self {
            step,
            id: t.id,
            review_id: t.review_id,
            case_id: t.case_id,
            department_code: t.department_code,
            department_name: t.department_name,
            lead: t.lead,
            state: t.state,
            outcome: t.outcome,
            comment: t.comment,
            opened_at: t.opened_at,
            recorded_at: t.recorded_at,
            version: t.version,
            deemed: t.deemed,
            referred: t.referred,
            assignee: t.assignee,
            due_at: t.due_at,
        }
    }
}

/// Stored form of a join rule.
pub fn join_rule_str(rule: JoinRule) -> &'static str {
    match rule {
        JoinRule::All => "all",
        JoinRule::Any => "any",
        JoinRule::LeadDecides => "lead_decides",
    }
}

/// Parses a stored join rule.
pub fn parse_join_rule(s: &str) -> JoinRule {
    match s {
        "any" => JoinRule::Any,
        "lead_decides" => JoinRule::LeadDecides,
        _ => JoinRule::All,
    }
}

/// Stored form of an outcome.
pub fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Approved => "approved",
        Outcome::Denied => "denied",
    }
}

/// Parses a stored outcome.
pub fn parse_outcome(s: &str) -> Option<Outcome> {
    match s {
        "approved" => Some(Outcome::Approved),
        "denied" => Some(Outcome::Denied),
        _ => None,
    }
}

/// The task `id` if it belongs to the caller's department at the caller's division, with its
/// review; any other task is `None`, as if it did not exist. The department code alone is not
/// enough: staff of another division claiming the same code see nothing.
pub async fn of_caller(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<(tasks::Model, reviews::Model)>, DbErr> {
    if principal.kind != PrincipalKind::Staff {
        return Ok(None);
    }
    let Some(task) = tasks::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if principal.department.as_deref() != Some(task.department_code.as_str()) {
        return Ok(None);
    }
    let Some(review) = reviews::Entity::find_by_id(task.review_id).one(db).await? else {
        return Ok(None);
    };
    if principal.division.as_deref() != Some(review.division_code.as_str()) {
        return Ok(None);
    }
    Ok(Some((task, review)))
}

/// Does another reviewer hold the task (claimed, or assigned to him)? A leader may still act
/// for the department.
pub fn held_by_another(principal: &Principal, task: &tasks::Model) -> bool {
    task.assignee.as_deref().is_some_and(|a| a != principal.sub)
        && !principal.has_role(Role::Leader)
}
