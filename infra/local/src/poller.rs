//! The local stand-in for Lambda's DynamoDB event source mapping: polls every shard of the table's
//! stream and hands each `GetRecords` batch, as a real `aws_lambda_events` DynamoDB event, to a
//! handler.
//!
//! Semantics follow an event source mapping with `ReportBatchItemFailures`:
//! - per shard, batches in order; a child shard starts only after its parent is finished;
//! - when the handler reports failures, processing resumes AT the earliest failed record (records
//!   before it are checkpointed), with backoff (100 ms doubling to 2 s); nothing is ever skipped;
//! - a failure identifier that names no record of the batch, an empty one, or a panicking
//!   handler fails the whole batch.
//!
//! Optionally the checkpoint (last processed sequence number per shard) is kept in a file, so a
//! restart of the local cloud resumes where it stopped instead of replaying the stream.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use aws_lambda_events::event::dynamodb::{
    Event, EventRecord, StreamRecord, StreamViewType, UserIdentity,
};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use aws_sdk_dynamodbstreams::types::{OperationType, Record, ShardIteratorType};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// A batch handler: the stream Lambda's `handle`, or a closure in tests.
pub type BoxHandler =
    Arc<dyn Fn(Event) -> Pin<Box<dyn Future<Output = DynamoDbEventResponse> + Send>> + Send + Sync>;

/// Wraps an async closure as a [`BoxHandler`].
pub fn handler<H, F>(handle: H) -> BoxHandler
where
    H: Fn(Event) -> F + Send + Sync + 'static,
    F: Future<Output = DynamoDbEventResponse> + Send + 'static,
{
    Arc::new(move |event| Box::pin(handle(event)))
}

/// Runs a handler whose futures need not be `Send` (Lambda's runtime does not ask for it) on a
/// thread of its own, with a current-thread runtime, and returns a [`BoxHandler`] forwarding
/// batches to it. Batches from several shards run concurrently there. A panic in the handler
/// fails the batch (the poller retries it). The thread ends when the last clone of the returned
/// handler is dropped.
pub fn on_own_thread<H, F>(name: &str, handle: H) -> anyhow::Result<BoxHandler>
where
    H: Fn(Event) -> F + Send + 'static,
    F: Future<Output = DynamoDbEventResponse> + 'static,
{
    type Job = (Event, oneshot::Sender<DynamoDbEventResponse>);
    let (jobs, mut incoming) = mpsc::unbounded_channel::<Job>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the stream handler's runtime")?;
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async move {
                while let Some((event, reply)) = incoming.recv().await {
                    let response = handle(event);
                    tokio::task::spawn_local(async move {
                        let _ = reply.send(response.await);
                    });
                }
            });
        })
        .context("spawning the stream handler thread")?;
    Ok(Arc::new(move |event| {
        let jobs = jobs.clone();
        Box::pin(async move {
            let (reply, response) = oneshot::channel();
            assert!(
                jobs.send((event, reply)).is_ok(),
                "the stream handler thread is gone"
            );
            // A dropped reply means the handler panicked: panicking here fails the batch.
            response.await.expect("the stream handler panicked")
        })
    }))
}

/// What to poll and how.
#[derive(Clone, Debug)]
pub struct PollerConfig {
    pub table: String,
    /// Records per `GetRecords` call, i.e. the batch size (Lambda's default is 100).
    pub batch_size: i32,
    /// Sleep after an empty `GetRecords` on an open shard.
    pub idle_sleep: Duration,
    /// How often the shard list is described again.
    pub rediscover_every: Duration,
    /// First retry delay after a failed batch; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Region reported in records (`awsRegion`).
    pub region: String,
    /// Keep checkpoints here (JSON) so a restart resumes instead of replaying.
    pub checkpoint_file: Option<PathBuf>,
}

impl PollerConfig {
    pub fn new(table: impl Into<String>) -> Self {
        Self {
            table: table.into(),
            batch_size: 100,
            idle_sleep: Duration::from_millis(75),
            rediscover_every: Duration::from_secs(1),
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            region: crate::dynamodb_local::REGION.to_owned(),
            checkpoint_file: None,
        }
    }
}

/// Counters the poller keeps; `/healthz` reads `running`.
#[derive(Debug, Default)]
pub struct PollerStatus {
    running: AtomicBool,
    batches: AtomicU64,
    records: AtomicU64,
    failed_batches: AtomicU64,
    stream_arn: std::sync::Mutex<Option<String>>,
}

impl PollerStatus {
    /// True once the stream was found and its shards are being polled; false after stop.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }
    /// Batches the handler accepted completely.
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }
    /// Records checkpointed (handled without failure).
    pub fn records(&self) -> u64 {
        self.records.load(Ordering::Relaxed)
    }
    /// Batches with at least one reported failure (each retry counts).
    pub fn failed_batches(&self) -> u64 {
        self.failed_batches.load(Ordering::Relaxed)
    }
    /// The stream being polled.
    pub fn stream_arn(&self) -> Option<String> {
        self.stream_arn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A running poller. Dropping it aborts the polling tasks; [`Poller::stop`] ends them cleanly.
pub struct Poller {
    status: Arc<PollerStatus>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Poller {
    /// Starts polling `config.table`'s stream. The table need not exist yet: the poller waits for
    /// it (and for a new stream if the table is recreated).
    pub fn spawn(
        dynamodb: aws_sdk_dynamodb::Client,
        streams: aws_sdk_dynamodbstreams::Client,
        config: PollerConfig,
        handler: BoxHandler,
    ) -> Self {
        let status = Arc::new(PollerStatus::default());
        let (stop, stop_rx) = watch::channel(false);
        let checkpoints = Checkpoints::load(config.checkpoint_file.clone());
        let supervisor = Supervisor {
            dynamodb,
            streams,
            config: Arc::new(config),
            handler,
            status: Arc::clone(&status),
            stop: stop_rx,
            checkpoints: Arc::new(std::sync::Mutex::new(checkpoints)),
        };
        let task = tokio::spawn(supervisor.run());
        Self {
            status,
            stop,
            task: Some(task),
        }
    }

    pub fn status(&self) -> &Arc<PollerStatus> {
        &self.status
    }

    pub fn is_running(&self) -> bool {
        self.status.is_running()
    }

    /// Stops polling: a batch in the handler finishes first, nothing new starts.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.status.running.store(false, Ordering::Release);
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.status.running.store(false, Ordering::Release);
    }
}

struct Supervisor {
    dynamodb: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    config: Arc<PollerConfig>,
    handler: BoxHandler,
    status: Arc<PollerStatus>,
    stop: watch::Receiver<bool>,
    checkpoints: Arc<std::sync::Mutex<Checkpoints>>,
}

#[derive(Debug)]
struct ShardInfo {
    parent: Option<String>,
}

enum ShardState {
    Running(JoinHandle<()>),
    Finished,
}

impl Supervisor {
    async fn run(mut self) {
        let (finished_tx, mut finished_rx) = mpsc::unbounded_channel::<String>();
        let mut stream_arn: Option<String> = None;
        let mut shards: HashMap<String, ShardState> = HashMap::new();
        let mut waiting_logged = false;
        loop {
            if *self.stop.borrow() {
                break;
            }
            match self.discover(stream_arn.as_deref()).await {
                Ok(Discovery::NoStream(why)) => {
                    if !waiting_logged {
                        tracing::info!(table = %self.config.table, "stream poller waiting: {why}");
                        waiting_logged = true;
                    }
                    if stream_arn.take().is_some() {
                        abort_all(&mut shards);
                    }
                    self.status.running.store(false, Ordering::Release);
                }
                Ok(Discovery::Shards { arn, listed }) => {
                    waiting_logged = false;
                    if stream_arn.as_deref() != Some(arn.as_str()) {
                        abort_all(&mut shards);
                        tracing::info!(stream = %arn, "stream poller following a new stream");
                        *self
                            .status
                            .stream_arn
                            .lock()
                            .unwrap_or_else(|e| e.into_inner()) = Some(arn.clone());
                        stream_arn = Some(arn.clone());
                    }
                    self.start_ready_shards(&arn, &listed, &mut shards, &finished_tx);
                    self.status.running.store(true, Ordering::Release);
                }
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "stream poller: describing the stream failed");
                }
            }
            // Sleep until the next rediscovery, a shard finishing (its children may start now) or stop.
            tokio::select! {
                () = tokio::time::sleep(self.config.rediscover_every) => {}
                Some(shard) = finished_rx.recv() => {
                    shards.insert(shard, ShardState::Finished);
                }
                _ = self.stop.changed() => {}
            }
        }
        // Let the shard tasks finish their current batch.
        for (_, state) in shards.drain() {
            if let ShardState::Running(task) = state {
                let _ = task.await;
            }
        }
        self.status.running.store(false, Ordering::Release);
    }

    fn start_ready_shards(
        &self,
        arn: &str,
        listed: &[(String, ShardInfo)],
        shards: &mut HashMap<String, ShardState>,
        finished_tx: &mpsc::UnboundedSender<String>,
    ) {
        let listed_ids: HashSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
        for (shard_id, info) in listed {
            if shards.contains_key(shard_id) {
                continue;
            }
            // A parent must be finished first: one still listed, or one we are still working
            // through (it may have been trimmed from the listing meanwhile). One trimmed away
            // and never seen by us is long done.
            if let Some(parent) = &info.parent
                && (listed_ids.contains(parent.as_str()) || shards.contains_key(parent))
                && !matches!(shards.get(parent), Some(ShardState::Finished))
            {
                continue;
            }
            let worker = ShardWorker {
                streams: self.streams.clone(),
                config: Arc::clone(&self.config),
                handler: Arc::clone(&self.handler),
                status: Arc::clone(&self.status),
                stop: self.stop.clone(),
                checkpoints: Arc::clone(&self.checkpoints),
                stream_arn: arn.to_owned(),
                shard_id: shard_id.clone(),
            };
            let finished = finished_tx.clone();
            let id = shard_id.clone();
            let task = tokio::spawn(async move {
                if worker.run().await {
                    let _ = finished.send(id);
                }
            });
            shards.insert(shard_id.clone(), ShardState::Running(task));
        }
    }

    async fn discover(&self, known_arn: Option<&str>) -> anyhow::Result<Discovery> {
        let table = match self
            .dynamodb
            .describe_table()
            .table_name(&self.config.table)
            .send()
            .await
        {
            Ok(output) => output.table,
            Err(error) => {
                let service = error.as_service_error();
                if service.is_some_and(|e| e.is_resource_not_found_exception()) {
                    return Ok(Discovery::NoStream(format!(
                        "table {} does not exist yet",
                        self.config.table
                    )));
                }
                return Err(anyhow::Error::from(error).context("DescribeTable"));
            }
        };
        let Some(arn) = table.and_then(|t| t.latest_stream_arn) else {
            return Ok(Discovery::NoStream(format!(
                "table {} has no stream",
                self.config.table
            )));
        };
        if known_arn.is_some_and(|known| known != arn) {
            tracing::info!(stream = %arn, "the table has a new stream");
        }
        let mut listed = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let page = self
                .streams
                .describe_stream()
                .stream_arn(&arn)
                .set_exclusive_start_shard_id(start.take())
                .send()
                .await
                .context("DescribeStream")?;
            let Some(description) = page.stream_description else {
                break;
            };
            for shard in description.shards.unwrap_or_default() {
                if let Some(id) = shard.shard_id {
                    listed.push((
                        id,
                        ShardInfo {
                            parent: shard.parent_shard_id,
                        },
                    ));
                }
            }
            match description.last_evaluated_shard_id {
                Some(last) => start = Some(last),
                None => break,
            }
        }
        Ok(Discovery::Shards { arn, listed })
    }
}

enum Discovery {
    NoStream(String),
    Shards {
        arn: String,
        listed: Vec<(String, ShardInfo)>,
    },
}

fn abort_all(shards: &mut HashMap<String, ShardState>) {
    for (_, state) in shards.drain() {
        if let ShardState::Running(task) = state {
            task.abort();
        }
    }
}

struct ShardWorker {
    streams: aws_sdk_dynamodbstreams::Client,
    config: Arc<PollerConfig>,
    handler: BoxHandler,
    status: Arc<PollerStatus>,
    stop: watch::Receiver<bool>,
    checkpoints: Arc<std::sync::Mutex<Checkpoints>>,
    stream_arn: String,
    shard_id: String,
}

/// Where the next `GetShardIterator` starts.
enum Position {
    TrimHorizon,
    After(String),
    At(String),
}

impl ShardWorker {
    /// Polls the shard until it is closed and drained (true) or the poller stops (false).
    async fn run(mut self) -> bool {
        let checkpoint = self
            .checkpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&self.stream_arn, &self.shard_id);
        let mut position = match checkpoint {
            Some(Checkpoint::Finished) => return true,
            Some(Checkpoint::After(sequence)) => Position::After(sequence),
            None => Position::TrimHorizon,
        };
        let mut backoff = self.config.min_backoff;
        let mut iterator: Option<String> = None;
        loop {
            if *self.stop.borrow() {
                return false;
            }
            let current = match iterator.take() {
                Some(current) => current,
                None => match self.iterator(&position).await {
                    Ok(Some(current)) => current,
                    Ok(None) => {
                        // Closed and nothing left.
                        self.finish();
                        return true;
                    }
                    Err(error) => {
                        if is_trimmed(&error) {
                            tracing::warn!(shard = %self.shard_id, "checkpoint trimmed away: starting at TRIM_HORIZON");
                            position = Position::TrimHorizon;
                            continue;
                        }
                        tracing::warn!(shard = %self.shard_id, error = %format!("{error:#}"), "GetShardIterator failed");
                        if !self.pause(&mut backoff).await {
                            return false;
                        }
                        continue;
                    }
                },
            };
            let output = match self
                .streams
                .get_records()
                .shard_iterator(&current)
                .limit(self.config.batch_size)
                .send()
                .await
            {
                Ok(output) => output,
                Err(error) => {
                    // Expired or broken iterator: a new one from the checkpoint.
                    tracing::debug!(shard = %self.shard_id, error = %format!("{:#}", anyhow::Error::from(error)), "GetRecords failed");
                    if !self.pause(&mut backoff).await {
                        return false;
                    }
                    continue;
                }
            };
            let records = output.records.unwrap_or_default();
            let next = output.next_shard_iterator;
            if records.is_empty() {
                match next {
                    Some(next) => {
                        iterator = Some(next);
                        if !self.sleep(self.config.idle_sleep).await {
                            return false;
                        }
                    }
                    None => {
                        self.finish();
                        return true;
                    }
                }
                continue;
            }
            match self.deliver(&records).await {
                BatchOutcome::Done => {
                    let last = records.last().and_then(sequence_number).map(str::to_owned);
                    if let Some(last) = last {
                        self.checkpoint(&last, records.len());
                        position = Position::After(last);
                    }
                    self.status.batches.fetch_add(1, Ordering::Relaxed);
                    backoff = self.config.min_backoff;
                    match next {
                        Some(next) => iterator = Some(next),
                        None => {
                            self.finish();
                            return true;
                        }
                    }
                }
                BatchOutcome::FailedFrom(index) => {
                    self.status.failed_batches.fetch_add(1, Ordering::Relaxed);
                    if index > 0
                        && let Some(done) = records.get(index - 1).and_then(sequence_number)
                    {
                        self.checkpoint(done, index);
                    }
                    position = match records.get(index).and_then(sequence_number) {
                        Some(failed) => Position::At(failed.to_owned()),
                        None => position,
                    };
                    tracing::warn!(
                        shard = %self.shard_id,
                        failed_from = index,
                        batch = records.len(),
                        retry_in_ms = backoff.as_millis(),
                        "stream handler reported failures: retrying from the earliest failed record"
                    );
                    if !self.pause(&mut backoff).await {
                        return false;
                    }
                }
            }
        }
    }

    async fn iterator(&self, position: &Position) -> anyhow::Result<Option<String>> {
        let request = self
            .streams
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(&self.shard_id);
        let request = match position {
            Position::TrimHorizon => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            Position::After(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence),
            Position::At(sequence) => request
                .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
                .sequence_number(sequence),
        };
        let output = request
            .send()
            .await
            .map_err(anyhow::Error::from)
            .context("GetShardIterator")?;
        Ok(output.shard_iterator)
    }

    /// Calls the handler; a panic counts as a failure of the whole batch.
    async fn deliver(&self, records: &[Record]) -> BatchOutcome {
        let event = to_lambda_event_in(records, &self.stream_arn, &self.config.region);
        let handler = Arc::clone(&self.handler);
        let response = match tokio::spawn(async move { handler(event).await }).await {
            Ok(response) => response,
            Err(error) => {
                tracing::error!(shard = %self.shard_id, %error, "stream handler panicked: retrying the whole batch");
                return BatchOutcome::FailedFrom(0);
            }
        };
        earliest_failure(records, &response).map_or(BatchOutcome::Done, BatchOutcome::FailedFrom)
    }

    fn checkpoint(&self, sequence: &str, count: usize) {
        self.status
            .records
            .fetch_add(u64::try_from(count).unwrap_or(u64::MAX), Ordering::Relaxed);
        let mut checkpoints = self.checkpoints.lock().unwrap_or_else(|e| e.into_inner());
        checkpoints.set(
            &self.stream_arn,
            &self.shard_id,
            Checkpoint::After(sequence.to_owned()),
        );
    }

    fn finish(&self) {
        tracing::debug!(shard = %self.shard_id, "shard closed and drained");
        let mut checkpoints = self.checkpoints.lock().unwrap_or_else(|e| e.into_inner());
        checkpoints.set(&self.stream_arn, &self.shard_id, Checkpoint::Finished);
    }

    /// Sleeps for `backoff` and doubles it; false when stopped meanwhile.
    async fn pause(&mut self, backoff: &mut Duration) -> bool {
        let delay = *backoff;
        *backoff = (*backoff * 2).min(self.config.max_backoff);
        self.sleep(delay).await
    }

    async fn sleep(&mut self, delay: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(delay) => true,
            _ = self.stop.changed() => false,
        }
    }
}

enum BatchOutcome {
    Done,
    /// Index (in the batch) of the earliest failed record.
    FailedFrom(usize),
}

/// The earliest record of the batch the response names as failed, like Lambda: an empty or
/// unknown identifier fails the whole batch.
fn earliest_failure(records: &[Record], response: &DynamoDbEventResponse) -> Option<usize> {
    let mut earliest: Option<usize> = None;
    for failure in &response.batch_item_failures {
        let index = failure
            .item_identifier
            .as_deref()
            .filter(|id| !id.is_empty())
            .and_then(|id| {
                records
                    .iter()
                    .position(|record| sequence_number(record) == Some(id))
            })
            .unwrap_or(0);
        earliest = Some(earliest.map_or(index, |e| e.min(index)));
    }
    earliest
}

fn sequence_number(record: &Record) -> Option<&str> {
    record
        .dynamodb
        .as_ref()
        .and_then(|change| change.sequence_number.as_deref())
}

fn is_trimmed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<aws_sdk_dynamodbstreams::error::SdkError<
                aws_sdk_dynamodbstreams::operation::get_shard_iterator::GetShardIteratorError,
            >>()
            .and_then(|e| e.as_service_error())
            .is_some_and(|e| e.is_trimmed_data_access_exception())
    })
}

/// Converts a `GetRecords` batch into the event Lambda would deliver (`Records[]` with `eventName`,
/// `eventID`, `dynamodb.{Keys,NewImage,OldImage,SequenceNumber,...}`, `eventSource`
/// "aws:dynamodb", `eventSourceARN`). DynamoDB Local omits the ARN and reports region
/// `ddblocal`: the ARN is set from `stream_arn` and the region to `us-east-1`.
pub fn to_lambda_event(records: &[Record], stream_arn: &str) -> Event {
    to_lambda_event_in(records, stream_arn, crate::dynamodb_local::REGION)
}

fn to_lambda_event_in(records: &[Record], stream_arn: &str, region: &str) -> Event {
    let mut event = Event::default();
    event.records = records
        .iter()
        .map(|record| to_lambda_record(record, stream_arn, region))
        .collect();
    event
}

fn to_lambda_record(record: &Record, stream_arn: &str, region: &str) -> EventRecord {
    let mut out = EventRecord::default();
    out.aws_region = region.to_owned();
    out.event_id = record.event_id.clone().unwrap_or_default();
    out.event_name = match &record.event_name {
        Some(OperationType::Insert) => "INSERT".to_owned(),
        Some(OperationType::Modify) => "MODIFY".to_owned(),
        Some(OperationType::Remove) => "REMOVE".to_owned(),
        Some(other) => other.as_str().to_owned(),
        None => String::new(),
    };
    out.event_source = Some("aws:dynamodb".to_owned());
    out.event_version = Some(
        record
            .event_version
            .clone()
            .unwrap_or_else(|| "1.1".to_owned()),
    );
    out.event_source_arn = Some(stream_arn.to_owned());
    out.user_identity = record.user_identity.as_ref().map(|identity| {
        let mut user = UserIdentity::default();
        user.type_ = identity.r#type.clone().unwrap_or_default();
        user.principal_id = identity.principal_id.clone().unwrap_or_default();
        user
    });
    if let Some(change) = &record.dynamodb {
        let mut stream = StreamRecord::default();
        if let Some(at) = change.approximate_creation_date_time
            && let Some(at) = chrono::DateTime::from_timestamp(at.secs(), at.subsec_nanos())
        {
            stream.approximate_creation_date_time = at;
        }
        stream.keys = change
            .keys
            .clone()
            .map(serde_dynamo::Item::from)
            .unwrap_or_default();
        stream.new_image = change
            .new_image
            .clone()
            .map(serde_dynamo::Item::from)
            .unwrap_or_default();
        stream.old_image = change
            .old_image
            .clone()
            .map(serde_dynamo::Item::from)
            .unwrap_or_default();
        stream.sequence_number = change.sequence_number.clone();
        stream.size_bytes = change.size_bytes.unwrap_or_default();
        stream.stream_view_type = change.stream_view_type.as_ref().map(|view| match view {
            aws_sdk_dynamodbstreams::types::StreamViewType::NewImage => StreamViewType::NewImage,
            aws_sdk_dynamodbstreams::types::StreamViewType::OldImage => StreamViewType::OldImage,
            aws_sdk_dynamodbstreams::types::StreamViewType::NewAndOldImages => {
                StreamViewType::NewAndOldImages
            }
            _ => StreamViewType::KeysOnly,
        });
        out.change = stream;
    }
    out
}

/// Per-shard progress, optionally persisted.
#[derive(Debug, Default)]
struct Checkpoints {
    file: Option<PathBuf>,
    /// stream ARN → shard id → checkpoint
    streams: HashMap<String, HashMap<String, Checkpoint>>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Checkpoint {
    After(String),
    Finished,
}

impl Checkpoints {
    fn load(file: Option<PathBuf>) -> Self {
        let streams = file
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| match serde_json::from_slice(&bytes) {
                Ok(streams) => Some(streams),
                Err(error) => {
                    tracing::warn!(%error, "ignoring an unreadable stream checkpoint file");
                    None
                }
            })
            .unwrap_or_default();
        Self { file, streams }
    }

    fn get(&self, stream: &str, shard: &str) -> Option<Checkpoint> {
        self.streams
            .get(stream)
            .and_then(|shards| shards.get(shard))
            .cloned()
    }

    fn set(&mut self, stream: &str, shard: &str, checkpoint: Checkpoint) {
        self.streams
            .entry(stream.to_owned())
            .or_default()
            .insert(shard.to_owned(), checkpoint);
        if let Some(path) = &self.file
            && let Err(error) = write_atomically(path, &self.streams)
        {
            tracing::warn!(error = %format!("{error:#}"), "could not save the stream checkpoint");
        }
    }
}

fn write_atomically(path: &std::path::Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, serde_json::to_vec(value)?)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}
