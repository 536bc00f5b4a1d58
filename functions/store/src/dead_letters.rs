//! Stream records that can never succeed, parked with the reason so an operator can look.

use crate::item::ItemBuilder;
use crate::{Store, StoreError, Timestamp, keys};

impl Store {
    pub async fn park_dead_letter(
        &self,
        sequence_number: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let item = ItemBuilder::new(&keys::dead_letter(sequence_number), "dead_letter")
            .s("sequence_number", sequence_number)
            .s("reason", reason)
            .s("created_at", Timestamp::now().rfc3339)
            .build();
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }
}
