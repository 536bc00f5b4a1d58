//! `upline-dynamodb-local [-- COMMAND ARGS...]`: one in-memory DynamoDB Local for a test run.
//!
//! With a command: starts DynamoDB Local, runs the command with `UPLINE_TEST_DYNAMODB_ENDPOINT`
//! set, stops DynamoDB Local and exits with the command's status (`make test` runs
//! `cargo nextest run` this way: nextest runs every test in its own process, which would otherwise
//! start one JVM per test). Without one: prints the endpoint on stdout and runs until Ctrl-C or
//! SIGTERM.
//!
//! DynamoDB Local dies with this process whatever happens (Drop, and PDEATHSIG if we are killed).

use anyhow::Context;
use upline_local::dynamodb_local::{DynamoDbLocal, Options, TEST_ENDPOINT_ENV};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command: Vec<String> = match args.next().as_deref() {
        None => Vec::new(),
        Some("--") => args.collect(),
        Some(other) => {
            anyhow::bail!("usage: upline-dynamodb-local [-- COMMAND ARGS...] (got {other})")
        }
    };
    let dynamodb = DynamoDbLocal::start(Options::in_memory()).await?;
    if command.is_empty() {
        println!("{}", dynamodb.endpoint());
        eprintln!(
            "DynamoDB Local (in memory) on {}; Ctrl-C stops it",
            dynamodb.endpoint()
        );
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        dynamodb.stop();
        return Ok(());
    }
    eprintln!(
        "DynamoDB Local (in memory) on {} for: {}",
        dynamodb.endpoint(),
        command.join(" ")
    );
    let status = tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .env(TEST_ENDPOINT_ENV, dynamodb.endpoint())
        .status()
        .await
        .with_context(|| format!("running {}", command[0]));
    dynamodb.stop();
    let status = status?;
    std::process::exit(status.code().unwrap_or(1));
}
