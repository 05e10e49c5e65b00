//! The HTTP API, versioned under `/v1` (see the crate's README for the table).

mod auth;
mod handlers;
mod openapi;
mod problem;

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::response::Response;
use rapport_protocol::Endpoint;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::limits::Limits;
use crate::metrics::RelayMetrics;
use crate::rate_limit::{PeerKey, RateLimiter};
use crate::storage::RelayStorage;

/// What every handler shares.
#[derive(Clone)]
struct Relay {
    storage: Arc<dyn RelayStorage>,
    limits: Arc<Limits>,
    limiter: Arc<RateLimiter>,
    /// Failed requests, per peer.
    failures: Arc<RateLimiter<PeerKey>>,
    /// Mailboxes created, per peer.
    creations: Arc<RateLimiter<PeerKey>>,
    /// The OpenAPI document as served (`None` if it could not be rendered).
    document: Option<Bytes>,
    /// What the operator's `/metrics` shows.
    metrics: Arc<RelayMetrics>,
}

/// The relay's HTTP API over `storage`, enforcing `limits`.
///
/// Every answer that is not a success is JSON of the form
/// `{"error": "<code>", "detail": "<what to do>"}`, including unknown routes
/// and bodies over the size limit.
pub fn router(storage: Arc<dyn RelayStorage>, limits: Limits) -> Router {
    router_with_metrics(storage, limits, Arc::new(RelayMetrics::new()))
}

/// Like [`router`], counting every request in `metrics` (which
/// [`crate::metrics_router`] serves).
pub fn router_with_metrics(
    storage: Arc<dyn RelayStorage>,
    limits: Limits,
    metrics: Arc<RelayMetrics>,
) -> Router {
    let (routes, document) = documented_routes();
    let relay = Relay {
        storage,
        limiter: Arc::new(RateLimiter::new(limits.rate_per_second, limits.burst)),
        failures: Arc::new(RateLimiter::new(
            limits.failures_per_second,
            limits.failure_burst,
        )),
        creations: Arc::new(RateLimiter::new(
            limits.mailboxes_per_hour / 3600.0,
            limits.mailbox_burst,
        )),
        limits: Arc::new(limits),
        document: document.clone(),
        metrics,
    };
    let max_body_bytes = relay.limits.max_body_bytes;
    routes
        .clone()
        .fallback(problem::no_such_endpoint)
        .method_not_allowed_fallback(problem::method_not_allowed)
        // Bodies are read through this limit, so an oversized post is cut
        // off after `max_body_bytes`, never buffered whole.
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::map_response(problem::ensure_json_errors))
        .layer(middleware::from_fn_with_state(relay.clone(), peer_limits))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&relay.metrics),
            observe_request,
        ))
        .with_state(relay)
}

/// The routes and the OpenAPI document that describes them, the same for
/// every relay: made once per process (a test or fuzz target that builds a
/// router per case does not pay for the document each time).
fn documented_routes() -> &'static (Router<Relay>, Option<Bytes>) {
    static ROUTES: OnceLock<(Router<Relay>, Option<Bytes>)> = OnceLock::new();
    ROUTES.get_or_init(|| {
        // Each route is registered from its handler's OpenAPI description,
        // so the served document lists exactly the routes there are.
        let (routes, document) = OpenApiRouter::with_openapi(openapi::RelayApi::openapi())
            .routes(routes!(handlers::health))
            .routes(routes!(openapi::document))
            .routes(routes!(handlers::create_mailbox))
            .routes(routes!(handlers::mint_post_token))
            .routes(routes!(handlers::revoke_post_token))
            .routes(routes!(
                handlers::post_message,
                handlers::fetch_messages,
                handlers::prune_messages
            ))
            .split_for_parts();
        (routes, openapi::render(&document))
    })
}

/// The peer a request came from, when the router is served over TCP
/// ([`crate::serve`] always says); `None` when driven in-process.
fn peer_of(request: &Request) -> Option<PeerKey> {
    request
        .extensions()
        .get::<ConnectInfo<PeerKey>>()
        .map(|c| c.0)
}

/// What a token cannot pay for, paid by the peer: a peer whose failed
/// requests have used up their budget waits before anything else is looked
/// at, and every failure (a bad or unknown token, a malformed request) is
/// charged to it afterwards (made-up tokens each have a fresh token bucket;
/// this is what limits them); creating a mailbox, which needs no token,
/// takes from the peer's creation budget.
async fn peer_limits(State(relay): State<Relay>, request: Request, next: Next) -> Response {
    let Some(peer) = peer_of(&request) else {
        return next.run(request).await;
    };
    if let Err(wait) = relay.failures.peek(&peer) {
        return problem::ApiError::too_many_failures(wait).into_response();
    }
    let creates_a_mailbox = request.method() == Method::POST
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|p| p.as_str() == Endpoint::Mailboxes.route());
    if creates_a_mailbox && let Err(wait) = relay.creations.check(&peer) {
        return problem::ApiError::too_many_mailboxes(wait).into_response();
    }
    let response = next.run(request).await;
    let status = response.status();
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        relay.failures.charge(&peer);
    }
    response
}

/// One INFO line per request (method, route template, status and time),
/// and the same counted in the metrics. Deliberately not the URL, headers,
/// body or peer address: tokens travel in headers, ids in the URL, and who
/// talks to whom is none of the log's business.
async fn observe_request(
    State(metrics): State<Arc<RelayMetrics>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status();
    let route = route.as_ref().map(MatchedPath::as_str);
    metrics.request(&method, route, status, elapsed);
    tracing::info!(
        %method,
        route = route.unwrap_or("(no route)"),
        status = status.as_u16(),
        micros = elapsed.as_micros() as u64,
        "request"
    );
    response
}
