//! Who is calling: passwords (argon2id, OWASP parameters), signed session tokens, API keys, and
//! the `Caller` extractor every protected handler takes.

use crate::AppState;
use crate::error::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use time::OffsetDateTime;
use upline_contract::ErrorCode;
use upline_contract::{PartnerId, Permission, TenantId, TokenResponse, UserId};
use upline_store::api_keys::ApiKeyRecord;
use upline_store::users::UserRecord;

/// OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

pub const SESSION_TTL_SECONDS: i64 = 12 * 60 * 60;
const SESSION_PREFIX: &str = "ust_";
const API_KEY_PREFIX: &str = "upk_";

fn argon2() -> Argon2<'static> {
    let params =
        Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes off the async threads: a hash takes tens of milliseconds of CPU by design.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&std::io::Error::other(e.to_string())))
}

/// Verifies a password. With no hash (unknown account) it verifies against a dummy hash, so an
/// unknown email costs the same time as a wrong password.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| {
        DUMMY
            .get_or_init(|| {
                let salt = SaltString::generate(&mut rand::rngs::OsRng);
                argon2()
                    .hash_password(b"upline-dummy-password", &salt)
                    .map(|h| h.to_string())
                    .unwrap_or_default()
            })
            .clone()
    });
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false);
    known && matches
}

/// The key that signs session tokens (HMAC-SHA256). From Secrets Manager in the cloud, an env
/// var or a generated file locally.
#[derive(Clone)]
pub struct SessionKey(pub Vec<u8>);

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionClaims {
    /// Tenant.
    pub t: TenantId,
    /// User.
    pub u: UserId,
    /// Expiry, unix seconds.
    pub exp: i64,
    /// The session's id: logging out ends this one session.
    #[serde(default)]
    pub s: String,
    /// Issued at, epoch ms: a password set again ends the sessions issued before.
    #[serde(default)]
    pub iat: i64,
    /// Only for turning two-factor login on: the tenant requires it of this staff user, who
    /// has not. Once it is on, the same session is a whole one (the user is read each request).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub setup: bool,
}

impl SessionClaims {
    /// Whether this session may still only turn two-factor login on: it was opened so, and
    /// `user` (as read now) has not turned it on since.
    pub fn only_for_setup(&self, user: &UserRecord) -> bool {
        self.setup && user.totp.secret.is_none()
    }
}

impl SessionKey {
    pub fn random() -> Self {
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        SessionKey(key)
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    pub fn issue(&self, tenant: &TenantId, user: &UserId) -> String {
        let expires = OffsetDateTime::now_utc().unix_timestamp() + SESSION_TTL_SECONDS;
        self.issue_expiring(tenant, user, expires, false)
    }

    /// A session that may only turn two-factor login on (see [`SessionClaims::setup`]).
    pub fn issue_for_setup(&self, tenant: &TenantId, user: &UserId) -> String {
        let expires = OffsetDateTime::now_utc().unix_timestamp() + SESSION_TTL_SECONDS;
        self.issue_expiring(tenant, user, expires, true)
    }

    /// A token that expires at `exp` (unix seconds); `issue` is this with the session TTL.
    pub fn issue_expiring(
        &self,
        tenant: &TenantId,
        user: &UserId,
        exp: i64,
        setup: bool,
    ) -> String {
        let mut id = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let now = OffsetDateTime::now_utc();
        let claims = SessionClaims {
            t: tenant.clone(),
            u: user.clone(),
            exp,
            s: URL_SAFE_NO_PAD.encode(id),
            iat: (now.unix_timestamp_nanos() / 1_000_000) as i64,
            setup,
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{SESSION_PREFIX}{payload}.{signature}")
    }

    /// The claims of a token this key signed and that has not expired.
    pub fn verify(&self, token: &str) -> Option<SessionClaims> {
        let (payload, signature) = token.strip_prefix(SESSION_PREFIX)?.split_once('.')?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?)
            .ok()?;
        let claims: SessionClaims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (claims.exp > OffsetDateTime::now_utc().unix_timestamp()).then_some(claims)
    }
}

/// A new API key secret and the hash it is stored and found under.
pub fn new_api_key() -> (String, String) {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!("{API_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = api_key_hash(&secret);
    (secret, hash)
}

pub fn api_key_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub enum Caller {
    User(Box<UserRecord>),
    /// A tenant's backend (CRM) with an API key.
    ApiKey(ApiKeyRecord),
}

impl Caller {
    pub fn tenant_id(&self) -> &TenantId {
        match self {
            Caller::User(user) => &user.tenant_id,
            Caller::ApiKey(key) => &key.tenant_id,
        }
    }

    pub fn has(&self, permission: Permission) -> bool {
        matches!(self, Caller::User(user) if user.permissions.contains(&permission))
    }

    /// A user with the permission; API keys act for the tenant's backend, not for a person.
    pub fn require(&self, permission: Permission) -> Result<&UserRecord, ApiError> {
        match self {
            Caller::User(user) if user.permissions.contains(&permission) => Ok(user),
            _ => Err(ApiError::forbidden(permission)),
        }
    }

    /// The tenant's backend or its staff: an API key, or a user who may see all partners,
    /// manage balances or configure the program.
    pub fn require_backend_or_staff(&self) -> Result<(), ApiError> {
        match self {
            Caller::ApiKey(_) => Ok(()),
            Caller::User(user) if user.is_staff() => Ok(()),
            Caller::User(_) => Err(ApiError::forbidden(Permission::ViewAllPartners)),
        }
    }

    /// Who did it, as entries record it: `user:<id>` or `api_key:<id>`.
    pub fn actor(&self) -> String {
        match self {
            Caller::User(user) => format!("user:{}", user.id),
            Caller::ApiKey(key) => format!("api_key:{}", key.id),
        }
    }

    /// Refuses a caller who is `partner` themself: nobody moves money into their own wallet.
    pub fn not_own_wallet(&self, partner: &PartnerId) -> Result<(), ApiError> {
        match self {
            Caller::User(user) if user.partner_id.as_ref() == Some(partner) => {
                Err(ApiError::conflict(
                    ErrorCode::OwnWallet,
                    "you cannot move money in your own wallet; ask another balance manager",
                ))
            }
            _ => Ok(()),
        }
    }

    pub fn user(&self) -> Option<&UserRecord> {
        match self {
            Caller::User(user) => Some(user),
            Caller::ApiKey(_) => None,
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// Any caller with a confirmed email (or an API key): an unconfirmed email is held at the
    /// gate with 403 `email_unconfirmed`.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let token = bearer(parts)?;
        if token.starts_with(API_KEY_PREFIX) {
            let key = state.store.api_key_by_hash(&api_key_hash(token)).await?;
            return key
                .filter(|key| !expired(key.expires_at.as_deref()))
                .map(Caller::ApiKey)
                .ok_or_else(ApiError::unauthorized);
        }
        let (claims, user) = session_user(token, state).await?;
        if claims.only_for_setup(&user) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::TwoFactorSetupRequired,
                "this program requires two-factor login of staff: turn it on first (POST /v1/me/totp)",
            ));
        }
        if !user.email_confirmed {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::EmailUnconfirmed,
                "confirm your email first: follow the link we sent you",
            ));
        }
        Ok(Caller::User(Box::new(user)))
    }
}

/// Whether an RFC 3339 expiry has passed (one that does not parse has).
fn expired(expires_at: Option<&str>) -> bool {
    expires_at.is_some_and(|at| {
        OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .map_or(true, |at| at <= OffsetDateTime::now_utc())
    })
}

/// Records an admitted key's use, at most once per `every_millis`: the listing's
/// `last_used_at` without a write on every request.
pub async fn record_key_use(
    parts: &Parts,
    key: &ApiKeyRecord,
    state: &AppState,
) -> Result<(), ApiError> {
    let now = upline_store::Timestamp::now();
    if now.millis - key.last_used_millis < state.limits.key_use_recorded_every_millis {
        return Ok(());
    }
    let token = bearer(parts)?;
    state
        .store
        .record_api_key_use(&api_key_hash(token), &now)
        .await?;
    Ok(())
}

/// A logged-in user, confirmed or not: only `GET /v1/me` and resending the confirmation take
/// this instead of `Caller`.
#[derive(Clone)]
pub struct SessionUser(pub UserRecord);

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(user) = parts.extensions.get::<SessionUser>() {
            return Ok(user.clone());
        }
        session_user(bearer(parts)?, state)
            .await
            .map(|(_, user)| SessionUser(user))
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)
}

/// The user of a session token, read fresh (permissions and confirmation may have changed),
/// while the session stands: not logged out, and not from before the password was set again.
async fn session_user(
    token: &str,
    state: &AppState,
) -> Result<(SessionClaims, UserRecord), ApiError> {
    let claims = state
        .sessions
        .verify(token)
        .ok_or_else(ApiError::unauthorized)?;
    let user = state
        .store
        .user(&claims.t, &claims.u)
        .await?
        .filter(|user| user.session_stands(&claims.s, claims.iat))
        .ok_or_else(ApiError::unauthorized)?;
    Ok((claims, user))
}

/// A new session for `user`, who has just proved who they are: a whole one, or one that may only
/// turn two-factor login on when the program requires it of staff and this staff user has not.
pub async fn open_session(state: &AppState, user: &UserRecord) -> Result<TokenResponse, ApiError> {
    let setup_required = user.is_staff()
        && user.totp.secret.is_none()
        && state
            .store
            .program(&user.tenant_id)
            .await?
            .is_some_and(|(program, _)| program.staff_two_factor_required);
    let token = if setup_required {
        state.sessions.issue_for_setup(&user.tenant_id, &user.id)
    } else {
        state.sessions.issue(&user.tenant_id, &user.id)
    };
    Ok(TokenResponse {
        token,
        two_factor_setup_required: setup_required,
    })
}

/// The claims of the request's session token (after the route's gate admitted it).
pub fn session_claims(
    headers: &axum::http::HeaderMap,
    state: &AppState,
) -> Result<SessionClaims, ApiError> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| state.sessions.verify(token.trim()))
        .ok_or_else(ApiError::unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_uses_owasp_parameters() {
        let params = argon2().params().clone();
        assert!(params.m_cost() >= 19 * 1024 && params.t_cost() >= 2 && params.p_cost() == 1);
    }

    #[tokio::test]
    async fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(hash)).await);
        assert!(!verify_password("correct horse battery".into(), None).await);
    }

    #[test]
    fn session_tokens_are_signed_and_expire() {
        let key = SessionKey::random();
        let token = key.issue(&"tn_1".into(), &"us_1".into());
        let claims = key.verify(&token).unwrap();
        assert_eq!((claims.t.as_str(), claims.u.as_str()), ("tn_1", "us_1"));
        assert!(
            SessionKey::random().verify(&token).is_none(),
            "another key's token"
        );
        let tampered = token.replacen("ust_e", "ust_f", 1);
        assert!(key.verify(&tampered).is_none());
        let expired = SessionClaims {
            t: "tn_1".into(),
            u: "us_1".into(),
            exp: 1,
            s: "sid".into(),
            iat: 0,
            setup: false,
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&expired).unwrap());
        let mut mac = key.mac();
        mac.update(payload.as_bytes());
        let forged = format!(
            "ust_{payload}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        assert!(key.verify(&forged).is_none(), "expired");
    }
}
