//! The commission walk end to end: HTTP → DynamoDB Local → the table's stream → the stream
//! handler → wallets, with the scenario of the foundation issue.

use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use upline_contract::PartnerId;
use upline_stream::StreamHandler;
use upline_tests::{StatusCode, TestApp, TestTenant, dec};

const WITHIN: Duration = Duration::from_secs(2);

struct Scenario {
    app: TestApp,
    tenant: TestTenant,
    a: PartnerId,
    b: PartnerId,
    c: PartnerId,
    d: PartnerId,
}

impl Scenario {
    /// Levels 10 %, 5 %, fixed 20.00 on `won`; chain A ← B ← C ← D.
    async fn new(slug: &str) -> Scenario {
        let app = TestApp::spawn().await;
        let tenant = app.create_tenant(slug).await;
        app.use_three_level_plan(&tenant).await;
        let chain = app.create_chain(&tenant, &["A", "B", "C", "D"]).await;
        let [a, b, c, d] = <[PartnerId; 4]>::try_from(chain).unwrap();
        Scenario {
            app,
            tenant,
            a,
            b,
            c,
            d,
        }
    }

    async fn deal(&self, status: &str) -> StatusCode {
        let (status, body) = self
            .app
            .put_deal(&self.tenant, "deal-1", "1234.57", status, &self.d)
            .await;
        assert!(status.is_success(), "{body}");
        status
    }

    async fn expect(&self, a: &str, b: &str, c: &str, d: &str) -> Duration {
        let expected = [(&self.a, a), (&self.b, b), (&self.c, c), (&self.d, d)];
        self.app
            .expect_balances(&self.tenant, &expected, WITHIN)
            .await
    }

    fn partners(&self) -> Vec<PartnerId> {
        vec![
            self.a.clone(),
            self.b.clone(),
            self.c.clone(),
            self.d.clone(),
        ]
    }
}

#[tokio::test]
async fn a_won_deal_credits_three_levels_up_the_chain_within_two_seconds() {
    let s = Scenario::new("walk-won").await;
    assert_eq!(s.deal("new").await, StatusCode::CREATED);
    s.deal("won").await;
    let took = s.expect("0.00", "20.00", "61.73", "123.46").await;
    assert!(took < WITHIN, "landed after {took:?}");
    s.app
        .assert_wallets_match_entries(&s.tenant, &s.partners())
        .await;
}

#[tokio::test]
async fn the_same_status_again_credits_nothing() {
    let s = Scenario::new("walk-same").await;
    s.deal("won").await;
    s.expect("0.00", "20.00", "61.73", "123.46").await;
    assert_eq!(s.deal("won").await, StatusCode::OK);
    s.app.settle().await;
    s.expect("0.00", "20.00", "61.73", "123.46").await;
    let (_, deal) = s.app.get("/v1/deals/deal-1", &s.tenant.token).await;
    assert_eq!(
        deal["history"].as_array().unwrap().len(),
        1,
        "no second transition: {deal}"
    );
}

#[tokio::test]
async fn refunded_reverses_all_three_and_won_again_earns_again() {
    let s = Scenario::new("walk-refund").await;
    s.deal("won").await;
    s.expect("0.00", "20.00", "61.73", "123.46").await;
    s.deal("refunded").await;
    s.expect("0.00", "0.00", "0.00", "0.00").await;
    s.deal("won").await;
    s.expect("0.00", "20.00", "61.73", "123.46").await;
    s.app
        .assert_wallets_match_entries(&s.tenant, &s.partners())
        .await;

    let (status, entries) = s
        .app
        .get(
            &format!("/v1/partners/{}/wallet/entries", s.c),
            &s.tenant.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<(&str, &str)> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("accrual", "61.73"),
            ("reversal", "-61.73"),
            ("accrual", "61.73")
        ],
        "newest first"
    );
    let newest = &entries["items"][0];
    assert_eq!(
        (
            newest["deal_id"].as_str(),
            newest["from_partner_id"].as_str(),
            newest["level"].as_u64()
        ),
        (Some("deal-1"), Some(s.d.as_str()), Some(2))
    );

    let (_, deal) = s.app.get("/v1/deals/deal-1", &s.tenant.token).await;
    let statuses: Vec<&str> = deal["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["won", "refunded", "won"]);
    assert_eq!(
        deal["commissions"].as_array().unwrap().len(),
        3,
        "what the deal holds now"
    );
}

#[tokio::test]
async fn delivering_stream_batches_again_whole_or_bisected_changes_nothing() {
    let s = Scenario::new("walk-replay").await;
    s.deal("won").await;
    s.deal("refunded").await;
    s.deal("won").await;
    s.expect("0.00", "20.00", "61.73", "123.46").await;
    s.app.settle().await;

    let (arn, records) = s.app.stream_records().await.unwrap();
    assert!(
        records.len() > 20,
        "the stream holds the whole story ({} records)",
        records.len()
    );
    let handler = StreamHandler::new(
        s.app.store(),
        Arc::new(upline_local::LocalOutbox::in_memory()),
    );
    let whole = upline_local::to_lambda_event(&records, &arn);
    for _ in 0..2 {
        let response = handler.handle(whole.clone()).await;
        assert!(response.batch_item_failures.is_empty());
    }
    // Bisected, later half first (as Lambda's retries may interleave), then each record alone.
    let (first, second) = records.split_at(records.len() / 2);
    for part in [second, first] {
        handler
            .handle(upline_local::to_lambda_event(part, &arn))
            .await;
    }
    for record in records.iter().rev() {
        handler
            .handle(upline_local::to_lambda_event(
                std::slice::from_ref(record),
                &arn,
            ))
            .await;
    }
    s.expect("0.00", "20.00", "61.73", "123.46").await;
    s.app
        .assert_wallets_match_entries(&s.tenant, &s.partners())
        .await;
}

#[tokio::test]
async fn forty_deals_changing_at_once_each_credit_exactly_once() {
    let s = Scenario::new("walk-forty").await;
    let deals: Vec<String> = (0..40).map(|i| format!("bulk-{i:02}")).collect();
    let created = futures::future::join_all(
        deals
            .iter()
            .map(|deal| s.app.put_deal(&s.tenant, deal, "100.00", "new", &s.d)),
    )
    .await;
    assert!(
        created
            .iter()
            .all(|(status, _)| *status == StatusCode::CREATED)
    );
    let won = futures::future::join_all(
        deals
            .iter()
            .map(|deal| s.app.put_deal(&s.tenant, deal, "100.00", "won", &s.d)),
    )
    .await;
    assert!(
        won.iter().all(|(status, _)| *status == StatusCode::OK),
        "{won:?}"
    );
    // Each deal: D 10.00, C 5.00, B 20.00.
    s.app
        .expect_balances(
            &s.tenant,
            &[
                (&s.a, "0"),
                (&s.b, "800.00"),
                (&s.c, "200.00"),
                (&s.d, "400.00"),
            ],
            Duration::from_secs(10),
        )
        .await;
    s.app.settle().await;
    s.app
        .expect_balances(
            &s.tenant,
            &[
                (&s.a, "0"),
                (&s.b, "800.00"),
                (&s.c, "200.00"),
                (&s.d, "400.00"),
            ],
            WITHIN,
        )
        .await;
    s.app
        .assert_wallets_match_entries(&s.tenant, &s.partners())
        .await;
    let entries = s.app.store().all_entries(&s.tenant.id, &s.d).await.unwrap();
    assert_eq!(entries.len(), 40);
}

#[tokio::test]
async fn the_commission_preview_shows_what_the_walk_would_credit() {
    let s = Scenario::new("walk-preview").await;
    s.deal("new").await;
    let (status, preview) = s
        .app
        .get(
            "/v1/deals/deal-1/commission-preview?status=won",
            &s.tenant.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let items: Vec<(&str, u64, &str)> = preview["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["partner_id"].as_str().unwrap(),
                i["level"].as_u64().unwrap(),
                i["amount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (s.d.as_str(), 1, "123.46"),
            (s.c.as_str(), 2, "61.73"),
            (s.b.as_str(), 3, "20.00")
        ]
    );
    s.deal("won").await;
    s.expect("0.00", "20.00", "61.73", "123.46").await;
    let (_, preview) = s
        .app
        .get(
            "/v1/deals/deal-1/commission-preview?status=refunded",
            &s.tenant.token,
        )
        .await;
    let total: Decimal = preview["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| dec(i["amount"].as_str().unwrap()))
        .sum();
    assert_eq!(total, dec("-205.19"));
    let (status, body) = s
        .app
        .get("/v1/deals/deal-1/commission-preview", &s.tenant.token)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("status"))
    );
}

#[tokio::test]
async fn a_crm_pushes_deals_with_an_api_key_and_partners_hear_of_their_commission() {
    let s = Scenario::new("walk-crm").await;
    let (status, key) = s
        .app
        .post(
            "/v1/api-keys",
            Some(&s.tenant.token),
            serde_json::json!({"name": "CRM"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let key = key["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("upk_"));
    let (_, partner) = s
        .app
        .get(&format!("/v1/partners/{}", s.d), &s.tenant.token)
        .await;
    let code = partner["referral_code"].as_str().unwrap();
    let (status, body) = s
        .app
        .put(
            "/v1/deals/crm-7",
            &key,
            serde_json::json!({"amount": "200.00", "status": "won", "referral_code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    s.expect("0.00", "20.00", "10.00", "20.00").await;

    // The outbox holds one "commission credited" email per credited partner.
    let mut sent = Vec::new();
    for _ in 0..40 {
        let (_, outbox) = s
            .app
            .request(reqwest::Method::GET, "/_local/outbox", None, None)
            .await;
        // Account emails (set password, confirmation) go out too; this is about commissions.
        sent = outbox["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| {
                m["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("You earned"))
            })
            .collect();
        if sent.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut emails: Vec<(String, String)> = sent
        .iter()
        .map(|m| {
            (
                m["to"].as_str().unwrap().to_owned(),
                m["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    emails.sort();
    // A deal's commission email says which deal and what it was worth.
    assert!(
        sent.iter().all(|m| m["body"]
            .as_str()
            .is_some_and(|b| b.contains("from deal crm-7 worth 200.00 EUR"))),
        "{sent:?}"
    );
    assert_eq!(
        emails,
        [
            (
                "b@partners.example".to_owned(),
                "You earned 20.00 EUR".to_owned()
            ),
            (
                "c@partners.example".to_owned(),
                "You earned 10.00 EUR".to_owned()
            ),
            (
                "d@partners.example".to_owned(),
                "You earned 20.00 EUR".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_partner_sees_their_own_wallet_and_where_each_entry_came_from() {
    let app = upline_tests::TestApp::spawn().await;
    let tenant = app.create_tenant("walk-own-wallet").await;
    app.use_three_level_plan(&tenant).await;
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top_view) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let (mine, me) = app
        .register_confirmed(&tenant, "Mia", top_view["referral_code"].as_str().unwrap())
        .await;
    let (_, mia_view) = app.get("/v1/partners/me", &mine).await;
    let (below, _) = app
        .register_confirmed(&tenant, "Ben", mia_view["referral_code"].as_str().unwrap())
        .await;
    let (_, ben) = app.get("/v1/partners/me", &below).await;
    let ben = upline_contract::PartnerId::from(ben["id"].as_str().unwrap());
    let mia = upline_contract::PartnerId::from(me["id"].as_str().unwrap());
    let (status, _) = app.put_deal(&tenant, "own-1", "200.00", "won", &ben).await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&mia, "10.00")], Duration::from_secs(3))
        .await;

    let (status, wallet) = app.get("/v1/wallet", &mine).await;
    assert_eq!(status, upline_tests::StatusCode::OK, "{wallet}");
    assert_eq!(wallet["balance"], "10.00");
    assert_eq!(wallet["partner_id"], mia.as_str());
    let (status, entries) = app.get("/v1/wallet/entries", &mine).await;
    assert_eq!(status, upline_tests::StatusCode::OK, "{entries}");
    let entry = &entries["items"][0];
    assert_eq!(
        (
            entry["kind"].as_str(),
            entry["amount"].as_str(),
            entry["deal_id"].as_str(),
            entry["from_partner_id"].as_str(),
            entry["level"].as_u64(),
            entry["rule"].as_str()
        ),
        (
            Some("accrual"),
            Some("10.00"),
            Some("own-1"),
            Some(ben.as_str()),
            Some(2),
            Some("deal_status:won")
        )
    );
    // Staff who are not partners have no wallet of their own.
    let (status, _) = app.get("/v1/wallet", &tenant.token).await;
    assert_eq!(status, upline_tests::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn level_one_tiers_follow_turnover_and_a_custom_reversal_status_takes_back() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("walk-tiers").await;
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            serde_json::json!({"plan": {"rules": [{"on": {"deal_status": "won"}, "levels": [{"percent": "10"}],
                "tiers": [{"from": "0", "percent": "10"}, {"from": "1000", "percent": "12"}]}]},
                "reversal_statuses": ["chargeback"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let partner = app.create_partner(&tenant, "Tia", None).await;
    // Turnover before each deal: 0, 800, 1300 — the third crosses into the 12 % tier.
    for (deal, amount, balance) in [
        ("t-1", "800.00", "80.00"),
        ("t-2", "500.00", "130.00"),
        ("t-3", "400.00", "178.00"),
    ] {
        let (status, _) = app.put_deal(&tenant, deal, amount, "won", &partner).await;
        assert!(status.is_success());
        app.expect_balances(&tenant, &[(&partner, balance)], Duration::from_secs(3))
            .await;
    }
    let (status, _) = app
        .put(
            "/v1/deals/t-3",
            &tenant.token,
            serde_json::json!({"amount": "400.00", "status": "chargeback"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.expect_balances(&tenant, &[(&partner, "130.00")], Duration::from_secs(3))
        .await;
    let (_, entries) = app
        .get(
            &format!("/v1/partners/{partner}/wallet/entries"),
            &tenant.token,
        )
        .await;
    let newest = &entries["items"][0];
    assert_eq!(
        (
            newest["kind"].as_str(),
            newest["amount"].as_str(),
            newest["deal_id"].as_str()
        ),
        (Some("reversal"), Some("-48.00"), Some("t-3"))
    );
    app.assert_wallets_match_entries(&tenant, &[partner]).await;
}

#[tokio::test]
async fn deals_are_listed_newest_first_and_a_partner_sees_their_own_with_their_share() {
    let app = upline_tests::TestApp::spawn().await;
    let tenant = app.create_tenant("walk-deal-list").await;
    app.use_three_level_plan(&tenant).await;
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top_view) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let (mia_token, mia) = app
        .register_confirmed(&tenant, "Mia", top_view["referral_code"].as_str().unwrap())
        .await;
    let (_, mia_view) = app.get("/v1/partners/me", &mia_token).await;
    let (ben_token, ben) = app
        .register_confirmed(&tenant, "Ben", mia_view["referral_code"].as_str().unwrap())
        .await;
    let ben = PartnerId::from(ben["id"].as_str().unwrap());
    let mia = PartnerId::from(mia["id"].as_str().unwrap());
    for (deal, amount, status, partner) in [
        ("older", "200.00", "won", &ben),
        ("newer", "50.00", "new", &mia),
    ] {
        let (code, body) = app.put_deal(&tenant, deal, amount, status, partner).await;
        assert_eq!(code, StatusCode::CREATED, "{body}");
    }
    app.expect_balances(
        &tenant,
        &[(&ben, "20.00"), (&mia, "10.00"), (&top, "20.00")],
        Duration::from_secs(3),
    )
    .await;

    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["external_id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Staff: every deal, newest first, with whose it is and what it cost in commissions.
    let (status, all) = app.get("/v1/deals", &tenant.token).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all), ["newer", "older"]);
    let older = &all["items"][1];
    assert_eq!(
        (
            older["status"].as_str(),
            older["amount"].as_str(),
            older["partner_name"].as_str(),
            older["earned"].as_str()
        ),
        (Some("won"), Some("200.00"), Some("Ben"), Some("50.00"))
    );
    let (_, won) = app.get("/v1/deals?status=won", &tenant.token).await;
    assert_eq!(ids(&won), ["older"]);
    let (_, mias) = app
        .get(&format!("/v1/deals?partner_id={mia}"), &tenant.token)
        .await;
    assert_eq!(ids(&mias), ["newer"]);
    let (_, first) = app.get("/v1/deals?limit=1", &tenant.token).await;
    assert_eq!(ids(&first), ["newer"]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = app
        .get(&format!("/v1/deals?limit=1&cursor={cursor}"), &tenant.token)
        .await;
    assert_eq!(ids(&second), ["older"]);

    // Ben sees his deal with his own share (level 1), not what it paid his sponsors.
    let (status, bens) = app.get("/v1/deals", &ben_token).await;
    assert_eq!(status, StatusCode::OK, "{bens}");
    assert_eq!(ids(&bens), ["older"]);
    assert_eq!(bens["items"][0]["earned"], "20.00");
    assert_eq!(bens["items"][0]["partner_name"], serde_json::Value::Null);
    // Mia sees her own deal, with what it earned her so far (nothing: it is new), and cannot
    // ask for Ben's.
    let (_, mine) = app.get("/v1/deals", &mia_token).await;
    assert_eq!(ids(&mine), ["newer"]);
    assert_eq!(mine["items"][0]["earned"], "0.00");
    let (status, _) = app
        .get(&format!("/v1/deals?partner_id={ben}"), &mia_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.get("/v1/deals?status=", &tenant.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "status");
}
