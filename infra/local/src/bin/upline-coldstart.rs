//! Cold-start proxy: runs a built Lambda `bootstrap` against a tiny Lambda Runtime API on
//! loopback, N times, and reports exec → ready (its first `GET …/invocation/next`), exec → first
//! response (one `GET /openapi.json` through API Gateway's payload v2), and peak memory (VmHWM).
//!
//! `upline-coldstart <bootstrap> [runs]`

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug)]
enum Signal {
    Ready,
    Responded(u16),
    Failed(String),
}

struct Emulator {
    signals: mpsc::UnboundedSender<Signal>,
    served: std::sync::atomic::AtomicBool,
}

const EVENT: &str = r#"{"version":"2.0","routeKey":"GET /openapi.json","rawPath":"/openapi.json","rawQueryString":"",
"headers":{"accept":"application/json","host":"api.example.com"},
"requestContext":{"accountId":"123456789012","apiId":"api","domainName":"api.example.com","domainPrefix":"api",
"http":{"method":"GET","path":"/openapi.json","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"coldstart"},
"requestId":"cold-1","routeKey":"GET /openapi.json","stage":"$default","time":"24/Nov/2026:00:00:00 +0000","timeEpoch":1795478400000},
"isBase64Encoded":false}"#;

async fn next(State(emulator): State<Arc<Emulator>>) -> (HeaderMap, String) {
    let _ = emulator.signals.send(Signal::Ready);
    if emulator
        .served
        .swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        // One invocation per run: the next poll waits until the process is killed.
        std::future::pending::<()>().await;
    }
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        + Duration::from_secs(30);
    headers.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_static("cold-1"),
    );
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from_str(&deadline.as_millis().to_string())
            .unwrap_or(HeaderValue::from_static("0")),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:eu-central-1:123456789012:function:openapi"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-00000000-000000000000000000000000"),
    );
    (headers, EVENT.to_owned())
}

async fn response(
    State(emulator): State<Arc<Emulator>>,
    Path(_id): Path<String>,
    body: String,
) -> StatusCode {
    let status = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["statusCode"].as_u64())
        .unwrap_or(0);
    let _ = emulator
        .signals
        .send(Signal::Responded(u16::try_from(status).unwrap_or(0)));
    StatusCode::ACCEPTED
}

async fn error(State(emulator): State<Arc<Emulator>>, body: String) -> StatusCode {
    let _ = emulator.signals.send(Signal::Failed(body));
    StatusCode::ACCEPTED
}

/// Peak resident memory of a process, in KiB.
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Run {
    ready: Duration,
    responded: Duration,
    peak_kib: u64,
}

async fn run_once(bootstrap: &str) -> Result<Run> {
    let (signals, mut received) = mpsc::unbounded_channel();
    let emulator = Arc::new(Emulator {
        signals,
        served: std::sync::atomic::AtomicBool::new(false),
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(emulator);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let started = Instant::now();
    let mut child = tokio::process::Command::new(bootstrap)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "openapi")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/openapi")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart")
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_ACCESS_KEY_ID", "cold")
        .env("AWS_SECRET_ACCESS_KEY", "start")
        .env("UPLINE_TABLE", "upline")
        .env(
            "UPLINE_SESSION_KEY",
            "coldstart-session-key-coldstart-session-key",
        )
        .env("UPLINE_ROUTE", "openapi")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {bootstrap}"))?;
    let pid = child.id().unwrap_or_default();
    let mut ready = None;
    let outcome = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(signal) = received.recv().await {
            match signal {
                Signal::Ready if ready.is_none() => ready = Some(started.elapsed()),
                Signal::Ready => {}
                Signal::Responded(status) => return Ok((started.elapsed(), status)),
                Signal::Failed(body) => bail!("the function reported an error: {body}"),
            }
        }
        bail!("the emulator stopped")
    })
    .await
    .context("no response within 10 s")??;
    // Let the runtime come back for the next event, then read its high-water mark.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let peak_kib = peak_memory_kib(pid).unwrap_or(0);
    child.kill().await.ok();
    server.abort();
    let (responded, status) = outcome;
    if status != 200 {
        bail!("GET /openapi.json answered {status}");
    }
    Ok(Run {
        ready: ready.unwrap_or(responded),
        responded,
        peak_kib,
    })
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args
        .next()
        .context("usage: upline-coldstart <bootstrap> [runs]")?;
    let runs: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(20);
    let mut results = Vec::new();
    for _ in 0..runs {
        results.push(run_once(&bootstrap).await?);
    }
    let ready = median(results.iter().map(|r| r.ready).collect());
    let responded = median(results.iter().map(|r| r.responded).collect());
    let peak = results.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    println!("cold start of {bootstrap}, {runs} runs against a local Runtime API:");
    println!("  exec → ready for the first event (median): {ready:?}");
    println!("  exec → first response, GET /openapi.json (median): {responded:?}");
    println!("  peak memory (VmHWM, max of runs): {} KiB", peak);
    Ok(())
}
