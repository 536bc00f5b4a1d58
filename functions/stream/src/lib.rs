//! The DynamoDB Streams handler: a deal transition runs the commission walk; an outbox item is
//! delivered. A real `aws_lambda_events` DynamoDB event in, a partial batch failure response out.
//!
//! Records of one deal are handled in order; different deals run concurrently. A transient
//! fault (throttling, a transaction conflict) fails the record so the batch is retried from it;
//! a record that can never succeed is logged and parked as a dead letter instead of blocking
//! its shard.

pub mod outbox;
mod walker;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use upline_store::item::View;
use upline_store::{Store, StoreError};

pub use outbox::{Deliver, DeliveryError, EmailLinks, Message};

/// How many deals of one batch are walked at once.
const CONCURRENT_KEYS: usize = 16;

pub struct StreamHandler {
    store: Store,
    deliver: Arc<dyn Deliver>,
    links: Option<EmailLinks>,
}

/// Why one record failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// May succeed when retried (throttling, conflicts, a delivery channel down).
    #[error("transient: {0}")]
    Transient(String),
    /// Will never succeed (corrupt item, missing partner or program).
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<StoreError> for RecordError {
    /// Only what can never succeed is permanent; an unclassified failure is retried, so a
    /// network hiccup can never park an accrual.
    fn from(err: StoreError) -> Self {
        if err.is_permanent() {
            RecordError::Permanent(err.to_string())
        } else {
            RecordError::Transient(format!("{err}: {:?}", std::error::Error::source(&err)))
        }
    }
}

impl StreamHandler {
    pub fn new(store: Store, deliver: Arc<dyn Deliver>) -> Self {
        Self {
            store,
            deliver,
            links: None,
        }
    }

    /// Emails that carry a token (confirmation, set password, invitation) need the key the
    /// token derives from and the portal's address.
    pub fn with_email_links(mut self, links: EmailLinks) -> Self {
        self.links = Some(links);
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Handles one batch; the sequence numbers of records to retry come back as failures.
    pub async fn handle(&self, event: Event) -> DynamoDbEventResponse {
        // Group by partition key, keeping stream order inside each group.
        let mut groups: Vec<(String, Vec<EventRecord>)> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        for record in event.records {
            let key = partition_key(&record);
            let index = *index_of.entry(key.clone()).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            groups[index].1.push(record);
        }
        let failed: Vec<Vec<String>> = futures::stream::iter(groups)
            .map(|(_, records)| self.handle_group(records))
            .buffer_unordered(CONCURRENT_KEYS)
            .collect()
            .await;
        let mut response = DynamoDbEventResponse::default();
        for sequence_number in failed.into_iter().flatten() {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(sequence_number);
            response.batch_item_failures.push(failure);
        }
        response
    }

    /// Handles one key's records in order; after a failure the rest wait for the retry.
    async fn handle_group(&self, records: Vec<EventRecord>) -> Vec<String> {
        let mut failed = Vec::new();
        for record in &records {
            let sequence_number = record.change.sequence_number.clone().unwrap_or_default();
            if !failed.is_empty() {
                failed.push(sequence_number);
                continue;
            }
            match self.handle_record(record).await {
                Ok(()) => {}
                Err(RecordError::Transient(reason)) => {
                    tracing::warn!(%sequence_number, %reason, "record will be retried");
                    failed.push(sequence_number);
                }
                Err(RecordError::Permanent(reason)) => {
                    tracing::error!(%sequence_number, %reason, "record cannot succeed; parked as a dead letter");
                    if let Err(err) = self.store.park_dead_letter(&sequence_number, &reason).await {
                        tracing::warn!(%sequence_number, error = %err, "could not park; will retry");
                        failed.push(sequence_number);
                    }
                }
            }
        }
        failed
    }

    async fn handle_record(&self, record: &EventRecord) -> Result<(), RecordError> {
        if record.event_name != "INSERT" {
            return Ok(());
        }
        let image: HashMap<String, AttributeValue> = record.change.new_image.clone().into();
        match View(&image).entity() {
            Some(upline_store::deals::TRANSITION_ENTITY) => {
                let transition = upline_store::deals::transition_from(&View(&image))?;
                walker::apply_transition(&self.store, &transition).await
            }
            Some(upline_store::outbox::OUTBOX_ENTITY) => {
                let notification = upline_store::outbox::outbox_from(&View(&image))?;
                outbox::deliver_notification(
                    &self.store,
                    self.deliver.as_ref(),
                    self.links.as_ref(),
                    &notification,
                )
                .await
            }
            _ => Ok(()),
        }
    }
}

fn partition_key(record: &EventRecord) -> String {
    match record.change.keys.get("pk") {
        Some(serde_dynamo::AttributeValue::S(pk)) => pk.clone(),
        _ => String::new(),
    }
}
