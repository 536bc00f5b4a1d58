//! Webhooks through the local cloud to a real HTTP receiver on loopback: every event type,
//! Standard Webhooks signatures checked here independently, retries with backoff, rotation.

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use upline_tests::TestApp;

#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
}

/// An HTTP receiver on 127.0.0.1 that answers with the queued statuses, then 200.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    state.received.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
                        signature: header("webhook-signature"),
                        body,
                    });
                    let answer = state.answers.lock().unwrap().pop_front().unwrap_or(200);
                    StatusCode::from_u16(answer).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests arrived.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("expected {count} webhooks, got {:#?}", self.received());
    }

    fn types(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|r| event(r)["type"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn event(received: &Received) -> Value {
    serde_json::from_str(&received.body).unwrap()
}

/// The receiver's side of the spec, written from it rather than from our sender.
fn verifies(secret: &str, received: &Received) -> bool {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = BASE64.encode(mac.finalize().into_bytes());
    received
        .signature
        .split(' ')
        .any(|part| part.strip_prefix("v1,") == Some(expected.as_str()))
}

#[tokio::test]
async fn a_receiver_gets_every_event_signed_and_the_log_shows_each_delivery() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("hooks").await;
    let (receiver, url) = Receiver::start().await;

    // Refused: a bad URL, an unknown event, a caller without configure_program.
    let (status, body) = app
        .post(
            "/v1/webhooks",
            Some(&tenant.token),
            json!({"url": "ftp://x", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["field"].as_str()),
        (422, Some("url"))
    );
    let (status, body) = app
        .post(
            "/v1/webhooks",
            Some(&tenant.token),
            json!({"url": url, "events": ["lead.created", "lead.deleted"]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["field"].as_str()),
        (422, Some("events[1]"))
    );

    let (status, hook) = app
        .post(
            "/v1/webhooks",
            Some(&tenant.token),
            json!({"url": url, "events": upline_contract::WEBHOOK_EVENTS, "description": "CRM"}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let (_, list) = app.get("/v1/webhooks", &tenant.token).await;
    assert_eq!(list["items"][0]["url"], url);
    assert!(
        list["items"][0].get("secret").is_none(),
        "secrets are shown once: {list}"
    );
    // At rest the secret is sealed: the table's item does not hold it.
    let stored = app
        .store()
        .get(&upline_store::keys::webhook(
            &tenant.id,
            hook["id"].as_str().unwrap(),
        ))
        .await
        .unwrap()
        .expect("the endpoint is stored");
    let stored_secret = stored["secret"].as_s().unwrap();
    assert!(
        stored_secret.starts_with("sealed1.") && !stored_secret.contains(&secret[6..]),
        "sealed at rest: {stored_secret}"
    );

    // A partner who registers, brings a lead and a deal, earns, and asks for payouts.
    app.use_three_level_plan(&tenant).await;
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let top_code = top["referral_code"].as_str().unwrap().to_owned();
    let (partner_token, partner) = app.register_confirmed(&tenant, "Hookie", &top_code).await;
    let partner_id = upline_contract::PartnerId::from(partner["id"].as_str().unwrap());
    let (status, partner_forbidden) = app.get("/v1/webhooks", &partner_token).await;
    assert_eq!(status.as_u16(), 403, "{partner_forbidden}");
    let code = partner["referral_code"].as_str().unwrap();
    let (status, lead) = app
        .post(
            "/v1/leads",
            Some(&tenant.token),
            json!({"referral_code": code, "name": "Client One"}),
        )
        .await;
    assert!(status.is_success(), "{lead}");
    let (status, _) = app
        .put_deal(&tenant, "deal-h", "200.00", "won", &partner_id)
        .await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&partner_id, "20.00")], Duration::from_secs(3))
        .await;
    for decision in ["pay", "reject"] {
        let (status, payout) = app
            .post(
                "/v1/payouts",
                Some(&partner_token),
                json!({"amount": "5.00"}),
            )
            .await;
        assert!(status.is_success(), "{payout}");
        let path = format!("/v1/payouts/{}/{decision}", payout["id"].as_str().unwrap());
        let (status, body) = app
            .post(
                &path,
                Some(&tenant.token),
                json!({"reason": "not this month"}),
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
    let (status, _) = app
        .put_deal(&tenant, "deal-h", "200.00", "refunded", &partner_id)
        .await;
    assert!(status.is_success());

    let expected = [
        "lead.created",
        "deal.updated",
        "commission.created",
        "payout.requested",
        "payout.paid",
        "payout.rejected",
        "commission.reversed",
    ];
    for _ in 0..200 {
        let types = receiver.types();
        if expected.iter().all(|t| types.iter().any(|seen| seen == t)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    app.settle().await;
    let received = receiver.received();
    let types = receiver.types();
    for wanted in expected {
        assert!(
            types.iter().any(|t| t == wanted),
            "no {wanted} in {types:?}"
        );
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut ids: Vec<&str> = received.iter().map(|r| r.id.as_str()).collect();
    for r in &received {
        assert!(verifies(&secret, r), "signature does not verify: {r:?}");
        assert!(r.id.starts_with("msg_"), "{r:?}");
        assert!(
            (now - r.timestamp).abs() < 300,
            "timestamp within five minutes: {r:?}"
        );
    }
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        received.len(),
        "one delivery per event, each id once"
    );

    // The payloads say what happened, money as strings.
    let commission = received
        .iter()
        .map(event)
        .find(|e| {
            e["type"] == "commission.created" && e["data"]["partner_id"] == partner_id.as_str()
        })
        .unwrap();
    assert_eq!(commission["data"]["deal_id"], "deal-h");
    assert!(commission["data"]["amount"].is_string());
    let rejected = received
        .iter()
        .map(event)
        .find(|e| e["type"] == "payout.rejected")
        .unwrap();
    assert_eq!(rejected["data"]["reason"], "not this month");

    // The delivery log: every one sent at the first attempt.
    let hook_id = hook["id"].as_str().unwrap();
    let (status, log) = app
        .get(
            &format!("/v1/webhooks/{hook_id}/deliveries?limit=100"),
            &tenant.token,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), received.len(), "{log}");
    for item in items {
        assert_eq!(
            (item["status"].as_str(), item["attempts"].as_u64()),
            (Some("sent"), Some(1)),
            "{item}"
        );
        assert_eq!(item["last_result"], "HTTP 200");
    }
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_and_a_rotated_secret_signs_alongside() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("hooks-retry").await;
    let (receiver, url) = Receiver::start().await;
    receiver.answers.lock().unwrap().extend([500, 503]);
    let (_, hook) = app
        .post(
            "/v1/webhooks",
            Some(&tenant.token),
            json!({"url": url, "events": ["lead.created"]}),
        )
        .await;
    let (hook_id, secret) = (
        hook["id"].as_str().unwrap().to_owned(),
        hook["secret"].as_str().unwrap().to_owned(),
    );
    let partner = app.create_partner(&tenant, "Leady", None).await;
    let (_, view) = app
        .get(&format!("/v1/partners/{partner}"), &tenant.token)
        .await;
    let code = view["referral_code"].as_str().unwrap().to_owned();
    let lead = |name: &'static str| {
        let app = &app;
        let (token, code) = (tenant.token.clone(), code.clone());
        async move {
            let (status, body) = app
                .post(
                    "/v1/leads",
                    Some(&token),
                    json!({"referral_code": code, "name": name}),
                )
                .await;
            assert!(status.is_success(), "{body}");
        }
    };
    lead("First").await;
    receiver.wait_for(1).await;
    app.settle().await;
    let path = format!("/v1/webhooks/{hook_id}/deliveries");
    let log = || async { app.get(&path, &tenant.token).await.1["items"][0].clone() };
    let first = log().await;
    assert_eq!(
        (first["status"].as_str(), first["attempts"].as_u64()),
        (Some("retrying"), Some(1)),
        "{first}"
    );
    assert_eq!(first["last_result"], "HTTP 500");
    assert!(first["next_attempt_at"].is_string());

    // Not due yet: nothing is sent. Five seconds on, the second attempt; then five minutes.
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(app.cloud.sweep_due_at(now).await.due, 0);
    assert_eq!(
        app.cloud
            .sweep_due_at(now + Duration::from_secs(10))
            .await
            .due,
        1
    );
    let second = log().await;
    assert_eq!(
        (second["status"].as_str(), second["attempts"].as_u64()),
        (Some("retrying"), Some(2)),
        "{second}"
    );
    assert_eq!(
        app.cloud
            .sweep_due_at(now + Duration::from_secs(60))
            .await
            .due,
        0,
        "the next wait is five minutes"
    );
    assert_eq!(
        app.cloud
            .sweep_due_at(now + Duration::from_secs(400))
            .await
            .due,
        1
    );
    let third = log().await;
    assert_eq!(
        (third["status"].as_str(), third["attempts"].as_u64()),
        (Some("sent"), Some(3)),
        "{third}"
    );
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(
        received.iter().all(|r| r.id == received[0].id),
        "one webhook-id across attempts"
    );
    assert!(received.iter().all(|r| verifies(&secret, r)));

    // Rotation: the next delivery verifies with the new secret and with the old one.
    let (status, rotated) = app
        .post(
            &format!("/v1/webhooks/{hook_id}/rotate-secret"),
            Some(&tenant.token),
            json!({}),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    lead("Second").await;
    let received = receiver.wait_for(4).await;
    assert!(
        verifies(&new_secret, &received[3]) && verifies(&secret, &received[3]),
        "{:?}",
        received[3]
    );
    let stored = app
        .store()
        .get(&upline_store::keys::webhook(&tenant.id, &hook_id))
        .await
        .unwrap()
        .expect("the endpoint is stored");
    for attribute in ["secret", "previous_secret"] {
        let value = stored[attribute].as_s().unwrap();
        assert!(value.starts_with("sealed1."), "{attribute} sealed: {value}");
    }

    // Deleted: no more deliveries, the log stays.
    let (status, _) = app
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/webhooks/{hook_id}"),
            Some(&tenant.token),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 204);
    lead("Third").await;
    app.settle().await;
    assert_eq!(receiver.received().len(), 4);
    let (status, log) = app
        .get(&format!("/v1/webhooks/{hook_id}/deliveries"), &tenant.token)
        .await;
    assert_eq!(
        (status.as_u16(), log["items"].as_array().unwrap().len()),
        (200, 2),
        "{log}"
    );
    let (status, _) = app
        .get("/v1/webhooks/wh_nothing/deliveries", &tenant.token)
        .await;
    assert_eq!(status.as_u16(), 404);
}
