//! The matter catalog (政务服务事项实施清单): what one version of a matter says.
//!
//! A [`MatterSpec`] is the editable content of one version. [`MatterSpec::problems`] lists
//! everything wrong with it at once (field paths as the wire names them), so an admin sees
//! every fault in one answer; [`MatterSpec::plan`] turns it into the handling plan the
//! acceptance event carries.

use govhall_contracts::events::{
    LimitUnit, TimeLimit,
    intake::{DepartmentPlan, HandlingPlan, JoinRule, PlanKind, StagePlan},
};
use govhall_web::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::codes::{CaseType, HandlingForm, ItemType, Level, ResultType};

/// Unit of a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Official working days (工作日).
    WorkingDays,
    /// Natural days (自然日).
    NaturalDays,
    /// Calendar months.
    Months,
    /// Hours (即办件).
    Hours,
}

/// A time limit (时限).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"value": 20, "unit": "working_days"}))]
pub struct Limit {
    /// Amount of `unit`s.
    pub value: u32,
    /// Unit.
    pub unit: Unit,
}

impl Limit {
    /// The contract form.
    pub fn to_contract(self) -> TimeLimit {
        TimeLimit {
            value: self.value,
            unit: match self.unit {
                Unit::WorkingDays => LimitUnit::WorkingDays,
                Unit::NaturalDays => LimitUnit::NaturalDays,
                Unit::Months => LimitUnit::Months,
                Unit::Hours => LimitUnit::Hours,
            },
        }
    }
}

/// A department (部门).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Department {
    /// Department code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A reviewing department of a parallel plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReviewDepartment {
    /// Department code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Lead department (牵头部门)?
    pub lead: bool,
    /// Its own review time limit.
    pub time_limit: Limit,
    /// Sequential steps inside the department; empty: one step.
    #[serde(default)]
    pub steps: Vec<StepSpec>,
}

/// Who acts at a review step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepRole {
    /// A reviewer (审查人员).
    Reviewer,
    /// A leader who signs off (审批领导).
    Leader,
}

/// One step of a department's review (初审 → 复审 → 审批).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StepSpec {
    /// Name.
    pub name: String,
    /// Who acts.
    pub role: StepRole,
}

fn steps_plan(steps: &[StepSpec]) -> Vec<govhall_contracts::events::intake::ReviewStep> {
    steps
        .iter()
        .map(|s| govhall_contracts::events::intake::ReviewStep {
            name: s.name.clone(),
            role: match s.role {
                StepRole::Reviewer => "reviewer".into(),
                StepRole::Leader => "leader".into(),
            },
        })
        .collect()
}

/// Join rule of a parallel review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    /// Every department must agree (会签).
    All,
    /// Any one department suffices (或签).
    Any,
    /// The lead decides after collecting every opinion.
    LeadDecides,
}

/// One stage of a cross-level chain (跨层级联办).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stage {
    /// Level of the stage.
    pub level: Level,
    /// Division that handles it.
    pub division_code: String,
    /// Department code.
    pub department_code: String,
    /// Department name.
    pub name: String,
    /// Time limit of the stage.
    pub time_limit: Limit,
    /// Departments of the stage's division reviewing in parallel (并联), one of them the
    /// lead; empty: the department above alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<ReviewDepartment>,
    /// Join rule when several departments review the stage (default: the lead decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_rule: Option<Join>,
}

/// How a case of the matter is handled after acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    /// The implementing department alone.
    Single,
    /// Departments in parallel with a lead and a join rule (并联审批).
    Parallel {
        /// Departments; exactly one is the lead.
        departments: Vec<ReviewDepartment>,
        /// Join rule.
        join_rule: Join,
    },
    /// A chain of stages across levels, handed on in order (跨层级联办).
    CrossLevel {
        /// Stages, first to last.
        stages: Vec<Stage>,
    },
}

/// Form of a required material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    /// Original (原件).
    Original,
    /// Copy (复印件).
    Copy,
    /// Original shown, copy kept (原件和复印件).
    OriginalAndCopy,
    /// Electronic only (电子材料).
    Electronic,
}

/// A required material (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Material {
    /// Code, unique within the matter.
    pub code: String,
    /// Name.
    pub name: String,
    /// Original or copy.
    pub form: MaterialForm,
    /// Number of copies.
    pub copies: u8,
    /// Must be supplied.
    pub mandatory: bool,
    /// May be missing at acceptance against a commitment (容缺).
    #[serde(default)]
    pub tolerable: bool,
}

/// The content of one version of a matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "basic_code": "000117001000", "implementation_code": "11320102MB1234567X4000117001",
    "name": "食品经营许可（新办）", "item_type": "administrative_licence",
    "department": {"code": "320102-SCJGJ", "name": "南京市玄武区市场监督管理局"}, "division_code": "320102",
    "exercise_level": "county", "acceptance_level": "county", "approval_level": "county",
    "case_type": "promised", "handling_forms": ["window", "online"],
    "statutory_limit": {"value": 20, "unit": "working_days"}, "committed_limit": {"value": 10, "unit": "working_days"},
    "plan": {"kind": "single"},
    "materials": [{"code": "M1", "name": "食品经营许可申请书", "form": "original", "copies": 1, "mandatory": true},
                  {"code": "M2", "name": "营业执照", "form": "copy", "copies": 1, "mandatory": true, "tolerable": true}],
    "fees": false, "max_visits": 0, "result_type": "licence", "result_name": "食品经营许可证",
    "legal_basis": "《中华人民共和国食品安全法》第三十五条",
    "form_schema": {"type": "object", "required": ["shop_name"], "properties": {"shop_name": {"type": "string", "title": "经营者名称"}}}
}))]
pub struct MatterSpec {
    /// Basic code (基本编码), shared by every implementation of the matter.
    pub basic_code: String,
    /// Implementation code (实施编码), unique per implementing body.
    pub implementation_code: String,
    /// Name.
    pub name: String,
    /// Item type.
    pub item_type: ItemType,
    /// Implementing department.
    pub department: Department,
    /// Implementing division (6-digit GB/T 2260 code).
    pub division_code: String,
    /// Exercise level (行使层级).
    pub exercise_level: Level,
    /// Acceptance level.
    pub acceptance_level: Level,
    /// Approval level.
    pub approval_level: Level,
    /// Instant or promised.
    pub case_type: CaseType,
    /// How one may apply.
    pub handling_forms: Vec<HandlingForm>,
    /// Statutory time limit (法定时限).
    pub statutory_limit: Limit,
    /// Committed time limit (承诺时限), never longer than the statutory one.
    pub committed_limit: Limit,
    /// Handling plan.
    pub plan: Plan,
    /// Required materials.
    pub materials: Vec<Material>,
    /// Are fees charged (是否收费)?
    pub fees: bool,
    /// Most on-site visits (到现场次数).
    pub max_visits: u8,
    /// Result type.
    pub result_type: ResultType,
    /// Name of the result document, if any.
    #[serde(default)]
    pub result_name: Option<String>,
    /// Legal basis (设定依据), quoted on notices.
    pub legal_basis: String,
    /// Sequential steps of the implementing department's review (single plans); empty: one.
    #[serde(default)]
    pub review_steps: Vec<StepSpec>,
    /// JSON Schema (draft 2020-12) of the application form's fields.
    #[schema(value_type = Object)]
    pub form_schema: serde_json::Value,
    /// Divisions whose windows may also accept it, for this division to handle (跨域通办);
    /// a code covers itself and the divisions below it (`320000`: all of Jiangsu).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_in: Vec<String>,
}

fn err(field: impl Into<String>, code: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
        code: code.into(),
    }
}

fn is_division(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0')
}

impl MatterSpec {
    /// Division whose windows accept applications: the first stage's for a cross-level
    /// chain (the lower level takes the case in and reviews it first, 行政许可法 art. 43),
    /// otherwise the implementing division.
    pub fn accepting_division(&self) -> &str {
        match &self.plan {
            Plan::CrossLevel { stages } => stages
                .first()
                .map_or(self.division_code.as_str(), |s| s.division_code.as_str()),
            _ => &self.division_code,
        }
    }

    /// Every department that reviews a case of this matter under its plan, as
    /// `(division, department code)`: the implementing department of a single plan, each
    /// department of a parallel one (all of the implementing division, also when the case
    /// was taken in elsewhere), each stage's department and co-departments of a cross-level
    /// chain (at the stage's division). Departments added to one review later (加签) are not
    /// in the plan.
    pub fn reviewing_departments(&self) -> Vec<(&str, &str)> {
        match &self.plan {
            Plan::Single => vec![(self.division_code.as_str(), self.department.code.as_str())],
            Plan::Parallel { departments, .. } => departments
                .iter()
                .map(|d| (self.division_code.as_str(), d.code.as_str()))
                .collect(),
            Plan::CrossLevel { stages } => stages
                .iter()
                .flat_map(|s| {
                    std::iter::once(s.department_code.as_str())
                        .chain(s.departments.iter().map(|d| d.code.as_str()))
                        .map(|code| (s.division_code.as_str(), code))
                })
                .collect(),
        }
    }

    /// May a window of `division` accept it for another division to handle (跨域通办)?
    pub fn accepts_at(&self, division: &str) -> bool {
        division != self.accepting_division()
            && self
                .accepted_in
                .iter()
                .any(|a| super::division::covers(a, division))
    }

    /// The plan of a case accepted at `accepting` for this matter's division to handle: the
    /// accepting window hands it over, the handling division's departments review it.
    pub fn cross_region_plan(&self, version: u32, accepting: &str) -> HandlingPlan {
        let mut plan = self.plan(version);
        let lead = plan
            .departments
            .iter()
            .find(|d| d.lead)
            .or(plan.departments.first())
            .cloned();
        let level = |code: &str| {
            if code.ends_with("0000") {
                "province"
            } else if code.ends_with("00") {
                "city"
            } else {
                "county"
            }
        };
        plan.stages = vec![
            StagePlan {
                level: level(accepting).into(),
                division_code: accepting.to_owned(),
                department_code: String::new(),
                name: "受理窗口".into(),
                time_limit: plan.time_limit,
                departments: Vec::new(),
                join_rule: None,
            },
            StagePlan {
                level: level(&self.division_code).into(),
                division_code: self.accepting_division().to_owned(),
                department_code: lead.as_ref().map_or_else(
                    || self.department.code.clone(),
                    |d| d.department_code.clone(),
                ),
                name: lead
                    .as_ref()
                    .map_or_else(|| self.department.name.clone(), |d| d.name.clone()),
                time_limit: plan.time_limit,
                departments: plan.departments.clone(),
                join_rule: Some(plan.join_rule),
            },
        ];
        plan.kind = PlanKind::CrossRegion;
        plan
    }

    /// Everything wrong with this spec, each naming its field; empty when it may be published.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        for (i, code) in self.accepted_in.iter().enumerate() {
            if !is_division(code) {
                out.push(err(
                    format!("accepted_in[{i}]"),
                    "division_code",
                    "应为 6 位行政区划代码",
                ));
            }
        }
        if !self.accepted_in.is_empty() && matches!(self.plan, Plan::CrossLevel { .. }) {
            out.push(err(
                "accepted_in",
                "cross_level",
                "跨层级联办事项暂不支持跨域通办受理",
            ));
        }
        for (field, value, max) in [
            ("basic_code", &self.basic_code, 32),
            ("implementation_code", &self.implementation_code, 64),
            ("name", &self.name, 200),
            ("department.code", &self.department.code, 64),
            ("department.name", &self.department.name, 200),
            ("legal_basis", &self.legal_basis, 2000),
        ] {
            if value.trim().is_empty() || value.chars().count() > max {
                out.push(err(field, "length", format!("必填，且不超过 {max} 个字符")));
            }
        }
        if !is_division(&self.division_code) {
            out.push(err(
                "division_code",
                "division_code",
                "应为 6 位行政区划代码",
            ));
        }
        if self.handling_forms.is_empty() {
            out.push(err("handling_forms", "required", "至少选择一种办理形式"));
        }
        for (i, step) in self.review_steps.iter().enumerate() {
            if step.name.trim().is_empty() {
                out.push(err(
                    format!("review_steps[{i}].name"),
                    "required",
                    "请填写审查环节名称",
                ));
            }
        }
        self.check_limits(&mut out);
        self.check_plan(&mut out);
        self.check_materials(&mut out);
        if !self.form_schema.is_object()
            || self.form_schema.get("type").and_then(|t| t.as_str()) != Some("object")
        {
            out.push(err(
                "form_schema",
                "form_schema",
                "表单定义应为 type 为 object 的 JSON Schema",
            ));
        } else if let Err(e) = jsonschema::validator_for(&self.form_schema) {
            out.push(err(
                "form_schema",
                "form_schema",
                format!("表单定义不是有效的 JSON Schema：{e}"),
            ));
        }
        out
    }

    fn check_limits(&self, out: &mut Vec<FieldError>) {
        let (s, c) = (self.statutory_limit, self.committed_limit);
        if s.value == 0 && self.case_type == CaseType::Promised {
            out.push(err(
                "statutory_limit.value",
                "range",
                "承诺件的法定时限应大于 0",
            ));
        }
        if c.value == 0 && self.case_type == CaseType::Promised {
            out.push(err(
                "committed_limit.value",
                "range",
                "承诺件的承诺时限应大于 0",
            ));
        }
        if s.unit == c.unit && c.value > s.value {
            out.push(err(
                "committed_limit.value",
                "range",
                "承诺时限不得超过法定时限",
            ));
        }
        if s.value > 366 || c.value > 366 {
            out.push(err("statutory_limit.value", "range", "时限不得超过 366"));
        }
    }

    fn check_plan(&self, out: &mut Vec<FieldError>) {
        match &self.plan {
            Plan::Single => {}
            Plan::Parallel {
                departments,
                join_rule: _,
            } => {
                if departments.len() < 2 {
                    out.push(err(
                        "plan.departments",
                        "length",
                        "并联审批至少需要两个部门",
                    ));
                }
                if departments.iter().filter(|d| d.lead).count() != 1 {
                    out.push(err(
                        "plan.departments",
                        "lead",
                        "并联审批应有且仅有一个牵头部门",
                    ));
                }
                for (i, d) in departments.iter().enumerate() {
                    if d.code.trim().is_empty() || d.name.trim().is_empty() {
                        out.push(err(
                            format!("plan.departments[{i}]"),
                            "required",
                            "请填写部门编码和名称",
                        ));
                    }
                    if d.time_limit.value == 0 {
                        out.push(err(
                            format!("plan.departments[{i}].time_limit.value"),
                            "range",
                            "部门时限应大于 0",
                        ));
                    }
                    if departments[..i].iter().any(|e| e.code == d.code) {
                        out.push(err(
                            format!("plan.departments[{i}].code"),
                            "duplicate",
                            "部门重复",
                        ));
                    }
                }
            }
            Plan::CrossLevel { stages } => {
                if stages.len() < 2 {
                    out.push(err("plan.stages", "length", "跨层级联办至少需要两个环节"));
                }
                for (i, s) in stages.iter().enumerate() {
                    if !is_division(&s.division_code) {
                        out.push(err(
                            format!("plan.stages[{i}].division_code"),
                            "division_code",
                            "应为 6 位行政区划代码",
                        ));
                    }
                    if s.department_code.trim().is_empty() || s.name.trim().is_empty() {
                        out.push(err(
                            format!("plan.stages[{i}]"),
                            "required",
                            "请填写环节的部门编码和名称",
                        ));
                    }
                    if s.time_limit.value == 0 {
                        out.push(err(
                            format!("plan.stages[{i}].time_limit.value"),
                            "range",
                            "环节时限应大于 0",
                        ));
                    }
                    if !s.departments.is_empty()
                        && s.departments.iter().filter(|d| d.lead).count() != 1
                    {
                        out.push(err(
                            format!("plan.stages[{i}].departments"),
                            "lead",
                            "并联审查的环节应有且只有一个牵头部门",
                        ));
                    }
                }
            }
        }
    }

    fn check_materials(&self, out: &mut Vec<FieldError>) {
        for (i, m) in self.materials.iter().enumerate() {
            if m.code.trim().is_empty() || m.code.len() > 32 {
                out.push(err(
                    format!("materials[{i}].code"),
                    "length",
                    "材料编码必填，不超过 32 个字符",
                ));
            }
            if m.name.trim().is_empty() {
                out.push(err(
                    format!("materials[{i}].name"),
                    "required",
                    "请填写材料名称",
                ));
            }
            if self.materials[..i].iter().any(|o| o.code == m.code) {
                out.push(err(
                    format!("materials[{i}].code"),
                    "duplicate",
                    "材料编码重复",
                ));
            }
            if m.tolerable && !m.mandatory {
                out.push(err(
                    format!("materials[{i}].tolerable"),
                    "tolerable",
                    "只有必要材料才可容缺",
                ));
            }
            if m.copies == 0 {
                out.push(err(
                    format!("materials[{i}].copies"),
                    "range",
                    "份数应大于 0",
                ));
            }
        }
    }

    /// Does any material allow acceptance while it is missing (容缺受理)?
    pub fn allows_tolerance(&self) -> bool {
        self.materials.iter().any(|m| m.tolerable)
    }

    /// The handling plan carried by the acceptance event of a case under `version`.
    pub fn plan(&self, version: u32) -> HandlingPlan {
        let committed = self.committed_limit.to_contract();
        let (kind, departments, join_rule, stages) = match &self.plan {
            Plan::Single => (
                PlanKind::Single,
                vec![DepartmentPlan {
                    department_code: self.department.code.clone(),
                    name: self.department.name.clone(),
                    lead: true,
                    time_limit: committed,
                    steps: steps_plan(&self.review_steps),
                }],
                JoinRule::All,
                Vec::new(),
            ),
            Plan::Parallel {
                departments,
                join_rule,
            } => (
                PlanKind::Parallel,
                departments
                    .iter()
                    .map(|d| DepartmentPlan {
                        department_code: d.code.clone(),
                        name: d.name.clone(),
                        lead: d.lead,
                        time_limit: d.time_limit.to_contract(),
                        steps: steps_plan(&d.steps),
                    })
                    .collect(),
                match join_rule {
                    Join::All => JoinRule::All,
                    Join::Any => JoinRule::Any,
                    Join::LeadDecides => JoinRule::LeadDecides,
                },
                Vec::new(),
            ),
            // The accepting level reviews first (初审); the joint service hands the case on.
            Plan::CrossLevel { stages } => {
                let stages: Vec<StagePlan> = stages
                    .iter()
                    .map(|s| StagePlan {
                        level: s.level.as_str().into(),
                        division_code: s.division_code.clone(),
                        department_code: s.department_code.clone(),
                        name: s.name.clone(),
                        time_limit: s.time_limit.to_contract(),
                        departments: s
                            .departments
                            .iter()
                            .map(|d| DepartmentPlan {
                                department_code: d.code.clone(),
                                name: d.name.clone(),
                                lead: d.lead,
                                time_limit: d.time_limit.to_contract(),
                                steps: steps_plan(&d.steps),
                            })
                            .collect(),
                        join_rule: s.join_rule.map(|j| match j {
                            Join::All => JoinRule::All,
                            Join::Any => JoinRule::Any,
                            Join::LeadDecides => JoinRule::LeadDecides,
                        }),
                    })
                    .collect();
                let (departments, join_rule) = stages
                    .first()
                    .map(StagePlan::review)
                    .unwrap_or_else(|| (Vec::new(), JoinRule::All));
                (PlanKind::CrossLevel, departments, join_rule, stages)
            }
        };
        HandlingPlan {
            matter_version: version,
            kind,
            departments,
            join_rule,
            stages,
            time_limit: committed,
            statutory_limit: Some(self.statutory_limit.to_contract()),
            warning_ladder: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    pub(crate) fn sample() -> MatterSpec {
        serde_json::from_value(json!({
            "basic_code": "000117001000",
            "implementation_code": "11320102MB1234567X4000117001",
            "name": "食品经营许可（新办）",
            "item_type": "administrative_licence",
            "department": {"code": "320102-SCJGJ", "name": "南京市玄武区市场监督管理局"},
            "division_code": "320102",
            "exercise_level": "county", "acceptance_level": "county", "approval_level": "county",
            "case_type": "promised",
            "handling_forms": ["window", "online"],
            "statutory_limit": {"value": 20, "unit": "working_days"},
            "committed_limit": {"value": 10, "unit": "working_days"},
            "plan": {"kind": "single"},
            "materials": [
                {"code": "M1", "name": "食品经营许可申请书", "form": "original", "copies": 1, "mandatory": true},
                {"code": "M2", "name": "营业执照", "form": "copy", "copies": 1, "mandatory": true, "tolerable": true}
            ],
            "fees": false, "max_visits": 0,
            "result_type": "licence", "result_name": "食品经营许可证",
            "legal_basis": "《中华人民共和国食品安全法》第三十五条",
            "form_schema": {"type": "object", "required": ["shop_name"], "properties": {"shop_name": {"type": "string"}}}
        }))
        .unwrap()
    }

    #[test]
    fn a_complete_spec_has_no_problems() {
        assert_eq!(sample().problems(), vec![]);
        assert!(sample().allows_tolerance());
    }

    #[test]
    fn every_fault_is_listed_at_once_with_its_field() {
        let mut spec = sample();
        spec.name = String::new();
        spec.division_code = "32010".into();
        spec.committed_limit.value = 30;
        spec.materials[0].tolerable = true;
        spec.materials[0].mandatory = false;
        spec.form_schema = json!({"type": "object", "properties": {"x": {"type": "no-such-type"}}});
        let fields: Vec<String> = spec.problems().into_iter().map(|p| p.field).collect();
        for f in [
            "name",
            "division_code",
            "committed_limit.value",
            "materials[0].tolerable",
            "form_schema",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn a_parallel_plan_needs_exactly_one_lead() {
        let mut spec = sample();
        let dept = |code: &str, lead| ReviewDepartment {
            code: code.into(),
            name: code.into(),
            lead,
            time_limit: Limit {
                value: 5,
                unit: Unit::WorkingDays,
            },
            steps: vec![],
        };
        spec.plan = Plan::Parallel {
            departments: vec![dept("A", true), dept("B", true)],
            join_rule: Join::All,
        };
        assert!(spec.problems().iter().any(|p| p.code == "lead"));
        spec.plan = Plan::Parallel {
            departments: vec![dept("A", true), dept("B", false)],
            join_rule: Join::LeadDecides,
        };
        assert_eq!(spec.problems(), vec![]);
        let plan = spec.plan(3);
        assert_eq!(plan.kind, PlanKind::Parallel);
        assert_eq!(plan.departments.len(), 2);
        assert_eq!(plan.join_rule, JoinRule::LeadDecides);
        assert_eq!(plan.matter_version, 3);
    }

    #[test]
    fn the_reviewing_departments_are_those_of_the_plan_each_at_its_division() {
        let mut spec = sample();
        assert_eq!(
            spec.reviewing_departments(),
            vec![("320102", "320102-SCJGJ")]
        );
        let dept = |code: &str, lead| ReviewDepartment {
            code: code.into(),
            name: code.into(),
            lead,
            time_limit: Limit {
                value: 5,
                unit: Unit::WorkingDays,
            },
            steps: vec![],
        };
        spec.plan = Plan::Parallel {
            departments: vec![dept("320102-GTJ", true), dept("320102-ZJJ", false)],
            join_rule: Join::All,
        };
        assert_eq!(
            spec.reviewing_departments(),
            vec![("320102", "320102-GTJ"), ("320102", "320102-ZJJ")]
        );
        let stage = |division: &str, code: &str, departments| Stage {
            level: Level::County,
            division_code: division.into(),
            department_code: code.into(),
            name: code.into(),
            time_limit: Limit {
                value: 5,
                unit: Unit::WorkingDays,
            },
            departments,
            join_rule: None,
        };
        spec.plan = Plan::CrossLevel {
            stages: vec![
                stage("320282", "320282-YJGLJ", vec![]),
                stage(
                    "320200",
                    "320200-YJGLJ",
                    vec![dept("320200-YJGLJ", true), dept("320200-XFJYZD", false)],
                ),
            ],
        };
        assert_eq!(
            spec.reviewing_departments(),
            vec![
                ("320282", "320282-YJGLJ"),
                ("320200", "320200-YJGLJ"),
                ("320200", "320200-YJGLJ"),
                ("320200", "320200-XFJYZD"),
            ]
        );
    }

    #[test]
    fn a_single_plan_reviews_in_the_implementing_department_within_the_committed_limit() {
        let plan = sample().plan(1);
        assert_eq!(plan.kind, PlanKind::Single);
        assert_eq!(plan.departments[0].department_code, "320102-SCJGJ");
        assert_eq!(plan.time_limit.value, 10);
        assert_eq!(plan.statutory_limit.map(|l| l.value), Some(20));
    }
}
