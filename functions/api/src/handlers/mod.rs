//! One module per resource, one function per endpoint.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod deals;
pub mod embed;
pub mod invitations;
pub mod leads;
pub mod members;
pub mod notifications;
pub mod partners;
pub mod payouts;
pub mod program;
pub mod public;
pub mod tenants;
pub mod terms;
pub mod totp;
pub mod users;
pub mod wallets;
pub mod webhooks;

pub use partners::new_referral_code;

use crate::AppState;
use crate::error::ApiError;
use upline_contract::{Amount, Currency, EntryId, Partner, Tenant, TenantId, User, WalletEntry};
use upline_store::partners::PartnerRecord;
use upline_store::tenants::TenantRecord;
use upline_store::users::UserRecord;
use upline_store::wallets::EntryRecord;

/// Whose items a list shows (`?partner_id=`): staff and API keys everyone's (`None`) or the
/// partner asked for; a partner their own, and another's does not exist for them (404).
pub fn listed_partner(
    caller: &crate::auth::Caller,
    requested: Option<&str>,
) -> Result<Option<upline_contract::PartnerId>, ApiError> {
    if caller.require_backend_or_staff().is_ok() {
        return Ok(requested.map(upline_contract::PartnerId::from));
    }
    let own = caller
        .user()
        .and_then(|u| u.partner_id.clone())
        .ok_or_else(|| ApiError::not_found("partner"))?;
    if requested.is_some_and(|r| r != own.as_str()) {
        return Err(ApiError::not_found("partner"));
    }
    Ok(Some(own))
}

/// An optional text field: blank counts as absent, anything else must pass `check`, or it is
/// a 422 naming `field`.
pub fn optional_field<T>(
    field: &str,
    value: Option<&str>,
    check: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ApiError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(check)
        .transpose()
        .map_err(|m| ApiError::invalid(field, m))
}

/// Cursors are opaque to clients: the sort key they stand for, in URL-safe base64.
pub fn encode_cursor(sort_key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sort_key)
}

/// The partner named by an id of the form `<prefix><ulid>_<partner id>` (payouts, leads): such
/// an item lives in its partner's partition and is found in one read.
pub fn partner_in_id(id: &str, prefix: &str) -> Option<upline_contract::PartnerId> {
    let (ulid, partner) = id.strip_prefix(prefix)?.split_once('_')?;
    let plausible = ulid.len() == 26
        && ulid.bytes().all(|b| b.is_ascii_alphanumeric())
        && partner.starts_with("pt_")
        && partner.len() <= 64
        && partner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    plausible.then(|| upline_contract::PartnerId::from(partner))
}

/// A new opaque id: a short type prefix and a ULID (time-ordered, random).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new().to_string().to_lowercase())
}

pub fn partner_view(state: &AppState, partner: &PartnerRecord) -> Partner {
    Partner {
        id: partner.id.clone(),
        user_id: partner.user_id.clone(),
        name: partner.name.clone(),
        email: partner.email.to_string(),
        referral_code: partner.referral_code.to_string(),
        // The program rides along: referral codes are unique per program, and the portal is shared.
        referral_link: format!(
            "{}/r/{}?program={}",
            state.portal_url, partner.referral_code, partner.tenant_id
        ),
        external_id: partner.external_id.clone(),
        sponsor_id: partner.sponsor_id().cloned(),
        depth: partner.depth(),
        status: partner.status.clone(),
        joined_at: partner.joined_at.clone(),
        terms_version: partner.terms_version.clone(),
        level: None,
        balance: None,
    }
}

pub fn user_view(user: &UserRecord) -> User {
    User {
        id: user.id.clone(),
        email: user.email.to_string(),
        name: user.name.clone(),
        phone: user.phone.clone(),
        email_confirmed: user.email_confirmed,
        permissions: user.permissions.clone(),
        partner_id: user.partner_id.clone(),
        supervisor_id: user.supervisor_id.clone(),
        created_at: user.created_at.clone(),
        language: user.language,
        two_factor: user.totp.secret.is_some(),
    }
}

pub fn tenant_view(tenant: TenantRecord) -> Tenant {
    Tenant {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        currency: tenant.currency,
    }
}

/// DynamoDB keeps numbers normalised ("20.00" comes back as "20"): amounts are shown in the
/// currency's minor units again.
pub fn entry_view(entry: EntryRecord, currency: Currency) -> WalletEntry {
    WalletEntry {
        id: EntryId(entry.id),
        kind: entry.kind,
        amount: Amount(currency.normalize(entry.amount)),
        created_at: entry.created_at,
        status: entry.status,
        available_at: entry.available_at,
        deal_id: entry.deal_id,
        from_partner_id: entry.from_partner_id,
        from_partner_name: None,
        level: entry.level,
        rule: entry.rule,
        reason: entry.reason,
        made_by: entry.actor,
    }
}

/// The tenant's program settings; a tenant without one is a 404.
pub async fn program_of(
    state: &AppState,
    tenant: &TenantId,
) -> Result<upline_contract::Program, ApiError> {
    let (program, _) = state
        .store
        .program(tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    Ok(program)
}

/// The tenant's currency (the program's).
pub async fn tenant_currency(state: &AppState, tenant: &TenantId) -> Result<Currency, ApiError> {
    Ok(program_of(state, tenant).await?.currency)
}
