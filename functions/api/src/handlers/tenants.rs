//! `POST /v1/tenants`: self-service signup of a tenant and its owner.

use super::members::TokenEmail;
use super::new_id;
use crate::AppState;
use crate::auth::hash_password;
use crate::error::{ApiError, ApiResult};
use crate::serve::{Body, Reply};
use crate::throttle::{self, ClientIp};
use axum::extract::State;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{Amount, CreateTenantResponse, Permission, Program, TenantId, UserId};
use upline_domain::validate;
use upline_store::Timestamp;
use upline_store::tenants::TenantRecord;
use upline_store::tokens::TokenPurpose;
use upline_store::users::UserRecord;

pub async fn create(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Body(request): Body<c::CreateTenant>,
) -> ApiResult<Reply<c::CreateTenant>> {
    validate::slug(&request.slug).map_err(|m| ApiError::invalid("slug", m))?;
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let email =
        validate::email(&request.owner.email).map_err(|m| ApiError::invalid("owner.email", m))?;
    validate::password(&request.owner.password)
        .map_err(|m| ApiError::invalid("owner.password", m))?;
    let owner_name = validate::person_name(&request.owner.name)
        .map_err(|m| ApiError::invalid("owner.name", m))?;
    throttle::take(
        &state,
        "client_throttle",
        &[(
            upline_store::keys::client_throttle("signup", &client),
            state.limits.signups_per_client,
        )],
        ErrorCode::TooManySignups,
        "too many signups from this address; try again later",
    )
    .await?;

    let now = Timestamp::now().rfc3339;
    let tenant = TenantRecord {
        id: TenantId(new_id("tn")),
        slug: request.slug,
        name,
        currency: request.currency,
        created_at: now.clone(),
    };
    let program = Program {
        currency: request.currency,
        min_payout: Amount::ZERO,
        open_signup: false,
        external_id_template: "P-{seq:05}".to_owned(),
        plan: upline_domain::default_plan(),
        reversal_statuses: upline_domain::default_reversal_statuses(),
        widget_origins: Vec::new(),
        landing_url: None,
        attribution_window_days: upline_contract::DEFAULT_ATTRIBUTION_WINDOW_DAYS,
        attribution_model: upline_contract::AttributionModel::Last,
        lead_consent_text: None,
        hold_days: 0,
        terms: None,
        staff_two_factor_required: false,
    };
    let owner = UserRecord {
        tenant_id: tenant.id.clone(),
        id: UserId(new_id("us")),
        email,
        name: owner_name,
        password_hash: hash_password(request.owner.password).await?,
        permissions: Permission::ALL.to_vec(),
        email_confirmed: false,
        partner_id: None,
        supervisor_id: None,
        phone: None,
        created_at: now,
        language: upline_contract::Language::default(),
        owner: true,
        sessions_valid_from: 0,
        ended_sessions: Vec::new(),
        totp: Default::default(),
    };
    // The owner gets a confirmation email with the signup, like everyone else.
    let mut tx = state.store.tx();
    tx.put_new_tenant(&tenant, &program)?;
    tx.put_new_user(&owner)?;
    TokenEmail {
        tenant: &tenant.id,
        purpose: TokenPurpose::ConfirmEmail,
        user_id: Some(&owner.id),
        to_email: &owner.email,
        to_name: &owner.name,
        language: owner.language,
        invitation: None,
    }
    .add_to(&mut tx, &state.tokens, |_| {})?;
    state.store.commit(tx).await?;
    let token = state.sessions.issue(&tenant.id, &owner.id);
    let tenant = super::tenant_view(tenant);
    Ok(Reply::ok(CreateTenantResponse { tenant, token }))
}
