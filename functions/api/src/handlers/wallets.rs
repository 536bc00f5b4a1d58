//! Wallets: a partner's own (`/v1/wallet`) and any partner's, for `manage_balances`.

use super::{entry_view, tenant_currency};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ListParams, PathParam, QueryParams};
use axum::Json;
use axum::extract::State;
use upline_contract::{Amount, PartnerId, Permission, TenantId, Wallet, WalletEntryPage};

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

async fn wallet(
    state: &AppState,
    tenant: &TenantId,
    partner: PartnerId,
) -> ApiResult<Json<Wallet>> {
    let record = state.store.wallet(tenant, &partner).await?;
    let currency = tenant_currency(state, tenant).await?;
    Ok(Json(Wallet {
        partner_id: partner,
        balance: Amount(currency.normalize(record.balance)),
        currency,
    }))
}

async fn entries(
    state: &AppState,
    tenant: &TenantId,
    partner: PartnerId,
    params: ListParams,
) -> ApiResult<Json<WalletEntryPage>> {
    let limit = params.limit()?;
    let (entries, next_cursor) = state
        .store
        .entries(tenant, &partner, params.cursor()?, limit)
        .await?;
    let currency = tenant_currency(state, tenant).await?;
    Ok(Json(WalletEntryPage {
        items: entries
            .into_iter()
            .map(|e| entry_view(e, currency))
            .collect(),
        next_cursor,
    }))
}

pub async fn of_partner(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Json<Wallet>> {
    let partner = managed_partner(&state, &caller, id).await?;
    wallet(&state, caller.tenant_id(), partner).await
}

pub async fn entries_of_partner(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    QueryParams(params): QueryParams<ListParams>,
) -> ApiResult<Json<WalletEntryPage>> {
    let partner = managed_partner(&state, &caller, id).await?;
    entries(&state, caller.tenant_id(), partner, params).await
}

/// The caller's own partner; callers who are not partners (staff, API keys) have no wallet.
fn own_partner(caller: &Caller) -> Result<PartnerId, ApiError> {
    caller
        .user()
        .and_then(|user| user.partner_id.clone())
        .ok_or_else(|| ApiError::not_found("wallet"))
}

/// `GET /v1/wallet`: the caller's balance.
pub async fn own(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Wallet>> {
    let partner = own_partner(&caller)?;
    wallet(&state, caller.tenant_id(), partner).await
}

/// `GET /v1/wallet/entries`: the caller's entries, newest first, each with its source.
pub async fn own_entries(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ListParams>,
) -> ApiResult<Json<WalletEntryPage>> {
    let partner = own_partner(&caller)?;
    entries(&state, caller.tenant_id(), partner, params).await
}
