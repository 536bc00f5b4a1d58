//! The front door on tenants' sites, over HTTP: the widget's click beacon and lead form (origin
//! checked, CORS, throttled, bots not counted), referral links that record clicks, deals
//! attributed by click within the window, and the embedded panel's tokens.

use reqwest::Method;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, LOCATION, ORIGIN, RETRY_AFTER, USER_AGENT};
use serde_json::{Value, json};
use std::time::Duration;
use upline_tests::{StatusCode, TestApp, TestTenant};

const SHOP: &str = "http://shop.localhost:4000";
const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// A program with the shop's site allowed and a partner whose code visitors bring.
async fn program_with_site(
    app: &TestApp,
    slug: &str,
) -> (TestTenant, upline_contract::PartnerId, String) {
    let tenant = app.create_tenant(slug).await;
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({
                "widget_origins": [SHOP],
                "landing_url": "http://127.0.0.1:4000/welcome",
                "plan": {"rules": [
                    {"on": {"deal_status": "won"}, "levels": [{"percent": "10"}]},
                    {"on": {"event": "lead_created"}, "levels": [{"fixed": "2.00"}]}
                ]}
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let partner = app.create_partner(&tenant, "Paula", None).await;
    let (_, view) = app
        .get(&format!("/v1/partners/{partner}"), &tenant.token)
        .await;
    let code = view["referral_code"].as_str().unwrap().to_owned();
    (tenant, partner, code)
}

/// A request as a browser on `origin` sends it.
async fn from_site(
    app: &TestApp,
    origin: Option<&str>,
    agent: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Option<String>, Option<String>, Value) {
    let mut request = app
        .http
        .post(format!("{}{path}", app.base))
        .header(USER_AGENT, agent)
        .json(&body);
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let (allow, retry) = (header(ACCESS_CONTROL_ALLOW_ORIGIN), header(RETRY_AFTER));
    let text = response.text().await.unwrap();
    (
        status,
        allow,
        retry,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_click_from_an_allowed_site_is_recorded_and_counted_with_cors_for_that_site() {
    let app = TestApp::spawn().await;
    let (tenant, partner, code) = program_with_site(&app, "clicks").await;
    let click = json!({"program": "clicks", "referral_code": code, "url": "http://shop.localhost:4000/?ref=x"});
    let (status, allow, _, body) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/clicks",
        click.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(allow.as_deref(), Some(SHOP));
    let click_id = body["click_id"].as_str().unwrap();
    assert!(click_id.starts_with("ck_") && click_id.ends_with(partner.as_str()));
    let store = app.store();
    let stored = store.click(&tenant.id, &partner, click_id).await.unwrap();
    assert!(stored.is_some(), "the click is stored");
    assert_eq!(
        store
            .partner_stats(&tenant.id, &partner)
            .await
            .unwrap()
            .clicks,
        1
    );

    // A crawler's visit is answered and not counted.
    let (status, _, _, body) = from_site(
        &app,
        Some(SHOP),
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "/v1/public/clicks",
        click.clone(),
    )
    .await;
    assert_eq!(
        (status, &body["click_id"]),
        (StatusCode::ACCEPTED, &Value::Null)
    );
    assert_eq!(
        store
            .partner_stats(&tenant.id, &partner)
            .await
            .unwrap()
            .clicks,
        1
    );

    // By the tenant id too; an unknown code is a 404.
    let by_id = json!({"program": tenant.id.to_string(), "referral_code": code});
    let (status, _, _, _) = from_site(&app, Some(SHOP), BROWSER, "/v1/public/clicks", by_id).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let unknown = json!({"program": "clicks", "referral_code": "ZZZZZZZZ"});
    let (status, _, _, body) =
        from_site(&app, Some(SHOP), BROWSER, "/v1/public/clicks", unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn a_page_on_another_origin_or_none_is_refused_without_cors_headers() {
    let app = TestApp::spawn().await;
    let (_, _, code) = program_with_site(&app, "foreign").await;
    let click = json!({"program": "foreign", "referral_code": code});
    for origin in [Some("http://evil.localhost:4000"), Some("null"), None] {
        let (status, allow, _, body) =
            from_site(&app, origin, BROWSER, "/v1/public/clicks", click.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}: {body}");
        assert_eq!(body["error"]["code"], "origin_not_allowed");
        assert_eq!(allow, None, "{origin:?}");
    }
    // Another tenant's allowed site is not this program's.
    let (other, _, _) = program_with_site(&app, "other-shop").await;
    let (status, _) = app
        .put(
            "/v1/program",
            &other.token,
            json!({"widget_origins": ["http://other.localhost:5000"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _, _) = from_site(
        &app,
        Some("http://other.localhost:5000"),
        BROWSER,
        "/v1/public/clicks",
        click,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_preflight_is_answered_for_a_site_and_refused_without_an_origin() {
    let app = TestApp::spawn().await;
    for path in ["/v1/public/clicks", "/v1/public/leads"] {
        let response = app
            .http
            .request(Method::OPTIONS, format!("{}{path}", app.base))
            .header(ORIGIN, SHOP)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{path}");
        let headers = response.headers();
        assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], SHOP);
        assert_eq!(headers["access-control-allow-methods"], "POST");
        assert_eq!(headers["access-control-allow-headers"], "content-type");
        let bare = app
            .http
            .request(Method::OPTIONS, format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(bare.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_lead_from_the_form_is_attributed_pays_through_the_walk_and_is_listed() {
    let app = TestApp::spawn().await;
    let (tenant, partner, code) = program_with_site(&app, "form").await;
    let (status, _, _, click) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/clicks",
        json!({"program": "form", "referral_code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, allow, _, lead) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/leads",
        json!({"program": "form", "click_id": click["click_id"], "name": "Wanda Web",
               "email": "wanda@web.example", "consent": true, "website": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    assert_eq!(allow.as_deref(), Some(SHOP));
    assert!(
        lead.get("reward").is_none(),
        "no referred reward is set: {lead}"
    );
    let (status, _, _, by_code) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/leads",
        json!({"program": "form", "referral_code": code, "name": "Carl Code",
               "phone": "+48500600700", "consent": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{by_code}");
    // Both leads are the partner's, from the widget, and each paid the lead_created rule.
    app.expect_balances(&tenant, &[(&partner, "4.00")], Duration::from_secs(5))
        .await;
    let (_, leads) = app
        .get(&format!("/v1/leads?partner_id={partner}"), &tenant.token)
        .await;
    let items = leads["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{leads}");
    assert!(items.iter().all(|l| l["source"] == "widget"));
    assert_eq!(
        app.store()
            .partner_stats(&tenant.id, &partner)
            .await
            .unwrap()
            .leads,
        2
    );
}

#[tokio::test]
async fn a_filled_honeypot_is_answered_as_a_success_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (tenant, partner, code) = program_with_site(&app, "honeypot").await;
    let (status, _, _, body) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/leads",
        json!({"program": "honeypot", "referral_code": code, "name": "Bot", "email": "bot@spam.example",
               "consent": true, "website": "http://spam.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.settle().await;
    let (_, leads) = app
        .get(&format!("/v1/leads?partner_id={partner}"), &tenant.token)
        .await;
    assert_eq!(leads["items"], json!([]));
    assert_eq!(app.balance(&tenant, &partner).await, upline_tests::dec("0"));
}

#[tokio::test]
async fn bad_leads_get_a_422_naming_the_field_readable_by_the_site() {
    let app = TestApp::spawn().await;
    let (tenant, partner, code) = program_with_site(&app, "bad-leads").await;
    let good = json!({"program": "bad-leads", "referral_code": code, "name": "Nora", "email": "nora@x.example", "consent": true});
    let with = |change: Value| {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let cases = [
        (with(json!({"email": null})), "email"),
        (with(json!({"consent": false})), "consent"),
        (with(json!({"consent": null})), "consent"),
        (with(json!({"name": " "})), "name"),
        (with(json!({"email": "not-an-email"})), "email"),
        (with(json!({"phone": "12"})), "phone"),
        (with(json!({"referral_code": "ZZZZZZZZ"})), "referral_code"),
        (with(json!({"referral_code": null})), "referral_code"),
        (with(json!({"click_id": "ck_nope"})), "click_id"),
        (with(json!({"colour": "red"})), "colour"),
        (with(json!({"program": null})), "program"),
    ];
    for (body, field) in cases {
        let (status, allow, _, answer) =
            from_site(&app, Some(SHOP), BROWSER, "/v1/public/leads", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
        if field != "program" {
            assert_eq!(allow.as_deref(), Some(SHOP), "{body}");
        }
    }
    let (status, _, _, _) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/leads",
        Value::String("{not json".into()),
    )
    .await;
    assert!(status.is_client_error());
    app.settle().await;
    let (_, leads) = app
        .get(&format!("/v1/leads?partner_id={partner}"), &tenant.token)
        .await;
    assert_eq!(leads["items"], json!([]), "nothing half-written");
}

#[tokio::test]
async fn clicks_and_leads_are_throttled_per_address_and_program_with_retry_after() {
    let limits = upline_api::throttle::Limits {
        public_clicks_per_client: upline_store::logins::Limit::per_minutes(3, 1),
        public_leads_per_client: upline_store::logins::Limit::per_minutes(2, 60),
        ..Default::default()
    };
    let app = TestApp::spawn_with_limits(limits).await;
    let (_, _, code) = program_with_site(&app, "throttled").await;
    let click = json!({"program": "throttled", "referral_code": code});
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, allow, retry, _) = from_site(
            &app,
            Some(SHOP),
            BROWSER,
            "/v1/public/clicks",
            click.clone(),
        )
        .await;
        statuses.push(status);
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
            assert_eq!(allow.as_deref(), Some(SHOP), "the site can read the 429");
        }
    }
    assert_eq!(
        statuses,
        [
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // Another program's clicks from the same address have their own count.
    let (_, _, other_code) = program_with_site(&app, "throttled-2").await;
    let (status, _, _, _) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/clicks",
        json!({"program": "throttled-2", "referral_code": other_code}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let lead = json!({"program": "throttled", "referral_code": code, "name": "L", "email": "l@x.example", "consent": true});
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (status, _, _, _) =
            from_site(&app, Some(SHOP), BROWSER, "/v1/public/leads", lead.clone()).await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
}

#[tokio::test]
async fn a_referral_link_records_the_click_and_goes_to_the_landing_page_or_the_registration() {
    let app = TestApp::spawn().await;
    let (tenant, partner, code) = program_with_site(&app, "links").await;
    let client = no_redirects();
    let follow = |path: String, agent: &'static str| {
        let client = client.clone();
        let url = format!("{}{path}", app.base);
        async move {
            let response = client
                .get(url)
                .header(USER_AGENT, agent)
                .send()
                .await
                .unwrap();
            (
                response.status(),
                response.headers()[LOCATION].to_str().unwrap().to_owned(),
            )
        }
    };
    let (status, to) = follow(format!("/r/{code}?program=links"), BROWSER).await;
    assert_eq!(status, StatusCode::FOUND);
    let prefix = format!("http://127.0.0.1:4000/welcome?ref={code}&upline_click=ck_");
    assert!(to.starts_with(&prefix), "{to}");
    let click_id = to.split("upline_click=").nth(1).unwrap();
    let store = app.store();
    assert!(
        store
            .click(&tenant.id, &partner, click_id)
            .await
            .unwrap()
            .is_some()
    );
    // A bot is sent on, uncounted.
    let (_, to) = follow(format!("/r/{code}?program=links"), "curl/8.5.0").await;
    assert_eq!(to, format!("http://127.0.0.1:4000/welcome?ref={code}"));
    assert_eq!(
        store
            .partner_stats(&tenant.id, &partner)
            .await
            .unwrap()
            .clicks,
        1
    );
    // The partner's own link (the program by id) works the same.
    let (_, to) = follow(format!("/r/{code}?program={}", tenant.id), BROWSER).await;
    assert!(to.starts_with(&prefix), "{to}");
    // Without a landing page, or without a program, the portal's registration opens.
    let (status, _) = app
        .put("/v1/program", &tenant.token, json!({"landing_url": ""}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, to) = follow(format!("/r/{code}?program=links"), BROWSER).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(to.ends_with(&format!("/join/{code}?program=links")), "{to}");
    let (_, to) = follow(format!("/r/{code}"), BROWSER).await;
    assert!(to.ends_with(&format!("/join/{code}")), "{to}");
}

#[tokio::test]
async fn a_deal_is_attributed_by_click_inside_the_window_and_refused_after_it() {
    let app = TestApp::spawn().await;
    let (tenant, partner, code) = program_with_site(&app, "windows").await;
    let (_, key) = app
        .post("/v1/api-keys", Some(&tenant.token), json!({"name": "crm"}))
        .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let (_, _, _, click) = from_site(
        &app,
        Some(SHOP),
        BROWSER,
        "/v1/public/clicks",
        json!({"program": "windows", "referral_code": code}),
    )
    .await;
    let click_id = click["click_id"].as_str().unwrap().to_owned();
    let (status, deal) = app
        .put(
            "/v1/deals/by-click",
            &key,
            json!({"amount": "200.00", "status": "won", "click_id": click_id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deal}");
    assert_eq!(deal["partner_id"], partner.to_string());
    app.expect_balances(&tenant, &[(&partner, "20.00")], Duration::from_secs(5))
        .await;

    // A click older than the window: written as it would have been 3 days ago, window 2 days.
    let (status, _) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"attribution_window_days": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let old_at =
        upline_store::Timestamp::from(time::OffsetDateTime::now_utc() - time::Duration::days(3));
    let old = upline_store::clicks::ClickRecord {
        tenant_id: tenant.id.clone(),
        partner_id: partner.clone(),
        id: format!("ck_{}_{partner}", "0".repeat(26)),
        created_at: old_at.rfc3339,
        at_millis: old_at.millis,
        url: None,
        referrer: None,
    };
    let store = app.store();
    let mut tx = store.tx();
    tx.put_click(&old).unwrap();
    store.commit(tx).await.unwrap();
    let (status, body) = app
        .put(
            "/v1/deals/too-late",
            &key,
            json!({"amount": "200.00", "status": "won", "click_id": old.id}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        (&body["error"]["code"], &body["error"]["field"]),
        (&json!("attribution_expired"), &json!("click_id"))
    );
    let (status, body) = app
        .put(
            "/v1/deals/unknown-click",
            &key,
            json!({"amount": "1.00", "status": "won", "click_id": format!("ck_{}_{partner}", "1".repeat(26))}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("click_id"))
    );
    let (status, _) = app.get("/v1/deals/too-late", &key).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was written");
}

#[tokio::test]
async fn an_embed_token_opens_one_partners_panel_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (tenant, partner, code) = program_with_site(&app, "panel").await;
    let (_, key) = app
        .post("/v1/api-keys", Some(&tenant.token), json!({"name": "crm"}))
        .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let downline = app.create_partner(&tenant, "Dora", Some(&partner)).await;
    let _below = app.create_partner(&tenant, "Deep", Some(&downline)).await;
    let (status, lead) = app
        .post(
            "/v1/leads",
            Some(&key),
            json!({"referral_code": code, "name": "Client One"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let (status, _) = app
        .post(
            &format!("/v1/leads/{}/registered", lead["id"].as_str().unwrap()),
            Some(&key),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .put_deal(&tenant, "panel-1", "300.00", "won", &partner)
        .await;
    assert!(status.is_success());
    let (status, _) = app
        .put_deal(&tenant, "panel-2", "100.00", "new", &partner)
        .await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&partner, "32.00")], Duration::from_secs(5))
        .await;

    let (status, minted) = app
        .post(
            "/v1/embed-tokens",
            Some(&key),
            json!({"partner_id": partner.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{minted}");
    let token = minted["token"].as_str().unwrap().to_owned();
    let (status, panel) = app.get("/v1/embed/me", &token).await;
    assert_eq!(status, StatusCode::OK, "{panel}");
    assert_eq!(panel["partner"]["name"], "Paula");
    assert_eq!(panel["partner"]["referral_code"], code);
    assert!(
        panel["partner"]["referral_link"]
            .as_str()
            .unwrap()
            .contains(&format!("/r/{code}"))
    );
    assert_eq!(panel["program"]["currency"], "EUR");
    assert_eq!(
        (
            &panel["referrals"],
            &panel["leads"],
            &panel["clients"],
            &panel["deals_won"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(1)),
        "{panel}"
    );
    assert_eq!(
        (&panel["balance"], &panel["pending"], &panel["paid_out"]),
        (&json!("32.00"), &json!("0.00"), &json!("0.00"))
    );

    // Read-only, panel-only: the token opens nothing else, and sessions and keys not the panel.
    for path in ["/v1/partners/me", "/v1/wallet", "/v1/me", "/v1/leads"] {
        let (status, _) = app.get(path, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    for other in [&tenant.token, &key] {
        let (status, _) = app.get("/v1/embed/me", other).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Only an API key mints one, for a partner of its own tenant, for 60–3600 s.
    let (status, _) = app
        .post(
            "/v1/embed-tokens",
            Some(&tenant.token),
            json!({"partner_id": partner.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let rival = app.create_tenant("panel-rival").await;
    let (_, rival_key) = app
        .post("/v1/api-keys", Some(&rival.token), json!({"name": "rival"}))
        .await;
    let (status, body) = app
        .post(
            "/v1/embed-tokens",
            rival_key["key"].as_str(),
            json!({"partner_id": partner.to_string()}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("partner_id"))
    );
    for (body, field) in [
        (
            json!({"partner_id": partner.to_string(), "ttl_seconds": 59}),
            "ttl_seconds",
        ),
        (
            json!({"partner_id": partner.to_string(), "ttl_seconds": 3601}),
            "ttl_seconds",
        ),
        (json!({}), "partner_id"),
        (json!({"external_id": "NO-SUCH"}), "external_id"),
        (
            json!({"partner_id": partner.to_string(), "scope": "write"}),
            "scope",
        ),
    ] {
        let (status, answer) = app.post("/v1/embed-tokens", Some(&key), body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}");
    }
    // An expired token says so (the panel shows its expired state).
    let expired = upline_api::embed_token::issue(
        &app.cloud.session_key(),
        &upline_api::embed_token::EmbedClaims {
            t: tenant.id.clone(),
            p: partner.clone(),
            exp: time::OffsetDateTime::now_utc().unix_timestamp() - 1,
        },
    );
    let (status, body) = app.get("/v1/embed/me", &expired).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
}
