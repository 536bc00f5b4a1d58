//! Bad input gets a clear 4xx that names the field, and changes nothing.

use serde_json::{Value, json};
use upline_tests::{StatusCode, TestApp};

fn field(body: &Value) -> Option<&str> {
    body["error"]["field"].as_str()
}

#[tokio::test]
async fn tenant_signup_names_the_bad_field() {
    let app = TestApp::spawn().await;
    let owner =
        json!({"email": "o@acme.example", "password": "correct horse battery", "name": "O"});
    let cases = [
        (
            json!({"slug": "Bad Slug", "name": "Acme", "currency": "EUR", "owner": owner}),
            "slug",
        ),
        (
            json!({"slug": "acme-ok", "name": "Acme", "currency": "EURO", "owner": owner}),
            "currency",
        ),
        (
            json!({"slug": "acme-ok", "name": "Acme", "currency": "XAU", "owner": owner}),
            "currency",
        ),
        (
            json!({"slug": "acme-ok", "name": "Acme", "currency": "EUR", "owner": {"email": "nope", "password": "correct horse battery", "name": "O"}}),
            "owner.email",
        ),
        (
            json!({"slug": "acme-ok", "name": "Acme", "currency": "EUR", "owner": {"email": "o@acme.example", "password": "short", "name": "O"}}),
            "owner.password",
        ),
        (
            json!({"slug": "acme-ok", "name": "Acme", "currency": "EUR"}),
            "owner",
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.post("/v1/tenants", None, body.clone()).await;
        assert_eq!(
            (status, field(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(expected)),
            "{body} → {answer}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // Nothing was half-written: the slug is still free.
    let tenant = app.create_tenant("acme-ok").await;
    assert!(!tenant.token.is_empty());
    let (status, answer) = app
        .post(
            "/v1/tenants",
            None,
            json!({"slug": "acme-ok", "name": "Again", "currency": "EUR", "owner": owner}),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("slug_taken"))
    );
}

#[tokio::test]
async fn a_body_field_the_contract_does_not_know_is_refused_by_name_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("strict-bodies").await;
    let (_, before) = app.get("/v1/program", &tenant.token).await;
    // A misspelt setting must not look saved.
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"min_payout": "25.00", "hold_day": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "hold_day");
    let (_, after) = app.get("/v1/program", &tenant.token).await;
    assert_eq!(after, before);
    // Nested objects too.
    let (status, body) = app
        .post(
            "/v1/tenants",
            None,
            json!({"slug": "strict-two", "name": "Strict", "currency": "EUR",
                   "owner": {"email": "o@strict.example", "password": "correct horse battery",
                             "name": "O", "permissions": ["configure_program"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "owner.permissions");
}

#[tokio::test]
async fn malformed_oversized_and_non_json_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let url = format!("{}/v1/tenants", app.base);
    let send = |body: Vec<u8>, content_type: &'static str| {
        let request = app
            .http
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(
        send(b"{\"slug\": ".to_vec(), "application/json").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        send(vec![b' '; 70 * 1024], "application/json").await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        send(b"slug=acme".to_vec(), "application/x-www-form-urlencoded").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[tokio::test]
async fn deals_with_bad_amounts_currencies_or_partners_name_the_field() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("bad-deals").await;
    let partner = app.create_partner(&tenant, "P", None).await;
    let cases = [
        (
            json!({"amount": "-1.00", "status": "won", "partner_id": partner}),
            "amount",
        ),
        (
            json!({"amount": "abc", "status": "won", "partner_id": partner}),
            "amount",
        ),
        (
            json!({"amount": 12.5, "status": "won", "partner_id": partner}),
            "amount",
        ),
        (
            json!({"amount": "1.001", "status": "won", "partner_id": partner}),
            "amount",
        ),
        (
            json!({"amount": "10.00", "status": "won", "currency": "USD", "partner_id": partner}),
            "currency",
        ),
        (
            json!({"amount": "10.00", "status": "won", "partner_id": "pt_nobody"}),
            "partner_id",
        ),
        (
            json!({"amount": "10.00", "status": "won", "referral_code": "ZZZZZZZZ"}),
            "referral_code",
        ),
        (json!({"amount": "10.00", "status": "won"}), "partner_id"),
        (
            json!({"amount": "10.00", "status": "", "partner_id": partner}),
            "status",
        ),
        (json!({"status": "won", "partner_id": partner}), "amount"),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.put("/v1/deals/d-1", &tenant.token, body.clone()).await;
        assert_eq!(
            (status, field(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(expected)),
            "{body} → {answer}"
        );
    }
    let (status, answer) = app
        .put(
            "/v1/deals/bad%20id",
            &tenant.token,
            json!({"amount": "1.00", "status": "won", "partner_id": partner}),
        )
        .await;
    assert_eq!(
        (status, field(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("external_id"))
    );
    // None of it created a deal.
    let (status, _) = app.get("/v1/deals/d-1", &tenant.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn plans_that_cannot_work_are_refused_with_their_path() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("bad-plans").await;
    let cases = [
        (
            json!({"plan": {"rules": [{"on": {"deal_status": "won"}, "levels": [{"percent": "10"}, {"percent": "101"}]}]}}),
            "plan.rules[0].levels[1]",
        ),
        (
            json!({"plan": {"rules": [{"on": {"deal_status": "won"}, "levels": [{"fixed": "0.001"}]}]}}),
            "plan.rules[0].levels[0]",
        ),
        (
            json!({"plan": {"rules": [{"on": {"deal_status": "won"}, "levels": []}]}}),
            "plan.rules[0].levels",
        ),
        (
            json!({"plan": {"rules": [{"on": {"weather": "sunny"}, "levels": [{"percent": "1"}]}]}}),
            "plan.rules[0].on",
        ),
        (
            json!({"reversal_statuses": ["won"]}),
            "plan.rules[0].on.deal_status",
        ),
        (json!({"min_payout": "-5"}), "min_payout"),
        (json!({"min_payout": "1000000000000.01"}), "min_payout"),
        (
            json!({"plan": {"rules": [{"on": {"deal_status": "won"}, "levels": [{"fixed": "79228162514264337593543950335"}]}]}}),
            "plan.rules[0].levels[0]",
        ),
        (json!({"currency": "USD"}), "currency"),
        (
            json!({"widget_origins": ["https://shop.example/path"]}),
            "widget_origins[0]",
        ),
        (
            json!({"external_id_template": "no-counter"}),
            "external_id_template",
        ),
        (
            json!({"landing_url": "http://shop.example/join"}),
            "landing_url",
        ),
        (json!({"landing_url": "javascript:alert(1)"}), "landing_url"),
        (
            json!({"attribution_window_days": 0}),
            "attribution_window_days",
        ),
        (
            json!({"attribution_window_days": 366}),
            "attribution_window_days",
        ),
        (json!({"attribution_model": "middle"}), "attribution_model"),
    ];
    for (body, expected) in cases {
        let (status, answer) = app.put("/v1/program", &tenant.token, body.clone()).await;
        assert_eq!(
            (status, field(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(expected)),
            "{body} → {answer}"
        );
    }
    let (_, program) = app.get("/v1/program", &tenant.token).await;
    assert_eq!(
        program["plan"]["rules"][0]["levels"],
        json!([{"percent": "10"}]),
        "the default plan is untouched"
    );
}

#[tokio::test]
async fn credentials_are_checked() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("creds").await;
    let login = |email: &str, password: &str| json!({"tenant": "creds", "email": email, "password": password});
    let (status, body) = app
        .post(
            "/v1/auth/login",
            None,
            login("OWNER@creds.example", "correct horse battery"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let (wrong_password, a) = app
        .post(
            "/v1/auth/login",
            None,
            login("owner@creds.example", "wrong horse battery"),
        )
        .await;
    let (unknown_email, b) = app
        .post(
            "/v1/auth/login",
            None,
            login("nobody@creds.example", "correct horse battery"),
        )
        .await;
    assert_eq!(
        (wrong_password, unknown_email),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(a, b, "no account enumeration");

    let (status, _) = app.get("/v1/program", &token).await;
    assert_eq!(status, StatusCode::OK);
    let tampered = format!("{}x", &tenant.token);
    for bad in [tampered.as_str(), "ust_nope", "upk_not-a-key"] {
        let (status, body) = app.get("/v1/program", bad).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}: {body}");
    }
    let (status, _) = app
        .request(reqwest::Method::GET, "/v1/program", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_tenant_sees_none_of_our_partners_deals_or_wallets() {
    let app = TestApp::spawn().await;
    let ours = app.create_tenant("ours").await;
    let rival = app.create_tenant("rival").await;
    let partner = app.create_partner(&ours, "Ours", None).await;
    let (status, _) = app
        .put_deal(&ours, "secret-deal", "10.00", "won", &partner)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for path in [
        format!("/v1/partners/{partner}"),
        format!("/v1/partners/{partner}/wallet"),
        format!("/v1/partners/{partner}/wallet/entries"),
        "/v1/deals/secret-deal".to_owned(),
        "/v1/deals/secret-deal/commission-preview?status=won".to_owned(),
    ] {
        let (status, body) = app.get(&path, &rival.token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, body) = app
        .put_deal(&rival, "secret-deal", "10.00", "won", &partner)
        .await;
    assert_eq!(
        (status, field(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("partner_id"))
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::spawn().await;
    let (status, doc) = app
        .request(reqwest::Method::GET, "/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for route in upline_api::routes::ROUTES {
        assert!(
            doc["paths"][route.path][route.method.as_str().to_lowercase()].is_object(),
            "{}",
            route.path
        );
    }
    // Healthy once the table exists and the stream poller runs.
    let mut health = (StatusCode::SERVICE_UNAVAILABLE, Value::Null);
    for _ in 0..100 {
        health = app
            .request(reqwest::Method::GET, "/healthz", None, None)
            .await;
        if health.0 == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(health, (StatusCode::OK, json!({"status": "ok"})));
}

#[tokio::test]
async fn oversized_ids_cursors_and_odd_query_strings_get_json_errors_not_500() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("odd-input").await;
    let partner = app.create_partner(&tenant, "P", None).await;
    let huge = "x".repeat(3000);
    let (status, body) = app
        .post(
            "/v1/auth/login",
            None,
            json!({"tenant": huge, "email": "a@b.co", "password": "whatever-long"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    for path in [
        format!("/v1/partners/{huge}"),
        format!("/v1/partners/{huge}/wallet"),
        "/v1/partners/%FF".to_owned(),
    ] {
        let (status, body) = app.get(&path, &tenant.token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    let (status, body) = app
        .put_deal(
            &tenant,
            "d-1",
            "10.00",
            "won",
            &upline_contract::PartnerId(huge.clone()),
        )
        .await;
    assert_eq!(
        (status, field(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("partner_id"))
    );
    let entries = format!("/v1/partners/{partner}/wallet/entries");
    let (status, body) = app
        .get(
            &format!("{entries}?cursor={}", "A".repeat(2000)),
            &tenant.token,
        )
        .await;
    assert_eq!(
        (status, field(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cursor"))
    );
    let (status, body) = app
        .get(&format!("{entries}?limit=1&limit=2"), &tenant.token)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    let (status, body) = app
        .get(&format!("{entries}?limit=500"), &tenant.token)
        .await;
    assert_eq!(
        (status, field(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
    );
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_alike_for_known_and_unknown_emails() {
    let app = TestApp::spawn().await;
    app.create_tenant("throttle").await;
    let login = |email: &str, password: &str| json!({"tenant": "throttle", "email": email, "password": password});
    for email in ["owner@throttle.example", "nobody@throttle.example"] {
        for attempt in 1..=5 {
            let (status, _) = app
                .post("/v1/auth/login", None, login(email, "wrong horse battery"))
                .await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{email}, attempt {attempt}"
            );
        }
        let (status, body) = app
            .post(
                "/v1/auth/login",
                None,
                login(email, "correct horse battery"),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
            "{email}"
        );
    }
    // The throttle is per email: another account still logs in, and a success resets a count.
    let tenant = app.create_tenant("throttle-2").await;
    let second = |password: &str| json!({"tenant": "throttle-2", "email": "owner@throttle-2.example", "password": password});
    for _ in 0..4 {
        app.post("/v1/auth/login", None, second("wrong horse battery"))
            .await;
    }
    let (status, _) = app
        .post("/v1/auth/login", None, second("correct horse battery"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..4 {
        app.post("/v1/auth/login", None, second("wrong horse battery"))
            .await;
    }
    let (status, _) = app
        .post("/v1/auth/login", None, second("correct horse battery"))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the earlier success reset the count"
    );
    assert!(!tenant.token.is_empty());
}

#[tokio::test]
async fn the_referral_link_settings_are_kept_defaulted_and_cleared() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("link-settings").await;
    let (_, program) = app.get("/v1/program", &tenant.token).await;
    assert_eq!(
        (
            &program["landing_url"],
            &program["attribution_window_days"],
            &program["attribution_model"]
        ),
        (&Value::Null, &json!(60), &json!("last")),
        "the defaults: {program}"
    );
    let (status, saved) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"landing_url": "https://shop.example/join?x=1", "attribution_window_days": 30, "attribution_model": "first"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, read) = app.get("/v1/program", &tenant.token).await;
    assert_eq!(
        (
            read["landing_url"].as_str(),
            read["attribution_window_days"].as_u64(),
            read["attribution_model"].as_str()
        ),
        (
            Some("https://shop.example/join?x=1"),
            Some(30),
            Some("first")
        )
    );
    // The local cloud's own pages may be plain http; an empty string takes the page away.
    let (status, _) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"landing_url": "http://127.0.0.1:9000/"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, cleared) = app
        .put("/v1/program", &tenant.token, json!({"landing_url": ""}))
        .await;
    assert_eq!(cleared["landing_url"], Value::Null, "{cleared}");
    assert_eq!(cleared["attribution_window_days"], 30, "the rest is kept");
}
