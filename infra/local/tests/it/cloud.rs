use std::path::PathBuf;
use std::time::Duration;

use upline_local::{LocalCloud, LocalConfig, shared_test_endpoint, unique_table_name};
use upline_stream::outbox::{Deliver, Message};

use crate::support::{create_table, eventually, put};

/// A local cloud on a fresh table. The table is created here (pk/sk + stream) so the test does not
/// depend on the product schema; `LocalCloud::start` finds it and leaves it alone.
async fn start(app_dir: Option<PathBuf>) -> (LocalCloud, aws_sdk_dynamodb::Client) {
    let endpoint = shared_test_endpoint().await;
    let table = unique_table_name("cloud");
    let (_, client, _) = create_table(&endpoint, &table).await;
    let mut config = LocalConfig::new(endpoint, table);
    config.app_dir = app_dir;
    (
        LocalCloud::start(config)
            .await
            .expect("the local cloud starts"),
        client,
    )
}

async fn wait_healthy(cloud: &LocalCloud) -> reqwest::Response {
    let url = format!("{}/healthz", cloud.base_url());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let response = reqwest::get(&url).await.expect("GET /healthz");
        if response.status() == 200 || std::time::Instant::now() >= deadline {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn message(id: &str, to: &str) -> Message {
    Message {
        id: id.into(),
        channel: Some(upline_contract::Channel::Email),
        to: to.into(),
        subject: "Welcome".into(),
        body: "Confirm: /confirm-email?token=abc".into(),
        from_name: None,
        reply_to: None,
        created_at: "2026-11-24T06:00:00Z".into(),
    }
}

#[tokio::test]
async fn healthz_says_ok_once_the_table_exists_and_the_poller_runs() {
    let (cloud, _) = start(None).await;
    let response = wait_healthy(&cloud).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
    cloud.shutdown().await.unwrap();
}

#[tokio::test]
async fn healthz_is_503_until_the_stream_poller_runs() {
    let endpoint = shared_test_endpoint().await;
    // A table without a stream: the poller cannot run.
    let table = unique_table_name("cloud-nostream");
    let client = upline_local::dynamodb_client(&endpoint);
    client
        .create_table()
        .table_name(&table)
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let cloud = LocalCloud::start(LocalConfig::new(endpoint, table))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = reqwest::get(format!("{}/healthz", cloud.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    cloud.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_outbox_endpoint_lists_every_message_sent() {
    let (cloud, _) = start(None).await;
    cloud
        .outbox()
        .deliver(message("m1", "ann@example.com"))
        .await
        .unwrap();
    cloud
        .outbox()
        .deliver(message("m2", "bob@example.com"))
        .await
        .unwrap();

    let all: serde_json::Value = reqwest::get(format!("{}/_local/outbox", cloud.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        all["items"][0],
        serde_json::json!({
            "id": "m1", "channel": "email", "to": "ann@example.com", "subject": "Welcome",
            "body": "Confirm: /confirm-email?token=abc", "created_at": "2026-11-24T06:00:00Z"
        })
    );
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let bob: serde_json::Value = reqwest::get(format!(
        "{}/_local/outbox?to=bob@example.com",
        cloud.base_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(bob["items"].as_array().unwrap().len(), 1);
    assert_eq!(bob["items"][0]["id"], "m2");
    cloud.shutdown().await.unwrap();
}

#[tokio::test]
async fn table_writes_flow_through_the_stream_poller() {
    let (cloud, client) = start(None).await;
    assert_eq!(wait_healthy(&cloud).await.status(), 200);
    put(&client, cloud.table(), "deal#7", 7).await;
    let poller = cloud.poller().unwrap().clone();
    assert!(
        eventually(Duration::from_secs(10), || poller.records() >= 1).await,
        "the stream handler never got the record"
    );
    cloud.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_portal_is_served_with_a_fallback_to_index_html_but_not_for_the_api() {
    let dir = std::env::temp_dir().join(unique_table_name("upline-app-dir"));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Upline</title>",
    )
    .unwrap();
    std::fs::write(dir.join("pkg/upline_app.js"), "export default 1;").unwrap();
    let (cloud, _) = start(Some(dir.clone())).await;
    let base = cloud.base_url();

    let index = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(index.status(), 200);
    // The portal's files run only this origin's scripts and styles, plus its wasm.
    let csp = index.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';") && csp.contains("style-src 'self';"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(index.headers()["x-content-type-options"], "nosniff");
    assert_eq!(index.headers()["referrer-policy"], "no-referrer");
    assert!(
        index
            .text()
            .await
            .unwrap()
            .contains("<title>Upline</title>")
    );
    let client_route = reqwest::get(format!("{base}/partners/p1?tab=deals"))
        .await
        .unwrap();
    assert_eq!(client_route.status(), 200);
    assert!(
        client_route
            .text()
            .await
            .unwrap()
            .contains("<title>Upline</title>")
    );
    let script = reqwest::get(format!("{base}/pkg/upline_app.js"))
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(script.text().await.unwrap(), "export default 1;");

    let api = reqwest::get(format!("{base}/v1/no-such-thing"))
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let post = reqwest::Client::new()
        .post(format!("{base}/partners"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);

    cloud.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let (cloud, _) = start(None).await;
    let base = cloud.base_url();
    assert!(reqwest::get(format!("{base}/healthz")).await.is_ok());
    cloud.shutdown().await.unwrap();
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err());
}

#[tokio::test]
async fn a_restarted_cloud_resumes_the_stream_where_it_stopped() {
    let endpoint = shared_test_endpoint().await;
    let table = unique_table_name("cloud-restart");
    let (_, client, _) = create_table(&endpoint, &table).await;
    let data_dir = std::env::temp_dir().join(unique_table_name("upline-data"));
    let config = LocalConfig {
        data_dir: Some(data_dir.clone()),
        ..LocalConfig::new(endpoint, table.clone())
    };

    let first = LocalCloud::start(config.clone()).await.unwrap();
    put(&client, &table, "before", 1).await;
    let status = first.poller().unwrap().clone();
    assert!(eventually(Duration::from_secs(10), || status.records() == 1).await);
    first.shutdown().await.unwrap();

    let second = LocalCloud::start(config).await.unwrap();
    put(&client, &table, "after", 2).await;
    let status = second.poller().unwrap().clone();
    assert!(eventually(Duration::from_secs(10), || status.records() >= 1).await);
    // Give a replay of "before" time to show up: it must not.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        status.records(),
        1,
        "the restarted poller replayed the stream"
    );
    second.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(data_dir);
}
