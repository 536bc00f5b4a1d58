//! The front door on tenants' sites: the widget's click beacon and lead form
//! (`POST /v1/public/clicks`, `POST /v1/public/leads`, behind `widget_site`'s origin gate) and
//! the partners' referral links (`GET /r/{code}`), which record a click server-side so an
//! ad-blocker on the site cannot lose it.

use super::{new_id, partner_in_id};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathParam;
use crate::serve::{Body, Params, Reply};
use crate::throttle::ClientIp;
use crate::widget_site::WidgetSite;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use std::sync::OnceLock;
use upline_contract as c;
use upline_contract::{ClickRecorded, ErrorCode, PartnerId, Program, PublicLeadCreated, TenantId};
use upline_domain::{MILLIS_PER_DAY, validate};
use upline_store::Timestamp;
use upline_store::clicks::ClickRecord;
use upline_store::keys;

/// Whether a user agent is a known crawler or bot (the `isbot` crate's maintained patterns):
/// its visits are not counted as clicks.
pub fn is_bot(headers: &HeaderMap) -> bool {
    static BOTS: OnceLock<isbot::Bots> = OnceLock::new();
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // No user agent at all is no browser either.
    agent.trim().is_empty() || BOTS.get_or_init(isbot::Bots::default).is_bot(agent)
}

/// Keeps a page address to its first 2,000 characters, without control characters.
fn page_address(value: Option<&str>) -> Option<String> {
    let value: String = value?
        .chars()
        .filter(|c| !c.is_control())
        .take(2000)
        .collect();
    (!value.is_empty()).then_some(value)
}

/// One use of a capture action by one client address for one program.
async fn throttle(
    state: &AppState,
    action: &str,
    tenant: &TenantId,
    client: &ClientIp,
    limit: upline_store::logins::Limit,
) -> Result<(), ApiError> {
    crate::throttle::take(
        state,
        "throttle",
        &[(
            keys::client_throttle(&format!("{action}:{tenant}"), &client.0),
            limit,
        )],
        ErrorCode::TooManyRequests,
        "too many requests from this address for this program; try again later",
    )
    .await
}

async fn partner_of_code(
    state: &AppState,
    tenant: &TenantId,
    code: &str,
) -> Result<Option<PartnerId>, ApiError> {
    match validate::referral_code(code) {
        Ok(code) => Ok(state.store.partner_id_by_code(tenant, &code).await?),
        Err(_) => Ok(None),
    }
}

/// Records a click on `partner`'s code, counted once with it.
async fn record(
    state: &AppState,
    tenant: &TenantId,
    partner: PartnerId,
    url: Option<String>,
    referrer: Option<String>,
) -> Result<String, ApiError> {
    let now = Timestamp::now();
    let click = ClickRecord {
        tenant_id: tenant.clone(),
        id: format!("{}_{partner}", new_id("ck")),
        partner_id: partner,
        created_at: now.rfc3339,
        at_millis: now.millis,
        url,
        referrer,
    };
    let mut tx = state.store.tx();
    tx.put_click(&click)?;
    state.store.commit(tx).await?;
    Ok(click.id)
}

pub async fn click(
    State(state): State<AppState>,
    site: WidgetSite,
    client: ClientIp,
    headers: HeaderMap,
    Body(request): Body<c::RecordClick>,
) -> ApiResult<Reply<c::RecordClick>> {
    let tenant = &site.tenant.id;
    let partner = partner_of_code(&state, tenant, &request.referral_code)
        .await?
        .ok_or_else(|| ApiError::not_found("referral code"))?;
    if is_bot(&headers) {
        return Ok(Reply::ok(ClickRecorded { click_id: None }));
    }
    throttle(
        &state,
        "click",
        tenant,
        &client,
        state.limits.public_clicks_per_client,
    )
    .await?;
    let id = record(
        &state,
        tenant,
        partner,
        page_address(request.url.as_deref()),
        page_address(request.referrer.as_deref()),
    )
    .await?;
    Ok(Reply::ok(ClickRecorded { click_id: Some(id) }))
}

/// The partner a click attributes to, if it is still inside the program's attribution window:
/// an unknown click is a 422 on `field`, an old one `attribution_expired`.
pub async fn partner_of_click(
    state: &AppState,
    tenant: &TenantId,
    program: &Program,
    click_id: &str,
    field: &str,
) -> Result<PartnerId, ApiError> {
    let unknown = || ApiError::invalid(field, "is no click of this program");
    let partner = partner_in_id(click_id, "ck_").ok_or_else(unknown)?;
    let click = state
        .store
        .click(tenant, &partner, click_id)
        .await?
        .ok_or_else(unknown)?;
    let window = i64::from(program.attribution_window_days) * MILLIS_PER_DAY;
    if Timestamp::now().millis - click.at_millis > window {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::AttributionExpired,
            format!(
                "the click is older than the program's attribution window ({} days)",
                program.attribution_window_days
            ),
        )
        .with_field(field));
    }
    Ok(click.partner_id)
}

pub async fn lead(
    State(state): State<AppState>,
    site: WidgetSite,
    client: ClientIp,
    Body(request): Body<c::CreatePublicLead>,
) -> ApiResult<Reply<c::CreatePublicLead>> {
    let tenant = site.tenant.id.clone();
    throttle(
        &state,
        "lead",
        &tenant,
        &client,
        state.limits.public_leads_per_client,
    )
    .await?;
    // A filled honeypot is a bot: it is told it succeeded, and nothing is kept.
    if request
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Ok(Reply::ok(PublicLeadCreated {
            id: format!("{}_pt_0", new_id("ld")),
            reward: None,
        }));
    }
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let email = super::optional_field("email", request.email.as_deref(), validate::email)?;
    let phone = super::optional_field("phone", request.phone.as_deref(), validate::phone)?;
    if email.is_none() && phone.is_none() {
        return Err(ApiError::invalid("email", "give an email or a phone"));
    }
    if !request.consent {
        return Err(ApiError::invalid("consent", "must be given (true)"));
    }
    let partner = match (&request.click_id, &request.referral_code) {
        (Some(click), _) => {
            partner_of_click(&state, &tenant, &site.program, click, "click_id").await?
        }
        (None, Some(code)) => partner_of_code(&state, &tenant, code)
            .await?
            .ok_or_else(|| {
                ApiError::invalid("referral_code", "belongs to no partner of this program")
            })?,
        (None, None) => {
            return Err(ApiError::invalid(
                "referral_code",
                "give the referral code or the click id of the visit",
            ));
        }
    };
    let lead = super::leads::new_lead(
        tenant,
        partner,
        name,
        email,
        phone,
        Some("widget".to_owned()),
    );
    super::leads::write_lead(&state, &lead, site.program.currency, None).await?;
    Ok(Reply::ok(PublicLeadCreated {
        id: lead.id,
        reward: None,
    }))
}

/// `GET /r/{code}?program=`: with a `landing_url`, the click is recorded (not a bot's, and
/// within the address's throttle) and the visitor goes on to the tenant's site with `?ref=`
/// and `?upline_click=`; without one, to the portal's registration by that code.
pub async fn follow(
    State(state): State<AppState>,
    PathParam(code): PathParam,
    Params(query): Params<c::FollowReferralLink>,
    client: ClientIp,
    headers: HeaderMap,
) -> ApiResult<Reply<c::FollowReferralLink>> {
    let registration = |program: &str| {
        let mut to = format!("{}/join/{}", state.portal_url, encode(&code));
        if !program.is_empty() {
            to.push_str(&format!("?program={}", encode(program)));
        }
        to
    };
    let named = query.program.as_deref().unwrap_or("");
    let found = match named {
        "" => None,
        program => super::program::named_program(&state, program).await?,
    };
    let Some((tenant, program)) = found else {
        return Ok(redirect(&registration(named)));
    };
    let (Some(landing), Some(partner)) = (
        program.landing_url.as_deref(),
        partner_of_code(&state, &tenant.id, &code).await?,
    ) else {
        return Ok(redirect(&registration(named)));
    };
    let counted = !is_bot(&headers)
        && throttle(
            &state,
            "click",
            &tenant.id,
            &client,
            state.limits.public_clicks_per_client,
        )
        .await
        .is_ok();
    let click = match counted {
        true => Some(record(&state, &tenant.id, partner, None, referer(&headers)).await?),
        false => None,
    };
    let separator = if landing.contains('?') { '&' } else { '?' };
    let mut to = format!("{landing}{separator}ref={}", encode(&code));
    if let Some(click) = click {
        to.push_str(&format!("&upline_click={click}"));
    }
    Ok(redirect(&to))
}

fn referer(headers: &HeaderMap) -> Option<String> {
    page_address(headers.get(header::REFERER).and_then(|v| v.to_str().ok()))
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn redirect(to: &str) -> Reply<c::FollowReferralLink> {
    Reply::raw(
        (
            StatusCode::FOUND,
            [
                (header::LOCATION, to.to_owned()),
                (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                // Each visit is its own click.
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            format!("Found: {to}"),
        )
            .into_response(),
    )
}
