//! What the relay counts for its operator, served in the Prometheus text
//! format (OpenMetrics) on a separate, private address (`--metrics-listen`).
//!
//! No label can identify a person, a mailbox or a token: requests are
//! counted by route *template* (`/v1/mailboxes/{mailbox_id}/messages`, never
//! the path with its ids), method and status, all from small fixed sets; a
//! hostile client inventing methods or paths only ever adds to `OTHER` and
//! `unmatched`. Each relay process has its own [`RelayMetrics`] (no global
//! registry), so several relays in one process (tests, the demo) never mix
//! their figures.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// The route label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

/// Labels of one request: all from fixed, small sets.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// Labels of one route's latency.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// Latency buckets from 0.25 ms to about 4 s: a post is a few milliseconds
/// (one group-committed fsync), a 5 s wait for a pool connection is the
/// worst the relay allows.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// The relay's counters, and the registry that renders them.
pub struct RelayMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    storage_errors: Counter,
    messages_stored: Counter,
    bytes_stored: Counter,
}

impl std::fmt::Debug for RelayMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayMetrics").finish_non_exhaustive()
    }
}

impl Default for RelayMetrics {
    fn default() -> RelayMetrics {
        RelayMetrics::new()
    }
}

impl RelayMetrics {
    /// Fresh counters, all at zero.
    pub fn new() -> RelayMetrics {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let storage_errors = Counter::default();
        let messages_stored = Counter::default();
        let bytes_stored = Counter::default();
        let mut registry = Registry::with_prefix("rapport_relay");
        registry.register(
            "requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "request_duration",
            "Time from a request's arrival to its answer, by method and route template",
            Unit::Seconds,
            latency.clone(),
        );
        registry.register(
            "storage_errors",
            "Storage operations that failed (each answered 503, nothing changed)",
            storage_errors.clone(),
        );
        registry.register(
            "messages_stored",
            "Messages accepted (answered 201: durably stored)",
            messages_stored.clone(),
        );
        registry.register_with_unit(
            "stored_message",
            "Bytes of the messages accepted",
            Unit::Bytes,
            bytes_stored.clone(),
        );
        RelayMetrics {
            registry,
            requests,
            latency,
            storage_errors,
            messages_stored,
            bytes_stored,
        }
    }

    /// Counts one answered request. `route` is the matched route template,
    /// `None` when no route matched.
    pub(crate) fn request(
        &self,
        method: &Method,
        route: Option<&str>,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        let route = route.unwrap_or(UNMATCHED).to_owned();
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(elapsed.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status: status.as_u16(),
            })
            .inc();
    }

    /// Counts a failed storage operation.
    pub(crate) fn storage_error(&self) {
        self.storage_errors.inc();
    }

    /// Counts an accepted message of `bytes` bytes.
    pub(crate) fn message_stored(&self, bytes: usize) {
        self.messages_stored.inc();
        self.bytes_stored.inc_by(bytes as u64);
    }

    /// Everything counted so far, in the OpenMetrics text format.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The standard methods by name; anything else is `OTHER`, so a client
/// cannot add label values.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// `GET /metrics` over `metrics`, for the private metrics listener.
pub fn metrics_router(metrics: Arc<RelayMetrics>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics)
}

async fn scrape(State(metrics): State<Arc<RelayMetrics>>) -> Response {
    match metrics.render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not render the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invented_method_or_path_adds_no_label_value() {
        let metrics = RelayMetrics::new();
        let weird = Method::from_bytes(b"MAILBOX-AAAAAAAAAAAAAAAAAAAAAA").unwrap();
        metrics.request(&weird, None, StatusCode::NOT_FOUND, Duration::ZERO);
        let text = metrics.render().unwrap();
        assert!(!text.contains("AAAAAAAA"), "{text}");
        assert!(
            text.contains(
                r#"rapport_relay_requests_total{method="OTHER",route="unmatched",status="404"} 1"#
            ),
            "{text}"
        );
    }
}
