//! Each function's IAM policy (declared in the route list, granted by the SAM template) is
//! exactly what its handler does: every route is driven through the local cloud — with a
//! session and with an API key — and the stream handler through its paths, while every DynamoDB
//! request is attributed to its function.

use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use upline_api::routes::{Iam, KEY_USE_IAM, ROUTES, STREAM_IAM};
use upline_local::requests::{FUNCTION, KEY_USE_FAMILY, iam_seen};
use upline_stream::StreamHandler;
use upline_tests::{PASSWORD, StatusCode, TestApp, read_stream};

type Seen = BTreeMap<String, BTreeSet<(String, String)>>;

fn declared(iam: &Iam) -> (BTreeSet<String>, BTreeSet<String>) {
    (
        iam.actions.iter().map(|a| a.to_string()).collect(),
        iam.keys.iter().map(|k| k.to_string()).collect(),
    )
}

/// A route's declaration, and for one that admits keys what the gate adds (as the SAM
/// template grants it).
fn granted(route: &upline_api::routes::Route) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut actions, mut keys) = declared(&route.iam);
    if route.admits_keys() {
        let (more_actions, more_keys) = declared(&KEY_USE_IAM);
        actions.extend(more_actions);
        keys.extend(more_keys);
    }
    (actions, keys)
}

fn observed(seen: &Seen, function: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let uses = seen.get(function).cloned().unwrap_or_default();
    (
        uses.iter().map(|(a, _)| a.clone()).collect(),
        uses.iter()
            .filter(|(_, k)| k != KEY_USE_FAMILY)
            .map(|(_, k)| k.clone())
            .collect(),
    )
}

/// Calls every route, each authenticated one with a session and with an API key.
async fn drive_every_route(app: &TestApp) {
    let tenant = app.create_tenant("iam-tour").await;
    let (status, _) = app.post("/v1/auth/login", None, json!({"tenant": "iam-tour", "email": "owner@iam-tour.example", "password": "correct horse battery"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.post("/v1/auth/login", None, json!({"tenant": "iam-tour", "email": "owner@iam-tour.example", "password": "wrong horse battery"})).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a failure is counted for the throttle"
    );
    let (_, key) = app
        .post("/v1/api-keys", Some(&tenant.token), json!({"name": "CRM"}))
        .await;
    let key = key["key"].as_str().unwrap().to_owned();
    app.use_three_level_plan(&tenant).await;
    let a = app.create_partner(&tenant, "A", None).await;
    let b = app.create_partner(&tenant, "B", Some(&a)).await;
    let (status, _) = app
        .post(
            "/v1/partners",
            Some(&tenant.token),
            json!({"email": "x@iam.example", "name": "X", "external_id": "EXT-1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, partner_b) = app.get(&format!("/v1/partners/{b}"), &tenant.token).await;
    let code = partner_b["referral_code"].as_str().unwrap();
    let (status, _) = app
        .put(
            "/v1/deals/tour-1",
            &key,
            json!({"amount": "100.00", "status": "new", "partner_id": b}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .put(
            "/v1/deals/tour-1",
            &key,
            json!({"amount": "100.00", "status": "won"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .put(
            "/v1/deals/tour-2",
            &tenant.token,
            json!({"amount": "50.00", "status": "won", "referral_code": code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.expect_balances(
        &tenant,
        &[(&b, "15.00"), (&a, "7.50")],
        std::time::Duration::from_secs(5),
    )
    .await;

    drive_account_routes(app, &tenant, &key, &a, code).await;
    drive_two_factor_routes(app, &tenant).await;
    drive_integration_routes(app, &tenant, &key, code).await;
    drive_payout_routes(app, &tenant, &key).await;
    drive_front_door_routes(app, &tenant, &key, code).await;

    for route in ROUTES {
        if ACCOUNT_ROUTES.contains(&route.id) {
            continue;
        }
        let path = route
            .path
            .replace("{id}", b.as_str())
            .replace("{external_id}", "tour-1");
        let path = if route.id == "preview_commission" {
            format!("{path}?status=refunded")
        } else {
            path
        };
        let body = match route.id {
            "update_program" => Some(json!({"open_signup": false})),
            "create_api_key" => Some(json!({"name": "another"})),
            "adjust_wallet" => Some(json!({"amount": "-1.00", "reason": "tour"})),
            "create_lead" => Some(
                json!({"referral_code": code, "name": "Lena Lead", "email": "lena@lead.example"}),
            ),
            "create_partner" => {
                Some(json!({"email": "y@iam.example", "name": "Y", "sponsor_id": a}))
            }
            "put_deal" => Some(json!({"amount": "100.00", "status": "won"})),
            _ if route.method == reqwest::Method::POST => continue,
            _ => None,
        };
        for token in [tenant.token.as_str(), key.as_str()] {
            let (status, answer) = app
                .request(route.method.clone(), &path, Some(token), body.clone())
                .await;
            assert!(
                status.is_success()
                    || (token == key
                        && [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status)),
                "{} {path}: {status} {answer}",
                route.method
            );
        }
    }
}

/// Routes driven one by one in `drive_account_routes` (they need tokens from emails, a
/// partner's session, …).
const ACCOUNT_ROUTES: &[&str] = &[
    "start_totp",
    "confirm_totp",
    "disable_totp",
    "register",
    "confirm_email",
    "resend_confirmation",
    "forgot_password",
    "set_password",
    "me",
    "create_user",
    "list_users",
    "set_supervisor",
    "set_permissions",
    "join_program",
    "upload_terms",
    "my_partner",
    "my_qr_code",
    "list_partners",
    "set_sponsor",
    "create_invitation",
    "get_invitation",
    "get_public_program",
    "get_wallet",
    "list_wallet_entries",
    "request_payout",
    "list_payouts",
    "pay_payout",
    "reject_payout",
    "register_client",
    "create_webhook",
    "list_webhooks",
    "delete_webhook",
    "rotate_webhook_secret",
    "list_webhook_deliveries",
    "list_notifications",
    "list_templates",
    "put_template",
    "set_language",
    "list_api_keys",
    "delete_api_key",
    "logout",
    "record_click",
    "create_public_lead",
    "follow_referral_link",
    "create_embed_token",
    "get_embed_panel",
    "embed_page",
];

/// Each account route once with the session that may use it and once with the API key.
/// Two-factor login on, a login with a code, and off again (codes of three successive steps).
async fn drive_two_factor_routes(app: &TestApp, tenant: &upline_tests::TestTenant) {
    let (status, setup) = app
        .post("/v1/me/totp", Some(&tenant.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{setup}");
    let bytes = totp_rs::Secret::Encoded(setup["secret"].as_str().unwrap().to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        bytes,
        None,
        String::new(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (status, answer) = app
        .post(
            "/v1/me/totp/confirm",
            Some(&tenant.token),
            json!({"code": totp.generate(now - 30)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = app.post("/v1/auth/login", None, json!({"tenant": tenant.slug, "email": format!("owner@{}.example", tenant.slug), "password": PASSWORD, "totp": totp.generate(now)})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = app
        .request(
            reqwest::Method::DELETE,
            "/v1/me/totp",
            Some(&tenant.token),
            Some(json!({"code": totp.generate(now + 30)})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
}

async fn drive_account_routes(
    app: &TestApp,
    tenant: &upline_tests::TestTenant,
    key: &str,
    a: &upline_contract::PartnerId,
    code: &str,
) {
    let ok = |status: StatusCode, body: &serde_json::Value, what: &str| {
        assert!(status.is_success(), "{what}: {status} {body}");
    };
    let refused_for_key = |status: StatusCode, what: &str| {
        assert!(
            [
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::NOT_FOUND
            ]
            .contains(&status),
            "{what} with an API key: {status}"
        );
    };
    let pdf = upline_tests::TINY_PDF.to_vec();
    for token in [tenant.token.as_str(), key] {
        let (status, body) = app
            .send_bytes(
                reqwest::Method::PUT,
                "/v1/program/terms",
                Some(token),
                "application/pdf",
                pdf.clone(),
            )
            .await;
        if token == key {
            refused_for_key(status, "upload_terms");
        } else {
            ok(status, &body, "upload_terms");
        }
    }
    // An invitation (level zero: the owner is no partner), prefilled, then registered with.
    let invite = json!({"first_name": "Iva", "last_name": "Tour", "email": "iva@iam.example", "level_zero": true});
    let (status, body) = app
        .post("/v1/invitations", Some(&tenant.token), invite.clone())
        .await;
    ok(status, &body, "create_invitation");
    let (status, _) = app.post("/v1/invitations", Some(key), invite).await;
    refused_for_key(status, "create_invitation");
    let invitation = app
        .token_from_email("iva@iam.example", "/register?invitation=")
        .await;
    let (status, body) = app
        .request(
            reqwest::Method::GET,
            &format!("/v1/invitations/{invitation}"),
            None,
            None,
        )
        .await;
    ok(status, &body, "get_invitation");
    let (status, body) = app
        .request(
            reqwest::Method::GET,
            &format!("/v1/public/programs/{}?ref={code}", tenant.slug),
            None,
            None,
        )
        .await;
    ok(status, &body, "get_public_program");
    let (status, body) = app
        .post("/v1/auth/register", None, json!({"tenant": tenant.slug, "email": "iva@iam.example", "password": upline_tests::PASSWORD, "name": "Iva", "accept_terms": true, "invitation_token": invitation}))
        .await;
    ok(status, &body, "register (invitation)");
    // By referral code: unconfirmed, so resend, confirm, forget and set the password.
    let (status, body) = app
        .post("/v1/auth/register", None, json!({"tenant": tenant.slug, "email": "rey@iam.example", "password": upline_tests::PASSWORD, "name": "Rey", "accept_terms": true, "referral_code": code}))
        .await;
    ok(status, &body, "register (code)");
    let rey = body["token"].as_str().unwrap().to_owned();
    for token in [rey.as_str(), key] {
        let (status, body) = app
            .request(
                reqwest::Method::POST,
                "/v1/auth/resend-confirmation",
                Some(token),
                None,
            )
            .await;
        if token == key {
            refused_for_key(status, "resend_confirmation");
        } else {
            ok(status, &body, "resend_confirmation");
        }
    }
    app.confirm_email("rey@iam.example").await;
    // The new password ended Rey's older sessions; the answer is the one that stands.
    let rey = reset_password(app, tenant, "rey@iam.example").await;
    // Rey earns from a deal of his own: his entries then name whom they came from (a batch read).
    let (_, me) = app.get("/v1/me", &rey).await;
    let rey_partner = upline_contract::PartnerId::from(me["partner"]["id"].as_str().unwrap());
    let (status, _) = app
        .put(
            "/v1/deals/tour-3",
            key,
            json!({"amount": "10.00", "status": "won", "partner_id": rey_partner}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.expect_balances(
        tenant,
        &[(&rey_partner, "1.00")],
        std::time::Duration::from_secs(5),
    )
    .await;
    // A staff member's new session reads the program: it may require two-factor login.
    app.staff_user(tenant, "Sue", &["view_all_partners"], None)
        .await;
    reset_password(app, tenant, "sue@staff.example").await;
    for (route, path) in [
        ("me", "/v1/me"),
        ("my_partner", "/v1/partners/me"),
        ("my_qr_code", "/v1/partners/me/qr.svg"),
        ("list_partners", "/v1/partners?scope=downline"),
        ("get_wallet", "/v1/wallet"),
        ("list_wallet_entries", "/v1/wallet/entries"),
    ] {
        for token in [rey.as_str(), key] {
            let (status, body) = app
                .request(reqwest::Method::GET, path, Some(token), None)
                .await;
            if token == key {
                let refused = status.is_client_error();
                assert!(refused, "{route} with an API key: {status}");
            } else {
                ok(status, &body, route);
            }
        }
    }
    for token in [tenant.token.as_str(), key] {
        let (status, body) = app.get("/v1/partners?scope=all", token).await;
        ok(status, &body, "list_partners (all)");
    }
    // Staff: a supervisor and a user under them, both join; then the user moves.
    let (boss, boss_token) = app.staff_user(tenant, "Boss", &["participate"], None).await;
    let (clerk, clerk_token) = app
        .staff_user(tenant, "Clerk", &["participate"], Some(&boss))
        .await;
    let (status, body) = app
        .post(
            "/v1/users",
            Some(key),
            json!({"email": "k@iam.example", "name": "K", "password": upline_tests::PASSWORD}),
        )
        .await;
    refused_for_key(status, &format!("create_user {body}"));
    for token in [boss_token.as_str(), clerk_token.as_str(), key] {
        let (status, body) = app
            .post(
                "/v1/program/join",
                Some(token),
                json!({"accept_terms": true}),
            )
            .await;
        if token == key {
            refused_for_key(status, "join_program");
        } else {
            ok(status, &body, "join_program");
        }
    }
    for token in [tenant.token.as_str(), key] {
        let (status, body) = app.get("/v1/users", token).await;
        if token == key {
            refused_for_key(status, "list_users");
        } else {
            ok(status, &body, "list_users");
        }
        let (status, body) = app
            .put(
                &format!("/v1/users/{clerk}/supervisor"),
                token,
                json!({"supervisor_id": null}),
            )
            .await;
        if token == key {
            refused_for_key(status, "set_supervisor");
        } else {
            ok(status, &body, "set_supervisor");
        }
        let (status, body) = app
            .put(
                &format!("/v1/users/{clerk}/permissions"),
                token,
                json!({"permissions": ["participate", "view_all_partners"]}),
            )
            .await;
        if token == key {
            refused_for_key(status, "set_permissions");
        } else {
            ok(status, &body, "set_permissions");
        }
        let (_, boss_partner) = app.get("/v1/me", &boss_token).await;
        let boss_partner = boss_partner["partner"]["id"].as_str().unwrap().to_owned();
        let (status, body) = app
            .put(
                &format!("/v1/partners/{boss_partner}/sponsor"),
                token,
                json!({"sponsor_id": a}),
            )
            .await;
        if token == key {
            refused_for_key(status, "set_sponsor");
        } else {
            ok(status, &body, "set_sponsor");
        }
    }
}

/// Payouts: a partner asks, staff pay, the partner asks again, staff reject.
/// Forgot password, then the emailed link: the new session's token.
async fn reset_password(app: &TestApp, tenant: &upline_tests::TestTenant, email: &str) -> String {
    let (status, body) = app
        .post(
            "/v1/auth/forgot-password",
            None,
            json!({"tenant": tenant.slug, "email": email}),
        )
        .await;
    assert!(status.is_success(), "forgot_password: {status} {body}");
    let reset = app.token_from_email(email, "/set-password?token=").await;
    let (status, body) = app
        .post(
            "/v1/auth/set-password",
            None,
            json!({"token": reset, "password": "another horse battery"}),
        )
        .await;
    assert!(status.is_success(), "set_password: {status} {body}");
    body["token"].as_str().unwrap().to_owned()
}

async fn drive_payout_routes(app: &TestApp, tenant: &upline_tests::TestTenant, key: &str) {
    let (_, top) = app
        .get("/v1/partners?scope=all&limit=1", &tenant.token)
        .await;
    let code = top["items"][0]["referral_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (partner, view) = app.register_confirmed(tenant, "Payee", &code).await;
    let id = view["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/v1/partners/{id}/wallet/adjustments"),
            Some(&tenant.token),
            json!({"amount": "20.00", "reason": "tour"}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    for decision in ["pay", "reject"] {
        let (status, _) = app
            .post("/v1/payouts", Some(key), json!({"amount": "5.00"}))
            .await;
        assert!(status.is_client_error());
        let (status, payout) = app
            .post("/v1/payouts", Some(&partner), json!({"amount": "5.00"}))
            .await;
        assert!(status.is_success(), "request_payout: {payout}");
        let path = format!("/v1/payouts/{}/{decision}", payout["id"].as_str().unwrap());
        let (status, _) = app.post(&path, Some(key), json!({"reason": "tour"})).await;
        assert!(status.is_client_error(), "{decision} with an API key");
        let (status, body) = app
            .post(&path, Some(&tenant.token), json!({"reason": "tour"}))
            .await;
        assert!(status.is_success(), "{decision}: {body}");
    }
    for token in [partner.as_str(), tenant.token.as_str()] {
        let (status, body) = app.get("/v1/payouts?status=paid", token).await;
        assert!(status.is_success(), "list_payouts: {body}");
    }
    let (status, _) = app.get("/v1/payouts", key).await;
    assert!(status.is_client_error());
    let (status, body) = app.get("/v1/leads", &partner).await;
    assert!(status.is_success(), "list_leads (own): {body}");
    for token in [partner.as_str(), key] {
        let (status, body) = app.get("/v1/deals", token).await;
        assert!(status.is_success(), "list_deals: {body}");
    }
    for token in [key, tenant.token.as_str()] {
        let (_, lead) = app
            .post(
                "/v1/leads",
                Some(key),
                json!({"referral_code": code, "name": "Client"}),
            )
            .await;
        let path = format!("/v1/leads/{}/registered", lead["id"].as_str().unwrap());
        let (status, body) = app.post(&path, Some(token), json!({})).await;
        assert!(status.is_success(), "register_client: {body}");
    }
    drive_key_and_session_routes(app, tenant, key).await;
}

/// Keys listed and revoked (by hand, and with their creator's `configure_program`), and a
/// session ended.
async fn drive_key_and_session_routes(app: &TestApp, tenant: &upline_tests::TestTenant, key: &str) {
    let (admin, admin_token) = app
        .staff_user(tenant, "Keymaker", &["configure_program"], None)
        .await;
    let (status, theirs) = app
        .post(
            "/v1/api-keys",
            Some(&admin_token),
            json!({"name": "Theirs"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    let (status, spare) = app
        .post(
            "/v1/api-keys",
            Some(&tenant.token),
            json!({"name": "Spare"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{spare}");
    for token in [tenant.token.as_str(), key] {
        let (status, body) = app.get("/v1/api-keys", token).await;
        let path = format!("/v1/api-keys/{}", spare["id"].as_str().unwrap());
        let (deleted, _) = app
            .request(reqwest::Method::DELETE, &path, Some(token), None)
            .await;
        if token == key {
            assert_eq!(status, StatusCode::FORBIDDEN, "list_api_keys with a key");
            assert_eq!(deleted, StatusCode::FORBIDDEN, "delete_api_key with a key");
        } else {
            assert_eq!(status, StatusCode::OK, "list_api_keys: {body}");
            assert_eq!(deleted, StatusCode::NO_CONTENT, "delete_api_key");
        }
    }
    let (status, body) = app
        .put(
            &format!("/v1/users/{admin}/permissions"),
            &tenant.token,
            json!({"permissions": ["view_all_partners"]}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "set_permissions revoking keys: {body}"
    );
    let (status, body) = app
        .login(tenant, &format!("owner@{}.example", tenant.slug), PASSWORD)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = body["token"].as_str().unwrap();
    for token in [key, session] {
        let (status, _) = app
            .request(reqwest::Method::POST, "/v1/auth/logout", Some(token), None)
            .await;
        let expected = if token == key {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::NO_CONTENT
        };
        assert_eq!(status, expected, "logout");
    }
}

/// Webhooks, notifications, templates and languages; a webhook to a closed port, so its
/// delivery fails and the sweeper retries it.
async fn drive_integration_routes(
    app: &TestApp,
    tenant: &upline_tests::TestTenant,
    key: &str,
    code: &str,
) {
    let (status, hook) = app
        .post(
            "/v1/webhooks",
            Some(&tenant.token),
            json!({"url": "http://127.0.0.1:9/hook", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let id = hook["id"].as_str().unwrap();
    let (status, lead) = app
        .post(
            "/v1/leads",
            Some(key),
            json!({"referral_code": code, "name": "Hooked Lead"}),
        )
        .await;
    assert!(status.is_success(), "{lead}");
    app.settle().await;
    app.cloud
        .sweep_due_at(time::OffsetDateTime::now_utc() + std::time::Duration::from_secs(60))
        .await;
    let calls: [(reqwest::Method, String, Option<serde_json::Value>); 7] = [
        (
            reqwest::Method::POST,
            "/v1/webhooks".into(),
            Some(json!({"url": "http://127.0.0.1:9/other", "events": ["deal.updated"]})),
        ),
        (reqwest::Method::GET, "/v1/webhooks".into(), None),
        (
            reqwest::Method::POST,
            format!("/v1/webhooks/{id}/rotate-secret"),
            Some(json!({})),
        ),
        (
            reqwest::Method::GET,
            format!("/v1/webhooks/{id}/deliveries"),
            None,
        ),
        (
            reqwest::Method::GET,
            "/v1/notifications?status=sent".into(),
            None,
        ),
        (reqwest::Method::GET, "/v1/program/templates".into(), None),
        (
            reqwest::Method::PUT,
            "/v1/program/templates/payout_paid".into(),
            Some(json!({"language": "ru", "subject": "Готово", "body": "{{ reward }}"})),
        ),
    ];
    for token in [tenant.token.as_str(), key] {
        for (method, path, body) in &calls {
            let (status, answer) = app
                .request(method.clone(), path, Some(token), body.clone())
                .await;
            assert!(
                status.is_success() || (token == key && status == StatusCode::FORBIDDEN),
                "{method} {path}: {status} {answer}"
            );
        }
    }
    let (status, answer) = app
        .get("/v1/webhooks/wh_none/deliveries", &tenant.token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, _) = app
        .request(
            reqwest::Method::DELETE,
            "/v1/webhooks/wh_none",
            Some(key),
            None,
        )
        .await;
    assert!([StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status));
    let (status, answer) = app
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/webhooks/{id}"),
            Some(&tenant.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let (_, me) = app.get("/v1/me", &tenant.token).await;
    assert!(
        me["user"]["partner_id"].is_null(),
        "the owner has not joined: {me}"
    );
    let (status, answer) = app
        .put("/v1/me/language", &tenant.token, json!({"language": "pl"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (partner, _) = app.register_confirmed(tenant, "Linguist", code).await;
    let (status, answer) = app
        .put("/v1/me/language", &partner, json!({"language": "uk"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _) = app
        .put("/v1/me/language", key, json!({"language": "uk"}))
        .await;
    assert!(status.is_client_error());
}

/// The stream handler's paths that the poller rarely takes: a gap filled from the deal's
/// transitions, and a record parked as a dead letter.
async fn drive_stream_edge_paths() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("iam-stream").await;
    let partner = app.create_partner(&tenant, "S", None).await;
    let (endpoint, table, store) = (
        app.cloud.dynamodb_endpoint().to_owned(),
        app.cloud.table().to_owned(),
        app.store(),
    );
    app.cloud.shutdown().await.unwrap();
    let mut deal = upline_store::deals::DealRecord {
        tenant_id: tenant.id.clone(),
        external_id: "gap".into(),
        amount: "10.00".parse().unwrap(),
        currency: "EUR".parse().unwrap(),
        status: "won".into(),
        partner_id: partner.clone(),
        seq: 1,
        created_at: "2026-11-24T00:00:00Z".into(),
        updated_at: "2026-11-24T00:00:00Z".into(),
    };
    let transition =
        |deal: &upline_store::deals::DealRecord, to: &str| upline_store::deals::TransitionRecord {
            tenant_id: deal.tenant_id.clone(),
            deal_id: deal.external_id.clone(),
            seq: deal.seq,
            from: None,
            to: to.into(),
            amount: deal.amount,
            currency: deal.currency,
            partner_id: deal.partner_id.clone(),
            at: upline_store::Timestamp::now(),
            event: None,
        };
    store
        .create_deal(&deal, &transition(&deal, "won"), None, 0)
        .await
        .unwrap();
    deal.seq = 2;
    deal.status = "refunded".into();
    store
        .update_deal(&deal, 1, Some(&transition(&deal, "refunded")), None, 0)
        .await
        .unwrap();

    let handler = StreamHandler::new(store, Arc::new(upline_local::LocalOutbox::in_memory()));
    let (arn, records) = read_stream(&endpoint, &table).await.unwrap();
    let mut event = upline_local::to_lambda_event(&records, &arn);
    event.records.reverse(); // the refund first: the missing `won` is read back
    let mut orphan = event
        .records
        .iter()
        .find(|r| {
            r.change
                .new_image
                .get("entity")
                .is_some_and(|e| *e == serde_dynamo::AttributeValue::S("transition".into()))
        })
        .cloned()
        .unwrap();
    orphan.change.new_image.insert(
        "partner_id".into(),
        serde_dynamo::AttributeValue::S("pt_nobody".into()),
    );
    orphan.change.new_image.insert(
        "deal_id".into(),
        serde_dynamo::AttributeValue::S("orphan".into()),
    );
    orphan.change.keys.insert(
        "pk".into(),
        serde_dynamo::AttributeValue::S("T#x#D#orphan".into()),
    );
    event.records.push(orphan);
    FUNCTION
        .scope("stream", async {
            assert!(handler.handle(event).await.batch_item_failures.is_empty());
            // The walk's notifications, delivered.
            let (arn, records) = read_stream(&endpoint, &table).await.unwrap();
            handler
                .handle(upline_local::to_lambda_event(&records, &arn))
                .await;
        })
        .await;
}

#[tokio::test]
async fn every_function_is_granted_exactly_what_it_does() {
    // Every use of a key is recorded here, so each route that admits keys shows that write.
    let app = TestApp::spawn_with_limits(upline_api::throttle::Limits {
        key_use_recorded_every_millis: 0,
        ..Default::default()
    })
    .await;
    drive_every_route(&app).await;
    drive_stream_edge_paths().await;
    let seen = iam_seen();
    let mut wrong = Vec::new();
    for route in ROUTES {
        if granted(route) != observed(&seen, route.id) {
            wrong.push(format!(
                "{}: declared {:?}, observed {:?}",
                route.id,
                granted(route),
                observed(&seen, route.id)
            ));
        }
    }
    if declared(&STREAM_IAM) != observed(&seen, "stream") {
        wrong.push(format!(
            "stream: declared {:?}, observed {:?}",
            declared(&STREAM_IAM),
            observed(&seen, "stream")
        ));
    }
    assert!(
        wrong.is_empty(),
        "policies differ from behaviour:\n{}",
        wrong.join("\n")
    );
    assert!(
        !seen.contains_key("unknown"),
        "a request outside any route: {:?}",
        seen.get("unknown")
    );
}

/// The widget's capture endpoints from an allowed site, a referral link with a landing page,
/// a deal by click, and the embedded panel's token, page and data.
async fn drive_front_door_routes(
    app: &TestApp,
    tenant: &upline_tests::TestTenant,
    key: &str,
    code: &str,
) {
    let site = "http://shop.localhost:4000";
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"widget_origins": [site], "landing_url": "https://shop.example/welcome"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let browser = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36";
    let post = |path: &'static str, body: serde_json::Value| async move {
        let response = app
            .http
            .post(format!("{}{path}", app.base))
            .header("origin", site)
            .header("user-agent", browser)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json::<serde_json::Value>().await.unwrap())
    };
    let (status, click) = post(
        "/v1/public/clicks",
        json!({"program": tenant.slug, "referral_code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{click}");
    for attribution in [
        json!({"click_id": click["click_id"]}),
        json!({"referral_code": code}),
    ] {
        let mut lead = json!({"program": tenant.slug, "name": "Web Lead", "email": "web@lead.example", "consent": true});
        lead.as_object_mut()
            .unwrap()
            .extend(attribution.as_object().unwrap().clone());
        let (status, body) = post("/v1/public/leads", lead).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app
        .put(
            "/v1/deals/tour-click",
            key,
            json!({"amount": "10.00", "status": "won", "click_id": click["click_id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects
        .get(format!("{}/r/{code}?program={}", app.base, tenant.slug))
        .header("user-agent", browser)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let (status, partners) = app.get("/v1/partners?scope=all", key).await;
    assert_eq!(status, StatusCode::OK);
    let with_external = partners["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["external_id"] == "EXT-1")
        .unwrap()
        .clone();
    let mut token = String::new();
    for body in [
        json!({"partner_id": with_external["id"]}),
        json!({"external_id": "EXT-1"}),
    ] {
        let (status, minted) = app.post("/v1/embed-tokens", Some(key), body).await;
        assert_eq!(status, StatusCode::CREATED, "{minted}");
        token = minted["token"].as_str().unwrap().to_owned();
    }
    let (status, panel) = app.get("/v1/embed/me", &token).await;
    assert_eq!(status, StatusCode::OK, "{panel}");
    // The bare local cloud of tests serves no portal: the page is a 404 after the program read.
    let (status, _) = app
        .request(
            reqwest::Method::GET,
            &format!("/embed?token={token}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
