//! `POST /v1/auth/login`, throttled per email.

use crate::AppState;
use crate::auth::verify_password;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use upline_contract::{LoginRequest, TokenResponse};
use upline_store::Timestamp;

/// After this many failures inside the window, logins for the email are refused until it ends.
pub const MAX_LOGIN_FAILURES: u64 = 5;
pub const LOGIN_WINDOW_MILLIS: i64 = 15 * 60 * 1000;

/// Unknown tenant, unknown email and wrong password answer alike, and take as long; the
/// throttle counts by email whether or not an account has it.
pub async fn login(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let email = request.email.trim().to_lowercase();
    let Some(tenant) = state.store.tenant_by_slug(&request.tenant).await? else {
        verify_password(request.password, None).await;
        return Err(wrong_credentials());
    };
    let now = Timestamp::now().millis;
    let failures = state.store.login_failures(&tenant.id, &email).await?;
    let window_open = now - failures.window_start_millis < LOGIN_WINDOW_MILLIS;
    if window_open && failures.count >= MAX_LOGIN_FAILURES {
        let wait_seconds = (failures.window_start_millis + LOGIN_WINDOW_MILLIS - now) / 1000 + 1;
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed logins; try again later",
        )
        .into_response();
        if let Ok(value) = HeaderValue::from_str(&wait_seconds.to_string()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let user = state.store.user_by_email(&tenant.id, &email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let Some(user) = user else {
        verify_password(request.password, None).await;
        state
            .store
            .record_login_failure(&tenant.id, &email, !window_open, now)
            .await?;
        return Err(wrong_credentials());
    };
    if !verify_password(request.password, hash).await {
        state
            .store
            .record_login_failure(&tenant.id, &email, !window_open, now)
            .await?;
        return Err(wrong_credentials());
    }
    if failures.count > 0 {
        state.store.clear_login_failures(&tenant.id, &email).await?;
    }
    Ok(Json(TokenResponse {
        token: state.sessions.issue(&user.tenant_id, &user.id),
    })
    .into_response())
}

fn wrong_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the email or password is wrong",
    )
}
