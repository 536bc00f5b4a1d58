//! Deals and their status transitions. A status change writes the deal and an immutable
//! transition item in one transaction; the transition's INSERT on the stream runs the walk.

use crate::item::{Item, ItemBuilder, View, n};
use crate::ops::{Refusal, put_new};
use crate::{Store, StoreError, Timestamp, keys};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use rust_decimal::Decimal;
use upline_contract::{Currency, EventKind, PartnerId, TenantId};
use upline_domain::DealLedger;

#[derive(Clone, Debug, PartialEq)]
pub struct DealRecord {
    pub tenant_id: TenantId,
    pub external_id: String,
    pub amount: Decimal,
    pub currency: Currency,
    pub status: String,
    pub partner_id: PartnerId,
    /// The number of the latest transition.
    pub seq: u64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TransitionRecord {
    pub tenant_id: TenantId,
    pub deal_id: String,
    pub seq: u64,
    pub from: Option<String>,
    pub to: String,
    pub amount: Decimal,
    pub currency: Currency,
    pub partner_id: PartnerId,
    pub at: Timestamp,
    /// Set for an event that earns without a deal status (a lead created): the walk runs on
    /// `Trigger::Event` instead of the status `to`.
    pub event: Option<EventKind>,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveDealError {
    /// Someone else created or changed the deal since it was read: read again and retry.
    #[error("the deal changed concurrently")]
    Concurrent,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub const TRANSITION_ENTITY: &str = "transition";

fn deal_item(deal: &DealRecord) -> Item {
    ItemBuilder::new(&keys::deal(&deal.tenant_id, &deal.external_id), "deal")
        .s("tenant_id", deal.tenant_id.as_str())
        .s("deal_id", &deal.external_id)
        .n("amount", deal.amount)
        .s("currency", deal.currency.code())
        .s("status", &deal.status)
        .s("partner_id", deal.partner_id.as_str())
        .n("seq", deal.seq)
        .s("created_at", &deal.created_at)
        .s("updated_at", &deal.updated_at)
        .s(keys::GSI1_PK, keys::deals_list(&deal.tenant_id))
        .s(keys::GSI1_SK, listing_position(deal))
        .build()
}

/// Where a deal stands in its lists: newest first, then by id.
fn listing_position(deal: &DealRecord) -> String {
    format!("{}#{}", deal.created_at, deal.external_id)
}

/// The deal's entry in its partner's partition (see `keys::partner_deal`).
fn partner_deal_item(deal: &DealRecord) -> Item {
    let key = keys::partner_deal(&deal.tenant_id, &deal.partner_id, &listing_position(deal));
    ItemBuilder::new(&key, "partner_deal")
        .s("tenant_id", deal.tenant_id.as_str())
        .s("deal_id", &deal.external_id)
        .build()
}

fn deal_from(view: &View) -> Result<DealRecord, StoreError> {
    Ok(DealRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        external_id: view.s("deal_id")?.to_owned(),
        amount: view.decimal("amount")?,
        currency: currency(view)?,
        status: view.s("status")?.to_owned(),
        partner_id: PartnerId::from(view.s("partner_id")?),
        seq: view.u64("seq")?,
        created_at: view.s("created_at")?.to_owned(),
        updated_at: view.s("updated_at")?.to_owned(),
    })
}

fn currency(view: &View) -> Result<Currency, StoreError> {
    view.s("currency")?
        .parse()
        .map_err(|_| StoreError::Corrupt("currency".into()))
}

fn transition_item(t: &TransitionRecord) -> Item {
    ItemBuilder::new(
        &keys::transition(&t.tenant_id, &t.deal_id, t.seq),
        TRANSITION_ENTITY,
    )
    .s("tenant_id", t.tenant_id.as_str())
    .s("deal_id", &t.deal_id)
    .n("seq", t.seq)
    .opt_s("from_status", t.from.as_deref())
    .s("to_status", &t.to)
    .n("amount", t.amount)
    .s("currency", t.currency.code())
    .s("partner_id", t.partner_id.as_str())
    .s("at", &t.at.rfc3339)
    .n("at_millis", t.at.millis)
    .opt_s("event", t.event.map(|e| e.as_str()))
    .build()
}

impl crate::ops::Tx {
    /// The transition of an event (a lead created), in the event's own transaction: its
    /// INSERT on the stream runs the walk like a deal's status change does.
    pub fn put_event_transition(&mut self, t: &TransitionRecord) -> Result<(), StoreError> {
        self.push(
            Refusal::TransitionWritten,
            crate::ops::put_new(&self.table, transition_item(t))?,
        );
        Ok(())
    }
}

/// Reads a transition item, from the table or from a stream image.
pub fn transition_from(view: &View) -> Result<TransitionRecord, StoreError> {
    Ok(TransitionRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        deal_id: view.s("deal_id")?.to_owned(),
        seq: view.u64("seq")?,
        from: view.opt_s("from_status")?.map(str::to_owned),
        to: view.s("to_status")?.to_owned(),
        amount: view.decimal("amount")?,
        currency: currency(view)?,
        partner_id: PartnerId::from(view.s("partner_id")?),
        at: Timestamp {
            rfc3339: view.s("at")?.to_owned(),
            millis: view.i64("at_millis")?,
        },
        event: match view.opt_s("event")? {
            Some(name) => Some(
                EventKind::parse(name)
                    .ok_or_else(|| StoreError::Corrupt(format!("event {name}")))?,
            ),
            None => None,
        },
    })
}

pub(crate) fn ledger_from(view: &View) -> Result<DealLedger, StoreError> {
    view.json("ledger")
}

/// A deal as stored: the deal, every transition in order, and what the walk applied.
#[derive(Clone, Debug, PartialEq)]
pub struct DealHistory {
    pub deal: DealRecord,
    pub transitions: Vec<TransitionRecord>,
    pub ledger: DealLedger,
}

impl Store {
    pub async fn deal(
        &self,
        tenant: &TenantId,
        external_id: &str,
    ) -> Result<Option<DealRecord>, StoreError> {
        self.get(&keys::deal(tenant, external_id))
            .await?
            .map(|item| deal_from(&View(&item)))
            .transpose()
    }

    /// The deal partition in one query: deal, transitions, walk state.
    pub async fn deal_history(
        &self,
        tenant: &TenantId,
        external_id: &str,
    ) -> Result<Option<DealHistory>, StoreError> {
        let pk = keys::deal(tenant, external_id).pk;
        let items = self.query_partition(&pk, None).await?;
        let mut deal = None;
        let mut transitions = Vec::new();
        let mut ledger = DealLedger::default();
        for item in &items {
            let view = View(item);
            match view.entity() {
                Some("deal") => deal = Some(deal_from(&view)?),
                Some(TRANSITION_ENTITY) => transitions.push(transition_from(&view)?),
                Some("deal_walk") => ledger = ledger_from(&view)?,
                _ => {}
            }
        }
        transitions.sort_by_key(|t| t.seq);
        Ok(deal.map(|deal| DealHistory {
            deal,
            transitions,
            ledger,
        }))
    }

    /// Transitions `from..=to` of a deal, in order (the walk fills gaps with these).
    pub async fn transitions(
        &self,
        tenant: &TenantId,
        external_id: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<TransitionRecord>, StoreError> {
        let pk = keys::deal(tenant, external_id).pk;
        let range = (
            keys::transition(tenant, external_id, from).sk,
            keys::transition(tenant, external_id, to).sk,
        );
        let items = self.query_partition(&pk, Some(range)).await?;
        items
            .iter()
            .map(|item| transition_from(&View(item)))
            .collect()
    }

    /// One page of the tenant's deals, newest first, only those in `status` when given (so a
    /// page may hold fewer than `limit`), each with what the walk has applied for it.
    pub async fn all_deals(
        &self,
        tenant: &TenantId,
        status: Option<&str>,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<(DealRecord, DealLedger)>, Option<String>), StoreError> {
        let (items, next) = self
            .list_page_ordered_where(&keys::deals_list(tenant), limit, after, false, status)
            .await?;
        let deals = items
            .iter()
            .map(|item| deal_from(&View(item)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((self.with_ledgers(tenant, deals).await?, next))
    }

    /// One page of the deals attributed to a partner, newest first, only those in `status`
    /// when given: the partition's entries, then the deals and their ledgers in batch reads.
    pub async fn partner_deals(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
        status: Option<&str>,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<(DealRecord, DealLedger)>, Option<String>), StoreError> {
        let (items, more) = self
            .partner_page(tenant, partner, keys::PARTNER_DEAL_PREFIX, limit, after)
            .await?;
        let positions: Vec<String> = items
            .iter()
            .map(|item| {
                let sk = View(item).s(keys::SK)?;
                Ok(sk[keys::PARTNER_DEAL_PREFIX.len()..].to_owned())
            })
            .collect::<Result<_, StoreError>>()?;
        let ids: Vec<String> = items
            .iter()
            .map(|item| View(item).s("deal_id").map(str::to_owned))
            .collect::<Result<_, _>>()?;
        let mut deals = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let wanted: Vec<keys::Key> = chunk.iter().map(|id| keys::deal(tenant, id)).collect();
            for item in self.batch_get(&wanted).await? {
                deals.push(deal_from(&View(&item))?);
            }
        }
        // A batch read answers in any order: put them back in the partition's.
        deals.sort_by_key(|deal| std::cmp::Reverse(listing_position(deal)));
        deals.retain(|deal| status.is_none_or(|s| deal.status == s));
        let next = if more {
            positions.last().cloned()
        } else {
            None
        };
        Ok((self.with_ledgers(tenant, deals).await?, next))
    }

    /// Each deal with its walk ledger, read in batches of 100.
    async fn with_ledgers(
        &self,
        tenant: &TenantId,
        deals: Vec<DealRecord>,
    ) -> Result<Vec<(DealRecord, DealLedger)>, StoreError> {
        let mut ledgers = std::collections::HashMap::with_capacity(deals.len());
        for chunk in deals.chunks(100) {
            let wanted: Vec<keys::Key> = chunk
                .iter()
                .map(|deal| keys::deal_walk(tenant, &deal.external_id))
                .collect();
            for item in self.batch_get(&wanted).await? {
                let view = View(&item);
                ledgers.insert(view.s("deal_id")?.to_owned(), ledger_from(&view)?);
            }
        }
        Ok(deals
            .into_iter()
            .map(|deal| {
                let ledger = ledgers.remove(&deal.external_id).unwrap_or_default();
                (deal, ledger)
            })
            .collect())
    }

    /// A new deal and its first transition (entering its initial status). `won_by` is what
    /// the partner's count of won deals changes by (1 when the first status is a paying one).
    pub async fn create_deal(
        &self,
        deal: &DealRecord,
        first: &TransitionRecord,
        audit: Option<&crate::audit::AuditRecord>,
        won_by: i64,
    ) -> Result<(), SaveDealError> {
        let actions = vec![
            put_new(&self.table, deal_item(deal))?,
            put_new(&self.table, transition_item(first))?,
            put_new(&self.table, partner_deal_item(deal))?,
        ];
        self.write_deal(deal, actions, audit, won_by).await
    }

    /// Saves a changed deal if it is still at `previous_seq`; a status change brings its transition.
    pub async fn update_deal(
        &self,
        deal: &DealRecord,
        previous_seq: u64,
        transition: Option<&TransitionRecord>,
        audit: Option<&crate::audit::AuditRecord>,
        won_by: i64,
    ) -> Result<(), SaveDealError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(deal_item(deal)))
            .condition_expression("seq = :previous")
            .expression_attribute_values(":previous", n(previous_seq))
            .build()
            .map_err(StoreError::build)?;
        let mut actions = vec![TransactWriteItem::builder().put(put).build()];
        if let Some(transition) = transition {
            actions.push(put_new(&self.table, transition_item(transition))?);
        }
        self.write_deal(deal, actions, audit, won_by).await
    }

    /// The deal's writes and, when staff or a key made them, their audit record: the record
    /// comes last, so a failed condition is always the deal's.
    async fn write_deal(
        &self,
        deal: &DealRecord,
        mut actions: Vec<TransactWriteItem>,
        audit: Option<&crate::audit::AuditRecord>,
        won_by: i64,
    ) -> Result<(), SaveDealError> {
        if won_by != 0 {
            actions.push(crate::clicks::count(
                &self.table,
                &deal.tenant_id,
                &deal.partner_id,
                crate::clicks::Counter::DealsWon,
                won_by,
            )?);
        }
        if let Some(audit) = audit {
            actions.push(audit.put(&self.table)?);
        }
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { .. }) => Err(SaveDealError::Concurrent),
            Err(other) => Err(other.into()),
        }
    }
}
