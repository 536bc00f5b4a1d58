//! One sensible request per route of the route list, shared by the isolation and permission
//! matrices.

use crate::{StatusCode, TINY_PDF, TestApp};
use serde_json::{Value, json};

/// Every route, with those that end the caller's session (logout) last, so a matrix that
/// walks them with one token per caller keeps its tokens to the end.
pub fn every_route() -> impl Iterator<Item = &'static upline_api::routes::Route> {
    let ends_session = |r: &&upline_api::routes::Route| r.id == "logout";
    let routes = upline_api::routes::ROUTES.iter();
    routes
        .clone()
        .filter(move |r| !ends_session(r))
        .chain(routes.filter(ends_session))
}

/// The ids a route's path and body name: one of each kind, in the tenant under test.
pub struct Targets {
    pub lead: String,
    pub webhook: String,
    pub partner: String,
    pub payout: String,
    pub code: String,
    pub user: String,
    pub deal: String,
    pub api_key: String,
}

/// The request a route gets: path, body, and whether it names one of the targets.
/// A route not listed here panics, so a new route cannot skip the matrices.
pub fn request_for(route_id: &str, path: &str, ours: &Targets) -> (String, Option<Value>, bool) {
    let with_ids = path
        .replace(
            "{id}",
            if path.starts_with("/v1/users/") {
                &ours.user
            } else if path.starts_with("/v1/payouts/") {
                &ours.payout
            } else if path.starts_with("/v1/leads/") {
                &ours.lead
            } else if path.starts_with("/v1/webhooks/") {
                &ours.webhook
            } else if path.starts_with("/v1/api-keys/") {
                &ours.api_key
            } else {
                &ours.partner
            },
        )
        .replace("{external_id}", &ours.deal);
    let names_ours = with_ids != path;
    let with_ids = with_ids
        .replace("{name}", "commission_credited")
        .replace("{token}", "no-such-token")
        .replace("{program}", "no-such-program")
        .replace("{code}", &ours.code);
    let (body, body_names_ours) = match route_id {
        "update_program" => (Some(json!({"open_signup": false})), false),
        "create_partner" => (
            Some(json!({"email": "x@rival.example", "name": "X", "sponsor_id": ours.partner})),
            true,
        ),
        "put_deal" => (
            Some(json!({"amount": "10.00", "status": "won", "partner_id": ours.partner})),
            true,
        ),
        "create_api_key" => (Some(json!({"name": "k"})), false),
        "adjust_wallet" => (Some(json!({"amount": "5.00", "reason": "rival"})), false),
        "request_payout" => (Some(json!({"amount": "1.00"})), false),
        "create_lead" => (
            Some(json!({"referral_code": ours.code, "name": "Lee"})),
            true,
        ),
        "list_leads" | "register_client" | "list_deals" => (None, false),
        "reject_payout" => (Some(json!({"reason": "rival"})), false),
        "pay_payout" | "list_payouts" => (None, false),
        "create_user" => (
            Some(
                json!({"email": "u@rival.example", "name": "U", "password": "correct horse battery", "supervisor_id": ours.user}),
            ),
            true,
        ),
        "set_supervisor" => (Some(json!({"supervisor_id": null})), false),
        "set_permissions" => (Some(json!({"permissions": []})), false),
        "set_sponsor" => (Some(json!({"sponsor_id": null})), false),
        "join_program" => (Some(json!({"accept_terms": true})), false),
        "create_invitation" => (
            Some(
                json!({"first_name": "I", "last_name": "N", "email": "i@rival.example", "level_zero": true}),
            ),
            false,
        ),
        "resend_confirmation" | "upload_terms" => (None, false),
        "get_program"
        | "get_partner"
        | "get_deal"
        | "preview_commission"
        | "get_partner_wallet"
        | "list_partner_wallet_entries"
        | "me"
        | "my_partner"
        | "my_qr_code"
        | "list_partners"
        | "list_users"
        | "get_wallet"
        | "list_wallet_entries" => (None, false),
        "create_webhook" => (
            Some(json!({"url": "https://rival.example/hook", "events": ["lead.created"]})),
            false,
        ),
        "put_template" => (
            Some(json!({"language": "en", "subject": "Rival {{ name }}", "body": "x"})),
            false,
        ),
        "set_language" => (Some(json!({"language": "pl"})), false),
        "start_totp" => (None, false),
        // A code that is not 6 digits: refused before any secret is read.
        "confirm_totp" | "disable_totp" => (Some(json!({"code": "not-a-code"})), false),
        "list_webhooks"
        | "delete_webhook"
        | "rotate_webhook_secret"
        | "list_webhook_deliveries"
        | "list_notifications"
        | "list_templates" => (None, false),
        // Public routes: an empty body is refused field by field, never with 401 or 403.
        "create_tenant" | "login" | "register" | "confirm_email" | "forgot_password"
        | "set_password" => (Some(json!({})), false),
        "get_invitation"
        | "get_public_program"
        | "openapi"
        | "follow_referral_link"
        | "embed_page" => (None, false),
        "record_click" | "create_public_lead" => (Some(json!({})), false),
        // Only API keys mint embed tokens: a rival's session is refused before the partner is
        // read (the rival's key is tried in tests/tests/flows/front_door.rs).
        "create_embed_token" => (Some(json!({"partner_id": ours.partner})), false),
        "get_embed_panel" => (None, false),
        "logout" | "list_api_keys" | "delete_api_key" | "list_audit" => (None, false),
        other => panic!("add route {other} to the isolation matrix"),
    };
    let with_ids = match route_id {
        "preview_commission" => format!("{with_ids}?status=won"),
        // Asked for by name: still nothing of ours (the answers are checked for our secrets).
        "list_deals" => format!("{with_ids}?partner_id={}", ours.partner),
        _ => with_ids,
    };
    (with_ids, body, names_ours || body_names_ours)
}

pub async fn call_route(
    app: &TestApp,
    route_id: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let token = (!token.is_empty()).then_some(token);
    if route_id == "upload_terms" {
        let (status, body) = app
            .send_bytes(method, path, token, "application/pdf", TINY_PDF.to_vec())
            .await;
        return (status, body.to_string());
    }
    let (status, answer) = app.request(method, path, token, body).await;
    (status, answer.to_string())
}
