//! Each function's IAM policy (declared in the route list, granted by the SAM template) is
//! exactly what its handler does: every route is driven through the local cloud — with a
//! session and with an API key — and the stream handler through its paths, while every DynamoDB
//! request is attributed to its function.

use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use upline_api::routes::{Iam, ROUTES, STREAM_IAM};
use upline_local::requests::{FUNCTION, iam_seen};
use upline_stream::StreamHandler;
use upline_tests::{StatusCode, TestApp, read_stream};

type Seen = BTreeMap<String, BTreeSet<(String, String)>>;

fn declared(iam: &Iam) -> (BTreeSet<String>, BTreeSet<String>) {
    (
        iam.actions.iter().map(|a| a.to_string()).collect(),
        iam.keys.iter().map(|k| k.to_string()).collect(),
    )
}

fn observed(seen: &Seen, function: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let uses = seen.get(function).cloned().unwrap_or_default();
    (
        uses.iter().map(|(a, _)| a.clone()).collect(),
        uses.iter().map(|(_, k)| k.clone()).collect(),
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

    for route in ROUTES {
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
        };
    store
        .create_deal(&deal, &transition(&deal, "won"))
        .await
        .unwrap();
    deal.seq = 2;
    deal.status = "refunded".into();
    store
        .update_deal(&deal, 1, Some(&transition(&deal, "refunded")))
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
    let app = TestApp::spawn().await;
    drive_every_route(&app).await;
    drive_stream_edge_paths().await;
    let seen = iam_seen();
    let mut wrong = Vec::new();
    for route in ROUTES {
        if declared(&route.iam) != observed(&seen, route.id) {
            wrong.push(format!(
                "{}: declared {:?}, observed {:?}",
                route.id,
                declared(&route.iam),
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
