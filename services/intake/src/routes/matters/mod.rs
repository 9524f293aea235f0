//! The matter catalog: public browsing and search, and the admin API for versions.

pub mod admin;
pub mod public;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::IntakeError;
use crate::{domain::catalog::MatterSpec, store::matters};

/// One version of a matter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = matter_example)]
pub struct MatterOut {
    /// Id of this version (a case records it).
    pub id: Uuid,
    /// Version number.
    pub version: i32,
    /// `draft`, `published` or `retired`.
    pub state: String,
    /// ETag-style row version, for `If-Match` on edits.
    pub row_version: i32,
    /// When it was published.
    pub published_at: Option<DateTime<FixedOffset>>,
    /// When it was retired.
    pub retired_at: Option<DateTime<FixedOffset>>,
    /// The content.
    #[serde(flatten)]
    pub spec: MatterSpec,
}

/// The example of [`MatterOut`] (also in the catalog page): the food licence of the seed
/// catalog, as published.
pub fn matter_example() -> serde_json::Value {
    // In parts: one `json!` of it all exceeds the macro recursion limit.
    let materials = serde_json::json!([
        {"code": "M1", "name": "食品经营许可申请书", "form": "original", "copies": 1, "mandatory": true, "tolerable": false},
        {"code": "M2", "name": "营业执照或者其他主体资格证明文件", "form": "copy", "copies": 1, "mandatory": true, "tolerable": true},
        {"code": "M3", "name": "与食品经营相适应的主要设备设施、经营布局、操作流程等文件", "form": "original", "copies": 1, "mandatory": true, "tolerable": false},
        {"code": "M4", "name": "食品安全自查、从业人员健康管理、进货查验记录、食品安全事故处置等保证食品安全的规章制度目录清单", "form": "original", "copies": 1, "mandatory": true, "tolerable": true},
        {"code": "M5", "name": "委托代理人办理的，授权委托书及代理人身份证明", "form": "original_and_copy", "copies": 1, "mandatory": false, "tolerable": false}
    ]);
    let form_schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "required": ["shop_name", "premises", "main_form", "items", "contact_phone"],
        "properties": {
            "shop_name": {"type": "string", "title": "经营者名称", "minLength": 2, "maxLength": 100},
            "premises": {"type": "string", "title": "经营场所", "minLength": 5, "maxLength": 200},
            "main_form": {"type": "string", "title": "主体业态", "enum": ["食品销售经营者", "餐饮服务经营者", "单位食堂"]},
            "items": {"type": "array", "title": "经营项目", "minItems": 1, "uniqueItems": true,
                "items": {"type": "string", "enum": ["散装食品销售", "特殊食品销售", "热食类食品制售", "冷食类食品制售", "生食类食品制售", "半成品制售", "自制饮品制售"]}},
            "area_sqm": {"type": "number", "title": "经营场所面积（平方米）", "exclusiveMinimum": 0},
            "contact_phone": {"type": "string", "title": "联系电话", "pattern": "^1[3-9]\\d{9}$"}
        },
        "examples": [{"shop_name": "南京某某餐饮管理有限公司", "premises": "南京市玄武区珠江路示例大厦1层", "main_form": "餐饮服务经营者",
            "items": ["热食类食品制售", "自制饮品制售"], "area_sqm": 86.5, "contact_phone": "13800138000"}]
    });
    serde_json::json!({
        "id": "019cac0f-2680-775f-aefa-719d1d524905", "version": 1, "state": "published", "row_version": 1,
        "published_at": "2026-03-02T09:00:00+08:00", "retired_at": null,
        "basic_code": "000117001000", "implementation_code": "11320102MB1234567X4000117001",
        "name": "食品经营许可（新办）", "item_type": "administrative_licence",
        "department": {"code": "320102-SCJGJ", "name": "南京市玄武区市场监督管理局"}, "division_code": "320102",
        "exercise_level": "county", "acceptance_level": "county", "approval_level": "county",
        "case_type": "promised", "handling_forms": ["window", "online"],
        "statutory_limit": {"value": 20, "unit": "working_days"}, "committed_limit": {"value": 10, "unit": "working_days"},
        "plan": {"kind": "single"}, "materials": materials,
        "fees": false, "max_visits": 0, "result_type": "licence", "result_name": "食品经营许可证",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条；《中华人民共和国行政许可法》第四十二条；《食品经营许可和备案管理办法》（国家市场监督管理总局令第78号）",
        "review_steps": [], "form_schema": form_schema
    })
}

impl TryFrom<matters::Model> for MatterOut {
    type Error = IntakeError;
    fn try_from(m: matters::Model) -> Result<Self, IntakeError> {
        let spec: MatterSpec = serde_json::from_value(m.spec)
            .map_err(|e| anyhow::anyhow!("stored matter spec does not parse: {e}"))?;
        Ok(Self {
            id: m.id,
            version: m.version,
            state: m.state,
            row_version: m.row_version,
            published_at: m.published_at,
            retired_at: m.retired_at,
            spec,
        })
    }
}

/// Parses the spec of a stored version.
pub fn spec_of(m: &matters::Model) -> Result<MatterSpec, IntakeError> {
    serde_json::from_value(m.spec.clone()).map_err(|e| {
        IntakeError::Unexpected(anyhow::anyhow!("stored matter spec does not parse: {e}"))
    })
}
