//! Every way in, through the local cloud over HTTP: a referral code, an invitation, a level-zero
//! invitation, open signup, staff joining under their supervisor; the email gate, single-use
//! tokens, terms acceptance, and fields that must not grant anything.

use serde_json::{Value, json};
use upline_tests::{PASSWORD, StatusCode, TINY_PDF, TestApp, TestTenant};

async fn register(app: &TestApp, tenant: &TestTenant, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["tenant"] = json!(tenant.slug);
    body["password"] = json!(PASSWORD);
    app.post("/v1/auth/register", None, body).await
}

async fn referral_code(app: &TestApp, tenant: &TestTenant, partner: &str) -> String {
    let (status, body) = app
        .get(&format!("/v1/partners/{partner}"), &tenant.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["referral_code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_referral_code_lands_the_new_partner_under_its_owner_behind_the_email_gate() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-code").await;
    let ann = app.create_partner(&tenant, "Ann", None).await;
    let code = referral_code(&app, &tenant, ann.as_str()).await;

    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "Bea@People.example", "name": "Bea", "referral_code": code.to_lowercase()}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["partner"]["sponsor_id"], json!(ann.as_str()));
    assert_eq!(body["partner"]["depth"], 1);
    let bea = body["token"].as_str().unwrap().to_owned();

    // Logged in, but held at the gate until the email is confirmed.
    let (status, me) = app.get("/v1/me", &bea).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["email"], "bea@people.example");
    assert_eq!(me["user"]["email_confirmed"], false);
    assert_eq!(me["user"]["permissions"], json!(["participate"]));
    assert_eq!(me["partner"]["sponsor_id"], json!(ann.as_str()));
    for path in [
        "/v1/partners/me",
        "/v1/partners?scope=downline",
        "/v1/program",
    ] {
        let (status, body) = app.get(path, &bea).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["error"]["code"], "email_unconfirmed", "{path}");
    }
    app.confirm_email("bea@people.example").await;
    let (status, partner) = app.get("/v1/partners/me", &bea).await;
    assert_eq!(status, StatusCode::OK, "{partner}");
    assert_eq!(partner["sponsor_id"], json!(ann.as_str()));
    assert!(
        partner["referral_link"]
            .as_str()
            .unwrap()
            .ends_with(&format!(
                "/r/{}?program={}",
                partner["referral_code"].as_str().unwrap(),
                tenant.id
            ))
    );

    let (status, _) = app.login(&tenant, "bea@people.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "bea@people.example", "name": "Bea again", "referral_code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "email_taken");
}

#[tokio::test]
async fn joining_needs_a_code_or_an_invitation_unless_the_program_is_open() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-open").await;
    let (status, body) =
        register(&app, &tenant, json!({"email": "o@p.example", "name": "O"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "referral_code");
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "o@p.example", "name": "O", "referral_code": "ZZZZZZZZ"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "referral_code");

    let (status, _) = app
        .put("/v1/program", &tenant.token, json!({"open_signup": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        register(&app, &tenant, json!({"email": "o@p.example", "name": "O"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["partner"]["sponsor_id"], Value::Null);
    assert_eq!(body["partner"]["depth"], 0);
}

#[tokio::test]
async fn an_invitation_prefills_the_form_confirms_the_email_and_works_once() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-invite").await;
    let (status, _) = app
        .put("/v1/program", &tenant.token, json!({"open_signup": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, host) = app
        .post(
            "/v1/auth/register",
            None,
            json!({"tenant": tenant.slug, "email": "hana@people.example", "password": PASSWORD, "name": "Hana Host"}),
        )
        .await;
    let hana = host["token"].as_str().unwrap().to_owned();
    let hana_partner = host["partner"]["id"].as_str().unwrap().to_owned();
    app.confirm_email("hana@people.example").await;

    let (status, created) = app
        .post(
            "/v1/invitations",
            Some(&hana),
            json!({"first_name": "Ivo", "last_name": "Guest", "email": "ivo@people.example", "phone": "+48 600 100 200",
                   "subject": "Join my team", "body": "We sell solar panels together."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["id"].as_str().unwrap().starts_with("iv_"));
    assert!(created["expires_at"].as_str().unwrap() > "2026");

    // The email goes out in the inviter's name, answers go to the inviter.
    let token = app
        .token_from_email("ivo@people.example", "/register?invitation=")
        .await;
    let email = app.cloud.outbox().messages_to("ivo@people.example");
    let email = email.last().unwrap();
    assert_eq!(email.subject, "Join my team");
    assert_eq!(email.from_name.as_deref(), Some("Hana Host"));
    assert_eq!(email.reply_to.as_deref(), Some("hana@people.example"));
    assert!(email.body.contains("We sell solar panels together."));
    assert!(
        email
            .body
            .contains(&format!("{}/register?invitation=", app.base))
    );

    let (status, prefill) = app
        .request(
            reqwest::Method::GET,
            &format!("/v1/invitations/{token}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{prefill}");
    assert_eq!(prefill["email"], "ivo@people.example");
    assert_eq!(prefill["first_name"], "Ivo");
    assert_eq!(prefill["phone"], "+48 600 100 200");
    assert_eq!(prefill["inviter_name"], "Hana Host");
    assert_eq!(prefill["tenant"]["slug"], tenant.slug);

    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "someone.else@people.example", "name": "Ivo", "invitation_token": token}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "email");

    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "ivo@people.example", "name": "Ivo Guest", "invitation_token": token}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["partner"]["sponsor_id"], json!(hana_partner));
    let ivo = body["token"].as_str().unwrap();
    let (_, me) = app.get("/v1/me", ivo).await;
    assert_eq!(
        me["user"]["email_confirmed"], true,
        "an invitation proves the email"
    );
    let (status, _) = app.get("/v1/partners/me", ivo).await;
    assert_eq!(status, StatusCode::OK, "no gate for an invited partner");

    // Used: neither the form nor a second registration accepts it.
    let (status, _) = app
        .request(
            reqwest::Method::GET,
            &format!("/v1/invitations/{token}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "ivo@people.example", "name": "Ivo", "invitation_token": token}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["field"], "invitation_token");
}

#[tokio::test]
async fn a_level_zero_invitation_needs_its_permission_and_puts_nobody_above() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-zero").await;
    let ann = app.create_partner(&tenant, "Ann", None).await;
    let code = referral_code(&app, &tenant, ann.as_str()).await;
    let (partner, _) = app.register_confirmed(&tenant, "Pia", &code).await;
    let invite = json!({"first_name": "Zed", "last_name": "Top", "email": "zed@people.example", "level_zero": true});
    let (status, body) = app
        .post("/v1/invitations", Some(&partner), invite.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .post("/v1/invitations", Some(&tenant.token), invite)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = app
        .token_from_email("zed@people.example", "/register?invitation=")
        .await;
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "zed@people.example", "name": "Zed Top", "invitation_token": token}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["partner"]["sponsor_id"], Value::Null);
    assert_eq!(body["partner"]["depth"], 0);
}

#[tokio::test]
async fn terms_must_be_accepted_and_the_accepted_version_is_recorded() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-terms").await;
    let put_terms = |content_type: &'static str, body: Vec<u8>| {
        app.send_bytes(
            reqwest::Method::PUT,
            "/v1/program/terms",
            Some(&tenant.token),
            content_type,
            body,
        )
    };
    let (status, _) = put_terms("text/plain", TINY_PDF.to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = put_terms("application/pdf", b"<html>not a pdf</html>".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let mut huge = TINY_PDF.to_vec();
    huge.resize(5 * 1024 * 1024 + 1, b' ');
    let (status, body) = put_terms("application/pdf", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");

    let (status, terms) = put_terms("application/pdf", TINY_PDF.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{terms}");
    assert_eq!(terms["version"], "1");
    let url = terms["url"].as_str().unwrap();
    let path = url
        .strip_prefix(&app.base)
        .expect("served by the portal's domain");
    let (status, content_type, pdf) = app.get_bytes(path, None).await;
    assert_eq!(
        (status, content_type.as_str(), pdf.as_slice()),
        (StatusCode::OK, "application/pdf", TINY_PDF)
    );
    let (_, program) = app.get("/v1/program", &tenant.token).await;
    assert_eq!(program["terms"]["version"], "1");

    let ann = app.create_partner(&tenant, "Ann", None).await;
    let code = referral_code(&app, &tenant, ann.as_str()).await;
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "t@people.example", "name": "T", "referral_code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "accept_terms");

    let (status, terms) = put_terms("application/pdf", TINY_PDF.to_vec()).await;
    assert_eq!(
        (status, terms["version"].as_str()),
        (StatusCode::CREATED, Some("2"))
    );
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "t@people.example", "name": "T", "referral_code": code, "accept_terms": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["partner"]["terms_version"], "2");
}

#[tokio::test]
async fn email_tokens_work_once_and_forgot_password_tells_nobody_who_exists() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-tokens").await;
    let ann = app.create_partner(&tenant, "Ann", None).await;
    let code = referral_code(&app, &tenant, ann.as_str()).await;
    let (status, _) = register(
        &app,
        &tenant,
        json!({"email": "once@people.example", "name": "Once", "referral_code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let confirm = app
        .token_from_email("once@people.example", "/confirm-email?token=")
        .await;
    let again = |path: &'static str, body: Value| app.post(path, None, body);
    let (status, _) = again("/v1/auth/confirm-email", json!({"token": confirm})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = again("/v1/auth/confirm-email", json!({"token": confirm})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "token_not_found");

    let (status, _) = again(
        "/v1/auth/forgot-password",
        json!({"tenant": tenant.slug, "email": "nobody@people.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "unknown emails answer alike");
    let (status, _) = again(
        "/v1/auth/forgot-password",
        json!({"tenant": tenant.slug, "email": "once@people.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let reset = app
        .token_from_email("once@people.example", "/set-password?token=")
        .await;
    let (status, body) = again(
        "/v1/auth/set-password",
        json!({"token": reset, "password": "short"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "password");
    let (status, body) = again(
        "/v1/auth/set-password",
        json!({"token": reset, "password": "a brand new passphrase"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["token"].as_str().unwrap().starts_with("ust_"));
    let (status, _) = again(
        "/v1/auth/set-password",
        json!({"token": reset, "password": "yet another passphrase"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.login(&tenant, "once@people.example", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (status, _) = app
        .login(&tenant, "once@people.example", "a brand new passphrase")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        app.cloud
            .outbox()
            .messages_to("nobody@people.example")
            .is_empty()
    );
    let (status, _) = again(
        "/v1/auth/confirm-email",
        json!({"token": "not-a-token-we-ever-sent-anyone-at-all"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_partner_created_by_staff_sets_a_password_from_the_email_and_is_confirmed() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-staff-made").await;
    app.create_partner(&tenant, "Imported", None).await;
    let (status, _) = app.login(&tenant, "imported@partners.example", "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no password yet");
    let token = app
        .token_from_email("imported@partners.example", "/set-password?token=")
        .await;
    let (status, body) = app
        .post(
            "/v1/auth/set-password",
            None,
            json!({"token": token, "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = body["token"].as_str().unwrap();
    let (status, me) = app.get("/v1/partners/me", session).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "imported@partners.example");
}

#[tokio::test]
async fn staff_join_under_their_supervisor_and_the_two_structures_move_apart() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-staff").await;
    let (boss, boss_token) = app
        .staff_user(&tenant, "Boss", &["participate", "view_all_partners"], None)
        .await;
    let (clerk, clerk_token) = app
        .staff_user(&tenant, "Clerk", &["participate"], Some(&boss))
        .await;
    let app = &app;
    let join = |token: String| async move {
        app.post(
            "/v1/program/join",
            Some(&token),
            json!({"accept_terms": true}),
        )
        .await
    };
    let (status, body) = join(clerk_token.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "supervisor_not_joined");
    let (status, boss_partner) = join(boss_token.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{boss_partner}");
    assert_eq!(boss_partner["depth"], 0);
    let (status, clerk_partner) = join(clerk_token.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{clerk_partner}");
    assert_eq!(clerk_partner["sponsor_id"], boss_partner["id"]);
    let (status, body) = join(clerk_token.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "already_joined");

    // A supervisor loop is refused; moving the clerk in the staff structure leaves the tree.
    let (status, body) = app
        .put(
            &format!("/v1/users/{boss}/supervisor"),
            &tenant.token,
            json!({"supervisor_id": clerk}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "cycle");
    let (status, user) = app
        .put(
            &format!("/v1/users/{clerk}/supervisor"),
            &tenant.token,
            json!({"supervisor_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["supervisor_id"], Value::Null);
    let (_, partner) = app.get("/v1/partners/me", &clerk_token).await;
    assert_eq!(partner["sponsor_id"], boss_partner["id"], "the tree stays");

    // And moving the partner leaves the staff structure.
    let (status, _) = app
        .put(
            &format!("/v1/users/{clerk}/supervisor"),
            &tenant.token,
            json!({"supervisor_id": boss}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let clerk_partner_id = clerk_partner["id"].as_str().unwrap();
    let (status, moved) = app
        .put(
            &format!("/v1/partners/{clerk_partner_id}/sponsor"),
            &tenant.token,
            json!({"sponsor_id": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["depth"], 0);
    let (_, me) = app.get("/v1/me", &clerk_token).await;
    assert_eq!(
        me["user"]["supervisor_id"],
        json!(boss),
        "the staff structure stays"
    );

    let (status, users) = app.get("/v1/users", &tenant.token).await;
    assert_eq!(status, StatusCode::OK);
    let emails: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "owner@ways-staff.example",
            "boss@staff.example",
            "clerk@staff.example"
        ]
    );
}

#[tokio::test]
async fn fields_that_would_grant_privileges_are_never_applied() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-privilege").await;
    let ann = app.create_partner(&tenant, "Ann", None).await;
    let code = referral_code(&app, &tenant, ann.as_str()).await;
    // Fields the contract does not have are refused by name, not quietly dropped.
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "sly@people.example", "name": "Sly", "referral_code": code,
               "permissions": ["configure_program", "manage_balances"], "email_confirmed": true}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let field = body["error"]["field"].as_str().unwrap();
    assert!(
        ["permissions", "email_confirmed"].contains(&field),
        "{body}"
    );
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "sly@people.example", "name": "Sly", "referral_code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let sly = body["token"].as_str().unwrap();
    let (_, me) = app.get("/v1/me", sly).await;
    assert_eq!(me["user"]["permissions"], json!(["participate"]));
    assert_eq!(me["user"]["email_confirmed"], false);

    // Staff grant only what they hold.
    let (_, admin) = app
        .staff_user(&tenant, "Admin", &["configure_program"], None)
        .await;
    let (status, body) = app
        .post(
            "/v1/users",
            Some(&admin),
            json!({"email": "m@staff.example", "name": "M", "password": PASSWORD, "permissions": ["manage_balances"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "permissions[0]");

    // Tampered, expired and foreign session tokens are refused.
    let tampered = format!("{}x", &tenant.token);
    let (status, _) = app.get("/v1/me", &tampered).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let user = upline_contract::UserId::from(me["user"]["id"].as_str().unwrap());
    let key = app.cloud.session_key();
    let expired = key.issue_expiring(&tenant.id, &user, 1_700_000_000, false);
    let (status, _) = app.get("/v1/me", &expired).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "expired");
    let fresh = key.issue(&tenant.id, &user);
    let (status, _) = app.get("/v1/me", &fresh).await;
    assert_eq!(status, StatusCode::OK, "the same key, unexpired");
    let (status, _) = app
        .get("/v1/me", "ust_eyJ0IjoidG4iLCJ1IjoidXMiLCJleHAiOjF9.AAAA")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn nobody_can_flood_an_inbox_through_account_emails() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-flood").await;
    let ann = app.create_partner(&tenant, "Ann", None).await;
    let code = referral_code(&app, &tenant, ann.as_str()).await;
    let (status, body) = register(
        &app,
        &tenant,
        json!({"email": "flood@people.example", "name": "Flood", "referral_code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let session = body["token"].as_str().unwrap().to_owned();

    let mut resent = Vec::new();
    for _ in 0..4 {
        let (status, _) = app
            .request(
                reqwest::Method::POST,
                "/v1/auth/resend-confirmation",
                Some(&session),
                None,
            )
            .await;
        resent.push(status);
    }
    assert_eq!(
        resent,
        [
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // The same address's share is spent: forgot-password still answers 202 and sends nothing.
    let (status, _) = app
        .post(
            "/v1/auth/forgot-password",
            None,
            json!({"tenant": tenant.slug, "email": "flood@people.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let sent = app.cloud.outbox().messages_to("flood@people.example");
    let subjects: Vec<&str> = sent.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects
            .iter()
            .filter(|s| **s == "Confirm your email")
            .count(),
        4,
        "the registration's email and three resends: {subjects:?}"
    );
    assert!(!subjects.contains(&"Set your password"), "{subjects:?}");
}

#[tokio::test]
async fn a_referral_link_names_its_program_and_the_public_page_says_who_invited() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("ways-public").await;
    let ann = app.create_partner(&tenant, "Ann", None).await;
    let code = referral_code(&app, &tenant, ann.as_str()).await;
    let (_, partner) = app.get(&format!("/v1/partners/{ann}"), &tenant.token).await;
    let link = partner["referral_link"].as_str().unwrap();
    let program = link
        .split("?program=")
        .nth(1)
        .expect("the link names its program");

    for by in [program, tenant.slug.as_str()] {
        let (status, body) = app
            .request(
                reqwest::Method::GET,
                &format!("/v1/public/programs/{by}?ref={code}"),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["tenant"]["slug"], json!(tenant.slug));
        assert_eq!(body["referrer_name"], "Ann");
        assert_eq!(body["open_signup"], false);
    }
    let (_, unknown_code) = app
        .request(
            reqwest::Method::GET,
            &format!("/v1/public/programs/{}?ref=NOPE99", tenant.slug),
            None,
            None,
        )
        .await;
    assert_eq!(unknown_code["referrer_name"], Value::Null);
    for missing in ["no-such-program", "tn_nothing", "Bad Slug!"] {
        let (status, body) = app
            .request(
                reqwest::Method::GET,
                &format!("/v1/public/programs/{}", missing.replace(' ', "%20")),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}: {body}");
    }
}

#[tokio::test]
async fn staff_permissions_change_at_once_only_within_what_the_changer_holds_and_never_their_own() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("perm-edit").await;
    let (clerk, clerk_token) = app
        .staff_user(&tenant, "Clerk", &["participate"], None)
        .await;
    let (lead, lead_token) = app
        .staff_user(
            &tenant,
            "Lead",
            &["configure_program", "view_all_partners"],
            None,
        )
        .await;
    let set = |user: String, token: String, permissions: Value| {
        let app = &app;
        async move {
            app.put(
                &format!("/v1/users/{user}/permissions"),
                &token,
                json!({ "permissions": permissions }),
            )
            .await
        }
    };

    // Before: the clerk may not see all partners; the owner grants it, and it applies at once.
    let (status, _) = app.get("/v1/partners?scope=all", &clerk_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, user) = set(
        clerk.clone(),
        tenant.token.clone(),
        json!(["view_all_partners", "participate", "participate"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(
        user["permissions"],
        json!(["participate", "view_all_partners"])
    );
    let (status, body) = app.get("/v1/partners?scope=all", &clerk_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The lead may grant and take away only what the lead holds.
    let (status, body) = set(
        clerk.clone(),
        lead_token.clone(),
        json!(["participate", "view_all_partners", "manage_balances"]),
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("permissions[2]")),
        "{body}"
    );
    let (status, body) = set(clerk.clone(), lead_token.clone(), json!([])).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("permissions")),
        "participate is not the lead's to take: {body}"
    );
    let (status, user) = set(clerk.clone(), lead_token.clone(), json!(["participate"])).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    let (status, _) = app.get("/v1/partners?scope=all", &clerk_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "taken away at once");

    // Nobody changes their own; a partner-only user may change nobody's; bad input names itself.
    let (status, body) = set(lead.clone(), lead_token.clone(), json!([])).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("own_permissions")),
        "{body}"
    );
    let (status, _) = set(lead.clone(), clerk_token.clone(), json!([])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = set(clerk.clone(), tenant.token.clone(), json!(["root"])).await;
    assert!(status.is_client_error(), "{body}");
    assert!(
        body["error"]["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("permissions")),
        "{body}"
    );
    let (status, _) = set("us_nobody".into(), tenant.token.clone(), json!([])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, me) = app.get("/v1/me", &clerk_token).await;
    assert_eq!(me["user"]["permissions"], json!(["participate"]));
}
