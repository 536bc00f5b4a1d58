//! Throttles per (tenant, email) in fixed windows: failed logins, and account emails sent.

use crate::item::{View, key_item, n, s};
use crate::{Store, StoreError, keys};
use upline_contract::TenantId;

/// Failures counted in the current window, and when the window started (epoch ms).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u64,
    pub window_start_millis: i64,
}

impl Store {
    pub async fn login_failures(
        &self,
        tenant: &TenantId,
        email: &str,
    ) -> Result<LoginFailures, StoreError> {
        let Some(item) = self.get(&keys::login_throttle(tenant, email)).await? else {
            return Ok(LoginFailures::default());
        };
        let view = View(&item);
        Ok(LoginFailures {
            count: view.u64("failures")?,
            window_start_millis: view.i64("window_start")?,
        })
    }

    /// Counts one more failure; `new_window` starts counting again from one.
    pub async fn record_login_failure(
        &self,
        tenant: &TenantId,
        email: &str,
        new_window: bool,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::login_throttle(tenant, email))));
        let update = if new_window {
            update
                .update_expression("SET failures = :one, window_start = :now, entity = :entity")
                .expression_attribute_values(":now", n(now_millis))
        } else {
            update.update_expression("ADD failures :one SET entity = :entity")
        };
        update
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":entity", crate::item::s("login_throttle"))
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }

    pub async fn clear_login_failures(
        &self,
        tenant: &TenantId,
        email: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::login_throttle(tenant, email))))
            .update_expression("SET failures = :zero")
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }

    /// Counts one account email to `email` if fewer than `max` went out in the current window
    /// of `window_millis`; false when the address has had its share. Two conditional writes,
    /// no read: concurrent requests cannot both slip past the limit.
    pub async fn allow_account_email(
        &self,
        tenant: &TenantId,
        email: &str,
        max: u64,
        window_millis: i64,
        now_millis: i64,
    ) -> Result<bool, StoreError> {
        let key = key_item(&keys::email_sends(tenant, email));
        let floor = now_millis - window_millis;
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.clone()))
            .update_expression("ADD sent :one")
            .condition_expression("window_start > :floor AND sent < :max")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":floor", n(floor))
            .expression_attribute_values(":max", n(max))
            .send()
            .await
            .map_err(StoreError::sdk);
        match counted {
            Ok(_) => return Ok(true),
            Err(StoreError::ConditionFailed { .. }) => {}
            Err(err) => return Err(err),
        }
        // No window open (or it ended): start one, unless another request just did.
        let started = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("SET sent = :one, window_start = :now, entity = :entity")
            .condition_expression("attribute_not_exists(window_start) OR window_start <= :floor")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now_millis))
            .expression_attribute_values(":floor", n(floor))
            .expression_attribute_values(":entity", s("email_sends"))
            .send()
            .await
            .map_err(StoreError::sdk);
        match started {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }
}
