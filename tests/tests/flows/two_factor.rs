//! Two-factor login end to end: turning it on with a code, logging in with one, a code that
//! works once, turning it off, and the secret sealed at rest.

use serde_json::{Value, json};
use upline_tests::two_factor::{code, early_in_a_step, now, turn_on};
use upline_tests::{PASSWORD, StatusCode, TestApp, TestTenant};

async fn login(app: &TestApp, tenant: &TestTenant, totp: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"tenant": tenant.slug, "email": format!("owner@{}.example", tenant.slug), "password": PASSWORD});
    if let Some(totp) = totp {
        body["totp"] = json!(totp);
    }
    app.post("/v1/auth/login", None, body).await
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
    let secret = turn_on(&app, &tenant.token).await;
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
        .user_by_email(
            &tenant.id,
            &upline_domain::validate::Email::parse(&format!("owner@{}.example", tenant.slug))
                .unwrap(),
        )
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
    let secret = turn_on(&app, &tenant.token).await;

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

#[tokio::test]
async fn a_program_requiring_two_factor_of_staff_lets_staff_without_it_only_turn_it_on() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("staff2fa").await;
    early_in_a_step().await;
    let require = json!({"staff_two_factor_required": true});

    // Whoever requires it uses it first.
    let (status, refused) = app.put("/v1/program", &tenant.token, require.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "two_factor_first");
    turn_on(&app, &tenant.token).await;
    let (status, program) = app.put("/v1/program", &tenant.token, require).await;
    assert_eq!(status, StatusCode::OK, "{program}");
    assert_eq!(program["staff_two_factor_required"], true);

    // A staff user without it logs in to a session that can only turn it on.
    let (_, token) = app
        .staff_user(&tenant, "Viewer", &["view_all_partners"], None)
        .await;
    let (status, refused) = app.get("/v1/partners?scope=all", &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "two_factor_setup_required");
    let (status, me) = app.get("/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["two_factor_setup_required"], true);
    assert_eq!(me["user"]["two_factor"], false);

    // Once it is on, the same session is a whole one.
    turn_on(&app, &token).await;
    let (status, partners) = app.get("/v1/partners?scope=all", &token).await;
    assert_eq!(status, StatusCode::OK, "{partners}");
    let (_, me) = app.get("/v1/me", &token).await;
    assert_eq!(me["two_factor_setup_required"], false);
    assert_eq!(me["user"]["two_factor"], true);

    // Partners are not staff: the requirement is not theirs.
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top_view) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    app.register_confirmed(&tenant, "Pat", top_view["referral_code"].as_str().unwrap())
        .await;
    let (status, login) = app.login(&tenant, "pat@people.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{login}");
    assert_eq!(login["two_factor_setup_required"], false);
    let partner_token = login["token"].as_str().unwrap();
    let (status, me) = app.get("/v1/partners/me", partner_token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
}
