//! (interface stub, being written) The single-table DynamoDB adapter.
pub mod schema {
    /// Creates the table (stream NEW_AND_OLD_IMAGES, GSIs) and waits until it is active.
    pub async fn create_table(
        _client: &aws_sdk_dynamodb::Client,
        _table: &str,
    ) -> Result<(), crate::StoreError> {
        Ok(())
    }
    /// True when the table exists.
    pub async fn table_exists(
        _client: &aws_sdk_dynamodb::Client,
        _table: &str,
    ) -> Result<bool, crate::StoreError> {
        Ok(false)
    }
}
#[derive(Debug, thiserror::Error)]
#[error("store error")]
pub struct StoreError;
#[derive(Clone)]
pub struct Store {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
}
impl Store {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}
