//! Wallets: an append-only list of entries per partner and a balance item updated in the same
//! transaction as each entry, so the balance is always the sum of the entries.

use crate::item::{Item, View, key_item, s};
use crate::{Store, StoreError, keys};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use upline_contract::{EntryKind, PartnerId, TenantId};

/// Turnover per rule lives on the wallet item as `turnover:<rule key>`.
pub const TURNOVER_PREFIX: &str = "turnover:";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct WalletRecord {
    pub balance: Decimal,
    pub entry_count: u64,
    /// Level-1 turnover per rule key, for tiers.
    pub turnover: BTreeMap<String, Decimal>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EntryRecord {
    pub id: String,
    pub partner_id: PartnerId,
    pub kind: EntryKind,
    pub amount: Decimal,
    pub created_at: String,
    pub deal_id: Option<String>,
    pub from_partner_id: Option<PartnerId>,
    pub level: Option<u32>,
    pub rule: Option<String>,
    pub reason: Option<String>,
}

pub(crate) fn wallet_from(item: &Item) -> Result<WalletRecord, StoreError> {
    let view = View(item);
    let mut turnover = BTreeMap::new();
    for name in item.keys().filter(|name| name.starts_with(TURNOVER_PREFIX)) {
        turnover.insert(
            name[TURNOVER_PREFIX.len()..].to_owned(),
            view.decimal(name)?,
        );
    }
    Ok(WalletRecord {
        balance: view.decimal("balance")?,
        entry_count: view.u64("entry_count")?,
        turnover,
    })
}

fn entry_from(item: &Item) -> Result<EntryRecord, StoreError> {
    let view = View(item);
    let sk = view.s(keys::SK)?;
    Ok(EntryRecord {
        id: sk.strip_prefix(keys::ENTRY_PREFIX).unwrap_or(sk).to_owned(),
        partner_id: PartnerId::from(view.s("partner_id")?),
        kind: EntryKind::parse(view.s("kind")?)
            .ok_or_else(|| StoreError::Corrupt(format!("{sk}: kind")))?,
        amount: view.decimal("amount")?,
        created_at: view.s("created_at")?.to_owned(),
        deal_id: view.opt_s("deal_id")?.map(str::to_owned),
        from_partner_id: view.opt_s("from_partner_id")?.map(PartnerId::from),
        level: view.opt_u64("level")?.and_then(|l| u32::try_from(l).ok()),
        rule: view.opt_s("rule")?.map(str::to_owned),
        reason: view.opt_s("reason")?.map(str::to_owned),
    })
}

impl Store {
    /// The wallet; a partner who never earned has an empty one.
    pub async fn wallet(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
    ) -> Result<WalletRecord, StoreError> {
        match self.get(&keys::wallet(tenant, partner)).await? {
            Some(item) => wallet_from(&item),
            None => Ok(WalletRecord::default()),
        }
    }

    /// The balances of many partners in one BatchGetItem per 100 (a partner list's wallet column).
    pub async fn balances(
        &self,
        tenant: &TenantId,
        partners: &[PartnerId],
    ) -> Result<Vec<(PartnerId, Decimal)>, StoreError> {
        let mut unique = partners.to_vec();
        unique.sort();
        unique.dedup(); // BatchGetItem refuses a key twice
        let mut balances = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(100) {
            let wanted: Vec<keys::Key> = chunk.iter().map(|p| keys::wallet(tenant, p)).collect();
            for item in self.batch_get(&wanted).await? {
                let view = View(&item);
                balances.push((
                    PartnerId::from(view.s("partner_id")?),
                    view.decimal("balance")?,
                ));
            }
        }
        Ok(balances)
    }

    /// A page of entries, newest first. The cursor is the last entry id of the previous page.
    pub async fn entries(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<(Vec<EntryRecord>, Option<String>), StoreError> {
        let pk = keys::wallet(tenant, partner).pk;
        let start = cursor.map(|id| key_item(&keys::entry(tenant, partner, id)));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(keys::ENTRY_PREFIX))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        let entries = output
            .items
            .unwrap_or_default()
            .iter()
            .map(entry_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next = output
            .last_evaluated_key
            .is_some()
            .then(|| entries.last().map(|e| e.id.clone()))
            .flatten();
        Ok((entries, next))
    }

    /// Every entry of a wallet (audits and tests: the balance must equal their sum).
    pub async fn all_entries(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
    ) -> Result<Vec<EntryRecord>, StoreError> {
        let pk = keys::wallet(tenant, partner).pk;
        let items = self.query_partition(&pk, None).await?;
        items
            .iter()
            .filter(|item| View(item).entity() == Some("entry"))
            .map(entry_from)
            .collect()
    }
}
