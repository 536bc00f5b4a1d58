//! The commission plan: what earns, how much per level, and the checks a plan must pass.

use rust_decimal::Decimal;
use upline_contract::{Amount, Currency, LevelReward, Plan, Rule, Tier, Trigger};

/// Deeper plans are refused: each level adds up to three writes to the walk's one transaction,
/// which DynamoDB caps at 100 actions.
pub const MAX_LEVELS: usize = 20;
pub const MAX_RULES: usize = 20;
/// The largest amount anywhere in a program or a deal: far beyond any real one, and far inside
/// exact decimals even summed over millions of entries.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
pub const MAX_TIERS: usize = 50;
const MAX_STATUS_LEN: usize = 64;

/// A plan that cannot be used, with the path of the offending field (`plan.rules[0].levels[1]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PlanError {
    pub field: String,
    pub message: String,
}

fn error(field: impl Into<String>, message: impl Into<String>) -> PlanError {
    PlanError {
        field: field.into(),
        message: message.into(),
    }
}

/// A non-negative amount in the currency's minor units, at most [`MAX_AMOUNT`].
pub fn check_amount(
    currency: Currency,
    amount: Decimal,
    field: impl Into<String>,
    what: &str,
) -> Result<Decimal, PlanError> {
    let field = field.into();
    let amount = currency
        .check_amount(amount)
        .map_err(|e| error(field.clone(), format!("{what} {e}")))?;
    if amount > Decimal::from(MAX_AMOUNT) {
        return Err(error(field, format!("{what} must not exceed {MAX_AMOUNT}")));
    }
    Ok(amount)
}

/// A new program's plan: deals entering `won` earn the referring partner 10 %.
pub fn default_plan() -> Plan {
    Plan {
        rules: vec![Rule {
            on: Trigger::DealStatus("won".to_owned()),
            levels: vec![LevelReward::Percent(Amount(Decimal::TEN))],
            tiers: None,
        }],
    }
}

pub fn default_reversal_statuses() -> Vec<String> {
    vec!["refunded".to_owned()]
}

/// A pipeline status as a CRM sends it: 1–64 visible characters, no surrounding spaces.
pub fn validate_status(status: &str) -> Result<(), String> {
    if status.is_empty() || status.len() > MAX_STATUS_LEN {
        return Err(format!("must be 1 to {MAX_STATUS_LEN} characters"));
    }
    if status.trim() != status || status.chars().any(char::is_control) {
        return Err("must not have surrounding spaces or control characters".to_owned());
    }
    Ok(())
}

fn validate_percent(percent: Amount, field: String) -> Result<(), PlanError> {
    let value = percent.value();
    if value.is_sign_negative() && !value.is_zero() || value > Decimal::ONE_HUNDRED {
        return Err(error(field, "a percent must be between 0 and 100"));
    }
    if value.normalize().scale() > 4 {
        return Err(error(field, "a percent has at most 4 decimal places"));
    }
    Ok(())
}

/// Checks a plan against the program's currency and reversal statuses.
pub fn validate_plan(
    plan: &Plan,
    currency: Currency,
    reversal_statuses: &[String],
) -> Result<(), PlanError> {
    if plan.rules.len() > MAX_RULES {
        return Err(error("plan.rules", format!("at most {MAX_RULES} rules")));
    }
    for (index, status) in reversal_statuses.iter().enumerate() {
        validate_status(status).map_err(|m| error(format!("reversal_statuses[{index}]"), m))?;
    }
    let mut seen = Vec::<&Trigger>::new();
    for (r, rule) in plan.rules.iter().enumerate() {
        let at = |suffix: &str| format!("plan.rules[{r}]{suffix}");
        if seen.contains(&&rule.on) {
            return Err(error(at(".on"), "two rules have the same trigger"));
        }
        seen.push(&rule.on);
        if let Trigger::DealStatus(status) = &rule.on {
            validate_status(status).map_err(|m| error(at(".on.deal_status"), m))?;
            if reversal_statuses.contains(status) {
                return Err(error(
                    at(".on.deal_status"),
                    "a status cannot both earn and reverse",
                ));
            }
        }
        if rule.levels.is_empty() || rule.levels.len() > MAX_LEVELS {
            return Err(error(
                at(".levels"),
                format!("between 1 and {MAX_LEVELS} levels"),
            ));
        }
        for (l, level) in rule.levels.iter().enumerate() {
            let field = at(&format!(".levels[{l}]"));
            match level {
                LevelReward::Percent(percent) => validate_percent(*percent, field)?,
                LevelReward::Fixed(amount) => {
                    check_amount(currency, amount.value(), field, "fixed amount")?;
                }
            }
        }
        if let Some(tiers) = &rule.tiers {
            validate_tiers(tiers, rule, &at(".tiers"), currency)?;
        }
    }
    Ok(())
}

fn validate_tiers(
    tiers: &[Tier],
    rule: &Rule,
    field: &str,
    currency: Currency,
) -> Result<(), PlanError> {
    if !matches!(rule.levels.first(), Some(LevelReward::Percent(_))) {
        return Err(error(
            field,
            "tiers replace level 1's percent, so level 1 must be a percent",
        ));
    }
    if tiers.is_empty() || tiers.len() > MAX_TIERS {
        return Err(error(field, format!("between 1 and {MAX_TIERS} tiers")));
    }
    for (t, tier) in tiers.iter().enumerate() {
        let at = format!("{field}[{t}]");
        check_amount(
            currency,
            tier.from.value(),
            format!("{at}.from"),
            "turnover",
        )?;
        validate_percent(tier.percent, format!("{at}.percent"))?;
        if t > 0 && tier.from <= tiers[t - 1].from {
            return Err(error(
                format!("{at}.from"),
                "tiers must be in increasing order of `from`",
            ));
        }
    }
    Ok(())
}

/// The percent level 1 earns at a given turnover: the tier with the largest `from` ≤ turnover,
/// or the level's own percent below the first tier.
pub fn level_one_percent(rule: &Rule, turnover: Decimal) -> Option<Decimal> {
    let LevelReward::Percent(base) = rule.levels.first()? else {
        return None;
    };
    let tiered = rule
        .tiers
        .iter()
        .flatten()
        .filter(|tier| tier.from.value() <= turnover)
        .max_by_key(|tier| tier.from)
        .map(|tier| tier.percent.value());
    Some(tiered.unwrap_or(base.value()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        "EUR".parse().unwrap()
    }

    fn amount(text: &str) -> Amount {
        text.parse().unwrap()
    }

    fn rule(levels: Vec<LevelReward>) -> Rule {
        Rule {
            on: Trigger::DealStatus("won".into()),
            levels,
            tiers: None,
        }
    }

    #[test]
    fn the_default_plan_is_valid_and_pays_ten_percent_on_won() {
        let plan = default_plan();
        assert_eq!(
            validate_plan(&plan, eur(), &default_reversal_statuses()),
            Ok(())
        );
        assert_eq!(
            plan.rules[0].levels,
            vec![LevelReward::Percent(amount("10"))]
        );
    }

    #[test]
    fn a_percent_above_one_hundred_names_its_level() {
        let plan = Plan {
            rules: vec![rule(vec![
                LevelReward::Percent(amount("10")),
                LevelReward::Percent(amount("100.5")),
            ])],
        };
        let err = validate_plan(&plan, eur(), &[]).unwrap_err();
        assert_eq!(err.field, "plan.rules[0].levels[1]");
    }

    #[test]
    fn a_fixed_amount_finer_than_the_currency_is_refused() {
        let plan = Plan {
            rules: vec![rule(vec![LevelReward::Fixed(amount("0.001"))])],
        };
        assert_eq!(
            validate_plan(&plan, eur(), &[]).unwrap_err().field,
            "plan.rules[0].levels[0]"
        );
    }

    #[test]
    fn a_status_that_both_earns_and_reverses_is_refused() {
        let err = validate_plan(&default_plan(), eur(), &["won".to_owned()]).unwrap_err();
        assert_eq!(err.field, "plan.rules[0].on.deal_status");
    }

    #[test]
    fn duplicate_triggers_and_empty_levels_are_refused() {
        let twice = Plan {
            rules: vec![rule(vec![LevelReward::Percent(amount("1"))]); 2],
        };
        assert_eq!(
            validate_plan(&twice, eur(), &[]).unwrap_err().field,
            "plan.rules[1].on"
        );
        let empty = Plan {
            rules: vec![rule(vec![])],
        };
        assert_eq!(
            validate_plan(&empty, eur(), &[]).unwrap_err().field,
            "plan.rules[0].levels"
        );
    }

    #[test]
    fn tiers_must_increase_and_need_a_percent_level_one() {
        let mut tiered = rule(vec![LevelReward::Percent(amount("10"))]);
        tiered.tiers = Some(vec![
            Tier {
                from: amount("1000"),
                percent: amount("12"),
            },
            Tier {
                from: amount("1000"),
                percent: amount("15"),
            },
        ]);
        let err = validate_plan(
            &Plan {
                rules: vec![tiered.clone()],
            },
            eur(),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.field, "plan.rules[0].tiers[1].from");
        tiered.levels = vec![LevelReward::Fixed(amount("5"))];
        tiered.tiers = Some(vec![Tier {
            from: amount("0"),
            percent: amount("12"),
        }]);
        let err = validate_plan(
            &Plan {
                rules: vec![tiered],
            },
            eur(),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.field, "plan.rules[0].tiers");
    }

    #[test]
    fn level_one_takes_the_highest_tier_reached() {
        let mut tiered = rule(vec![LevelReward::Percent(amount("10"))]);
        tiered.tiers = Some(vec![
            Tier {
                from: amount("5000"),
                percent: amount("12"),
            },
            Tier {
                from: amount("10000"),
                percent: amount("15"),
            },
        ]);
        assert_eq!(
            level_one_percent(&tiered, Decimal::new(4999, 0)),
            Some(Decimal::TEN)
        );
        assert_eq!(
            level_one_percent(&tiered, Decimal::new(5000, 0)),
            Some(Decimal::new(12, 0))
        );
        assert_eq!(
            level_one_percent(&tiered, Decimal::new(250000, 0)),
            Some(Decimal::new(15, 0))
        );
    }
}
