//! What the approval service's states and records mean, in words.

use serde_json::Value;

use crate::text;

/// A task's state in words.
pub(super) fn task_state(state: &str) -> &'static str {
    match state {
        "open" => "办理中",
        "awaiting_supplement" => "等待补正",
        "done" => "已出具意见",
        "cancelled" => "已撤销",
        _ => "其他",
    }
}

/// A review's state in words.
pub(super) fn review_state(state: &str) -> &'static str {
    match state {
        "open" => "审查中",
        "suspended" => "特别程序中止",
        "concluded" => "审查结束",
        "returned" => "已退回窗口",
        "cancelled" => "已撤销",
        _ => "其他",
    }
}

/// A join rule in words, with what it means for the decision (one line).
pub(super) fn join_rule(rule: &str) -> (&'static str, &'static str) {
    match rule {
        "any" => (
            "或签",
            "任一部门同意即准予；全部部门不同意方不予准予。牵头部门须作出准予或不予的决定并说明理由。",
        ),
        "lead_decides" => (
            "牵头部门决定",
            "各部门意见齐备后，以牵头部门作出的准予或不予决定为审批结果。",
        ),
        _ => (
            "会签",
            "全部部门同意方准予，任一部门不同意即不予准予。牵头部门须作出准予或不予的决定并说明理由。",
        ),
    }
}

/// A department's recorded opinion in words (deemed and referred ones said so).
pub(super) fn opinion_words(task: &Value) -> String {
    let outcome = text::outcome(task["outcome"].as_str().unwrap_or_default());
    if outcome.is_empty() {
        return String::new();
    }
    if task["deemed"].as_bool().unwrap_or(false) {
        format!("{outcome}（视为同意）")
    } else if task["referred"].as_bool().unwrap_or(false) {
        format!("{outcome}（提请上级审定）")
    } else {
        outcome.to_owned()
    }
}

/// A review log entry's action in words.
pub(super) fn log_action(action: &str) -> &'static str {
    match action {
        "claimed" => "认领任务",
        "released" => "释放任务",
        "assigned" => "分派任务",
        "reassigned" => "改派任务",
        "department_added" => "加签",
        "department_removed" => "减签",
        "supplement_requested" => "请求补正",
        "step_done" => "完成审查环节",
        "sent_back" => "退回上一环节",
        "suspended" => "中止审查（特别程序）",
        "resumed" => "恢复审查",
        "returned_to_window" => "退回受理窗口",
        _ => "其他操作",
    }
}

/// A special procedure (特别程序) in words.
pub(super) const PROCEDURES: &[(&str, &str)] = &[
    ("hearing", "听证"),
    ("testing", "检验检测"),
    ("appraisal", "鉴定"),
    ("expert_review", "专家评审"),
    ("public_notice", "公示"),
    ("auction", "招标拍卖"),
    ("other", "其他"),
];

/// A transfer's state in words.
pub(super) fn transfer_state(state: &str) -> &'static str {
    match state {
        "sent" => "待签收",
        "received" => "已签收，审查中",
        "forwarded" => "已继续报送",
        "returned" => "已办结返回",
        "sent_back" => "已退回",
        "resent" => "已重新报送",
        "cancelled" => "已撤销",
        _ => "其他",
    }
}

/// Who holds a task, in words.
pub(super) fn holder(assignee: Option<&str>, me: &str) -> String {
    match assignee {
        None => "未认领".to_owned(),
        Some(a) if a == me => format!("本人（{a}）"),
        Some(a) => a.to_owned(),
    }
}

/// The step of a task in words (`复审（第 2 步，共 3 步）`), or "".
pub(super) fn step_words(step: &Value) -> String {
    if step.is_null() {
        return String::new();
    }
    let index = step["index"].as_u64().unwrap_or_default() + 1;
    let of = step["of"].as_u64().unwrap_or_default();
    let role = if step["role"] == "leader" {
        "，审批领导办理"
    } else {
        ""
    };
    format!(
        "{}（第 {index} 步，共 {of} 步{role}）",
        text::s(step, "name")
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_step_is_named_with_its_position_and_who_acts() {
        let step = json!({"index": 1, "of": 3, "name": "复审", "role": "leader"});
        assert_eq!(step_words(&step), "复审（第 2 步，共 3 步，审批领导办理）");
        assert_eq!(step_words(&Value::Null), "");
    }

    #[test]
    fn a_deemed_or_referred_opinion_says_so() {
        assert_eq!(
            opinion_words(&json!({"outcome": "approved", "deemed": true})),
            "同意（视为同意）"
        );
        assert_eq!(
            opinion_words(&json!({"outcome": "approved", "referred": true})),
            "同意（提请上级审定）"
        );
        assert_eq!(opinion_words(&json!({"outcome": "denied"})), "不同意");
        assert_eq!(opinion_words(&json!({"outcome": null})), "");
    }

    #[test]
    fn the_holder_of_a_task_is_named_and_the_caller_recognised() {
        assert_eq!(holder(None, "r-1"), "未认领");
        assert_eq!(holder(Some("r-1"), "r-1"), "本人（r-1）");
        assert_eq!(holder(Some("r-2"), "r-1"), "r-2");
    }
}
