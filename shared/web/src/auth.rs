//! The authenticated principal, as forwarded by the gateway.
//!
//! The gateway verifies the caller (OIDC/JWT, API key, development issuer) and forwards the
//! principal to services in the `X-Govhall-Principal` header as a short-lived HS256 token
//! signed with the internal key that only the gateway and the services hold. A caller that
//! sets the header itself cannot sign it, so services trust nothing else.

use std::{future::Ready, sync::Arc};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::Problem;

/// Header carrying the signed principal from the gateway to a service.
pub const PRINCIPAL_HEADER: &str = "x-govhall-principal";
const AUDIENCE: &str = "govhall-internal";
const ISSUER: &str = "govhall-gateway";

/// What kind of party is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A natural person (自然人).
    Citizen,
    /// A company or organisation (法人).
    LegalPerson,
    /// Government staff.
    Staff,
    /// A system calling the API.
    Integrator,
}

/// Staff roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Counter clerk at a physical hall (窗口人员).
    WindowClerk,
    /// Department reviewer (审核人员).
    Reviewer,
    /// Leader who signs off (审批领导).
    Leader,
    /// Supervisor (电子监察).
    Supervisor,
    /// Administrator.
    Admin,
}

/// The verified caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Principal {
    /// Stable subject id (never an ID card number).
    pub sub: String,
    /// Kind of party.
    pub kind: PrincipalKind,
    /// Staff roles.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Division code (staff).
    #[serde(default)]
    pub division: Option<String>,
    /// Department code (staff).
    #[serde(default)]
    pub department: Option<String>,
}

impl Principal {
    /// Does the principal hold `role`?
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// 403 unless the principal holds `role`.
    pub fn require(&self, role: Role) -> Result<(), Problem> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!("role {role:?} required")))
        }
    }
}

/// The internal signing key shared by the gateway and the services.
#[derive(Clone)]
pub struct InternalKey(Arc<Vec<u8>>);

impl std::fmt::Debug for InternalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InternalKey(***)")
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    #[serde(flatten)]
    principal: Principal,
    aud: String,
    iss: String,
    exp: i64,
    iat: i64,
}

impl InternalKey {
    /// A key from secret bytes (at least 32).
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self(Arc::new(secret.into()))
    }

    /// Signs a principal for forwarding (valid two minutes).
    pub fn sign(&self, principal: &Principal) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            principal: principal.clone(),
            aud: AUDIENCE.into(),
            iss: ISSUER.into(),
            exp: now + 120,
            iat: now,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.0),
        )?)
    }

    /// Verifies a forwarded principal.
    pub fn verify(&self, token: &str) -> Result<Principal, Problem> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&self.0), &validation)
            .map(|data| data.claims.principal)
            .map_err(|_| Problem::unauthorized("invalid principal"))
    }
}

impl FromRequest for Principal {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(principal_of(req).map_err(Into::into))
    }
}

fn principal_of(req: &HttpRequest) -> Result<Principal, Problem> {
    let key = req.app_data::<web::Data<InternalKey>>().ok_or_else(|| {
        tracing::error!("InternalKey missing from app data");
        Problem::internal()
    })?;
    let token = req
        .headers()
        .get(PRINCIPAL_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Problem::unauthorized("login required"))?;
    key.verify(token)
}

/// An optional principal: `None` for anonymous calls, 401 for a forged header.
#[derive(Debug, Clone)]
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequest for MaybePrincipal {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = if req.headers().contains_key(PRINCIPAL_HEADER) {
            principal_of(req)
                .map(|p| MaybePrincipal(Some(p)))
                .map_err(Into::into)
        } else {
            Ok(MaybePrincipal(None))
        };
        std::future::ready(result)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn clerk() -> Principal {
        Principal {
            sub: "u1".into(),
            kind: PrincipalKind::Staff,
            roles: vec![Role::WindowClerk],
            division: Some("320102".into()),
            department: None,
        }
    }

    #[test]
    fn a_principal_signed_with_the_key_verifies() {
        let key = InternalKey::new(vec![7u8; 32]);
        let token = key.sign(&clerk()).unwrap();
        assert_eq!(key.verify(&token).unwrap(), clerk());
    }

    #[test]
    fn a_principal_signed_with_another_key_is_rejected() {
        let token = InternalKey::new(vec![1u8; 32]).sign(&clerk()).unwrap();
        let err = InternalKey::new(vec![2u8; 32]).verify(&token).unwrap_err();
        assert_eq!(err.status, 401);
    }
}
