//! API keys of the tenant's backend: made (shown once, stored as a hash), listed, revoked.
//! A key expires when its `expires_at` passes, and is revoked with its creator's
//! `configure_program` (see `users::set_permissions`).

use super::{encode_cursor, new_id};
use crate::AppState;
use crate::auth::{Caller, new_api_key};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upline_contract as c;
use upline_contract::NoContent;
use upline_contract::{ApiKey, ApiKeyCreated, ApiKeyId, Page, Permission};
use upline_domain::validate;
use upline_store::Timestamp;
use upline_store::api_keys::ApiKeyRecord;

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::CreateApiKey>,
) -> ApiResult<Reply<c::CreateApiKey>> {
    let user = caller.require(Permission::ConfigureProgram)?;
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let expires_at = match &request.expires_at {
        None => None,
        Some(text) => {
            let at = OffsetDateTime::parse(text, &Rfc3339)
                .map_err(|_| ApiError::invalid("expires_at", "must be an RFC 3339 time"))?;
            if at <= OffsetDateTime::now_utc() {
                return Err(ApiError::invalid("expires_at", "must be in the future"));
            }
            Some(Timestamp::from(at).rfc3339)
        }
    };
    let (secret, hash) = new_api_key();
    let record = ApiKeyRecord {
        tenant_id: user.tenant_id.clone(),
        id: ApiKeyId(new_id("ak")),
        name,
        created_at: Timestamp::now().rfc3339,
        created_by: Some(user.id.clone()),
        expires_at,
        last_used_at: None,
        last_used_millis: 0,
    };
    let audit = super::audit::record(
        &caller,
        "api_key.create",
        format!("api_key:{}", record.id),
        serde_json::json!({"name": record.name, "expires_at": record.expires_at}),
    );
    state.store.create_api_key(&record, &hash, &audit).await?;
    Ok(Reply::ok(ApiKeyCreated {
        id: record.id,
        key: secret,
        name: record.name,
        expires_at: record.expires_at,
    }))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListApiKeys>,
) -> ApiResult<Reply<c::ListApiKeys>> {
    let tenant = caller.tenant_id().clone();
    let after = params.page().decoded_cursor()?;
    let (keys, next) = state
        .store
        .api_keys_page(&tenant, params.page().limit()?, after.as_deref())
        .await?;
    Ok(Reply::ok(Page {
        items: keys
            .into_iter()
            .map(|key| ApiKey {
                id: key.id,
                name: key.name,
                created_at: key.created_at,
                created_by: key.created_by,
                last_used_at: key.last_used_at,
                expires_at: key.expires_at,
            })
            .collect(),
        next_cursor: next.as_deref().map(encode_cursor),
    }))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Reply<c::DeleteApiKey>> {
    let tenant = caller.tenant_id().clone();
    let revoked = state
        .store
        .revoke_api_keys(
            &tenant,
            |key| key.id.as_str() == id,
            |key| {
                super::audit::record(
                    &caller,
                    "api_key.revoke",
                    format!("api_key:{}", key.id),
                    serde_json::json!({"name": key.name}),
                )
            },
        )
        .await?;
    if revoked == 0 {
        return Err(ApiError::not_found("api key"));
    }
    Ok(Reply::ok(NoContent))
}
