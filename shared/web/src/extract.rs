//! `ValidatedJson<T>`: JSON body parsed with field paths in its errors, then validated.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::StatusCode, web};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::problem::{FieldError, Problem, payload_too_large};

/// A JSON request body that deserialised and passed its `validator` rules.
#[derive(Debug)]
pub struct ValidatedJson<T>(pub T);

impl<T> ValidatedJson<T> {
    /// The inner value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidatedJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = JsonBytes::from_request(req, payload);
        Box::pin(async move {
            let JsonBytes(bytes) = body.await?;
            let value = parse::<T>(&bytes)?;
            value
                .validate()
                .map_err(|errors| Problem::validation(flatten(&errors)))?;
            Ok(ValidatedJson(value))
        })
    }
}

/// A JSON request body kept as bytes, for handlers that need the raw body (to hash it for
/// an `Idempotency-Key`, say) before parsing it with [`parse`]: 415 for another media type,
/// 413 when too large, as problem+json.
#[derive(Debug)]
pub struct JsonBytes(pub web::Bytes);

/// Does the request declare a JSON body (`application/json` or `…+json`)?
fn declares_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let ct = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            ct == "application/json" || ct.ends_with("+json")
        })
        .unwrap_or(false)
}

impl FromRequest for JsonBytes {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = declares_json(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "请求体须为 JSON",
                )
                .with_detail("Content-Type must be application/json")
                .into());
            }
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    actix_web::Error::from(payload_too_large())
                } else {
                    Problem::bad_request("unreadable_body", e.to_string()).into()
                }
            })?;
            Ok(JsonBytes(bytes))
        })
    }
}

/// A JSON request body: 415 for another media type, 413 when too large, 400 when it is not
/// JSON, 422 naming the field when it does not fit `T`. Use it instead of `web::Json`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The inner value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = JsonBytes::from_request(req, payload);
        Box::pin(async move {
            let JsonBytes(bytes) = body.await?;
            Ok(Json(parse::<T>(&bytes)?))
        })
    }
}

/// Numbers JSON writes with a fraction of zero (`3.0`) are integers as far as JSON and JSON
/// Schema go; serde would refuse them for an integer field.
fn integral(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Exact: every integer below 2^53 is a float without loss.
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "checked: integral and below 2^53"
                )]
                let i = f as i64;
                *value = serde_json::Value::from(i);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integral),
        _ => {}
    }
}

/// Parses JSON, turning type errors into 422 naming the field and syntax errors into 400.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Problem::bad_request("malformed_json", e.to_string()))?;
    integral(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        // serde reports a missing field at its parent's path; name the field itself.
        let field = match message
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            Some(name) if path == "." => name.to_owned(),
            Some(name) => format!("{path}.{name}"),
            None => path,
        };
        let code = if message.starts_with("missing field") {
            "required"
        } else {
            "invalid_type"
        };
        Problem::validation(vec![FieldError {
            field,
            message: strip_position(&message),
            code: code.into(),
        }])
    })
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Flattens nested `validator` errors into field paths (`a.b`, `list[2].c`).
pub fn flatten(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    walk(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn walk(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    out.push(FieldError {
                        field: path.clone(),
                        message: e
                            .message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| format!("failed rule `{}`", e.code)),
                        code: e.code.to_string(),
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => walk(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    walk(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    struct Inner {
        #[validate(length(min = 1, message = "must not be empty"))]
        name: String,
    }

    #[derive(Debug, Deserialize, Validate)]
    struct Outer {
        #[validate(nested)]
        items: Vec<Inner>,
        #[allow(dead_code)]
        count: u32,
    }

    #[test]
    fn a_wrong_type_names_the_field_path() {
        let p = parse::<Outer>(br#"{"items":[{"name":"a"}],"count":"x"}"#).unwrap_err();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "count");
        assert_eq!(p.errors[0].code, "invalid_type");
    }

    #[test]
    fn a_missing_nested_field_names_its_full_path() {
        let p = parse::<Outer>(br#"{"items":[{}],"count":1}"#).unwrap_err();
        assert_eq!(p.errors[0].field, "items[0].name");
        assert_eq!(p.errors[0].code, "required");
    }

    #[test]
    fn integral_floats_fit_integer_fields_and_fractions_name_the_field() {
        let v = parse::<Outer>(br#"{"items":[],"count":3.0}"#).unwrap();
        assert_eq!(v.count, 3);
        let problem = parse::<Outer>(br#"{"items":[],"count":2.5}"#).unwrap_err();
        assert_eq!(
            (problem.status, problem.errors[0].field.as_str()),
            (422, "count")
        );
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert_eq!(parse::<Outer>(b"{").unwrap_err().status, 400);
    }

    #[test]
    fn nested_rule_failures_are_flattened_with_indexes() {
        let v = parse::<Outer>(br#"{"items":[{"name":"a"},{"name":""}],"count":1}"#).unwrap();
        let errs = flatten(&v.validate().unwrap_err());
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "items[1].name");
        assert_eq!(errs[0].message, "must not be empty");
    }
}
