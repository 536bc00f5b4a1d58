//! The HTTP API: one handler per endpoint (`handlers/<resource>.rs`), the route list they are
//! mounted from (`routes.rs`), authentication and the error contract.
//!
//! The same router runs under `lambda_http` in the cloud (one Lambda per route, chosen by
//! `UPLINE_ROUTE`) and under `axum::serve` in the local cloud.

pub mod auth;
pub mod embed_token;
pub mod error;
pub mod extract;
pub mod handlers;
pub mod headers;
pub mod openapi;
pub mod routes;
pub mod serve;
pub mod throttle;
pub mod widget_site;

pub use auth::SessionKey;
pub use error::{ApiError, ApiResult};

use std::sync::Arc;
use upline_store::Store;
use upline_store::tokens::TokenKey;

#[cfg(feature = "s3")]
pub use handlers::terms::S3Terms;
pub use handlers::terms::TermsStore;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub sessions: Arc<SessionKey>,
    /// Derives the tokens of email links (from the same deployment secret, its own label).
    pub tokens: TokenKey,
    /// Where the program terms PDFs are kept (S3); `None` where no bucket is configured.
    pub terms: Option<Arc<dyn TermsStore>>,
    /// Where the portal is served, for absolute referral links (empty: links are paths).
    pub portal_url: Arc<str>,
    /// Webhook URLs may be `http://` (the local cloud); in the cloud they must be `https://`.
    pub allow_http_webhooks: bool,
    /// The throttles' limits.
    pub limits: throttle::Limits,
    /// The portal's `index.html`, which `GET /embed` answers with its own frame-ancestors: the
    /// local cloud reads it from the app dir, the cloud from `UPLINE_PORTAL_SHELL`.
    pub portal_shell: Option<Arc<dyn Fn() -> Option<String> + Send + Sync>>,
}

impl AppState {
    pub fn new(store: Store, sessions: SessionKey) -> Self {
        AppState {
            store,
            tokens: TokenKey::new(&sessions.0),
            sessions: Arc::new(sessions),
            terms: None,
            portal_url: Arc::from(""),
            allow_http_webhooks: false,
            limits: throttle::Limits::default(),
            portal_shell: None,
        }
    }

    pub fn with_portal_shell(
        mut self,
        shell: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.portal_shell = Some(Arc::new(shell));
        self
    }

    pub fn with_terms_store(mut self, store: Arc<dyn TermsStore>) -> Self {
        self.terms = Some(store);
        self
    }

    pub fn with_portal_url(mut self, url: &str) -> Self {
        self.portal_url = Arc::from(url.trim_end_matches('/'));
        self
    }

    pub fn with_limits(mut self, limits: throttle::Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn allowing_http_webhooks(mut self) -> Self {
        self.allow_http_webhooks = true;
        self
    }
}

/// Every endpoint of the route list, plus `/openapi.json`.
pub fn router(state: AppState) -> axum::Router {
    routes::router(state, None)
}
