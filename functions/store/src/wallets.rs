//! Wallets: an append-only list of entries per partner and a balance item updated in the same
//! transaction as each entry, so `balance + pending` is always the sum of the entries and
//! `balance` the sum of the available ones. A held entry moves from `pending` to `balance`
//! once, by the release sweep (`releases.rs`).

use crate::item::{Item, ItemBuilder, View, key_item, n, s};
use crate::ops::{Refusal, Tx, put_new};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use upline_contract::{EntryKind, EntryStatus, PartnerId, TenantId};

/// Turnover per rule lives on the wallet item as `turnover:<rule key>`.
pub const TURNOVER_PREFIX: &str = "turnover:";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct WalletRecord {
    /// Available: what a payout may take.
    pub balance: Decimal,
    /// Held entries not yet released.
    pub pending: Decimal,
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
    pub status: EntryStatus,
    /// When a held entry is (or was) released.
    pub available_at: Option<String>,
    pub deal_id: Option<String>,
    pub from_partner_id: Option<PartnerId>,
    pub level: Option<u32>,
    pub rule: Option<String>,
    pub reason: Option<String>,
    /// Who made a manual entry (adjustment, payout): `user:<id>` or `api_key:<id>`.
    pub actor: Option<String>,
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
        pending: view.opt_decimal("pending")?.unwrap_or_default(),
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
        // Entries written before hold periods were available at once.
        status: match view.opt_s("status")? {
            Some(_) => view.word("status")?,
            None => EntryStatus::Available,
        },
        available_at: view.opt_s("available_at")?.map(str::to_owned),
        deal_id: view.opt_s("deal_id")?.map(str::to_owned),
        from_partner_id: view.opt_s("from_partner_id")?.map(PartnerId::from),
        level: view.opt_u64("level")?.and_then(|l| u32::try_from(l).ok()),
        rule: view.opt_s("rule")?.map(str::to_owned),
        reason: view.opt_s("reason")?.map(str::to_owned),
        actor: view.opt_s("actor")?.map(str::to_owned),
    })
}

impl EntryRecord {
    /// A manual adjustment by staff (`actor`), with the reason they gave.
    pub fn adjustment(
        partner: &PartnerId,
        amount: Decimal,
        reason: &str,
        at: &crate::Timestamp,
        unique: &str,
        actor: &str,
    ) -> Self {
        EntryRecord {
            id: keys::walk_entry_id(at.millis, 0, unique),
            partner_id: partner.clone(),
            kind: EntryKind::Adjustment,
            amount,
            created_at: at.rfc3339.clone(),
            status: EntryStatus::Available,
            available_at: None,
            deal_id: None,
            from_partner_id: None,
            level: None,
            rule: None,
            reason: Some(reason.to_owned()),
            actor: Some(actor.to_owned()),
        }
    }
}

impl Tx {
    /// An entry and its wallet change, together: the balance stays the sum of the entries.
    /// With `never_below_zero`, a debit that would take the balance under zero is refused
    /// (`balance`); the check and the change are one conditional update, not a read.
    pub fn add_entry(
        &mut self,
        tenant: &TenantId,
        entry: &EntryRecord,
        currency: &str,
        never_below_zero: bool,
    ) -> Result<(), StoreError> {
        let item = ItemBuilder::new(&keys::entry(tenant, &entry.partner_id, &entry.id), "entry")
            .s("tenant_id", tenant.as_str())
            .s("partner_id", entry.partner_id.as_str())
            .s("kind", entry.kind.as_str())
            .n("amount", entry.amount)
            .s("currency", currency)
            .s("created_at", &entry.created_at)
            .opt_s("deal_id", entry.deal_id.as_deref())
            .opt_s(
                "from_partner_id",
                entry.from_partner_id.as_ref().map(|p| p.as_str()),
            )
            .opt_s("rule", entry.rule.as_deref())
            .opt_s("reason", entry.reason.as_deref())
            .opt_s("actor", entry.actor.as_deref())
            .build();
        self.push(Refusal::EntryWritten, put_new(&self.table, item)?);
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::wallet(tenant, &entry.partner_id))))
            .update_expression(
                "SET entity = :entity, tenant_id = :tenant, partner_id = :partner, currency = :currency ADD balance :amount, entry_count :one",
            )
            .expression_attribute_values(":entity", s("wallet"))
            .expression_attribute_values(":tenant", s(tenant.as_str()))
            .expression_attribute_values(":partner", s(entry.partner_id.as_str()))
            .expression_attribute_values(":currency", s(currency))
            .expression_attribute_values(":amount", n(entry.amount))
            .expression_attribute_values(":one", n(1));
        if never_below_zero && entry.amount.is_sign_negative() {
            update = update
                .condition_expression("balance >= :need")
                .expression_attribute_values(":need", n(-entry.amount));
        }
        self.push(
            Refusal::BalanceTooLow,
            TransactWriteItem::builder()
                .update(update.build().map_err(StoreError::build)?)
                .build(),
        );
        Ok(())
    }
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

    /// The wallet and whether a payout request of the partner is open, in one BatchGetItem.
    pub async fn wallet_and_open_payout(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
    ) -> Result<(WalletRecord, bool), StoreError> {
        let wallet_key = keys::wallet(tenant, partner);
        let open_key = keys::open_payout(tenant, partner);
        let mut wallet = WalletRecord::default();
        let mut open = false;
        for item in self.batch_get(&[wallet_key, open_key]).await? {
            if View(&item).s(keys::SK)? == "WALLET" {
                wallet = wallet_from(&item)?;
            } else {
                open = true;
            }
        }
        Ok((wallet, open))
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
        let (items, more) = self
            .partner_page(tenant, partner, keys::ENTRY_PREFIX, limit, cursor)
            .await?;
        let entries = items
            .iter()
            .map(entry_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next = more.then(|| entries.last().map(|e| e.id.clone())).flatten();
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
