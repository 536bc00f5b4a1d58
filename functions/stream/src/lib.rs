//! The DynamoDB Streams handler: a deal transition runs the commission walk; an outbox item is
//! delivered. A real `aws_lambda_events` DynamoDB event in, a partial batch failure response out.
//!
//! Records of one deal are handled in order; different deals run concurrently. A transient
//! fault (throttling, a transaction conflict) fails the record so the batch is retried from it;
//! a record that can never succeed is logged and parked as a dead letter instead of blocking
//! its shard.

pub mod outbox;
mod walker;
pub mod webhooks;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use upline_store::item::View;
use upline_store::{Store, StoreError};

pub use outbox::{Deliver, DeliveryError, EmailLinks, Message};
pub use webhooks::{HttpWebhooks, SendWebhook, WebhookRequest};

use upline_store::delivery::Claimant;

/// How many deals of one batch are walked at once.
const CONCURRENT_KEYS: usize = 16;

pub struct StreamHandler {
    store: Store,
    deliver: Arc<dyn Deliver>,
    webhooks: Arc<dyn SendWebhook>,
    links: Option<EmailLinks>,
}

/// What one sweep of due retries and releases did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Deliveries found due.
    pub due: usize,
    /// Of those, how many failed for a reason of the store (they stay due).
    pub errors: usize,
    /// Held entries released into their wallets' balance.
    pub released: usize,
    /// Shards whose release stopped on a failure of the store (their entries stay due).
    pub release_errors: usize,
}

/// At most this many due deliveries per sweep, so one invocation stays short.
const SWEEP_LIMIT: usize = 500;

/// At most this many held entries released per sweep (a minute's sweep releases 10,000 in
/// seconds; more wait for the next one).
const RELEASE_LIMIT: usize = 20_000;

/// Due entries read per query of the `due` index.
const RELEASE_PAGE: i32 = 500;

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
    /// Webhooks go out over real HTTP unless [`Self::with_webhooks`] says otherwise.
    pub fn new(store: Store, deliver: Arc<dyn Deliver>) -> Self {
        let webhooks: Arc<dyn SendWebhook> = match HttpWebhooks::new() {
            Ok(http) => Arc::new(http),
            Err(err) => Arc::new(Unavailable(err)),
        };
        Self {
            store,
            deliver,
            webhooks,
            links: None,
        }
    }

    pub fn with_webhooks(mut self, webhooks: Arc<dyn SendWebhook>) -> Self {
        self.webhooks = webhooks;
        self
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
        let endpoints = webhooks::EndpointCache::default();
        let failed: Vec<Vec<String>> = futures::stream::iter(groups)
            .map(|(_, records)| self.handle_group(records, &endpoints))
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
    async fn handle_group(
        &self,
        records: Vec<EventRecord>,
        endpoints: &webhooks::EndpointCache,
    ) -> Vec<String> {
        let mut failed = Vec::new();
        for record in &records {
            let sequence_number = record.change.sequence_number.clone().unwrap_or_default();
            if !failed.is_empty() {
                failed.push(sequence_number);
                continue;
            }
            match self.handle_record(record, endpoints).await {
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

    async fn handle_record(
        &self,
        record: &EventRecord,
        endpoints: &webhooks::EndpointCache,
    ) -> Result<(), RecordError> {
        let image: HashMap<String, AttributeValue> = record.change.new_image.clone().into();
        let old: HashMap<String, AttributeValue> = record.change.old_image.clone().into();
        let inserted = record.event_name == "INSERT";
        match View(&image).entity() {
            Some(upline_store::deals::TRANSITION_ENTITY) if inserted => {
                let transition = upline_store::deals::transition_from(&View(&image))?;
                walker::apply_transition(&self.store, &transition).await?;
            }
            Some(upline_store::outbox::OUTBOX_ENTITY) if inserted => {
                let notification = upline_store::outbox::outbox_from(&View(&image))?;
                return outbox::deliver_notification(
                    &self.store,
                    self.deliver.as_ref(),
                    self.links.as_ref(),
                    &notification,
                    Claimant::Stream,
                )
                .await;
            }
            Some(upline_store::webhooks::DELIVERY_ENTITY) if inserted => {
                let delivery = upline_store::webhooks::delivery_from(&View(&image))?;
                return webhooks::deliver_webhook(
                    &self.store,
                    self.webhooks.as_ref(),
                    &delivery,
                    Claimant::Stream,
                )
                .await;
            }
            _ => {}
        }
        if let Some(event) = webhooks::event_of(&record.event_name, &old, &image) {
            webhooks::fan_out(&self.store, endpoints, &event).await?;
        }
        Ok(())
    }

    /// Retries every delivery whose time has come and releases every held entry whose hold is
    /// over (the cloud runs this on a schedule, the local cloud on a timer). A delivery is
    /// claimed first, so a sweep never races the stream or another sweep into sending one
    /// attempt twice; a release is conditional on the entry still being pending.
    pub async fn sweep_due(&self, now: time::OffsetDateTime) -> SweepReport {
        let mut report = self.retry_due(now).await;
        let (released, errors) = self.release_due(now).await;
        report.released = released;
        report.release_errors = errors;
        report
    }

    /// Releases every held entry whose time has come, shard by shard, the shards at once.
    async fn release_due(&self, now: time::OffsetDateTime) -> (usize, usize) {
        let now_millis = upline_store::Timestamp::from(now).millis;
        let per_shard = RELEASE_LIMIT / upline_store::releases::RELEASE_SHARDS as usize;
        let shards = (0..upline_store::releases::RELEASE_SHARDS)
            .map(|shard| self.release_shard(shard, now_millis, per_shard));
        futures::future::join_all(shards)
            .await
            .into_iter()
            .fold((0, 0), |(r, e), (released, errors)| {
                (r + released, e + errors)
            })
    }

    async fn release_shard(&self, shard: u32, now_millis: i64, limit: usize) -> (usize, usize) {
        let (mut released, mut errors) = (0, 0);
        while released < limit {
            let due = match self
                .store
                .due_entries(shard, now_millis, RELEASE_PAGE)
                .await
            {
                Ok(due) if due.is_empty() => break,
                Ok(due) => due,
                Err(err) => {
                    tracing::warn!(shard, error = %err, "could not read due entries");
                    errors += 1;
                    break;
                }
            };
            match self.store.release(&due).await {
                // Nothing moved (all taken by another sweep, which is going on): stop here.
                Ok(0) => break,
                Ok(done) => released += done,
                Err(err) => {
                    tracing::warn!(shard, error = %err, "due entries stay held until the next sweep");
                    errors += 1;
                    break;
                }
            }
        }
        (released, errors)
    }

    /// Retries every delivery whose time has come.
    async fn retry_due(&self, now: time::OffsetDateTime) -> SweepReport {
        let mut report = SweepReport::default();
        while report.due < SWEEP_LIMIT {
            let items = match self.store.due_deliveries(now, 100).await {
                Ok(items) => items,
                Err(err) => {
                    tracing::warn!(error = %err, "could not read due deliveries");
                    report.errors += 1;
                    return report;
                }
            };
            if items.is_empty() {
                return report;
            }
            let before = report.errors;
            for item in &items {
                report.due += 1;
                if let Err(err) = self.retry_one(item).await {
                    tracing::warn!(error = %err, "a due delivery stays due");
                    report.errors += 1;
                }
            }
            if report.errors > before && report.errors - before == items.len() {
                return report; // nothing moved: do not spin on the same page
            }
        }
        report
    }

    async fn retry_one(&self, item: &upline_store::item::Item) -> Result<(), RecordError> {
        let view = View(item);
        let due_at = view.s(upline_store::keys::DUE_AT)?.to_owned();
        let claimant = Claimant::Sweeper { due_at: &due_at };
        match view.entity() {
            Some(upline_store::outbox::OUTBOX_ENTITY) => {
                let notification = upline_store::outbox::outbox_from(&view)?;
                outbox::deliver_notification(
                    &self.store,
                    self.deliver.as_ref(),
                    self.links.as_ref(),
                    &notification,
                    claimant,
                )
                .await
            }
            Some(upline_store::webhooks::DELIVERY_ENTITY) => {
                let delivery = upline_store::webhooks::delivery_from(&view)?;
                webhooks::deliver_webhook(&self.store, self.webhooks.as_ref(), &delivery, claimant)
                    .await
            }
            other => Err(RecordError::Permanent(format!(
                "a due item of type {other:?}"
            ))),
        }
    }
}

/// Stands in when no HTTP client could be built: every webhook fails (and is retried later).
struct Unavailable(String);

impl SendWebhook for Unavailable {
    fn send(
        &self,
        _: WebhookRequest,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u16, String>> + Send + '_>> {
        let error = self.0.clone();
        Box::pin(async move { Err(error) })
    }
}

fn partition_key(record: &EventRecord) -> String {
    match record.change.keys.get("pk") {
        Some(serde_dynamo::AttributeValue::S(pk)) => pk.clone(),
        _ => String::new(),
    }
}
