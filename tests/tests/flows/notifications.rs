//! Notifications: delivered from the outbox by the stream, retried on a schedule without
//! holding anything up, visible to staff, worded by template in the recipient's language.

use serde_json::json;
use std::time::Duration;
use upline_tests::{PASSWORD, TestApp};

#[tokio::test]
async fn a_failing_email_is_retried_on_schedule_never_holds_up_commissions_and_shows_its_state() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mail-outage").await;
    app.cloud.outbox().refuse_next(1);
    let partner = app.create_partner(&tenant, "Unlucky", None).await;
    // The set-password email fails, yet the deal right after it pays as usual.
    let (status, _) = app
        .put_deal(&tenant, "d-1", "100.00", "won", &partner)
        .await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&partner, "10.00")], Duration::from_secs(3))
        .await;
    app.settle().await;

    let (status, page) = app
        .get("/v1/notifications?status=retrying", &tenant.token)
        .await;
    assert_eq!(status.as_u16(), 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let failed = &items[0];
    assert_eq!(failed["template"], "set_password");
    assert_eq!(failed["to"], "unlucky@partners.example");
    assert_eq!(failed["attempts"], 1);
    assert!(
        failed["last_result"]
            .as_str()
            .unwrap()
            .contains("mailbox unavailable"),
        "{failed}"
    );
    assert!(failed["next_attempt_at"].is_string());

    let now = time::OffsetDateTime::now_utc();
    app.cloud.outbox().refuse_next(1);
    assert_eq!(
        app.cloud
            .sweep_due_at(now + Duration::from_secs(10))
            .await
            .due,
        1
    );
    assert_eq!(
        app.cloud
            .sweep_due_at(now + Duration::from_secs(3600))
            .await
            .due,
        1
    );
    let (_, page) = app.get("/v1/notifications", &tenant.token).await;
    let sent = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == failed["id"])
        .unwrap()
        .clone();
    assert_eq!(
        (sent["status"].as_str(), sent["attempts"].as_u64()),
        (Some("sent"), Some(3)),
        "{sent}"
    );
    assert_eq!(sent["last_result"], "local outbox");
    assert!(
        app.token_from_email("unlucky@partners.example", "/set-password?token=")
            .await
            .len()
            > 20
    );

    // An address that never works is given up after the last attempt of the schedule.
    app.cloud.outbox().refuse_next(1_000);
    app.create_partner(&tenant, "Never", None).await;
    app.settle().await;
    let mut at = time::OffsetDateTime::now_utc();
    for _ in 0..upline_store::delivery::MAX_ATTEMPTS {
        at += Duration::from_secs(11 * 3600);
        app.cloud.sweep_due_at(at).await;
    }
    let (_, page) = app
        .get("/v1/notifications?status=failed", &tenant.token)
        .await;
    let given_up = &page["items"][0];
    assert_eq!(given_up["to"], "never@partners.example", "{page}");
    assert_eq!(
        given_up["attempts"].as_u64(),
        Some(upline_store::delivery::MAX_ATTEMPTS)
    );
    assert!(given_up["next_attempt_at"].is_null());
    assert_eq!(
        app.cloud
            .sweep_due_at(at + Duration::from_secs(86_400))
            .await
            .due,
        0,
        "nothing left due"
    );

    let (status, body) = app
        .get("/v1/notifications?status=lost", &tenant.token)
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["field"].as_str()),
        (422, Some("status"))
    );
}

#[tokio::test]
async fn emails_speak_the_recipients_language_and_the_programs_own_wording() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("jezyki").await;
    app.use_three_level_plan(&tenant).await;
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let code = top["referral_code"].as_str().unwrap();

    // Registered in Polish: the confirmation comes in Polish.
    let (status, registered) = app
        .post(
            "/v1/auth/register",
            None,
            json!({"tenant": tenant.slug, "email": "ala@people.example", "password": PASSWORD,
                   "name": "Ala", "accept_terms": true, "referral_code": code, "language": "pl"}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{registered}");
    app.confirm_email("ala@people.example").await;
    let confirmation = &app.cloud.outbox().messages_to("ala@people.example")[0];
    assert_eq!(confirmation.subject, "Potwierdź swój adres e-mail");
    assert!(
        confirmation.body.starts_with("Cześć Ala"),
        "{}",
        confirmation.body
    );
    let (status, body) = app
        .post("/v1/auth/register", None, json!({"tenant": tenant.slug, "email": "x@people.example",
              "password": PASSWORD, "name": "X", "accept_terms": true, "referral_code": code, "language": "de"}))
        .await;
    assert!(status.is_client_error(), "{body}");
    assert_eq!(body["error"]["field"], "language", "{body}");

    // The program words its commission email in Polish; a broken template is refused.
    let (status, body) = app
        .put("/v1/program/templates/commission_credited", &tenant.token,
             json!({"language": "pl", "subject": "Brawo {{ name }}", "body": "{% if reward %}{{ reward }}"}))
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["field"].as_str()),
        (422, Some("body")),
        "{body}"
    );
    let (status, _) = app
        .put(
            "/v1/program/templates/welcome_gift",
            &tenant.token,
            json!({"language": "pl", "subject": "x", "body": "y"}),
        )
        .await;
    assert_eq!(status.as_u16(), 404);
    let (status, body) = app
        .put(
            "/v1/program/templates/commission_credited",
            &tenant.token,
            json!({"language": "pl", "subject": "Brawo {{ name }}: +{{ reward }}",
                    "body": "Transakcja {{ deal_id }}, poziom {{ level }}.\n{{ program_name }}"}),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    let (_, templates) = app.get("/v1/program/templates", &tenant.token).await;
    let items = templates["items"].as_array().unwrap();
    assert_eq!(items.len(), upline_domain_names() * 4);
    assert_eq!(items.iter().filter(|t| t["custom"] == true).count(), 1);

    let ala = upline_contract::PartnerId::from(registered["partner"]["id"].as_str().unwrap());
    let (status, _) = app
        .put_deal(&tenant, "umowa-1", "100.00", "won", &ala)
        .await;
    assert!(status.is_success());
    app.expect_balances(&tenant, &[(&ala, "10.00")], Duration::from_secs(3))
        .await;
    app.settle().await;
    let ala_mail = app.cloud.outbox().messages_to("ala@people.example");
    let credited = ala_mail.last().unwrap();
    assert_eq!(credited.subject, "Brawo Ala: +10,00 EUR");
    assert_eq!(credited.body, "Transakcja umowa-1, poziom 1.\njezyki Inc");
    // Top is English and gets the built-in wording, naming whom the deal came through.
    let top_mail = app.cloud.outbox().messages_to("top@partners.example");
    let top_credit = top_mail
        .iter()
        .find(|m| m.subject.starts_with("You earned"))
        .unwrap();
    assert_eq!(top_credit.subject, "You earned 5.00 EUR");
    assert!(
        top_credit.body.contains("through Ala"),
        "{}",
        top_credit.body
    );

    // Switched to Ukrainian: the next account email is Ukrainian.
    let (status, me) = app
        .put(
            "/v1/me/language",
            registered["token"].as_str().unwrap(),
            json!({"language": "uk"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), me["language"].as_str()),
        (200, Some("uk")),
        "{me}"
    );
    app.post(
        "/v1/auth/forgot-password",
        None,
        json!({"tenant": tenant.slug, "email": "ala@people.example"}),
    )
    .await;
    app.token_from_email("ala@people.example", "/set-password?token=")
        .await;
    let reset = app
        .cloud
        .outbox()
        .messages_to("ala@people.example")
        .pop()
        .unwrap();
    assert_eq!(reset.subject, "Встановіть пароль");

    // An invitation with a phone number also goes out by SMS, with the same link.
    let (status, body) = app
        .post(
            "/v1/invitations",
            Some(registered["token"].as_str().unwrap()),
            json!({"first_name": "Ola", "last_name": "Nowak", "email": "ola@people.example",
                     "phone": "+48600100200", "language": "pl"}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{body}");
    let link = app
        .token_from_email("ola@people.example", "/register?invitation=")
        .await;
    app.settle().await;
    let sms = app.cloud.outbox().messages_to("+48600100200");
    assert_eq!(sms.len(), 1, "{:?}", app.cloud.outbox().messages());
    assert_eq!(sms[0].channel, Some(upline_contract::Channel::Sms));
    assert!(
        sms[0].body.starts_with("Ala zaprasza Cię do jezyki Inc: "),
        "{}",
        sms[0].body
    );
    assert!(sms[0].body.ends_with(&link), "{}", sms[0].body);
}

fn upline_domain_names() -> usize {
    // Every template the API lists: see `upline_domain::templates::NAMES`.
    7
}
