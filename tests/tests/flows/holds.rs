//! Hold periods through the local cloud: with `hold_days`, what the walk credits is pending until
//! `available_at`; payouts take only the available balance; the sweep releases each entry once,
//! however often it runs; a refund inside the hold takes the money from `pending`, and one after
//! it from the balance.

use serde_json::{Value, json};
use std::time::Duration;
use upline_contract::PartnerId;
use upline_tests::{StatusCode, TestApp, TestTenant};

const DAY: Duration = Duration::from_secs(86_400);

/// A tenant with the three-level plan, `hold_days` of 30, and a registered partner at the
/// bottom of a chain Top ← Mid ← the partner: (session of the partner, [top, mid, partner]).
async fn held_program(app: &TestApp, slug: &str) -> (TestTenant, String, Vec<PartnerId>) {
    let tenant = app.create_tenant(slug).await;
    app.use_three_level_plan(&tenant).await;
    let (status, body) = app
        .put("/v1/program", &tenant.token, json!({"hold_days": 30}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["hold_days"], 30);
    let top = app.create_partner(&tenant, "Top", None).await;
    let mid = app.create_partner(&tenant, "Mid", Some(&top)).await;
    let (_, mid_view) = app.get(&format!("/v1/partners/{mid}"), &tenant.token).await;
    let (session, partner) = app
        .register_confirmed(
            &tenant,
            "Holly",
            mid_view["referral_code"].as_str().unwrap(),
        )
        .await;
    let partner = PartnerId::from(partner["id"].as_str().unwrap());
    (tenant, session, vec![top, mid, partner])
}

async fn wallet(app: &TestApp, tenant: &TestTenant, partner: &PartnerId) -> (String, String) {
    let (status, body) = app
        .get(&format!("/v1/partners/{partner}/wallet"), &tenant.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["balance"].as_str().unwrap().to_owned(),
        body["pending"].as_str().unwrap().to_owned(),
    )
}

/// Polls until the partner's wallet shows (balance, pending).
async fn expect_wallet(
    app: &TestApp,
    tenant: &TestTenant,
    partner: &PartnerId,
    want: (&str, &str),
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let got = wallet(app, tenant, partner).await;
        if (got.0.as_str(), got.1.as_str()) == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "wallet of {partner} is {got:?}, expected {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn entries(app: &TestApp, session: &str) -> Vec<Value> {
    let (status, page) = app.get("/v1/wallet/entries", session).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_held_accrual_is_pending_until_its_time_and_the_sweep_releases_it_once() {
    let app = TestApp::spawn().await;
    let (tenant, session, chain) = held_program(&app, "hold-release").await;
    let [top, mid, partner] = [&chain[0], &chain[1], &chain[2]];
    let before = time::OffsetDateTime::now_utc();
    let (status, body) = app.put_deal(&tenant, "d-1", "100.00", "won", partner).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    expect_wallet(&app, &tenant, partner, ("0.00", "10.00")).await;
    expect_wallet(&app, &tenant, mid, ("0.00", "5.00")).await;
    expect_wallet(&app, &tenant, top, ("0.00", "20.00")).await;

    let (_, own) = app.get("/v1/wallet", &session).await;
    assert_eq!(
        (own["balance"].as_str(), own["pending"].as_str()),
        (Some("0.00"), Some("10.00"))
    );
    let listed = entries(&app, &session).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "pending");
    let available_at = time::OffsetDateTime::parse(
        listed[0]["available_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let hold = available_at - before;
    assert!(
        hold >= 30 * DAY && hold < 30 * DAY + Duration::from_secs(60),
        "available 30 days after the deal, not {hold}"
    );

    let (status, body) = app
        .post("/v1/payouts", Some(&session), json!({"amount": "10.00"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["code"], "insufficient_balance",
        "pending money is not paid out"
    );

    assert_eq!(
        app.cloud.sweep_due_at(before + 29 * DAY).await.released,
        0,
        "nothing is due a day early"
    );
    assert_eq!(app.cloud.sweep_due_at(available_at).await.released, 3);
    assert_eq!(
        app.cloud.sweep_due_at(available_at + DAY).await.released,
        0,
        "an entry is released once however often the sweep runs"
    );
    expect_wallet(&app, &tenant, partner, ("10.00", "0.00")).await;
    expect_wallet(&app, &tenant, top, ("20.00", "0.00")).await;
    let listed = entries(&app, &session).await;
    assert_eq!(listed[0]["status"], "available");
    assert_eq!(
        listed[0]["available_at"].as_str(),
        Some(&*available_at_text(available_at))
    );
    app.assert_wallets_match_entries(&tenant, &chain).await;

    let (status, body) = app
        .post("/v1/payouts", Some(&session), json!({"amount": "10.00"}))
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "released money can be paid out: {body}"
    );
}

fn available_at_text(at: time::OffsetDateTime) -> String {
    upline_store::Timestamp::from(at).rfc3339
}

#[tokio::test]
async fn a_refund_inside_the_hold_takes_the_money_from_pending_and_it_never_becomes_available() {
    let app = TestApp::spawn().await;
    let (tenant, session, chain) = held_program(&app, "hold-refund").await;
    let partner = &chain[2];
    app.put_deal(&tenant, "d-1", "100.00", "won", partner).await;
    expect_wallet(&app, &tenant, partner, ("0.00", "10.00")).await;
    let (status, body) = app
        .put_deal(&tenant, "d-1", "100.00", "refunded", partner)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    expect_wallet(&app, &tenant, partner, ("0.00", "0.00")).await;
    expect_wallet(&app, &tenant, &chain[0], ("0.00", "0.00")).await;
    let listed = entries(&app, &session).await;
    let kinds: Vec<(&str, &str)> = listed
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("reversal", "pending"), ("accrual", "pending")]);
    assert_eq!(
        listed[0]["available_at"], listed[1]["available_at"],
        "the refund is released with the accrual it takes back"
    );

    let later = time::OffsetDateTime::now_utc() + 31 * DAY;
    assert_eq!(app.cloud.sweep_due_at(later).await.released, 6);
    expect_wallet(&app, &tenant, partner, ("0.00", "0.00")).await;
    app.assert_wallets_match_entries(&tenant, &chain).await;
}

#[tokio::test]
async fn a_refund_of_an_available_accrual_takes_the_money_back_from_the_balance() {
    let app = TestApp::spawn().await;
    let (tenant, session, chain) = held_program(&app, "hold-late-refund").await;
    let partner = &chain[2];
    let set_hold = |days: u32| app.put("/v1/program", &tenant.token, json!({"hold_days": days}));
    assert_eq!(set_hold(0).await.0, StatusCode::OK);
    app.put_deal(&tenant, "d-1", "100.00", "won", partner).await;
    expect_wallet(&app, &tenant, partner, ("10.00", "0.00")).await;
    // A hold set later does not hold back what was already available, nor its refund.
    assert_eq!(set_hold(30).await.0, StatusCode::OK);
    app.put_deal(&tenant, "d-1", "100.00", "refunded", partner)
        .await;
    expect_wallet(&app, &tenant, partner, ("0.00", "0.00")).await;
    let listed = entries(&app, &session).await;
    assert_eq!(listed[0]["kind"], "reversal");
    assert_eq!(listed[0]["status"], "available");
    assert!(listed[0].get("available_at").is_none(), "{}", listed[0]);
    app.assert_wallets_match_entries(&tenant, &chain).await;
}

#[tokio::test]
async fn hold_days_outside_0_to_365_are_refused_by_name() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("hold-bad").await;
    for bad in [json!(366), json!(-1), json!("30"), json!(1.5)] {
        let (status, body) = app
            .put("/v1/program", &tenant.token, json!({"hold_days": bad}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "hold_days", "{body}");
    }
    let (_, program) = app.get("/v1/program", &tenant.token).await;
    assert_eq!(
        program["hold_days"], 0,
        "the default, and nothing was written"
    );
}
