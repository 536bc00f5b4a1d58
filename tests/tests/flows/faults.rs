//! The stream path under faults, over many seeded runs.
//!
//! Each run is a program with a chain of partners and a few deals moving through random
//! statuses, written to DynamoDB Local. Its real stream records are then fed to the real stream
//! handler the way a badly behaved event source mapping would:
//! - batches of random size; each record delivered 1–3 times (a lost checkpoint replays a whole
//!   batch, and late duplicates of earlier records arrive out of order);
//! - on a partial failure, resumption from the first failed record; sometimes the batch is
//!   bisected instead;
//! - a "crash" after the handler wrote but before the checkpoint moved: the batch comes again.
//!
//! The handler's DynamoDB client goes through [`FaultyHttp`], which throttles requests,
//! cancels transactions with `TransactionConflict`, and answers 500 to writes that did succeed
//! (the ambiguous commit), all drawn from the run's seed. DynamoDB Local never does any of this.
//!
//! Half the runs' programs hold accruals for some days; release sweeps (two at once, through the
//! same faults) run between the deliveries and after them.
//!
//! After each run: every wallet's `balance + pending` equals the sum of its entries and
//! `balance` the sum of the available ones; every accrual and reversal the pure walk says the
//! deals earn is there exactly once (none lost, none twice), held until the time the walk says;
//! every held entry is released once its time has come; payouts made under the same faults never
//! take a balance below zero.
//!
//! `UPLINE_FAULT_RUNS` sets how many runs (default 60, about 35 s; `make faults` runs 2,000);
//! `UPLINE_FAULT_SEED` replays one run.

use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use upline_contract::{
    Amount, Currency, EntryKind, LevelReward, PartnerId, Plan, Program, Rule, TenantId, Trigger,
};
use upline_domain::{CreditKind, DealLedger, WalkInput, walk};
use upline_local::dynamodb_local;
use upline_store::Store;
use upline_store::deals::{DealRecord, TransitionRecord};
use upline_store::partners::PartnerRecord;
use upline_store::payouts::PayoutRecord;
use upline_store::tenants::TenantRecord;
use upline_stream::StreamHandler;

const STATUSES: [&str; 5] = ["new", "won", "refunded", "won", "lost"];

/// How often each fault is drawn, per request, in thousandths.
#[derive(Clone, Copy, Debug)]
struct FaultRates {
    throttle: u32,
    conflict: u32,
    ambiguous: u32,
    /// A storm: every request fails for a while, longer than the walker's own retries last,
    /// so records fail back to the event source mapping.
    storm: u32,
}

/// What was injected, over all runs.
#[derive(Debug, Default)]
struct Injected {
    requests: AtomicU64,
    throttles: AtomicU64,
    conflicts: AtomicU64,
    storms: AtomicU64,
    ambiguous: AtomicU64,
}

#[derive(Debug)]
struct Faults {
    /// Requests left in the current storm.
    storm_left: Mutex<u32>,
    rng: Mutex<StdRng>,
    rates: Mutex<FaultRates>,
    injected: Arc<Injected>,
}

/// The DynamoDB client's HTTP layer with faults in it.
#[derive(Debug, Clone)]
struct FaultyHttp {
    inner: SharedHttpClient,
    faults: Arc<Faults>,
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    faults: Arc<Faults>,
}

impl HttpClient for FaultyHttp {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            inner: self.inner.http_connector(settings, components),
            faults: Arc::clone(&self.faults),
        })
    }
}

fn dynamodb_error(status: u16, body: &str) -> HttpResponse {
    let mut response =
        HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body.to_owned()));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
}

const THROTTLED: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
const CONFLICT: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]","CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}"#;
const INTERNAL: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}"#;

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_owned();
        let writes = ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"]
            .iter()
            .any(|op| target.ends_with(op));
        let transaction = target.ends_with("TransactWriteItems");
        let (draw, storm_length, rates) = {
            let mut rng = self.faults.rng.lock().unwrap();
            (
                rng.gen_range(0..1000_u32),
                rng.gen_range(10..40_u32),
                *self.faults.rates.lock().unwrap(),
            )
        };
        let injected = &self.faults.injected;
        injected.requests.fetch_add(1, Ordering::Relaxed);
        let in_storm = {
            let mut left = self.faults.storm_left.lock().unwrap();
            if *left == 0 && draw < rates.storm {
                injected.storms.fetch_add(1, Ordering::Relaxed);
                *left = storm_length;
            }
            let in_storm = *left > 0;
            *left = left.saturating_sub(1);
            in_storm
        };
        if in_storm || draw < rates.throttle {
            injected.throttles.fetch_add(1, Ordering::Relaxed);
            return HttpConnectorFuture::ready(Ok(dynamodb_error(400, THROTTLED)));
        }
        if transaction && draw < rates.throttle + rates.conflict {
            injected.conflicts.fetch_add(1, Ordering::Relaxed);
            return HttpConnectorFuture::ready(Ok(dynamodb_error(400, CONFLICT)));
        }
        if writes && draw < rates.throttle + rates.conflict + rates.ambiguous {
            // The write happens; the caller hears that it failed.
            injected.ambiguous.fetch_add(1, Ordering::Relaxed);
            let sent = self.inner.call(request);
            return HttpConnectorFuture::new(async move {
                let _ = sent.await;
                Ok(dynamodb_error(500, INTERNAL))
            });
        }
        self.inner.call(request)
    }
}

/// A store whose every request may fail as above, with the SDK's own retries off so the faults
/// reach our code.
fn faulty_store(endpoint: &str, table: &str, faults: Arc<Faults>) -> Store {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let inner = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .build_https();
    let config = aws_sdk_dynamodb::config::Builder::from(&dynamodb_local::sdk_config(endpoint))
        .http_client(FaultyHttp { inner, faults })
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    Store::new(aws_sdk_dynamodb::Client::from_conf(config), table, sealer())
}

/// One master key for every store of a run, so a secret one seals another opens.
fn sealer() -> upline_store::sealed::Sealer {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    upline_store::sealed::Sealer::local(
        *KEY.get_or_init(upline_store::sealed::Sealer::random_local_key),
    )
}

/// Reads a table's stream from where it last stopped.
struct StreamCursor {
    client: aws_sdk_dynamodbstreams::Client,
    arn: String,
    after: HashMap<String, String>,
}

impl StreamCursor {
    async fn new(endpoint: &str, table: &str) -> StreamCursor {
        let dynamodb = dynamodb_local::dynamodb_client(endpoint);
        let arn = upline_store::schema::stream_arn(&dynamodb, table)
            .await
            .unwrap()
            .expect("the table has a stream");
        StreamCursor {
            client: dynamodb_local::streams_client(endpoint),
            arn,
            after: HashMap::new(),
        }
    }

    /// Every record since the last call, shard by shard in stream order.
    async fn next(&mut self) -> Vec<Record> {
        let described = self
            .client
            .describe_stream()
            .stream_arn(&self.arn)
            .send()
            .await
            .unwrap();
        let shards: Vec<String> = described
            .stream_description()
            .map(|d| d.shards())
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.shard_id().map(str::to_owned))
            .collect();
        let mut records = Vec::new();
        for shard in shards {
            let request = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.arn)
                .shard_id(&shard);
            let request = match self.after.get(&shard) {
                Some(sequence) => request
                    .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                    .sequence_number(sequence),
                None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            };
            let mut iterator = request.send().await.unwrap().shard_iterator;
            while let Some(current) = iterator.take() {
                let page = self
                    .client
                    .get_records()
                    .shard_iterator(current)
                    .send()
                    .await
                    .unwrap();
                let got = page.records();
                if got.is_empty() {
                    break;
                }
                if let Some(last) = got
                    .last()
                    .and_then(|r| r.dynamodb())
                    .and_then(|d| d.sequence_number())
                {
                    self.after.insert(shard.clone(), last.to_owned());
                }
                records.extend(got.iter().cloned());
                iterator = page.next_shard_iterator;
            }
        }
        records
    }
}

/// One run's program: won pays 10 %, 5 % and a fixed 2.00 up three levels; refunds reverse.
fn plan() -> Plan {
    Plan {
        rules: vec![Rule {
            on: Trigger::DealStatus("won".to_owned()),
            levels: vec![
                LevelReward::Percent(Amount(Decimal::TEN)),
                LevelReward::Percent(Amount(Decimal::new(5, 0))),
                LevelReward::Fixed(Amount(Decimal::new(200, 2))),
            ],
            tiers: None,
        }],
    }
}

/// A status a deal entered, and when (unix millis).
type StatusAt = (String, i64);

struct Scenario {
    tenant: TenantId,
    /// Root first.
    partners: Vec<PartnerRecord>,
    /// Per deal: its partner and the statuses it went through (with each transition's time in
    /// unix millis), with the amount.
    deals: Vec<(String, PartnerId, Decimal, Vec<StatusAt>)>,
    hold_days: u32,
}

/// Writes the program, the partners and the deals' transitions (through a client without faults:
/// these are the API's writes, not the stream's).
async fn write_scenario(store: &Store, run: u64, rng: &mut StdRng) -> Scenario {
    let tenant = TenantId::from(format!("tn_fault{run}").as_str());
    let currency: Currency = "EUR".parse().unwrap();
    let now = upline_store::Timestamp::now().rfc3339;
    let hold_days = if rng.gen_bool(0.5) {
        rng.gen_range(1..=30)
    } else {
        0
    };
    let program = Program {
        currency,
        min_payout: Amount::ZERO,
        open_signup: false,
        external_id_template: "P-{seq:05}".to_owned(),
        plan: plan(),
        reversal_statuses: vec!["refunded".to_owned()],
        widget_origins: Vec::new(),
        landing_url: None,
        attribution_window_days: upline_contract::DEFAULT_ATTRIBUTION_WINDOW_DAYS,
        attribution_model: upline_contract::AttributionModel::Last,
        lead_consent_text: None,
        hold_days,
        terms: None,
        staff_two_factor_required: false,
    };
    let mut tx = store.tx();
    tx.put_new_tenant(
        &TenantRecord {
            id: tenant.clone(),
            slug: format!("fault-{run}"),
            name: format!("Fault {run}"),
            currency,
            created_at: now.clone(),
        },
        &program,
    )
    .unwrap();
    store.commit(tx).await.unwrap();
    let depth = rng.gen_range(2..=4);
    let mut partners: Vec<PartnerRecord> = Vec::new();
    for level in 0..depth {
        let ancestors: Vec<PartnerId> = partners.iter().rev().map(|p| p.id.clone()).collect();
        let partner = PartnerRecord {
            tenant_id: tenant.clone(),
            id: PartnerId::from(format!("pt_{run}_{level}").as_str()),
            user_id: None,
            name: format!("Partner {level}"),
            email: upline_tests::email(&format!("p{level}@fault{run}.example")),
            referral_code: upline_tests::referral_code_of(run * 10 + level as u64),
            external_id: format!("P-{run}-{level}"),
            ancestors,
            status: "active".to_owned(),
            joined_at: now.clone(),
            terms_version: None,
            terms_accepted_at: None,
            language: Default::default(),
        };
        let sponsor_path = partners
            .last()
            .map(|s| upline_store::keys::tree_path(&s.ancestors, &s.id));
        let mut tx = store.tx();
        tx.put_new_partner(&partner, sponsor_path.as_deref())
            .unwrap();
        store.commit(tx).await.unwrap();
        partners.push(partner);
    }
    let mut deals = Vec::new();
    for number in 0..rng.gen_range(1..=4) {
        let deal_id = format!("deal-{number}");
        let partner = partners[rng.gen_range(1..partners.len())].id.clone();
        let amount = Decimal::new(rng.gen_range(1_000..50_000), 2);
        let statuses: Vec<String> = (0..rng.gen_range(1..=4))
            .map(|_| STATUSES[rng.gen_range(0..STATUSES.len())].to_owned())
            .collect();
        let mut deal = DealRecord {
            tenant_id: tenant.clone(),
            external_id: deal_id.clone(),
            amount,
            currency,
            status: statuses[0].clone(),
            partner_id: partner.clone(),
            seq: 1,
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        let transition = |deal: &DealRecord, from: Option<String>| TransitionRecord {
            tenant_id: deal.tenant_id.clone(),
            deal_id: deal.external_id.clone(),
            seq: deal.seq,
            from,
            to: deal.status.clone(),
            amount: deal.amount,
            currency,
            partner_id: deal.partner_id.clone(),
            at: upline_store::Timestamp::now(),
            event: None,
        };
        let first = transition(&deal, None);
        store.create_deal(&deal, &first, None, 0).await.unwrap();
        let mut applied = vec![(statuses[0].clone(), first.at.millis)];
        for status in &statuses[1..] {
            if *status == deal.status {
                continue; // the API writes no transition for an unchanged status
            }
            let from = Some(deal.status.clone());
            deal.seq += 1;
            deal.status = status.clone();
            let next = transition(&deal, from);
            store
                .update_deal(&deal, deal.seq - 1, Some(&next), None, 0)
                .await
                .unwrap();
            applied.push((status.clone(), next.at.millis));
        }
        deals.push((deal_id, partner, amount, applied));
    }
    Scenario {
        tenant,
        partners,
        deals,
        hold_days,
    }
}

/// An entry as the walk identifies it: deal, transition, kind, and which of the partner's
/// credits in that transition (a refund of held and released accruals is two).
type EntryKey = (String, u64, &'static str, u8);

/// What the pure walk says each partner's accruals and reversals are, with when each is
/// available (none: at once).
fn expected_entries(
    scenario: &Scenario,
) -> BTreeMap<PartnerId, BTreeMap<EntryKey, (Decimal, Option<i64>)>> {
    let plan = plan();
    let reversal = vec!["refunded".to_owned()];
    let mut expected: BTreeMap<PartnerId, BTreeMap<_, _>> = BTreeMap::new();
    for (deal, partner, amount, statuses) in &scenario.deals {
        let at = scenario
            .partners
            .iter()
            .position(|p| &p.id == partner)
            .unwrap();
        let chain: Vec<PartnerId> = scenario.partners[..=at]
            .iter()
            .rev()
            .map(|p| p.id.clone())
            .collect();
        let mut ledger = DealLedger::default();
        for (index, (status, at_millis)) in statuses.iter().enumerate() {
            let trigger = Trigger::DealStatus(status.clone());
            let outcome = walk(&WalkInput {
                plan: &plan,
                reversal_statuses: &reversal,
                currency: "EUR".parse().unwrap(),
                chain: &chain,
                seq: index as u64 + 1,
                trigger: &trigger,
                amount: *amount,
                ledger: &ledger,
                turnover: &BTreeMap::new(),
                timing: upline_domain::Timing {
                    at_millis: *at_millis,
                    hold_millis: i64::from(scenario.hold_days) * upline_domain::MILLIS_PER_DAY,
                },
            })
            .unwrap();
            for credit in &outcome.credits {
                let kind = match credit.kind {
                    CreditKind::Accrual => "accrual",
                    CreditKind::Reversal => "reversal",
                };
                let of_partner = expected.entry(credit.partner_id.clone()).or_default();
                let seq = index as u64 + 1;
                let part = if of_partner.contains_key(&(deal.clone(), seq, kind, 1)) {
                    2
                } else {
                    1
                };
                of_partner.insert(
                    (deal.clone(), seq, kind, part),
                    (credit.amount, credit.available_at),
                );
            }
            ledger = outcome.ledger;
        }
    }
    expected
}

/// Feeds records to the handler as a misbehaving event source mapping would, until every one
/// has gone through at least once.
async fn deliver(
    handler: &StreamHandler,
    arn: &str,
    records: &[Record],
    rng: &mut StdRng,
    seed: u64,
) {
    let mut queue: Vec<Record> = records.to_vec();
    let mut cap = 10;
    let mut rounds = 0;
    while !queue.is_empty() {
        rounds += 1;
        assert!(rounds < 5_000, "seed {seed}: the stream never drained");
        let size = rng.gen_range(1..=cap.min(queue.len()));
        let batch = &queue[..size];
        let event = upline_local::to_lambda_event(batch, arn);
        let response = handler.handle(event).await;
        let failed: Vec<String> = response
            .batch_item_failures
            .iter()
            .filter_map(|f| f.item_identifier.clone())
            .collect();
        if failed.is_empty() {
            cap = 10;
            // A crash after the writes, before the checkpoint: the batch comes again.
            if rng.gen_bool(0.15) {
                continue;
            }
            queue.drain(..size);
            continue;
        }
        if rng.gen_bool(0.3) && size > 1 {
            // Bisected as after a function error: the first half goes alone next time.
            cap = size / 2;
            continue;
        }
        // Checkpointed up to the first failed record; resume there.
        let first_failed = batch
            .iter()
            .position(|r| {
                r.dynamodb()
                    .and_then(|d| d.sequence_number())
                    .is_some_and(|s| failed.iter().any(|f| f == s))
            })
            .unwrap_or(0);
        queue.drain(..first_failed);
        tokio::task::yield_now().await;
    }
}

async fn entries_by_partner(
    store: &Store,
    scenario: &Scenario,
) -> BTreeMap<PartnerId, Vec<upline_store::wallets::EntryRecord>> {
    let mut all = BTreeMap::new();
    for partner in &scenario.partners {
        all.insert(
            partner.id.clone(),
            store
                .all_entries(&scenario.tenant, &partner.id)
                .await
                .unwrap(),
        );
    }
    all
}

/// Each partner's accruals and reversals are exactly what the pure walk says, each once.
async fn assert_walk_entries(store: &Store, scenario: &Scenario, seed: u64) {
    let expected = expected_entries(scenario);
    let entries = entries_by_partner(store, scenario).await;
    for (partner, entries) in &entries {
        let mut got: BTreeMap<EntryKey, (Decimal, Option<i64>)> = BTreeMap::new();
        for entry in entries {
            let kind = match entry.kind {
                EntryKind::Accrual => "accrual",
                EntryKind::Reversal => "reversal",
                _ => continue,
            };
            let seq: u64 = entry.id.split('_').nth(1).unwrap().parse().unwrap();
            let part = if entry.id.ends_with("~2") { 2 } else { 1 };
            let key = (entry.deal_id.clone().unwrap(), seq, kind, part);
            let available_at = entry.available_at.as_deref().map(|at| {
                let at =
                    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                        .unwrap();
                upline_store::Timestamp::from(at).millis
            });
            assert!(
                got.insert(key.clone(), (entry.amount, available_at))
                    .is_none(),
                "seed {seed}: {partner} has {key:?} twice"
            );
        }
        let want = expected.get(partner).cloned().unwrap_or_default();
        assert_eq!(got, want, "seed {seed}: {partner}'s accruals and reversals");
    }
}

/// One payout as the API makes it — the request (with the partner's one-open-request marker),
/// then paying it (closed and debited in one transaction) — each step retried through the faults
/// like a client retrying a 5xx. A request refused because another is open is given up.
async fn pay_out(store: &Store, tenant: &TenantId, partner: &PartnerId, amount: Decimal, id: &str) {
    let payout = PayoutRecord {
        tenant_id: tenant.clone(),
        partner_id: partner.clone(),
        id: id.to_owned(),
        amount,
        currency: "EUR".to_owned(),
        status: upline_contract::PayoutStatus::Requested,
        created_at: upline_store::Timestamp::now().rfc3339,
        decided_at: None,
        reason: None,
    };
    let mut requested = false;
    for _ in 0..50 {
        let mut tx = store.tx();
        tx.request_payout(&payout).unwrap();
        match store.commit(tx).await {
            Ok(()) => requested = true,
            // Refused: another request is open, or an ambiguous retry of our own that landed.
            Err(upline_store::TxError::Refused(_)) => {
                requested = retried_read(|| store.payout(tenant, partner, id))
                    .await
                    .is_some();
            }
            Err(upline_store::TxError::Store(_)) => {
                tokio::task::yield_now().await;
                continue;
            }
        }
        break;
    }
    if !requested {
        return;
    }
    for _ in 0..50 {
        let mut tx = store.tx();
        tx.pay_payout(&payout, &upline_store::Timestamp::now(), "user:fault-test")
            .unwrap();
        match store.commit(tx).await {
            Ok(()) | Err(upline_store::TxError::Refused(_)) => return,
            Err(upline_store::TxError::Store(_)) => tokio::task::yield_now().await,
        }
    }
}

/// Sweeps at `at` (two at once, through the faults) until a sweep finds nothing left to
/// release and meets no error.
async fn release_all(handler: &StreamHandler, at: time::OffsetDateTime, seed: u64) {
    for _ in 0..50 {
        let (a, b) = futures::join!(handler.sweep_due(at), handler.sweep_due(at));
        if a.released + b.released == 0 && a.release_errors + b.release_errors == 0 {
            return;
        }
    }
    panic!("seed {seed}: held entries were still being released after 50 sweeps");
}

/// A read through the faults, retried until it answers.
async fn retried_read<T, F: std::future::Future<Output = Result<T, upline_store::StoreError>>>(
    read: impl Fn() -> F,
) -> T {
    for _ in 0..50 {
        if let Ok(value) = read().await {
            return value;
        }
        tokio::task::yield_now().await;
    }
    panic!("a read failed 50 times");
}

/// Runs seeds `first..first + count` against one table; returns how many passed.
async fn run_seeds(endpoint: String, first: u64, count: u64, injected: Arc<Injected>) -> u64 {
    let table = dynamodb_local::unique_table_name("upline-faults");
    let clean = Store::new(
        dynamodb_local::dynamodb_client(&endpoint),
        table.clone(),
        sealer(),
    );
    upline_store::schema::create_table(&clean.client, &table)
        .await
        .unwrap();
    let mut cursor = StreamCursor::new(&endpoint, &table).await;
    let faults = Arc::new(Faults {
        rng: Mutex::new(StdRng::seed_from_u64(first)),
        rates: Mutex::new(FaultRates {
            throttle: 0,
            conflict: 0,
            ambiguous: 0,
            storm: 0,
        }),
        storm_left: Mutex::new(0),
        injected,
    });
    let faulty = faulty_store(&endpoint, &table, Arc::clone(&faults));
    let handler = StreamHandler::new(
        faulty.clone(),
        Arc::new(upline_local::LocalOutbox::in_memory()),
    );
    for seed in first..first + count {
        let mut rng = StdRng::seed_from_u64(seed);
        *faults.rng.lock().unwrap() = StdRng::seed_from_u64(seed ^ 0x5eed);
        *faults.storm_left.lock().unwrap() = 0;
        *faults.rates.lock().unwrap() = FaultRates {
            throttle: rng.gen_range(0..150),
            conflict: rng.gen_range(0..150),
            ambiguous: rng.gen_range(0..150),
            storm: rng.gen_range(0..15),
        };
        let scenario = write_scenario(&clean, seed, &mut rng).await;

        // Every record until the stream is quiet (the walk's own writes make more records).
        let mut seen: Vec<Record> = Vec::new();
        loop {
            let records = cursor.next().await;
            if records.is_empty() {
                break;
            }
            deliver(&handler, &cursor.arn, &records, &mut rng, seed).await;
            seen.extend(records);
        }
        // Nothing lost by the faults (before late duplicates could make up for it)…
        assert_walk_entries(&clean, &scenario, seed).await;
        // The hold is over for everything: sometimes two sweeps race before the duplicates.
        let released_at = time::OffsetDateTime::now_utc()
            + time::Duration::days(i64::from(scenario.hold_days) + 1);
        if rng.gen_bool(0.5) {
            futures::join!(
                handler.sweep_due(released_at),
                handler.sweep_due(released_at)
            );
        }
        // Late duplicates: some records once or twice more, in any order.
        let mut late: Vec<Record> = Vec::new();
        for record in &seen {
            for _ in 0..rng.gen_range(0..=2) {
                late.push(record.clone());
            }
        }
        for index in (1..late.len()).rev() {
            late.swap(index, rng.gen_range(0..=index));
        }
        deliver(&handler, &cursor.arn, &late, &mut rng, seed).await;
        // …and nothing applied twice by them.
        assert_walk_entries(&clean, &scenario, seed).await;
        release_all(&handler, released_at, seed).await;

        // Payouts under the same faults: two racing for more than half the balance each.
        let rich = &scenario.partners[scenario.partners.len() - 1].id;
        let balance = clean.wallet(&scenario.tenant, rich).await.unwrap().balance;
        if balance > Decimal::ZERO {
            let share = (balance * Decimal::new(6, 1)).round_dp(2);
            let (first_id, second_id) = (format!("po_a{seed}"), format!("po_b{seed}"));
            futures::join!(
                pay_out(&faulty, &scenario.tenant, rich, share, &first_id),
                pay_out(&faulty, &scenario.tenant, rich, share, &second_id),
            );
        }

        // Every wallet is the sum of its entries, and none is below zero.
        for partner in &scenario.partners {
            let wallet = clean.wallet(&scenario.tenant, &partner.id).await.unwrap();
            let entries = clean
                .all_entries(&scenario.tenant, &partner.id)
                .await
                .unwrap();
            let (sum, available) = upline_tests::entry_sums(&entries);
            assert_eq!(
                wallet.balance + wallet.pending,
                sum,
                "seed {seed}: {}'s balance + pending",
                partner.id
            );
            assert_eq!(
                wallet.balance, available,
                "seed {seed}: {}'s balance",
                partner.id
            );
            assert!(
                entries
                    .iter()
                    .all(|e| e.status == upline_contract::EntryStatus::Available),
                "seed {seed}: {} has an entry still held after its time",
                partner.id
            );
            assert_eq!(
                wallet.entry_count,
                entries.len() as u64,
                "seed {seed}: {}'s count",
                partner.id
            );
            assert!(
                wallet.balance >= Decimal::ZERO,
                "seed {seed}: {} below zero",
                partner.id
            );
            let payouts = entries
                .iter()
                .filter(|e| e.kind == EntryKind::Payout)
                .count();
            assert!(
                payouts <= 1,
                "seed {seed}: two payouts of 60 % both went through"
            );
            // Each debit is a paid request, and at most one request is left open.
            let (requests, _) = clean
                .partner_payouts(&scenario.tenant, &partner.id, 10, None)
                .await
                .unwrap();
            use upline_contract::PayoutStatus;
            let count =
                |status: PayoutStatus| requests.iter().filter(|p| p.status == status).count();
            assert_eq!(
                count(PayoutStatus::Paid),
                payouts,
                "seed {seed}: debits and paid requests"
            );
            assert!(
                count(PayoutStatus::Requested) <= 1,
                "seed {seed}: two requests open"
            );
        }
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallets_stay_exact_through_duplicated_bisected_crashed_throttled_and_conflicting_deliveries()
 {
    let endpoint = dynamodb_local::shared_test_endpoint().await;
    let injected = Arc::new(Injected::default());
    let (first, runs) = match std::env::var("UPLINE_FAULT_SEED") {
        Ok(seed) => (seed.parse().expect("UPLINE_FAULT_SEED is a number"), 1),
        Err(_) => (
            1,
            std::env::var("UPLINE_FAULT_RUNS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(60_u64),
        ),
    };
    let started = Instant::now();
    // Two tables worked in parallel, each with its own stream and handler.
    let half = runs / 2;
    let (a, b) = futures::join!(
        run_seeds(endpoint.clone(), first, half, Arc::clone(&injected)),
        run_seeds(
            endpoint.clone(),
            first + half,
            runs - half,
            Arc::clone(&injected)
        ),
    );
    let elapsed = started.elapsed();
    println!(
        "fault runs: {} passed in {:.1?} ({} ms a run); {} requests, {} throttled, {} transactions cancelled by conflict, {} ambiguous writes, {} storms",
        a + b,
        elapsed,
        elapsed.as_millis() / u128::from((a + b).max(1)),
        injected.requests.load(Ordering::Relaxed),
        injected.throttles.load(Ordering::Relaxed),
        injected.conflicts.load(Ordering::Relaxed),
        injected.ambiguous.load(Ordering::Relaxed),
        injected.storms.load(Ordering::Relaxed),
    );
    assert_eq!(a + b, runs);
    assert!(
        injected.throttles.load(Ordering::Relaxed) > 0
            && injected.ambiguous.load(Ordering::Relaxed) > 0
    );
}
