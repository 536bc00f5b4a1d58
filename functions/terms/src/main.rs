//! `PUT /v1/program/terms` as a Lambda. It is the only endpoint that writes to S3, so it is the
//! only binary that links the S3 SDK; every other endpoint runs from the smaller `upline-api`.

use lambda_http::{Error, run};
use std::sync::Arc;
use upline_api::{AppState, S3Terms, SessionKey, routes};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
    let config = aws_config::load_from_env().await;
    let table = std::env::var("UPLINE_TABLE").map_err(|_| "UPLINE_TABLE is not set")?;
    let key = std::env::var("UPLINE_SESSION_KEY").map_err(|_| "UPLINE_SESSION_KEY is not set")?;
    let bucket =
        std::env::var("UPLINE_TERMS_BUCKET").map_err(|_| "UPLINE_TERMS_BUCKET is not set")?;
    // The KMS key that wraps the data keys sealing webhook and TOTP secrets.
    let kms_key = std::env::var("UPLINE_KMS_KEY").map_err(|_| "UPLINE_KMS_KEY is not set")?;
    let store = upline_store::Store::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
        upline_store::sealed::Sealer::kms(aws_sdk_kms::Client::new(&config), kms_key),
    );
    let mut state =
        AppState::new(store, SessionKey(key.into_bytes())).with_terms_store(Arc::new(S3Terms {
            client: aws_sdk_s3::Client::new(&config),
            bucket,
        }));
    if let Ok(url) = std::env::var("UPLINE_PORTAL_URL") {
        state = state.with_portal_url(&url);
    }
    run(routes::router(state, Some("upload_terms"))).await
}
