//! The embedded panel: the tenant's backend mints a token for one partner
//! (`POST /v1/embed-tokens`, an API key), and the panel on the tenant's site reads
//! `GET /v1/embed/me` with it.

use crate::AppState;
use crate::auth::Caller;
use crate::embed_token::{self, EmbedCaller, EmbedClaims};
use crate::error::{ApiError, ApiResult};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use axum::response::IntoResponse;
use rust_decimal::Decimal;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upline_contract as c;
use upline_contract::{
    Amount, DEFAULT_EMBED_TOKEN_SECONDS, EmbedPanel, EmbedPartner, EmbedProgram, EmbedToken,
    PayoutStatus,
};
use upline_domain::validate;

fn rfc3339(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default()
}

pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::CreateEmbedToken>,
) -> ApiResult<Reply<c::CreateEmbedToken>> {
    let tenant = caller.tenant_id().clone();
    let ttl = request.ttl_seconds.unwrap_or(DEFAULT_EMBED_TOKEN_SECONDS);
    if !(60..=3600).contains(&ttl) {
        return Err(ApiError::invalid(
            "ttl_seconds",
            "must be 60 to 3600 seconds",
        ));
    }
    let partner = match (&request.partner_id, &request.external_id) {
        (Some(id), None) => state
            .store
            .partner(&tenant, id)
            .await?
            .map(|p| p.id)
            .ok_or_else(|| ApiError::invalid("partner_id", "is not a partner of this program"))?,
        (None, Some(external_id)) => {
            validate::external_id(external_id).map_err(|m| ApiError::invalid("external_id", m))?;
            state
                .store
                .partner_id_by_external_id(&tenant, external_id)
                .await?
                .ok_or_else(|| ApiError::invalid("external_id", "is no partner's external id"))?
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "external_id",
                "give partner_id or external_id, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "partner_id",
                "give partner_id or external_id",
            ));
        }
    };
    let exp = OffsetDateTime::now_utc().unix_timestamp() + i64::from(ttl);
    let token = embed_token::issue(
        &state.sessions,
        &EmbedClaims {
            t: tenant,
            p: partner,
            exp,
        },
    );
    Ok(Reply::ok(EmbedToken {
        token,
        expires_at: rfc3339(exp),
    }))
}

/// Payouts are few per partner: their pages are read to the end for the paid total.
const PAYOUT_PAGE: i32 = 100;

pub async fn panel(
    State(state): State<AppState>,
    EmbedCaller(claims): EmbedCaller,
) -> ApiResult<Reply<c::GetEmbedPanel>> {
    let gone = || ApiError::not_found("partner");
    let (tenant, partner, program) = tokio::try_join!(
        state.store.tenant(&claims.t),
        state.store.partner(&claims.t, &claims.p),
        state.store.program(&claims.t),
    )?;
    let (tenant, partner, (program, _)) = (
        tenant.ok_or_else(gone)?,
        partner.ok_or_else(gone)?,
        program.ok_or_else(gone)?,
    );
    let (stats, wallet, referrals) = tokio::try_join!(
        state.store.partner_stats(&claims.t, &claims.p),
        state.store.wallet(&claims.t, &claims.p),
        state.store.direct_referrals(&partner),
    )?;
    let mut paid_out = Decimal::ZERO;
    let mut after: Option<String> = None;
    loop {
        let (payouts, next) = state
            .store
            .partner_payouts(&claims.t, &claims.p, PAYOUT_PAGE, after.as_deref())
            .await?;
        paid_out += payouts
            .iter()
            .filter(|p| p.status == PayoutStatus::Paid)
            .map(|p| p.amount)
            .sum::<Decimal>();
        match next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let currency = program.currency;
    let view = super::partner_view(&state, &partner);
    let qr =
        qrcode::QrCode::new(view.referral_link.as_bytes()).map_err(|e| ApiError::internal(&e))?;
    Ok(Reply::ok(EmbedPanel {
        partner: EmbedPartner {
            name: partner.name,
            referral_code: view.referral_code,
            referral_link: view.referral_link,
        },
        program: EmbedProgram {
            name: tenant.name,
            currency,
        },
        referrals,
        leads: stats.leads,
        clients: stats.clients,
        deals_won: stats.deals_won,
        balance: Amount(currency.normalize(wallet.balance)),
        pending: Amount(currency.normalize(wallet.pending)),
        paid_out: Amount(currency.normalize(paid_out)),
        expires_at: rfc3339(claims.exp),
        qr_svg: super::partners::qr_svg(&qr),
    }))
}

/// `GET /embed?token=`: the portal's page, framed only by the token's program's sites. The
/// page itself reads `/v1/embed/me` with the token and shows the expired state if it is.
pub async fn page(
    State(state): State<AppState>,
    Params(query): Params<c::EmbedPage>,
) -> ApiResult<Reply<c::EmbedPage>> {
    let tenant = query
        .token
        .as_deref()
        .and_then(embed_token::unverified_tenant);
    let origins = match tenant {
        Some(tenant) => match state.store.program(&tenant).await? {
            Some((program, _)) => program.widget_origins,
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let shell = state
        .portal_shell
        .as_ref()
        .and_then(|shell| shell())
        .ok_or_else(|| {
            // No portal where this API runs (a bare API in tests): nothing to frame.
            ApiError::not_found("portal")
        })?;
    let csp = crate::headers::embed_csp(&origins);
    Ok(Reply::raw(
        (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/html; charset=utf-8".to_owned(),
                ),
                (axum::http::header::CONTENT_SECURITY_POLICY, csp),
                (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            shell,
        )
            .into_response(),
    ))
}
