//! Staff users: `POST /v1/users`, `GET /v1/users`, `PUT /v1/users/{id}/supervisor`. The staff
//! structure (who supervises whom) is separate from the partner tree: moving one never moves
//! the other.

use super::accounts::tx_error;
use super::members::TokenEmail;
use super::{encode_cursor, new_id, user_view};
use crate::AppState;
use crate::auth::{Caller, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, ListParams, PathParam, QueryParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use upline_contract::{
    CreateUserRequest, Permission, SetSupervisorRequest, TenantId, User, UserId, UserPage,
};
use upline_domain::validate;
use upline_store::Timestamp;
use upline_store::tokens::TokenPurpose;
use upline_store::users::UserRecord;

/// A staff structure is small; a longer supervisor chain than this is a loop in the data.
const MAX_SUPERVISOR_CHAIN: usize = 100;

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let admin = caller.require(Permission::ConfigureProgram)?;
    let tenant = admin.tenant_id.clone();
    let email = validate::email(&request.email).map_err(|m| ApiError::invalid("email", m))?;
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    validate::password(&request.password).map_err(|m| ApiError::invalid("password", m))?;
    // Nobody grants what they do not hold.
    for (index, permission) in request.permissions.iter().enumerate() {
        if !admin.permissions.contains(permission) {
            return Err(ApiError::invalid(
                format!("permissions[{index}]"),
                format!(
                    "you cannot grant {} without holding it",
                    permission.as_str()
                ),
            ));
        }
    }
    let mut permissions = request.permissions.clone();
    permissions.sort();
    permissions.dedup();
    if let Some(supervisor) = &request.supervisor_id {
        existing_user(&state, &tenant, supervisor, "supervisor_id").await?;
    }
    let user = UserRecord {
        tenant_id: tenant.clone(),
        id: UserId(new_id("us")),
        email,
        name,
        phone: None,
        password_hash: hash_password(request.password).await?,
        permissions,
        email_confirmed: false,
        partner_id: None,
        supervisor_id: request.supervisor_id.clone(),
        created_at: Timestamp::now().rfc3339,
        language: request.language.unwrap_or_default(),
    };
    let mut tx = state.store.tx();
    tx.put_new_user(&user)?;
    TokenEmail {
        tenant: &tenant,
        purpose: TokenPurpose::ConfirmEmail,
        user_id: Some(&user.id),
        to_email: &user.email,
        to_name: &user.name,
        language: user.language,
        invitation: None,
    }
    .add_to(&mut tx, &state.tokens, |_| {})?;
    state.store.commit(tx).await.map_err(tx_error)?;
    Ok((StatusCode::CREATED, Json(user_view(&user))))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(params): QueryParams<ListParams>,
) -> ApiResult<Json<UserPage>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let after = params.decoded_cursor()?;
    let (users, next) = state
        .store
        .users_page(&tenant, params.limit()?, after.as_deref())
        .await?;
    Ok(Json(UserPage {
        items: users.iter().map(user_view).collect(),
        next_cursor: next.as_deref().map(encode_cursor),
    }))
}

/// Moves a user in the staff structure; a loop is refused with 409 `cycle`.
pub async fn set_supervisor(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    JsonBody(request): JsonBody<SetSupervisorRequest>,
) -> ApiResult<Json<User>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let user_id = UserId(id);
    state
        .store
        .user(&tenant, &user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    if let Some(supervisor) = &request.supervisor_id {
        // Walk up from the new supervisor: meeting the user means a loop.
        let mut cursor = Some(supervisor.clone());
        let mut steps = 0;
        while let Some(current) = cursor {
            if current == user_id {
                return Err(
                    ApiError::conflict("cycle", "the user would supervise themselves")
                        .with_field("supervisor_id"),
                );
            }
            steps += 1;
            if steps > MAX_SUPERVISOR_CHAIN {
                break;
            }
            cursor = existing_user(&state, &tenant, &current, "supervisor_id")
                .await?
                .supervisor_id;
        }
    }
    state
        .store
        .set_supervisor(&tenant, &user_id, request.supervisor_id.as_ref())
        .await?;
    let user = state
        .store
        .user(&tenant, &user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(user_view(&user)))
}

async fn existing_user(
    state: &AppState,
    tenant: &TenantId,
    id: &UserId,
    field: &str,
) -> Result<UserRecord, ApiError> {
    state
        .store
        .user(tenant, id)
        .await?
        .ok_or_else(|| ApiError::invalid(field, "is not a user of this program"))
}
