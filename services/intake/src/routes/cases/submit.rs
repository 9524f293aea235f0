//! `POST /api/v1/cases`: submit an application.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use govhall_bus::outbox;
use govhall_contracts::{Envelope, envelope::Origin, events::intake::CaseSubmitted};
use govhall_web::{
    FieldError, Principal, PrincipalKind, Problem, RequestContext, Role, ValidatedJson,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, SqlErr, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{CaseError, CaseOut};
use crate::{
    SERVICE,
    domain::{CaseState, Channel, IdNumber, matters},
    startup::AppState,
    store::{cases, idempotency},
};

/// An application.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"matter_code": "11320102MB1234567X4000117001", "applicant": {"name": "张三", "id_number": "11010519491231002X"}}))]
pub struct CaseIn {
    /// Matter implementation code.
    #[validate(length(min = 1, max = 64, message = "请填写事项编码"))]
    pub matter_code: String,
    /// Channel; defaults from the caller (window for clerks, api for integrators, pc otherwise).
    pub channel: Option<Channel>,
    /// The applicant (a natural person here; legal persons arrive with the intake issue).
    #[validate(nested)]
    pub applicant: ApplicantIn,
}

/// An applicant.
#[derive(Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ApplicantIn {
    /// Full name.
    #[validate(length(min = 1, max = 100, message = "请填写申请人姓名"))]
    pub name: String,
    /// Resident ID card number (checked with the GB 11643 check character).
    #[validate(custom(function = "valid_id_number"))]
    pub id_number: String,
}

impl std::fmt::Debug for ApplicantIn {
    // Personal data never reaches a log, not even through a `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicantIn")
            .field("name", &"***")
            .field(
                "id_number",
                &crate::domain::id_number::mask(&self.id_number),
            )
            .finish()
    }
}

fn valid_id_number(s: &str) -> Result<(), validator::ValidationError> {
    IdNumber::parse(s).map(|_| ()).map_err(|e| {
        validator::ValidationError::new("id_number")
            .with_message(format!("身份证号码无效：{e}").into())
    })
}

/// Header carrying the idempotency key of a create request.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Submits an application. With an `Idempotency-Key`, a repeated request returns the case
/// the first one created.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", operation_id = "submit_case",
    request_body = CaseIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: same key, same case")),
    responses(
        (status = 201, description = "Submitted", body = CaseOut),
        (status = 200, description = "Replay of an earlier request with the same Idempotency-Key", body = CaseOut),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to apply", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = Problem, content_type = "application/problem+json"),
    ))]
#[tracing::instrument(skip_all, fields(principal.sub = %principal.sub))]
pub async fn submit_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    ctx: RequestContext,
    body: ValidatedJson<CaseIn>,
) -> Result<HttpResponse, CaseError> {
    let input = body.into_inner();
    let channel = match principal.kind {
        PrincipalKind::Staff => {
            if !principal.has_role(Role::WindowClerk) {
                return Err(CaseError::Forbidden(
                    "only window clerks submit for applicants",
                ));
            }
            Channel::Window
        }
        PrincipalKind::Integrator => Channel::Api,
        PrincipalKind::Citizen | PrincipalKind::LegalPerson => input.channel.unwrap_or(Channel::Pc),
    };
    let matter = matters::find(&input.matter_code).ok_or_else(|| {
        CaseError::Invalid(Problem::validation(vec![FieldError {
            field: "matter_code".into(),
            message: "没有这个事项".into(),
            code: "unknown_matter".into(),
        }]))
    })?;
    let key = idempotency_key(&req)?;
    let request_hash = fnv1a(&serde_json::to_vec(&input).map_err(anyhow::Error::from)?);
    if let Some(key) = &key
        && let Some(replay) = replay(&state.db, &principal, key, &request_hash).await?
    {
        return Ok(replay);
    }
    let id_number = IdNumber::parse(&input.applicant.id_number).map_err(|e| {
        CaseError::Invalid(Problem::bad_request("invalid_id_number", e.to_string()))
    })?;

    for _attempt in 0..3 {
        let now = Utc::now().fixed_offset();
        let case_id = Uuid::now_v7();
        let case_number = new_case_number(matter.division_code, now);
        let txn = state.db.begin().await?;
        let inserted = cases::ActiveModel {
            id: Set(case_id),
            case_number: Set(case_number.clone()),
            matter_code: Set(matter.code.into()),
            matter_version: Set(1),
            division_code: Set(matter.division_code.into()),
            channel: Set(channel.as_str().into()),
            applicant_kind: Set("natural_person".into()),
            applicant_name: Set(input.applicant.name.clone()),
            applicant_id_number: Set(id_number.as_str().into()),
            submitted_by: Set(principal.sub.clone()),
            state: Set(CaseState::Submitted.as_str().into()),
            outcome: Set(None),
            plan: Set(None),
            due_at: Set(None),
            version: Set(1),
            submitted_at: Set(now),
            accepted_at: Set(None),
            decided_at: Set(None),
            completed_at: Set(None),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await;
        let case = match inserted {
            Ok(case) => case,
            // A case number collision: draw another number.
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => continue,
            Err(e) => return Err(e.into()),
        };
        if let Some(key) = &key {
            let used = idempotency::ActiveModel {
                subject: Set(principal.sub.clone()),
                key: Set(key.clone()),
                request_hash: Set(request_hash.clone()),
                case_id: Set(case_id),
                created_at: Set(now),
            }
            .insert(&txn)
            .await;
            if let Err(e) = used {
                if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
                    // A concurrent request with the same key won: answer with its case.
                    txn.rollback().await?;
                    return replay(&state.db, &principal, key, &request_hash)
                        .await?
                        .ok_or_else(|| {
                            CaseError::Unexpected(anyhow::anyhow!("idempotency row vanished"))
                        });
                }
                return Err(e.into());
            }
        }
        let event = CaseSubmitted {
            case_id,
            case_number,
            matter_code: matter.code.into(),
            division_code: matter.division_code.into(),
            channel: channel.as_str().into(),
            submitted_at: now,
        };
        let origin = Origin {
            producer: SERVICE,
            correlation_id: case_id,
            causation_id: None,
            traceparent: Some(ctx.trace.header()),
            division_code: matter.division_code.into(),
        };
        outbox::enqueue(
            &txn,
            &[Envelope::wrap(&event, origin).map_err(anyhow::Error::from)?],
        )
        .await?;
        txn.commit().await?;
        state.relay.notify();
        tracing::info!(case.id = %case_id, "case submitted");
        return Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/cases/{case_id}")))
            .json(CaseOut::from(case)));
    }
    Err(CaseError::Unexpected(anyhow::anyhow!(
        "could not draw a free case number"
    )))
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, CaseError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 128 => Ok(Some(k.to_owned())),
        _ => Err(CaseError::Invalid(Problem::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 128 visible ASCII characters",
        ))),
    }
}

async fn replay(
    db: &DatabaseConnection,
    principal: &Principal,
    key: &str,
    request_hash: &str,
) -> Result<Option<HttpResponse>, CaseError> {
    let Some(used) = idempotency::find(db, &principal.sub, key).await? else {
        return Ok(None);
    };
    if used.request_hash != request_hash {
        return Err(CaseError::Invalid(Problem::validation(vec![FieldError {
            field: "Idempotency-Key".into(),
            message: "this key was already used for a different request".into(),
            code: "idempotency_key_reused".into(),
        }])));
    }
    let case = cases::find(db, used.case_id)
        .await?
        .ok_or_else(|| CaseError::Unexpected(anyhow::anyhow!("idempotent case missing")))?;
    Ok(Some(
        HttpResponse::Ok()
            .insert_header(("Idempotent-Replayed", "true"))
            .json(CaseOut::from(case)),
    ))
}

/// Case number: division code, date (Asia/Shanghai) and six random digits.
fn new_case_number(division: &str, now: chrono::DateTime<chrono::FixedOffset>) -> String {
    use rand::Rng;
    let local =
        now.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(*now.offset()));
    format!(
        "{division}{}{:06}",
        local.format("%Y%m%d"),
        rand::rng().random_range(0..1_000_000)
    )
}

/// FNV-1a 64-bit: a stable hash of the request body (stable across releases, unlike
/// `DefaultHasher`), enough to tell a replay from a different request.
fn fnv1a(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_an_application_hides_the_applicant() {
        let input = ApplicantIn {
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
        };
        let shown = format!("{input:?}");
        assert!(
            !shown.contains("张三") && !shown.contains("11010519491231002X"),
            "{shown}"
        );
        assert!(shown.contains("110105********002X"));
    }
}
