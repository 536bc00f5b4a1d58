//! The findings of the attack probe, each as the request an attacker sent and the answer it must
//! get now: every one of these failed before its fix.

use serde_json::json;
use std::time::Duration;
use upline_tests::StatusCode;
use upline_tests::TestApp;

#[tokio::test]
async fn a_read_only_staff_user_can_neither_create_nor_reverse_commissions() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let partner = app.create_partner(&acme, "Pia", None).await;
    let (_, pia) = app
        .get(&format!("/v1/partners/{partner}"), &acme.token)
        .await;
    let (_, viewer) = app
        .staff_user(&acme, "Vic", &["view_all_partners"], None)
        .await;

    let (status, body) = app
        .put(
            "/v1/deals/d-1",
            &viewer,
            json!({"amount": "1000.00", "status": "won", "partner_id": partner}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .post(
            "/v1/leads",
            Some(&viewer),
            json!({"referral_code": pia["referral_code"], "name": "Lee"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The owner's won deal stands: the viewer cannot refund it away, nor mark a lead registered.
    let (status, _) = app.put_deal(&acme, "d-2", "500.00", "won", &partner).await;
    assert!(status.is_success());
    app.expect_balances(&acme, &[(&partner, "50.00")], Duration::from_secs(3))
        .await;
    let (status, body) = app
        .put(
            "/v1/deals/d-2",
            &viewer,
            json!({"amount": "500.00", "status": "refunded", "partner_id": partner}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, lead) = app
        .post(
            "/v1/leads",
            Some(&acme.token),
            json!({"referral_code": pia["referral_code"], "name": "Lee"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let (status, body) = app
        .request(
            reqwest::Method::POST,
            &format!("/v1/leads/{}/registered", lead["id"].as_str().unwrap()),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    app.settle().await;
    assert_eq!(
        app.balance(&acme, &partner).await,
        upline_tests::dec("50.00")
    );
}
