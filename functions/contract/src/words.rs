//! Closed sets of words the contract uses as values (a payout's status, a message's channel,
//! a delivery's state): enums, so a missing case is a compile error, spelt on the wire as the
//! lowercase word.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A closed set of words (what `words!` declares), for code that reads or writes any of them.
pub trait Word: Sized + Copy {
    fn parse(word: &str) -> Option<Self>;
    fn as_str(self) -> &'static str;
}

macro_rules! words {
    ($($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $vdoc:literal])* $variant:ident = $word:literal),+ $(,)? })*) => {$(
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(ToSchema))]
        // Each word is its variant in snake_case (a unit test holds serde to `as_str`); the
        // schema derive does not read a per-variant rename made by a macro.
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[doc = $vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// What a refusal of an unknown word says: "must be a, b or c".
            pub fn expected() -> String {
                crate::words::one_of_words(Self::WORDS)
            }
        }

        impl crate::words::Word for $name {
            fn parse(word: &str) -> Option<Self> {
                $name::parse(word)
            }

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

words! {
    /// Where a payout request stands.
    PayoutStatus {
        /// Waiting for staff.
        Requested = "requested",
        Paid = "paid",
        Rejected = "rejected",
    }

    /// How a notification reaches its recipient.
    Channel {
        Email = "email",
        Sms = "sms",
    }

    /// Which click a lead or deal is attributed to when a visitor came through several partners.
    AttributionModel {
        /// The first partner's referral in the window keeps the visitor.
        First = "first",
        /// The latest one wins.
        Last = "last",
    }

    /// Whether a wallet entry counts toward the balance a payout may take.
    EntryStatus {
        /// Held until `available_at` (the program's hold period).
        Pending = "pending",
        Available = "available",
    }

    /// Where a delivery (a notification or a webhook event) stands.
    DeliveryState {
        /// Not tried yet.
        Pending = "pending",
        /// Being tried now.
        Sending = "sending",
        Sent = "sent",
        /// Tried and failed; tried again at `next_attempt_at`.
        Retrying = "retrying",
        /// Gave up, or refused for good.
        Failed = "failed",
    }
}

/// Entries written before hold periods, and every entry without a hold, are available.
impl Default for EntryStatus {
    fn default() -> Self {
        EntryStatus::Available
    }
}

/// "must be a, b or c".
pub fn one_of_words(words: &[&str]) -> String {
    match words {
        [] => "must be empty".to_owned(),
        [only] => format!("must be {only}"),
        [init @ .., last] => format!("must be {} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_itself_and_spells_the_same_on_the_wire() {
        fn check<W: Word + Serialize + std::fmt::Debug + PartialEq>(all: &[W]) {
            for word in all {
                assert_eq!(W::parse(word.as_str()), Some(*word));
                assert_eq!(
                    serde_json::to_string(word).unwrap(),
                    format!("\"{}\"", word.as_str())
                );
            }
        }
        check(PayoutStatus::ALL);
        check(Channel::ALL);
        check(DeliveryState::ALL);
        check(EntryStatus::ALL);
        check(AttributionModel::ALL);
        assert_eq!(DeliveryState::parse("sent"), Some(DeliveryState::Sent));
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn a_refusal_lists_the_words_it_takes() {
        assert_eq!(
            PayoutStatus::expected(),
            "must be requested, paid or rejected"
        );
        assert_eq!(Channel::expected(), "must be email or sms");
    }
}
