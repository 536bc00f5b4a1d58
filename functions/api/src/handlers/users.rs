//! Staff users: `POST /v1/users`, `GET /v1/users`, `PUT /v1/users/{id}/supervisor`,
//! `PUT /v1/users/{id}/permissions`. The staff structure (who supervises whom) is separate from
//! the partner tree: moving one never moves the other.

use super::audit::record;
use super::members::TokenEmail;
use super::{encode_cursor, new_id, user_view};
use crate::AppState;
use crate::auth::{Caller, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use serde_json::json;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{Page, Permission, TenantId, UserId};
use upline_domain::validate;
use upline_store::Timestamp;
use upline_store::tokens::TokenPurpose;
use upline_store::users::UserRecord;

/// A staff structure is small; a longer supervisor chain than this is a loop in the data.
const MAX_SUPERVISOR_CHAIN: usize = 100;

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::CreateUser>,
) -> ApiResult<Reply<c::CreateUser>> {
    let admin = caller.require(Permission::ConfigureProgram)?;
    let tenant = admin.tenant_id.clone();
    let email = validate::email(&request.email).map_err(|m| ApiError::invalid("email", m))?;
    let name = validate::person_name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    validate::password(&request.password).map_err(|m| ApiError::invalid("password", m))?;
    let permissions = grantable(&admin.permissions, &[], &request.permissions)?;
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
        owner: false,
        sessions_valid_from: 0,
        ended_sessions: Vec::new(),
        totp: Default::default(),
    };
    let mut tx = state.store.tx();
    tx.put_new_user(&user)?;
    tx.audit(&record(
        &caller,
        "user.create",
        format!("user:{}", user.id),
        json!({"email": user.email, "name": user.name, "permissions": user.permissions}),
    ))?;
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
    state.store.commit(tx).await?;
    Ok(Reply::ok(user_view(&user)))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListUsers>,
) -> ApiResult<Reply<c::ListUsers>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let after = params.page().decoded_cursor()?;
    let (users, next) = state
        .store
        .users_page(&tenant, params.page().limit()?, after.as_deref())
        .await?;
    Ok(Reply::ok(Page {
        items: users.iter().map(user_view).collect(),
        next_cursor: next.as_deref().map(encode_cursor),
    }))
}

/// Moves a user in the staff structure; a loop is refused with 409 `cycle`.
pub async fn set_supervisor(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    Body(request): Body<c::SetSupervisor>,
) -> ApiResult<Reply<c::SetSupervisor>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let user_id = UserId(id);
    let before = state
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
                return Err(ApiError::conflict(
                    ErrorCode::Cycle,
                    "the user would supervise themselves",
                )
                .with_field("supervisor_id"));
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
    let audit = record(
        &caller,
        "user.supervisor",
        format!("user:{user_id}"),
        json!({"supervisor_id": {"from": before.supervisor_id, "to": request.supervisor_id}}),
    );
    state
        .store
        .set_supervisor(&tenant, &user_id, request.supervisor_id.as_ref(), &audit)
        .await?;
    let user = state
        .store
        .user(&tenant, &user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Reply::ok(user_view(&user)))
}

/// `permissions`, sorted and each once, if the granter holds every one the user does not have
/// yet: nobody grants what they do not hold (keeping what the user has is not granting it).
fn grantable(
    held: &[Permission],
    user_has: &[Permission],
    permissions: &[Permission],
) -> Result<Vec<Permission>, ApiError> {
    for (index, permission) in permissions.iter().enumerate() {
        if !held.contains(permission) && !user_has.contains(permission) {
            return Err(ApiError::invalid(
                format!("permissions[{index}]"),
                format!(
                    "you cannot grant {} without holding it",
                    permission.as_str()
                ),
            ));
        }
    }
    let mut permissions = permissions.to_vec();
    permissions.sort();
    permissions.dedup();
    Ok(permissions)
}

/// Replaces a staff user's permissions. The caller grants and takes away only permissions they
/// hold, and never changes their own (so the last administrator cannot lock everyone out).
pub async fn set_permissions(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    Body(request): Body<c::SetPermissions>,
) -> ApiResult<Reply<c::SetPermissions>> {
    let admin = caller.require(Permission::ConfigureProgram)?;
    let tenant = admin.tenant_id.clone();
    let user_id = UserId(id);
    let user = state
        .store
        .user(&tenant, &user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    if user.id == admin.id {
        return Err(ApiError::conflict(
            ErrorCode::OwnPermissions,
            "you cannot change your own permissions; ask another administrator",
        ));
    }
    if user.owner {
        return Err(ApiError::conflict(
            ErrorCode::OwnerKeepsPermissions,
            "the tenant's owner keeps every permission",
        ));
    }
    let permissions = grantable(&admin.permissions, &user.permissions, &request.permissions)?;
    if let Some(taken) = user
        .permissions
        .iter()
        .find(|p| !permissions.contains(p) && !admin.permissions.contains(p))
    {
        return Err(ApiError::invalid(
            "permissions",
            format!("you cannot take away {} without holding it", taken.as_str()),
        ));
    }
    // Keys act with their creator's authority: it goes, they go (first, so a failure between
    // the two leaves a user with keys revoked rather than keys outliving their right).
    if user.permissions.contains(&Permission::ConfigureProgram)
        && !permissions.contains(&Permission::ConfigureProgram)
    {
        state
            .store
            .revoke_api_keys(
                &tenant,
                |key| key.created_by.as_ref() == Some(&user_id),
                |key| {
                    record(
                        &caller,
                        "api_key.revoke",
                        format!("api_key:{}", key.id),
                        json!({"name": key.name, "reason": "its creator lost configure_program"}),
                    )
                },
            )
            .await?;
    }
    let audit = record(
        &caller,
        "user.permissions",
        format!("user:{user_id}"),
        json!({"permissions": {"from": user.permissions, "to": permissions}}),
    );
    state
        .store
        .set_permissions(&tenant, &user_id, &permissions, &audit)
        .await?;
    Ok(Reply::ok(user_view(&UserRecord {
        permissions,
        ..user
    })))
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
