//! API keys of a tenant's backend, found by the SHA-256 of the secret (never stored).

use crate::item::{ItemBuilder, View};
use crate::{Store, StoreError, keys};
use upline_contract::{ApiKeyId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyRecord {
    pub tenant_id: TenantId,
    pub id: ApiKeyId,
    pub name: String,
    pub created_at: String,
}

impl Store {
    pub async fn create_api_key(
        &self,
        key: &ApiKeyRecord,
        secret_hash: &str,
    ) -> Result<(), StoreError> {
        let item = ItemBuilder::new(&keys::api_key(secret_hash), "api_key")
            .s("tenant_id", key.tenant_id.as_str())
            .s("api_key_id", key.id.as_str())
            .s("name", &key.name)
            .s("created_at", &key.created_at)
            .s(keys::GSI1_PK, keys::api_keys_list(&key.tenant_id))
            .s(keys::GSI1_SK, format!("{}#{}", key.created_at, key.id))
            .build();
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }

    pub async fn api_key_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        let Some(item) = self.get(&keys::api_key(secret_hash)).await? else {
            return Ok(None);
        };
        let view = View(&item);
        Ok(Some(ApiKeyRecord {
            tenant_id: TenantId::from(view.s("tenant_id")?),
            id: ApiKeyId::from(view.s("api_key_id")?),
            name: view.s("name")?.to_owned(),
            created_at: view.s("created_at")?.to_owned(),
        }))
    }
}
