//! The load run: how fast do commissions land, and how close is that to what DynamoDB (Local,
//! on this machine) can do at all?
//!
//! 1. raw: TransactWriteItems of exactly the walk's item shape, no reads, same concurrency;
//! 2. walk: N deal transitions already in the table, then the real poller + stream handler
//!    drain them; deals/s from start to the last commission, and requests per deal;
//! 3. release: 10,000 held entries due now, released by the real sweep; time and requests per
//!    entry;
//! 4. end to end: N deals pushed over HTTP to a running local cloud until every commission lands.
//!
//! `cargo run --release -p upline-tests --bin upline-load -- [deals] [concurrency]`

// Rates and ratios of timings, not money.
#![allow(clippy::float_arithmetic)]

use anyhow::{Context, Result, ensure};
use futures::StreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use upline_contract::PartnerId;
use upline_local::{LocalCloud, LocalConfig, requests};
use upline_store::deals::{DealRecord, TransitionRecord};
use upline_store::{Store, Timestamp};
use upline_tests::{TestApp, TestTenant};

const LEVELS: usize = 3;
const CHAINS: usize = 20;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let deals: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(500);
    let concurrency: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(16);
    let dynamodb = match std::env::var(upline_local::dynamodb_local::TEST_ENDPOINT_ENV) {
        Ok(_) => None,
        Err(_) => Some(
            upline_local::DynamoDbLocal::start(upline_local::dynamodb_local::Options::in_memory())
                .await?,
        ),
    };
    let endpoint = match &dynamodb {
        Some(local) => local.endpoint().to_owned(),
        None => upline_local::shared_test_endpoint().await,
    };
    println!(
        "# Upline load run: {deals} deals, {LEVELS}-level plan, {CHAINS} chains, concurrency {concurrency}\n"
    );

    let raw = raw_transactions(&endpoint, deals, concurrency).await?;
    println!(
        "raw TransactWriteItems, walk shape ({} actions): {:.0} tx/s",
        1 + 3 * LEVELS,
        raw
    );

    let reads = raw_reads(&endpoint, deals, concurrency).await?;
    println!("raw BatchGetItem, walk shape (4 keys, consistent): {reads:.0} req/s");
    let bound = 1.0 / (1.0 / raw + 1.0 / reads);
    println!("one read + one transaction per deal, back to back, at most: {bound:.0} deals/s\n");

    let (walk_rate, walk_requests) = walk_drain(&endpoint, deals).await?;
    println!("walk (stream handler drains {deals} transitions): {walk_rate:.0} deals/s");
    print_requests(&walk_requests, deals);
    println!(
        "ratio walk / raw transactions: {:.2}; walk / (read + transaction) bound: {:.2}\n",
        walk_rate / raw,
        walk_rate / bound
    );

    let (took, release_requests) = release_sweep(&endpoint, RELEASED_ENTRIES).await?;
    println!(
        "release sweep over {RELEASED_ENTRIES} due entries ({ENTRIES_PER_WALLET} per wallet): {took:.1?}, {:.0} entries/s",
        RELEASED_ENTRIES as f64 / took.as_secs_f64()
    );
    print_requests_per(&release_requests, RELEASED_ENTRIES, "entry");
    println!();

    let (e2e_rate, e2e_requests, first_landing) = end_to_end(&endpoint, deals, concurrency).await?;
    println!(
        "end to end over HTTP (PUT → stream → wallets): {e2e_rate:.0} deals/s; one deal alone lands in {first_landing:?}"
    );
    print_requests(&e2e_requests, deals);
    Ok(())
}

fn print_requests(counts: &BTreeMap<String, u64>, deals: usize) {
    print_requests_per(counts, deals, "deal");
}

fn print_requests_per(counts: &BTreeMap<String, u64>, units: usize, unit: &str) {
    let total: u64 = counts.values().sum();
    let per_op: Vec<String> = counts
        .iter()
        .map(|(op, n)| format!("{op} {:.3}", *n as f64 / units as f64))
        .collect();
    println!(
        "  DynamoDB requests per {unit}: {:.3} ({})",
        total as f64 / units as f64,
        per_op.join(", ")
    );
}

const RELEASED_ENTRIES: usize = 10_000;
const ENTRIES_PER_WALLET: usize = 10;

/// `count` held entries due now, `ENTRIES_PER_WALLET` to a wallet, written straight to a fresh
/// table (BatchWriteItem, not counted); then the real sweep releases them all.
async fn release_sweep(endpoint: &str, count: usize) -> Result<(Duration, BTreeMap<String, u64>)> {
    use upline_store::item::ItemBuilder;
    use upline_store::keys;
    let table = upline_local::unique_table_name("load-release");
    let cloud = LocalCloud::start(LocalConfig::new(endpoint, &table)).await?;
    let app = TestApp::from_cloud(cloud);
    let store = app.store();
    app.cloud.shutdown().await?;
    let tenant = upline_contract::TenantId::from("tn_release");
    let due = Timestamp::now().millis - 1_000;
    let mut items = Vec::new();
    for wallet in 0..count.div_ceil(ENTRIES_PER_WALLET) {
        let partner = PartnerId::from(format!("pt_release{wallet}").as_str());
        let entries = ENTRIES_PER_WALLET.min(count - wallet * ENTRIES_PER_WALLET);
        for e in 0..entries {
            let at = due - e as i64;
            let id = keys::walk_entry_id(at, 1, &format!("deal-{wallet}-{e}"));
            let key = keys::entry(&tenant, &partner, &id);
            let entry = ItemBuilder::new(&key, "entry")
                .s("tenant_id", tenant.as_str())
                .s("partner_id", partner.as_str())
                .s("kind", "accrual")
                .n("amount", "1.00")
                .s("currency", "EUR")
                .s("created_at", Timestamp::from_millis(at).rfc3339);
            items.push(upline_store::releases::held(entry, &key, at).build());
        }
        items.push(
            ItemBuilder::new(&keys::wallet(&tenant, &partner), "wallet")
                .s("tenant_id", tenant.as_str())
                .s("partner_id", partner.as_str())
                .s("currency", "EUR")
                .n("balance", 0)
                .n("pending", entries)
                .n("entry_count", entries)
                .build(),
        );
    }
    let writer = aws_sdk_dynamodb::Client::new(&upline_local::sdk_config(endpoint));
    let batches = items.chunks(25).map(|chunk| {
        let (writer, table) = (writer.clone(), table.clone());
        let mut requests: Vec<aws_sdk_dynamodb::types::WriteRequest> = chunk
            .iter()
            .map(|item| {
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .put_request(
                        aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .expect("an item"),
                    )
                    .build()
            })
            .collect();
        async move {
            while !requests.is_empty() {
                let output = writer
                    .batch_write_item()
                    .request_items(&table, std::mem::take(&mut requests))
                    .send()
                    .await?;
                requests = output
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&table))
                    .unwrap_or_default();
            }
            Ok::<_, anyhow::Error>(())
        }
    });
    futures::stream::iter(batches)
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>>>()?;

    let handler = upline_stream::StreamHandler::new(
        store.clone(),
        Arc::new(upline_local::LocalOutbox::in_memory()),
    );
    let before = requests::snapshot();
    let started = Instant::now();
    let mut released = 0;
    while released < count {
        let report = handler.sweep_due(time::OffsetDateTime::now_utc()).await;
        ensure!(report.errors == 0, "the sweep met {} errors", report.errors);
        ensure!(report.released > 0, "only {released} of {count} released");
        released += report.released;
    }
    let took = started.elapsed();
    let left = store
        .wallet(&tenant, &PartnerId::from("pt_release0"))
        .await?;
    ensure!(
        left.pending.is_zero() && left.balance == Decimal::from(ENTRIES_PER_WALLET as u64),
        "a released wallet reads {left:?}"
    );
    Ok((took, requests::since(&before)))
}

/// A tenant with the load plan and `CHAINS` chains of `LEVELS` partners; returns the leaves.
async fn setup(app: &TestApp, slug: &str) -> (TestTenant, Vec<Vec<PartnerId>>) {
    let tenant = app.create_tenant(slug).await;
    app.use_three_level_plan(&tenant).await;
    let mut chains = Vec::new();
    for c in 0..CHAINS {
        let names: Vec<String> = (0..LEVELS).map(|l| format!("c{c}l{l}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        chains.push(app.create_chain(&tenant, &names).await);
    }
    (tenant, chains)
}

async fn raw_transactions(endpoint: &str, count: usize, concurrency: usize) -> Result<f64> {
    use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
    use upline_store::item::{ItemBuilder, key_item, n, s};
    use upline_store::keys;
    let client = upline_local::dynamodb_client(endpoint);
    let table = upline_local::unique_table_name("load-raw");
    upline_store::schema::create_table(&client, &table).await?;
    let tenant = upline_contract::TenantId::from("tn_raw");
    let build = |i: usize| -> Result<Vec<TransactWriteItem>> {
        let deal = format!("raw-{i}");
        let chain: Vec<PartnerId> = (0..LEVELS)
            .map(|l| PartnerId(format!("c{}l{l}", i % CHAINS)))
            .collect();
        let state = Update::builder()
            .table_name(&table)
            .set_key(Some(key_item(&keys::deal_walk(&tenant, &deal))))
            .update_expression("SET applied_seq = :seq, ledger = :ledger, entity = :e")
            .condition_expression("attribute_not_exists(applied_seq)")
            .expression_attribute_values(":seq", n(1))
            .expression_attribute_values(":ledger", s("{\"applied_seq\":1,\"lines\":[{\"seq\":1,\"partner_id\":\"pt_01jxyzxyzxyzxyzxyzxyzxyzxy\",\"kind\":\"accrual\",\"level\":1,\"rule\":\"deal_status:won\",\"amount\":\"10.00\"}],\"earned\":{}}"))
            .expression_attribute_values(":e", s("deal_walk"))
            .build()?;
        let mut actions = vec![TransactWriteItem::builder().update(state).build()];
        for (level, partner) in chain.iter().enumerate() {
            let entry = ItemBuilder::new(
                &keys::entry(
                    &tenant,
                    partner,
                    &keys::walk_entry_id(1_764_000_000_000, 1, &deal),
                ),
                "entry",
            )
            .s("partner_id", partner.as_str())
            .s("kind", "accrual")
            .n("amount", "10.00")
            .s("deal_id", &deal)
            .n("level", level + 1)
            .s("rule", "deal_status:won")
            .build();
            let outbox = ItemBuilder::new(
                &keys::outbox(&tenant, &format!("{deal}-{level}")),
                "outbox-raw",
            )
            .s("partner_id", partner.as_str())
            .n("amount", "10.00")
            .s("status", "pending")
            .build();
            let wallet = Update::builder()
                .table_name(&table)
                .set_key(Some(key_item(&keys::wallet(&tenant, partner))))
                .update_expression("SET currency = :c ADD balance :a, entry_count :one")
                .expression_attribute_values(":c", s("EUR"))
                .expression_attribute_values(":a", n("10.00"))
                .expression_attribute_values(":one", n(1))
                .build()?;
            for item in [entry, outbox] {
                actions.push(
                    TransactWriteItem::builder()
                        .put(
                            Put::builder()
                                .table_name(&table)
                                .set_item(Some(item))
                                .condition_expression("attribute_not_exists(pk)")
                                .build()?,
                        )
                        .build(),
                );
            }
            actions.push(TransactWriteItem::builder().update(wallet).build());
        }
        Ok(actions)
    };
    let transactions = (0..count).map(build).collect::<Result<Vec<_>>>()?;
    let per_worker = count.div_ceil(concurrency);
    let started = Instant::now();
    let mut workers = Vec::new();
    for chunk in transactions.chunks(per_worker) {
        let (client, chunk) = (client.clone(), chunk.to_vec());
        workers.push(tokio::spawn(async move {
            for actions in chunk {
                client
                    .transact_write_items()
                    .set_transact_items(Some(actions))
                    .send()
                    .await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// The walk's read, alone: program, partner, walk state and wallet of existing items.
async fn raw_reads(endpoint: &str, count: usize, concurrency: usize) -> Result<f64> {
    let table = upline_local::unique_table_name("load-read");
    let app = TestApp::from_cloud(LocalCloud::start(LocalConfig::new(endpoint, &table)).await?);
    let (tenant, chains) = setup(&app, "load-read").await;
    let store = app.store();
    app.cloud.shutdown().await?;
    let per_worker = count.div_ceil(concurrency);
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (store, tenant, chains) = (store.clone(), tenant.id.clone(), chains.clone());
        workers.push(tokio::spawn(async move {
            for i in (w * per_worker..(w + 1) * per_worker).take_while(|i| *i < count) {
                let leaf = &chains[i % CHAINS][LEVELS - 1];
                store
                    .walk_context(&tenant, &format!("read-{i}"), leaf)
                    .await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Writes N transitions with no poller running, then drains them with the real one.
async fn walk_drain(endpoint: &str, count: usize) -> Result<(f64, BTreeMap<String, u64>)> {
    let table = upline_local::unique_table_name("load-walk");
    let cloud = LocalCloud::start(LocalConfig::new(endpoint, &table)).await?;
    let app = TestApp::from_cloud(cloud);
    let (tenant, chains) = setup(&app, "load-walk").await;
    let store = app.store();
    app.cloud.shutdown().await?;

    let now = Timestamp::now();
    let writes = (0..count).map(|i| {
        let store = store.clone();
        let deal = DealRecord {
            tenant_id: tenant.id.clone(),
            external_id: format!("walk-{i}"),
            amount: Decimal::new(10_000, 2),
            currency: "EUR".parse().expect("EUR"),
            status: "won".into(),
            partner_id: chains[i % CHAINS][LEVELS - 1].clone(),
            seq: 1,
            created_at: now.rfc3339.clone(),
            updated_at: now.rfc3339.clone(),
        };
        let transition = TransitionRecord {
            tenant_id: deal.tenant_id.clone(),
            deal_id: deal.external_id.clone(),
            seq: 1,
            from: None,
            to: "won".into(),
            amount: deal.amount,
            currency: deal.currency,
            partner_id: deal.partner_id.clone(),
            at: now.clone(),
            event: None,
        };
        async move { store.create_deal(&deal, &transition, None, 0).await }
    });
    futures::future::try_join_all(writes).await?;

    let before = requests::snapshot();
    let started = Instant::now();
    let handler = Arc::new(upline_stream::StreamHandler::new(
        store.clone(),
        Arc::new(upline_local::LocalOutbox::in_memory()),
    ));
    let poller = upline_local::Poller::spawn(
        upline_local::dynamodb_client(endpoint),
        upline_local::streams_client(endpoint),
        upline_local::PollerConfig::new(table.clone()),
        upline_local::poller::handler(move |event| {
            let handler = Arc::clone(&handler);
            async move { handler.handle(event).await }
        }),
    );
    let leaves: Vec<PartnerId> = chains.iter().map(|c| c[LEVELS - 1].clone()).collect();
    let elapsed = wait_until_landed(endpoint, &table, &tenant, &leaves, count, started).await?;
    let status = poller.status();
    println!(
        "  poller: {} batches, {} records, {} failed batches",
        status.batches(),
        status.records(),
        status.failed_batches()
    );
    poller.stop().await;
    Ok((
        count as f64 / elapsed.as_secs_f64(),
        requests::since(&before),
    ))
}

/// Waits until the level-1 wallets hold 10.00 per deal; returns the time since `started`.
/// One BatchGetItem every 100 ms, so watching barely loads the table being measured.
async fn wait_until_landed(
    endpoint: &str,
    table: &str,
    tenant: &TestTenant,
    leaves: &[PartnerId],
    count: usize,
    started: Instant,
) -> Result<Duration> {
    // Its own client, left out of the request counts.
    let store = Store::new(
        aws_sdk_dynamodb::Client::new(&upline_local::sdk_config(endpoint)),
        table,
        // It reads balances only, never a sealed secret.
        upline_store::sealed::Sealer::local(upline_store::sealed::Sealer::random_local_key()),
    );
    let expected = Decimal::new(1000, 2) * Decimal::from(count as u64);
    loop {
        let total: Decimal = store
            .balances(&tenant.id, leaves)
            .await?
            .iter()
            .map(|(_, balance)| balance)
            .sum();
        if total == expected {
            return Ok(started.elapsed());
        }
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {total} of {expected} landed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn end_to_end(
    endpoint: &str,
    count: usize,
    concurrency: usize,
) -> Result<(f64, BTreeMap<String, u64>, Duration)> {
    let table = upline_local::unique_table_name("load-e2e");
    let app = TestApp::from_cloud(LocalCloud::start(LocalConfig::new(endpoint, &table)).await?);
    let (tenant, chains) = setup(&app, "load-e2e").await;
    let leaves: Vec<PartnerId> = chains.iter().map(|c| c[LEVELS - 1].clone()).collect();

    // One deal alone: how long until its commission is visible.
    let started = Instant::now();
    let (status, body) = app
        .put_deal(&tenant, "single", "100.00", "won", &leaves[0])
        .await;
    ensure!(status.is_success(), "{body}");
    let first = wait_until_landed(endpoint, &table, &tenant, &leaves, 1, started).await?;

    let before = requests::snapshot();
    let started = Instant::now();
    let app = Arc::new(app);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (app, next, tenant_token, leaves) = (
            Arc::clone(&app),
            Arc::clone(&next),
            tenant.token.clone(),
            leaves.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, anyhow::Error>(());
                }
                let body =
                    json!({"amount": "100.00", "status": "won", "partner_id": leaves[i % CHAINS]});
                let (status, answer) = app
                    .put(&format!("/v1/deals/e2e-{i}"), &tenant_token, body)
                    .await;
                ensure!(status.is_success(), "deal {i}: {answer}");
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let pushed = started.elapsed();
    let elapsed = wait_until_landed(endpoint, &table, &tenant, &leaves, count + 1, started)
        .await
        .context("commissions landing")?;
    println!(
        "  ({count} PUTs took {pushed:?}; the last commission landed {:?} after the last PUT)",
        elapsed - pushed
    );
    Ok((
        count as f64 / elapsed.as_secs_f64(),
        requests::since(&before),
        first,
    ))
}
