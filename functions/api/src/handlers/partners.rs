//! `POST /v1/partners` and `GET /v1/partners/{id}`.

use super::{new_id, partner_view};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rand::Rng;
use upline_contract::{CreatePartnerRequest, Partner, PartnerId, Permission, TenantId};
use upline_domain::validate::{self, REFERRAL_CODE_ALPHABET, REFERRAL_CODE_LEN};
use upline_store::Timestamp;
use upline_store::partners::{CreatePartnerError, PartnerRecord};

pub fn new_referral_code() -> String {
    let mut rng = rand::thread_rng();
    (0..REFERRAL_CODE_LEN)
        .map(|_| char::from(REFERRAL_CODE_ALPHABET[rng.gen_range(0..REFERRAL_CODE_ALPHABET.len())]))
        .collect()
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreatePartnerRequest>,
) -> ApiResult<(StatusCode, Json<Partner>)> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let email = validate::email(&request.email).map_err(|m| ApiError::invalid("email", m))?;
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    if let Some(external_id) = &request.external_id {
        validate::external_id(external_id).map_err(|m| ApiError::invalid("external_id", m))?;
    }
    let ancestors = match &request.sponsor_id {
        None => Vec::new(),
        Some(sponsor_id) => {
            let sponsor = state
                .store
                .partner(&tenant, sponsor_id)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid("sponsor_id", "is not a partner of this program")
                })?;
            std::iter::once(sponsor.id)
                .chain(sponsor.ancestors)
                .collect()
        }
    };
    let external_id = match request.external_id {
        Some(external_id) => external_id,
        None => next_external_id(&state, &tenant).await?,
    };
    let mut partner = PartnerRecord {
        tenant_id: tenant,
        id: PartnerId(new_id("pt")),
        user_id: None,
        name,
        email,
        referral_code: new_referral_code(),
        external_id,
        ancestors,
        status: "active".to_owned(),
        joined_at: Timestamp::now().rfc3339,
    };
    // A code collision is rare (32^8 codes); draw again.
    for _ in 0..5 {
        match state.store.create_partner(&partner).await {
            Ok(()) => return Ok((StatusCode::CREATED, Json(partner_view(&state, &partner)))),
            Err(CreatePartnerError::ReferralCodeTaken) => {
                partner.referral_code = new_referral_code()
            }
            Err(CreatePartnerError::ExternalIdTaken) => {
                return Err(ApiError::conflict(
                    "external_id_taken",
                    "another partner has this external id",
                )
                .with_field("external_id"));
            }
            Err(CreatePartnerError::Store(err)) => return Err(err.into()),
        }
    }
    Err(ApiError::conflict(
        "referral_code_taken",
        "could not draw a free referral code; try again",
    ))
}

async fn next_external_id(state: &AppState, tenant: &TenantId) -> Result<String, ApiError> {
    let (program, _) = state
        .store
        .program(tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    let seq = state.store.next_partner_seq(tenant).await?;
    validate::render_external_id(&program.external_id_template, seq)
        .map_err(|m| ApiError::invalid("external_id_template", m))
}

/// Visible to the partner itself, anyone above it in the tree, and `view_all_partners`;
/// to everyone else it does not exist.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Json<Partner>> {
    let partner = state
        .store
        .partner(caller.tenant_id(), &PartnerId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    let own = caller.user().and_then(|u| u.partner_id.as_ref());
    let visible = caller.has(Permission::ViewAllPartners)
        || own.is_some_and(|me| *me == partner.id || partner.ancestors.contains(me));
    if !visible {
        return Err(ApiError::not_found("partner"));
    }
    Ok(Json(partner_view(&state, &partner)))
}
