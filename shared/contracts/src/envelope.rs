//! The message envelope shared by every event on the bus.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::ToSchema;
use uuid::Uuid;

/// A typed event payload with its wire name and schema version. Its JSON Schema
/// ([`ToSchema`]) documents it in the AsyncAPI description of the bus.
pub trait Event: Serialize + DeserializeOwned + ToSchema + Send + Sync {
    /// Message type, also the routing key (see [`crate::routing`]).
    const TYPE: &'static str;
    /// Version of the payload schema.
    const VERSION: u16;
}

/// The wrapper every message travels in (the JSON body of an AMQP message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Envelope {
    /// Unique message id (UUIDv7, time ordered); consumers de-duplicate on it.
    pub message_id: Uuid,
    /// Message type, e.g. `intake.case.submitted`; used as the routing key.
    #[serde(rename = "type")]
    pub message_type: String,
    /// Version of the payload schema.
    pub schema_version: u16,
    /// When the fact happened (RFC 3339 with offset).
    pub occurred_at: DateTime<FixedOffset>,
    /// Producing service, e.g. `intake`.
    pub producer: String,
    /// Correlation id: the case id the message belongs to.
    pub correlation_id: Uuid,
    /// The message that caused this one, if any.
    pub causation_id: Option<Uuid>,
    /// W3C trace context of the operation that produced the message.
    pub traceparent: Option<String>,
    /// Administrative division code (GB/T 2260) the case belongs to.
    pub division_code: String,
    /// The event payload.
    pub payload: serde_json::Value,
    /// The division a hand-over between levels or regions is addressed to; it ends the
    /// routing key (`joint.stage.sent.320200`), so that a shovel or federation link between
    /// two deployments' brokers can forward exactly what is addressed to the other side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Where a new message comes from: producer, case, cause and trace.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Producing service.
    pub producer: &'static str,
    /// Case id (correlation id).
    pub correlation_id: Uuid,
    /// Causing message, if the message is a reaction to another.
    pub causation_id: Option<Uuid>,
    /// W3C traceparent of the current span, if any.
    pub traceparent: Option<String>,
    /// Division code of the case.
    pub division_code: String,
}

impl Origin {
    /// An origin caused by `cause`: same case, division and trace.
    pub fn caused_by(producer: &'static str, cause: &Envelope) -> Self {
        Self {
            producer,
            correlation_id: cause.correlation_id,
            causation_id: Some(cause.message_id),
            traceparent: cause.traceparent.clone(),
            division_code: cause.division_code.clone(),
        }
    }
}

impl Envelope {
    /// Wraps an event, with a fresh UUIDv7 message id and the current time.
    pub fn wrap<E: Event>(event: &E, origin: Origin) -> Result<Self, serde_json::Error> {
        Ok(Self {
            message_id: Uuid::now_v7(),
            message_type: E::TYPE.to_owned(),
            schema_version: E::VERSION,
            occurred_at: Utc::now().fixed_offset(),
            producer: origin.producer.to_owned(),
            correlation_id: origin.correlation_id,
            causation_id: origin.causation_id,
            traceparent: origin.traceparent,
            division_code: origin.division_code,
            payload: serde_json::to_value(event)?,
            address: None,
        })
    }

    /// The same message addressed to `division` (see [`Envelope::address`]).
    #[must_use]
    pub fn addressed_to(mut self, division: &str) -> Self {
        self.address = Some(division.to_owned());
        self
    }

    /// Routing key on the topic exchange: the message type, then the address if any.
    pub fn routing_key(&self) -> std::borrow::Cow<'_, str> {
        match &self.address {
            Some(a) => format!("{}.{a}", self.message_type).into(),
            None => self.message_type.as_str().into(),
        }
    }

    /// True when this envelope carries an `E`.
    pub fn is<E: Event>(&self) -> bool {
        self.message_type == E::TYPE
    }

    /// Decodes the payload as `E`.
    pub fn decode<E: Event>(&self) -> Result<E, serde_json::Error> {
        E::deserialize(&self.payload)
    }

    /// Serialises to the JSON wire form.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Parses the JSON wire form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::intake::CaseCompleted;

    #[test]
    fn an_envelope_round_trips_through_its_wire_form_and_ignores_unknown_fields() {
        let case_id = Uuid::now_v7();
        let event = CaseCompleted {
            case_id,
            completed_at: Utc::now().fixed_offset(),
        };
        let origin = Origin {
            producer: "intake",
            correlation_id: case_id,
            causation_id: None,
            traceparent: None,
            division_code: "320102".into(),
        };
        let envelope = Envelope::wrap(&event, origin).unwrap();
        let mut json: serde_json::Value =
            serde_json::from_slice(&envelope.to_bytes().unwrap()).unwrap();
        json["payload"]["added_later"] = serde_json::json!(true);
        json["added_later"] = serde_json::json!(1);
        let back = Envelope::from_bytes(&serde_json::to_vec(&json).unwrap()).unwrap();
        assert_eq!(back.routing_key(), "intake.case.completed");
        assert_eq!(back.decode::<CaseCompleted>().unwrap(), event);
        assert_eq!(back.message_id, envelope.message_id);
        assert_eq!(back.message_id.get_version_num(), 7);
    }
}
