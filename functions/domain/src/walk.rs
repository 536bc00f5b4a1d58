//! The commission walk: one deal transition + the plan + the referral chain → ledger credits.
//!
//! The walk is a pure function of its input and the deal's ledger state, so the stream handler,
//! the commission preview and the portal's simulator all compute the same figures. Exactly-once
//! is the caller's job (a conditional write on the deal's `applied_seq`); the walk refuses a
//! transition that is not the next one, so a replay or a gap can never silently compute twice.

use crate::plan::level_one_percent;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use upline_contract::{Currency, LevelReward, PartnerId, Plan, Trigger};

/// What the walk has done for one deal so far; persisted next to the deal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealLedger {
    /// The last transition applied (0 = none).
    pub applied_seq: u64,
    /// The accruals since the last reversal, in order. A reversal cancels them exactly and
    /// clears them, so the ledger (kept in one item) stays bounded however often a deal flips
    /// between earning and reversed; the wallets' entries keep the whole history.
    pub lines: Vec<Accrued>,
    /// Rules that earned and were not reversed since, with the deal amount they counted toward
    /// level 1's turnover. A rule in here does not earn again until a reversal clears it.
    pub earned: BTreeMap<String, Decimal>,
}

/// One line of the deal's ledger: what one transition credited (or reversed) one partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accrued {
    pub seq: u64,
    pub partner_id: PartnerId,
    pub kind: CreditKind,
    pub level: u32,
    pub rule: String,
    pub amount: Decimal,
    /// When a held accrual becomes available (unix millis); none: at once (no hold, or a
    /// ledger written before hold periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_at: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    Accrual,
    Reversal,
}

impl DealLedger {
    /// Accruals not yet reversed.
    pub fn outstanding(&self) -> impl Iterator<Item = &Accrued> {
        self.lines
            .iter()
            .filter(|line| line.kind == CreditKind::Accrual)
    }

    /// The net of every line for one partner: what this deal has left in their wallet.
    pub fn net_for(&self, partner: &PartnerId) -> Decimal {
        self.lines
            .iter()
            .filter(|line| &line.partner_id == partner)
            .map(|line| line.amount)
            .sum()
    }
}

/// One wallet movement the walk asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credit {
    pub partner_id: PartnerId,
    pub kind: CreditKind,
    pub level: u32,
    pub rule: String,
    pub amount: Decimal,
    /// Pending until then (unix millis), in the wallet's `pending`; none: in its `balance`.
    /// A reversal of held accruals is itself held until the earliest of them would have been
    /// released, so the released balance never holds money a refund took back.
    pub available_at: Option<i64>,
}

pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// When the walk happens and how long what it earns is held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// The transition's time (unix millis): a reversal at this time finds an accrual whose
    /// `available_at` is later still held.
    pub at_millis: i64,
    /// The program's hold period (0: accruals are available at once).
    pub hold_millis: i64,
}

pub struct WalkInput<'a> {
    pub plan: &'a Plan,
    pub reversal_statuses: &'a [String],
    pub currency: Currency,
    /// Level 1 first: the deal's partner, then their sponsor, and so on up.
    pub chain: &'a [PartnerId],
    /// The transition's number on this deal (1 = the status it was created with).
    pub seq: u64,
    /// What happened: for a deal, `Trigger::DealStatus(entered status)`.
    pub trigger: &'a Trigger,
    /// The deal amount the percents apply to.
    pub amount: Decimal,
    pub ledger: &'a DealLedger,
    /// Level 1's turnover per rule key before this deal, for tiers.
    pub turnover: &'a BTreeMap<String, Decimal>,
    pub timing: Timing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkOutcome {
    /// In chain order: one credit per partner, except a reversal that takes back both held and
    /// released accruals of one partner (one held credit, one not).
    pub credits: Vec<Credit>,
    pub ledger: DealLedger,
    /// How level 1's turnover changes, per rule key.
    pub turnover_changes: BTreeMap<String, Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalkError {
    #[error("transition {seq} is already applied (applied up to {applied_seq})")]
    AlreadyApplied { seq: u64, applied_seq: u64 },
    #[error("transition {seq} arrived before transition {expected}")]
    OutOfOrder { seq: u64, expected: u64 },
    #[error("the amount is too large to compute a commission on")]
    Overflow,
}

/// Runs the walk for one transition.
pub fn walk(input: &WalkInput<'_>) -> Result<WalkOutcome, WalkError> {
    let applied_seq = input.ledger.applied_seq;
    if input.seq <= applied_seq {
        return Err(WalkError::AlreadyApplied {
            seq: input.seq,
            applied_seq,
        });
    }
    if input.seq != applied_seq + 1 {
        return Err(WalkError::OutOfOrder {
            seq: input.seq,
            expected: applied_seq + 1,
        });
    }
    let mut ledger = input.ledger.clone();
    ledger.applied_seq = input.seq;
    let reverses =
        matches!(input.trigger, Trigger::DealStatus(s) if input.reversal_statuses.contains(s));
    let (credits, turnover_changes) = if reverses {
        reverse(input, &mut ledger)
    } else {
        earn(input, &mut ledger)?
    };
    Ok(WalkOutcome {
        credits,
        ledger,
        turnover_changes,
    })
}

fn reverse(
    input: &WalkInput<'_>,
    ledger: &mut DealLedger,
) -> (Vec<Credit>, BTreeMap<String, Decimal>) {
    // Merge per partner and per held-or-not: one entry each, and one wallet movement per
    // partner (the store merges the two), as one transaction may touch an item once.
    let at = input.timing.at_millis;
    let mut credits: Vec<Credit> = Vec::new();
    for line in input.ledger.outstanding() {
        let held_until = line.available_at.filter(|until| *until > at);
        match credits.iter_mut().find(|c| {
            c.partner_id == line.partner_id && c.available_at.is_some() == held_until.is_some()
        }) {
            Some(credit) => {
                credit.amount -= line.amount;
                credit.available_at = credit.available_at.min(held_until);
            }
            None => credits.push(Credit {
                partner_id: line.partner_id.clone(),
                kind: CreditKind::Reversal,
                level: line.level,
                rule: line.rule.clone(),
                amount: -line.amount,
                available_at: held_until,
            }),
        }
    }
    credits.retain(|credit| !credit.amount.is_zero());
    let turnover_changes = std::mem::take(&mut ledger.earned)
        .into_iter()
        .map(|(rule, amount)| (rule, -amount))
        .collect();
    ledger.lines.clear();
    (credits, turnover_changes)
}

fn earn(
    input: &WalkInput<'_>,
    ledger: &mut DealLedger,
) -> Result<(Vec<Credit>, BTreeMap<String, Decimal>), WalkError> {
    let Some(rule) = input
        .plan
        .rules
        .iter()
        .find(|rule| &rule.on == input.trigger)
    else {
        return Ok((Vec::new(), BTreeMap::new()));
    };
    let rule_key = rule.on.key();
    if ledger.earned.contains_key(&rule_key) {
        // Still earning from an earlier entry of this status; only a reversal re-arms it.
        return Ok((Vec::new(), BTreeMap::new()));
    }
    let turnover = input.turnover.get(&rule_key).copied().unwrap_or_default();
    let timing = input.timing;
    let available_at = (timing.hold_millis > 0).then(|| timing.at_millis + timing.hold_millis);
    let mut credits: Vec<Credit> = Vec::new();
    for (index, (reward, partner)) in rule.levels.iter().zip(input.chain).enumerate() {
        let amount = match reward {
            LevelReward::Fixed(fixed) => fixed.value(),
            LevelReward::Percent(percent) => {
                let percent = if index == 0 {
                    level_one_percent(rule, turnover).unwrap_or(percent.value())
                } else {
                    percent.value()
                };
                percent_of(input.amount, percent)?
            }
        };
        let amount = input.currency.round(amount);
        if amount.is_zero() || credits.iter().any(|c| &c.partner_id == partner) {
            continue;
        }
        credits.push(Credit {
            partner_id: partner.clone(),
            kind: CreditKind::Accrual,
            level: u32::try_from(index + 1).unwrap_or(u32::MAX),
            rule: rule_key.clone(),
            amount,
            available_at,
        });
    }
    ledger.earned.insert(rule_key.clone(), input.amount);
    record(ledger, input.seq, &credits);
    Ok((credits, BTreeMap::from([(rule_key, input.amount)])))
}

fn percent_of(amount: Decimal, percent: Decimal) -> Result<Decimal, WalkError> {
    amount
        .checked_mul(percent)
        .and_then(|product| product.checked_div(Decimal::ONE_HUNDRED))
        .ok_or(WalkError::Overflow)
}

fn record(ledger: &mut DealLedger, seq: u64, credits: &[Credit]) {
    ledger.lines.extend(credits.iter().map(|credit| Accrued {
        seq,
        partner_id: credit.partner_id.clone(),
        kind: credit.kind,
        level: credit.level,
        rule: credit.rule.clone(),
        amount: credit.amount,
        available_at: credit.available_at,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use upline_contract::{Amount, Rule};

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn issue_plan() -> Plan {
        Plan {
            rules: vec![Rule {
                on: Trigger::DealStatus("won".into()),
                levels: vec![
                    LevelReward::Percent(Amount(dec("10"))),
                    LevelReward::Percent(Amount(dec("5"))),
                    LevelReward::Fixed(Amount(dec("20.00"))),
                ],
                tiers: None,
            }],
        }
    }

    struct Deal {
        plan: Plan,
        chain: Vec<PartnerId>,
        ledger: DealLedger,
        turnover: BTreeMap<String, Decimal>,
        amount: Decimal,
        timing: Timing,
    }

    impl Deal {
        fn new(amount: &str) -> Self {
            let chain = ["D", "C", "B", "A"].map(PartnerId::from).to_vec();
            Deal {
                plan: issue_plan(),
                chain,
                ledger: DealLedger::default(),
                turnover: BTreeMap::new(),
                amount: dec(amount),
                timing: Timing::default(),
            }
        }

        fn enter(&mut self, status: &str) -> Vec<(String, String)> {
            self.credits_on(status)
                .into_iter()
                .map(|c| (c.partner_id.0, c.amount.to_string()))
                .collect()
        }

        fn credits_on(&mut self, status: &str) -> Vec<Credit> {
            let trigger = Trigger::DealStatus(status.into());
            let reversal = vec!["refunded".to_owned()];
            let outcome = walk(&WalkInput {
                plan: &self.plan,
                reversal_statuses: &reversal,
                currency: "EUR".parse().unwrap(),
                chain: &self.chain,
                seq: self.ledger.applied_seq + 1,
                trigger: &trigger,
                amount: self.amount,
                ledger: &self.ledger,
                turnover: &self.turnover,
                timing: self.timing,
            })
            .unwrap();
            for (rule, change) in &outcome.turnover_changes {
                *self.turnover.entry(rule.clone()).or_default() += change;
            }
            self.ledger = outcome.ledger;
            outcome.credits
        }
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(p, a)| (p.to_string(), a.to_string()))
            .collect()
    }

    #[test]
    fn a_won_deal_credits_three_levels_and_rounds_half_away_from_zero() {
        let mut deal = Deal::new("1234.57");
        assert_eq!(
            deal.enter("won"),
            pairs(&[("D", "123.46"), ("C", "61.73"), ("B", "20.00")])
        );
    }

    #[test]
    fn refunded_reverses_everything_and_won_again_earns_again() {
        let mut deal = Deal::new("1234.57");
        deal.enter("won");
        assert_eq!(
            deal.enter("refunded"),
            pairs(&[("D", "-123.46"), ("C", "-61.73"), ("B", "-20.00")])
        );
        assert_eq!(
            deal.enter("won"),
            pairs(&[("D", "123.46"), ("C", "61.73"), ("B", "20.00")])
        );
        assert_eq!(deal.ledger.net_for(&"D".into()), dec("123.46"));
    }

    #[test]
    fn leaving_and_re_entering_won_without_a_reversal_earns_nothing_more() {
        let mut deal = Deal::new("100.00");
        deal.enter("won");
        assert!(deal.enter("invoiced").is_empty());
        assert!(deal.enter("won").is_empty());
        assert_eq!(deal.ledger.net_for(&"D".into()), dec("10.00"));
    }

    #[test]
    fn statuses_outside_the_plan_earn_nothing() {
        let mut deal = Deal::new("100.00");
        assert!(deal.enter("new").is_empty());
        assert!(deal.enter("refunded").is_empty());
        assert_eq!(deal.ledger.applied_seq, 2);
    }

    #[test]
    fn a_replayed_or_early_transition_is_refused() {
        let mut deal = Deal::new("100.00");
        deal.enter("won");
        let trigger = Trigger::DealStatus("won".into());
        let input = |seq| WalkInput {
            plan: &deal.plan,
            reversal_statuses: &[],
            currency: "EUR".parse().unwrap(),
            chain: &deal.chain,
            seq,
            trigger: &trigger,
            amount: deal.amount,
            ledger: &deal.ledger,
            turnover: &deal.turnover,
            timing: Timing::default(),
        };
        assert_eq!(
            walk(&input(1)),
            Err(WalkError::AlreadyApplied {
                seq: 1,
                applied_seq: 1
            })
        );
        assert_eq!(
            walk(&input(3)),
            Err(WalkError::OutOfOrder {
                seq: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn a_short_chain_stops_at_the_top() {
        let mut deal = Deal::new("50.00");
        deal.chain.truncate(1);
        assert_eq!(deal.enter("won"), pairs(&[("D", "5.00")]));
    }

    #[test]
    fn tiers_use_turnover_before_the_deal_and_reversal_gives_it_back() {
        let mut deal = Deal::new("6000.00");
        deal.plan.rules[0].tiers = Some(vec![upline_contract::Tier {
            from: Amount(dec("5000")),
            percent: Amount(dec("12")),
        }]);
        assert_eq!(
            deal.enter("won")[0].1,
            "600.00",
            "turnover was 0 before this deal"
        );
        assert_eq!(deal.turnover["deal_status:won"], dec("6000.00"));
        deal.enter("refunded");
        assert_eq!(deal.turnover["deal_status:won"], dec("0.00"));
        deal.turnover.insert("deal_status:won".into(), dec("5000"));
        assert_eq!(deal.enter("won")[0].1, "720.00");
    }

    const DAY: i64 = MILLIS_PER_DAY;

    /// A hold of `days`, the walk starting at time 0.
    fn holding(days: i64) -> Timing {
        Timing {
            at_millis: 0,
            hold_millis: days * DAY,
        }
    }

    fn held(credits: &[Credit]) -> Vec<(String, String, Option<i64>)> {
        credits
            .iter()
            .map(|c| (c.partner_id.0.clone(), c.amount.to_string(), c.available_at))
            .collect()
    }

    #[test]
    fn with_a_hold_every_accrual_is_pending_until_the_transition_time_plus_the_hold() {
        let mut deal = Deal::new("100.00");
        deal.timing = Timing {
            at_millis: 1_000,
            hold_millis: 30 * DAY,
        };
        let credits = deal.credits_on("won");
        assert!(
            credits
                .iter()
                .all(|c| c.available_at == Some(1_000 + 30 * DAY))
        );
        assert_eq!(deal.ledger.lines[0].available_at, Some(1_000 + 30 * DAY));
    }

    #[test]
    fn a_refund_inside_the_hold_is_held_until_the_accrual_would_have_been_released() {
        let mut deal = Deal::new("100.00");
        deal.timing = holding(30);
        deal.enter("won");
        deal.timing.at_millis = 10 * DAY;
        let credits = deal.credits_on("refunded");
        assert_eq!(
            held(&credits),
            vec![
                ("D".into(), "-10.00".into(), Some(30 * DAY)),
                ("C".into(), "-5.00".into(), Some(30 * DAY)),
                ("B".into(), "-20.00".into(), Some(30 * DAY)),
            ]
        );
    }

    #[test]
    fn a_refund_after_the_hold_takes_from_the_released_balance() {
        let mut deal = Deal::new("100.00");
        deal.timing = holding(30);
        deal.enter("won");
        deal.timing.at_millis = 30 * DAY;
        assert!(
            deal.credits_on("refunded")
                .iter()
                .all(|c| c.available_at.is_none())
        );
    }

    #[test]
    fn a_refund_of_one_released_and_one_held_accrual_of_a_partner_is_two_credits() {
        let mut deal = Deal::new("100.00");
        deal.plan.rules.push(Rule {
            on: Trigger::DealStatus("invoiced".into()),
            levels: vec![LevelReward::Fixed(Amount(dec("1.00")))],
            tiers: None,
        });
        deal.timing = holding(10);
        deal.enter("invoiced");
        deal.timing.at_millis = 5 * DAY;
        deal.enter("won");
        deal.timing.at_millis = 12 * DAY;
        let credits = deal.credits_on("refunded");
        let of_d: Vec<_> = held(&credits).into_iter().filter(|c| c.0 == "D").collect();
        assert_eq!(
            of_d,
            vec![
                ("D".into(), "-1.00".into(), None),
                ("D".into(), "-10.00".into(), Some(15 * DAY)),
            ]
        );
        let net: Decimal = credits.iter().map(|c| c.amount).sum();
        assert_eq!(net, dec("-36.00"), "everything earned is taken back");
    }
}
