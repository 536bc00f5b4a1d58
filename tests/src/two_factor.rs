//! Two-factor login as an authenticator app does it: the codes of a secret, and turning it on.

use crate::{StatusCode, TestApp};
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Secret, TOTP};

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code an authenticator app shows for `secret` at `at` (unix seconds).
pub fn code(secret: &str, at: u64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, bytes, None, String::new()).generate(at)
}

/// Waits until a 30-second step has at least 10 s left, so the codes of the steps around now
/// stay valid while a test uses them.
pub async fn early_in_a_step() {
    while now() % 30 > 20 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Starts and confirms two-factor login for the session's user; the secret.
pub async fn turn_on(app: &TestApp, token: &str) -> String {
    let (status, setup) = app.post("/v1/me/totp", Some(token), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let url = setup["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/") && url.contains(&format!("secret={secret}")),
        "{url}"
    );
    assert!(
        setup["qr_svg"].as_str().unwrap().contains("<svg"),
        "a QR code for the app to scan"
    );
    // The step before now: a phone a little behind is still believed.
    let (status, on) = app
        .post(
            "/v1/me/totp/confirm",
            Some(token),
            json!({"code": code(&secret, now() - 30)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on, json!({"enabled": true}));
    secret
}

/// The owner (`token`) turns two-factor login on and requires it of staff.
pub async fn require_of_staff(app: &TestApp, token: &str) {
    early_in_a_step().await;
    turn_on(app, token).await;
    let (status, program) = app
        .put(
            "/v1/program",
            token,
            json!({"staff_two_factor_required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{program}");
}
