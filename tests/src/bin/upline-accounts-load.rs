//! Accounts figures: how long a login takes (argon2id at OWASP cost, end to end over HTTP, alone
//! and concurrent), and how fast a downline of N partners lists (a `tree` GSI query per page).
//!
//! `cargo run --release -p upline-tests --bin upline-accounts-load -- [partners] [logins]`

// Rates and percentiles of timings, not money.
#![allow(clippy::float_arithmetic)]

use anyhow::{Context, Result, ensure};
use futures::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use upline_contract::PartnerId;
use upline_local::{LocalCloud, LocalConfig};
use upline_store::partners::PartnerRecord;
use upline_tests::{PASSWORD, TestApp};

const FANOUT: usize = 10;
const SEED_CONCURRENCY: usize = 16;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let partners: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let logins: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(40);
    let dynamodb =
        upline_local::DynamoDbLocal::start(upline_local::dynamodb_local::Options::in_memory())
            .await?;
    let table = upline_local::unique_table_name("accounts-load");
    let app = TestApp::from_cloud(
        LocalCloud::start(LocalConfig {
            // The run logs one account in many times over; the product's throttles would
            // refuse it, which is not what this measures.
            limits: unthrottled(),
            ..LocalConfig::new(dynamodb.endpoint(), &table)
        })
        .await?,
    );
    println!("# Upline accounts load: {partners} partners in the downline, {logins} logins\n");
    let tenant = app.create_tenant("accounts-load").await;

    // Logins: one after another (latency), then all at once (what 2 cores sustain).
    let mut alone = Vec::new();
    for _ in 0..logins {
        let started = Instant::now();
        let (status, body) = app
            .login(&tenant, "owner@accounts-load.example", PASSWORD)
            .await;
        ensure!(status.is_success(), "{body}");
        alone.push(started.elapsed());
    }
    println!(
        "login, one at a time: p50 {:?}, p95 {:?}",
        percentile(&mut alone, 50),
        percentile(&mut alone, 95)
    );
    let started = Instant::now();
    let concurrent: Vec<Duration> = futures::stream::iter(0..logins)
        .map(|_| async {
            let started = Instant::now();
            let (status, _) = app
                .login(&tenant, "owner@accounts-load.example", PASSWORD)
                .await;
            assert!(status.is_success());
            started.elapsed()
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut concurrent = concurrent;
    println!(
        "login, 8 at a time: {:.1} logins/s, p50 {:?}, p95 {:?}\n",
        logins as f64 / started.elapsed().as_secs_f64(),
        percentile(&mut concurrent, 50),
        percentile(&mut concurrent, 95)
    );

    // A tree of `partners` under the owner's partner, FANOUT children each, level by level.
    let (status, root) = app
        .post("/v1/program/join", Some(&tenant.token), json!({}))
        .await;
    ensure!(status.is_success(), "{root}");
    let store = app.store();
    let root = store
        .partner(&tenant.id, &PartnerId::from(root["id"].as_str().unwrap()))
        .await?
        .context("the root partner")?;
    let mut records = Vec::with_capacity(partners);
    let mut parents = vec![root.clone()];
    let mut seq = 0;
    while records.len() < partners {
        let mut next = Vec::new();
        for parent in &parents {
            for _ in 0..FANOUT {
                if records.len() + next.len() >= partners {
                    break;
                }
                seq += 1;
                let id = PartnerId(format!("pt_load{seq:08}"));
                next.push(PartnerRecord {
                    tenant_id: tenant.id.clone(),
                    id: id.clone(),
                    user_id: None,
                    name: format!("Partner {seq}"),
                    email: upline_tests::email(&format!("p{seq}@load.example")),
                    referral_code: upline_tests::referral_code_of(seq as u64),
                    external_id: format!("LOAD-{seq}"),
                    ancestors: parent.chain(),
                    status: "active".into(),
                    joined_at: upline_store::Timestamp::now().rfc3339,
                    terms_version: None,
                    terms_accepted_at: None,
                    language: Default::default(),
                });
            }
        }
        records.extend(next.iter().cloned());
        parents = next;
    }
    let started = Instant::now();
    let created: Vec<Result<(), _>> = futures::stream::iter(records.iter())
        .map(|record| store.create_partner(record))
        .buffer_unordered(SEED_CONCURRENCY)
        .collect()
        .await;
    for result in created {
        result?;
    }
    let deepest = records.iter().map(|r| r.depth()).max().unwrap_or(0);
    println!(
        "seeded {partners} partners (depth up to {deepest}) in {:.1} s through the real create transaction",
        started.elapsed().as_secs_f64()
    );

    for limit in [100, 25] {
        let (listed, pages, total, mut page_times) =
            list_all(&app, "/v1/partners?scope=downline", &tenant.token, limit).await?;
        ensure!(listed == partners, "listed {listed} of {partners}");
        println!(
            "downline of {partners}, limit {limit}: {pages} pages in {:.2} s ({:.0} partners/s); a page p50 {:?}, p95 {:?}",
            total.as_secs_f64(),
            listed as f64 / total.as_secs_f64(),
            percentile(&mut page_times, 50),
            percentile(&mut page_times, 95)
        );
    }
    let mid = &records[FANOUT + 3];
    let mid_below = records
        .iter()
        .filter(|r| r.ancestors.contains(&mid.id))
        .count();
    let started = Instant::now();
    let (page, _) = store.downline_page(mid, 100, None).await?;
    println!(
        "a level-2 partner's downline ({mid_below} partners): first page of {} in {:?} (store call)",
        page.len(),
        started.elapsed()
    );
    // Moves: a level-2 partner (under level-1 #0) to level-1 #1, then level-1 #2 under #3.
    for (moved, new_sponsor) in [(mid, &records[1]), (&records[2], &records[3])] {
        let below = records
            .iter()
            .filter(|r| r.ancestors.contains(&moved.id))
            .count();
        let started = Instant::now();
        let (status, body) = app
            .put(
                &format!("/v1/partners/{}/sponsor", moved.id),
                &tenant.token,
                json!({"sponsor_id": new_sponsor.id}),
            )
            .await;
        ensure!(status.is_success(), "move: {body}");
        let elapsed = started.elapsed();
        let after = store
            .partner(&tenant.id, &moved.id)
            .await?
            .context("moved")?;
        let (first, _) = store.downline_page(&after, 100, None).await?;
        ensure!(
            first.iter().all(|p| p.ancestors.contains(&new_sponsor.id)),
            "a partner below did not move"
        );
        println!(
            "moving a partner with its {below} partners under another sponsor: {:?} ({:.0} partners/s)",
            elapsed,
            (below + 1) as f64 / elapsed.as_secs_f64()
        );
    }
    Ok(())
}

/// Lists every page; answers (partners, pages, total time, per-page times).
async fn list_all(
    app: &TestApp,
    path: &str,
    token: &str,
    limit: usize,
) -> Result<(usize, usize, Duration, Vec<Duration>)> {
    let mut cursor: Option<String> = None;
    let (mut listed, mut pages, mut times) = (0, 0, Vec::new());
    let started = Instant::now();
    loop {
        let mut url = format!("{path}&limit={limit}");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page_started = Instant::now();
        let (status, page) = app.get(&url, token).await;
        times.push(page_started.elapsed());
        ensure!(status.is_success(), "{page}");
        listed += page["items"].as_array().map_or(0, Vec::len);
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok((listed, pages, started.elapsed(), times)),
        }
    }
}

fn percentile(times: &mut [Duration], p: usize) -> Duration {
    times.sort();
    times
        .get((times.len() * p / 100).min(times.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

fn unthrottled() -> upline_api::throttle::Limits {
    let many = upline_store::logins::Limit::per_minutes(1_000_000, 1);
    upline_api::throttle::Limits {
        login_per_email_and_client: many,
        login_per_email: many,
        login_per_client: many,
        signups_per_client: many,
        registrations_per_client: many,
        ..Default::default()
    }
}
