//! Front-door figures through the local cloud: widget leads (`POST /v1/public/leads`) one at a
//! time and concurrently, p50/p95; clicks per second one client address gets through before
//! the throttle answers, and how fast the throttle's 429s come once it does.
//!
//! `cargo run --release -p upline-tests --bin upline-front-door-load -- [leads] [concurrency]`

// Rates and percentiles of timings, not money.
#![allow(clippy::float_arithmetic)]

use anyhow::{Result, ensure};
use futures::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use upline_local::{LocalCloud, LocalConfig};
use upline_tests::TestApp;

const SITE: &str = "http://shop.localhost:4000";
const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36";

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let leads: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(400);
    let concurrency: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(16);
    let dynamodb =
        upline_local::DynamoDbLocal::start(upline_local::dynamodb_local::Options::in_memory())
            .await?;
    println!("# Upline front-door load: {leads} widget leads, concurrency {concurrency}\n");

    // Leads and the clicks' own speed, with the per-address throttles out of the way (one
    // address sends everything here).
    let many = upline_store::logins::Limit::per_minutes(1_000_000, 1);
    let open = TestApp::from_cloud(
        LocalCloud::start(LocalConfig {
            limits: upline_api::throttle::Limits {
                public_clicks_per_client: many,
                public_leads_per_client: many,
                ..Default::default()
            },
            ..LocalConfig::new(
                dynamodb.endpoint(),
                upline_local::unique_table_name("front-door"),
            )
        })
        .await?,
    );
    let code = program(&open, "front-door").await;
    let lead = |i: usize| {
        json!({"program": "front-door", "referral_code": code, "name": format!("Lead {i}"),
               "email": format!("lead{i}@load.example"), "consent": true})
    };
    let mut alone = Vec::new();
    for i in 0..leads / 4 {
        let started = Instant::now();
        let status = send(&open, "/v1/public/leads", lead(i)).await;
        ensure!(status == 201, "lead: {status}");
        alone.push(started.elapsed());
    }
    println!(
        "public lead, one at a time: p50 {:?}, p95 {:?}",
        percentile(&mut alone, 50),
        percentile(&mut alone, 95)
    );
    let started = Instant::now();
    let mut together: Vec<Duration> = futures::stream::iter(0..leads)
        .map(|i| {
            let body = lead(leads + i);
            let open = &open;
            async move {
                let started = Instant::now();
                let status = send(open, "/v1/public/leads", body).await;
                assert_eq!(status, 201);
                started.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let rate = leads as f64 / started.elapsed().as_secs_f64();
    println!(
        "public lead, {concurrency} at once: {rate:.0} leads/s, p50 {:?}, p95 {:?}",
        percentile(&mut together, 50),
        percentile(&mut together, 95)
    );
    let click = json!({"program": "front-door", "referral_code": code});
    let clicks = leads;
    let started = Instant::now();
    let accepted = futures::stream::iter(0..clicks)
        .map(|_| send(&open, "/v1/public/clicks", click.clone()))
        .buffer_unordered(concurrency)
        .filter(|s| std::future::ready(*s == 202))
        .count()
        .await;
    ensure!(accepted == clicks, "{accepted} of {clicks} clicks accepted");
    println!(
        "clicks, unthrottled: {:.0} clicks/s",
        clicks as f64 / started.elapsed().as_secs_f64()
    );

    // The product's limits: one address gets its 30 a minute, then 429s.
    let limited = TestApp::from_cloud(
        LocalCloud::start(LocalConfig::new(
            dynamodb.endpoint(),
            upline_local::unique_table_name("front-door-limited"),
        ))
        .await?,
    );
    let code = program(&limited, "limited").await;
    let click = json!({"program": "limited", "referral_code": code});
    let started = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(0..clicks)
        .map(|_| send(&limited, "/v1/public/clicks", click.clone()))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let counted = statuses.iter().filter(|s| **s == 202).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    println!(
        "clicks from one address at the product's limit: {counted} counted, {refused} answered 429, {:.0} answers/s",
        clicks as f64 / elapsed
    );
    Ok(())
}

async fn program(app: &TestApp, slug: &str) -> String {
    let tenant = app.create_tenant(slug).await;
    let (status, _) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"widget_origins": [SITE], "plan": {"rules": [{"on": {"event": "lead_created"}, "levels": [{"fixed": "1.00"}]}]}}),
        )
        .await;
    assert!(status.is_success());
    let partner = app.create_partner(&tenant, "Loader", None).await;
    let (_, view) = app
        .get(&format!("/v1/partners/{partner}"), &tenant.token)
        .await;
    view["referral_code"].as_str().unwrap().to_owned()
}

async fn send(app: &TestApp, path: &str, body: serde_json::Value) -> u16 {
    app.http
        .post(format!("{}{path}", app.base))
        .header("origin", SITE)
        .header("user-agent", BROWSER)
        .json(&body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn percentile(times: &mut [Duration], p: usize) -> Duration {
    times.sort();
    times
        .get((times.len() * p / 100).min(times.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}
