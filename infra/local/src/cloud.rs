//! The local cloud: every endpoint behind one HTTP server, the stream poller feeding the stream
//! handler, the outbox and the built portal.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::services::{ServeDir, ServeFile};

use crate::dynamodb_local;
use crate::outbox::{LocalOutbox, LocalWebhooks};
use crate::poller::{self, Poller, PollerConfig, PollerStatus};
use crate::s3::{LocalS3, TERMS_BUCKET};

/// Default table name of the local cloud.
pub const DEFAULT_TABLE: &str = "upline";

/// What to start.
#[derive(Clone)]
pub struct LocalConfig {
    /// 0: any free port.
    pub port: u16,
    pub table: String,
    /// A running DynamoDB Local, e.g. `http://127.0.0.1:8000`.
    pub dynamodb_endpoint: String,
    /// Session-signing key, 32+ bytes.
    pub session_key: Vec<u8>,
    /// The master key that wraps the data keys sealing secrets at rest (KMS in the cloud).
    pub sealing_key: [u8; 32],
    /// Outbox journal and stream checkpoints live here; `None`: memory only.
    pub data_dir: Option<PathBuf>,
    /// The built portal (`dist/`); `None`: no static files.
    pub app_dir: Option<PathBuf>,
    /// How often due delivery retries are swept (the cloud's schedule runs every minute);
    /// `None`: only when asked ([`LocalCloud::sweep_due_at`]), as tests do.
    pub sweep_every: Option<std::time::Duration>,
    /// The API's throttles (the product's defaults unless a load run raises them).
    pub limits: upline_api::throttle::Limits,
}

impl std::fmt::Debug for LocalConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalConfig")
            .field("port", &self.port)
            .field("table", &self.table)
            .field("dynamodb_endpoint", &self.dynamodb_endpoint)
            .field("session_key", &"<redacted>")
            .field("sealing_key", &"<redacted>")
            .field("data_dir", &self.data_dir)
            .field("app_dir", &self.app_dir)
            .field("sweep_every", &self.sweep_every)
            .field("limits", &self.limits)
            .finish()
    }
}

impl LocalConfig {
    /// Any port, a random session key, nothing on disk, no portal.
    pub fn new(dynamodb_endpoint: impl Into<String>, table: impl Into<String>) -> Self {
        Self {
            port: 0,
            table: table.into(),
            dynamodb_endpoint: dynamodb_endpoint.into(),
            session_key: random_key(),
            sealing_key: upline_store::sealed::Sealer::random_local_key(),
            data_dir: None,
            app_dir: None,
            sweep_every: None,
            limits: upline_api::throttle::Limits::default(),
        }
    }
}

/// 32 random bytes from the OS.
pub fn random_key() -> Vec<u8> {
    use rand::RngCore;
    let mut key = vec![0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

/// A running local cloud.
pub struct LocalCloud {
    addr: SocketAddr,
    table: String,
    dynamodb_endpoint: String,
    outbox: Arc<LocalOutbox>,
    poller: Option<Poller>,
    stream_handler: Arc<upline_stream::StreamHandler>,
    sweeper: Option<JoinHandle<()>>,
    /// Kept alive for the terms bucket.
    _s3: LocalS3,
    session_key: Vec<u8>,
    sealing_key: [u8; 32],
    server: Option<JoinHandle<std::io::Result<()>>>,
    stop_server: Option<oneshot::Sender<()>>,
}

#[derive(Clone)]
struct LocalState {
    outbox: Arc<LocalOutbox>,
    terms: Arc<dyn upline_api::TermsStore>,
    table_ready: Arc<AtomicBool>,
    poller: Arc<PollerStatus>,
}

impl LocalCloud {
    /// Creates the table if missing, starts the stream poller and serves HTTP on 127.0.0.1.
    pub async fn start(config: LocalConfig) -> anyhow::Result<Self> {
        // Bound first, so the base URL is known before anything is built on it.
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)))
                .await
                .with_context(|| format!("binding 127.0.0.1:{}", config.port))?;
        let addr = listener.local_addr()?;
        let dynamodb = dynamodb_local::dynamodb_client(&config.dynamodb_endpoint);
        let streams = dynamodb_local::streams_client(&config.dynamodb_endpoint);

        let exists = upline_store::schema::table_exists(&dynamodb, &config.table)
            .await
            .with_context(|| format!("checking whether table {} exists", config.table))?;
        if !exists {
            upline_store::schema::create_table(&dynamodb, &config.table)
                .await
                .with_context(|| format!("creating table {}", config.table))?;
            tracing::info!(table = %config.table, "table created");
        } else {
            for index in upline_store::schema::add_missing_indexes(&dynamodb, &config.table)
                .await
                .with_context(|| format!("adding new indexes to table {}", config.table))?
            {
                tracing::info!(table = %config.table, index, "index added to an existing table");
            }
        }
        tracing::info!("table {} ready", config.table);
        let table_ready = Arc::new(AtomicBool::new(true));

        let outbox = Arc::new(match &config.data_dir {
            Some(dir) => LocalOutbox::open(dir)?,
            None => LocalOutbox::in_memory(),
        });

        let s3 = match &config.data_dir {
            Some(dir) => LocalS3::start(&dir.join("s3"), false).await?,
            None => LocalS3::start_temporary().await?,
        };
        let terms: Arc<dyn upline_api::TermsStore> = Arc::new(upline_api::S3Terms {
            client: s3.client(),
            bucket: TERMS_BUCKET.to_owned(),
        });
        let base_url = format!("http://{addr}");

        let store = upline_store::Store::new(
            dynamodb.clone(),
            config.table.clone(),
            upline_store::sealed::Sealer::local_watched(
                config.sealing_key,
                crate::requests::record_key_use,
            ),
        );
        let stream_handler = Arc::new(
            upline_stream::StreamHandler::new(
                store.clone(),
                Arc::clone(&outbox) as Arc<dyn upline_stream::outbox::Deliver>,
            )
            .with_email_links(upline_stream::EmailLinks {
                key: upline_store::tokens::TokenKey::new(&config.session_key),
                portal_url: base_url.clone(),
            })
            .with_webhooks(Arc::new(LocalWebhooks {
                http: Arc::new(
                    upline_stream::HttpWebhooks::allowing_loopback()
                        .map_err(|e| anyhow::anyhow!("building the webhook client: {e}"))?,
                ),
                outbox: Arc::clone(&outbox),
            })),
        );
        let sweeper = config.sweep_every.map(|every| {
            let stream_handler = Arc::clone(&stream_handler);
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(every);
                loop {
                    ticks.tick().await;
                    crate::requests::FUNCTION
                        .scope(
                            "stream",
                            stream_handler.sweep_due(time::OffsetDateTime::now_utc()),
                        )
                        .await;
                }
            })
        });
        let mut poller_config = PollerConfig::new(config.table.clone());
        if let Some(dir) = &config.data_dir {
            poller_config.checkpoint_file =
                Some(dir.join(format!("stream-checkpoints-{}.json", config.table)));
        }
        let handler = poller::handler({
            let stream_handler = Arc::clone(&stream_handler);
            move |event| {
                let stream_handler = Arc::clone(&stream_handler);
                async move {
                    crate::requests::FUNCTION
                        .scope("stream", stream_handler.handle(event))
                        .await
                }
            }
        });
        let poller = Poller::spawn(dynamodb, streams, poller_config, handler);

        let mut api_state =
            upline_api::AppState::new(store, upline_api::SessionKey(config.session_key.clone()))
                .with_portal_url(&base_url)
                .with_terms_store(Arc::clone(&terms))
                // Receivers on this machine (a test's, a developer's) are plain HTTP.
                .allowing_http_webhooks()
                .with_limits(config.limits);
        if let Some(dir) = config.app_dir.clone() {
            // Read on each request: a rebuilt portal is served without a restart.
            api_state = api_state
                .with_portal_shell(move || std::fs::read_to_string(dir.join("index.html")).ok());
        }
        let api = upline_api::router(api_state);
        let local_state = LocalState {
            outbox: Arc::clone(&outbox),
            terms,
            table_ready,
            poller: Arc::clone(poller.status()),
        };
        let api = api
            .route_layer(axum::middleware::from_fn(attribute_to_function))
            .layer(axum::middleware::from_fn(client_addr));
        let app = api.merge(local_routes(local_state)).fallback_service(
            axum::routing::any(static_or_not_found)
                .with_state(config.app_dir.clone().map(Arc::new)),
        );
        if let Some(dir) = &config.app_dir
            && !dir.join("index.html").is_file()
        {
            tracing::warn!(dir = %dir.display(), "no index.html in the app dir: run `make app` to build the portal");
        }

        let (stop_server, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
        });
        Ok(Self {
            addr,
            table: config.table,
            dynamodb_endpoint: config.dynamodb_endpoint,
            outbox,
            poller: Some(poller),
            stream_handler,
            sweeper,
            _s3: s3,
            session_key: config.session_key.clone(),
            sealing_key: config.sealing_key,
            server: Some(server),
            stop_server: Some(stop_server),
        })
    }

    /// Starts a local cloud for a test: the shared test DynamoDB Local, a fresh table, any port.
    pub async fn start_for_test() -> anyhow::Result<Self> {
        Self::start_for_test_with(upline_api::throttle::Limits::default()).await
    }

    /// `start_for_test`, with these throttles.
    pub async fn start_for_test_with(limits: upline_api::throttle::Limits) -> anyhow::Result<Self> {
        let endpoint = dynamodb_local::shared_test_endpoint().await;
        Self::start(LocalConfig {
            limits,
            ..LocalConfig::new(endpoint, dynamodb_local::unique_table_name("upline-test"))
        })
        .await
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn dynamodb_endpoint(&self) -> &str {
        &self.dynamodb_endpoint
    }

    /// The key this cloud signs sessions with (tests forge expired tokens with it).
    pub fn session_key(&self) -> upline_api::SessionKey {
        upline_api::SessionKey(self.session_key.clone())
    }

    /// What seals secrets in this cloud's table, for a test's own reads of it.
    pub fn sealer(&self) -> upline_store::sealed::Sealer {
        upline_store::sealed::Sealer::local(self.sealing_key)
    }

    /// What the stream handler "sent".
    pub fn outbox(&self) -> &Arc<LocalOutbox> {
        &self.outbox
    }

    /// Retries every delivery due at `at` now (tests pass a time ahead to skip the backoff).
    pub async fn sweep_due_at(&self, at: time::OffsetDateTime) -> upline_stream::SweepReport {
        crate::requests::FUNCTION
            .scope("stream", self.stream_handler.sweep_due(at))
            .await
    }

    /// Counters of the stream poller.
    pub fn poller(&self) -> Option<&Arc<PollerStatus>> {
        self.poller.as_ref().map(Poller::status)
    }

    /// Stops accepting requests, lets running ones finish, then stops the poller.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        let served = match self.server.take() {
            Some(server) => server.await.context("the HTTP server task failed"),
            None => Ok(Ok(())),
        };
        if let Some(sweeper) = self.sweeper.take() {
            sweeper.abort();
        }
        if let Some(poller) = self.poller.take() {
            poller.stop().await;
        }
        served?.context("serving HTTP")?;
        Ok(())
    }
}

impl Drop for LocalCloud {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(sweeper) = self.sweeper.take() {
            sweeper.abort();
        }
        // The poller's own Drop aborts its tasks.
    }
}

/// Attributes the DynamoDB requests of a route to its function, as its own Lambda would make them.
/// The connection's address stands where API Gateway's `sourceIp` does in the cloud.
async fn client_addr(
    connection: axum::extract::ConnectInfo<SocketAddr>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    request
        .extensions_mut()
        .insert(upline_api::throttle::ClientAddr(connection.0.ip()));
    next.run(request).await
}

async fn attribute_to_function(
    path: axum::extract::MatchedPath,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let function = upline_api::routes::ROUTES
        .iter()
        .find(|route| route.path == path.as_str() && route.method == request.method())
        .map_or("unknown", |route| route.id);
    crate::requests::FUNCTION
        .scope(function, next.run(request))
        .await
}

fn local_routes(state: LocalState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/_local/outbox", get(outbox_items))
        .layer(axum::middleware::from_fn(upline_api::headers::api_headers))
        // A PDF viewer is a document of its own: the terms get no CSP, only nosniff and the
        // referrer policy (as CloudFront's document policy sends them).
        .route("/terms/{tenant}/{file}", get(terms_pdf))
        .with_state(state)
}

/// What CloudFront serves from the terms bucket in the cloud.
async fn terms_pdf(
    State(state): State<LocalState>,
    axum::extract::Path((tenant, file)): axum::extract::Path<(String, String)>,
) -> Response {
    let safe = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            && !part.starts_with('.')
    };
    if !safe(&tenant) || !safe(&file) || !file.ends_with(".pdf") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.terms.get(&format!("terms/{tenant}/{file}")).await {
        Some(pdf) => (
            [
                (axum::http::header::CONTENT_TYPE, "application/pdf"),
                (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (
                    axum::http::header::REFERRER_POLICY,
                    upline_api::headers::REFERRER_POLICY,
                ),
            ],
            pdf,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn healthz(State(state): State<LocalState>) -> Response {
    let table = state.table_ready.load(Ordering::Acquire);
    let poller = state.poller.is_running();
    if table && poller {
        return (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ok" })),
        )
            .into_response();
    }
    let waiting_for = if table { "stream poller" } else { "table" };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(serde_json::json!({ "status": "starting", "waiting_for": waiting_for })),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct OutboxQuery {
    to: Option<String>,
}

async fn outbox_items(
    State(state): State<LocalState>,
    Query(query): Query<OutboxQuery>,
) -> Response {
    let items = match &query.to {
        Some(to) => state.outbox.messages_to(to),
        None => state.outbox.messages(),
    };
    axum::Json(serde_json::json!({ "items": items })).into_response()
}

/// Everything no route matched: API paths get the contract's JSON 404, the rest is the portal
/// (a file of the app dir, else `index.html` so client-side routes work on reload).
async fn static_or_not_found(
    State(app_dir): State<Option<Arc<PathBuf>>>,
    request: Request,
) -> Response {
    let path = request.uri().path();
    let api_path = path == "/v1" || path.starts_with("/v1/") || path.starts_with("/_local/");
    let readable = request.method() == Method::GET || request.method() == Method::HEAD;
    match (&app_dir, api_path, readable) {
        (Some(dir), false, true) => serve_app(dir, request).await,
        (_, _, false) if !api_path => not_found(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed",
        ),
        _ => not_found(StatusCode::NOT_FOUND, "not_found", "no such endpoint"),
    }
}

async fn serve_app(dir: &Path, request: Request) -> Response {
    use tower::ServiceExt;
    let index = dir.join("index.html");
    let service = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(index));
    let mut response = match service.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(error) => match error {},
    };
    for (name, value) in upline_api::headers::portal_headers() {
        response
            .headers_mut()
            .insert(name, axum::http::HeaderValue::from_static(value));
    }
    response
}

fn not_found(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        upline_api::headers::document_headers(),
        axum::Json(serde_json::json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}
