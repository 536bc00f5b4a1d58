//! Two-factor login (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps, as every authenticator
//! app reads it). `POST /v1/me/totp` makes a secret, `…/confirm` turns it on with a code from
//! it, `DELETE /v1/me/totp` with a code turns it off. Secrets are sealed at rest; each accepted
//! code takes its time step, so a code works once.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::{ApiError, ApiResult};
use crate::serve::{Body, Reply};
use axum::extract::State;
use axum::http::StatusCode;
use rand::RngCore;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Secret, TOTP};
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::NoContent;
use upline_contract::{TotpSetup, TotpStatus};
use upline_store::users::UserRecord;

const STEP_SECONDS: u64 = 30;
/// A code of the step before or after now is accepted too: phones' clocks drift.
const SKEW_STEPS: i64 = 1;

fn authenticator(secret: &str, account: &str) -> Result<TOTP, ApiError> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().map_err(|_| {
        ApiError::internal(&std::io::Error::other("a stored TOTP secret is not base32"))
    })?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECONDS,
        bytes,
        Some("Upline".to_owned()),
        account.to_owned(),
    )
    .map_err(|e| ApiError::internal(&std::io::Error::other(e.to_string())))
}

/// The time step `code` belongs to (now, or one step either side), if it is right.
pub fn matching_step(
    secret: &str,
    account: &str,
    code: &str,
    now: i64,
) -> Result<Option<i64>, ApiError> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = authenticator(secret, account)?;
    let now_step = now / STEP_SECONDS as i64;
    for step in now_step - SKEW_STEPS..=now_step + SKEW_STEPS {
        let expected = totp.generate(step as u64 * STEP_SECONDS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

fn code_field(code: &str) -> Result<(), ApiError> {
    if code.trim().len() == 6 && code.trim().bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "code",
            "must be the 6 digits the authenticator shows",
        ))
    }
}

pub fn wrong_code() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidTotp,
        "the code is wrong, expired or already used",
    )
}

/// Checks a code of the user's active (or, with `pending`, new) secret and takes its step.
/// `Ok(false)`: wrong, expired or replayed.
pub async fn accept_code(
    state: &AppState,
    user: &UserRecord,
    code: &str,
    enabling: Option<&upline_store::audit::AuditRecord>,
) -> ApiResult<bool> {
    let Some(secret) = state.store.open_totp(user, enabling.is_some()).await? else {
        return Ok(false);
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let Some(step) = matching_step(&secret, &user.email, code, now)? else {
        return Ok(false);
    };
    Ok(state.store.use_totp_step(user, step, enabling).await?)
}

/// `POST /v1/me/totp`
pub async fn start(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
) -> ApiResult<Reply<c::StartTotp>> {
    if user.totp.secret.is_some() {
        return Err(ApiError::conflict(
            ErrorCode::TotpEnabled,
            "two-factor login is already on; turn it off first to change the authenticator",
        ));
    }
    let mut bytes = [0_u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = Secret::Raw(bytes.to_vec()).to_encoded().to_string();
    let url = authenticator(&secret, &user.email)?.get_url();
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|e| ApiError::internal(&e))?;
    state.store.set_pending_totp(&user, &secret).await?;
    Ok(Reply::ok(TotpSetup {
        secret,
        otpauth_url: url,
        qr_svg: super::partners::qr_svg(&qr),
    }))
}

/// `POST /v1/me/totp/confirm`
pub async fn confirm(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Body(request): Body<c::ConfirmTotp>,
) -> ApiResult<Reply<c::ConfirmTotp>> {
    code_field(&request.code)?;
    if user.totp.pending.is_none() {
        return Err(ApiError::conflict(
            ErrorCode::NoTotpSetup,
            "start with POST /v1/me/totp, then confirm a code from that secret",
        ));
    }
    let audit = super::audit::record(
        &crate::auth::Caller::User(Box::new(user.clone())),
        "user.totp_enabled",
        format!("user:{}", user.id),
        serde_json::json!({}),
    );
    if !accept_code(&state, &user, &request.code, Some(&audit)).await? {
        return Err(wrong_code());
    }
    Ok(Reply::ok(TotpStatus { enabled: true }))
}

/// `DELETE /v1/me/totp`: with a current code, so a stolen session cannot turn it off.
pub async fn disable(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Body(request): Body<c::DisableTotp>,
) -> ApiResult<Reply<c::DisableTotp>> {
    code_field(&request.code)?;
    if user.totp.secret.is_none() {
        return Err(ApiError::conflict(
            ErrorCode::TotpNotEnabled,
            "two-factor login is off",
        ));
    }
    if !accept_code(&state, &user, &request.code, None).await? {
        return Err(wrong_code());
    }
    let audit = super::audit::record(
        &crate::auth::Caller::User(Box::new(user.clone())),
        "user.totp_disabled",
        format!("user:{}", user.id),
        serde_json::json!({}),
    );
    state.store.disable_totp(&user, &audit).await?;
    Ok(Reply::ok(NoContent))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238's SHA-1 test secret ("12345678901234567890"), codes cut to 6 digits.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn the_rfc_6238_vectors_match_and_a_neighbouring_step_is_allowed() {
        assert_eq!(
            matching_step(RFC_SECRET, "a@b.example", "287082", 59).unwrap(),
            Some(1)
        );
        assert_eq!(
            matching_step(RFC_SECRET, "a@b.example", "081804", 1111111109).unwrap(),
            Some(37037036)
        );
        // 30 s later the previous code still counts (clock drift), 60 s later not.
        assert_eq!(
            matching_step(RFC_SECRET, "a@b.example", "081804", 1111111109 + 30).unwrap(),
            Some(37037036)
        );
        assert_eq!(
            matching_step(RFC_SECRET, "a@b.example", "081804", 1111111109 + 60).unwrap(),
            None
        );
    }

    #[test]
    fn anything_but_six_digits_is_wrong() {
        for code in ["", "28708", "2870822", "28708a", "-87082"] {
            assert_eq!(
                matching_step(RFC_SECRET, "a@b.example", code, 59).unwrap(),
                None,
                "{code:?}"
            );
        }
    }
}
