//! The API as a Lambda. `UPLINE_ROUTE` names the one route this function serves (one Lambda per
//! endpoint); without it the function serves them all.

use lambda_http::request::RequestContext;
use lambda_http::{Error, run};
use upline_api::throttle::ClientAddr;
use upline_api::{AppState, SessionKey, routes};

/// API Gateway says who connected (`requestContext.http.sourceIp`); the throttles count by it.
async fn client_addr(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let source = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    if let Some(ip) = source.and_then(|ip| ip.parse().ok()) {
        request.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(request).await
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
    let config = aws_config::load_from_env().await;
    let table = std::env::var("UPLINE_TABLE").map_err(|_| "UPLINE_TABLE is not set")?;
    let key = std::env::var("UPLINE_SESSION_KEY").map_err(|_| "UPLINE_SESSION_KEY is not set")?;
    // The KMS key that wraps the data keys sealing webhook and TOTP secrets.
    let kms_key = std::env::var("UPLINE_KMS_KEY").map_err(|_| "UPLINE_KMS_KEY is not set")?;
    let store = upline_store::Store::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
        upline_store::sealed::Sealer::kms(aws_sdk_kms::Client::new(&config), kms_key),
    );
    let mut state = AppState::new(store, SessionKey(key.into_bytes()));
    if let Ok(url) = std::env::var("UPLINE_PORTAL_URL") {
        state = state.with_portal_url(&url);
    }
    // The portal's index.html, for the embedded panel's page (`GET /embed`): set at deploy.
    if let Ok(shell) = std::env::var("UPLINE_PORTAL_SHELL")
        && !shell.is_empty()
    {
        state = state.with_portal_shell(move || Some(shell.clone()));
    }
    let route = std::env::var("UPLINE_ROUTE").ok();
    run(routes::router(state, route.as_deref()).layer(axum::middleware::from_fn(client_addr))).await
}
