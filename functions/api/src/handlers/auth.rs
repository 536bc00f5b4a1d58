//! `POST /v1/auth/login`: every attempt is counted before the password is checked.

use crate::AppState;
use crate::auth::{open_session, verify_password};
use crate::error::{ApiError, ApiResult};
use crate::serve::{Body, Reply};
use crate::throttle::{self, ClientIp};
use axum::extract::State;
use axum::http::StatusCode;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_domain::validate::Email;
use upline_store::keys;

/// Unknown tenant, unknown email and wrong password answer alike, and take as long; the
/// throttle counts by email whether or not an account has it.
///
/// The attempt is counted first, by conditional writes that refuse past the limit, so however
/// many attempts arrive at once no more than the limit reach the password check. The tightest
/// limit is per (email, client address): a guesser elsewhere does not lock the real user out.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Body(request): Body<c::Login>,
) -> ApiResult<Reply<c::Login>> {
    let email = request.email.trim().to_lowercase();
    let Some(tenant) = state.store.tenant_by_slug(&request.tenant).await? else {
        throttle::take(
            &state,
            "client_throttle",
            &[(
                keys::client_throttle("login", &client),
                state.limits.login_per_client,
            )],
            ErrorCode::TooManyAttempts,
            "too many login attempts; try again later",
        )
        .await?;
        verify_password(request.password, None).await;
        return Err(wrong_credentials());
    };
    let counters = [
        (
            keys::login_attempts_from(&tenant.id, &email, &client),
            state.limits.login_per_email_and_client,
        ),
        (
            keys::login_throttle(&tenant.id, &email),
            state.limits.login_per_email,
        ),
        (
            keys::client_throttle("login", &client),
            state.limits.login_per_client,
        ),
    ];
    throttle::take(
        &state,
        "login_throttle",
        &counters,
        ErrorCode::TooManyAttempts,
        "too many login attempts; try again later",
    )
    .await?;
    // An address that is not one has no account; it was counted all the same.
    let user = match Email::parse(&email) {
        Ok(email) => state.store.user_by_email(&tenant.id, &email).await?,
        Err(_) => None,
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !verify_password(request.password, hash).await {
        return Err(wrong_credentials());
    }
    let Some(user) = user else {
        return Err(wrong_credentials());
    };
    // The second factor, inside the same throttle: a wrong code counts as a failed attempt.
    if user.totp.secret.is_some() {
        let Some(code) = request.totp.as_deref() else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::TotpRequired,
                "two-factor login is on: send the authenticator's 6-digit code as totp",
            ));
        };
        if !super::totp::accept_code(&state, &user, code, None).await? {
            return Err(super::totp::wrong_code());
        }
    }
    // The right password starts this email's counts afresh (only its owner can do that); the
    // address's count across emails gets back only this attempt, or an attacker could clear it
    // by logging in to an account of their own.
    let [from_here, everywhere, this_client] = counters;
    state.store.reset_window(&from_here.0).await?;
    state.store.reset_window(&everywhere.0).await?;
    state.store.give_back(&this_client.0).await?;
    Ok(Reply::ok(open_session(&state, &user).await?))
}

fn wrong_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "the email or password is wrong",
    )
}
