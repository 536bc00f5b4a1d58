//! Webhook endpoints and their deliveries. The stream handler turns table changes into events
//! and writes one delivery per subscribed endpoint; each delivery's INSERT sends it, and its
//! item is the delivery log entry (state, attempts, last result).

use crate::delivery::{Delivery, delivery_of};
use crate::item::{Item, ItemBuilder, View, key_item, s};
use crate::ops::condition_passed;
use crate::{Store, StoreError, keys};
use upline_contract::TenantId;

pub const WEBHOOK_ENTITY: &str = "webhook";
pub const DELIVERY_ENTITY: &str = "webhook_delivery";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRecord {
    pub tenant_id: TenantId,
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// `whsec_<base64>`, sealed ([`crate::sealed`]) except as
    /// [`Store::webhook_for_signing`] reads it.
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<String>,
    pub created_at: String,
}

impl WebhookRecord {
    /// The secrets a delivery at `now` (RFC 3339) is signed with: the current one, and the
    /// previous one while it is still valid.
    pub fn signing_secrets(&self, now: &str) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, &self.previous_secret_until)
            && now < until.as_str()
        {
            secrets.push(previous);
        }
        secrets
    }

    pub fn wants(&self, event_type: &str) -> bool {
        self.events.iter().any(|e| e == event_type)
    }
}

fn webhook_from(view: &View) -> Result<WebhookRecord, StoreError> {
    let sk = view.s(keys::SK)?;
    Ok(WebhookRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: sk
            .strip_prefix(keys::WEBHOOK_PREFIX)
            .unwrap_or(sk)
            .to_owned(),
        url: view.s("url")?.to_owned(),
        events: view.list("events")?,
        description: view.opt_s("description")?.map(str::to_owned),
        secret: view.s("secret")?.to_owned(),
        previous_secret: view.opt_s("previous_secret")?.map(str::to_owned),
        previous_secret_until: view.opt_s("previous_secret_until")?.map(str::to_owned),
        created_at: view.s("created_at")?.to_owned(),
    })
}

/// One message for one endpoint: what was sent (the same bytes on every attempt) and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub tenant_id: TenantId,
    pub endpoint_id: String,
    /// `msg_<ulid>`: the `webhook-id` header, the same on every attempt.
    pub message_id: String,
    pub event_type: String,
    /// The JSON body.
    pub payload: String,
    pub created_at: String,
    pub delivery: Delivery,
}

impl DeliveryRecord {
    pub fn key(&self) -> keys::Key {
        keys::webhook_delivery(&self.tenant_id, &self.endpoint_id, &self.message_id)
    }
}

pub fn delivery_from(view: &View) -> Result<DeliveryRecord, StoreError> {
    let sk = view.s(keys::SK)?;
    Ok(DeliveryRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        endpoint_id: view.s("endpoint_id")?.to_owned(),
        message_id: sk
            .strip_prefix(keys::DELIVERY_PREFIX)
            .unwrap_or(sk)
            .to_owned(),
        event_type: view.s("event_type")?.to_owned(),
        payload: view.s("payload")?.to_owned(),
        created_at: view.s("created_at")?.to_owned(),
        delivery: delivery_of(view)?,
    })
}

/// What a webhook's sealed secrets are bound to: a sealed value does not open on another item.
fn seal_context(tenant: &TenantId, id: &str) -> String {
    format!("webhook|{}|{id}", tenant.as_str())
}

impl Store {
    /// The endpoint as read, with its secrets opened.
    async fn opened(&self, mut webhook: WebhookRecord) -> Result<WebhookRecord, StoreError> {
        let context = seal_context(&webhook.tenant_id, &webhook.id);
        webhook.secret = self.sealer.open(&context, &webhook.secret).await?;
        if let Some(previous) = &webhook.previous_secret {
            webhook.previous_secret = Some(self.sealer.open(&context, previous).await?);
        }
        Ok(webhook)
    }

    pub async fn create_webhook(
        &self,
        webhook: &WebhookRecord,
        audit: &crate::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let item = ItemBuilder::new(
            &keys::webhook(&webhook.tenant_id, &webhook.id),
            WEBHOOK_ENTITY,
        )
        .s("tenant_id", webhook.tenant_id.as_str())
        .s("url", &webhook.url)
        .list("events", webhook.events.iter().map(String::as_str))
        .opt_s("description", webhook.description.as_deref())
        .s(
            "secret",
            &self
                .sealer
                .seal(
                    &seal_context(&webhook.tenant_id, &webhook.id),
                    &webhook.secret,
                )
                .await?,
        )
        .s("created_at", &webhook.created_at)
        .build();
        self.write_audited(crate::ops::put_new(&self.table, item)?, Some(audit))
            .await
    }

    pub async fn webhook(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<WebhookRecord>, StoreError> {
        self.get(&keys::webhook(tenant, id))
            .await?
            .map(|item| webhook_from(&View(&item)))
            .transpose()
    }

    /// The endpoint with its secrets opened, to sign a delivery: the one read that needs the
    /// key (KMS `Decrypt` in the cloud), so only the sender is allowed it.
    pub async fn webhook_for_signing(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<WebhookRecord>, StoreError> {
        match self.webhook(tenant, id).await? {
            Some(endpoint) => Ok(Some(self.opened(endpoint).await?)),
            None => Ok(None),
        }
    }

    /// Every endpoint of the tenant (a handful: they live in the tenant's own partition).
    pub async fn webhooks(&self, tenant: &TenantId) -> Result<Vec<WebhookRecord>, StoreError> {
        let pk = keys::webhook(tenant, "").pk;
        let low = keys::WEBHOOK_PREFIX.to_owned();
        let high = format!("{}\u{10FFFF}", keys::WEBHOOK_PREFIX);
        self.query_partition(&pk, Some((low, high)))
            .await?
            .iter()
            .map(|item| webhook_from(&View(item)))
            .collect()
    }

    /// Removes an endpoint; `false` when there was none. Its delivery log stays readable.
    pub async fn delete_webhook(
        &self,
        tenant: &TenantId,
        id: &str,
        audit: &crate::audit::AuditRecord,
    ) -> Result<bool, StoreError> {
        let action = crate::ops::delete_existing(&self.table, &keys::webhook(tenant, id))?;
        condition_passed(self.write_audited(action, Some(audit)).await)
    }

    /// Replaces the secret; the old one keeps signing until `previous_until`. `false` when the
    /// endpoint does not exist. The old sealed value is moved as it is: its seal is bound to the
    /// endpoint, not to the attribute.
    pub async fn rotate_webhook_secret(
        &self,
        tenant: &TenantId,
        id: &str,
        new_secret: &str,
        previous_until: &str,
        audit: &crate::audit::AuditRecord,
    ) -> Result<bool, StoreError> {
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::webhook(tenant, id))))
            .update_expression(
                "SET previous_secret = secret, previous_secret_until = :until, secret = :new",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":until", s(previous_until))
            .expression_attribute_values(
                ":new",
                s(&self
                    .sealer
                    .seal(&seal_context(tenant, id), new_secret)
                    .await?),
            )
            .build()
            .map_err(StoreError::build)?;
        let action = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .update(update)
            .build();
        condition_passed(self.write_audited(action, Some(audit)).await)
    }

    /// Writes a delivery unless it exists (the same event seen twice on the stream); `true`
    /// when it was new.
    pub async fn put_delivery_once(&self, delivery: &DeliveryRecord) -> Result<bool, StoreError> {
        let item: Item = ItemBuilder::new(&delivery.key(), DELIVERY_ENTITY)
            .s("tenant_id", delivery.tenant_id.as_str())
            .s("endpoint_id", &delivery.endpoint_id)
            .s("event_type", &delivery.event_type)
            .s("payload", &delivery.payload)
            .s("created_at", &delivery.created_at)
            .s("status", upline_contract::DeliveryState::Pending.as_str())
            .n("attempts", 0)
            .build();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(StoreError::sdk);
        condition_passed(result)
    }

    pub async fn webhook_delivery(
        &self,
        key: &keys::Key,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        self.get(key)
            .await?
            .map(|item| delivery_from(&View(&item)))
            .transpose()
    }

    /// An endpoint's delivery log, newest first; `true` when more follow.
    pub async fn deliveries_page(
        &self,
        tenant: &TenantId,
        endpoint: &str,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<DeliveryRecord>, bool), StoreError> {
        let pk = keys::webhook_delivery(tenant, endpoint, "").pk;
        let (items, more) = self
            .partition_page(&pk, keys::DELIVERY_PREFIX, limit, after)
            .await?;
        let records = items
            .iter()
            .map(|item| delivery_from(&View(item)))
            .collect::<Result<_, _>>()?;
        Ok((records, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotated_secret_signs_beside_the_new_one_until_its_time_is_up() {
        let endpoint = WebhookRecord {
            tenant_id: TenantId::from("tn_1"),
            id: "wh_1".into(),
            url: "https://crm.example/hook".into(),
            events: vec!["payout.paid".into()],
            description: None,
            secret: "whsec_new".into(),
            previous_secret: Some("whsec_old".into()),
            previous_secret_until: Some("2026-12-03T10:00:00Z".into()),
            created_at: "2026-12-01T10:00:00Z".into(),
        };
        assert_eq!(
            endpoint.signing_secrets("2026-12-03T09:59:59Z"),
            ["whsec_new", "whsec_old"]
        );
        assert_eq!(
            endpoint.signing_secrets("2026-12-03T10:00:00Z"),
            ["whsec_new"]
        );
        let never_rotated = WebhookRecord {
            previous_secret: None,
            previous_secret_until: None,
            ..endpoint
        };
        assert_eq!(
            never_rotated.signing_secrets("2026-12-02T00:00:00Z"),
            ["whsec_new"]
        );
    }
}
