//! `POST /v1/tenants`: self-service signup of a tenant and its owner.

use super::new_id;
use crate::AppState;
use crate::auth::hash_password;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use upline_contract::{
    Amount, CreateTenantRequest, CreateTenantResponse, Permission, Program, Tenant, TenantId,
    UserId,
};
use upline_domain::validate;
use upline_store::Timestamp;
use upline_store::tenants::{CreateTenantError, TenantRecord};
use upline_store::users::UserRecord;

pub async fn create(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<CreateTenantRequest>,
) -> ApiResult<(StatusCode, Json<CreateTenantResponse>)> {
    validate::slug(&request.slug).map_err(|m| ApiError::invalid("slug", m))?;
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let email =
        validate::email(&request.owner.email).map_err(|m| ApiError::invalid("owner.email", m))?;
    validate::password(&request.owner.password)
        .map_err(|m| ApiError::invalid("owner.password", m))?;
    let owner_name =
        validate::name(&request.owner.name).map_err(|m| ApiError::invalid("owner.name", m))?;

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
        created_at: now,
    };
    match state.store.create_tenant(&tenant, &program, &owner).await {
        Ok(()) => {}
        Err(CreateTenantError::SlugTaken) => {
            return Err(ApiError::conflict("slug_taken", "this slug is taken").with_field("slug"));
        }
        Err(CreateTenantError::Store(err)) => return Err(err.into()),
    }
    let token = state.sessions.issue(&tenant.id, &owner.id);
    let tenant = Tenant {
        id: tenant.id,
        slug: tenant.slug,
        name: tenant.name,
        currency: tenant.currency,
    };
    Ok((
        StatusCode::CREATED,
        Json(CreateTenantResponse { tenant, token }),
    ))
}
