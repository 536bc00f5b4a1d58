//! widget.js on a tenant's own site, in real headless Chromium: a customer page on another
//! loopback origin (a server of this test, under a strict CSP without 'unsafe-inline') embeds
//! the script as the portal's Widget card says. A visit with `?ref=` is remembered on later
//! pages and its click recorded; the lead form is filled and sent, the lead attributed, its
//! webhook sent and the walk pays; a page on an origin outside `widget_origins` is refused; the
//! panel shows the partner's link with a fresh token and its expired state with an old one; and
//! with the API away the host page's own script still runs. Screenshots of the form and the
//! panel at 1280 and 390 px land in `target/screenshots/`.

use anyhow::Result;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use upline_tests::browser::{Browser, DESKTOP, PHONE};
use upline_tests::{StatusCode, TestApp};

const VISITOR: &str = "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

#[derive(Clone)]
struct Site {
    /// The Upline origin the pages load widget.js from (and whose API it calls).
    upline: String,
    /// Where widget.js says its API is (a dead address: the API is down).
    api: Option<String>,
    hooks: Arc<Mutex<Vec<Value>>>,
}

/// A page of the tenant's site: the snippet, the host's own script, and what the query asks
/// for (a lead form, a panel with a token).
async fn page(
    State(site): State<Site>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let api = site
        .api
        .as_ref()
        .map(|api| format!(" data-api=\"{api}\""))
        .unwrap_or_default();
    let mut body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>Shop</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/site.css\">\
         <script src=\"/host.js\"></script>\
         <script async src=\"{}/widget.js\" data-program=\"shop\"{api}></script></head><body><h1>Acme Shop</h1>",
        q.get("lang").map_or("en", String::as_str),
        site.upline
    );
    if q.contains_key("form") {
        body.push_str("<div data-upline-form></div>");
    }
    if let Some(token) = q.get("token") {
        // Tokens are URL-safe base64 and dots: nothing to escape in an attribute.
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        );
        body.push_str(&format!(
            "<div data-upline-panel data-token=\"{token}\"></div>"
        ));
    }
    body.push_str("</body></html>");
    // Strict: no inline script or style anywhere; the widget may reach Upline (and, on the
    // page whose API is down, that dead address).
    let csp = format!(
        "default-src 'self'; script-src 'self' {u}; connect-src {u} {a}; frame-src {u}; style-src 'self'; img-src 'self'",
        u = site.upline,
        a = site.api.as_deref().unwrap_or("")
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        body,
    )
}

/// The host page's own script: it records that it ran, what went wrong on the page, and the
/// panel's expired event.
const HOST_JS: &str = "document.documentElement.dataset.hostRan = 'yes';\
    window.addEventListener('error', function (e) { document.documentElement.dataset.pageError = String(e.message); });\
    window.addEventListener('unhandledrejection', function (e) { document.documentElement.dataset.pageError = 'rejection'; });\
    document.addEventListener('upline:expired', function () { document.documentElement.dataset.expired = 'yes'; });";

async fn serve_site(site: Site) -> String {
    let hooks = site.hooks.clone();
    let app = axum::Router::new()
        .route("/shop", axum::routing::get(page))
        .route(
            "/host.js",
            axum::routing::get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], HOST_JS) }),
        )
        .route(
            "/site.css",
            axum::routing::get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css")],
                    "body{font-family:sans-serif;margin:2rem;max-width:48rem}",
                )
            }),
        )
        .route(
            "/hook",
            axum::routing::post(move |body: String| {
                let hooks = hooks.clone();
                async move {
                    hooks
                        .lock()
                        .unwrap()
                        .push(serde_json::from_str(&body).unwrap_or(Value::Null));
                    StatusCode::OK
                }
            }),
        )
        .with_state(site);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

async fn js(browser: &Browser, script: &str) -> Result<Value> {
    Ok(browser.client.execute(script, vec![]).await?)
}

/// Polls `script` until it returns something other than null/false.
async fn until(browser: &Browser, what: &str, script: &str) -> Result<Value> {
    let started = Instant::now();
    loop {
        let value = js(browser, script).await?;
        if !value.is_null() && value != Value::Bool(false) {
            return Ok(value);
        }
        if started.elapsed() > Duration::from_secs(15) {
            let _ = browser
                .screenshot(&format!("failed-widget-{what}"), DESKTOP)
                .await;
            anyhow::bail!("waited for {what}: {script}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const IN_FORM: &str = "const root = document.querySelector('[data-upline-form]').shadowRoot;";

#[tokio::test]
async fn a_tenant_runs_its_program_from_its_own_site_with_the_widget() -> Result<()> {
    let app = TestApp::spawn_with_portal().await;
    let tenant = app.create_tenant("shop").await;
    let hooks = Arc::new(Mutex::new(Vec::new()));
    let site = serve_site(Site {
        upline: app.base.clone(),
        api: None,
        hooks: hooks.clone(),
    })
    .await;
    let foreign = serve_site(Site {
        upline: app.base.clone(),
        api: None,
        hooks: hooks.clone(),
    })
    .await;
    let down = serve_site(Site {
        upline: app.base.clone(),
        api: Some("http://127.0.0.1:9".into()),
        hooks: hooks.clone(),
    })
    .await;
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"widget_origins": [site, down], "lead_consent_text": "Acme may call me about my order.",
                   "plan": {"rules": [{"on": {"event": "lead_created"}, "levels": [{"fixed": "2.00"}]}]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post(
            "/v1/webhooks",
            Some(&tenant.token),
            json!({"url": format!("{site}/hook"), "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let partner = app.create_partner(&tenant, "Paula", None).await;
    let (_, view) = app
        .get(&format!("/v1/partners/{partner}"), &tenant.token)
        .await;
    let code = view["referral_code"].as_str().unwrap().to_owned();

    let browser = Browser::start_with(&site, &[VISITOR]).await?;
    let outcome = drive(
        &app, &tenant, &browser, &site, &foreign, &down, &code, &partner, &hooks,
    )
    .await;
    browser.close().await;
    outcome
}

#[allow(clippy::too_many_arguments)]
async fn drive(
    app: &TestApp,
    tenant: &upline_tests::TestTenant,
    browser: &Browser,
    site: &str,
    foreign: &str,
    down: &str,
    code: &str,
    partner: &upline_contract::PartnerId,
    hooks: &Arc<Mutex<Vec<Value>>>,
) -> Result<()> {
    // A visit with ?ref= : remembered, and its click recorded.
    browser.goto(&format!("/shop?ref={code}")).await?;
    let click = until(
        browser,
        "the click id",
        "return window.upline && upline.referral && upline.referral.click_id;",
    )
    .await?;
    assert!(click.as_str().unwrap().starts_with("ck_"), "{click}");
    let store = app.store();
    assert_eq!(store.partner_stats(&tenant.id, partner).await?.clicks, 1);
    // A later page without the parameter still knows the referral (and sends no new click).
    browser.goto("/shop?form=1").await?;
    let referral = until(
        browser,
        "the referral",
        "return window.upline && upline.referral;",
    )
    .await?;
    assert_eq!(
        (referral["code"].as_str(), &referral["click_id"]),
        (Some(code), &click)
    );
    assert_eq!(
        js(
            browser,
            "return document.documentElement.dataset.hostRan || null;"
        )
        .await?,
        "yes"
    );

    // The form: validation in the page's language, focus on the first error, then sent.
    until(
        browser,
        "the form",
        &format!("{IN_FORM} return root && root.querySelector('button[type=submit]');"),
    )
    .await?;
    // The consent label is the program's.
    until(browser, "the program's consent text", &format!("{IN_FORM} return root.querySelector('[name=consent]').nextSibling.textContent === 'Acme may call me about my order.';")).await?;
    browser.screenshot("widget-form", DESKTOP).await?;
    browser.screenshot("widget-form", PHONE).await?;
    js(
        browser,
        &format!("{IN_FORM} root.querySelector('button[type=submit]').click();"),
    )
    .await?;
    let invalid = js(browser, &format!("{IN_FORM} return [root.querySelector('[name=name]').getAttribute('aria-invalid'), root.activeElement && root.activeElement.name, root.getElementById(root.querySelector('[name=name]').getAttribute('aria-describedby')).textContent];")).await?;
    assert_eq!(invalid, json!(["true", "name", "Enter your name."]));
    browser.screenshot("widget-form-errors", PHONE).await?;
    js(
        browser,
        &format!(
            "{IN_FORM} \
        root.querySelector('[name=name]').value = 'Wanda Web'; \
        root.querySelector('[name=email]').value = 'wanda@web.example'; \
        root.querySelector('[name=consent]').checked = true; \
        root.querySelector('button[type=submit]').click();"
        ),
    )
    .await?;
    until(browser, "the success message", &format!("{IN_FORM} return root.querySelector('[data-upline-success]') && root.querySelector('[data-upline-success]').textContent;")).await?;
    browser.screenshot("widget-form-sent", DESKTOP).await?;
    app.expect_balances(tenant, &[(partner, "2.00")], Duration::from_secs(10))
        .await;
    let (_, leads) = app
        .get(&format!("/v1/leads?partner_id={partner}"), &tenant.token)
        .await;
    assert_eq!(leads["items"][0]["name"], "Wanda Web", "{leads}");
    assert_eq!(leads["items"][0]["source"], "widget");
    let started = Instant::now();
    while !hooks
        .lock()
        .unwrap()
        .iter()
        .any(|h| h["type"] == "lead.created")
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no lead.created webhook"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Polish messages on a Polish page.
    browser.goto("/shop?form=1&lang=pl").await?;
    until(browser, "the Polish form", &format!("{IN_FORM} return root && root.querySelector('button[type=submit]') && root.querySelector('button[type=submit]').textContent === 'Wyślij';")).await?;

    // A page on an origin the program does not list: its lead is refused, nothing stored.
    browser
        .client
        .goto(&format!("{foreign}/shop?ref={code}"))
        .await?;
    until(
        browser,
        "the widget on the foreign page",
        "return window.upline && upline.v;",
    )
    .await?;
    let refused = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             upline('lead', {name: 'Fay', email: 'fay@x.example', consent: true}).then(() => done('accepted'), () => done('refused'));",
            vec![],
        )
        .await?;
    assert_eq!(refused, "refused");
    let (_, leads) = app
        .get(&format!("/v1/leads?partner_id={partner}"), &tenant.token)
        .await;
    assert_eq!(leads["items"].as_array().unwrap().len(), 1, "{leads}");

    // The panel with a fresh token: the partner's link, in the frame from Upline's origin.
    let (_, key) = app
        .post("/v1/api-keys", Some(&tenant.token), json!({"name": "site"}))
        .await;
    let (status, minted) = app
        .post(
            "/v1/embed-tokens",
            key["key"].as_str(),
            json!({"partner_id": partner.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{minted}");
    browser
        .client
        .goto(&format!(
            "{site}/shop?token={}",
            minted["token"].as_str().unwrap()
        ))
        .await?;
    until(browser, "the panel frame", "const f = document.querySelector('[data-upline-panel] iframe'); return f && f.offsetHeight > 0;").await?;
    browser.client.enter_frame(0).await?;
    let value = until(
        browser,
        "the panel's link",
        "const i = document.querySelector('[data-testid=referral-link]'); return i && i.value;",
    )
    .await?;
    assert!(
        value.as_str().unwrap().contains(&format!("/r/{code}")),
        "{value}"
    );
    assert_eq!(browser.text("embed-leads").await?, "1");
    browser.client.enter_parent_frame().await?;
    // The frame grew to its content (the panel told the widget its height).
    until(browser, "the frame's height", "const f = document.querySelector('[data-upline-panel] iframe'); return f.style.height !== '420px' && f.style.height;").await?;
    browser.screenshot("widget-panel", DESKTOP).await?;
    browser.screenshot("widget-panel", PHONE).await?;

    // An old token: the expired state, and the host hears of it.
    let expired = upline_api::embed_token::issue(
        &app.cloud.session_key(),
        &upline_api::embed_token::EmbedClaims {
            t: tenant.id.clone(),
            p: partner.clone(),
            exp: time::OffsetDateTime::now_utc().unix_timestamp() - 60,
        },
    );
    browser
        .client
        .goto(&format!("{site}/shop?token={expired}"))
        .await?;
    until(
        browser,
        "the expired event",
        "return document.documentElement.dataset.expired || null;",
    )
    .await?;
    browser.client.enter_frame(0).await?;
    browser.find("embed-expired").await?;
    browser.client.enter_parent_frame().await?;
    browser.screenshot("widget-panel-expired", PHONE).await?;

    // The API away: the host's own script runs, nothing breaks, the referral is kept to send later.
    browser
        .client
        .goto(&format!("{down}/shop?ref={code}&form=1"))
        .await?;
    until(
        browser,
        "the host script",
        "return document.documentElement.dataset.hostRan || null;",
    )
    .await?;
    until(
        browser,
        "the remembered code",
        "return window.upline && upline.referral && upline.referral.code;",
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        js(
            browser,
            "return document.documentElement.dataset.pageError || null;"
        )
        .await?,
        Value::Null
    );
    Ok(())
}
