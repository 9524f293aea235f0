#![doc = include_str!("../README.md")]
//!
//! Logs go to standard error, so that standard output carries only what a command prints.
//!
//! Items: [`init`], [`LogFormat`], [`Otlp`], [`TelemetryGuard`], [`TraceContext`],
//! [`set_parent`], [`context_of`].

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
use rand::Rng;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per event (production).
    Json,
}

/// Where traces go, when they go anywhere.
#[derive(Debug, Clone)]
pub struct Otlp {
    /// Base URL of an OTLP/HTTP collector, e.g. `http://otel-collector:4318`.
    pub endpoint: String,
    /// `service.name` of the spans, e.g. `govhall-intake`.
    pub service_name: String,
}

/// Keeps the trace exporter alive; dropping it flushes the spans still buffered.
#[must_use = "dropping the guard stops trace export"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Flush what is buffered; an unreachable collector must not block the exit long.
            let _ = provider.shutdown_with_timeout(std::time::Duration::from_secs(3));
        }
    }
}

/// Installs the global subscriber. `RUST_LOG` overrides `default_level`. With `otlp`, spans
/// are also exported over OTLP/HTTP (protobuf) in batches; without it nothing is exported
/// and the OpenTelemetry layer is not installed at all. Safe to call twice (tests): the
/// first subscriber stays.
pub fn init(
    format: LogFormat,
    default_level: &str,
    otlp: Option<Otlp>,
) -> anyhow::Result<TelemetryGuard> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let (provider, otel_layer) = match otlp {
        Some(otlp) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(format!("{}/v1/traces", otlp.endpoint.trim_end_matches('/')))
                .with_timeout(std::time::Duration::from_secs(5))
                .build()?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(
                    Resource::builder()
                        .with_service_name(otlp.service_name)
                        .build(),
                )
                .build();
            // Traces have their own level: quiet logs (RUST_LOG=warn) must not thin out traces.
            let layer = tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("govhall"))
                .with_filter(tracing_subscriber::filter::LevelFilter::INFO);
            (Some(provider), Some(layer))
        }
        None => (None, None),
    };
    let registry = tracing_subscriber::registry().with(otel_layer);
    let result = match format {
        LogFormat::Text => registry
            .with(
                fmt::layer()
                    .with_target(false)
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
            .try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
    Ok(TelemetryGuard { provider })
}

/// Makes `span` a child of the remote span `parent` (from a `traceparent` header or an
/// envelope). Without the OpenTelemetry layer this does nothing.
pub fn set_parent(span: &tracing::Span, parent: &TraceContext) {
    let (Ok(trace_id), Ok(span_id)) = (
        TraceId::from_hex(&parent.trace_id),
        SpanId::from_hex(&parent.span_id),
    ) else {
        return;
    };
    let flags = if parent.flags == "00" {
        TraceFlags::default()
    } else {
        TraceFlags::SAMPLED
    };
    let remote = SpanContext::new(trace_id, span_id, flags, true, TraceState::default());
    let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
}

/// The trace context to pass on from `span`: its own OpenTelemetry span when the layer is
/// installed, otherwise a child of `fallback_parent` (or a new trace), so the trace id
/// still travels across services when nothing is exported.
pub fn context_of(span: &tracing::Span, fallback_parent: Option<&TraceContext>) -> TraceContext {
    let cx = span.context();
    let otel = cx.span();
    let sc = otel.span_context();
    if sc.is_valid() {
        return TraceContext {
            trace_id: sc.trace_id().to_string(),
            span_id: sc.span_id().to_string(),
            flags: if sc.is_sampled() {
                "01".into()
            } else {
                "00".into()
            },
        };
    }
    fallback_parent.map_or_else(TraceContext::new_root, TraceContext::child)
}

/// A W3C trace context (`traceparent: 00-<trace-id>-<span-id>-<flags>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: String,
    span_id: String,
    flags: String,
}

impl TraceContext {
    /// A new trace.
    pub fn new_root() -> Self {
        let mut rng = rand::rng();
        Self {
            trace_id: format!("{:032x}", rng.random::<u128>() | 1),
            span_id: format!("{:016x}", rng.random::<u64>() | 1),
            flags: "01".into(),
        }
    }

    /// Parses a `traceparent` header; `None` when malformed (then a new root is started).
    pub fn parse(header: &str) -> Option<Self> {
        let parts: Vec<&str> = header.trim().split('-').collect();
        let [version, trace_id, span_id, flags] = parts.as_slice() else {
            return None;
        };
        let hex = |s: &str, n: usize| {
            s.len() == n
                && s.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        };
        if *version != "00" || !hex(trace_id, 32) || !hex(span_id, 16) || !hex(flags, 2) {
            return None;
        }
        if trace_id.bytes().all(|b| b == b'0') || span_id.bytes().all(|b| b == b'0') {
            return None;
        }
        Some(Self {
            trace_id: (*trace_id).into(),
            span_id: (*span_id).into(),
            flags: (*flags).into(),
        })
    }

    /// A child span in the same trace.
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id.clone(),
            span_id: format!("{:016x}", rand::rng().random::<u64>() | 1),
            flags: self.flags.clone(),
        }
    }

    /// The trace id (32 hex digits).
    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// The `traceparent` header value.
    pub fn header(&self) -> String {
        format!("00-{}-{}-{}", self.trace_id, self.span_id, self.flags)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_child_keeps_the_trace_id_and_gets_a_new_span() {
        let root = TraceContext::new_root();
        let parsed = TraceContext::parse(&root.header()).unwrap();
        assert_eq!(parsed, root);
        let child = parsed.child();
        assert_eq!(child.trace_id(), root.trace_id());
        assert_ne!(child.header(), root.header());
    }

    #[test]
    fn malformed_traceparents_are_refused() {
        for bad in [
            "",
            "00-abc-def-01",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        ] {
            assert!(TraceContext::parse(bad).is_none(), "{bad}");
        }
        assert!(
            TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .is_some()
        );
    }
}
