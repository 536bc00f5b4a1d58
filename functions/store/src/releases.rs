//! Held entries and their release.
//!
//! A held entry (an accrual inside the program's hold period, or a refund of one) carries
//! `status = pending`, `available_at`, and a place in the sparse `due` index: partition
//! `RELEASE#<shard>` (a partner's entries share a shard, so the sweep can release them together),
//! sort key `<available_at millis>#<wallet pk>`. The release sweep reads that index from the front
//! — never a Scan — and releases each wallet's due entries in one transaction: every entry's
//! `status` moves from `pending` to `available` on the condition that it is still pending, and the
//! wallet moves their sum from `pending` to `balance`. A second sweep, or one after a crash, finds
//! the condition false: each entry is released once.

use crate::item::{Item, ItemBuilder, View, key_item, n, s};
use crate::keys::{self, DUE, DUE_AT, DUE_PK, Key};
use crate::{Store, StoreError, Timestamp};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use rust_decimal::Decimal;
use std::collections::HashMap;
use upline_contract::EntryStatus;

/// Held entries spread over this many partitions of the `due` index, so the walk's writes to it
/// never meet one partition's limit of 1,000 writes a second.
pub const RELEASE_SHARDS: u32 = 8;

/// Entries per release transaction (one action more for the wallet: within DynamoDB's 100).
const ENTRIES_PER_RELEASE: usize = 99;

pub fn release_partition(shard: u32) -> String {
    format!("RELEASE#{shard}")
}

/// The shard of a wallet: FNV-1a of its partition key, stable across builds and languages.
fn shard_of(wallet_pk: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in wallet_pk.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % RELEASE_SHARDS
}

/// Marks an entry being written as held until `millis` (the walk's entries; the load run's).
pub fn held(entry: ItemBuilder, key: &Key, millis: i64) -> ItemBuilder {
    entry
        .s("status", EntryStatus::Pending.as_str())
        .s("available_at", Timestamp::from_millis(millis).rfc3339)
        .s(DUE_PK, release_partition(shard_of(&key.pk)))
        .s(DUE_AT, format!("{millis:013}#{}", key.pk))
}

/// A held entry whose time has come, as the `due` index shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct DueEntry {
    pub key: Key,
    pub amount: Decimal,
    due_at: String,
}

fn due_entry_from(item: &Item) -> Result<DueEntry, StoreError> {
    let view = View(item);
    Ok(DueEntry {
        key: Key {
            pk: view.s(keys::PK)?.to_owned(),
            sk: view.s(keys::SK)?.to_owned(),
        },
        amount: view.decimal("amount")?,
        due_at: view.s(DUE_AT)?.to_owned(),
    })
}

impl Store {
    /// Held entries of one shard due by `now_millis`, earliest first (one page).
    pub async fn due_entries(
        &self,
        shard: u32,
        now_millis: i64,
        limit: i32,
    ) -> Result<Vec<DueEntry>, StoreError> {
        // `<millis>#<pk>` sorts after `<millis>`: everything due up to now is below now + 1 ms.
        let until = format!("{:013}", now_millis.saturating_add(1));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(DUE)
            .key_condition_expression("due_pk = :pk AND due_at < :until")
            .expression_attribute_values(":pk", s(release_partition(shard)))
            .expression_attribute_values(":until", s(until))
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        output.items().iter().map(due_entry_from).collect()
    }

    /// Releases due entries: one transaction per wallet and up to 99 entries. An entry someone
    /// else released in the meantime is left out and the rest released again. Answers how many
    /// this call released.
    pub async fn release(&self, due: &[DueEntry]) -> Result<usize, StoreError> {
        let mut by_wallet: Vec<(&str, Vec<&DueEntry>)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for entry in due {
            let at = *index.entry(entry.key.pk.as_str()).or_insert_with(|| {
                by_wallet.push((entry.key.pk.as_str(), Vec::new()));
                by_wallet.len() - 1
            });
            by_wallet[at].1.push(entry);
        }
        let mut released = 0;
        for (pk, entries) in by_wallet {
            for chunk in entries.chunks(ENTRIES_PER_RELEASE) {
                released += self.release_wallet(pk, chunk.to_vec()).await?;
            }
        }
        Ok(released)
    }

    async fn release_wallet(
        &self,
        wallet_pk: &str,
        mut entries: Vec<&DueEntry>,
    ) -> Result<usize, StoreError> {
        // Two tries: the second without the entries whose condition failed the first.
        for _ in 0..2 {
            if entries.is_empty() {
                return Ok(0);
            }
            match self
                .transact(self.release_actions(wallet_pk, &entries)?)
                .await
            {
                Ok(()) => return Ok(entries.len()),
                Err(StoreError::ConditionFailed { failed }) => {
                    entries = entries
                        .into_iter()
                        .enumerate()
                        .filter(|(action, _)| !failed.contains(action))
                        .map(|(_, entry)| entry)
                        .collect();
                }
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::ConditionFailed { failed: Vec::new() })
    }

    fn release_actions(
        &self,
        wallet_pk: &str,
        entries: &[&DueEntry],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut actions = Vec::with_capacity(entries.len() + 1);
        let mut total = Decimal::ZERO;
        for entry in entries {
            total += entry.amount;
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key_item(&entry.key)))
                .update_expression("SET #status = :available REMOVE due_pk, due_at")
                .condition_expression("#status = :pending AND due_at = :due")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":available", s(EntryStatus::Available.as_str()))
                .expression_attribute_values(":pending", s(EntryStatus::Pending.as_str()))
                .expression_attribute_values(":due", s(&entry.due_at))
                .build()
                .map_err(StoreError::build)?;
            actions.push(TransactWriteItem::builder().update(update).build());
        }
        let wallet = Key {
            pk: wallet_pk.to_owned(),
            sk: "WALLET".to_owned(),
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&wallet)))
            .update_expression("ADD balance :total, pending :minus")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":total", n(total))
            .expression_attribute_values(":minus", n(-total))
            .build()
            .map_err(StoreError::build)?;
        actions.push(TransactWriteItem::builder().update(update).build());
        Ok(actions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wallet_always_falls_in_the_same_shard_and_the_shards_are_all_used() {
        let pk = "T#tn_1#P#pa_1";
        assert_eq!(shard_of(pk), shard_of(pk));
        let used: std::collections::BTreeSet<u32> = (0..200)
            .map(|i| shard_of(&format!("T#tn_1#P#pa_{i}")))
            .collect();
        assert_eq!(used.len(), RELEASE_SHARDS as usize);
    }
}
