//! The AsyncAPI 3.0 description of every event on the bus, generated from `govhall-contracts`:
//! one channel per routing key, who publishes and who consumes it, and each message as the
//! envelope around its payload's JSON Schema (the contracts' `ToSchema` derives). Committed as
//! `openapi/asyncapi.yaml`; `tests/cli.rs` fails when the code and the file differ.

use std::collections::BTreeMap;

use govhall_bus::Topology;
use govhall_contracts::events::{approval, deadline, intake, joint};
use govhall_contracts::topology::{SUBSCRIPTIONS, topic_matches};
use govhall_contracts::{Envelope, Event};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// The default of `GOVHALL_BUS__PREFIX`; a deployment may choose another.
const PREFIX: &str = "govhall.";
/// Version of the AMQP bindings objects used below.
const AMQP_BINDING: &str = "0.3.0";
/// The schema of the AMQP application headers (hand-written: the bus sets them, see below).
const HEADERS: &str = "AmqpHeaders";

/// Named schemas as utoipa collects them.
type Schemas = Vec<(String, RefOr<Schema>)>;

/// One event type as the document needs it.
struct Documented {
    /// Message type, also the routing key (before an address).
    key: &'static str,
    /// Payload schema version.
    version: u16,
    /// Schema name, also the message name.
    name: String,
    /// Pushes the payload schema and every schema it refers to.
    collect: fn(&mut Schemas),
}

fn collect<T: ToSchema>(out: &mut Schemas) {
    out.push((T::name().into_owned(), T::schema()));
    T::schemas(out);
}

impl Documented {
    fn of<E: Event>() -> Self {
        Self {
            key: E::TYPE,
            version: E::VERSION,
            name: E::name().into_owned(),
            collect: collect::<E>,
        }
    }
}

/// Every event payload. A routing key without an entry here fails
/// `every_routing_key_has_a_channel_a_message_and_a_publisher`.
fn events() -> Vec<Documented> {
    macro_rules! documented {
        ($($event:ty),* $(,)?) => { vec![$(Documented::of::<$event>()),*] };
    }
    documented![
        intake::CaseSubmitted,
        intake::CaseAccepted,
        intake::CaseSupplementRequested,
        intake::CaseSupplemented,
        intake::CaseRejected,
        intake::CaseWithdrawn,
        intake::CaseDecided,
        intake::CaseCompleted,
        intake::CaseTerminated,
        intake::CaseSuspended,
        intake::CaseResumed,
        intake::CaseRated,
        intake::RectificationClosed,
        intake::CaseResubmitted,
        deadline::ClockStarted,
        deadline::ClockStopped,
        deadline::ClockPaused,
        deadline::ClockResumed,
        deadline::ClockExtended,
        deadline::ClockWarned,
        deadline::ClockOverdue,
        deadline::ClockDueChanged,
        deadline::ClockExpired,
        deadline::ClockCancelled,
        approval::TaskOpened,
        approval::TaskClosed,
        approval::ReviewConcluded,
        approval::ReviewSuspended,
        approval::ReviewResumed,
        approval::SupplementRequested,
        approval::ReviewReturned,
        joint::RoutePlanned,
        joint::ResultReturned,
        joint::StageSent,
        joint::StageReceived,
        joint::StageReturned,
    ]
}

/// The publishing service: the first word of the routing key (each producer's events live in
/// its own module of the contracts, named like its routing keys).
fn publisher(key: &str) -> &str {
    key.split('.').next().unwrap_or(key)
}

/// A key is addressed when a queue binds `<key>.#`: the routing key then ends with a division
/// code (`Envelope::address`).
fn addressed(key: &str) -> bool {
    let any = format!("{key}.#");
    SUBSCRIPTIONS
        .iter()
        .any(|s| s.patterns.contains(&any.as_str()))
}

/// The consuming services of a key, each with the pattern its queue binds it by.
fn consumers(key: &str) -> Vec<(&'static str, &'static str)> {
    let sample = if addressed(key) {
        format!("{key}.320200")
    } else {
        key.to_owned()
    };
    SUBSCRIPTIONS
        .iter()
        .filter_map(|s| {
            let pattern = s.patterns.iter().find(|p| topic_matches(p, &sample))?;
            Some((s.service, *pattern))
        })
        .collect()
}

/// "CaseSubmitted" → "Case submitted".
fn title(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The AsyncAPI document, in the key order of the specification's examples.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    asyncapi: &'static str,
    info: Value,
    servers: Value,
    default_content_type: &'static str,
    channels: BTreeMap<String, Value>,
    operations: BTreeMap<String, Value>,
    components: Components,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Components {
    messages: BTreeMap<String, Value>,
    schemas: BTreeMap<String, RefOr<Schema>>,
    correlation_ids: Value,
    channel_bindings: Value,
    operation_bindings: Value,
}

/// What the document says about one event, besides its schema.
struct Described<'a> {
    event: &'a Documented,
    /// The payload's doc comment.
    text: String,
    /// Its first sentence, on one line.
    summary: String,
    producer: &'a str,
    consumers: Vec<(&'static str, &'static str)>,
}

fn document() -> Document {
    let topology = Topology {
        prefix: PREFIX.to_owned(),
        // Not used: the limit is a setting, named in the descriptions.
        delivery_limit: 0,
        queue_expires_ms: None,
    };
    let events = events();
    let mut all: Schemas = Vec::new();
    collect::<Envelope>(&mut all);
    for event in &events {
        (event.collect)(&mut all);
    }
    let mut schemas: BTreeMap<String, RefOr<Schema>> = all.into_iter().collect();
    schemas.insert(HEADERS.to_owned(), headers_schema());
    let (mut channels, mut operations, mut messages) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for event in &events {
        let text = serde_json::to_value(&schemas[&event.name])
            .ok()
            .and_then(|s| s["description"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let first = text.replace('\n', " ");
        let first = first.split_once(". ").map_or(first.as_str(), |(s, _)| s);
        let d = Described {
            event,
            summary: format!("{}.", first.trim_end_matches('.')),
            text,
            producer: publisher(event.key),
            consumers: consumers(event.key),
        };
        let key = event.key;
        channels.insert(key.to_owned(), channel(&d, &topology));
        operations.insert(format!("publish_{}", key.replace('.', "_")), send(&d));
        for (service, pattern) in &d.consumers {
            let id = format!("{service}_consume_{}", key.replace('.', "_"));
            operations.insert(id, receive(&d, service, pattern, &topology));
        }
        messages.insert(event.name.clone(), message(&d));
    }
    Document {
        asyncapi: "3.0.0",
        info: json!({
            "title": "govhall events",
            "version": env!("CARGO_PKG_VERSION"),
            "description": info_description(&topology, &events),
        }),
        servers: json!({ "production": {
            "host": "{broker}",
            "protocol": "amqp",
            "protocolVersion": "0-9-1",
            "description": "The RabbitMQ broker of one deployment (`GOVHALL_BUS__URL`). In \
                            standalone mode the same envelopes travel over an in-process bus \
                            with the same bindings.",
            "variables": { "broker": {
                "default": "rabbitmq:5672",
                "description": "Host and port of `GOVHALL_BUS__URL`.",
            } },
        } }),
        default_content_type: "application/json",
        channels,
        operations,
        components: Components {
            messages,
            schemas,
            correlation_ids: json!({ "case": {
                "description": "The case the message belongs to (also the AMQP correlation-id).",
                "location": "$message.payload#/correlation_id",
            } }),
            channel_bindings: json!({ "events": { "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": topology.exchange(), "type": "topic", "durable": true,
                    "autoDelete": false, "vhost": "/",
                },
                "bindingVersion": AMQP_BINDING,
            } } }),
            // What shared/bus/src/rabbitmq.rs does: persistent and mandatory publishes with a
            // timestamp; manual acknowledgements.
            operation_bindings: json!({
                "publish": { "amqp": {
                    "deliveryMode": 2, "mandatory": true, "timestamp": true,
                    "bindingVersion": AMQP_BINDING,
                } },
                "consume": { "amqp": { "ack": true, "bindingVersion": AMQP_BINDING } },
            }),
        },
    }
}

fn channel(d: &Described<'_>, topology: &Topology) -> Value {
    let (key, name) = (d.event.key, d.event.name.as_str());
    let consumed_by: Vec<String> = d
        .consumers
        .iter()
        .map(|(service, pattern)| {
            let queue = topology.queue(service);
            if pattern == &key {
                format!("`{service}` (queue `{queue}`)")
            } else {
                format!("`{service}` (queue `{queue}`, bound by `{pattern}`)")
            }
        })
        .collect();
    let mut channel = json!({
        "address": key,
        "title": title(name),
        "description": format!(
            "{}\n\nPublished by `{}`; consumed by {}.",
            d.text,
            d.producer,
            consumed_by.join(", ")
        ),
        "messages": { name: { "$ref": format!("#/components/messages/{name}") } },
        "bindings": { "$ref": "#/components/channelBindings/events" },
    });
    if addressed(key) {
        channel["address"] = json!(format!("{key}.{{division}}"));
        channel["parameters"] = json!({ "division": {
            "description": "Division code (GB/T 2260) the hand-over is addressed to; a shovel \
                            forwards `#.<division>` to that division's deployment.",
            "examples": ["320200", "320282"],
            "location": "$message.payload#/address",
        } });
    }
    channel
}

fn send(d: &Described<'_>) -> Value {
    let (key, name) = (d.event.key, d.event.name.as_str());
    json!({
        "action": "send",
        "channel": { "$ref": format!("#/channels/{key}") },
        "title": format!("{} publishes {}", d.producer, title(name).to_lowercase()),
        "summary": d.summary,
        "description": "Written to the outbox in the transaction of the state change; the relay \
                        publishes it and marks it sent only after the broker's confirm, so it may \
                        be published twice.",
        "messages": [{ "$ref": format!("#/channels/{key}/messages/{name}") }],
        "tags": [{ "name": d.producer }],
        "bindings": { "$ref": "#/components/operationBindings/publish" },
    })
}

fn receive(d: &Described<'_>, service: &str, pattern: &str, topology: &Topology) -> Value {
    let (key, name) = (d.event.key, d.event.name.as_str());
    json!({
        "action": "receive",
        "channel": { "$ref": format!("#/channels/{key}") },
        "title": format!("{service} consumes {}", title(name).to_lowercase()),
        "summary": d.summary,
        "description": format!(
            "From the quorum queue `{}`, bound to `{}` by `{pattern}`. Handled once per message id \
             (inbox) and acknowledged after that transaction commits; past the delivery limit \
             dead-lettered to `{}`.",
            topology.queue(service),
            topology.exchange(),
            topology.dead_letter_queue(service),
        ),
        "messages": [{ "$ref": format!("#/channels/{key}/messages/{name}") }],
        "tags": [{ "name": service }],
        "bindings": { "$ref": "#/components/operationBindings/consume" },
    })
}

/// The envelope narrowed to this event: its type, version, producer and payload schema.
fn message(d: &Described<'_>) -> Value {
    let (key, name) = (d.event.key, d.event.name.as_str());
    let mut required = vec!["type", "schema_version", "producer", "payload"];
    if addressed(key) {
        // Hand-overs are always published addressed (services/joint/src/chain.rs).
        required.push("address");
    }
    let mut message = json!({
        "name": name,
        "title": title(name),
        "summary": d.summary,
        "contentType": "application/json",
        "correlationId": { "$ref": "#/components/correlationIds/case" },
        "headers": { "$ref": format!("#/components/schemas/{HEADERS}") },
        "payload": { "allOf": [
            { "$ref": format!("#/components/schemas/{}", Envelope::name()) },
            {
                "type": "object",
                "required": required,
                "properties": {
                    "type": { "const": key },
                    "schema_version": { "const": d.event.version },
                    "producer": { "const": d.producer },
                    "payload": { "$ref": format!("#/components/schemas/{name}") },
                },
            },
        ] },
        "bindings": { "amqp": { "messageType": key, "bindingVersion": AMQP_BINDING } },
    });
    if d.text.replace('\n', " ") != d.summary {
        message["description"] = json!(d.text);
    }
    message
}

fn info_description(topology: &Topology, events: &[Documented]) -> String {
    let addressed: Vec<String> = events
        .iter()
        .filter(|e| addressed(e.key))
        .map(|e| format!("`{}`", e.key))
        .collect();
    format!(
        "Every event govhall's services exchange, generated from `shared/contracts`.\n\n\
         **Routing.** Each message is published to the durable topic exchange `{exchange}` \
         (prefix `{PREFIX}` = `GOVHALL_BUS__PREFIX`) with its type as the routing key. Each \
         consuming service has one durable quorum queue, `{queue}`, bound to the keys of its \
         receive operations.\n\n\
         **Envelope.** The body is the JSON `Envelope`: a UUIDv7 `message_id`, the `type`, \
         `schema_version`, `occurred_at`, `producer`, the case id as `correlation_id`, the \
         `causation_id`, the W3C `traceparent`, the case's `division_code`, the event's \
         `payload` and, for hand-overs, an `address`. Consumers ignore fields they do not know: \
         a producer adds optional fields without a version bump.\n\n\
         **At-least-once delivery.** Events are written to an outbox in the transaction of the \
         state change and marked sent only after the broker confirmed them, so a message may \
         arrive twice. Consumers are idempotent: the inbox records each `message_id` in the \
         transaction of its effect, and a message is acknowledged only after that commit.\n\n\
         **Dead-lettering.** A failed message is redelivered with backoff; after the delivery \
         limit (`GOVHALL_BUS__DELIVERY_LIMIT`), or at once when it cannot be decoded, it is \
         dead-lettered through `{dlx}` to the service's `{dead}` queue, kept for operators.\n\n\
         **Addressing.** A hand-over between levels or regions ({addressed}) ends its routing \
         key with the division code it is addressed to (`joint.stage.sent.320200`; the same \
         code is in `address`), so a shovel between two deployments' brokers forwards exactly \
         what is addressed to the other side (`#.320200`). Queues bind these keys as `<key>.#`.",
        exchange = topology.exchange(),
        queue = topology.queue("<service>"),
        dlx = topology.dead_letter_exchange(),
        dead = topology.dead_letter_queue("<service>"),
        addressed = addressed.join(", "),
    )
}

/// The AMQP application headers the bus sets (`shared/bus/src/rabbitmq.rs`).
fn headers_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "AMQP application headers. The basic properties are set as well: content-type \
             `application/json`, delivery-mode 2 (persistent), message-id = `message_id`, \
             type = `type`, correlation-id = `correlation_id`, app-id = `producer`, timestamp \
             = `occurred_at` (seconds).",
        ))
        .property(
            "traceparent",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "W3C trace context, as in the envelope (absent when it has none).",
                )),
        )
        .into()
}

/// The document as YAML, with a header line (the committed form).
pub fn document_yaml() -> anyhow::Result<String> {
    let yaml = yaml_serde::to_string(&document())?;
    Ok(format!(
        "# Generated by `govhall asyncapi` from shared/contracts; do not edit.\n{yaml}"
    ))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset};
    use govhall_contracts::envelope::Origin;
    use govhall_contracts::events::{LimitUnit, Outcome, TimeLimit};
    use govhall_contracts::routing;
    use uuid::Uuid;

    use super::*;

    fn doc() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    fn asyncapi_schema() -> jsonschema::Validator {
        let text = include_str!("../tests/fixtures/asyncapi-3.0.0.schema.json");
        jsonschema::validator_for(&serde_json::from_str(text).unwrap()).unwrap()
    }

    fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    #[test]
    fn every_routing_key_has_a_channel_a_message_and_a_publisher() {
        let doc = doc();
        for key in routing::ALL {
            let channel = &doc["channels"][key];
            assert!(channel.is_object(), "{key}: no channel");
            let reference = channel["messages"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap();
            let pointer = reference["$ref"].as_str().unwrap().trim_start_matches('#');
            let message = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{key}: {pointer}"));
            assert_eq!(message["bindings"]["amqp"]["messageType"], *key);
            assert_eq!(
                message["payload"]["allOf"][1]["properties"]["type"]["const"],
                *key
            );
            let sends: Vec<_> = doc["operations"]
                .as_object()
                .unwrap()
                .values()
                .filter(|o| {
                    o["action"] == "send" && o["channel"]["$ref"] == format!("#/channels/{key}")
                })
                .collect();
            assert_eq!(sends.len(), 1, "{key}: one publisher");
        }
        let channels = doc["channels"].as_object().unwrap();
        assert_eq!(
            channels.len(),
            routing::ALL.len(),
            "a channel for a key not in routing::ALL"
        );
        assert_eq!(
            doc["components"]["messages"].as_object().unwrap().len(),
            routing::ALL.len()
        );
    }

    #[test]
    fn the_document_is_valid_asyncapi_3_0_0() {
        let validator = asyncapi_schema();
        let doc = doc();
        assert_eq!(errors(&validator, &doc), Vec::<String>::new());
        // The schema is strict where it matters: a wrong field is caught.
        let mut broken = doc.clone();
        broken["channels"][routing::INTAKE_CASE_SUBMITTED]["routingKey"] = json!("x");
        assert!(!errors(&validator, &broken).is_empty());
        let yaml: Value = yaml_serde::from_str(&document_yaml().unwrap()).unwrap();
        assert_eq!(yaml, doc, "the YAML says what the document says");
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(doc: &Value, value: &Value, missing: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    let target = map.get("$ref").and_then(Value::as_str);
                    if let Some(r) =
                        target.filter(|r| doc.pointer(r.trim_start_matches('#')).is_none())
                    {
                        missing.push(r.to_owned());
                    }
                    map.values().for_each(|v| walk(doc, v, missing));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(doc, v, missing)),
                _ => {}
            }
        }
        let doc = doc();
        let mut missing = Vec::new();
        walk(&doc, &doc, &mut missing);
        assert_eq!(missing, Vec::<String>::new());
    }

    #[test]
    fn schema_names_are_unique() {
        let mut all = Vec::new();
        collect::<Envelope>(&mut all);
        events().iter().for_each(|e| (e.collect)(&mut all));
        let mut seen: BTreeMap<String, Value> = BTreeMap::new();
        for (name, schema) in all {
            let schema = serde_json::to_value(schema).unwrap();
            let earlier = seen.entry(name.clone()).or_insert_with(|| schema.clone());
            assert_eq!(*earlier, schema, "two types are both called {name}");
        }
    }

    #[test]
    fn the_addressed_keys_are_the_hand_overs() {
        let keys: Vec<&str> = routing::ALL
            .iter()
            .copied()
            .filter(|k| addressed(k))
            .collect();
        assert_eq!(
            keys,
            [
                routing::JOINT_RESULT_RETURNED,
                routing::JOINT_STAGE_SENT,
                routing::JOINT_STAGE_RETURNED
            ]
        );
        let doc = doc();
        assert_eq!(
            doc["channels"][routing::JOINT_STAGE_SENT]["address"],
            "joint.stage.sent.{division}"
        );
    }

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-03-02T09:30:00+08:00").unwrap()
    }

    fn envelope<E: Event>(event: &E) -> Envelope {
        let origin = Origin {
            producer: publisher(E::TYPE),
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            traceparent: None,
            division_code: "320282".into(),
        };
        Envelope::wrap(event, origin).unwrap()
    }

    /// Validates a published envelope against its message's payload schema in the document.
    fn message_errors(doc: &Value, message: &str, envelope: &Envelope) -> Vec<String> {
        let mut root = doc.clone();
        root["$ref"] = json!(format!("#/components/messages/{message}/payload"));
        let validator = jsonschema::draft7::new(&root).unwrap();
        errors(&validator, &serde_json::to_value(envelope).unwrap())
    }

    #[test]
    fn published_envelopes_match_their_message_schema() {
        let limit = TimeLimit {
            value: 20,
            unit: LimitUnit::WorkingDays,
        };
        let department = intake::DepartmentPlan {
            department_code: "320282-SCJG".into(),
            name: "市场监管局".into(),
            lead: true,
            time_limit: limit,
            steps: vec![intake::ReviewStep {
                name: "初审".into(),
                role: "reviewer".into(),
            }],
        };
        let stage = intake::StagePlan {
            level: "city".into(),
            division_code: "320200".into(),
            department_code: "320200-SCJG".into(),
            name: "无锡市市场监管局".into(),
            time_limit: limit,
            departments: Vec::new(),
            join_rule: None,
        };
        let accepted = intake::CaseAccepted {
            case_id: Uuid::now_v7(),
            case_number: "320282-2026-000001".into(),
            accepted_at: now(),
            plan: intake::HandlingPlan {
                matter_version: 3,
                kind: intake::PlanKind::Parallel,
                stages: vec![stage.clone()],
                departments: vec![department],
                join_rule: intake::JoinRule::LeadDecides,
                time_limit: limit,
                statutory_limit: Some(limit),
                warning_ladder: None,
            },
            deemed: false,
            commitment: None,
            summary: Some(intake::CaseSummary {
                matter_code: "M-001".into(),
                matter_name: "食品经营许可".into(),
                applicant_kind: "legal_person".into(),
                applicant_masked: "无*有限公司".into(),
                materials: vec![intake::MaterialRef {
                    name: "营业执照".into(),
                    file_id: Uuid::now_v7(),
                    sha256: "00".repeat(32),
                }],
            }),
        };
        let sent = joint::StageSent {
            case_id: Uuid::now_v7(),
            transfer_id: Uuid::now_v7(),
            from_division: "320282".into(),
            to_division: "320200".into(),
            department_code: "320200-SCJG".into(),
            time_limit: limit,
            sent_at: now(),
            handover: Some(joint::Handover {
                accepting_division: "320282".into(),
                from_stage: 0,
                to_stage: 1,
                stages: vec![stage],
                package: json!({ "note": "初审同意" }),
            }),
        };
        let warned = deadline::ClockWarned {
            clock_id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            kind: deadline::ClockKind::Task,
            department_code: None,
            level: deadline::WarningLevel::Yellow,
            due_at: now(),
        };
        let concluded = approval::ReviewConcluded {
            review_id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            outcome: Outcome::Approved,
            opinions: vec![approval::OpinionRecord {
                task_id: Uuid::now_v7(),
                department_code: "320282-SCJG".into(),
                outcome: Outcome::Approved,
                comment: "同意".into(),
                reviewer: "system".into(),
                recorded_at: now(),
                deemed: true,
                referred: false,
            }],
            concluded_at: now(),
        };
        let doc = doc();
        let addressed = envelope(&sent).addressed_to("320200");
        for (message, envelope) in [
            ("CaseAccepted", envelope(&accepted)),
            ("StageSent", addressed.clone()),
            ("ClockWarned", envelope(&warned)),
            ("ReviewConcluded", envelope(&concluded)),
        ] {
            assert_eq!(
                message_errors(&doc, message, &envelope),
                Vec::<String>::new(),
                "{message}"
            );
        }
        // And they are strict: another event's envelope, or a hand-over without its address,
        // does not pass.
        assert!(!message_errors(&doc, "CaseSubmitted", &envelope(&accepted)).is_empty());
        let mut unaddressed = addressed;
        unaddressed.address = None;
        assert!(!message_errors(&doc, "StageSent", &unaddressed).is_empty());
    }
}
