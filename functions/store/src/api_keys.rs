//! API keys of a tenant's backend, found by the SHA-256 of the secret (never stored), listed
//! per tenant on `gsi1`.

use crate::item::{Item, ItemBuilder, View, key_item, s};
use crate::{Store, StoreError, keys};
use upline_contract::{ApiKeyId, TenantId, UserId};

#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyRecord {
    pub tenant_id: TenantId,
    pub id: ApiKeyId,
    pub name: String,
    pub created_at: String,
    /// None for keys made before creators were recorded.
    pub created_by: Option<UserId>,
    /// RFC 3339; none: until revoked.
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    /// Epoch ms of `last_used_at` (0: never), to decide cheaply whether to record a use.
    pub last_used_millis: i64,
}

fn key_from(view: &View) -> Result<ApiKeyRecord, StoreError> {
    Ok(ApiKeyRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: ApiKeyId::from(view.s("api_key_id")?),
        name: view.s("name")?.to_owned(),
        created_at: view.s("created_at")?.to_owned(),
        created_by: view.opt_s("created_by")?.map(UserId::from),
        expires_at: view.opt_s("expires_at")?.map(str::to_owned),
        last_used_at: view.opt_s("last_used_at")?.map(str::to_owned),
        last_used_millis: view.i64("last_used_millis")?,
    })
}

impl Store {
    pub async fn create_api_key(
        &self,
        key: &ApiKeyRecord,
        secret_hash: &str,
        audit: &crate::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let item = ItemBuilder::new(&keys::api_key(secret_hash), "api_key")
            .s("tenant_id", key.tenant_id.as_str())
            .s("api_key_id", key.id.as_str())
            .s("name", &key.name)
            .s("created_at", &key.created_at)
            .opt_s("created_by", key.created_by.as_ref().map(|u| u.as_str()))
            .opt_s("expires_at", key.expires_at.as_deref())
            .s(keys::GSI1_PK, keys::api_keys_list(&key.tenant_id))
            .s(keys::GSI1_SK, format!("{}#{}", key.created_at, key.id))
            .build();
        self.write_audited(crate::ops::put_new(&self.table, item)?, Some(audit))
            .await
    }

    pub async fn api_key_by_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        let Some(item) = self.get(&keys::api_key(secret_hash)).await? else {
            return Ok(None);
        };
        key_from(&View(&item)).map(Some)
    }

    /// Records that the key was used now (the caller decides how often that is worth a write).
    pub async fn record_api_key_use(
        &self,
        secret_hash: &str,
        now: &crate::Timestamp,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::api_key(secret_hash))))
            .condition_expression("attribute_exists(pk)")
            .update_expression("SET last_used_at = :at, last_used_millis = :ms")
            .expression_attribute_values(":at", s(&now.rfc3339))
            .expression_attribute_values(":ms", crate::item::n(now.millis))
            .send()
            .await
            .map(|_| ())
            .or_else(|err| match StoreError::sdk(err) {
                // Revoked meanwhile: nothing to record.
                StoreError::ConditionFailed { .. } => Ok(()),
                err => Err(err),
            })
    }

    pub async fn api_keys_page(
        &self,
        tenant: &TenantId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<ApiKeyRecord>, Option<String>), StoreError> {
        let (items, next) = self
            .list_page(&keys::api_keys_list(tenant), limit, after)
            .await?;
        let keys = items
            .iter()
            .map(|item| key_from(&View(item)))
            .collect::<Result<_, _>>()?;
        Ok((keys, next))
    }

    /// Every key of the tenant with its item's key (keys are few: a page of 100 at a time).
    async fn api_key_items(&self, tenant: &TenantId) -> Result<Vec<Item>, StoreError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let (items, next) = self
                .list_page(&keys::api_keys_list(tenant), 100, after.as_deref())
                .await?;
            all.extend(items);
            match next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Revokes the keys matching `which`, each with its audit record (`audit` names the
    /// action and the actor; the target is the key); answers how many went. The key answers
    /// 401 at once: every request reads its item.
    pub async fn revoke_api_keys(
        &self,
        tenant: &TenantId,
        which: impl Fn(&ApiKeyRecord) -> bool,
        audit: impl Fn(&ApiKeyRecord) -> crate::audit::AuditRecord,
    ) -> Result<usize, StoreError> {
        let mut revoked = 0;
        for item in self.api_key_items(tenant).await? {
            let view = View(&item);
            let record = key_from(&view)?;
            if !which(&record) {
                continue;
            }
            let key = keys::Key {
                pk: view.s(keys::PK)?.to_owned(),
                sk: view.s(keys::SK)?.to_owned(),
            };
            let action = crate::ops::delete_existing(&self.table, &key)?;
            // Revoked meanwhile by someone else: theirs is the record of it.
            if crate::ops::condition_passed(
                self.write_audited(action, Some(&audit(&record))).await,
            )? {
                revoked += 1;
            }
        }
        Ok(revoked)
    }
}
