//! Applying one deal transition: read the context once, walk, write once — filling any gap of
//! earlier transitions first, so records that arrive late or out of order still apply in order.

use crate::RecordError;
use std::time::Duration;
use upline_domain::{MILLIS_PER_DAY, Timing, WalkError, WalkInput, walk};
use upline_store::deals::TransitionRecord;
use upline_store::walk::{ApplyWalkError, WalkWrite};
use upline_store::{Store, StoreError};

/// Re-reads after a concurrent change or a transient fault before giving the record back.
const ATTEMPTS: u32 = 6;

pub(crate) async fn apply_transition(
    store: &Store,
    transition: &TransitionRecord,
) -> Result<(), RecordError> {
    let mut backoff = Duration::from_millis(10);
    let mut last_error = String::new();
    for _ in 0..ATTEMPTS {
        match try_apply(store, transition).await {
            Ok(()) => return Ok(()),
            Err(Attempt::Retry(reason)) => last_error = reason,
            Err(Attempt::Fail(err)) => return Err(err),
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
    Err(RecordError::Transient(last_error))
}

enum Attempt {
    Retry(String),
    Fail(RecordError),
}

impl From<StoreError> for Attempt {
    fn from(err: StoreError) -> Self {
        match RecordError::from(err) {
            RecordError::Transient(reason) => Attempt::Retry(reason),
            permanent => Attempt::Fail(permanent),
        }
    }
}

async fn try_apply(store: &Store, transition: &TransitionRecord) -> Result<(), Attempt> {
    let t = transition;
    let mut context = store
        .walk_context(&t.tenant_id, &t.deal_id, &t.partner_id)
        .await?;
    if context.ledger.applied_seq >= t.seq {
        return Ok(());
    }
    let permanent = |what: &str| {
        Attempt::Fail(RecordError::Permanent(format!(
            "deal {}: {what}",
            t.deal_id
        )))
    };
    let program = context
        .program
        .take()
        .ok_or_else(|| permanent("the tenant has no program"))?;
    let partner = context
        .partner
        .take()
        .ok_or_else(|| permanent("the deal's partner does not exist"))?;
    let chain = partner.chain();
    let mut pending = Vec::new();
    if context.ledger.applied_seq + 1 < t.seq {
        pending = store
            .transitions(
                &t.tenant_id,
                &t.deal_id,
                context.ledger.applied_seq + 1,
                t.seq - 1,
            )
            .await?;
    }
    pending.push(t.clone());
    for step in &pending {
        let trigger = match step.event {
            Some(event) => upline_contract::Trigger::Event(event),
            None => upline_contract::Trigger::DealStatus(step.to.clone()),
        };
        let outcome = match walk(&WalkInput {
            plan: &program.plan,
            reversal_statuses: &program.reversal_statuses,
            currency: step.currency,
            chain: &chain,
            seq: step.seq,
            trigger: &trigger,
            amount: step.amount,
            ledger: &context.ledger,
            turnover: &context.turnover,
            timing: Timing {
                at_millis: step.at.millis,
                hold_millis: i64::from(program.hold_days) * MILLIS_PER_DAY,
            },
        }) {
            Ok(outcome) => outcome,
            Err(WalkError::AlreadyApplied { .. }) => continue,
            Err(WalkError::OutOfOrder { .. }) => {
                return Err(Attempt::Retry(format!(
                    "deal {} has a missing transition",
                    t.deal_id
                )));
            }
            Err(err @ WalkError::Overflow) => return Err(permanent(&err.to_string())),
        };
        let guard_turnover = program
            .plan
            .rules
            .iter()
            .any(|rule| rule.on == trigger && rule.tiers.is_some());
        let write = WalkWrite {
            transition: step,
            outcome: &outcome,
            turnover_read: &context.turnover,
            guard_turnover,
        };
        match store.apply_walk(&write).await {
            Ok(()) => {}
            Err(ApplyWalkError::Concurrent) => {
                return Err(Attempt::Retry(format!(
                    "deal {} changed concurrently",
                    t.deal_id
                )));
            }
            Err(ApplyWalkError::TooLarge(actions)) => {
                return Err(permanent(&format!(
                    "{actions} writes exceed one transaction"
                )));
            }
            Err(ApplyWalkError::Store(err)) => return Err(err.into()),
        }
        for (rule, change) in &outcome.turnover_changes {
            *context.turnover.entry(rule.clone()).or_default() += change;
        }
        context.ledger = outcome.ledger;
    }
    Ok(())
}
