//! `POST /v1/api-keys`: a key for the tenant's backend, shown once, stored as a hash.

use super::new_id;
use crate::AppState;
use crate::auth::{Caller, new_api_key};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use upline_contract::{ApiKeyCreated, ApiKeyId, CreateApiKeyRequest, Permission};
use upline_domain::validate;
use upline_store::Timestamp;
use upline_store::api_keys::ApiKeyRecord;

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateApiKeyRequest>,
) -> ApiResult<(StatusCode, Json<ApiKeyCreated>)> {
    let user = caller.require(Permission::ConfigureProgram)?;
    let name = validate::name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let (secret, hash) = new_api_key();
    let record = ApiKeyRecord {
        tenant_id: user.tenant_id.clone(),
        id: ApiKeyId(new_id("ak")),
        name,
        created_at: Timestamp::now().rfc3339,
    };
    state.store.create_api_key(&record, &hash).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiKeyCreated {
            id: record.id,
            key: secret,
            name: record.name,
        }),
    ))
}
