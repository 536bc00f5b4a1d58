//! The findings of the attack probe, each as the request an attacker sent and the answer it must
//! get now: every one of these failed before its fix.

use futures::future::join_all;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use upline_tests::{PASSWORD, StatusCode, TestApp};

/// A client whose requests come from 127.0.0.`octet`: every 127/8 address is this machine, so
/// tests can speak as several client addresses.
fn client_from(octet: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, octet)))
        .build()
        .unwrap()
}

async fn send(
    client: &reqwest::Client,
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = client.request(method, format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the local cloud answers");
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body)
}

async fn login_from(
    client: &reqwest::Client,
    app: &TestApp,
    tenant: &str,
    email: &str,
    password: &str,
) -> (StatusCode, Option<String>, Value) {
    let body = json!({"tenant": tenant, "email": email, "password": password});
    send(
        client,
        app,
        reqwest::Method::POST,
        "/v1/auth/login",
        None,
        Some(body),
    )
    .await
}

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

#[tokio::test]
async fn twenty_parallel_wrong_passwords_test_no_more_than_the_limit() {
    let app = TestApp::spawn().await;
    app.create_tenant("acme").await;
    let attacker = client_from(7);
    let owner = "owner@acme.example";
    let attempts = join_all((0..20).map(|i| {
        let attacker = attacker.clone();
        let app = &app;
        async move { login_from(&attacker, app, "acme", owner, &format!("guess {i}")).await }
    }))
    .await;
    let reached_the_check = attempts
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        reached_the_check <= 5,
        "{reached_the_check} of 20 parallel guesses reached the password check"
    );
    for (status, retry_after, body) in &attempts {
        if *status != StatusCode::UNAUTHORIZED {
            assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS, "{body}");
            assert_eq!(body["error"]["code"], "too_many_attempts");
            let seconds: u64 = retry_after.as_deref().unwrap().parse().unwrap();
            assert!((1..=15 * 60).contains(&seconds), "Retry-After {seconds}");
        }
    }
    // The right password from the attacker's address is refused too: the limit is not a hint.
    let (status, _, _) = login_from(&attacker, &app, "acme", owner, PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_guesser_elsewhere_does_not_lock_the_real_user_out() {
    let app = TestApp::spawn().await;
    app.create_tenant("acme").await;
    let owner = "owner@acme.example";
    let attacker = client_from(9);
    for i in 0..8 {
        login_from(&attacker, &app, "acme", owner, &format!("guess {i}")).await;
    }
    let (status, _, _) = login_from(&attacker, &app, "acme", owner, "guess 9").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    let (status, _, body) = login_from(&client_from(10), &app, "acme", owner, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn logging_in_often_with_the_right_password_is_never_throttled() {
    let app = TestApp::spawn().await;
    app.create_tenant("acme").await;
    let user = client_from(11);
    for _ in 0..8 {
        let (status, _, body) =
            login_from(&user, &app, "acme", "owner@acme.example", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

fn signup(slug: &str) -> Value {
    json!({
        "slug": slug, "name": "Shop", "currency": "EUR",
        "owner": {"email": format!("owner@{slug}.example"), "password": PASSWORD, "name": "Ola"}
    })
}

#[tokio::test]
async fn one_address_cannot_sign_up_tenants_without_end() {
    let app = TestApp::spawn().await;
    let client = client_from(21);
    let mut created = 0;
    let refused = loop {
        let (status, retry_after, body) = send(
            &client,
            &app,
            reqwest::Method::POST,
            "/v1/tenants",
            None,
            Some(signup(&format!("shop-{created}"))),
        )
        .await;
        if status != StatusCode::CREATED {
            break (status, retry_after, body);
        }
        created += 1;
        assert!(created < 12, "twelve tenants from one address");
    };
    assert!(created >= 3, "only {created} signups before the limit");
    assert_eq!(refused.0, StatusCode::TOO_MANY_REQUESTS, "{}", refused.2);
    assert_eq!(refused.2["error"]["code"], "too_many_signups");
    assert!(refused.1.is_some(), "Retry-After");

    let (status, _, body) = send(
        &client_from(22),
        &app,
        reqwest::Method::POST,
        "/v1/tenants",
        None,
        Some(signup("elsewhere")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "another address may: {body}");
}

#[tokio::test]
async fn one_address_cannot_register_partners_without_end() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let (status, _) = app
        .put("/v1/program", &acme.token, json!({"open_signup": true}))
        .await;
    assert!(status.is_success());
    let client = client_from(31);
    let mut registered = 0;
    let refused = loop {
        let body = json!({
            "tenant": "acme", "email": format!("p{registered}@mail.example"),
            "password": PASSWORD, "name": "Pat"
        });
        let (status, retry_after, body) = send(
            &client,
            &app,
            reqwest::Method::POST,
            "/v1/auth/register",
            None,
            Some(body),
        )
        .await;
        if status != StatusCode::CREATED {
            break (status, retry_after, body);
        }
        registered += 1;
        assert!(registered < 40, "forty accounts from one address");
    };
    assert!(
        registered >= 5,
        "only {registered} registrations before the limit"
    );
    assert_eq!(refused.0, StatusCode::TOO_MANY_REQUESTS, "{}", refused.2);
    assert_eq!(refused.2["error"]["code"], "too_many_registrations");
    assert!(refused.1.is_some(), "Retry-After");
}

#[tokio::test]
async fn an_overlong_or_odd_path_id_is_a_404_not_a_500() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let long = "w".repeat(1_100);
    for path in [
        format!("/v1/webhooks/{long}"),
        format!("/v1/webhooks/{long}/rotate-secret"),
        "/v1/webhooks/wh%23x".to_owned(),
        format!("/v1/partners/{long}"),
        format!("/v1/deals/{long}"),
    ] {
        for method in [
            reqwest::Method::DELETE,
            reqwest::Method::POST,
            reqwest::Method::GET,
        ] {
            let (status, body) = app
                .request(method.clone(), &path, Some(&acme.token), None)
                .await;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {status} {body}"
            );
        }
    }
}

#[tokio::test]
async fn nobody_takes_a_permission_from_the_owner() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let (_, admin) = app
        .staff_user(
            &acme,
            "Ada",
            &["configure_program", "manage_balances"],
            None,
        )
        .await;
    let (_, me) = app.get("/v1/me", &acme.token).await;
    let owner = me["user"]["id"].as_str().unwrap().to_owned();

    let (status, body) = app
        .put(
            &format!("/v1/users/{owner}/permissions"),
            &admin,
            json!({"permissions": ["manage_balances"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "owner_keeps_permissions");
    let (_, me) = app.get("/v1/me", &acme.token).await;
    assert!(
        me["user"]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("configure_program")),
        "{me}"
    );
}

#[tokio::test]
async fn a_balance_manager_who_is_a_partner_moves_no_money_into_their_own_wallet() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let (_, clerk) = app
        .staff_user(&acme, "Cleo", &["manage_balances", "participate"], None)
        .await;
    let (status, own) = app
        .post(
            "/v1/program/join",
            Some(&clerk),
            json!({"accept_terms": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let own_id = own["id"].as_str().unwrap();
    let adjust = format!("/v1/partners/{own_id}/wallet/adjustments");

    let (status, body) = app
        .post(
            &adjust,
            Some(&clerk),
            json!({"amount": "500.00", "reason": "bonus"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "own_wallet");

    // Another manager may, and the entry says who made it.
    let (status, entry) = app
        .post(
            &adjust,
            Some(&acme.token),
            json!({"amount": "50.00", "reason": "bonus"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    let (_, me) = app.get("/v1/me", &acme.token).await;
    assert_eq!(
        entry["made_by"],
        format!("user:{}", me["user"]["id"].as_str().unwrap())
    );

    let (status, payout) = app
        .post("/v1/payouts", Some(&clerk), json!({"amount": "50.00"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{payout}");
    let pay = format!("/v1/payouts/{}/pay", payout["id"].as_str().unwrap());
    let (status, body) = app.post(&pay, Some(&clerk), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "own_wallet");
    let (status, body) = app.post(&pay, Some(&acme.token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, entries) = app.get("/v1/wallet/entries", &clerk).await;
    let paid = &entries["items"][0];
    assert_eq!(paid["kind"], "payout", "{entries}");
    assert_eq!(paid["made_by"], entry["made_by"]);
}

#[tokio::test]
async fn logging_out_ends_that_session_and_a_new_password_ends_all_older_ones() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let owner = "owner@acme.example";
    let (_, second) = app.login(&acme, owner, PASSWORD).await;
    let second = second["token"].as_str().unwrap().to_owned();

    let (status, body) = app
        .request(
            reqwest::Method::POST,
            "/v1/auth/logout",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = app.get("/v1/me", &acme.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the logged-out session");
    let (status, _) = app.get("/v1/me", &second).await;
    assert_eq!(status, StatusCode::OK, "another session stands");

    let (status, _) = app
        .post(
            "/v1/auth/forgot-password",
            None,
            json!({"tenant": "acme", "email": owner}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let token = app.token_from_email(owner, "/set-password?token=").await;
    let (status, fresh) = app
        .post(
            "/v1/auth/set-password",
            None,
            json!({"token": token, "password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let (status, _) = app.get("/v1/me", &second).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "older than the password");
    let (status, body) = app.get("/v1/me", fresh["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "the new session: {body}");
}

#[tokio::test]
async fn api_keys_are_listed_revoked_expire_and_die_with_their_creators_right() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let (_, ops) = app
        .staff_user(&acme, "Ops", &["configure_program"], None)
        .await;
    let key_of = |body: &Value| body["key"].as_str().unwrap().to_owned();
    let (status, crm) = app
        .post("/v1/api-keys", Some(&acme.token), json!({"name": "CRM"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{crm}");
    let (_, by_ops) = app
        .post("/v1/api-keys", Some(&ops), json!({"name": "Ops script"}))
        .await;
    let soon = time::OffsetDateTime::now_utc() + Duration::from_secs(2);
    let soon = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (status, brief) = app
        .post(
            "/v1/api-keys",
            Some(&acme.token),
            json!({"name": "Brief", "expires_at": soon}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{brief}");
    let (status, body) = app
        .post(
            "/v1/api-keys",
            Some(&acme.token),
            json!({"name": "Past", "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "expires_at");

    // A key reads deals; its use shows in the list, which never shows a secret.
    let (status, _) = app.get("/v1/deals/none", &key_of(&crm)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, list) = app.get("/v1/api-keys", &acme.token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    let listed_crm = items.iter().find(|k| k["id"] == crm["id"]).unwrap();
    assert!(listed_crm["last_used_at"].is_string(), "{listed_crm}");
    assert!(listed_crm["created_by"].is_string(), "{listed_crm}");
    assert!(!list.to_string().contains("upk_"), "no secret in {list}");

    let (status, _) = app
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/api-keys/{}", crm["id"].as_str().unwrap()),
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get("/v1/deals/none", &key_of(&crm)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked");

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let (status, _) = app.get("/v1/deals/none", &key_of(&brief)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "expired");

    let (status, _) = app.get("/v1/deals/none", &key_of(&by_ops)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "works while Ops may configure"
    );
    let (_, ops_user) = app.get("/v1/me", &ops).await;
    let (status, body) = app
        .put(
            &format!(
                "/v1/users/{}/permissions",
                ops_user["user"]["id"].as_str().unwrap()
            ),
            &acme.token,
            json!({"permissions": ["view_all_partners"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.get("/v1/deals/none", &key_of(&by_ops)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "gone with its creator's right"
    );
}

#[tokio::test]
async fn invitations_are_no_open_relay() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    let top = app.create_partner(&acme, "Top", None).await;
    let (_, top_view) = app.get(&format!("/v1/partners/{top}"), &acme.token).await;
    let (mallory, _) = app
        .register_confirmed(
            &acme,
            "Mallory",
            top_view["referral_code"].as_str().unwrap(),
        )
        .await;
    let invite = |n: usize, first: &str| {
        json!({"first_name": first, "last_name": "Target", "email": format!("victim{n}@mail.example"),
               "subject": "You won", "body": "Claim your prize"})
    };
    for bad in [
        "Visit evil.example",
        "me@evil.example",
        "https://evil.example",
    ] {
        let (status, body) = app
            .post("/v1/invitations", Some(&mallory), invite(0, bad))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "first_name");
    }
    let mut sent = 0;
    let (status, retry_after, body) = loop {
        let (status, retry_after, body) = send(
            &reqwest::Client::new(),
            &app,
            reqwest::Method::POST,
            "/v1/invitations",
            Some(&mallory),
            Some(invite(sent, "Vic")),
        )
        .await;
        if status != StatusCode::CREATED {
            break (status, retry_after, body);
        }
        sent += 1;
        assert!(sent <= 20, "twenty invitations in a burst");
    };
    assert!(sent >= 5, "only {sent} invitations before the limit");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "too_many_invitations");
    let seconds: u64 = retry_after.unwrap().parse().unwrap();
    assert!((1..=3600).contains(&seconds), "Retry-After {seconds}");
    app.settle().await;
    let relayed = app
        .cloud
        .outbox()
        .messages()
        .iter()
        .filter(|m| m.to.starts_with("victim"))
        .count();
    assert_eq!(
        relayed, sent,
        "one email per accepted invitation, none for refused ones"
    );
}

#[tokio::test]
async fn a_template_that_would_burn_the_stream_handler_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let acme = app.create_tenant("acme").await;
    for body in [
        "{{ [1] * 100000000 }}",
        "{% if name != 'nobody' %}{{ [1] * 100000000 }}{% endif %}",
        "{% for a in range(100000) %}{% for b in range(100000) %}.{% endfor %}{% endfor %}",
    ] {
        let started = std::time::Instant::now();
        let (status, answer) = app
            .put(
                "/v1/program/templates/commission_credited",
                &acme.token,
                json!({"language": "en", "subject": "Hi {{ name }}", "body": body}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], "body");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{body} took {:?} to refuse",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn every_api_answer_says_nothing_in_it_may_run_be_sniffed_or_framed() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("headers").await;
    let client = reqwest::Client::new();
    let answers = [
        client.get(format!("{}/openapi.json", app.base)),
        client.get(format!("{}/v1/partners/me", app.base)),
        client
            .get(format!("{}/v1/partners/me", app.base))
            .bearer_auth(&tenant.token),
        client.get(format!("{}/v1/no-such-thing", app.base)),
        client
            .post(format!("{}/v1/auth/login", app.base))
            .body("not json"),
    ];
    for request in answers {
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(
            header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'; sandbox"),
            "{} ({status})",
            response.url()
        );
        assert_eq!(header("x-content-type-options"), Some("nosniff"));
        assert_eq!(header("referrer-policy"), Some("no-referrer"));
    }
}
