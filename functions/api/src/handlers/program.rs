//! `GET /v1/program` and `PUT /v1/program`.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathParam;
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{Amount, Permission, Program, PublicProgram, TenantId, UpdateProgramRequest};
use upline_domain::{plan, validate, validate_plan};
use upline_store::StoreError;
use upline_store::tenants::TenantRecord;

pub async fn get(State(state): State<AppState>, caller: Caller) -> ApiResult<Reply<c::GetProgram>> {
    let (program, _) = state
        .store
        .program(caller.tenant_id())
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    Ok(Reply::ok(program))
}

/// Applies the fields given; the rest keep their values. The whole result is validated.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::UpdateProgram>,
) -> ApiResult<Reply<c::UpdateProgram>> {
    let user = caller.require(Permission::ConfigureProgram)?;
    let tenant = user.tenant_id.clone();
    // Replacement is optimistic: if someone saved in between, apply the change to theirs.
    for _ in 0..3 {
        let (current, version) = state
            .store
            .program(&tenant)
            .await?
            .ok_or_else(|| ApiError::not_found("program"))?;
        let program = merged(current.clone(), request.clone())?;
        // Whoever requires it of staff shows the way works by using it themself first.
        if program.staff_two_factor_required
            && !current.staff_two_factor_required
            && user.totp.secret.is_none()
        {
            return Err(ApiError::conflict(
                ErrorCode::TwoFactorFirst,
                "turn on two-factor login for yourself before requiring it of staff",
            )
            .with_field("staff_two_factor_required"));
        }
        let audit = super::audit::record(
            &caller,
            "program.update",
            "program",
            super::audit::changes(&current, &program),
        );
        match state
            .store
            .replace_program(&tenant, &program, version, &audit)
            .await
        {
            Ok(()) => return Ok(Reply::ok(program)),
            Err(StoreError::ConditionFailed { .. }) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::conflict(
        ErrorCode::Conflict,
        "the program changed while saving; try again",
    ))
}

fn merged(current: Program, request: UpdateProgramRequest) -> Result<Program, ApiError> {
    if let Some(currency) = request.currency
        && currency != current.currency
    {
        return Err(ApiError::invalid(
            "currency",
            "cannot change: it is the tenant's currency",
        ));
    }
    let program = Program {
        currency: current.currency,
        min_payout: request.min_payout.unwrap_or(current.min_payout),
        open_signup: request.open_signup.unwrap_or(current.open_signup),
        external_id_template: request
            .external_id_template
            .unwrap_or(current.external_id_template),
        plan: request.plan.unwrap_or(current.plan),
        reversal_statuses: request
            .reversal_statuses
            .unwrap_or(current.reversal_statuses),
        widget_origins: request.widget_origins.unwrap_or(current.widget_origins),
        landing_url: match request.landing_url {
            None => current.landing_url,
            Some(url) if url.is_empty() => None,
            Some(url) => Some(url),
        },
        attribution_window_days: request
            .attribution_window_days
            .unwrap_or(current.attribution_window_days),
        attribution_model: request
            .attribution_model
            .unwrap_or(current.attribution_model),
        lead_consent_text: match request.lead_consent_text {
            None => current.lead_consent_text,
            Some(text) if text.trim().is_empty() => None,
            Some(text) => Some(
                validate::text(&text, 500)
                    .map_err(|m| ApiError::invalid("lead_consent_text", m))?,
            ),
        },
        hold_days: request.hold_days.unwrap_or(current.hold_days),
        terms: current.terms,
        staff_two_factor_required: request
            .staff_two_factor_required
            .unwrap_or(current.staff_two_factor_required),
    };
    let min_payout = plan::check_amount(
        program.currency,
        program.min_payout.value(),
        "min_payout",
        "the minimum payout",
    )
    .map_err(|e| ApiError::invalid(e.field, e.message))?;
    validate::render_external_id(&program.external_id_template, 1)
        .map_err(|m| ApiError::invalid("external_id_template", m))?;
    validate_plan(&program.plan, program.currency, &program.reversal_statuses)
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    for (index, status) in program.reversal_statuses.iter().enumerate() {
        plan::validate_status(status)
            .map_err(|m| ApiError::invalid(format!("reversal_statuses[{index}]"), m))?;
    }
    for (index, origin) in program.widget_origins.iter().enumerate() {
        if !is_origin(origin) {
            return Err(ApiError::invalid(
                format!("widget_origins[{index}]"),
                "must be an origin such as https://shop.example.com",
            ));
        }
    }
    if !(1..=365).contains(&program.attribution_window_days) {
        return Err(ApiError::invalid(
            "attribution_window_days",
            "must be 1 to 365 days",
        ));
    }
    if program.hold_days > upline_contract::MAX_HOLD_DAYS {
        return Err(ApiError::invalid("hold_days", "must be 0 to 365 days"));
    }
    if let Some(url) = &program.landing_url
        && !is_landing_url(url)
    {
        return Err(ApiError::invalid(
            "landing_url",
            "must be an https:// address (http:// only on a loopback address), at most 2,000 characters",
        ));
    }
    Ok(Program {
        min_payout: Amount(min_payout),
        ..program
    })
}

/// A page a referral link may send visitors to: https, or http on this machine (the local cloud).
fn is_landing_url(url: &str) -> bool {
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let origin_end = url
        .find("://")
        .and_then(|scheme| {
            url[scheme + 3..]
                .find(['/', '?', '#'])
                .map(|i| scheme + 3 + i)
        })
        .unwrap_or(url.len());
    let origin = &url[..origin_end];
    is_origin(origin)
        && (origin.starts_with("https://")
            || ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                .iter()
                .any(|loopback| origin == *loopback || origin.starts_with(&format!("{loopback}:"))))
}

/// `scheme://host[:port]`, nothing after it.
pub fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = rest.rsplit_once(':').unwrap_or((rest, "443"));
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && port.parse::<u16>().is_ok()
}

/// `GET /v1/public/programs/{program}` (public): the program a registration page is for, by
/// slug or tenant id (referral links carry the id), its terms, and who a referral code is.
pub async fn public(
    State(state): State<AppState>,
    PathParam(program): PathParam,
    Params(params): Params<c::GetPublicProgram>,
) -> ApiResult<Reply<c::GetPublicProgram>> {
    let (tenant, settings) = named_program(&state, &program)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    let referrer = match params.referral_code.as_deref().map(validate::referral_code) {
        Some(Ok(code)) => match state.store.partner_id_by_code(&tenant.id, &code).await? {
            Some(id) => state.store.partner(&tenant.id, &id).await?,
            None => None,
        },
        _ => None,
    };
    // Public facts, read by the widget on the tenant's sites too: any origin may read them
    // (no credentials are involved).
    Ok(Reply::ok(PublicProgram {
        tenant: super::tenant_view(tenant),
        terms: settings.terms,
        open_signup: settings.open_signup,
        referrer_name: referrer.map(|p| p.name),
        attribution_window_days: settings.attribution_window_days,
        attribution_model: settings.attribution_model,
        lead_consent_text: settings.lead_consent_text,
    })
    .with_header(
        axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        axum::http::HeaderValue::from_static("*"),
    ))
}

/// The program a public request names, by tenant id (`tn_…`) or slug, with its settings.
pub async fn named_program(
    state: &AppState,
    program: &str,
) -> Result<Option<(TenantRecord, Program)>, ApiError> {
    let tenant = if program.starts_with("tn_") && program.len() <= 40 {
        state.store.tenant(&TenantId::from(program)).await?
    } else if validate::slug(program).is_ok() {
        state.store.tenant_by_slug(program).await?
    } else {
        None
    };
    let Some(tenant) = tenant else {
        return Ok(None);
    };
    Ok(state
        .store
        .program(&tenant.id)
        .await?
        .map(|(settings, _)| (tenant, settings)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_have_no_path() {
        assert!(is_origin("https://shop.example.com"));
        assert!(is_origin("http://localhost:3000"));
        assert!(!is_origin("https://shop.example.com/"));
        assert!(!is_origin("shop.example.com"));
        assert!(!is_origin("javascript:alert(1)"));
    }
}
