use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use upline_local::poller::{self, Poller, PollerConfig};
use upline_local::{streams_client, to_lambda_event};

use crate::support::{eventually, fresh_table, put, stream_arn};

fn pk(record: &EventRecord) -> String {
    match record.change.keys.get("pk") {
        Some(serde_dynamo::AttributeValue::S(pk)) => pk.clone(),
        other => panic!("record without a string pk: {other:?}"),
    }
}

fn fail(sequence_numbers: impl IntoIterator<Item = String>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for sequence in sequence_numbers {
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = Some(sequence);
        response.batch_item_failures.push(failure);
    }
    response
}

fn spawn(endpoint: &str, table: &str, handler: poller::BoxHandler) -> Poller {
    Poller::spawn(
        upline_local::dynamodb_client(endpoint),
        streams_client(endpoint),
        PollerConfig::new(table),
        handler,
    )
}

#[tokio::test]
async fn a_put_item_reaches_the_handler_as_a_lambda_stream_record() {
    let (endpoint, client, table) = fresh_table("poller-put").await;
    let seen: Arc<Mutex<Vec<EventRecord>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let poller = spawn(
        &endpoint,
        &table,
        poller::handler(move |event: Event| {
            sink.lock().unwrap().extend(event.records);
            async { DynamoDbEventResponse::default() }
        }),
    );

    put(&client, &table, "deal#1", 42).await;

    assert!(
        eventually(Duration::from_secs(10), || !seen.lock().unwrap().is_empty()).await,
        "no record within 10 s"
    );
    assert!(poller.is_running());
    let arn = stream_arn(&client, &table).await;
    let records = seen.lock().unwrap().clone();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.event_name, "INSERT");
    assert_eq!(record.event_source.as_deref(), Some("aws:dynamodb"));
    assert_eq!(record.event_source_arn.as_deref(), Some(arn.as_str()));
    assert_eq!(record.aws_region, "us-east-1");
    assert!(!record.event_id.is_empty());
    assert!(record.change.sequence_number.is_some());
    assert_eq!(pk(record), "deal#1");
    assert_eq!(
        record.change.new_image.get("n"),
        Some(&serde_dynamo::AttributeValue::N("42".into()))
    );
    assert!(record.change.old_image.is_empty());
    poller.stop().await;
}

#[tokio::test]
async fn a_get_records_batch_converts_to_the_event_lambda_delivers() {
    let (endpoint, client, table) = fresh_table("poller-convert").await;
    put(&client, &table, "a", 1).await;
    put(&client, &table, "a", 2).await;
    client
        .delete_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("a".into()))
        .key("sk", AttributeValue::S("item".into()))
        .send()
        .await
        .unwrap();

    let streams = streams_client(&endpoint);
    let arn = stream_arn(&client, &table).await;
    let shards = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .unwrap();
    let shard = shards
        .stream_description
        .unwrap()
        .shards
        .unwrap()
        .remove(0)
        .shard_id
        .unwrap();
    let iterator = streams
        .get_shard_iterator()
        .stream_arn(&arn)
        .shard_id(&shard)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let records = streams
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .unwrap()
        .records
        .unwrap();

    let event = to_lambda_event(&records, &arn);

    let names: Vec<&str> = event
        .records
        .iter()
        .map(|r| r.event_name.as_str())
        .collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
    let modify = &event.records[1];
    assert_eq!(
        modify.change.old_image.get("n"),
        Some(&serde_dynamo::AttributeValue::N("1".into()))
    );
    assert_eq!(
        modify.change.new_image.get("n"),
        Some(&serde_dynamo::AttributeValue::N("2".into()))
    );
    let remove = &event.records[2];
    assert!(remove.change.new_image.is_empty());
    assert_eq!(
        remove.change.old_image.get("n"),
        Some(&serde_dynamo::AttributeValue::N("2".into()))
    );
    // What a Lambda receives is JSON: the shape must be the documented one and read back the same.
    let json = serde_json::to_value(&event).unwrap();
    let first = &json["Records"][0];
    assert_eq!(first["eventSourceARN"], arn.as_str());
    assert_eq!(first["eventSource"], "aws:dynamodb");
    assert_eq!(first["eventName"], "INSERT");
    assert_eq!(first["dynamodb"]["Keys"]["pk"]["S"], "a");
    assert_eq!(first["dynamodb"]["NewImage"]["n"]["N"], "1");
    assert_eq!(first["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
    assert!(first["dynamodb"]["SequenceNumber"].is_string());
    let reread: Event = serde_json::from_value(json).unwrap();
    assert_eq!(reread, event);
}

#[tokio::test]
async fn a_record_that_fails_once_comes_again_and_nothing_after_it_is_skipped() {
    let (endpoint, client, table) = fresh_table("poller-retry").await;
    // Written before the poller starts, so they most likely arrive as one batch of five.
    for n in 1..=5 {
        put(&client, &table, &format!("item-{n}"), n).await;
    }
    // Every delivery in order: (pk, succeeded).
    let deliveries: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let log = Arc::clone(&deliveries);
    let failed_once = Arc::new(Mutex::new(false));
    let poller = spawn(
        &endpoint,
        &table,
        poller::handler(move |event: Event| {
            let mut failures = Vec::new();
            let mut log = log.lock().unwrap();
            let mut failed_once = failed_once.lock().unwrap();
            for record in &event.records {
                let key = pk(record);
                // Like a handler that keeps going after a failure: it reports only the failed
                // record, yet everything after it must be delivered again to keep the order.
                if key == "item-3" && !*failed_once {
                    *failed_once = true;
                    failures.push(record.change.sequence_number.clone().unwrap());
                    log.push((key, false));
                } else {
                    log.push((key, true));
                }
            }
            let response = fail(failures);
            async move { response }
        }),
    );

    let done = eventually(Duration::from_secs(15), || {
        deliveries
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, ok)| k == "item-5" && *ok)
            .count()
            >= 2
    })
    .await;
    let deliveries = deliveries.lock().unwrap().clone();
    assert!(
        done,
        "item-5 was not delivered again after the failure: {deliveries:?}"
    );
    let keys: Vec<&str> = deliveries.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "item-1", "item-2", "item-3", "item-4", "item-5", "item-3", "item-4", "item-5"
        ]
    );
    assert_eq!(deliveries.iter().filter(|(_, ok)| !ok).count(), 1);
    assert!(poller.status().failed_batches() >= 1);
    // Nothing more arrives: the retry was checkpointed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(poller.status().records(), 5);
    poller.stop().await;
}

#[tokio::test]
async fn a_handler_that_panics_gets_the_whole_batch_again() {
    let (endpoint, client, table) = fresh_table("poller-panic").await;
    put(&client, &table, "p-1", 1).await;
    put(&client, &table, "p-2", 2).await;
    let calls = Arc::new(Mutex::new(Vec::<Vec<String>>::new()));
    let log = Arc::clone(&calls);
    let poller = spawn(
        &endpoint,
        &table,
        poller::handler(move |event: Event| {
            let keys: Vec<String> = event.records.iter().map(pk).collect();
            let first = {
                let mut log = log.lock().unwrap();
                log.push(keys);
                log.len() == 1
            };
            async move {
                assert!(!first, "the first call panics (on purpose)");
                DynamoDbEventResponse::default()
            }
        }),
    );
    let done = eventually(Duration::from_secs(10), || calls.lock().unwrap().len() >= 2).await;
    let calls = calls.lock().unwrap().clone();
    assert!(done, "the batch was not delivered again: {calls:?}");
    assert_eq!(calls[0], ["p-1", "p-2"]);
    assert_eq!(calls[1], ["p-1", "p-2"]);
    poller.stop().await;
}

#[tokio::test]
async fn an_unknown_failure_identifier_fails_the_whole_batch() {
    let (endpoint, client, table) = fresh_table("poller-unknown").await;
    put(&client, &table, "u-1", 1).await;
    let calls = Arc::new(Mutex::new(0_u32));
    let count = Arc::clone(&calls);
    let poller = spawn(
        &endpoint,
        &table,
        poller::handler(move |_event: Event| {
            let first = {
                let mut count = count.lock().unwrap();
                *count += 1;
                *count == 1
            };
            let response = if first {
                fail(["no-such-sequence-number".to_owned()])
            } else {
                fail([])
            };
            async move { response }
        }),
    );
    assert!(eventually(Duration::from_secs(10), || *calls.lock().unwrap() >= 2).await);
    assert!(eventually(Duration::from_secs(5), || poller.status().records() == 1).await);
    poller.stop().await;
}

#[tokio::test]
async fn the_poller_waits_for_a_table_created_after_it_started() {
    let endpoint = upline_local::shared_test_endpoint().await;
    let table = upline_local::unique_table_name("poller-late");
    let seen = Arc::new(Mutex::new(0_usize));
    let sink = Arc::clone(&seen);
    let poller = spawn(
        &endpoint,
        &table,
        poller::handler(move |event: Event| {
            *sink.lock().unwrap() += event.records.len();
            async { DynamoDbEventResponse::default() }
        }),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!poller.is_running(), "running without a table");
    let (_, client, _) = crate::support::create_table(&endpoint, &table).await;
    put(&client, &table, "late", 1).await;
    assert!(eventually(Duration::from_secs(10), || *seen.lock().unwrap() == 1).await);
    assert!(poller.is_running());
    poller.stop().await;
}

#[tokio::test]
async fn a_handler_with_futures_that_are_not_send_runs_on_its_own_thread() {
    let (endpoint, client, table) = fresh_table("poller-local").await;
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&seen);
    let handler = poller::on_own_thread("test-handler", move |event: Event| {
        let sink = Arc::clone(&sink);
        async move {
            // An Rc held across an await: this future is not Send.
            let keys = std::rc::Rc::new(event.records.iter().map(pk).collect::<Vec<_>>());
            tokio::task::yield_now().await;
            sink.lock().unwrap().extend(keys.iter().cloned());
            DynamoDbEventResponse::default()
        }
    })
    .unwrap();
    let poller = spawn(&endpoint, &table, handler);
    put(&client, &table, "not-send", 1).await;
    assert!(eventually(Duration::from_secs(10), || !seen.lock().unwrap().is_empty()).await);
    assert_eq!(*seen.lock().unwrap(), ["not-send"]);
    poller.stop().await;
}
