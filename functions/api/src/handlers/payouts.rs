//! Payouts: a partner requests (≤ balance, ≥ the program's minimum, one open at a time); staff
//! with `manage_balances` pay (the balance drops atomically, never below zero) or reject with a
//! reason. Either way the partner gets an email.

use super::{encode_cursor, new_id, tenant_currency};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam, word};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use axum::http::StatusCode;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{
    Amount, Currency, Page, PartnerId, Payout, PayoutStatus, Permission, TenantId,
};
use upline_domain::payouts::{self, PayoutAsk, PayoutRefusal};
use upline_domain::{plan, validate};
use upline_store::outbox::OutboxRecord;
use upline_store::payouts::PayoutRecord;
use upline_store::{Timestamp, Tx};

fn payout_view(payout: PayoutRecord, currency: Currency) -> Payout {
    Payout {
        id: payout.id,
        partner_id: payout.partner_id,
        partner_name: None,
        amount: Amount(currency.normalize(payout.amount)),
        currency,
        status: payout.status,
        created_at: payout.created_at,
        decided_at: payout.decided_at,
        reason: payout.reason,
    }
}

/// A payout id names its partner: `po_<ulid>_<partner id>`, so paying finds it in one read.
fn partner_of(id: &str) -> Option<PartnerId> {
    super::partner_in_id(id, "po_")
}

/// `POST /v1/payouts`: the caller (a partner) asks for `amount`.
pub async fn request(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<c::RequestPayout>,
) -> ApiResult<Reply<c::RequestPayout>> {
    let user = caller.require(Permission::Participate)?;
    let partner = user
        .partner_id
        .clone()
        .ok_or_else(|| ApiError::conflict(ErrorCode::NotAPartner, "join the program first"))?;
    let tenant = user.tenant_id.clone();
    let program = super::program_of(&state, &tenant).await?;
    let currency = program.currency;
    let amount = plan::check_amount(currency, body.amount.value(), "amount", "the amount")
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    // The wallet and its open-request marker in one read; the write's condition still guards
    // two requests racing.
    let (wallet, open) = state
        .store
        .wallet_and_open_payout(&tenant, &partner)
        .await?;
    let ask = PayoutAsk {
        amount,
        minimum: program.min_payout.value(),
        balance: wallet.balance,
        open,
    };
    if let Err(refused) = payouts::check_request(ask) {
        return Err(match refused {
            PayoutRefusal::Zero => ApiError::invalid("amount", "must be more than zero"),
            PayoutRefusal::BelowMinimum { minimum } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::BelowMinimum,
                format!(
                    "amount: the program pays out at least {} {}",
                    currency.normalize(minimum),
                    currency.code()
                ),
            )
            .with_field("amount"),
            PayoutRefusal::MoreThanBalance { .. } => insufficient(StatusCode::UNPROCESSABLE_ENTITY),
            PayoutRefusal::AlreadyOpen => payout_open(),
        });
    }
    let payout = PayoutRecord {
        tenant_id: tenant.clone(),
        partner_id: partner.clone(),
        id: format!("{}_{partner}", new_id("po")),
        amount,
        currency: currency.code().to_owned(),
        status: PayoutStatus::Requested,
        created_at: Timestamp::now().rfc3339,
        decided_at: None,
        reason: None,
    };
    let mut tx = state.store.tx();
    tx.request_payout(&payout)?;
    match state.store.commit(tx).await {
        Ok(()) => Ok(Reply::ok(payout_view(payout, currency))),
        Err(err) => Err(err.into()),
    }
}

fn payout_open() -> ApiError {
    ApiError::conflict(
        ErrorCode::PayoutOpen,
        "a payout request is open already; wait until it is paid or rejected",
    )
}

fn insufficient(status: StatusCode) -> ApiError {
    ApiError::new(
        status,
        ErrorCode::InsufficientBalance,
        "amount: more than the wallet's balance",
    )
    .with_field("amount")
}

/// `GET /v1/payouts?status=`: everyone's with `manage_balances` (oldest first, the queue to
/// work through), otherwise the caller's own (newest first).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListPayouts>,
) -> ApiResult<Reply<c::ListPayouts>> {
    let status = word("status", params.status.as_deref(), PayoutStatus::expected)?;
    let tenant = caller.tenant_id().clone();
    let currency = tenant_currency(&state, &tenant).await?;
    let limit = params.page().limit()?;
    let mut after = params.page().decoded_cursor()?;
    // Staff work through every partner's requests; a partner sees their own.
    let own = if caller.has(Permission::ManageBalances) {
        None
    } else {
        Some(
            caller
                .user()
                .and_then(|u| u.partner_id.clone())
                .ok_or_else(|| ApiError::not_found("partner"))?,
        )
    };
    // With a status, read on until the page is full (or the list ends) so the queue of open
    // requests is not handed out in short or empty pages; a bounded number of reads per call.
    let mut items = Vec::new();
    for _ in 0..STATUS_FILTER_READS {
        let want = limit - i32::try_from(items.len()).unwrap_or(limit);
        let (payouts, next) = match &own {
            None => {
                state
                    .store
                    .all_payouts(&tenant, want, after.as_deref())
                    .await?
            }
            Some(partner) => {
                state
                    .store
                    .partner_payouts(&tenant, partner, want, after.as_deref())
                    .await?
            }
        };
        items.extend(
            payouts
                .into_iter()
                .filter(|p| status.is_none_or(|s| p.status == s))
                .map(|p| payout_view(p, currency)),
        );
        after = next;
        if after.is_none() || items.len() >= usize::try_from(limit).unwrap_or(0) {
            break;
        }
    }
    // Whose each request is, read in one batch rather than by the portal one partner at a time.
    let ids: Vec<&PartnerId> = items.iter().map(|p: &Payout| &p.partner_id).collect();
    let names = state.store.partner_names(&tenant, &ids).await?;
    for payout in &mut items {
        payout.partner_name = names.get(&payout.partner_id).cloned();
    }
    Ok(Reply::ok(Page {
        items,
        next_cursor: after.as_deref().map(encode_cursor),
    }))
}

/// How many store pages one filtered `GET /v1/payouts` reads at most before answering.
const STATUS_FILTER_READS: usize = 10;

async fn open_payout(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(TenantId, PayoutRecord, Currency), ApiError> {
    caller.require(Permission::ManageBalances)?;
    let tenant = caller.tenant_id().clone();
    let partner = partner_of(id).ok_or_else(|| ApiError::not_found("payout"))?;
    let payout = state
        .store
        .payout(&tenant, &partner, id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout"))?;
    if payout.status != PayoutStatus::Requested {
        return Err(not_open(payout.status.as_str()));
    }
    let currency = tenant_currency(state, &tenant).await?;
    Ok((tenant, payout, currency))
}

fn not_open(status: &str) -> ApiError {
    ApiError::conflict(
        ErrorCode::PayoutNotOpen,
        format!("the payout is {status} already"),
    )
}

fn notify(
    tx: &mut Tx,
    payout: &PayoutRecord,
    template: &str,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    let mut email = OutboxRecord::email_to(
        &payout.tenant_id,
        format!("{template}_{}", payout.id),
        template,
        "",
        "",
        &Timestamp::now().rfc3339,
    );
    email.to_email = None;
    email.to_name = None;
    email.partner_id = Some(payout.partner_id.clone());
    email.amount = Some(payout.amount);
    email.currency = Some(payout.currency.clone());
    email.body = reason.map(str::to_owned);
    tx.put_outbox(&email)?;
    Ok(())
}

/// `POST /v1/payouts/{id}/pay`: the balance drops by the amount in the same transaction as the
/// request closes; a balance now short is 409 `insufficient_balance` and nothing changes.
pub async fn pay(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Reply<c::PayPayout>> {
    let (_, payout, currency) = open_payout(&state, &caller, &id).await?;
    caller.not_own_wallet(&payout.partner_id)?;
    let now = Timestamp::now();
    let mut tx = state.store.tx();
    tx.pay_payout(&payout, &now, &caller.actor())?;
    notify(&mut tx, &payout, "payout_paid", None)?;
    tx.audit(&super::audit::record(
        &caller,
        "payout.pay",
        format!("payout:{}", payout.id),
        serde_json::json!({"amount": payout.amount, "partner_id": payout.partner_id}),
    ))?;
    match state.store.commit(tx).await {
        Ok(()) => {}
        Err(err) => return Err(err.into()),
    }
    Ok(Reply::ok(payout_view(
        PayoutRecord {
            status: PayoutStatus::Paid,
            decided_at: Some(now.rfc3339),
            ..payout
        },
        currency,
    )))
}

/// `POST /v1/payouts/{id}/reject` with a reason; the balance is untouched.
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    Body(body): Body<c::RejectPayout>,
) -> ApiResult<Reply<c::RejectPayout>> {
    let (_, payout, currency) = open_payout(&state, &caller, &id).await?;
    let reason = validate::text(&body.reason, 500)
        .ok()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::invalid("reason", "say why, in 1 to 500 characters"))?;
    let now = Timestamp::now();
    let mut tx = state.store.tx();
    tx.decide_payout(&payout, PayoutStatus::Rejected, &now.rfc3339, Some(&reason))?;
    notify(&mut tx, &payout, "payout_rejected", Some(&reason))?;
    tx.audit(&super::audit::record(
        &caller,
        "payout.reject",
        format!("payout:{}", payout.id),
        serde_json::json!({"amount": payout.amount, "partner_id": payout.partner_id, "reason": reason}),
    ))?;
    match state.store.commit(tx).await {
        Ok(()) => {}
        Err(err) => return Err(err.into()),
    }
    Ok(Reply::ok(payout_view(
        PayoutRecord {
            status: PayoutStatus::Rejected,
            decided_at: Some(now.rfc3339),
            reason: Some(reason),
            ..payout
        },
        currency,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payout_id_names_its_partner_and_nothing_else_parses() {
        let id = "po_01m86p2gbxkc7f12ev58w0dmn0_pt_01m86p2cyeya0rf3yt97pd2ts8";
        assert_eq!(
            partner_of(id),
            Some(PartnerId::from("pt_01m86p2cyeya0rf3yt97pd2ts8"))
        );
        assert_eq!(partner_of("po_short_pt_x"), None);
        assert_eq!(partner_of("po_01m86p2gbxkc7f12ev58w0dmn0_T#x#P#y"), None);
        assert_eq!(partner_of("pt_01m86p2cyeya0rf3yt97pd2ts8"), None);
    }
}
