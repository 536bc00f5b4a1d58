//! Embed tokens: what a tenant's backend mints (`POST /v1/embed-tokens`) so one partner's panel
//! can be shown on the tenant's own site. Signed like sessions but with a key of their own, so
//! neither kind can pass for the other; read-only by construction: only `/v1/embed/*` accepts
//! one, and every other route answers 401 to it.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;
use upline_contract::{PartnerId, TenantId};

pub const EMBED_PREFIX: &str = "uet_";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmbedClaims {
    /// Tenant.
    pub t: TenantId,
    /// Partner.
    pub p: PartnerId,
    /// Expiry, unix seconds.
    pub exp: i64,
}

fn mac(key: &crate::SessionKey) -> Hmac<Sha256> {
    // A key derived for embed tokens only: a session token's signature never verifies here.
    let mut derive =
        <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC takes keys of any length");
    derive.update(b"upline embed token v1");
    let derived = derive.finalize().into_bytes();
    <Hmac<Sha256> as Mac>::new_from_slice(&derived).expect("HMAC takes keys of any length")
}

pub fn issue(key: &crate::SessionKey, claims: &EmbedClaims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let mut mac = mac(key);
    mac.update(payload.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{EMBED_PREFIX}{payload}.{signature}")
}

/// Why a token does not open the panel: the panel tells an expired one apart (the host mints a
/// new one) from one that was never good.
#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
    Expired,
    Forged,
}

pub fn verify(key: &crate::SessionKey, token: &str) -> Result<EmbedClaims, Invalid> {
    let (payload, signature) = token
        .strip_prefix(EMBED_PREFIX)
        .and_then(|rest| rest.split_once('.'))
        .ok_or(Invalid::Forged)?;
    let mut mac = mac(key);
    mac.update(payload.as_bytes());
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Invalid::Forged)?;
    mac.verify_slice(&signature).map_err(|_| Invalid::Forged)?;
    let claims: EmbedClaims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or(Invalid::Forged)?;
    if claims.exp <= OffsetDateTime::now_utc().unix_timestamp() {
        return Err(Invalid::Expired);
    }
    Ok(claims)
}

/// The tenant a token names, read without checking it: only to choose the embed page's
/// `frame-ancestors` (a forged token gains nothing but that program's own origins).
pub fn unverified_tenant(token: &str) -> Option<TenantId> {
    let payload = token.strip_prefix(EMBED_PREFIX)?.split_once('.')?.0;
    let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<EmbedClaims>(&json)
        .ok()
        .map(|c| c.t)
}

/// The caller of `/v1/embed/*`: a valid embed token.
#[derive(Clone, Debug)]
pub struct EmbedCaller(pub EmbedClaims);

impl FromRequestParts<AppState> for EmbedCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<EmbedCaller>() {
            return Ok(caller.clone());
        }
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        match verify(&state.sessions, token) {
            Ok(claims) => Ok(EmbedCaller(claims)),
            Err(Invalid::Expired) => Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                upline_contract::ErrorCode::Unauthorized,
                "the embed token expired: mint a new one (POST /v1/embed-tokens)",
            )),
            Err(Invalid::Forged) => Err(ApiError::unauthorized()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp_in: i64) -> EmbedClaims {
        EmbedClaims {
            t: TenantId::from("tn_1"),
            p: PartnerId::from("pt_1"),
            exp: OffsetDateTime::now_utc().unix_timestamp() + exp_in,
        }
    }

    #[test]
    fn a_token_verifies_only_with_its_key_and_until_it_expires() {
        let key = crate::SessionKey::random();
        let fresh = claims(60);
        let token = issue(&key, &fresh);
        assert_eq!(verify(&key, &token), Ok(fresh));
        assert_eq!(
            verify(&crate::SessionKey::random(), &token),
            Err(Invalid::Forged)
        );
        assert_eq!(
            verify(&key, &issue(&key, &claims(-1))),
            Err(Invalid::Expired)
        );
        assert_eq!(unverified_tenant(&token), Some(TenantId::from("tn_1")));
    }

    #[test]
    fn a_session_token_is_no_embed_token() {
        let key = crate::SessionKey::random();
        let session = key.issue(
            &TenantId::from("tn_1"),
            &upline_contract::UserId::from("us_1"),
        );
        let forged = session.replacen("ust_", EMBED_PREFIX, 1);
        assert_eq!(verify(&key, &forged), Err(Invalid::Forged));
    }
}
