//! Helpers every intake handler shares: the service context, idempotency keys, `If-Match`.

use std::sync::Arc;

use actix_web::HttpRequest;
use chrono::{DateTime, FixedOffset, Offset};
use govhall_runtime::clock::Clock;
use govhall_web::FieldError;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, SqlErr};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::IntakeError;
use crate::{files::Files, store::idempotency};

/// What intake handlers need beyond the database: time and the material store.
pub struct Intake {
    /// "Now" (tests move it).
    pub clock: Arc<dyn Clock>,
    /// Where material files live.
    pub files: Files,
}

impl Intake {
    /// The current time, with the China Standard Time offset (for dates on notices).
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().with_timezone(&cst())
    }
}

/// China Standard Time (UTC+8), the offset of every date shown to applicants.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// Header carrying the idempotency key of a create request.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The `Idempotency-Key` of a request, if it sent one.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, IntakeError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 128 => Ok(Some(k.to_owned())),
        _ => Err(IntakeError::field(
            IDEMPOTENCY_KEY,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 128 visible ASCII characters",
        )),
    }
}

/// SHA-256 of a request body, hex.
pub fn request_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// An earlier use of the key: the resource it created, or 422 when the body differs.
pub async fn replayed(
    db: &DatabaseConnection,
    subject: &str,
    scope: &str,
    key: Option<&str>,
    hash: &str,
) -> Result<Option<Uuid>, IntakeError> {
    let Some(key) = key else { return Ok(None) };
    match idempotency::find(db, subject, scope, key).await? {
        None => Ok(None),
        Some(used) if used.request_hash == hash => Ok(Some(used.resource_id)),
        Some(_) => Err(IntakeError::Fields(vec![FieldError {
            field: IDEMPOTENCY_KEY.into(),
            message: "this key was already used for a different request".into(),
            code: "idempotency_key_reused".into(),
        }])),
    }
}

/// Records the key inside the creating transaction. `Ok(false)`: a concurrent request with
/// the same key won; roll back and replay it.
pub async fn remember(
    txn: &impl ConnectionTrait,
    subject: &str,
    scope: &str,
    key: Option<&str>,
    hash: &str,
    resource_id: Uuid,
    now: DateTime<FixedOffset>,
) -> Result<bool, IntakeError> {
    let Some(key) = key else { return Ok(true) };
    let row = idempotency::ActiveModel {
        subject: Set(subject.into()),
        scope: Set(scope.into()),
        key: Set(key.into()),
        request_hash: Set(hash.into()),
        resource_id: Set(resource_id),
        created_at: Set(now),
    };
    match row.insert(txn).await {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The version the caller last saw: `If-Match: "3"` (or `W/"3"`), else `version` in the
/// body, else none (the update is still guarded by the version just read).
pub fn expected_version(req: &HttpRequest, body: Option<i32>) -> Result<Option<i32>, IntakeError> {
    if let Some(value) = req.headers().get(actix_web::http::header::IF_MATCH) {
        let text = value.to_str().unwrap_or_default().trim();
        let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
        return text.parse::<i32>().map(Some).map_err(|_| {
            IntakeError::field(
                "If-Match",
                "invalid_if_match",
                "If-Match must be the ETag of the resource, e.g. \"3\"",
            )
        });
    }
    Ok(body)
}

/// The ETag of a version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The offset and size of a requested page: `page` from 1, `per_page` 1–100 (20 by
/// default); out of range is a 422 naming the parameter, not silently clamped.
pub fn paging(page: Option<u32>, per_page: Option<u32>) -> Result<(u64, u64), IntakeError> {
    let per_page = per_page.unwrap_or(20);
    if !(1..=100).contains(&per_page) {
        return Err(IntakeError::field(
            "per_page",
            "out_of_range",
            "per_page must be 1 to 100",
        ));
    }
    let page = page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(IntakeError::field(
            "page",
            "out_of_range",
            "page must be 1 to 100000",
        ));
    }
    Ok((
        (u64::from(page) - 1) * u64::from(per_page),
        u64::from(per_page),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_out_of_range_are_refused_not_clamped() {
        assert_eq!(paging(None, None).ok(), Some((0, 20)));
        assert_eq!(paging(Some(3), Some(50)).ok(), Some((100, 50)));
        assert!(paging(None, Some(0)).is_err());
        assert!(paging(None, Some(101)).is_err());
        assert!(paging(Some(0), None).is_err());
    }
}
