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
