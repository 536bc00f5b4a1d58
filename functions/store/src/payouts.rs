//! Payout requests. A request lives in its partner's partition (`PAYOUT#<id>`), listed for
//! staff on `gsi1`. "One open request per partner" is an `OPEN_PAYOUT` marker item created with
//! `attribute_not_exists` in the same transaction as the request, and deleted when it is paid or
//! rejected — a conditional write, not a read-then-write.

use crate::item::{ItemBuilder, View, key_item, s};
use crate::ops::{Refusal, Tx, put_new};
use crate::wallets::EntryRecord;
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};
use rust_decimal::Decimal;
use upline_contract::{EntryKind, PartnerId, PayoutStatus, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub struct PayoutRecord {
    pub tenant_id: TenantId,
    pub partner_id: PartnerId,
    /// Opaque to clients; its tail is the request's own key (see `keys::payout_id`).
    pub id: String,
    pub amount: Decimal,
    pub currency: String,
    pub status: PayoutStatus,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

fn payout_from(view: &View) -> Result<PayoutRecord, StoreError> {
    Ok(PayoutRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        partner_id: PartnerId::from(view.s("partner_id")?),
        id: view.s("payout_id")?.to_owned(),
        amount: view.decimal("amount")?,
        currency: view.s("currency")?.to_owned(),
        status: view.word("status")?,
        created_at: view.s("created_at")?.to_owned(),
        decided_at: view.opt_s("decided_at")?.map(str::to_owned),
        reason: view.opt_s("reason")?.map(str::to_owned),
    })
}

impl Tx {
    /// A new request and the partner's open-request marker (`payout_open` when one is open).
    pub fn request_payout(&mut self, payout: &PayoutRecord) -> Result<(), StoreError> {
        let t = &payout.tenant_id;
        let marker = ItemBuilder::new(&keys::open_payout(t, &payout.partner_id), "open_payout")
            .s("tenant_id", t.as_str())
            .s("payout_id", &payout.id)
            .build();
        self.push(Refusal::PayoutOpen, put_new(&self.table, marker)?);
        let item = ItemBuilder::new(&keys::payout(t, &payout.partner_id, &payout.id), "payout")
            .s("tenant_id", t.as_str())
            .s("partner_id", payout.partner_id.as_str())
            .s("payout_id", &payout.id)
            .n("amount", payout.amount)
            .s("currency", &payout.currency)
            .s("status", payout.status.as_str())
            .s("created_at", &payout.created_at)
            .s(keys::GSI1_PK, keys::payouts_list(t))
            .s(
                keys::GSI1_SK,
                format!("{}#{}", payout.created_at, payout.id),
            )
            .build();
        self.push(Refusal::Invariant("payout"), put_new(&self.table, item)?);
        Ok(())
    }

    /// Closes an open request as `paid` or `rejected` (`payout_state` if it is not open any
    /// more) and removes the partner's open marker.
    pub fn decide_payout(
        &mut self,
        payout: &PayoutRecord,
        status: PayoutStatus,
        at: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let t = &payout.tenant_id;
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::payout(
                t,
                &payout.partner_id,
                &payout.id,
            ))))
            .condition_expression("#status = :requested")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":requested", s(PayoutStatus::Requested.as_str()))
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":at", s(at));
        update = match reason {
            Some(reason) => update
                .update_expression("SET #status = :status, decided_at = :at, reason = :reason")
                .expression_attribute_values(":reason", s(reason)),
            None => update.update_expression("SET #status = :status, decided_at = :at"),
        };
        self.push(
            Refusal::PayoutDecided,
            TransactWriteItem::builder()
                .update(update.build().map_err(StoreError::build)?)
                .build(),
        );
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::open_payout(t, &payout.partner_id))))
            .condition_expression("payout_id = :id")
            .expression_attribute_values(":id", s(&payout.id))
            .build()
            .map_err(StoreError::build)?;
        self.push(
            Refusal::PayoutDecided,
            TransactWriteItem::builder().delete(delete).build(),
        );
        Ok(())
    }

    /// Pays an open request: it closes as `paid` and the balance drops by its amount in the same
    /// transaction, never below zero (`balance`); `payout_state` when it is not open any more,
    /// so a retried pay never debits twice.
    pub fn pay_payout(
        &mut self,
        payout: &PayoutRecord,
        at: &crate::Timestamp,
        actor: &str,
    ) -> Result<(), StoreError> {
        let entry = EntryRecord {
            kind: EntryKind::Payout,
            reason: Some(format!("payout {}", payout.id)),
            ..EntryRecord::adjustment(
                &payout.partner_id,
                -payout.amount,
                "",
                at,
                &payout.id,
                actor,
            )
        };
        self.decide_payout(payout, PayoutStatus::Paid, &at.rfc3339, None)?;
        self.add_entry(&payout.tenant_id, &entry, &payout.currency, true)
    }
}

impl Store {
    pub async fn payout(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
        id: &str,
    ) -> Result<Option<PayoutRecord>, StoreError> {
        self.get(&keys::payout(tenant, partner, id))
            .await?
            .map(|item| payout_from(&View(&item)))
            .transpose()
    }

    /// A partner's requests, newest first; `after` is the last id of the previous page.
    pub async fn partner_payouts(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<PayoutRecord>, Option<String>), StoreError> {
        let (items, more) = self
            .partner_page(tenant, partner, keys::PAYOUT_PREFIX, limit, after)
            .await?;
        let payouts: Vec<PayoutRecord> = items
            .iter()
            .map(|item| payout_from(&View(item)))
            .collect::<Result<_, _>>()?;
        let next = more.then(|| payouts.last().map(|p| p.id.clone())).flatten();
        Ok((payouts, next))
    }

    /// Every partner's requests, oldest first (the queue staff work through).
    pub async fn all_payouts(
        &self,
        tenant: &TenantId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<PayoutRecord>, Option<String>), StoreError> {
        let (items, next) = self
            .list_page(&keys::payouts_list(tenant), limit, after)
            .await?;
        let payouts = items
            .iter()
            .map(|item| payout_from(&View(item)))
            .collect::<Result<_, _>>()?;
        Ok((payouts, next))
    }
}
