//! The audit log: every change staff or an API key makes is recorded with its actor, in the
//! change's own transaction, and read back newest first with filters.

use serde_json::{Value, json};
use upline_tests::{StatusCode, TestApp};

async fn audit(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/v1/audit{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn staff_and_key_changes_are_logged_newest_first_with_who_made_them() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("audited").await;
    let ana = app.create_partner(&tenant, "Ana", None).await;
    let (status, program) = app
        .put("/v1/program", &tenant.token, json!({"min_payout": "75.00"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{program}");
    let (status, key) = app
        .post("/v1/api-keys", Some(&tenant.token), json!({"name": "CRM"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let key_secret = key["key"].as_str().unwrap();
    let (status, deal) = app
        .put(
            "/v1/deals/crm-1",
            key_secret,
            json!({"amount": "100.00", "status": "won", "partner_id": ana}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deal}");

    let events = audit(&app, &tenant.token, "").await;
    assert_eq!(
        actions(&events),
        [
            "deal.create",
            "api_key.create",
            "program.update",
            "partner.create"
        ]
    );
    let (deal_event, program_event) = (&events[0], &events[2]);
    assert_eq!(deal_event["actor"]["api_key_id"], key["id"]);
    assert_eq!(deal_event["actor"]["label"], "CRM");
    assert_eq!(deal_event["target"], "deal:crm-1");
    assert_eq!(deal_event["details"]["status"], "won");
    assert_eq!(program_event["actor"]["label"], "owner@audited.example");
    assert!(program_event["actor"]["user_id"].is_string());
    assert_eq!(
        program_event["details"],
        json!({"min_payout": {"from": "0", "to": "75.00"}}),
        "only the field that changed"
    );
    assert_eq!(events[1]["details"]["name"], "CRM");
    assert!(
        !events[1].to_string().contains(key_secret),
        "a secret never reaches the log"
    );

    // One actor's changes, and a page at a time.
    let by_key = audit(
        &app,
        &tenant.token,
        &format!("?actor={}", key["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(actions(&by_key), ["deal.create"]);
    let (_, first) = app.get("/v1/audit?limit=3", &tenant.token).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().expect("more follow");
    let rest = audit(&app, &tenant.token, &format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(actions(&rest), ["partner.create"]);

    // A period that has not begun holds nothing; today's holds everything.
    assert!(
        audit(&app, &tenant.token, "?from=2999-01-01")
            .await
            .is_empty()
    );
    let today = &events[0]["at"].as_str().unwrap()[..10];
    let todays = audit(&app, &tenant.token, &format!("?from={today}&to={today}")).await;
    assert_eq!(todays.len(), 4);

    // Another tenant's log is its own.
    let rival = app.create_tenant("unaudited").await;
    assert!(audit(&app, &rival.token, "").await.is_empty());
}

#[tokio::test]
async fn a_refused_change_leaves_no_record_and_an_accepted_one_says_what_moved() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("refusals").await;
    let ana = app.create_partner(&tenant, "Ana", None).await;
    let before = audit(&app, &tenant.token, "").await.len();
    // Below zero: the adjustment and its record go together, or not at all.
    let (status, body) = app
        .post(
            &format!("/v1/partners/{ana}/wallet/adjustments"),
            Some(&tenant.token),
            json!({"amount": "-5.00", "reason": "too much"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = app
        .put("/v1/program", &tenant.token, json!({"min_payout": "-1"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(audit(&app, &tenant.token, "").await.len(), before);

    let (status, body) = app
        .post(
            &format!("/v1/partners/{ana}/wallet/adjustments"),
            Some(&tenant.token),
            json!({"amount": "5.00", "reason": "welcome bonus"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let events = audit(&app, &tenant.token, "").await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(events[0]["action"], "wallet.adjust");
    assert_eq!(events[0]["target"], format!("partner:{ana}"));
    assert_eq!(
        events[0]["details"],
        json!({"amount": "5.00", "reason": "welcome bonus"})
    );
}

#[tokio::test]
async fn bad_filters_are_named() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("filters").await;
    for (query, field) in [
        ("?from=yesterday", "from"),
        ("?to=2026-13-01", "to"),
        ("?from=2026-12-02&to=2026-12-01", "to"),
        ("?actor=pt_someone", "actor"),
        ("?cursor=au_nonsense", "cursor"),
        ("?limit=0", "limit"),
    ] {
        let (status, body) = app.get(&format!("/v1/audit{query}"), &tenant.token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let (status, body) = app.get("/v1/audit?acter=us_x", &tenant.token).await;
    // A parameter the endpoint does not know is refused by name, like an unknown body field.
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("acter")),
        "{body}"
    );
}
