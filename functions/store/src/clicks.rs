//! Clicks on partners' codes and each partner's running counts.
//!
//! A click lives in its partner's partition (`CLICK#<id>`, the id `ck_<ulid>_<partner id>`), so
//! a lead or deal citing it reads one item. It is written with an `ADD` to the partner's `STATS`
//! item in one transaction: a click is recorded exactly when it is counted.

use crate::item::{ItemBuilder, View, key_item, n};
use crate::ops::{Refusal, Tx, put_new};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use upline_contract::{PartnerId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub struct ClickRecord {
    pub tenant_id: TenantId,
    pub partner_id: PartnerId,
    pub id: String,
    pub created_at: String,
    /// Epoch milliseconds of `created_at`: the attribution window is measured from it.
    pub at_millis: i64,
    pub url: Option<String>,
    pub referrer: Option<String>,
}

/// The counters of [`PartnerStats`], as their attribute names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    Clicks,
    Leads,
    Clients,
    DealsWon,
}

impl Counter {
    fn attribute(self) -> &'static str {
        match self {
            Counter::Clicks => "clicks",
            Counter::Leads => "leads",
            Counter::Clients => "clients",
            Counter::DealsWon => "deals_won",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartnerStats {
    pub clicks: u64,
    pub leads: u64,
    pub clients: u64,
    pub deals_won: u64,
}

fn click_from(view: &View) -> Result<ClickRecord, StoreError> {
    Ok(ClickRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        partner_id: PartnerId::from(view.s("partner_id")?),
        id: view.s("click_id")?.to_owned(),
        created_at: view.s("created_at")?.to_owned(),
        at_millis: view.i64("at_millis")?,
        url: view.opt_s("url")?.map(str::to_owned),
        referrer: view.opt_s("referrer")?.map(str::to_owned),
    })
}

/// The `ADD` of `by` (negative to take away) to one of a partner's counters.
pub(crate) fn count(
    table: &str,
    tenant: &TenantId,
    partner: &PartnerId,
    counter: Counter,
    by: i64,
) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::partner_stats(tenant, partner))))
        .update_expression("SET entity = :entity ADD #counter :by")
        .expression_attribute_names("#counter", counter.attribute())
        .expression_attribute_values(":entity", crate::item::s("partner_stats"))
        .expression_attribute_values(":by", n(by))
        .build()
        .map_err(StoreError::build)?;
    Ok(TransactWriteItem::builder().update(update).build())
}

impl Tx {
    pub fn put_click(&mut self, click: &ClickRecord) -> Result<(), StoreError> {
        let t = &click.tenant_id;
        let item = ItemBuilder::new(&keys::click(t, &click.partner_id, &click.id), "click")
            .s("tenant_id", t.as_str())
            .s("partner_id", click.partner_id.as_str())
            .s("click_id", &click.id)
            .s("created_at", &click.created_at)
            .n("at_millis", click.at_millis)
            .opt_s("url", click.url.as_deref())
            .opt_s("referrer", click.referrer.as_deref())
            .build();
        self.push(Refusal::Invariant("click"), put_new(&self.table, item)?);
        self.count(t, &click.partner_id, Counter::Clicks, 1)
    }

    /// Adds `by` to one of the partner's counters, with the rest of the transaction.
    pub fn count(
        &mut self,
        tenant: &TenantId,
        partner: &PartnerId,
        counter: Counter,
        by: i64,
    ) -> Result<(), StoreError> {
        let action = count(&self.table, tenant, partner, counter, by)?;
        self.push(Refusal::Invariant("partner stats"), action);
        Ok(())
    }
}

impl Store {
    pub async fn click(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
        click_id: &str,
    ) -> Result<Option<ClickRecord>, StoreError> {
        match self.get(&keys::click(tenant, partner, click_id)).await? {
            Some(item) => Ok(Some(click_from(&View(&item))?)),
            None => Ok(None),
        }
    }

    pub async fn partner_stats(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
    ) -> Result<PartnerStats, StoreError> {
        let Some(item) = self.get(&keys::partner_stats(tenant, partner)).await? else {
            return Ok(PartnerStats::default());
        };
        let view = View(&item);
        // A counter is never taken below zero by its writers; read a negative as corrupt.
        let counter = |c: Counter| -> Result<u64, StoreError> {
            Ok(view.opt_u64(c.attribute())?.unwrap_or(0))
        };
        Ok(PartnerStats {
            clicks: counter(Counter::Clicks)?,
            leads: counter(Counter::Leads)?,
            clients: counter(Counter::Clients)?,
            deals_won: counter(Counter::DealsWon)?,
        })
    }

    /// How many partners joined directly under `sponsor`: one Query of its downline in the
    /// tree index, counting those one level below it (the count grows with the downline, read
    /// only by the embedded panel).
    pub async fn direct_referrals(
        &self,
        sponsor: &crate::partners::PartnerRecord,
    ) -> Result<u64, StoreError> {
        let t = &sponsor.tenant_id;
        let prefix = keys::tree_path(&sponsor.ancestors, &sponsor.id);
        let mut total = 0u64;
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::TREE)
                .key_condition_expression("tree_pk = :pk AND begins_with(tree_path, :prefix)")
                .filter_expression("size(ancestors) = :depth")
                .expression_attribute_values(":pk", crate::item::s(keys::tree(t)))
                .expression_attribute_values(":prefix", crate::item::s(&prefix))
                .expression_attribute_values(":depth", n(sponsor.ancestors.len() + 1))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::sdk)?;
            total += u64::try_from(output.count).unwrap_or(0);
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(total);
            }
        }
    }
}
