//! Two-factor login end to end: turning it on with a code, logging in with one, a code that
//! works once, turning it off, and the secret sealed at rest.

use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Secret, TOTP};
use upline_tests::{PASSWORD, StatusCode, TestApp, TestTenant};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code an authenticator app shows for `secret` at `at` (unix seconds).
fn code(secret: &str, at: u64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, bytes, None, String::new()).generate(at)
}

/// Waits until a 30-second step has at least 10 s left, so the codes of the steps around now
/// stay valid while a test uses them.
async fn early_in_a_step() {
    while now() % 30 > 20 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn login(app: &TestApp, tenant: &TestTenant, totp: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"tenant": tenant.slug, "email": format!("owner@{}.example", tenant.slug), "password": PASSWORD});
    if let Some(totp) = totp {
        body["totp"] = json!(totp);
    }
    app.post("/v1/auth/login", None, body).await
}

/// Starts and confirms two-factor login for the tenant's owner; the secret.
async fn turn_on(app: &TestApp, tenant: &TestTenant) -> String {
    let (status, setup) = app
        .post("/v1/me/totp", Some(&tenant.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let url = setup["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/") && url.contains(&format!("secret={secret}")),
        "{url}"
    );
    // The step before now: a phone a little behind is still believed.
    let (status, on) = app
        .post(
            "/v1/me/totp/confirm",
            Some(&tenant.token),
            json!({"code": code(&secret, now() - 30)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on, json!({"enabled": true}));
    secret
}

#[tokio::test]
async fn with_two_factor_on_a_login_needs_a_fresh_code_and_each_code_works_once() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("twofactor").await;
    early_in_a_step().await;

    let (status, setup) = app
        .post("/v1/me/totp", Some(&tenant.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{setup}");
    let pending = setup["secret"].as_str().unwrap().to_owned();
    // Not on until confirmed: the password alone still logs in, and a wrong code is refused.
    assert_eq!(login(&app, &tenant, None).await.0, StatusCode::OK);
    let wrong = if code(&pending, now()) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, refused) = app
        .post(
            "/v1/me/totp/confirm",
            Some(&tenant.token),
            json!({"code": wrong}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_totp");

    // Starting again replaces the unconfirmed secret.
    let secret = turn_on(&app, &tenant).await;
    assert_ne!(secret, pending);

    let (status, answer) = login(&app, &tenant, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["error"]["code"], "totp_required");

    // The confirming code was of the step before: it does not log in again (replay).
    let (status, answer) = login(&app, &tenant, Some(&code(&secret, now() - 30))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_totp");

    let current = code(&secret, now());
    let (status, answer) = login(&app, &tenant, Some(&current)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // The same code a second time, as someone who watched it typed would send it.
    let (status, answer) = login(&app, &tenant, Some(&current)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");

    // The secret is sealed at rest, and the change is in the audit log.
    let owner = app
        .store()
        .user_by_email(&tenant.id, &format!("owner@{}.example", tenant.slug))
        .await
        .unwrap()
        .unwrap();
    let stored = owner.totp.secret.expect("on");
    assert!(
        stored.starts_with("sealed1.") && !stored.contains(&secret),
        "{stored}"
    );
    let (_, audit) = app.get("/v1/audit", &tenant.token).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "user.totp_enabled"),
        "{audit}"
    );
}

#[tokio::test]
async fn two_factor_is_turned_off_only_with_a_current_code() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("twofactoroff").await;
    early_in_a_step().await;
    let secret = turn_on(&app, &tenant).await;

    let delete = |body: Value| {
        let app = &app;
        let token = tenant.token.clone();
        async move {
            app.request(
                reqwest::Method::DELETE,
                "/v1/me/totp",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, answer) = delete(json!({"code": "12"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"]["field"], "code");
    // A session alone cannot turn it off: the code already used is refused.
    let (status, _) = delete(json!({"code": code(&secret, now() - 30)})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, answer) = delete(json!({"code": code(&secret, now())})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    assert_eq!(login(&app, &tenant, None).await.0, StatusCode::OK);
}
