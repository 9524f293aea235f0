//! Every action on a task (claim, release, assign, opinion, send back, supplement, and the
//! lead department's suspend, resume, return to the window, add or remove a co-department).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::{
    refusal, reviewer,
    task::{departments_of, render_task},
};
use crate::{
    Portal,
    error::PageError,
    hall::with_ok,
    layout::{Ctx, Fields, see_other},
    text,
};

/// What was typed into the form that failed, to show it again.
#[derive(Default)]
pub(super) struct Kept {
    pub(super) action: String,
    pub(super) outcome: String,
    pub(super) comment: String,
    pub(super) assignee: String,
    pub(super) assign_reason: String,
    pub(super) to_step: String,
    pub(super) sendback_reason: String,
    pub(super) items: String,
    pub(super) add_department: String,
    pub(super) other_code: String,
    pub(super) other_name: String,
    pub(super) working_days: String,
    pub(super) add_reason: String,
    pub(super) remove_department: String,
    pub(super) remove_reason: String,
    pub(super) return_reason: String,
    pub(super) procedure: String,
    pub(super) legal_basis: String,
    pub(super) suspend_comment: String,
}

impl Kept {
    fn from(action: &str, posted: &Fields) -> Self {
        let g = |name: &str| posted.get(name).unwrap_or_default().to_owned();
        Self {
            action: action.to_owned(),
            outcome: g("outcome"),
            comment: g("comment"),
            assignee: g("assignee"),
            assign_reason: g("assign_reason"),
            to_step: g("to_step"),
            sendback_reason: g("sendback_reason"),
            items: g("items"),
            add_department: g("add_department"),
            other_code: g("other_code"),
            other_name: g("other_name"),
            working_days: g("working_days"),
            add_reason: g("add_reason"),
            remove_department: g("remove_department"),
            remove_reason: g("remove_reason"),
            return_reason: g("return_reason"),
            procedure: g("procedure"),
            legal_basis: g("legal_basis"),
            suspend_comment: g("suspend_comment"),
        }
    }
}

/// Every action on a task, by the last segment of its path.
pub(super) async fn task_action(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let posted = Fields(posted.into_inner());
    ctx.check_csrf(&req, posted.get("_csrf"))?;
    let session = reviewer(&ctx)?;
    let (id, action) = path.into_inner();
    let version = posted.get("version").and_then(|v| v.parse::<i64>().ok());
    let review = posted
        .get("review")
        .and_then(|r| uuid::Uuid::parse_str(r).ok());
    let mut body = Map::new();
    if let Some(v) = version {
        body.insert("version".into(), Value::from(v));
    }
    let put = |body: &mut Map<String, Value>, key: &str, name: &str| {
        if let Some(v) = posted.get(name) {
            body.insert(key.into(), Value::String(v.to_owned()));
        }
    };
    let review_path = |tail: &str| -> Result<String, PageError> {
        review
            .map(|r| format!("/api/v1/reviews/{r}{tail}"))
            .ok_or_else(|| PageError::bad_form("review id missing"))
    };
    let (api_path, flash) = match action.as_str() {
        "claim" => (format!("/api/v1/tasks/{id}/claim"), "claimed"),
        "release" => (format!("/api/v1/tasks/{id}/release"), "released"),
        "assignment" => {
            put(&mut body, "assignee", "assignee");
            put(&mut body, "reason", "assign_reason");
            (format!("/api/v1/tasks/{id}/assignment"), "assigned")
        }
        "opinion" => {
            let outcome = posted.get("outcome").unwrap_or_default();
            let comment = posted.get("comment").unwrap_or_default();
            // A co-department's refusal without a reason would be recorded as agreement
            // (视为同意): ask for the reason rather than let that happen unnoticed.
            if posted.get("co") == Some("1") && outcome == "disagree" && comment.is_empty() {
                return render_task(
                    &ctx,
                    id,
                    vec!["不同意须说明理由；未说明理由的不同意意见将按同意处理。".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            }
            if outcome.is_empty() {
                return render_task(
                    &ctx,
                    id,
                    vec!["请选择审查意见".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            }
            body.insert("outcome".into(), Value::String(outcome.to_owned()));
            body.insert("comment".into(), Value::String(comment.to_owned()));
            (format!("/api/v1/tasks/{id}/opinion"), "opinion")
        }
        "suspension" => {
            body.insert("outcome".into(), Value::String("suspend".into()));
            put(&mut body, "procedure", "procedure");
            put(&mut body, "legal_basis", "legal_basis");
            body.insert(
                "comment".into(),
                Value::String(posted.get("suspend_comment").unwrap_or_default().to_owned()),
            );
            (format!("/api/v1/tasks/{id}/opinion"), "review_suspended")
        }
        "send-back" => {
            let Some(to_step) = posted.get("to_step").and_then(|s| s.parse::<u64>().ok()) else {
                return render_task(
                    &ctx,
                    id,
                    vec!["请选择退回到的审查环节".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            };
            body.insert("to_step".into(), Value::from(to_step));
            body.insert(
                "reason".into(),
                Value::String(posted.get("sendback_reason").unwrap_or_default().to_owned()),
            );
            (format!("/api/v1/tasks/{id}/send-back"), "sent_back")
        }
        "supplement" => {
            let items = lines(posted.get("items").unwrap_or_default());
            body.insert("items".into(), json!(items));
            (
                format!("/api/v1/tasks/{id}/supplement-request"),
                "supplement_requested",
            )
        }
        "departments" => {
            let chosen = posted.get("add_department");
            let (code, name) = match chosen {
                Some(code) if code != "other" => {
                    let division = session.principal.division.clone().unwrap_or_default();
                    let name = departments_of(&ctx, &division)
                        .await
                        .into_iter()
                        .find(|(c, _)| c == code)
                        .map(|(_, n)| n)
                        .unwrap_or_default();
                    (code.to_owned(), name)
                }
                _ => (
                    posted.get("other_code").unwrap_or_default().to_owned(),
                    posted.get("other_name").unwrap_or_default().to_owned(),
                ),
            };
            body.remove("version");
            body.insert("department_code".into(), Value::String(code));
            body.insert("name".into(), Value::String(name));
            if let Some(days) = posted
                .get("working_days")
                .and_then(|d| d.parse::<u32>().ok())
            {
                body.insert("working_days".into(), Value::from(days));
            }
            body.insert(
                "reason".into(),
                Value::String(posted.get("add_reason").unwrap_or_default().to_owned()),
            );
            (review_path("/departments")?, "department_added")
        }
        "removal" => {
            let Some(code) = posted.get("remove_department") else {
                return render_task(
                    &ctx,
                    id,
                    vec!["请选择要减签的部门".to_owned()],
                    Kept::from(&action, &posted),
                )
                .await;
            };
            body.remove("version");
            body.insert(
                "reason".into(),
                Value::String(posted.get("remove_reason").unwrap_or_default().to_owned()),
            );
            (
                review_path(&format!(
                    "/departments/{}/removal",
                    text::url_encode(code).replace('+', "%20")
                ))?,
                "department_removed",
            )
        }
        "resumption" => {
            body.remove("version");
            (review_path("/resumption")?, "review_resumed")
        }
        "return-to-window" => {
            body.remove("version");
            body.insert(
                "reason".into(),
                Value::String(posted.get("return_reason").unwrap_or_default().to_owned()),
            );
            (review_path("/return-to-window")?, "returned_to_window")
        }
        _ => return Err(PageError::NotFound),
    };
    match ctx.api.post(&api_path, &Value::Object(body)).await {
        Ok(_) => Ok(see_other(&with_ok(&format!("/review/tasks/{id}"), flash))),
        Err(e) if e.status() == Some(422) => {
            render_task(&ctx, id, refusal(&e), Kept::from(&action, &posted)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Supplement items, one a line.
fn lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supplement_items_are_the_non_blank_lines() {
        assert_eq!(
            lines("补充环评登记表\r\n\n  补正总平面图  \n"),
            ["补充环评登记表", "补正总平面图"]
        );
        assert!(lines("  \n").is_empty());
    }
}
