//! The matters the skeleton knows (政务服务事项). The full catalog with versions, admin API
//! and seed data arrives with the intake issue; until then these few are compiled in.

use govhall_contracts::events::{
    LimitUnit, TimeLimit,
    intake::{DepartmentPlan, HandlingPlan, JoinRule},
};
use serde::Serialize;
use utoipa::ToSchema;

/// A matter as shown in the catalog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Matter {
    /// Implementation code (实施编码).
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
    /// Implementing division.
    pub division_code: &'static str,
    /// Committed time limit in working days (承诺时限).
    pub committed_working_days: u32,
    /// Statutory time limit in working days (法定时限).
    pub statutory_working_days: u32,
    /// Reviewing departments: (code, name, lead).
    #[serde(skip)]
    pub departments: &'static [(&'static str, &'static str, bool)],
    /// Join rule of the review.
    #[serde(skip)]
    pub join_rule: JoinRule,
}

/// The compiled-in matters.
pub const MATTERS: &[Matter] = &[
    Matter {
        code: "11320102MB1234567X4000117001",
        name: "食品经营许可（新办）",
        division_code: "320102",
        committed_working_days: 10,
        statutory_working_days: 20,
        departments: &[("320102-SCJGJ", "南京市玄武区市场监督管理局", true)],
        join_rule: JoinRule::All,
    },
    Matter {
        code: "11320102MB1234567X4000117002",
        name: "建设工程规划许可证核发",
        division_code: "320102",
        committed_working_days: 15,
        statutory_working_days: 20,
        departments: &[
            ("320102-GTJ", "南京市玄武区自然资源和规划局", true),
            ("320102-ZJJ", "南京市玄武区住房和城乡建设局", false),
            ("320102-HBJ", "南京市玄武区生态环境局", false),
        ],
        join_rule: JoinRule::All,
    },
];

/// Finds a matter by code.
pub fn find(code: &str) -> Option<&'static Matter> {
    MATTERS.iter().find(|m| m.code == code)
}

impl Matter {
    /// The handling plan carried by the acceptance event.
    pub fn plan(&self) -> HandlingPlan {
        HandlingPlan {
            matter_version: 1,
            departments: self
                .departments
                .iter()
                .map(|(code, name, lead)| DepartmentPlan {
                    department_code: (*code).into(),
                    name: (*name).into(),
                    lead: *lead,
                    // Countersign default (并联审批 co-departments): 7 working days.
                    time_limit: TimeLimit {
                        value: if *lead {
                            self.committed_working_days
                        } else {
                            7
                        },
                        unit: LimitUnit::WorkingDays,
                    },
                })
                .collect(),
            join_rule: self.join_rule,
            time_limit: TimeLimit {
                value: self.committed_working_days,
                unit: LimitUnit::WorkingDays,
            },
            statutory_limit: Some(TimeLimit {
                value: self.statutory_working_days,
                unit: LimitUnit::WorkingDays,
            }),
            warning_ladder: None,
        }
    }
}
