//! Running the relay: open storage, bind, serve until told to stop, then
//! finish in-flight requests and flush storage.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::router_with_metrics;
use crate::error::RelayError;
use crate::limits::Limits;
use crate::metrics::{RelayMetrics, metrics_router};
use crate::rate_limit::PeerKey;
use crate::storage::RelayStorage;
use crate::storage::sqlite::SqliteStorage;

/// Where the relay keeps its data, where it listens, and its limits.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The SQLite database file; created if missing.
    pub db_path: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where to serve `GET /metrics` (Prometheus), if anywhere: a private
    /// address, apart from the public API.
    pub metrics_listen: Option<SocketAddr>,
    /// Limits per token and per mailbox.
    pub limits: Limits,
}

/// The addresses a relay listens on: the API's, and the metrics' if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    /// The public API; port 0 picks a free port.
    pub api: SocketAddr,
    /// `GET /metrics`, if served at all; port 0 picks a free port.
    pub metrics: Option<SocketAddr>,
}

impl From<SocketAddr> for Listen {
    /// The API only, no metrics.
    fn from(api: SocketAddr) -> Listen {
        Listen { api, metrics: None }
    }
}

impl RelayConfig {
    fn addresses(&self) -> Listen {
        Listen {
            api: self.listen,
            metrics: self.metrics_listen,
        }
    }
}

/// Runs the relay until `shutdown` completes. Then it stops accepting
/// connections, lets in-flight requests finish, and commits every accepted
/// write before returning.
pub async fn serve(
    config: RelayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RelayError> {
    let storage = open_sqlite(&config).await?;
    serve_with(storage, config.addresses(), config.limits, shutdown).await
}

/// Like [`serve`], over storage the caller opened (such as a
/// [`crate::PostgresStorage`]).
pub async fn serve_with(
    storage: Arc<dyn RelayStorage>,
    listen: impl Into<Listen>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RelayError> {
    let listeners = Listeners::bind(listen.into(), &limits).await?;
    run(listeners, storage, limits, shutdown).await
}

/// A relay serving in a background task (tests, the demo, benchmarks).
/// Dropping it stops the relay too, but only [`RunningRelay::shutdown`]
/// says when the stop is complete.
#[derive(Debug)]
pub struct RunningRelay {
    /// The address it actually listens on (the real port when 0 was asked).
    pub addr: SocketAddr,
    /// Where it serves `GET /metrics`, if it does.
    pub metrics_addr: Option<SocketAddr>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), RelayError>>,
}

impl RunningRelay {
    /// Stops the relay gracefully and waits until storage is flushed.
    pub async fn shutdown(self) -> Result<(), RelayError> {
        let _ = self.stop.send(());
        self.task.await.map_err(|e| RelayError::Shutdown {
            detail: format!("the relay task ended abnormally: {e}"),
        })?
    }
}

/// Opens storage and binds like [`serve`], then serves in a background task.
/// Returns once the relay accepts connections.
pub async fn spawn(config: RelayConfig) -> Result<RunningRelay, RelayError> {
    let storage = open_sqlite(&config).await?;
    spawn_with(storage, config.addresses(), config.limits).await
}

/// Like [`spawn`], over storage the caller opened.
pub async fn spawn_with(
    storage: Arc<dyn RelayStorage>,
    listen: impl Into<Listen>,
    limits: Limits,
) -> Result<RunningRelay, RelayError> {
    let listeners = Listeners::bind(listen.into(), &limits).await?;
    let addr = listeners.api.local_addr;
    let metrics_addr = listeners.metrics_addr;
    let (stop, stopped) = oneshot::channel::<()>();
    // Dropping the sender counts as a stop too.
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(run(listeners, storage, limits, shutdown));
    Ok(RunningRelay {
        addr,
        metrics_addr,
        stop,
        task,
    })
}

/// The bound sockets, before serving.
struct Listeners {
    api: PeerBlindListener,
    metrics: Option<TcpListener>,
    metrics_addr: Option<SocketAddr>,
}

impl Listeners {
    async fn bind(listen: Listen, limits: &Limits) -> Result<Listeners, RelayError> {
        let api = bind(listen.api, limits).await?;
        let (metrics, metrics_addr) = match listen.metrics {
            None => (None, None),
            Some(addr) => {
                let bind_error = |source| RelayError::Bind { addr, source };
                let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
                let local = listener.local_addr().map_err(bind_error)?;
                tracing::info!(addr = %local, "metrics listening (GET /metrics)");
                (Some(listener), Some(local))
            }
        };
        Ok(Listeners {
            api,
            metrics,
            metrics_addr,
        })
    }
}

async fn open_sqlite(config: &RelayConfig) -> Result<Arc<dyn RelayStorage>, RelayError> {
    config.limits.validate()?;
    let path = config.db_path.clone();
    let storage = tokio::task::spawn_blocking(move || SqliteStorage::open(path))
        .await
        .map_err(|e| RelayError::Database {
            path: config.db_path.clone(),
            detail: format!("opening was interrupted: {e}"),
        })??;
    tracing::info!(db = %config.db_path.display(), "relay storage: SQLite");
    Ok(Arc::new(storage))
}

async fn bind(listen: SocketAddr, limits: &Limits) -> Result<PeerBlindListener, RelayError> {
    limits.validate()?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| RelayError::Bind {
            addr: listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| RelayError::Bind {
        addr: listen,
        source,
    })?;
    tracing::info!(addr = %local_addr, "relay listening");
    Ok(PeerBlindListener {
        inner: listener,
        local_addr,
        hasher: std::collections::hash_map::RandomState::new(),
    })
}

async fn run(
    listeners: Listeners,
    storage: Arc<dyn RelayStorage>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RelayError> {
    let metrics = Arc::new(RelayMetrics::new());
    // Scrapers keep their connections open, so the metrics server would
    // hold a graceful shutdown up: it holds nothing to flush, and is simply
    // stopped once the API is.
    let metrics_task = listeners.metrics.map(|listener| {
        let app = metrics_router(Arc::clone(&metrics));
        tokio::spawn(async move { axum::serve(listener, app).await })
    });
    let app = router_with_metrics(Arc::clone(&storage), limits, metrics);
    let served = axum::serve(
        listeners.api,
        app.into_make_service_with_connect_info::<PeerKey>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("relay stopping: finishing requests in flight");
    })
    .await;
    if let Some(task) = metrics_task {
        task.abort();
    }
    // Every handler has answered; commit whatever the writer still holds.
    let closed = storage.close().await;
    served.map_err(RelayError::Serve)?;
    closed.map_err(|e| RelayError::Shutdown {
        detail: e.to_string(),
    })?;
    tracing::info!("relay stopped");
    Ok(())
}

/// A TCP listener that hides peer addresses and turns Nagle off (answers
/// are small; waiting to batch them only adds latency). Axum sees only a
/// [`PeerKey`], a keyed hash of the address for the rate limits: no layer
/// can log or store an IP address.
struct PeerBlindListener {
    inner: TcpListener,
    local_addr: SocketAddr,
    /// Drawn at random per process: the keys mean nothing after a restart.
    hasher: std::collections::hash_map::RandomState,
}

impl PeerBlindListener {
    fn key_of(&self, peer: SocketAddr) -> PeerKey {
        use std::hash::BuildHasher;
        // One IPv6 host usually holds a whole /64: key by that.
        let prefix: [u8; 16] = match peer.ip() {
            std::net::IpAddr::V4(ip) => ip.to_ipv6_mapped().octets(),
            std::net::IpAddr::V6(ip) => {
                let mut octets = ip.octets();
                octets[8..].fill(0);
                octets
            }
        };
        PeerKey(self.hasher.hash_one(prefix))
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, PeerBlindListener>>
    for PeerKey
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, PeerBlindListener>) -> PeerKey {
        *stream.remote_addr()
    }
}

impl axum::serve::Listener for PeerBlindListener {
    type Io = TcpStream;
    type Addr = PeerKey;

    async fn accept(&mut self) -> (TcpStream, PeerKey) {
        loop {
            match self.inner.accept().await {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    return (stream, self.key_of(peer));
                }
                Err(e) => {
                    use std::io::ErrorKind::{
                        ConnectionAborted, ConnectionRefused, ConnectionReset,
                    };
                    if !matches!(
                        e.kind(),
                        ConnectionAborted | ConnectionRefused | ConnectionReset
                    ) {
                        // Out of file descriptors, most likely: back off
                        // rather than spin.
                        tracing::error!(error = %e, "could not accept a connection");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<PeerKey> {
        Ok(PeerKey(0))
    }
}
