//! The local cloud: DynamoDB Local, the API behind one HTTP server, the stream poller feeding the
//! stream handler, the outbox and the built portal — everything `make dev` runs on one machine.
//!
//! Tests use [`shared_test_endpoint`] (one DynamoDB Local per test run or per process) with a
//! fresh table each ([`unique_table_name`]), or [`LocalCloud::start_for_test`].

pub mod cloud;
pub mod dynamodb_local;
pub mod outbox;
pub mod poller;
pub mod requests;
pub mod s3;

pub use cloud::{DEFAULT_TABLE, LocalCloud, LocalConfig, random_key};
pub use dynamodb_local::{
    DynamoDbLocal, dynamodb_client, sdk_config, shared_test_endpoint, streams_client,
    unique_table_name,
};
pub use outbox::LocalOutbox;
pub use poller::{Poller, PollerConfig, PollerStatus, to_lambda_event};

/// Starts a local cloud (see [`LocalCloud::start`]).
pub async fn start(config: LocalConfig) -> anyhow::Result<LocalCloud> {
    LocalCloud::start(config).await
}
