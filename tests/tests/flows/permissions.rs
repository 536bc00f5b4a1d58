//! The permission matrix: every route of the route list × every kind of caller, against a table
//! written here (not read from the route list), so a route whose declaration drifts from what
//! it should allow fails, and a new route fails until it is added to the table.

use serde_json::json;
use upline_api::routes::ROUTES;
use upline_tests::routes::{Targets, call_route, request_for};
use upline_tests::{StatusCode, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    NoPermissions,
    Participate,
    ViewAllPartners,
    ManageBalances,
    InviteLevelZero,
    ConfigureProgram,
    Owner,
    ApiKey,
    Partner,
    /// Staff holding every staff permission, in a program that requires two-factor login of
    /// staff, who has not turned it on: a session only for turning it on.
    TwoFactorPending,
    /// An embed token of one partner (`POST /v1/embed-tokens`): read-only, `/v1/embed/*` only.
    Embed,
}

use Caller::*;

const CALLERS: [Caller; 12] = [
    Anonymous,
    NoPermissions,
    Participate,
    ViewAllPartners,
    ManageBalances,
    InviteLevelZero,
    ConfigureProgram,
    Owner,
    ApiKey,
    Partner,
    TwoFactorPending,
    Embed,
];

const USERS: &[Caller] = &[
    NoPermissions,
    Participate,
    ViewAllPartners,
    ManageBalances,
    InviteLevelZero,
    ConfigureProgram,
    Owner,
    Partner,
    TwoFactorPending,
];
const ANYONE: &[Caller] = &[
    NoPermissions,
    Participate,
    ViewAllPartners,
    ManageBalances,
    InviteLevelZero,
    ConfigureProgram,
    Owner,
    ApiKey,
    Partner,
];
const CONFIGURERS: &[Caller] = &[ConfigureProgram, Owner];
const BALANCE_MANAGERS: &[Caller] = &[ManageBalances, Owner];
const PARTICIPANTS: &[Caller] = &[Participate, Partner, Owner];
const PAYOUT_READERS: &[Caller] = &[Participate, Partner, ManageBalances, Owner];
const INVITERS: &[Caller] = &[InviteLevelZero, Participate, Partner, Owner];
const LEVEL_ZERO_INVITERS: &[Caller] = &[InviteLevelZero, Owner];
const DOWNLINE_INVITERS: &[Caller] = &[Participate, Partner, Owner];
/// Deals and leads move money: the backend or balance managers, never a read-only viewer.
const DEAL_WRITERS: &[Caller] = &[ApiKey, ManageBalances, Owner];
const DEAL_READERS: &[Caller] = &[
    ApiKey,
    ViewAllPartners,
    ManageBalances,
    ConfigureProgram,
    Owner,
];

const KEYS: &[Caller] = &[ApiKey];
const EMBEDS: &[Caller] = &[Embed];

/// Who gets past the gate of each route. `None`: public.
fn admitted(route_id: &str) -> Option<&'static [Caller]> {
    Some(match route_id {
        "create_tenant"
        | "login"
        | "register"
        | "confirm_email"
        | "forgot_password"
        | "set_password"
        | "get_invitation"
        | "get_public_program"
        | "openapi"
        | "record_click"
        | "create_public_lead"
        | "follow_referral_link"
        | "embed_page" => {
            return None;
        }
        "create_embed_token" => KEYS,
        "get_embed_panel" => EMBEDS,
        "me"
        | "resend_confirmation"
        | "set_language"
        | "logout"
        | "start_totp"
        | "confirm_totp"
        | "disable_totp" => USERS,
        "get_program"
        | "my_partner"
        | "my_qr_code"
        | "list_partners"
        | "get_partner"
        | "list_leads"
        | "list_deals"
        | "get_wallet"
        | "list_wallet_entries" => ANYONE,
        "create_user"
        | "list_users"
        | "set_supervisor"
        | "set_permissions"
        | "upload_terms"
        | "update_program"
        | "create_partner"
        | "set_sponsor"
        | "create_webhook"
        | "list_webhooks"
        | "delete_webhook"
        | "rotate_webhook_secret"
        | "list_webhook_deliveries"
        | "list_notifications"
        | "list_templates"
        | "put_template"
        | "create_api_key"
        | "list_api_keys"
        | "delete_api_key"
        | "list_audit" => CONFIGURERS,
        "get_partner_wallet"
        | "list_partner_wallet_entries"
        | "adjust_wallet"
        | "pay_payout"
        | "reject_payout" => BALANCE_MANAGERS,
        "join_program" | "request_payout" => PARTICIPANTS,
        "list_payouts" => PAYOUT_READERS,
        // The gate admits both; the body's `level_zero` picks which of the two it takes.
        "create_invitation" => INVITERS,
        "put_deal" | "create_lead" | "register_client" => DEAL_WRITERS,
        "get_deal" | "preview_commission" => DEAL_READERS,
        other => panic!("add route {other} to the permission matrix"),
    })
}

/// A denied caller's status: no credentials (or an API key where only a person's session will
/// do, an embed token anywhere but the panel, anything but an embed token on the panel) is 401;
/// a known caller without the permission is 403.
fn denied_status(route_id: &str, caller: Caller) -> StatusCode {
    let session_only = admitted(route_id) == Some(USERS);
    let embed_only = admitted(route_id) == Some(EMBEDS);
    match caller {
        Anonymous | Embed => StatusCode::UNAUTHORIZED,
        _ if embed_only => StatusCode::UNAUTHORIZED,
        ApiKey if session_only => StatusCode::UNAUTHORIZED,
        _ => StatusCode::FORBIDDEN,
    }
}

#[tokio::test]
async fn every_route_admits_exactly_the_callers_it_should() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("matrix").await;
    let top = app.create_partner(&tenant, "Top", None).await;
    let (_, top_view) = app.get(&format!("/v1/partners/{top}"), &tenant.token).await;
    let code = top_view["referral_code"].as_str().unwrap().to_owned();
    let (partner_token, _) = app.register_confirmed(&tenant, "Pat", &code).await;
    let (victim, _) = app
        .staff_user(&tenant, "Victim", &["view_all_partners"], None)
        .await;
    let mut tokens = vec![(Owner, tenant.token.clone()), (Partner, partner_token)];
    for (caller, name, permissions) in [
        (NoPermissions, "Nobody", &[][..]),
        (Participate, "Parti", &["participate"][..]),
        (ViewAllPartners, "Viewer", &["view_all_partners"][..]),
        (ManageBalances, "Manager", &["manage_balances"][..]),
        (InviteLevelZero, "Inviter", &["invite_level_zero"][..]),
        (ConfigureProgram, "Admin", &["configure_program"][..]),
    ] {
        let (_, token) = app.staff_user(&tenant, name, permissions, None).await;
        tokens.push((caller, token));
    }
    let (status, key) = app
        .post("/v1/api-keys", Some(&tenant.token), json!({"name": "crm"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    tokens.push((ApiKey, key["key"].as_str().unwrap().to_owned()));
    let (status, embed) = app
        .post(
            "/v1/embed-tokens",
            key["key"].as_str(),
            json!({"partner_id": top.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{embed}");
    tokens.push((Embed, embed["token"].as_str().unwrap().to_owned()));
    let strict = app.create_tenant("matrix-2fa").await;
    upline_tests::two_factor::require_of_staff(&app, &strict.token).await;
    let every_staff_permission = [
        "view_all_partners",
        "manage_balances",
        "configure_program",
        "invite_level_zero",
    ];
    let (_, pending) = app
        .staff_user(&strict, "Pending", &every_staff_permission, None)
        .await;
    tokens.push((TwoFactorPending, pending));
    let (status, lead) = app
        .post(
            "/v1/leads",
            Some(&tenant.token),
            json!({"referral_code": code, "name": "Lee"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let (status, webhook) = app
        .post(
            "/v1/webhooks",
            Some(&tenant.token),
            json!({"url": "https://matrix.example/hook", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{webhook}");
    // A key of its own to revoke, so the matrix's API-key caller keeps working.
    let (status, spare_key) = app
        .post(
            "/v1/api-keys",
            Some(&tenant.token),
            json!({"name": "spare"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{spare_key}");
    let targets = Targets {
        api_key: spare_key["id"].as_str().unwrap().to_owned(),
        lead: lead["id"].as_str().unwrap().to_owned(),
        webhook: webhook["id"].as_str().unwrap().to_owned(),
        partner: top.to_string(),
        payout: "po_none".to_owned(),
        code,
        user: victim,
        deal: "deal-matrix".to_owned(),
    };

    let mut cells = 0;
    let mut wrong = Vec::new();
    for route in upline_tests::routes::every_route() {
        let (path, body, _) = request_for(route.id, route.path, &targets);
        let Some(mut allowed) = admitted(route.id) else {
            // Public: no token needed, so none is asked for.
            let (status, answer) =
                call_route(&app, route.id, route.method.clone(), &path, "", body).await;
            // The capture endpoints refuse a request from no allowed site (this one has no
            // `Origin`): that is their gate, not a credential's.
            let foreign_site = answer.contains("origin_not_allowed");
            if (status == StatusCode::FORBIDDEN && !foreign_site)
                || (status == StatusCode::UNAUTHORIZED && route.id != "login")
            {
                wrong.push(format!("public {} {path}: {status} {answer}", route.method));
            }
            cells += 1;
            continue;
        };
        for caller in CALLERS {
            let mut body = body.clone();
            if route.id == "create_invitation" {
                let level_zero = caller == InviteLevelZero;
                body.as_mut().unwrap()["level_zero"] = json!(level_zero);
                allowed = if level_zero {
                    LEVEL_ZERO_INVITERS
                } else {
                    DOWNLINE_INVITERS
                };
            }
            let token = tokens
                .iter()
                .find(|(c, _)| *c == caller)
                .map_or("", |(_, t)| t.as_str());
            let (status, answer) =
                call_route(&app, route.id, route.method.clone(), &path, token, body).await;
            let ok = if allowed.contains(&caller) {
                status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN
            } else {
                status == denied_status(route.id, caller)
            };
            if !ok {
                wrong.push(format!(
                    "{caller:?} {} {path}: {status} {answer}",
                    route.method
                ));
            }
            cells += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    println!(
        "permission matrix: {cells} (route × caller) cells over {} routes",
        ROUTES.len()
    );
    let public = ROUTES.iter().filter(|r| admitted(r.id).is_none()).count();
    assert_eq!(cells, (ROUTES.len() - public) * CALLERS.len() + public);
}
