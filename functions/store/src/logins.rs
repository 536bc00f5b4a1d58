//! Fixed-window counters: login attempts, account emails, signups and invitations. Each is one
//! item counted by a conditional `ADD` that refuses past the limit (or a conditional `SET` that
//! opens a new window), never read-then-write: however many requests arrive at once, no more than
//! the limit are counted in.

use crate::item::{View, key_item, n, s};
use crate::keys::Key;
use crate::{Store, StoreError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

/// What a counter said to one more use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Counted in: the caller may go on.
    Counted,
    /// The window has had its share; it ends in this many milliseconds.
    Full { retry_after_millis: i64 },
}

/// A limit: at most `max` uses in a window of `window_millis`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u64,
    pub window_millis: i64,
}

impl Limit {
    pub const fn per_minutes(max: u64, minutes: i64) -> Limit {
        Limit {
            max,
            window_millis: minutes * 60 * 1000,
        }
    }
}

impl Store {
    /// Counts one use of `key` under `limit`, unless the current window is full.
    pub async fn count_in_window(
        &self,
        key: &Key,
        entity: &str,
        limit: Limit,
        now_millis: i64,
    ) -> Result<Window, StoreError> {
        if limit.max == 0 {
            return Ok(Window::Full {
                retry_after_millis: limit.window_millis,
            });
        }
        if self.add_to_open_window(key, limit, now_millis).await? {
            return Ok(Window::Counted);
        }
        let item_key = key_item(key);
        let floor = now_millis - limit.window_millis;
        // No window open (or it ended): start one, unless another request just did.
        let started = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .update_expression("SET used = :one, window_start = :now, entity = :entity")
            .condition_expression(
                "attribute_not_exists(window_start) OR window_start <= :floor OR attribute_not_exists(used)",
            )
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now_millis))
            .expression_attribute_values(":floor", n(floor))
            .expression_attribute_values(":entity", s(entity))
            // The full window's start comes back with the refusal: no read to say when it ends.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match started {
            Ok(_) => Ok(Window::Counted),
            Err(err) => {
                let lost_the_race = matches!(
                    err.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                );
                // Another request opened the window between our two writes: count in it.
                if lost_the_race && self.add_to_open_window(key, limit, now_millis).await? {
                    return Ok(Window::Counted);
                }
                let window_start = match err.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(failed)) => failed
                        .item()
                        .and_then(|item| View(item).i64("window_start").ok())
                        .unwrap_or(now_millis),
                    _ => return Err(StoreError::sdk(err)),
                };
                Ok(Window::Full {
                    // A parallel request may have opened the window a moment after our `now`.
                    retry_after_millis: (window_start + limit.window_millis - now_millis)
                        .clamp(1, limit.window_millis),
                })
            }
        }
    }

    /// One more use in the window open now, if it has room; false when no window is open or
    /// it is full.
    async fn add_to_open_window(
        &self,
        key: &Key,
        limit: Limit,
        now_millis: i64,
    ) -> Result<bool, StoreError> {
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .update_expression("ADD used :one")
            .condition_expression("window_start > :floor AND used < :max")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":floor", n(now_millis - limit.window_millis))
            .expression_attribute_values(":max", n(limit.max))
            .send()
            .await
            .map_err(StoreError::sdk);
        match counted {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Forgets a counter's window.
    pub async fn reset_window(&self, key: &Key) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }

    /// Takes back one counted use (a login whose password was right is not an attempt to
    /// hold against anyone). Never below zero.
    pub async fn give_back(&self, key: &Key) -> Result<(), StoreError> {
        let given = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .update_expression("ADD used :minus_one")
            .condition_expression("used > :zero")
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map_err(StoreError::sdk);
        match given {
            Ok(_) | Err(StoreError::ConditionFailed { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}
