//! Wallets: a partner's own (`/v1/wallet`) and any partner's, for `manage_balances`.

use super::{encode_cursor, new_id};
use super::{entry_view, tenant_currency};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ListParams, Paged, PathParam};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use upline_contract as c;
use upline_contract::{Amount, Page, PartnerId, Permission, TenantId, Wallet, WalletEntry};
use upline_domain::{plan, validate};
use upline_store::Timestamp;
use upline_store::wallets::EntryRecord;

async fn managed_partner(
    state: &AppState,
    caller: &Caller,
    id: String,
) -> Result<PartnerId, ApiError> {
    caller.require(Permission::ManageBalances)?;
    let partner = state
        .store
        .partner(caller.tenant_id(), &PartnerId(id))
        .await?;
    partner
        .map(|p| p.id)
        .ok_or_else(|| ApiError::not_found("partner"))
}

async fn wallet(state: &AppState, tenant: &TenantId, partner: PartnerId) -> ApiResult<Wallet> {
    let (record, payout_open) = state.store.wallet_and_open_payout(tenant, &partner).await?;
    let currency = tenant_currency(state, tenant).await?;
    Ok(Wallet {
        partner_id: partner,
        balance: Amount(currency.normalize(record.balance)),
        pending: Amount(currency.normalize(record.pending)),
        currency,
        payout_open,
    })
}

async fn entries(
    state: &AppState,
    tenant: &TenantId,
    partner: PartnerId,
    params: ListParams<'_>,
) -> ApiResult<Page<WalletEntry>> {
    let limit = params.limit()?;
    let after = params.decoded_cursor()?;
    let (entries, next) = state
        .store
        .entries(tenant, &partner, after.as_deref(), limit)
        .await?;
    let currency = tenant_currency(state, tenant).await?;
    // Who each entry came from, in one batch read rather than by the portal one at a time.
    let sources: Vec<&PartnerId> = entries
        .iter()
        .filter_map(|e| e.from_partner_id.as_ref())
        .collect();
    let names = state.store.partner_names(tenant, &sources).await?;
    Ok(Page {
        items: entries
            .into_iter()
            .map(|e| {
                let from_partner_name = e
                    .from_partner_id
                    .as_ref()
                    .and_then(|id| names.get(id).cloned());
                WalletEntry {
                    from_partner_name,
                    ..entry_view(e, currency)
                }
            })
            .collect(),
        next_cursor: next.as_deref().map(encode_cursor),
    })
}

pub async fn of_partner(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Reply<c::GetPartnerWallet>> {
    let partner = managed_partner(&state, &caller, id).await?;
    wallet(&state, caller.tenant_id(), partner)
        .await
        .map(Reply::ok)
}

pub async fn entries_of_partner(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    Params(params): Params<c::ListPartnerWalletEntries>,
) -> ApiResult<Reply<c::ListPartnerWalletEntries>> {
    let partner = managed_partner(&state, &caller, id).await?;
    entries(&state, caller.tenant_id(), partner, params.page())
        .await
        .map(Reply::ok)
}

/// The caller's own partner; callers who are not partners (staff, API keys) have no wallet.
fn own_partner(caller: &Caller) -> Result<PartnerId, ApiError> {
    caller
        .user()
        .and_then(|user| user.partner_id.clone())
        .ok_or_else(|| ApiError::not_found("wallet"))
}

/// `GET /v1/wallet`: the caller's balance.
pub async fn own(State(state): State<AppState>, caller: Caller) -> ApiResult<Reply<c::GetWallet>> {
    let partner = own_partner(&caller)?;
    wallet(&state, caller.tenant_id(), partner)
        .await
        .map(Reply::ok)
}

/// `GET /v1/wallet/entries`: the caller's entries, newest first, each with its source.
pub async fn own_entries(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListWalletEntries>,
) -> ApiResult<Reply<c::ListWalletEntries>> {
    let partner = own_partner(&caller)?;
    entries(&state, caller.tenant_id(), partner, params.page())
        .await
        .map(Reply::ok)
}

/// `POST /v1/partners/{id}/wallet/adjustments` (manage_balances): a credit or a debit with a
/// reason, in one transaction with the balance; a debit below zero is 409 `insufficient_balance`.
pub async fn adjust(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    Body(request): Body<c::AdjustWallet>,
) -> ApiResult<Reply<c::AdjustWallet>> {
    let partner = managed_partner(&state, &caller, id).await?;
    caller.not_own_wallet(&partner)?;
    let tenant = caller.tenant_id().clone();
    let currency = tenant_currency(&state, &tenant).await?;
    let amount = request.amount.value();
    if amount.is_zero() {
        return Err(ApiError::invalid("amount", "must not be zero"));
    }
    let magnitude = plan::check_amount(currency, amount.abs(), "amount", "the amount")
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let amount = if amount.is_sign_negative() {
        -magnitude
    } else {
        magnitude
    };
    let reason = validate::text(&request.reason, 500)
        .ok()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::invalid("reason", "say why, in 1 to 500 characters"))?;
    let entry = EntryRecord::adjustment(
        &partner,
        amount,
        &reason,
        &Timestamp::now(),
        &new_id("adj"),
        &caller.actor(),
    );
    let mut tx = state.store.tx();
    tx.add_entry(&tenant, &entry, currency.code(), true)?;
    tx.audit(&super::audit::record(
        &caller,
        "wallet.adjust",
        format!("partner:{partner}"),
        serde_json::json!({"amount": amount, "reason": reason}),
    ))?;
    state.store.commit(tx).await?;
    Ok(Reply::ok(super::entry_view(entry, currency)))
}
