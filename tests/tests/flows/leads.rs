//! Leads: recorded by the tenant's backend or staff and attributed by referral code; a partner
//! sees their own, staff see everyone's; a deal can name its lead instead of a partner.

use serde_json::json;
use std::time::Duration;
use upline_contract::PartnerId;
use upline_tests::{StatusCode, TestApp};

#[tokio::test]
async fn a_lead_is_attributed_by_code_listed_for_its_partner_and_carries_its_deal() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("leads-flow").await;
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top_view) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let (lia, lia_view) = app
        .register_confirmed(&tenant, "Lia", top_view["referral_code"].as_str().unwrap())
        .await;
    let lia_code = {
        let (_, me) = app.get("/v1/partners/me", &lia).await;
        me["referral_code"].as_str().unwrap().to_owned()
    };
    let (_, key) = app
        .post("/v1/api-keys", Some(&tenant.token), json!({"name": "site"}))
        .await;
    let key = key["key"].as_str().unwrap();

    let (status, lead) = app
        .post(
            "/v1/leads",
            Some(key),
            json!({"referral_code": lia_code.to_lowercase(), "name": "Carl Client", "email": "Carl@Client.example",
                   "phone": "+48 600 700 800", "source": "widget"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    assert_eq!(lead["partner_id"], lia_view["id"]);
    for (body, field) in [
        (
            json!({"referral_code": "ZZZZZZZZ", "name": "X"}),
            "referral_code",
        ),
        (json!({"referral_code": lia_code, "name": ""}), "name"),
        (
            json!({"referral_code": lia_code, "name": "X", "email": "nope"}),
            "email",
        ),
    ] {
        let (status, answer) = app.post("/v1/leads", Some(key), body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["field"], field);
    }
    let (status, _) = app
        .post(
            "/v1/leads",
            Some(&lia),
            json!({"referral_code": lia_code, "name": "Self Made"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a partner does not record leads"
    );
    let (_, second) = app
        .post(
            "/v1/leads",
            Some(&tenant.token),
            json!({"referral_code": top_view["referral_code"], "name": "Tia"}),
        )
        .await;

    let (status, own) = app.get("/v1/leads", &lia).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    let names: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Carl Client"]);
    assert_eq!(own["items"][0]["email"], "carl@client.example");
    let (status, _) = app.get(&format!("/v1/leads?partner_id={top}"), &lia).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another partner's leads");
    let (_, all) = app.get("/v1/leads", &tenant.token).await;
    let ids: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [second["id"].as_str().unwrap(), lead["id"].as_str().unwrap()],
        "newest first"
    );
    let (_, paged) = app.get("/v1/leads?limit=1", &tenant.token).await;
    let cursor = paged["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get(&format!("/v1/leads?limit=1&cursor={cursor}"), &tenant.token)
        .await;
    assert_eq!(rest["items"][0]["id"], lead["id"]);

    // A deal names its lead; the lead's partner earns.
    let (status, deal) = app
        .put(
            "/v1/deals/lead-deal",
            key,
            json!({"amount": "300.00", "status": "won", "lead_id": lead["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deal}");
    assert_eq!(deal["partner_id"], lia_view["id"]);
    let lia_id = PartnerId::from(lia_view["id"].as_str().unwrap());
    app.expect_balances(&tenant, &[(&lia_id, "30.00")], Duration::from_secs(3))
        .await;
    let (status, body) = app
        .put(
            "/v1/deals/bad-lead",
            key,
            json!({"amount": "1.00", "status": "new", "lead_id": "ld_nothing"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "lead_id");
}

#[tokio::test]
async fn a_lead_created_rule_pays_a_fixed_amount_through_every_level() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("leads-reward").await;
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"plan": {"rules": [
                {"on": {"deal_status": "won"}, "levels": [{"percent": "10"}]},
                {"on": {"event": "lead_created"}, "levels": [{"fixed": "5.00"}, {"fixed": "2.00"}]}
            ]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chain = app.create_chain(&tenant, &["Up", "Down"]).await;
    let (_, down) = app
        .get(&format!("/v1/partners/{}", chain[1]), &tenant.token)
        .await;
    let code = down["referral_code"].as_str().unwrap();
    for name in ["First Client", "Second Client"] {
        let (status, body) = app
            .post(
                "/v1/leads",
                Some(&tenant.token),
                json!({"referral_code": code, "name": name}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    app.expect_balances(
        &tenant,
        &[(&chain[1], "10.00"), (&chain[0], "4.00")],
        Duration::from_secs(3),
    )
    .await;
    let (_, entries) = app
        .get(
            &format!("/v1/partners/{}/wallet/entries", chain[0]),
            &tenant.token,
        )
        .await;
    let entry = &entries["items"][0];
    assert_eq!(
        (
            entry["rule"].as_str(),
            entry["level"].as_u64(),
            entry["from_partner_id"].as_str()
        ),
        (Some("event:lead_created"), Some(2), Some(chain[1].as_str()))
    );
    assert!(
        entry["deal_id"].as_str().unwrap().starts_with("ld_"),
        "the lead is the source"
    );
    app.assert_wallets_match_entries(&tenant, &chain).await;
}

#[tokio::test]
async fn a_registered_client_pays_the_client_registered_rule_once_at_every_level_and_the_email_names_the_client()
 {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("leads-client").await;
    let (status, body) = app
        .put(
            "/v1/program",
            &tenant.token,
            json!({"plan": {"rules": [
                {"on": {"event": "client_registered"}, "levels": [{"fixed": "25.00"}, {"fixed": "5.00"}, {"fixed": "1.00"}]}
            ]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chain = app.create_chain(&tenant, &["Top", "Up", "Down"]).await;
    let (_, down) = app
        .get(&format!("/v1/partners/{}", chain[2]), &tenant.token)
        .await;
    let (_, lead) = app
        .post(
            "/v1/leads",
            Some(&tenant.token),
            json!({"referral_code": down["referral_code"], "name": "Clara"}),
        )
        .await;
    let lead_id = lead["id"].as_str().unwrap();
    let path = format!("/v1/leads/{lead_id}/registered");
    let (status, registered) = app.post(&path, Some(&tenant.token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    assert!(registered["registered_at"].is_string());
    let (status, body) = app.post(&path, Some(&tenant.token), json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_registered"))
    );
    let (status, _) = app
        .post(
            "/v1/leads/ld_01m86p2gbxkc7f12ev58w0dmn0_pt_nobody/registered",
            Some(&tenant.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.expect_balances(
        &tenant,
        &[
            (&chain[2], "25.00"),
            (&chain[1], "5.00"),
            (&chain[0], "1.00"),
        ],
        Duration::from_secs(3),
    )
    .await;
    // Each level's entry names the client's lead, the rule, its level and whom it came through.
    for (partner, level) in [(&chain[2], 1), (&chain[1], 2), (&chain[0], 3)] {
        let (_, entries) = app
            .get(
                &format!("/v1/partners/{partner}/wallet/entries"),
                &tenant.token,
            )
            .await;
        let items = entries["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{entries}");
        assert_eq!(
            (
                items[0]["deal_id"].as_str(),
                items[0]["rule"].as_str(),
                items[0]["level"].as_u64(),
                items[0]["from_partner_id"].as_str()
            ),
            (
                Some(lead_id),
                Some("event:client_registered"),
                Some(level),
                Some(chain[2].as_str())
            )
        );
    }
    // The commission email says for whom: the referred client, by name.
    app.settle().await;
    let mail = app.cloud.outbox().messages_to("up@partners.example");
    let credited = mail
        .iter()
        .find(|m| m.subject == "You earned 5.00 EUR")
        .expect("the commission email");
    assert!(
        credited.body.contains("for your referred client Clara"),
        "{}",
        credited.body
    );
    // Exactly once: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        app.balance(&tenant, &chain[2]).await,
        upline_tests::dec("25.00")
    );
    app.assert_wallets_match_entries(&tenant, &chain).await;
}
