//! Whether a partner may ask for a payout: the rules, apart from how the wallet is read or the
//! request written. The store still guards the race (two requests at once) with a conditional
//! write; this says why a request that can be judged up front is refused.

use rust_decimal::Decimal;

/// Why a payout request is refused, each one answered differently by the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayoutRefusal {
    /// Nothing to pay.
    Zero,
    /// Under the program's minimum payout.
    BelowMinimum { minimum: Decimal },
    /// More than the available balance.
    MoreThanBalance { balance: Decimal },
    /// A request of the partner waits for staff already.
    AlreadyOpen,
}

/// What a request is judged on.
#[derive(Clone, Copy, Debug)]
pub struct PayoutAsk {
    pub amount: Decimal,
    pub minimum: Decimal,
    pub balance: Decimal,
    pub open: bool,
}

/// The first rule a request breaks: the amount itself (nothing, under the minimum, over the
/// balance), then a request already open.
pub fn check_request(ask: PayoutAsk) -> Result<(), PayoutRefusal> {
    if ask.amount <= Decimal::ZERO {
        return Err(PayoutRefusal::Zero);
    }
    if ask.amount < ask.minimum {
        return Err(PayoutRefusal::BelowMinimum {
            minimum: ask.minimum,
        });
    }
    if ask.amount > ask.balance {
        return Err(PayoutRefusal::MoreThanBalance {
            balance: ask.balance,
        });
    }
    if ask.open {
        return Err(PayoutRefusal::AlreadyOpen);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(amount: &str, minimum: &str, balance: &str, open: bool) -> Result<(), PayoutRefusal> {
        check_request(PayoutAsk {
            amount: amount.parse().unwrap(),
            minimum: minimum.parse().unwrap(),
            balance: balance.parse().unwrap(),
            open,
        })
    }

    #[test]
    fn a_request_within_the_balance_and_over_the_minimum_is_taken() {
        assert_eq!(ask("50.00", "20.00", "50.00", false), Ok(()));
    }

    #[test]
    fn nothing_is_no_request() {
        assert_eq!(
            ask("0.00", "0.00", "10.00", false),
            Err(PayoutRefusal::Zero)
        );
    }

    #[test]
    fn under_the_minimum_says_the_minimum() {
        assert_eq!(
            ask("10.00", "20.00", "100.00", false),
            Err(PayoutRefusal::BelowMinimum {
                minimum: "20.00".parse().unwrap()
            })
        );
    }

    #[test]
    fn more_than_the_balance_is_refused_even_a_cent() {
        assert_eq!(
            ask("50.01", "0.00", "50.00", false),
            Err(PayoutRefusal::MoreThanBalance {
                balance: "50.00".parse().unwrap()
            })
        );
    }

    #[test]
    fn a_second_request_waits_for_the_first_to_be_decided() {
        assert_eq!(
            ask("10.00", "0.00", "50.00", true),
            Err(PayoutRefusal::AlreadyOpen)
        );
        assert_eq!(
            ask("60.00", "0.00", "50.00", true),
            Err(PayoutRefusal::MoreThanBalance {
                balance: "50.00".parse().unwrap()
            }),
            "the amount is judged first"
        );
    }
}
