//! The delivery state of anything sent out (a notification, a webhook call), shared by both:
//! `pending` → `sending` (claimed for one attempt) → `sent`, or `retrying` with a due time on the
//! sparse `due` index → … → `failed` after the last attempt.
//!
//! A claim is one conditional update, so the stream (first attempt) and the sweeper (retries)
//! never send the same attempt twice. A claimed item also gets a due time one lease ahead: if the
//! sender dies mid-attempt, the sweeper picks it up once the lease has passed.

use crate::item::{Item, View, key_item, n, s};
use crate::{Store, StoreError, keys};
use std::time::Duration;
use time::OffsetDateTime;
use upline_contract::DeliveryState;

/// Waits before attempts 2, 3, …: the Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 10 h). After the last one fails the delivery is `failed`: about 28 h in all.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// Attempts in all: the first and one per step of the schedule.
pub const MAX_ATTEMPTS: u64 = RETRY_SCHEDULE.len() as u64 + 1;

/// How long one attempt may hold a claim before the sweeper may take it over.
pub const LEASE: Duration = Duration::from_secs(5 * 60);

/// The wait after `attempts` failed attempts, or `None` when that was the last.
pub fn retry_after(attempts: u64) -> Option<Duration> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    RETRY_SCHEDULE.get(index).copied()
}

/// How the due index sorts a moment: zero-padded epoch milliseconds.
pub fn due_value(at: OffsetDateTime) -> String {
    let millis = at.unix_timestamp_nanos() / 1_000_000;
    format!("{millis:013}")
}

/// Who is claiming: the stream takes only an item never tried; the sweeper takes one whose due
/// time is still the one it read.
pub enum Claimant<'a> {
    Stream,
    Sweeper { due_at: &'a str },
}

/// How one attempt ended.
pub enum Outcome<'a> {
    /// Delivered; `to` is the address or URL it went to, `detail` e.g. the HTTP status.
    Sent { to: &'a str, detail: &'a str },
    /// Failed; the schedule decides between `retrying` and `failed`.
    Failed { to: &'a str, error: &'a str },
    /// Can never succeed (no recipient, a broken template, the endpoint was deleted): `failed`
    /// now, without retries.
    Abandoned { error: &'a str },
}

impl Store {
    /// Claims one attempt. `Some(n)`: this is attempt `n`; `None`: someone else has it or it
    /// is finished.
    pub async fn claim_delivery(
        &self,
        key: &keys::Key,
        claimant: Claimant<'_>,
        now: OffsetDateTime,
    ) -> Result<Option<u64>, StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .update_expression(
                "SET #status = :sending, due_pk = :due, due_at = :lease, updated_at = :now ADD attempts :one",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s(DeliveryState::Sending.as_str()))
            .expression_attribute_values(":due", s(keys::DUE_PARTITION))
            .expression_attribute_values(":lease", s(due_value(now + LEASE)))
            .expression_attribute_values(":now", s(rfc3339(now)))
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew);
        let request = match claimant {
            Claimant::Stream => request
                .condition_expression("#status = :pending AND attempts = :zero")
                .expression_attribute_values(":pending", s(DeliveryState::Pending.as_str()))
                .expression_attribute_values(":zero", n(0)),
            Claimant::Sweeper { due_at } => request
                .condition_expression("due_at = :seen")
                .expression_attribute_values(":seen", s(due_at)),
        };
        match request.send().await.map_err(StoreError::sdk) {
            Ok(output) => {
                let attributes = output.attributes.unwrap_or_default();
                Ok(Some(View(&attributes).u64("attempts")?))
            }
            Err(StoreError::ConditionFailed { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Records how attempt `attempt` ended, unless the claim was lost meanwhile (then the
    /// newer attempt's record stands).
    pub async fn settle_delivery(
        &self,
        key: &keys::Key,
        attempt: u64,
        outcome: Outcome<'_>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .condition_expression("#status = :sending AND attempts = :attempt")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s(DeliveryState::Sending.as_str()))
            .expression_attribute_values(":attempt", n(attempt))
            .expression_attribute_values(":now", s(rfc3339(now)));
        let request = match outcome {
            Outcome::Sent { to, detail } => request
                .update_expression(
                    "SET #status = :sent, sent_to = :to, last_result = :detail, delivered_at = :now, updated_at = :now REMOVE due_pk, due_at, next_attempt_at",
                )
                .expression_attribute_values(":sent", s(DeliveryState::Sent.as_str()))
                .expression_attribute_values(":to", s(to))
                .expression_attribute_values(":detail", s(detail)),
            Outcome::Abandoned { error } => request
                .update_expression(
                    "SET #status = :failed, last_result = :error, updated_at = :now REMOVE due_pk, due_at, next_attempt_at",
                )
                .expression_attribute_values(":failed", s(DeliveryState::Failed.as_str()))
                .expression_attribute_values(":error", s(error)),
            Outcome::Failed { to, error } => match retry_after(attempt) {
                Some(wait) => request
                    .update_expression(
                        "SET #status = :retrying, sent_to = :to, last_result = :error, next_attempt_at = :next, due_at = :due, updated_at = :now",
                    )
                    .expression_attribute_values(":retrying", s(DeliveryState::Retrying.as_str()))
                    .expression_attribute_values(":to", s(to))
                    .expression_attribute_values(":error", s(error))
                    .expression_attribute_values(":next", s(rfc3339(now + wait)))
                    .expression_attribute_values(":due", s(due_value(now + wait))),
                None => request
                    .update_expression(
                        "SET #status = :failed, sent_to = :to, last_result = :error, updated_at = :now REMOVE due_pk, due_at, next_attempt_at",
                    )
                    .expression_attribute_values(":failed", s(DeliveryState::Failed.as_str()))
                    .expression_attribute_values(":to", s(to))
                    .expression_attribute_values(":error", s(error)),
            },
        };
        match request.send().await.map_err(StoreError::sdk) {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed { .. }) => {
                tracing::warn!(pk = %key.pk, attempt, "a newer attempt took this delivery over");
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// Deliveries due by `now`, earliest first (one page; the sweeper comes back for more).
    pub async fn due_deliveries(
        &self,
        now: OffsetDateTime,
        limit: i32,
    ) -> Result<Vec<Item>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::DUE)
            .key_condition_expression("due_pk = :pk AND due_at <= :now")
            .expression_attribute_values(":pk", s(keys::DUE_PARTITION))
            .expression_attribute_values(":now", s(due_value(now)))
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(output.items.unwrap_or_default())
    }
}

/// The delivery fields every delivered item shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub status: DeliveryState,
    pub attempts: u64,
    pub sent_to: Option<String>,
    /// The HTTP status or the provider's message id when sent; the error when not.
    pub last_result: Option<String>,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

impl Default for Delivery {
    /// Not tried yet.
    fn default() -> Self {
        Delivery {
            status: DeliveryState::Pending,
            attempts: 0,
            sent_to: None,
            last_result: None,
            next_attempt_at: None,
            delivered_at: None,
        }
    }
}

pub fn delivery_of(view: &View) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        status: view.word("status")?,
        attempts: view.opt_u64("attempts")?.unwrap_or(0),
        sent_to: view.opt_s("sent_to")?.map(str::to_owned),
        last_result: view.opt_s("last_result")?.map(str::to_owned),
        next_attempt_at: view.opt_s("next_attempt_at")?.map(str::to_owned),
        delivered_at: view.opt_s("delivered_at")?.map(str::to_owned),
    })
}

fn rfc3339(at: OffsetDateTime) -> String {
    crate::Timestamp::from(at).rfc3339
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_backs_off_then_gives_up() {
        assert_eq!(retry_after(0), None);
        assert_eq!(retry_after(1), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(2), Some(Duration::from_secs(300)));
        assert_eq!(retry_after(7), Some(Duration::from_secs(36_000)));
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
    }

    #[test]
    fn due_values_sort_as_time() {
        let early = OffsetDateTime::from_unix_timestamp(999).unwrap();
        let late = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        assert!(due_value(early) < due_value(late));
    }
}
