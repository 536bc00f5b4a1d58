//! `POST /v1/auth/login`.

use crate::AppState;
use crate::auth::verify_password;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use upline_contract::{LoginRequest, TokenResponse};

/// Unknown tenant, unknown email and wrong password answer alike, and take as long.
pub async fn login(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let email = request.email.trim().to_lowercase();
    let user = match state.store.tenant_by_slug(&request.tenant).await? {
        Some(tenant) => state.store.user_by_email(&tenant.id, &email).await?,
        None => None,
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !verify_password(request.password, hash).await {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "the email or password is wrong",
        ));
    }
    let user = user.ok_or_else(ApiError::unauthorized)?;
    Ok(Json(TokenResponse {
        token: state.sessions.issue(&user.tenant_id, &user.id),
    }))
}
