//! Printable notices (文书): the acceptance notice, the one-time supplement notice
//! (一次性告知书), the refusal (不予受理) and the termination notice of a case, as issued, for
//! the window to print and hand over or the applicant to keep. Whoever may read the case may
//! read its notices; the API decides.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::Value;

use crate::{
    Portal,
    error::PageError,
    layout::{Ctx, Layout},
    text,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/notices/{case}/{notice}", web::get().to(notice));
}

/// The heading of a notice of `kind`.
pub(crate) fn heading(kind: &str) -> &'static str {
    match kind {
        "acceptance" => "受理通知书",
        "rejection" => "不予受理通知书",
        "supplement" => "补正材料一次性告知书",
        "termination" => "终止办理通知书",
        _ => "通知书",
    }
}

/// The body of a notice as lines of text, whatever its kind.
pub(crate) fn lines(kind: &str, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match kind {
        "acceptance" => {
            out.push(format!(
                "您于 {} 提交的申请，经审查，申请材料齐全、符合法定形式，决定予以受理。",
                text::t(body, "accepted_at")
            ));
            let limit = text::limit(&body["committed_limit"]);
            if !limit.is_empty() {
                out.push(format!("本机关承诺在受理之日起 {limit}内作出决定。"));
            }
            if let Some(missing) = body["tolerated_materials"]
                .as_array()
                .filter(|m| !m.is_empty())
            {
                let names: Vec<&str> = missing.iter().filter_map(Value::as_str).collect();
                out.push(format!(
                    "容缺受理：请于 {} 个工作日内补齐：{}。",
                    text::s(body, "commitment_working_days"),
                    names.join("、")
                ));
            }
        }
        "rejection" => {
            out.push(format!(
                "经审查，决定不予受理。理由：{}",
                text::s(body, "reason")
            ));
            out.push(format!("依据：{}", text::s(body, "legal_basis")));
            out.push("如不服本决定，可依法申请行政复议或者提起行政诉讼。".to_owned());
        }
        "supplement" => {
            out.push(
                "经审查，您的申请材料不齐全或者不符合法定形式，请一次性补正以下内容：".to_owned(),
            );
            for (i, line) in body["lines"].as_array().into_iter().flatten().enumerate() {
                out.push(format!("{}. {}", i + 1, line.as_str().unwrap_or_default()));
            }
            let note = text::s(body, "note");
            if !note.is_empty() {
                out.push(note);
            }
        }
        "termination" => {
            out.push(format!("本件终止办理。理由：{}", text::s(body, "reason")));
        }
        _ => {}
    }
    out
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    l: Layout,
    heading: &'static str,
    number: String,
    matter: String,
    applicant: String,
    lines: Vec<String>,
    issued: String,
    code: String,
    back: String,
}

async fn notice(
    req: HttpRequest,
    portal: web::Data<Portal>,
    client: web::Data<awc::Client>,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
) -> Result<HttpResponse, PageError> {
    let ctx = Ctx::new(&req, &portal, &client).await;
    let session = ctx.signed_in()?;
    let (case_id, notice_id) = path.into_inner();
    let c = ctx.api.get(&format!("/api/v1/cases/{case_id}")).await?;
    let n = c["notices"]
        .as_array()
        .and_then(|all| all.iter().find(|n| n["id"] == notice_id.to_string()))
        .cloned()
        .ok_or(PageError::NotFound)?;
    let kind = n["kind"].as_str().unwrap_or_default();
    // Issued to the applicant by name: the revealed name for handling staff, else as masked.
    let applicant = c["applicant"]["revealed"]["name"]
        .as_str()
        .map_or_else(|| text::s(&c["applicant"], "name"), str::to_owned);
    let back = if session.is_applicant() {
        format!("/my/cases/{case_id}")
    } else {
        format!("/counter/cases/{case_id}")
    };
    ctx.render(&NoticePage {
        l: ctx.layout(heading(kind)),
        heading: heading(kind),
        number: text::s(&c, "case_number"),
        matter: text::s(&c["matter"], "name"),
        applicant,
        lines: lines(kind, &n["body"]),
        issued: text::t(&n, "issued_at"),
        code: text::s(&n, "verification_code"),
        back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_supplement_notice_lists_every_item_numbered() {
        let body =
            json!({"lines": ["营业执照：已过期", "平面图：缺少包厢分布"], "note": "请一次性补正"});
        assert_eq!(
            lines("supplement", &body)[1..],
            [
                "1. 营业执照：已过期",
                "2. 平面图：缺少包厢分布",
                "请一次性补正"
            ]
        );
        assert_eq!(heading("supplement"), "补正材料一次性告知书");
    }

    #[test]
    fn a_refusal_names_its_reason_basis_and_remedies() {
        let body =
            json!({"reason": "不属于本机关职权范围", "legal_basis": "《行政许可法》第三十二条"});
        let text = lines("rejection", &body).join("\n");
        assert!(text.contains("不属于本机关职权范围"));
        assert!(text.contains("《行政许可法》第三十二条"));
        assert!(text.contains("行政复议"));
    }
}
