//! Tenant isolation and abuse, as a matrix over the route list: every tenant-scoped endpoint is
//! called by a rival tenant's owner (who holds every permission in their own tenant) and by a
//! partner of the same tenant, with our ids. A new route fails this test until it is added here.

use serde_json::{Value, json};
use upline_api::routes::{Access, ROUTES};
use upline_tests::{StatusCode, TINY_PDF, TestApp};

/// Our ids, and the text that must never appear in an answer to someone who may not see it.
struct Ours {
    lead: String,
    webhook: String,
    partner: String,
    payout: String,
    code: String,
    user: String,
    deal: &'static str,
    secrets: Vec<String>,
}

/// The request a route gets: path, body, and whether it names one of our ids.
fn request_for(route_id: &str, path: &str, ours: &Ours) -> (String, Option<Value>, bool) {
    let with_ids = path
        .replace(
            "{id}",
            if path.starts_with("/v1/users/") {
                &ours.user
            } else if path.starts_with("/v1/payouts/") {
                &ours.payout
            } else if path.starts_with("/v1/leads/") {
                &ours.lead
            } else if path.starts_with("/v1/webhooks/") {
                &ours.webhook
            } else {
                &ours.partner
            },
        )
        .replace("{external_id}", ours.deal);
    let names_ours = with_ids != path;
    let with_ids = with_ids.replace("{name}", "commission_credited");
    let (body, body_names_ours) = match route_id {
        "update_program" => (Some(json!({"open_signup": false})), false),
        "create_partner" => (
            Some(json!({"email": "x@rival.example", "name": "X", "sponsor_id": ours.partner})),
            true,
        ),
        "put_deal" => (
            Some(json!({"amount": "10.00", "status": "won", "partner_id": ours.partner})),
            true,
        ),
        "create_api_key" => (Some(json!({"name": "k"})), false),
        "adjust_wallet" => (Some(json!({"amount": "5.00", "reason": "rival"})), false),
        "request_payout" => (Some(json!({"amount": "1.00"})), false),
        "create_lead" => (
            Some(json!({"referral_code": ours.code, "name": "Lee"})),
            true,
        ),
        "list_leads" | "register_client" => (None, false),
        "reject_payout" => (Some(json!({"reason": "rival"})), false),
        "pay_payout" | "list_payouts" => (None, false),
        "create_user" => (
            Some(
                json!({"email": "u@rival.example", "name": "U", "password": "correct horse battery", "supervisor_id": ours.user}),
            ),
            true,
        ),
        "set_supervisor" => (Some(json!({"supervisor_id": null})), false),
        "set_permissions" => (Some(json!({"permissions": []})), false),
        "set_sponsor" => (Some(json!({"sponsor_id": null})), false),
        "join_program" => (Some(json!({"accept_terms": true})), false),
        "create_invitation" => (
            Some(
                json!({"first_name": "I", "last_name": "N", "email": "i@rival.example", "level_zero": true}),
            ),
            false,
        ),
        "resend_confirmation" | "upload_terms" => (None, false),
        "get_program"
        | "get_partner"
        | "get_deal"
        | "preview_commission"
        | "get_partner_wallet"
        | "list_partner_wallet_entries"
        | "me"
        | "my_partner"
        | "my_qr_code"
        | "list_partners"
        | "list_users"
        | "get_wallet"
        | "list_wallet_entries" => (None, false),
        "create_webhook" => (
            Some(json!({"url": "https://rival.example/hook", "events": ["lead.created"]})),
            false,
        ),
        "put_template" => (
            Some(json!({"language": "en", "subject": "Rival {{ name }}", "body": "x"})),
            false,
        ),
        "set_language" => (Some(json!({"language": "pl"})), false),
        "list_webhooks"
        | "delete_webhook"
        | "rotate_webhook_secret"
        | "list_webhook_deliveries"
        | "list_notifications"
        | "list_templates" => (None, false),
        other => panic!("add route {other} to the isolation matrix"),
    };
    (with_ids, body, names_ours || body_names_ours)
}

async fn call(
    app: &TestApp,
    route_id: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    if route_id == "upload_terms" {
        let (status, body) = app
            .send_bytes(
                method,
                path,
                Some(token),
                "application/pdf",
                TINY_PDF.to_vec(),
            )
            .await;
        return (status, body.to_string());
    }
    let (status, answer) = app.request(method, path, Some(token), body).await;
    (status, answer.to_string())
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
    let ours = Ours {
        webhook: webhook["id"].as_str().unwrap().to_owned(),
        lead: lead["id"].as_str().unwrap().to_owned(),
        code: top_view["referral_code"].as_str().unwrap().to_owned(),
        payout: payout["id"].as_str().unwrap().to_owned(),
        partner: other.to_string(),
        user: staff,
        deal: "deal-ours",
        secrets: vec![
            ours_me["tenant"]["id"].as_str().unwrap().to_owned(),
            other.to_string(),
            top.to_string(),
            "other@partners.example".to_owned(),
            "deal-ours".to_owned(),
            "owner@ours.example".to_owned(),
            "ours.example/hook".to_owned(),
        ],
    };

    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.access == Access::Authenticated) {
        let (path, body, names_ours) = request_for(route.id, route.path, &ours);
        let path = if route.id == "preview_commission" {
            format!("{path}?status=won")
        } else {
            path
        };
        // The rival's owner holds every permission — in their own tenant only.
        let (status, answer) = call(
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
            let (status, answer) = call(
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
