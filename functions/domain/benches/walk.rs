//! The pure commission walk for a 10-level chain: credits, then the reversal of them.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use upline_contract::{Amount, LevelReward, PartnerId, Plan, Rule, Tier, Trigger};
use upline_domain::{DealLedger, WalkInput, walk};

fn ten_level_plan() -> Plan {
    let mut levels = vec![LevelReward::Percent(Amount(Decimal::new(10, 0)))];
    levels.extend((2..=9).map(|l| LevelReward::Percent(Amount(Decimal::new(10 - l, 0)))));
    levels.push(LevelReward::Fixed(Amount(Decimal::new(2000, 2))));
    Plan {
        rules: vec![Rule {
            on: Trigger::DealStatus("won".into()),
            levels,
            tiers: Some(vec![Tier {
                from: Amount(Decimal::new(10_000, 0)),
                percent: Amount(Decimal::new(12, 0)),
            }]),
        }],
    }
}

fn bench_walk(c: &mut Criterion) {
    let plan = ten_level_plan();
    let chain: Vec<PartnerId> = (0..10)
        .map(|i| PartnerId(format!("01JPARTNER{i:016}")))
        .collect();
    let won = Trigger::DealStatus("won".into());
    let refunded = Trigger::DealStatus("refunded".into());
    let reversal = vec!["refunded".to_owned()];
    let turnover = BTreeMap::from([("deal_status:won".to_owned(), Decimal::new(2_500_000, 2))]);
    let amount = Decimal::new(123_457, 2);
    let input = |seq, trigger, ledger| WalkInput {
        plan: &plan,
        reversal_statuses: &reversal,
        currency: "EUR".parse().unwrap(),
        chain: &chain,
        seq,
        trigger,
        amount,
        ledger,
        turnover: &turnover,
        timing: upline_domain::Timing::default(),
    };
    let empty = DealLedger::default();
    c.bench_function("walk: 10-level chain, deal enters won", |b| {
        b.iter(|| walk(black_box(&input(1, &won, &empty))).unwrap())
    });
    let earned = walk(&input(1, &won, &empty)).unwrap().ledger;
    c.bench_function("walk: 10-level chain, deal refunded", |b| {
        b.iter(|| walk(black_box(&input(2, &refunded, &earned))).unwrap())
    });
}

criterion_group!(benches, bench_walk);
criterion_main!(benches);
