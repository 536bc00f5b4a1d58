//! The API as a Lambda. `UPLINE_ROUTE` names the one route this function serves (one Lambda per
//! endpoint); without it the function serves them all.

use lambda_http::{Error, run};
use upline_api::{AppState, SessionKey, routes};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
    let config = aws_config::load_from_env().await;
    let table = std::env::var("UPLINE_TABLE").map_err(|_| "UPLINE_TABLE is not set")?;
    let key = std::env::var("UPLINE_SESSION_KEY").map_err(|_| "UPLINE_SESSION_KEY is not set")?;
    let store = upline_store::Store::new(aws_sdk_dynamodb::Client::new(&config), table);
    let mut state = AppState::new(store, SessionKey(key.into_bytes()));
    if let Ok(url) = std::env::var("UPLINE_PORTAL_URL") {
        state = state.with_portal_url(&url);
    }
    let route = std::env::var("UPLINE_ROUTE").ok();
    run(routes::router(state, route.as_deref())).await
}
