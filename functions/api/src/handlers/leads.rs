//! Leads: `POST /v1/leads` (the tenant's backend or staff; attributed by referral code) and
//! `GET /v1/leads` (a partner's own, or everyone's for staff), newest first.

use super::{encode_cursor, new_id, partner_in_id};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use rust_decimal::Decimal;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::EventKind;
use upline_contract::{Lead, LeadCreated, Page, TenantId};
use upline_domain::validate::{self, Email};
use upline_store::Timestamp;
use upline_store::clicks::Counter;
use upline_store::deals::TransitionRecord;
use upline_store::leads::LeadRecord;

fn lead_view(lead: LeadRecord) -> Lead {
    Lead {
        id: lead.id,
        partner_id: lead.partner_id,
        name: lead.name,
        email: lead.email,
        phone: lead.phone,
        source: lead.source,
        created_at: lead.created_at,
        registered_at: lead.registered_at,
    }
}

/// The lead `id` of this tenant, if it exists (deals name their lead this way).
pub async fn find_lead(
    state: &AppState,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<LeadRecord>, ApiError> {
    let Some(partner) = partner_in_id(id, "ld_") else {
        return Ok(None);
    };
    Ok(state.store.lead(tenant, &partner, id).await?)
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::CreateLead>,
) -> ApiResult<Reply<c::CreateLead>> {
    let tenant = caller.tenant_id().clone();
    let code = validate::referral_code(&request.referral_code)
        .map_err(|m| ApiError::invalid("referral_code", m))?;
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let email = super::optional_field("email", request.email.as_deref(), validate::email)?;
    let phone = super::optional_field("phone", request.phone.as_deref(), validate::phone)?;
    let source = super::optional_field("source", request.source.as_deref(), |s| {
        validate::text(s, 100)
    })?;
    let partner = state
        .store
        .partner_id_by_code(&tenant, &code)
        .await?
        .ok_or_else(|| {
            ApiError::invalid("referral_code", "belongs to no partner of this program")
        })?;
    let lead = new_lead(tenant, partner, name, email, phone, source);
    // Who the lead is stays in the lead; the log says who brought it in, for whom.
    let audit = super::audit::record(
        &caller,
        "lead.create",
        format!("lead:{}", lead.id),
        serde_json::json!({"partner_id": lead.partner_id, "source": lead.source}),
    );
    let currency = super::tenant_currency(&state, &lead.tenant_id).await?;
    write_lead(&state, &lead, currency, Some(&audit)).await?;
    Ok(Reply::ok(LeadCreated {
        id: lead.id,
        partner_id: lead.partner_id,
    }))
}

/// A new lead of `partner`, under a fresh id that names it.
pub fn new_lead(
    tenant: TenantId,
    partner: upline_contract::PartnerId,
    name: String,
    email: Option<Email>,
    phone: Option<String>,
    source: Option<String>,
) -> LeadRecord {
    LeadRecord {
        tenant_id: tenant,
        id: format!("{}_{partner}", new_id("ld")),
        partner_id: partner,
        name,
        email: email.map(Email::into_string),
        phone,
        source,
        created_at: Timestamp::now().rfc3339,
        registered_at: None,
    }
}

/// Writes a new lead however it came in (the backend, staff, the widget), with the partner's
/// lead count and the `lead_created` event the plan may reward: its transition goes into the
/// same transaction and the walk runs on it from the stream.
pub async fn write_lead(
    state: &AppState,
    lead: &LeadRecord,
    currency: upline_contract::Currency,
    audit: Option<&upline_store::audit::AuditRecord>,
) -> Result<(), ApiError> {
    let mut tx = state.store.tx();
    tx.put_lead(lead)?;
    tx.count(&lead.tenant_id, &lead.partner_id, Counter::Leads, 1)?;
    tx.put_event_transition(&lead_event(
        lead,
        EventKind::LeadCreated,
        currency,
        Timestamp::now(),
    ))?;
    if let Some(audit) = audit {
        tx.audit(audit)?;
    }
    Ok(state.store.commit(tx).await?)
}

/// A lead's events are the transitions of its own "deal" (the lead id): 1 created, 2 registered.
fn lead_event(
    lead: &LeadRecord,
    event: EventKind,
    currency: upline_contract::Currency,
    at: Timestamp,
) -> TransitionRecord {
    let (seq, from) = match event {
        EventKind::LeadCreated => (1, None),
        EventKind::ClientRegistered => (2, Some(EventKind::LeadCreated.as_str().to_owned())),
    };
    TransitionRecord {
        tenant_id: lead.tenant_id.clone(),
        deal_id: lead.id.clone(),
        seq,
        from,
        to: event.as_str().to_owned(),
        amount: Decimal::ZERO,
        currency,
        partner_id: lead.partner_id.clone(),
        at,
        event: Some(event),
    }
}

/// `POST /v1/leads/{id}/registered` (API key or staff): the lead became a client — once; the
/// plan's `client_registered` rule pays through the walk.
pub async fn registered(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Reply<c::RegisterClient>> {
    let tenant = caller.tenant_id().clone();
    let lead = find_lead(&state, &tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("lead"))?;
    if lead.registered_at.is_some() {
        return Err(already_registered());
    }
    let currency = super::tenant_currency(&state, &tenant).await?;
    let at = Timestamp::now();
    let mut tx = state.store.tx();
    tx.mark_lead_registered(&lead, &at.rfc3339)?;
    tx.count(&tenant, &lead.partner_id, Counter::Clients, 1)?;
    tx.audit(&super::audit::record(
        &caller,
        "lead.registered",
        format!("lead:{}", lead.id),
        serde_json::json!({"partner_id": lead.partner_id}),
    ))?;
    tx.put_event_transition(&lead_event(
        &lead,
        EventKind::ClientRegistered,
        currency,
        at.clone(),
    ))?;
    match state.store.commit(tx).await {
        Ok(()) => Ok(Reply::ok(lead_view(LeadRecord {
            registered_at: Some(at.rfc3339),
            ..lead
        }))),
        Err(err) => Err(err.into()),
    }
}

fn already_registered() -> ApiError {
    ApiError::conflict(
        ErrorCode::AlreadyRegistered,
        "the lead is registered as a client already",
    )
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListLeads>,
) -> ApiResult<Reply<c::ListLeads>> {
    let tenant = caller.tenant_id().clone();
    let limit = params.page().limit()?;
    let after = params.page().decoded_cursor()?;
    // A partner sees their own leads only; staff see everyone's, or one partner's.
    let partner = super::listed_partner(&caller, params.partner_id.as_deref())?;
    let (leads, next) = match &partner {
        Some(partner) if upline_store::keys::partner(&tenant, partner).can_exist() => {
            state
                .store
                .partner_leads(&tenant, partner, limit, after.as_deref())
                .await?
        }
        Some(_) => (Vec::new(), None),
        None => {
            state
                .store
                .all_leads(&tenant, limit, after.as_deref())
                .await?
        }
    };
    Ok(Reply::ok(Page {
        items: leads.into_iter().map(lead_view).collect(),
        next_cursor: next.as_deref().map(encode_cursor),
    }))
}
