//! (interface stub, being written) The DynamoDB Streams handler.
use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use std::sync::Arc;

pub mod outbox {
    /// One email/SMS/webhook message handed to a delivery channel.
    #[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
    pub struct Message {
        pub id: String,
        pub channel: String,
        pub to: String,
        pub subject: String,
        pub body: String,
        pub created_at: String,
    }
    #[derive(Debug, thiserror::Error)]
    #[error("delivery failed: {0}")]
    pub struct DeliveryError(pub String);
    /// Where messages go: SES/SNS in the cloud, the local outbox on one machine.
    pub trait Deliver: Send + Sync {
        fn deliver(
            &self,
            message: Message,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DeliveryError>> + Send + '_>>;
    }
}

pub struct StreamHandler {
    _store: upline_store::Store,
    _deliver: Arc<dyn outbox::Deliver>,
}
impl StreamHandler {
    pub fn new(store: upline_store::Store, deliver: Arc<dyn outbox::Deliver>) -> Self {
        Self { _store: store, _deliver: deliver }
    }
    /// Handles one batch; failed records come back as batch item failures (their sequence numbers).
    pub async fn handle(&self, _event: Event) -> DynamoDbEventResponse {
        DynamoDbEventResponse::default()
    }
}
