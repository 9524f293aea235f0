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
