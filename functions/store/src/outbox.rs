//! Notifications waiting for delivery. They are written in the same transaction as the event
//! that causes them; the stream handler delivers each on its INSERT and records the outcome here.

use crate::item::{View, key_item, n, s};
use crate::{Store, StoreError, keys};
use rust_decimal::Decimal;
use upline_contract::{PartnerId, TenantId};

pub const OUTBOX_ENTITY: &str = "outbox";

#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRecord {
    pub tenant_id: TenantId,
    pub id: String,
    pub template: String,
    pub channel: String,
    pub partner_id: PartnerId,
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub deal_id: Option<String>,
    pub status: String,
    pub attempts: u64,
    pub created_at: String,
}

/// Reads an outbox item, from the table or from a stream image.
pub fn outbox_from(view: &View) -> Result<OutboxRecord, StoreError> {
    let pk = view.s(keys::PK)?;
    Ok(OutboxRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: pk
            .rsplit_once("#OUTBOX#")
            .map(|(_, id)| id)
            .unwrap_or(pk)
            .to_owned(),
        template: view.s("template")?.to_owned(),
        channel: view.s("channel")?.to_owned(),
        partner_id: PartnerId::from(view.s("partner_id")?),
        amount: view.opt_decimal("amount")?,
        currency: view.opt_s("currency")?.map(str::to_owned),
        deal_id: view.opt_s("deal_id")?.map(str::to_owned),
        status: view.s("status")?.to_owned(),
        attempts: view.u64("attempts")?,
        created_at: view.s("created_at")?.to_owned(),
    })
}

impl Store {
    pub async fn outbox_item(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        self.get(&keys::outbox(tenant, id))
            .await?
            .map(|item| outbox_from(&View(&item)))
            .transpose()
    }

    /// Records one delivery attempt: `sent`, or `pending` with the error for a later retry.
    pub async fn record_delivery(
        &self,
        tenant: &TenantId,
        id: &str,
        status: &str,
        error: Option<&str>,
        at: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::outbox(tenant, id))))
            .update_expression(
                "SET #status = :status, last_error = :error, updated_at = :at ADD attempts :one",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":error", s(error.unwrap_or("")))
            .expression_attribute_values(":at", s(at))
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }
}
