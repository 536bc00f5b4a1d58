//! Tenant isolation and abuse, as a matrix over the route list: every tenant-scoped endpoint is
//! called by a rival tenant's owner (who holds every permission in their own tenant) and by a
//! partner of the same tenant, with our ids. A new route fails this test until it is added here.

use serde_json::{Value, json};
use upline_tests::routes::{Targets, call_route, request_for};
use upline_tests::{StatusCode, TestApp};

/// Our ids, and the text that must never appear in an answer to someone who may not see it.
struct Ours {
    targets: Targets,
    secrets: Vec<String>,
}

#[tokio::test]
async fn a_rival_tenant_and_a_foreign_partner_see_nothing_of_ours() {
    let app = TestApp::spawn().await;
    let ours = app.create_tenant("ours").await;
    let rival = app.create_tenant("rival").await;
    let top = app.create_partner(&ours, "Top", None).await;
    let other = app.create_partner(&ours, "Other", None).await;
    let (_, top_view) = app.get(&format!("/v1/partners/{top}"), &ours.token).await;
    let (partner_session, _) = app
        .register_confirmed(&ours, "Pat", top_view["referral_code"].as_str().unwrap())
        .await;
    let (staff, _) = app.staff_user(&ours, "Sue", &["participate"], None).await;
    let (status, _) = app
        .put_deal(&ours, "deal-ours", "500.00", "won", &other)
        .await;
    assert!(status.is_success());
    app.expect_balances(
        &ours,
        &[(&other, "50.00")],
        std::time::Duration::from_secs(3),
    )
    .await;
    let (_, ours_me) = app.get("/v1/me", &ours.token).await;
    let (_, pat) = app.get("/v1/partners/me", &partner_session).await;
    let (status, _) = app
        .post(
            &format!(
                "/v1/partners/{}/wallet/adjustments",
                pat["id"].as_str().unwrap()
            ),
            Some(&ours.token),
            json!({"amount": "30.00", "reason": "setup"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, payout) = app
        .post(
            "/v1/payouts",
            Some(&partner_session),
            json!({"amount": "30.00"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{payout}");
    let (status, lead) = app
        .post(
            "/v1/leads",
            Some(&ours.token),
            json!({"referral_code": top_view["referral_code"], "name": "Our Client"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let (status, webhook) = app
        .post(
            "/v1/webhooks",
            Some(&ours.token),
            json!({"url": "https://ours.example/hook", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{webhook}");
    let (status, our_key) = app
        .post(
            "/v1/api-keys",
            Some(&ours.token),
            json!({"name": "Our CRM"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{our_key}");
    let ours = Ours {
        targets: Targets {
            api_key: our_key["id"].as_str().unwrap().to_owned(),
            webhook: webhook["id"].as_str().unwrap().to_owned(),
            lead: lead["id"].as_str().unwrap().to_owned(),
            code: top_view["referral_code"].as_str().unwrap().to_owned(),
            payout: payout["id"].as_str().unwrap().to_owned(),
            partner: other.to_string(),
            user: staff,
            deal: "deal-ours".to_owned(),
        },
        secrets: vec![
            ours_me["tenant"]["id"].as_str().unwrap().to_owned(),
            other.to_string(),
            top.to_string(),
            "other@partners.example".to_owned(),
            "deal-ours".to_owned(),
            "owner@ours.example".to_owned(),
            "ours.example/hook".to_owned(),
            "Our CRM".to_owned(),
        ],
    };

    let mut checked = 0;
    for route in upline_tests::routes::every_route().filter(|r| !r.who.is_public()) {
        let (path, body, names_ours) = request_for(route.id, route.path, &ours.targets);
        // The rival's owner holds every permission — in their own tenant only.
        let (status, answer) = call_route(
            &app,
            route.id,
            route.method.clone(),
            &path,
            &rival.token,
            body.clone(),
        )
        .await;
        if names_ours {
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY].contains(&status),
                "rival: {} {path}: {status} {answer}",
                route.method
            );
        }
        for secret in &ours.secrets {
            assert!(
                !answer.contains(secret.as_str()),
                "rival: {} {path} leaked {secret}: {answer}",
                route.method
            );
        }
        // A partner of ours, not above `Other`: missing permissions or nothing there.
        if names_ours {
            let (status, answer) = call_route(
                &app,
                route.id,
                route.method.clone(),
                &path,
                &partner_session,
                body,
            )
            .await;
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&status),
                "partner: {} {path}: {status} {answer}",
                route.method
            );
            assert!(
                !answer.contains("other@partners.example"),
                "partner: {path} leaked: {answer}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} routes checked");

    // Nothing of the rival's attempts landed in our tenant.
    let (_, deal) = app
        .get("/v1/deals/deal-ours", &ours_token(&app).await)
        .await;
    assert_eq!(deal["history"].as_array().unwrap().len(), 1, "{deal}");
    let (_, partner) = app
        .get(&format!("/v1/partners/{other}"), &ours_token(&app).await)
        .await;
    assert_eq!(partner["sponsor_id"], Value::Null);
}

async fn ours_token(app: &TestApp) -> String {
    let (status, body) = app
        .post(
            "/v1/auth/login",
            None,
            json!({"tenant": "ours", "email": "owner@ours.example", "password": upline_tests::PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    body["token"].as_str().unwrap().to_owned()
}
