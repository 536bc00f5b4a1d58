use std::io::BufRead;
use std::time::Duration;

use upline_local::DynamoDbLocal;
use upline_local::dynamodb_local::{Options, dynamodb_client};

async fn answers(endpoint: &str) -> bool {
    let endpoint = endpoint.trim_start_matches("http://").to_owned();
    tokio::net::TcpStream::connect(endpoint).await.is_ok()
}

async fn stops_answering(endpoint: &str) -> bool {
    for _ in 0..100 {
        if !answers(endpoint).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn dropping_the_handle_stops_dynamodb_local() {
    let dynamodb = DynamoDbLocal::start(Options::in_memory()).await.unwrap();
    let endpoint = dynamodb.endpoint().to_owned();
    dynamodb_client(&endpoint)
        .list_tables()
        .send()
        .await
        .expect("it answers once started");
    drop(dynamodb);
    assert!(
        stops_answering(&endpoint).await,
        "still answering on {endpoint}"
    );
}

#[tokio::test]
async fn a_data_dir_keeps_tables_across_restarts() {
    let dir = std::env::temp_dir().join(upline_local::unique_table_name("upline-ddb"));
    let first = DynamoDbLocal::start(Options::persistent(&dir))
        .await
        .unwrap();
    crate::support::create_table(first.endpoint(), "kept").await;
    first.stop();

    let second = DynamoDbLocal::start(Options::persistent(&dir))
        .await
        .unwrap();
    let tables = dynamodb_client(second.endpoint())
        .list_tables()
        .send()
        .await
        .unwrap();
    assert_eq!(tables.table_names(), ["kept"]);
    second.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn dynamodb_local_dies_with_the_process_that_started_it() {
    let mut helper = std::process::Command::new(env!("CARGO_BIN_EXE_upline-dynamodb-local"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = helper.stdout.take().unwrap();
    let endpoint = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        line.trim().to_owned()
    })
    .await
    .unwrap();
    assert!(
        endpoint.starts_with("http://127.0.0.1:"),
        "no endpoint printed: {endpoint:?}"
    );
    assert!(answers(&endpoint).await);

    // SIGKILL: no destructor runs, only PDEATHSIG can take the JVM down.
    helper.kill().unwrap();
    helper.wait().unwrap();
    assert!(
        stops_answering(&endpoint).await,
        "DynamoDB Local outlived its parent on {endpoint}"
    );
}
