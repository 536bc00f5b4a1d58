//! Payouts through the local cloud: the minimum, the balance, one open request per partner
//! (also under 20 concurrent requests), pay and reject by staff, emails to the partner, and a
//! balance that never goes below zero.

use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use upline_tests::{StatusCode, TestApp, TestTenant, dec};

/// A registered partner (session, id) with `balance` credited by staff.
async fn partner_with_balance(
    app: &TestApp,
    tenant: &TestTenant,
    name: &str,
    balance: &str,
) -> (String, String) {
    let top = app
        .create_partner(tenant, &format!("{name}Top"), None)
        .await;
    let (_, top) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let (session, partner) = app
        .register_confirmed(tenant, name, top["referral_code"].as_str().unwrap())
        .await;
    let id = partner["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post(
            &format!("/v1/partners/{id}/wallet/adjustments"),
            Some(&tenant.token),
            json!({"amount": balance, "reason": "earned elsewhere"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (session, id)
}

async fn wait_for_email(app: &TestApp, to: &str, subject: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(message) = app
            .cloud
            .outbox()
            .messages_to(to)
            .into_iter()
            .find(|m| m.subject == subject)
        {
            return message.body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no email {subject:?} to {to}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_partner_asks_staff_pay_or_reject_and_the_partner_hears_either_way() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("payout-flow").await;
    let (status, _) = app
        .put("/v1/program", &tenant.token, json!({"min_payout": "20.00"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (partner, id) = partner_with_balance(&app, &tenant, "Paula", "50.00").await;
    let ask =
        |amount: &'static str| app.post("/v1/payouts", Some(&partner), json!({"amount": amount}));

    let (status, body) = ask("10.00").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("below_minimum"))
    );
    let (status, body) = ask("60.00").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("insufficient_balance")
        )
    );
    let (status, payout) = ask("30.00").await;
    assert_eq!(status, StatusCode::CREATED, "{payout}");
    assert_eq!(
        (payout["status"].as_str(), payout["amount"].as_str()),
        (Some("requested"), Some("30.00"))
    );
    let (status, body) = ask("20.00").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("payout_open"))
    );

    let (_, own) = app.get("/v1/payouts", &partner).await;
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    let (_, queue) = app.get("/v1/payouts?status=requested", &tenant.token).await;
    assert_eq!(queue["items"][0]["id"], payout["id"]);
    let (status, _) = app
        .post(
            &format!("/v1/payouts/{}/pay", payout["id"].as_str().unwrap()),
            Some(&partner),
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a partner cannot pay themselves"
    );

    let pay = format!("/v1/payouts/{}/pay", payout["id"].as_str().unwrap());
    let (status, paid) = app.post(&pay, Some(&tenant.token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "paid");
    let (status, body) = app.post(&pay, Some(&tenant.token), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("payout_not_open"))
    );
    let (_, wallet) = app.get("/v1/wallet", &partner).await;
    assert_eq!(wallet["balance"], "20.00");
    let (_, entries) = app.get("/v1/wallet/entries", &partner).await;
    assert_eq!(
        (
            entries["items"][0]["kind"].as_str(),
            entries["items"][0]["amount"].as_str()
        ),
        (Some("payout"), Some("-30.00"))
    );
    let body = wait_for_email(
        &app,
        "paula@people.example",
        "Your payout of 30.00 EUR was paid",
    )
    .await;
    assert!(body.contains("30.00 EUR"), "{body}");

    // Paid, so the next request may open; this one is rejected and the balance stays.
    let (status, second) = ask("20.00").await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let reject = format!("/v1/payouts/{}/reject", second["id"].as_str().unwrap());
    let (status, body) = app
        .post(&reject, Some(&tenant.token), json!({"reason": ""}))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (status, rejected) = app
        .post(
            &reject,
            Some(&tenant.token),
            json!({"reason": "bank details missing"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(
        (rejected["status"].as_str(), rejected["reason"].as_str()),
        (Some("rejected"), Some("bank details missing"))
    );
    let body = wait_for_email(
        &app,
        "paula@people.example",
        "Your payout request was declined",
    )
    .await;
    assert!(body.contains("bank details missing"), "{body}");
    let (_, wallet) = app.get("/v1/wallet", &partner).await;
    assert_eq!(wallet["balance"], "20.00");
    let (_, paid_only) = app.get("/v1/payouts?status=paid", &partner).await;
    let statuses: Vec<&Value> = paid_only["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["status"])
        .collect();
    assert_eq!(statuses, [&json!("paid")]);
    app.assert_wallets_match_entries(&tenant, &[upline_contract::PartnerId::from(id.as_str())])
        .await;
}

#[tokio::test]
async fn paying_never_takes_the_balance_below_zero() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("payout-short").await;
    let (partner, id) = partner_with_balance(&app, &tenant, "Sam", "30.00").await;
    let (_, payout) = app
        .post("/v1/payouts", Some(&partner), json!({"amount": "30.00"}))
        .await;
    let (status, _) = app
        .post(
            &format!("/v1/partners/{id}/wallet/adjustments"),
            Some(&tenant.token),
            json!({"amount": "-20.00", "reason": "chargeback"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let pay = format!("/v1/payouts/{}/pay", payout["id"].as_str().unwrap());
    let (status, body) = app.post(&pay, Some(&tenant.token), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("insufficient_balance"))
    );
    let (_, own) = app.get("/v1/payouts", &partner).await;
    assert_eq!(own["items"][0]["status"], "requested", "nothing changed");
    assert_eq!(
        app.balance(&tenant, &upline_contract::PartnerId::from(id.as_str()))
            .await,
        dec("10.00")
    );
}

#[tokio::test]
async fn of_twenty_concurrent_requests_exactly_one_is_accepted() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("payout-race").await;
    let (partner, _) = partner_with_balance(&app, &tenant, "Rita", "100.00").await;
    let statuses: Vec<StatusCode> = futures::stream::iter(0..20)
        .map(|_| {
            let (app, partner) = (&app, &partner);
            async move {
                app.post("/v1/payouts", Some(partner), json!({"amount": "50.00"}))
                    .await
                    .0
            }
        })
        .buffer_unordered(20)
        .collect()
        .await;
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::CREATED, StatusCode::CONFLICT].contains(s)),
        "{statuses:?}"
    );
    let (_, own) = app.get("/v1/payouts", &partner).await;
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_refund_after_a_payout_leaves_the_partner_owing_and_new_commissions_pay_it_back() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("clawback").await;
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let (session, partner) = app
        .register_confirmed(&tenant, "Owing", top["referral_code"].as_str().unwrap())
        .await;
    let id = upline_contract::PartnerId::from(partner["id"].as_str().unwrap());
    let (status, _) = app.put_deal(&tenant, "d-1", "200.00", "won", &id).await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&id, "20.00")], Duration::from_secs(3))
        .await;
    let (status, payout) = app
        .post("/v1/payouts", Some(&session), json!({"amount": "20.00"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{payout}");
    let path = format!("/v1/payouts/{}/pay", payout["id"].as_str().unwrap());
    let (status, body) = app.post(&path, Some(&tenant.token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The customer is refunded after the money went out: the partner owes the commission.
    let (status, _) = app
        .put_deal(&tenant, "d-1", "200.00", "refunded", &id)
        .await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&id, "-20.00")], Duration::from_secs(3))
        .await;
    let (_, wallet) = app.get("/v1/wallet", &session).await;
    assert_eq!(wallet["balance"], "-20.00", "{wallet}");
    let (status, body) = app
        .post("/v1/payouts", Some(&session), json!({"amount": "1.00"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("insufficient_balance")
        )
    );

    // The next commission pays the debt back first.
    let (status, _) = app.put_deal(&tenant, "d-2", "300.00", "won", &id).await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&id, "10.00")], Duration::from_secs(3))
        .await;
    let (_, entries) = app.get("/v1/wallet/entries", &session).await;
    let kinds: Vec<&str> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["accrual", "reversal", "payout", "accrual"]);
    app.assert_wallets_match_entries(&tenant, &[id]).await;
}

/// Every item of a list, following `next_cursor` with `limit` items a page.
async fn every_page(app: &TestApp, path: &str, token: &str, limit: u32) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut url = format!("{path}{separator}limit={limit}");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let (status, page) = app.get(&url, token).await;
        assert_eq!(status, StatusCode::OK, "{url}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
    panic!("{path} never ended");
}

#[tokio::test]
async fn the_history_pages_past_payouts_and_a_filtered_queue_comes_in_full_pages() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("payout-pages").await;
    let (partner, _) = partner_with_balance(&app, &tenant, "Pia", "100.00").await;
    // Rejected, paid, paid, rejected, and one still open: oldest first.
    for decision in ["reject", "pay", "pay", "reject", ""] {
        let (status, payout) = app
            .post("/v1/payouts", Some(&partner), json!({"amount": "10.00"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{payout}");
        if !decision.is_empty() {
            let (status, body) = app
                .post(
                    &format!("/v1/payouts/{}/{decision}", payout["id"].as_str().unwrap()),
                    Some(&tenant.token),
                    json!({"reason": "not this month"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }

    // The history, one entry a page, goes past each payout entry to the first credit.
    let entries = every_page(&app, "/v1/wallet/entries", &partner, 1).await;
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["payout", "payout", "adjustment"]);
    let (_, whole) = app.get("/v1/wallet/entries", &partner).await;
    assert_eq!(whole["items"].as_array().unwrap(), &entries);

    // A status filter fills each page: two paid requests come in one page of two, and the one
    // open request in a page of one, though rejected ones lie between.
    let (_, paid) = app
        .get("/v1/payouts?status=paid&limit=2", &tenant.token)
        .await;
    let statuses: Vec<&str> = paid["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["paid", "paid"], "{paid}");
    let (_, open) = app
        .get("/v1/payouts?status=requested&limit=1", &tenant.token)
        .await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open["items"][0]["status"], "requested");
    for (path, token) in [
        ("/v1/payouts?status=rejected", tenant.token.as_str()),
        ("/v1/payouts?status=rejected", partner.as_str()),
    ] {
        let rejected = every_page(&app, path, token, 1).await;
        assert_eq!(rejected.len(), 2, "{path}");
        assert!(rejected.iter().all(|p| p["status"] == "rejected"));
    }
}
