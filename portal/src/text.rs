//! Words and formats shown on the pages (Simplified Chinese).

use chrono::{DateTime, FixedOffset, Offset};
use govhall_web::{Principal, PrincipalKind, Role};
use serde_json::Value;

/// China Standard Time, in which every time is shown.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// `2026-11-28 14:30` from an RFC 3339 time; the input itself when it is not one.
pub(crate) fn time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&cst()).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// A string field of a JSON object, or "".
pub(crate) fn s(value: &Value, key: &str) -> String {
    match &value[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A time field of a JSON object, formatted, or "".
pub(crate) fn t(value: &Value, key: &str) -> String {
    value[key].as_str().map(time).unwrap_or_default()
}

/// Percent-encodes a query value.
pub(crate) fn url_encode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

/// A limit such as `{"value": 10, "unit": "working_days"}` in words.
pub(crate) fn limit(value: &Value) -> String {
    let n = value["value"].as_i64().unwrap_or_default();
    match value["unit"].as_str() {
        Some("working_days") => format!("{n} 个工作日"),
        Some("natural_days") | Some("days") => format!("{n} 个自然日"),
        Some("months") => format!("{n} 个月"),
        Some("hours") if n == 0 => "当场办结".to_owned(),
        Some("hours") => format!("{n} 小时"),
        Some(other) => format!("{n} {other}"),
        None => String::new(),
    }
}

/// The colour class and words of a time-limit status.
pub(crate) fn colour(status: &str) -> (&'static str, &'static str) {
    match status {
        "red" => ("red", "已超期"),
        "yellow" => ("yellow", "临近期限"),
        _ => ("green", "正常"),
    }
}

/// A material's form (原件 / 复印件).
pub(crate) fn material_form(form: &str) -> &'static str {
    match form {
        "original" => "原件",
        "copy" => "复印件",
        "original_and_copy" => "原件和复印件",
        "electronic" => "电子件",
        _ => "其他",
    }
}

/// Case type: instant (即办件) or promised (承诺件).
pub(crate) fn case_type(kind: &str) -> &'static str {
    match kind {
        "instant" => "即办件",
        _ => "承诺件",
    }
}

/// Item type of a matter.
pub(crate) fn item_type(kind: &str) -> &'static str {
    match kind {
        "administrative_licence" => "行政许可",
        "administrative_payment" => "行政给付",
        "administrative_confirmation" => "行政确认",
        "administrative_ruling" => "行政裁决",
        "administrative_reward" => "行政奖励",
        "public_service" => "公共服务",
        _ => "其他行政权力",
    }
}

/// A way to apply.
pub(crate) fn handling_form(kind: &str) -> &'static str {
    match kind {
        "window" => "窗口办理",
        "online" => "网上办理",
        "mail" => "邮寄办理",
        "self_service" => "自助终端",
        _ => "其他方式",
    }
}

/// How a task or review ended.
pub(crate) fn outcome(kind: &str) -> &'static str {
    match kind {
        "approved" => "同意",
        "denied" => "不同意",
        "" => "",
        _ => "其他意见",
    }
}

/// What a missing role means for the person.
pub(crate) fn role_needed(role: Role) -> String {
    format!("此页面仅供{}使用。", role_label(role))
}

/// A staff role in words.
pub(crate) fn role_label(role: Role) -> &'static str {
    match role {
        Role::WindowClerk => "窗口人员",
        Role::Reviewer => "审核人员",
        Role::Leader => "审批领导",
        Role::Supervisor => "电子监察人员",
        Role::Admin => "系统管理员",
    }
}

/// The signed-in person's name as shown in the header (an account name, never an ID number).
pub(crate) fn display_name(p: &Principal) -> String {
    p.sub.clone()
}

/// The signed-in person's kind or roles in words.
pub(crate) fn principal_role(p: &Principal) -> String {
    match p.kind {
        PrincipalKind::Citizen => "个人用户".to_owned(),
        PrincipalKind::LegalPerson => "法人用户".to_owned(),
        PrincipalKind::Staff => {
            let roles: Vec<&str> = p.roles.iter().map(|r| role_label(*r)).collect();
            let place = match (&p.division, &p.department) {
                (_, Some(dept)) => dept.clone(),
                (Some(div), None) => div.clone(),
                (None, None) => String::new(),
            };
            format!("{} {}", roles.join("、"), place).trim().to_owned()
        }
        PrincipalKind::Integrator => "接入系统".to_owned(),
    }
}

/// The message shown after an action, by its key in `?ok=`.
pub(crate) fn flash(key: &str) -> Option<&'static str> {
    Some(match key {
        "signed_in" => "登录成功。",
        "signed_out" => "您已安全退出。",
        "saved" => "草稿已保存。",
        "uploaded" => "材料已上传。",
        "supplemented" => "补正材料已提交，请等待窗口重新审核。",
        "rated" => "感谢您的评价！",
        "accepted" => "已受理。",
        "rejected" => "已出具不予受理通知书。",
        "notice" => "已出具一次性补正告知书。",
        "decided" => "已当场办结。",
        "delivered" => "已送达办理结果。",
        "opinion" => "审查意见已提交。",
        "claimed" => "已认领该任务。",
        "released" => "已退回任务池。",
        "sent_back" => "已退回。",
        "department_added" => "已增加协办部门。",
        "department_removed" => "已移除协办部门。",
        "supplement_requested" => "已通过窗口请申请人补正。",
        "received" => "已签收。",
        "entered" => "已代申请人提交申请。",
        "assigned" => "已分派任务。",
        "review_suspended" => "审查已中止，等待特别程序结束。",
        "review_resumed" => "审查已恢复。",
        "returned_to_window" => "已退回受理窗口。",
        "resent" => "已重新报送。",
        _ => return None,
    })
}
