//! The few request shapes every aggregate module builds on: a consistent read, a batch of
//! them, a whole partition, a conditional put inside a transaction, and the transaction itself.

use crate::item::{Item, key_item, s};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{KeysAndAttributes, Put, TransactWriteItem};
use std::time::Duration;

/// A Put inside a transaction that only creates: it fails if the item exists.
pub(crate) fn put_new(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(StoreError::build)?,
        )
        .build())
}

/// A Delete inside a transaction of an item that must exist.
pub(crate) fn delete_existing(
    table: &str,
    key: &keys::Key,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .delete(
            aws_sdk_dynamodb::types::Delete::builder()
                .table_name(table)
                .set_key(Some(key_item(key)))
                .condition_expression("attribute_exists(pk)")
                .build()
                .map_err(StoreError::build)?,
        )
        .build())
}

/// `Ok(true)` when a conditional write went through, `Ok(false)` when its condition failed.
pub(crate) fn condition_passed<T>(result: Result<T, StoreError>) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed { .. }) => Ok(false),
        Err(err) => Err(err),
    }
}

impl Store {
    /// One strongly consistent GetItem.
    pub async fn get(&self, key: &keys::Key) -> Result<Option<Item>, StoreError> {
        if !key.can_exist() {
            return Ok(None);
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(output.item)
    }

    /// Strongly consistent BatchGetItem, retrying unprocessed keys.
    pub(crate) async fn batch_get(&self, wanted: &[keys::Key]) -> Result<Vec<Item>, StoreError> {
        let wanted: Vec<&keys::Key> = wanted.iter().filter(|key| key.can_exist()).collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(wanted.iter().map(|key| key_item(key)).collect()))
                .consistent_read(true)
                .build()
                .map_err(StoreError::build)?,
        );
        let mut items = Vec::new();
        let mut backoff = Duration::from_millis(20);
        while let Some(request) = pending.take() {
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(StoreError::sdk)?;
            if let Some(mut found) = output.responses {
                items.extend(found.remove(&self.table).unwrap_or_default());
            }
            pending = output
                .unprocessed_keys
                .and_then(|mut left| left.remove(&self.table))
                .filter(|k| !k.keys.is_empty());
            if pending.is_some() {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
        Ok(items)
    }

    /// Every item of a partition, optionally with the sort key between two bounds.
    pub(crate) async fn query_partition(
        &self,
        pk: &str,
        sk_between: Option<(String, String)>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .expression_attribute_values(":pk", s(pk))
                .set_exclusive_start_key(start);
            query = match &sk_between {
                Some((low, high)) => query
                    .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                    .expression_attribute_values(":low", s(low))
                    .expression_attribute_values(":high", s(high)),
                None => query.key_condition_expression("pk = :pk"),
            };
            let output = query.send().await.map_err(StoreError::sdk)?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// One TransactWriteItems; a failed condition comes back as `ConditionFailed` with the
    /// indexes of the actions at fault.
    pub(crate) async fn transact(&self, actions: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(actions))
            .send()
            .await
            .map(|_| ())
            .map_err(StoreError::transaction)
    }
}

/// A TransactWriteItems under construction whose actions each say what their failed condition
/// would mean, so a caller matches a closed set of refusals instead of strings.
pub struct Tx {
    pub(crate) table: String,
    actions: Vec<TransactWriteItem>,
    refusals: Vec<Refusal>,
}

/// What a failed condition of a transaction means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Another account claims the email.
    EmailTaken,
    /// Another partner of the tenant has the external id.
    ExternalIdTaken,
    /// Another partner of the tenant has the referral code.
    ReferralCodeTaken,
    /// Another tenant has the slug.
    SlugTaken,
    /// The user is already a partner of the tenant.
    AlreadyPartner,
    /// The sponsor's place in the tree changed since it was read.
    SponsorMoved,
    /// The email link's token is unknown, used or expired.
    TokenGone,
    /// The debit would take the balance below zero.
    BalanceTooLow,
    /// The partner already has an open payout request.
    PayoutOpen,
    /// The payout request is not open any more.
    PayoutDecided,
    /// The entry (its id comes from what it is for) was already written.
    EntryWritten,
    /// The lead already became a client.
    LeadRegistered,
    /// The event's transition (its id comes from the event) was already written.
    TransitionWritten,
    /// A condition that holds by construction failed (an item under a fresh id existed, or a
    /// signed-in user's item is gone); named for the log only.
    Invariant(&'static str),
}

/// Why a transaction did not commit.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// The condition of this action failed (the first one, in push order).
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Tx {
    pub(crate) fn push(&mut self, refusal: Refusal, action: TransactWriteItem) {
        self.actions.push(action);
        self.refusals.push(refusal);
    }

    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

impl Store {
    pub fn tx(&self) -> Tx {
        Tx {
            table: self.table.clone(),
            actions: Vec::new(),
            refusals: Vec::new(),
        }
    }

    pub async fn commit(&self, tx: Tx) -> Result<(), TxError> {
        let Tx {
            actions, refusals, ..
        } = tx;
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { failed }) => {
                let refusal = failed
                    .iter()
                    .filter_map(|index| refusals.get(*index))
                    .next()
                    .copied()
                    .unwrap_or(Refusal::Invariant("unknown"));
                Err(TxError::Refused(refusal))
            }
            Err(other) => Err(TxError::Store(other)),
        }
    }
}

impl Store {
    /// One page of the items of a partner's partition whose sort key is `prefix` + id, newest
    /// first (ids start with time). `after` is the id of the last item of the previous page;
    /// the flag says whether more may follow.
    pub(crate) async fn partner_page(
        &self,
        tenant: &upline_contract::TenantId,
        partner: &upline_contract::PartnerId,
        prefix: &str,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<Item>, bool), StoreError> {
        let pk = keys::wallet(tenant, partner).pk;
        self.partition_page(&pk, prefix, limit, after).await
    }

    /// One page of a partition's items whose sort key starts with `prefix`, newest (highest)
    /// first, after the item whose sort key is `prefix` + `after`; `true` when more follow.
    pub(crate) async fn partition_page(
        &self,
        pk: &str,
        prefix: &str,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<Item>, bool), StoreError> {
        let pk = pk.to_owned();
        let start = after.map(|id| {
            key_item(&keys::Key {
                pk: pk.clone(),
                sk: format!("{prefix}{id}"),
            })
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":prefix", s(prefix))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok((
            output.items.unwrap_or_default(),
            output.last_evaluated_key.is_some(),
        ))
    }

    /// One page of a tenant list on `gsi1` (oldest first), after the sort key `after`. The next
    /// cursor is the last item's sort key when the page is full.
    pub(crate) async fn list_page(
        &self,
        gsi1pk: &str,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<Item>, Option<String>), StoreError> {
        self.list_page_ordered(gsi1pk, limit, after, true).await
    }

    /// `list_page`, oldest first (`forward`) or newest first.
    pub(crate) async fn list_page_ordered(
        &self,
        gsi1pk: &str,
        limit: i32,
        after: Option<&str>,
        forward: bool,
    ) -> Result<(Vec<Item>, Option<String>), StoreError> {
        self.list_page_ordered_where(gsi1pk, limit, after, forward, None)
            .await
    }

    /// `list_page_ordered`, keeping only items whose `status` is `status`. A filtered page may
    /// come back short (even empty) with a cursor: the filter runs after the limit.
    pub(crate) async fn list_page_ordered_where(
        &self,
        gsi1pk: &str,
        limit: i32,
        after: Option<&str>,
        forward: bool,
        status: Option<&str>,
    ) -> Result<(Vec<Item>, Option<String>), StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .limit(limit)
            .scan_index_forward(forward)
            .expression_attribute_values(":pk", s(gsi1pk));
        let query = match after {
            Some(after) => query
                .key_condition_expression(if forward {
                    "gsi1pk = :pk AND gsi1sk > :after"
                } else {
                    "gsi1pk = :pk AND gsi1sk < :after"
                })
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression("gsi1pk = :pk"),
        };
        let query = match status {
            Some(status) => query
                .filter_expression("#status = :status")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(status)),
            None => query,
        };
        let output = query.send().await.map_err(StoreError::sdk)?;
        let next = output
            .last_evaluated_key
            .as_ref()
            .and_then(|key| key.get(keys::GSI1_SK))
            .and_then(|v| v.as_s().ok())
            .cloned();
        Ok((output.items.unwrap_or_default(), next))
    }
}
