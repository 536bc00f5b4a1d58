//! `PUT /v1/deals/{external_id}`, `GET /v1/deals/{external_id}`, `GET /v1/deals` and the
//! commission preview.
//!
//! A status change is written with its transition in one transaction and the request returns;
//! the commission walk runs later from the table's stream.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{
    Amount, Commission, CommissionPreview, Currency, Deal, DealSummary, Page, PartnerId,
    PutDealRequest, StatusChange, TenantId, Trigger,
};
use upline_domain::{WalkInput, plan, validate, walk};
use upline_store::Timestamp;
use upline_store::deals::{DealHistory, DealRecord, SaveDealError, TransitionRecord};

pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(external_id): PathParam,
    Body(request): Body<c::PutDeal>,
) -> ApiResult<Reply<c::PutDeal>> {
    let tenant = caller.tenant_id().clone();
    validate::external_id(&external_id).map_err(|m| ApiError::invalid("external_id", m))?;
    plan::validate_status(&request.status).map_err(|m| ApiError::invalid("status", m))?;
    let program = super::program_of(&state, &tenant).await?;
    let currency = program.currency;
    // A won deal is one whose status the plan pays on: the partner's count follows it in.
    let won = |status: &str| -> i64 {
        let pays = program
            .plan
            .rules
            .iter()
            .any(|rule| matches!(&rule.on, Trigger::DealStatus(s) if s == status));
        i64::from(pays && !program.reversal_statuses.iter().any(|r| r == status))
    };
    if request.currency.is_some_and(|c| c != currency) {
        return Err(ApiError::invalid(
            "currency",
            format!("must be the program's currency, {currency}"),
        ));
    }
    let amount = plan::check_amount(currency, request.amount.value(), "amount", "the amount")
        .map_err(|e| ApiError::invalid(e.field, e.message))?;

    // Optimistic: read, decide, write conditionally on what was read; retry on a race.
    for _ in 0..5 {
        let now = Timestamp::now();
        let existing = state.store.deal(&tenant, &external_id).await?;
        let saved = match existing {
            None => {
                let partner_id = attributed_partner(&state, &tenant, &program, &request).await?;
                let deal = DealRecord {
                    tenant_id: tenant.clone(),
                    external_id: external_id.clone(),
                    amount,
                    currency,
                    status: request.status.clone(),
                    partner_id: partner_id.clone(),
                    seq: 1,
                    created_at: now.rfc3339.clone(),
                    updated_at: now.rfc3339.clone(),
                };
                let first = transition(&deal, None, now);
                let audit = super::audit::record(
                    &caller,
                    "deal.create",
                    format!("deal:{external_id}"),
                    serde_json::json!({
                        "status": deal.status,
                        "amount": deal.amount,
                        "partner_id": deal.partner_id,
                    }),
                );
                state
                    .store
                    .create_deal(&deal, &first, Some(&audit), won(&deal.status))
                    .await
                    .map(|()| StatusCode::CREATED)
            }
            Some(current) => {
                if request
                    .partner_id
                    .as_ref()
                    .is_some_and(|p| *p != current.partner_id)
                {
                    return Err(ApiError::invalid(
                        "partner_id",
                        "a deal's partner cannot change",
                    ));
                }
                if current.status == request.status && current.amount == amount {
                    Ok(StatusCode::OK)
                } else {
                    let status_changed = current.status != request.status;
                    let deal = DealRecord {
                        amount,
                        status: request.status.clone(),
                        seq: current.seq + u64::from(status_changed),
                        updated_at: now.rfc3339.clone(),
                        ..current.clone()
                    };
                    let change = status_changed
                        .then(|| transition(&deal, Some(current.status.clone()), now));
                    let audit = super::audit::record(
                        &caller,
                        "deal.update",
                        format!("deal:{external_id}"),
                        super::audit::changes(
                            &serde_json::json!({"status": current.status, "amount": current.amount}),
                            &serde_json::json!({"status": deal.status, "amount": deal.amount}),
                        ),
                    );
                    state
                        .store
                        .update_deal(
                            &deal,
                            current.seq,
                            change.as_ref(),
                            Some(&audit),
                            won(&deal.status) - won(&current.status),
                        )
                        .await
                        .map(|()| StatusCode::OK)
                }
            }
        };
        match saved {
            Ok(status) => {
                let history = state
                    .store
                    .deal_history(&tenant, &external_id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("deal"))?;
                return Ok(Reply::with_status(status, deal_view(history)));
            }
            Err(SaveDealError::Concurrent) => continue,
            Err(SaveDealError::Store(err)) => return Err(err.into()),
        }
    }
    Err(ApiError::conflict(
        ErrorCode::Conflict,
        "the deal is being changed concurrently; try again",
    ))
}

fn transition(deal: &DealRecord, from: Option<String>, at: Timestamp) -> TransitionRecord {
    TransitionRecord {
        tenant_id: deal.tenant_id.clone(),
        deal_id: deal.external_id.clone(),
        seq: deal.seq,
        from,
        to: deal.status.clone(),
        amount: deal.amount,
        currency: deal.currency,
        partner_id: deal.partner_id.clone(),
        at,
        event: None,
    }
}

/// The partner a new deal belongs to: named directly, by referral code, by lead or by a click
/// inside the attribution window.
async fn attributed_partner(
    state: &AppState,
    tenant: &TenantId,
    program: &upline_contract::Program,
    request: &PutDealRequest,
) -> Result<PartnerId, ApiError> {
    if let Some(partner_id) = &request.partner_id {
        let partner = state.store.partner(tenant, partner_id).await?;
        return partner
            .map(|p| p.id)
            .ok_or_else(|| ApiError::invalid("partner_id", "is not a partner of this program"));
    }
    if let Some(code) = &request.referral_code {
        let code =
            validate::referral_code(code).map_err(|m| ApiError::invalid("referral_code", m))?;
        let partner = state.store.partner_id_by_code(tenant, &code).await?;
        return partner.ok_or_else(|| {
            ApiError::invalid("referral_code", "belongs to no partner of this program")
        });
    }
    if let Some(lead) = &request.lead_id {
        let lead = super::leads::find_lead(state, tenant, lead).await?;
        return lead
            .map(|l| l.partner_id)
            .ok_or_else(|| ApiError::invalid("lead_id", "is not a lead of this program"));
    }
    if let Some(click) = &request.click_id {
        return super::public::partner_of_click(state, tenant, program, click, "click_id").await;
    }
    Err(ApiError::invalid(
        "partner_id",
        "a new deal needs partner_id, referral_code, lead_id or click_id",
    ))
}

/// One commission line as the API shows it, in the currency's minor units.
fn commission(
    currency: Currency,
    partner_id: PartnerId,
    level: u32,
    amount: Decimal,
    rule: String,
) -> Commission {
    Commission {
        partner_id,
        level,
        amount: Amount(currency.normalize(amount)),
        rule,
    }
}

fn deal_view(history: DealHistory) -> Deal {
    let DealHistory {
        deal,
        transitions,
        ledger,
    } = history;
    Deal {
        external_id: deal.external_id,
        amount: Amount(deal.currency.normalize(deal.amount)),
        currency: deal.currency,
        status: deal.status,
        partner_id: deal.partner_id,
        created_at: deal.created_at,
        updated_at: deal.updated_at,
        history: transitions
            .into_iter()
            .map(|t| StatusChange {
                seq: t.seq,
                from: t.from,
                to: t.to,
                amount: Amount(deal.currency.normalize(t.amount)),
                at: t.at.rfc3339,
            })
            .collect(),
        commissions: ledger
            .lines
            .into_iter()
            .map(|line| {
                commission(
                    deal.currency,
                    line.partner_id,
                    line.level,
                    line.amount,
                    line.rule,
                )
            })
            .collect(),
    }
}

/// `GET /v1/deals`: staff (and API keys) see every deal, or one partner's; a partner sees the
/// deals attributed to them, each with their own share of what it earned.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListDeals>,
) -> ApiResult<Reply<c::ListDeals>> {
    let tenant = caller.tenant_id().clone();
    let limit = params.page().limit()?;
    let after = params.page().decoded_cursor()?;
    if let Some(status) = &params.status {
        plan::validate_status(status).map_err(|m| ApiError::invalid("status", m))?;
    }
    let status = params.status.as_deref();
    let staff = caller.require_backend_or_staff().is_ok();
    let partner = super::listed_partner(&caller, params.partner_id.as_deref())?;
    let (deals, next) = match &partner {
        Some(partner) if upline_store::keys::partner(&tenant, partner).can_exist() => {
            state
                .store
                .partner_deals(&tenant, partner, status, limit, after.as_deref())
                .await?
        }
        Some(_) => (Vec::new(), None),
        None => {
            state
                .store
                .all_deals(&tenant, status, limit, after.as_deref())
                .await?
        }
    };
    let names = if staff {
        let ids: Vec<&PartnerId> = deals.iter().map(|(deal, _)| &deal.partner_id).collect();
        state.store.partner_names(&tenant, &ids).await?
    } else {
        Default::default()
    };
    // A partner's share is their own lines; staff see the deal's whole cost.
    let share_of = if staff { None } else { partner.as_ref() };
    let items = deals
        .into_iter()
        .map(|(deal, ledger)| {
            let earned: Decimal = ledger
                .lines
                .iter()
                .filter(|line| share_of.is_none_or(|p| line.partner_id == *p))
                .map(|line| line.amount)
                .sum();
            DealSummary {
                partner_name: names.get(&deal.partner_id).cloned(),
                external_id: deal.external_id,
                amount: Amount(deal.currency.normalize(deal.amount)),
                currency: deal.currency,
                status: deal.status,
                partner_id: deal.partner_id,
                created_at: deal.created_at,
                updated_at: deal.updated_at,
                earned: Amount(deal.currency.normalize(earned)),
            }
        })
        .collect();
    Ok(Reply::ok(Page {
        items,
        next_cursor: next.as_deref().map(super::encode_cursor),
    }))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(external_id): PathParam,
) -> ApiResult<Reply<c::GetDeal>> {
    validate::external_id(&external_id).map_err(|_| ApiError::not_found("deal"))?;
    let history = state
        .store
        .deal_history(caller.tenant_id(), &external_id)
        .await?
        .ok_or_else(|| ApiError::not_found("deal"))?;
    Ok(Reply::ok(deal_view(history)))
}

/// Runs the same walk the stream handler runs, on the deal as it is now, without writing.
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(external_id): PathParam,
    Params(params): Params<c::PreviewCommission>,
) -> ApiResult<Reply<c::PreviewCommission>> {
    let tenant = caller.tenant_id();
    let status = params.status.ok_or_else(|| {
        ApiError::invalid("status", "is required: the status the deal would enter")
    })?;
    plan::validate_status(&status).map_err(|m| ApiError::invalid("status", m))?;
    validate::external_id(&external_id).map_err(|_| ApiError::not_found("deal"))?;
    let deal = state
        .store
        .deal(tenant, &external_id)
        .await?
        .ok_or_else(|| ApiError::not_found("deal"))?;
    let context = state
        .store
        .walk_context(tenant, &external_id, &deal.partner_id)
        .await?;
    let program = context
        .program
        .ok_or_else(|| ApiError::not_found("program"))?;
    let chain = context.partner.map(|p| p.chain()).unwrap_or_default();
    let trigger = Trigger::DealStatus(status);
    let outcome = walk(&WalkInput {
        plan: &program.plan,
        reversal_statuses: &program.reversal_statuses,
        currency: deal.currency,
        chain: &chain,
        seq: context.ledger.applied_seq + 1,
        trigger: &trigger,
        amount: deal.amount,
        ledger: &context.ledger,
        turnover: &context.turnover,
        timing: upline_domain::Timing::default(),
    })
    .map_err(|e| ApiError::invalid("amount", e))?;
    let items = outcome
        .credits
        .into_iter()
        .map(|c| commission(deal.currency, c.partner_id, c.level, c.amount, c.rule))
        .collect();
    Ok(Reply::ok(CommissionPreview { items }))
}
