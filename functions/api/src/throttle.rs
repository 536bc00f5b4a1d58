//! Who is asking (the client address) and how often they may: the limits of unauthenticated and
//! costly actions, each one window counter in the table (`Store::count_in_window`).

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::net::IpAddr;
use upline_store::Timestamp;
use upline_store::keys::Key;
use upline_store::logins::{Limit, Window};

/// The address a request came from, set by whoever serves the router: the Lambda entry from
/// API Gateway's `sourceIp`, the local cloud from the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The caller's address as a key part; requests without one share one bucket.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(match parts.extensions.get::<ClientAddr>() {
            // IPv6 clients are counted per /64: one host commonly holds a whole one.
            Some(ClientAddr(IpAddr::V6(v6))) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(ClientAddr(ip)) => ip.to_string(),
            None => "unknown".to_owned(),
        }))
    }
}

/// Every limit the API enforces. The defaults are the product's; tests may lower or raise them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Login attempts for one email from one address: the guesser's limit.
    pub login_per_email_and_client: Limit,
    /// Login attempts for one email from everywhere: the cap on a distributed guesser, high
    /// enough that one address cannot lock the real user out.
    pub login_per_email: Limit,
    /// Login attempts from one address across emails (credential stuffing).
    pub login_per_client: Limit,
    /// `POST /v1/tenants` per address.
    pub signups_per_client: Limit,
    /// `POST /v1/auth/register` per address.
    pub registrations_per_client: Limit,
    /// Account emails (set password, confirmation) per address.
    pub account_emails: Limit,
    pub invitations_per_inviter_hour: Limit,
    pub invitations_per_inviter_day: Limit,
    pub invitations_per_tenant_hour: Limit,
    pub invitations_per_tenant_day: Limit,
    /// Clicks on one program's codes from one address (the widget's beacon and `/r/{code}`):
    /// a person follows a few links a minute, a click farm hundreds.
    pub public_clicks_per_client: Limit,
    /// Leads from the widget's form for one program from one address.
    pub public_leads_per_client: Limit,
    /// A key's `last_used_at` is written at most this often.
    pub key_use_recorded_every_millis: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_per_email_and_client: Limit::per_minutes(5, 15),
            login_per_email: Limit::per_minutes(50, 15),
            login_per_client: Limit::per_minutes(100, 15),
            signups_per_client: Limit::per_minutes(5, 60),
            registrations_per_client: Limit::per_minutes(20, 60),
            account_emails: Limit::per_minutes(3, 15),
            invitations_per_inviter_hour: Limit::per_minutes(10, 60),
            invitations_per_inviter_day: Limit::per_minutes(30, 24 * 60),
            invitations_per_tenant_hour: Limit::per_minutes(200, 60),
            invitations_per_tenant_day: Limit::per_minutes(1000, 24 * 60),
            public_clicks_per_client: Limit::per_minutes(30, 1),
            public_leads_per_client: Limit::per_minutes(10, 60),
            key_use_recorded_every_millis: 60 * 60 * 1000,
        }
    }
}

/// Counts one use against each `(key, limit)` in order, stopping at the first that is full:
/// `Err` is a 429 with `code` and the `Retry-After` of that window.
pub async fn take(
    state: &AppState,
    entity: &str,
    counters: &[(Key, Limit)],
    code: upline_contract::ErrorCode,
    message: &str,
) -> Result<(), ApiError> {
    let now = Timestamp::now().millis;
    for (key, limit) in counters {
        if let Window::Full { retry_after_millis } = state
            .store
            .count_in_window(key, entity, *limit, now)
            .await?
        {
            return Err(ApiError::too_many(code, message, retry_after_millis));
        }
    }
    Ok(())
}
