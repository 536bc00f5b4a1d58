//! Shared helpers of the upline-local tests.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use upline_local::{dynamodb_client, shared_test_endpoint, unique_table_name};

/// A fresh table (pk/sk strings, stream NEW_AND_OLD_IMAGES) in the shared test DynamoDB Local.
pub async fn fresh_table(prefix: &str) -> (String, aws_sdk_dynamodb::Client, String) {
    let endpoint = shared_test_endpoint().await;
    create_table(&endpoint, &unique_table_name(prefix)).await
}

/// Creates `table` with pk/sk string keys and a NEW_AND_OLD_IMAGES stream.
///
/// Deliberately not `upline_store::schema::create_table`: these tests are about the poller and
/// the local cloud, not about the product's schema, and must not change when the schema does.
pub async fn create_table(
    endpoint: &str,
    table: &str,
) -> (String, aws_sdk_dynamodb::Client, String) {
    let client = dynamodb_client(endpoint);
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .expect("stream specification"),
        )
        .send()
        .await
        .expect("CreateTable");
    (endpoint.to_owned(), client, table.to_owned())
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute definition")
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("key schema")
}

/// PutItem `{pk, sk: "item", n}`.
pub async fn put(client: &aws_sdk_dynamodb::Client, table: &str, pk: &str, n: i64) {
    client
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(pk.to_owned()))
        .item("sk", AttributeValue::S("item".to_owned()))
        .item("n", AttributeValue::N(n.to_string()))
        .send()
        .await
        .expect("PutItem");
}

/// Polls `check` every 25 ms until it holds or `within` passes.
pub async fn eventually(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The stream ARN of a table.
pub async fn stream_arn(client: &aws_sdk_dynamodb::Client, table: &str) -> String {
    client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .expect("DescribeTable")
        .table
        .and_then(|t| t.latest_stream_arn)
        .expect("the table has a stream")
}
