//! Failed logins per (tenant, email) in a fixed window, for throttling.

use crate::item::{View, key_item, n};
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
}
