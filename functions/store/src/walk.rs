//! The walk's reads and its one transaction.
//!
//! Read: one BatchGetItem of the program, the deal's partner (whose item holds the whole chain),
//! the deal's walk state and level 1's wallet (turnover for tiers).
//! Write: one TransactWriteItems with the walk state (the idempotency record: `applied_seq`
//! moves only from the previous value, permanently), then per partner its entry, its wallet
//! update and its notification. Entries merge per partner, so no item is touched twice.

use crate::deals::{TransitionRecord, ledger_from};
use crate::item::{ItemBuilder, key_item, n, s};
use crate::ops::put_new;
use crate::partners::{PartnerRecord, partner_from};
use crate::program::program_from;
use crate::wallets::{TURNOVER_PREFIX, wallet_from};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use upline_contract::{PartnerId, Program, TenantId};
use upline_domain::{CreditKind, DealLedger, WalkOutcome};

/// DynamoDB's limit on the actions of one transaction.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;

/// Everything the walk needs besides the transition itself.
#[derive(Clone, Debug, Default)]
pub struct WalkContext {
    pub program: Option<Program>,
    pub partner: Option<PartnerRecord>,
    pub ledger: DealLedger,
    /// Level 1's turnover per rule key.
    pub turnover: BTreeMap<String, Decimal>,
}

pub struct WalkWrite<'a> {
    pub transition: &'a TransitionRecord,
    pub outcome: &'a WalkOutcome,
    /// What level 1's turnover was read as; guarded when a tiered rule used it.
    pub turnover_read: &'a BTreeMap<String, Decimal>,
    pub guard_turnover: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyWalkError {
    /// The walk state moved since it was read: this transition (or a later one) is applied, or
    /// a tier's turnover changed. Read again: the walk will then skip or recompute.
    #[error("the walk state changed concurrently")]
    Concurrent,
    #[error("the walk needs {0} writes, more than one transaction holds")]
    TooLarge(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    pub async fn walk_context(
        &self,
        tenant: &TenantId,
        deal_id: &str,
        partner: &PartnerId,
    ) -> Result<WalkContext, StoreError> {
        let wanted = [
            keys::program(tenant),
            keys::partner(tenant, partner),
            keys::deal_walk(tenant, deal_id),
            keys::wallet(tenant, partner),
        ];
        let items = self.batch_get(&wanted).await?;
        let mut context = WalkContext::default();
        for item in &items {
            let view = crate::item::View(item);
            match view.entity() {
                Some("program") => context.program = Some(program_from(&view)?.0),
                Some("partner") => context.partner = Some(partner_from(&view)?),
                Some("deal_walk") => context.ledger = ledger_from(&view)?,
                Some("wallet") => context.turnover = wallet_from(item)?.turnover,
                _ => {}
            }
        }
        Ok(context)
    }

    /// Writes one walk outcome exactly once.
    pub async fn apply_walk(&self, write: &WalkWrite<'_>) -> Result<(), ApplyWalkError> {
        let actions = self.walk_actions(write)?;
        if actions.len() > MAX_TRANSACTION_ACTIONS {
            return Err(ApplyWalkError::TooLarge(actions.len()));
        }
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { .. }) => Err(ApplyWalkError::Concurrent),
            Err(other) => Err(other.into()),
        }
    }

    fn walk_actions(&self, write: &WalkWrite<'_>) -> Result<Vec<TransactWriteItem>, StoreError> {
        let t = write.transition;
        let tenant = &t.tenant_id;
        let ledger = serde_json::to_string(&write.outcome.ledger)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let previous = t.seq - 1;
        let state = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::deal_walk(tenant, &t.deal_id))))
            .update_expression("SET applied_seq = :seq, ledger = :ledger, entity = :entity, tenant_id = :tenant, deal_id = :deal, updated_at = :at")
            .condition_expression(if previous == 0 { "attribute_not_exists(applied_seq)" } else { "applied_seq = :previous" })
            .expression_attribute_values(":seq", n(t.seq))
            .expression_attribute_values(":ledger", s(ledger))
            .expression_attribute_values(":entity", s("deal_walk"))
            .expression_attribute_values(":tenant", s(tenant.as_str()))
            .expression_attribute_values(":deal", s(&t.deal_id))
            .expression_attribute_values(":at", s(&t.at.rfc3339));
        let state = if previous == 0 {
            state
        } else {
            state.expression_attribute_values(":previous", n(previous))
        };
        let mut actions = vec![
            TransactWriteItem::builder()
                .update(state.build().map_err(StoreError::build)?)
                .build(),
        ];

        let entry_id = keys::walk_entry_id(t.at.millis, t.seq, &t.deal_id);
        // Per partner: what goes to `balance` and what to `pending` (one update per wallet).
        let mut wallet_updates: Vec<WalletChange> = Vec::new();
        for credit in &write.outcome.credits {
            let kind = match credit.kind {
                CreditKind::Accrual => "accrual",
                CreditKind::Reversal => "reversal",
            };
            let change = match wallet_updates
                .iter_mut()
                .position(|c| c.partner == credit.partner_id)
            {
                Some(index) => &mut wallet_updates[index],
                None => {
                    wallet_updates.push(WalletChange::of(&credit.partner_id));
                    wallet_updates.last_mut().expect("just pushed")
                }
            };
            // A partner's second credit (a refund of both held and released accruals) needs an
            // id of its own.
            let id = if change.entries == 0 {
                entry_id.clone()
            } else {
                format!("{entry_id}~2")
            };
            change.entries += 1;
            let key = keys::entry(tenant, &credit.partner_id, &id);
            let mut entry = ItemBuilder::new(&key, "entry")
                .s("tenant_id", tenant.as_str())
                .s("partner_id", credit.partner_id.as_str())
                .s("kind", kind)
                .n("amount", credit.amount)
                .s("currency", t.currency.code())
                .s("created_at", &t.at.rfc3339)
                .s("deal_id", &t.deal_id)
                .s("from_partner_id", t.partner_id.as_str())
                .n("level", credit.level)
                .s("rule", &credit.rule)
                .n("seq", t.seq);
            match credit.available_at {
                Some(millis) => {
                    change.pending += credit.amount;
                    entry = crate::releases::held(entry, &key, millis);
                }
                None => {
                    change.available += credit.amount;
                    entry = entry.s("status", upline_contract::EntryStatus::Available.as_str());
                }
            }
            actions.push(put_new(&self.table, entry.build())?);
            if credit.kind == CreditKind::Accrual {
                let notification = crate::outbox::OutboxRecord {
                    amount: Some(credit.amount),
                    currency: Some(t.currency.code().to_owned()),
                    deal_id: Some(t.deal_id.clone()),
                    // An event (a lead, a client) has no deal amount of its own.
                    deal_amount: t.event.is_none().then_some(t.amount),
                    level: Some(u64::from(credit.level)),
                    from_partner_id: Some(t.partner_id.clone()),
                    ..crate::outbox::OutboxRecord::to_partner(
                        tenant,
                        format!("{entry_id}_{}", credit.partner_id),
                        "commission_credited",
                        &credit.partner_id,
                        &t.at.rfc3339,
                    )
                }
                .new_item();
                actions.push(put_new(&self.table, notification)?);
            }
        }
        // Level 1's turnover rides on its wallet update (or on its own one if it earned nothing).
        let level_one = &t.partner_id;
        if !write.outcome.turnover_changes.is_empty()
            && !wallet_updates.iter().any(|c| &c.partner == level_one)
        {
            wallet_updates.push(WalletChange::of(level_one));
        }
        for change in wallet_updates {
            let partner = change.partner;
            let mut expression = String::from(
                "SET entity = :wallet_entity, tenant_id = :tenant, partner_id = :partner, currency = :currency",
            );
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key_item(&keys::wallet(tenant, &partner))))
                .expression_attribute_values(":wallet_entity", s("wallet"))
                .expression_attribute_values(":tenant", s(tenant.as_str()))
                .expression_attribute_values(":partner", s(partner.as_str()))
                .expression_attribute_values(":currency", s(t.currency.code()));
            let mut conditions = Vec::new();
            if &partner == level_one {
                for (index, (rule, change)) in write.outcome.turnover_changes.iter().enumerate() {
                    let (name, value, zero) = (format!("#t{index}"), format!(":t{index}"), ":zero");
                    expression.push_str(&format!(
                        ", {name} = if_not_exists({name}, {zero}) + {value}"
                    ));
                    update = update
                        .expression_attribute_names(&name, format!("{TURNOVER_PREFIX}{rule}"))
                        .expression_attribute_values(&value, n(change))
                        .expression_attribute_values(zero, n(0));
                    if write.guard_turnover {
                        let read = write.turnover_read.get(rule).copied().unwrap_or_default();
                        let old = format!(":old{index}");
                        update = update.expression_attribute_values(&old, n(read));
                        conditions.push(if read.is_zero() {
                            format!("(attribute_not_exists({name}) OR {name} = {old})")
                        } else {
                            format!("{name} = {old}")
                        });
                    }
                }
            }
            let turnover_only = change.entries == 0;
            expression.push_str(" ADD balance :amount");
            update = update.expression_attribute_values(":amount", n(change.available));
            if !change.pending.is_zero() {
                expression.push_str(", pending :pending");
                update = update.expression_attribute_values(":pending", n(change.pending));
            }
            if !turnover_only {
                expression.push_str(", entry_count :entries");
                update = update.expression_attribute_values(":entries", n(change.entries));
            }
            if !conditions.is_empty() {
                update = update.condition_expression(conditions.join(" AND "));
            }
            let update = update
                .update_expression(expression)
                .build()
                .map_err(StoreError::build)?;
            actions.push(TransactWriteItem::builder().update(update).build());
        }
        Ok(actions)
    }
}

/// One wallet's movement in a walk: to `balance`, to `pending`, and how many entries.
struct WalletChange {
    partner: PartnerId,
    available: Decimal,
    pending: Decimal,
    entries: u64,
}

impl WalletChange {
    fn of(partner: &PartnerId) -> Self {
        WalletChange {
            partner: partner.clone(),
            available: Decimal::ZERO,
            pending: Decimal::ZERO,
            entries: 0,
        }
    }
}

/// Parses a stream image (already in SDK attribute form) into a transition, if it is one.
pub fn transition_of(
    image: &HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> Option<Result<TransitionRecord, StoreError>> {
    let view = crate::item::View(image);
    (view.entity() == Some(crate::deals::TRANSITION_ENTITY))
        .then(|| crate::deals::transition_from(&view))
}
