//! Properties of the commission walk over random plans, chains, amounts and status sequences.

use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};
use upline_contract::{Amount, Currency, LevelReward, PartnerId, Plan, Rule, Tier, Trigger};
use upline_domain::{CreditKind, DealLedger, WalkError, WalkInput, walk};

const STATUSES: [&str; 5] = ["new", "won", "paid", "refunded", "lost"];

fn eur() -> Currency {
    "EUR".parse().unwrap()
}

/// Amounts in cents up to 10^15, i.e. far beyond where f64 keeps cents exact.
fn cents() -> impl Strategy<Value = i64> {
    prop_oneof![0i64..100_000, 0i64..1_000_000_000_000_000]
}

fn level() -> impl Strategy<Value = LevelReward> {
    prop_oneof![
        (0i64..=1_000_000).prop_map(|p| LevelReward::Percent(Amount(Decimal::new(p, 4)))),
        (0i64..100_000).prop_map(|c| LevelReward::Fixed(Amount(Decimal::new(c, 2)))),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    let won =
        (prop::collection::vec(level(), 1..8), any::<bool>()).prop_map(|(mut levels, tiered)| {
            let tiers = tiered.then(|| {
                levels[0] = LevelReward::Percent(Amount(Decimal::new(10, 0)));
                vec![Tier {
                    from: Amount(Decimal::new(1000, 0)),
                    percent: Amount(Decimal::new(12, 0)),
                }]
            });
            Rule {
                on: Trigger::DealStatus("won".into()),
                levels,
                tiers,
            }
        });
    let paid = prop::collection::vec(level(), 1..4).prop_map(|levels| Rule {
        on: Trigger::DealStatus("paid".into()),
        levels,
        tiers: None,
    });
    (won, prop::option::of(paid)).prop_map(|(won, paid)| Plan {
        rules: std::iter::once(won).chain(paid).collect(),
    })
}

fn chain(len: usize) -> Vec<PartnerId> {
    (0..len).map(|i| PartnerId(format!("p{i}"))).collect()
}

/// Applies statuses in order and returns every credit with its transition number.
fn run(
    plan: &Plan,
    chain: &[PartnerId],
    amount: Decimal,
    statuses: &[&str],
) -> (DealLedger, Vec<(u64, upline_domain::Credit)>) {
    let reversal = vec!["refunded".to_owned()];
    let mut ledger = DealLedger::default();
    let mut turnover = BTreeMap::new();
    let mut credits = Vec::new();
    for (index, status) in statuses.iter().enumerate() {
        let seq = index as u64 + 1;
        let trigger = Trigger::DealStatus((*status).into());
        let outcome = walk(&WalkInput {
            plan,
            reversal_statuses: &reversal,
            currency: eur(),
            chain,
            seq,
            trigger: &trigger,
            amount,
            ledger: &ledger,
            turnover: &turnover,
            timing: upline_domain::Timing::default(),
        })
        .unwrap();
        for (rule, change) in outcome.turnover_changes {
            *turnover.entry(rule).or_insert(Decimal::ZERO) += change;
        }
        credits.extend(outcome.credits.into_iter().map(|c| (seq, c)));
        ledger = outcome.ledger;
    }
    (ledger, credits)
}

/// Half-away-from-zero rounding of `cents × percent_e4 / 10^6` in integers: a reference that
/// cannot have gone through a float.
fn reference_percent_cents(cents: i64, percent_e4: i64) -> i128 {
    let product = i128::from(cents) * i128::from(percent_e4);
    let (quotient, remainder) = (product / 1_000_000, product % 1_000_000);
    if remainder * 2 >= 1_000_000 {
        quotient + 1
    } else {
        quotient
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_reversal_exactly_cancels_what_it_reverses(plan in plan(), depth in 1usize..10, cents in cents()) {
        let chain = chain(depth);
        let amount = Decimal::new(cents, 2);
        let (ledger, credits) = run(&plan, &chain, amount, &["won", "paid", "refunded"]);
        for partner in &chain {
            let net: Decimal = credits.iter().filter(|(_, c)| &c.partner_id == partner).map(|(_, c)| c.amount).sum();
            prop_assert_eq!(net, Decimal::ZERO);
            prop_assert_eq!(ledger.net_for(partner), Decimal::ZERO);
        }
        prop_assert!(ledger.earned.is_empty());
        prop_assert_eq!(ledger.outstanding().count(), 0);
    }

    #[test]
    fn no_entry_is_computed_twice_for_one_transition_and_level(
        plan in plan(),
        depth in 1usize..10,
        cents in cents(),
        statuses in prop::collection::vec(prop::sample::select(STATUSES.to_vec()), 1..12),
    ) {
        let chain = chain(depth);
        let (ledger, credits) = run(&plan, &chain, Decimal::new(cents, 2), &statuses);
        // The ledger lives in one item: however the deal flips, it holds one earning cycle.
        let bound: usize = plan.rules.iter().map(|r| r.levels.len()).sum();
        prop_assert!(ledger.lines.len() <= bound, "{} lines", ledger.lines.len());
        let mut levels_seen = HashSet::new();
        let mut partners_seen = HashSet::new();
        for (seq, credit) in &credits {
            prop_assert!(levels_seen.insert((*seq, credit.level)), "two entries for transition {} level {}", seq, credit.level);
            prop_assert!(partners_seen.insert((*seq, credit.partner_id.clone())), "one transition moved a wallet twice");
        }
        // The ledger is the sum of what was credited, and a wallet never holds more than one
        // unreversed earning per rule of the deal.
        for partner in &chain {
            let net: Decimal = credits.iter().filter(|(_, c)| &c.partner_id == partner).map(|(_, c)| c.amount).sum();
            prop_assert_eq!(ledger.net_for(partner), net);
            let outstanding: Decimal = ledger.outstanding().filter(|l| &l.partner_id == partner).map(|l| l.amount).sum();
            prop_assert_eq!(outstanding, net);
        }
    }

    #[test]
    fn a_replayed_transition_computes_nothing(plan in plan(), cents in cents(), replay in 1u64..4) {
        let chain = chain(4);
        let (ledger, _) = run(&plan, &chain, Decimal::new(cents, 2), &["new", "won", "paid"]);
        let trigger = Trigger::DealStatus("won".into());
        let again = walk(&WalkInput {
            plan: &plan, reversal_statuses: &[], currency: eur(), chain: &chain, seq: replay,
            trigger: &trigger, amount: Decimal::new(cents, 2), ledger: &ledger, turnover: &BTreeMap::new(), timing: upline_domain::Timing::default(),
        });
        prop_assert_eq!(again, Err(WalkError::AlreadyApplied { seq: replay, applied_seq: 3 }));
    }

    #[test]
    fn amounts_are_exact_where_a_float_would_drift(cents in cents(), percent_e4 in 0i64..=1_000_000) {
        let plan = Plan { rules: vec![Rule {
            on: Trigger::DealStatus("won".into()),
            levels: vec![LevelReward::Percent(Amount(Decimal::new(percent_e4, 4)))],
            tiers: None,
        }]};
        let (_, credits) = run(&plan, &chain(1), Decimal::new(cents, 2), &["won"]);
        let got = credits.first().map(|(_, c)| c.amount).unwrap_or_default();
        prop_assert_eq!(got, Decimal::from_i128_with_scale(reference_percent_cents(cents, percent_e4), 2));
        for (_, credit) in &credits {
            prop_assert!(credit.amount.scale() <= 2);
            prop_assert_eq!(credit.kind, CreditKind::Accrual);
        }
    }
}
