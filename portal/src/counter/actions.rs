//! What a posted counter action sends to the API (pure: checked before any call).

use serde_json::{Value, json};

use crate::layout::Fields;

/// What a posted action sends to the API, or why the form is incomplete.
pub(super) fn action_body(
    action: &str,
    posted: &Fields,
) -> Result<(String, Value, &'static str), String> {
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
