//! Manual adjustments by `manage_balances`: credits and debits with a reason, one transaction
//! with the balance, never below zero — also when many debits race.

use futures::StreamExt;
use serde_json::json;
use upline_tests::{StatusCode, TestApp, dec};

#[tokio::test]
async fn staff_adjust_a_wallet_with_a_reason_and_never_below_zero() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("wallet-adjust").await;
    let partner = app.create_partner(&tenant, "Pam", None).await;
    let path = format!("/v1/partners/{partner}/wallet/adjustments");

    let (status, entry) = app
        .post(
            &path,
            Some(&tenant.token),
            json!({"amount": "25.00", "reason": "welcome bonus"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(
        (
            entry["kind"].as_str(),
            entry["amount"].as_str(),
            entry["reason"].as_str()
        ),
        (Some("adjustment"), Some("25.00"), Some("welcome bonus"))
    );
    let (status, body) = app
        .post(
            &path,
            Some(&tenant.token),
            json!({"amount": "-30.00", "reason": "correction"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "insufficient_balance");
    assert_eq!(
        app.balance(&tenant, &partner).await,
        dec("25.00"),
        "nothing written"
    );

    for (body, field) in [
        (json!({"amount": "0.00", "reason": "nothing"}), "amount"),
        (
            json!({"amount": "1.234", "reason": "too precise"}),
            "amount",
        ),
        (json!({"amount": "5.00", "reason": "  "}), "reason"),
        (json!({"amount": 5, "reason": "a number"}), "amount"),
    ] {
        let (status, answer) = app.post(&path, Some(&tenant.token), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    let (_, partner_view) = app
        .get(&format!("/v1/partners/{partner}"), &tenant.token)
        .await;
    let (session, _) = app
        .register_confirmed(
            &tenant,
            "Nosy",
            partner_view["referral_code"].as_str().unwrap(),
        )
        .await;
    let (status, _) = app
        .post(
            &path,
            Some(&session),
            json!({"amount": "100.00", "reason": "mine"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a partner cannot adjust wallets"
    );

    let (status, _) = app
        .post(
            &path,
            Some(&tenant.token),
            json!({"amount": "-25.00", "reason": "paid in cash"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.balance(&tenant, &partner).await, dec("0"));
    let (_, entries) = app
        .get(
            &format!("/v1/partners/{partner}/wallet/entries"),
            &tenant.token,
        )
        .await;
    let reasons: Vec<&str> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["paid in cash", "welcome bonus"], "newest first");
    app.assert_wallets_match_entries(&tenant, &[partner]).await;
}

#[tokio::test]
async fn racing_debits_take_the_balance_to_zero_and_not_below() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("wallet-race").await;
    let partner = app.create_partner(&tenant, "Rae", None).await;
    let path = format!("/v1/partners/{partner}/wallet/adjustments");
    let (status, _) = app
        .post(
            &path,
            Some(&tenant.token),
            json!({"amount": "50.00", "reason": "start"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let statuses: Vec<StatusCode> = futures::stream::iter(0..12)
        .map(|i| {
            let (app, path, token) = (&app, &path, &tenant.token);
            async move {
                app.post(
                    path,
                    Some(token),
                    json!({"amount": "-10.00", "reason": format!("debit {i}")}),
                )
                .await
                .0
            }
        })
        .buffer_unordered(12)
        .collect()
        .await;
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert!(
        statuses.iter().all(|s| [
            StatusCode::CREATED,
            StatusCode::CONFLICT,
            StatusCode::SERVICE_UNAVAILABLE
        ]
        .contains(s)),
        "{statuses:?}"
    );
    assert!(accepted <= 5, "{statuses:?}");
    if !statuses.contains(&StatusCode::SERVICE_UNAVAILABLE) {
        assert_eq!(accepted, 5, "every debit that fits is taken: {statuses:?}");
    }
    let balance = app.balance(&tenant, &partner).await;
    assert_eq!(
        balance,
        dec("50.00") - dec("10.00") * rust_decimal::Decimal::from(accepted)
    );
    assert!(balance >= dec("0"));
    app.assert_wallets_match_entries(&tenant, &[partner]).await;
}

#[tokio::test]
async fn lists_carry_names_balances_and_the_open_payout_so_the_portal_joins_nothing() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("read-models").await;
    app.use_three_level_plan(&tenant).await;
    let sam = app.create_partner(&tenant, "Sam", None).await;
    let (_, sam_view) = app.get(&format!("/v1/partners/{sam}"), &tenant.token).await;
    let (pia_token, pia) = app
        .register_confirmed(&tenant, "Pia", sam_view["referral_code"].as_str().unwrap())
        .await;
    let pia = upline_contract::PartnerId::from(pia["id"].as_str().unwrap());
    let (status, body) = app.put_deal(&tenant, "rm-1", "200.00", "won", &pia).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.expect_balances(
        &tenant,
        &[(&pia, "20.00"), (&sam, "10.00")],
        std::time::Duration::from_secs(5),
    )
    .await;

    // Sam's entry says whose deal it came from, by name.
    let (_, entries) = app
        .get(&format!("/v1/partners/{sam}/wallet/entries"), &tenant.token)
        .await;
    assert_eq!(entries["items"][0]["from_partner_name"], "Pia", "{entries}");

    // Pia's wallet says when a request of hers is open.
    let (_, wallet) = app.get("/v1/wallet", &pia_token).await;
    assert_eq!(wallet["payout_open"], false, "{wallet}");
    let (status, body) = app
        .post("/v1/payouts", Some(&pia_token), json!({"amount": "5.00"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, wallet) = app.get("/v1/wallet", &pia_token).await;
    assert_eq!(wallet["payout_open"], true, "{wallet}");

    // The payout queue names each partner.
    let (_, queue) = app.get("/v1/payouts?status=requested", &tenant.token).await;
    assert_eq!(queue["items"][0]["partner_name"], "Pia", "{queue}");

    // Everyone's list carries balances for a balance manager, and not for a mere viewer.
    let (_, all) = app.get("/v1/partners?scope=all", &tenant.token).await;
    let balance_of = |list: &serde_json::Value, name: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["balance"].clone())
            .unwrap()
    };
    assert_eq!(
        (balance_of(&all, "Pia"), balance_of(&all, "Sam")),
        (json!("20.00"), json!("10.00"))
    );
    let (_, viewer) = app
        .staff_user(&tenant, "Vic", &["view_all_partners"], None)
        .await;
    let (_, seen) = app.get("/v1/partners?scope=all", &viewer).await;
    assert_eq!(balance_of(&seen, "Pia"), serde_json::Value::Null, "{seen}");
}
