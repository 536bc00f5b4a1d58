//! Test support: a local cloud per test (its own table on a shared DynamoDB Local), an HTTP
//! client that speaks the API, and direct reads of the table and its stream for assertions.

pub mod browser;
pub mod routes;
pub mod two_factor;

use anyhow::{Context, Result};
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use upline_contract::{PartnerId, TenantId};
use upline_local::LocalCloud;
use upline_store::Store;

pub use reqwest::StatusCode;

pub struct TestApp {
    pub cloud: LocalCloud,
    pub http: reqwest::Client,
    pub base: String,
}

/// A tenant created through the API, with its owner's token.
pub struct TestTenant {
    pub id: TenantId,
    pub slug: String,
    pub token: String,
}

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

/// The smallest document that passes for a PDF.
pub const TINY_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A valid referral code made of a number (unique per number): for partners written straight
/// to the store.
pub fn referral_code_of(number: u64) -> upline_domain::validate::ReferralCode {
    let mut rest = number;
    upline_domain::membership::draw_referral_code(|n| {
        let digit = rest % n as u64;
        rest /= n as u64;
        digit as usize
    })
}

/// A valid address, for partners written straight to the store.
pub fn email(address: &str) -> upline_domain::validate::Email {
    upline_domain::validate::Email::parse(address).expect("an email address")
}

/// The sum of a wallet's entries, and of its available ones: what `balance + pending` and
/// `balance` must be.
pub fn entry_sums(entries: &[upline_store::wallets::EntryRecord]) -> (Decimal, Decimal) {
    let sum = entries.iter().map(|e| e.amount).sum();
    let available = entries
        .iter()
        .filter(|e| e.status == upline_contract::EntryStatus::Available)
        .map(|e| e.amount)
        .sum();
    (sum, available)
}

pub fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal literal")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::from_cloud(
            LocalCloud::start_for_test()
                .await
                .expect("the local cloud starts"),
        )
    }

    /// A local cloud whose throttles are `limits` instead of the product's.
    pub async fn spawn_with_limits(limits: upline_api::throttle::Limits) -> TestApp {
        TestApp::from_cloud(
            LocalCloud::start_for_test_with(limits)
                .await
                .expect("the local cloud starts"),
        )
    }

    pub fn from_cloud(cloud: LocalCloud) -> TestApp {
        let base = cloud.base_url();
        TestApp {
            cloud,
            http: reqwest::Client::new(),
            base,
        }
    }

    pub fn store(&self) -> Store {
        Store::new(
            upline_local::dynamodb_client(self.cloud.dynamodb_endpoint()),
            self.cloud.table(),
            self.cloud.sealer(),
        )
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the local cloud answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.request(reqwest::Method::PUT, path, Some(token), Some(body))
            .await
    }

    /// A request with a raw body (e.g. a PDF); answers status, content type and bytes.
    pub async fn send_bytes(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the local cloud answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A GET that answers raw bytes with their content type.
    pub async fn get_bytes(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, String, Vec<u8>) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the local cloud answers");
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            content_type,
            response.bytes().await.unwrap_or_default().to_vec(),
        )
    }

    pub async fn login(
        &self,
        tenant: &TestTenant,
        email: &str,
        password: &str,
    ) -> (StatusCode, Value) {
        self.post(
            "/v1/auth/login",
            None,
            json!({"tenant": tenant.slug, "email": email, "password": password}),
        )
        .await
    }

    /// Registers with a referral code, confirms the email from the outbox and returns the
    /// session token and the new partner.
    pub async fn register_confirmed(
        &self,
        tenant: &TestTenant,
        name: &str,
        referral_code: &str,
    ) -> (String, Value) {
        let email = format!("{}@people.example", name.to_lowercase());
        let (status, body) = self
            .post(
                "/v1/auth/register",
                None,
                json!({"tenant": tenant.slug, "email": email, "password": PASSWORD, "name": name,
                       "accept_terms": true, "referral_code": referral_code}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.confirm_email(&email).await;
        (
            body["token"].as_str().unwrap().to_owned(),
            body["partner"].clone(),
        )
    }

    /// A staff user with these permissions (and supervisor), email confirmed, logged in.
    pub async fn staff_user(
        &self,
        tenant: &TestTenant,
        name: &str,
        permissions: &[&str],
        supervisor: Option<&str>,
    ) -> (String, String) {
        let email = format!("{}@staff.example", name.to_lowercase());
        let (status, user) = self
            .post(
                "/v1/users",
                Some(&tenant.token),
                json!({"email": email, "name": name, "password": PASSWORD,
                       "permissions": permissions, "supervisor_id": supervisor}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        self.confirm_email(&email).await;
        let (status, login) = self.login(tenant, &email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{login}");
        (
            user["id"].as_str().unwrap().to_owned(),
            login["token"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn create_tenant(&self, slug: &str) -> TestTenant {
        let (status, body) = self
            .post(
                "/v1/tenants",
                None,
                json!({"slug": slug, "name": format!("{slug} Inc"), "currency": "EUR",
                       "owner": {"email": format!("owner@{slug}.example"), "password": "correct horse battery", "name": "Owner"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let tenant = TestTenant {
            id: TenantId::from(body["tenant"]["id"].as_str().unwrap()),
            slug: slug.to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
        };
        self.confirm_email(&format!("owner@{slug}.example")).await;
        tenant
    }

    /// Follows the newest confirmation link emailed to `to`.
    pub async fn confirm_email(&self, to: &str) {
        let token = self.token_from_email(to, "/confirm-email?token=").await;
        let (status, body) = self
            .post("/v1/auth/confirm-email", None, json!({ "token": token }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// Waits (up to 5 s) for an email to `to` with a link containing `marker` and returns the
    /// token that follows the marker, from the newest such email.
    pub async fn token_from_email(&self, to: &str, marker: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found = self
                .cloud
                .outbox()
                .messages_to(to)
                .iter()
                .rev()
                .find_map(|message| {
                    let start = message.body.find(marker)? + marker.len();
                    let token: String = message.body[start..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    Some(token)
                });
            if let Some(token) = found {
                return token;
            }
            assert!(
                Instant::now() < deadline,
                "no email to {to} with {marker} within 5 s; outbox: {:?}",
                self.cloud.outbox().messages()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn create_partner(
        &self,
        tenant: &TestTenant,
        name: &str,
        sponsor: Option<&PartnerId>,
    ) -> PartnerId {
        let body = json!({"email": format!("{}@partners.example", name.to_lowercase()), "name": name, "sponsor_id": sponsor});
        let (status, body) = self.post("/v1/partners", Some(&tenant.token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        PartnerId::from(body["id"].as_str().unwrap())
    }

    /// Chain A ← B ← C ← D (D's sponsor is C, …); returns [A, B, C, D].
    pub async fn create_chain(&self, tenant: &TestTenant, names: &[&str]) -> Vec<PartnerId> {
        let mut chain: Vec<PartnerId> = Vec::new();
        for name in names {
            let id = self.create_partner(tenant, name, chain.last()).await;
            chain.push(id);
        }
        chain
    }

    /// The plan of the issue: won pays 10 %, 5 %, then a fixed 20.00.
    pub async fn use_three_level_plan(&self, tenant: &TestTenant) {
        let plan = json!({"plan": {"rules": [{"on": {"deal_status": "won"},
            "levels": [{"percent": "10"}, {"percent": "5"}, {"fixed": "20.00"}]}]},
            "reversal_statuses": ["refunded"]});
        let (status, body) = self.put("/v1/program", &tenant.token, plan).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn put_deal(
        &self,
        tenant: &TestTenant,
        deal: &str,
        amount: &str,
        status: &str,
        partner: &PartnerId,
    ) -> (StatusCode, Value) {
        self.put(
            &format!("/v1/deals/{deal}"),
            &tenant.token,
            json!({"amount": amount, "status": status, "partner_id": partner}),
        )
        .await
    }

    pub async fn balance(&self, tenant: &TestTenant, partner: &PartnerId) -> Decimal {
        let (status, body) = self
            .get(&format!("/v1/partners/{partner}/wallet"), &tenant.token)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        dec(body["balance"].as_str().unwrap())
    }

    /// Polls until every balance is as expected, or fails after `within`.
    pub async fn expect_balances(
        &self,
        tenant: &TestTenant,
        expected: &[(&PartnerId, &str)],
        within: Duration,
    ) -> Duration {
        let started = Instant::now();
        loop {
            let mut actual = Vec::new();
            for (partner, _) in expected {
                actual.push(self.balance(tenant, partner).await);
            }
            let wanted: Vec<Decimal> = expected.iter().map(|(_, amount)| dec(amount)).collect();
            if actual == wanted {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "balances {actual:?}, expected {wanted:?} within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Lets the stream drain: waits until no new records arrive for a short while.
    pub async fn settle(&self) {
        tokio::time::sleep(Duration::from_millis(600)).await;
    }

    /// For each partner: the wallet's `balance + pending` equals the sum of its entries, and
    /// `balance` the sum of the available ones.
    pub async fn assert_wallets_match_entries(&self, tenant: &TestTenant, partners: &[PartnerId]) {
        let store = self.store();
        for partner in partners {
            let wallet = store.wallet(&tenant.id, partner).await.unwrap();
            let entries = store.all_entries(&tenant.id, partner).await.unwrap();
            let (sum, available) = entry_sums(&entries);
            assert_eq!(
                wallet.balance + wallet.pending,
                sum,
                "wallet of {partner} differs from its {} entries",
                entries.len()
            );
            assert_eq!(
                wallet.balance, available,
                "the balance of {partner} differs from its available entries"
            );
            assert_eq!(
                wallet.entry_count,
                entries.len() as u64,
                "entry count of {partner}"
            );
        }
    }

    /// Every record the table's stream holds now, from the start of every shard.
    pub async fn stream_records(&self) -> Result<(String, Vec<Record>)> {
        read_stream(self.cloud.dynamodb_endpoint(), self.cloud.table()).await
    }
}

pub async fn read_stream(endpoint: &str, table: &str) -> Result<(String, Vec<Record>)> {
    let dynamodb = upline_local::dynamodb_client(endpoint);
    let streams = upline_local::streams_client(endpoint);
    let arn = upline_store::schema::stream_arn(&dynamodb, table)
        .await?
        .context("the table has a stream")?;
    let described = streams.describe_stream().stream_arn(&arn).send().await?;
    let shards = described
        .stream_description()
        .map(|d| d.shards().to_vec())
        .unwrap_or_default();
    let mut records = Vec::new();
    for shard in shards {
        let Some(shard_id) = shard.shard_id() else {
            continue;
        };
        let iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard_id)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await?;
        let mut next = iterator.shard_iterator;
        while let Some(current) = next {
            let page = streams.get_records().shard_iterator(current).send().await?;
            let got = page.records().to_vec();
            if got.is_empty() {
                break;
            }
            records.extend(got);
            next = page.next_shard_iterator;
        }
    }
    Ok((arn, records))
}
