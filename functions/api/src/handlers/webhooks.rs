//! Webhook endpoints (`configure_program`): subscribe a URL to events, list, delete, rotate the
//! signing secret, and read an endpoint's delivery log. Deliveries themselves are the stream
//! handler's (see `upline_stream::webhooks`).

use super::{encode_cursor, new_id};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use base64::Engine;
use rand::RngCore;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::NoContent;
use upline_contract::{
    DeliveryStatus, Page, Permission, SecretRotated, WEBHOOK_EVENTS, Webhook, WebhookCreated,
    WebhookDelivery, WebhookList,
};
use upline_domain::address;
use upline_domain::validate;
use upline_store::Timestamp;
use upline_store::delivery::Delivery;
use upline_store::webhooks::WebhookRecord;

/// How long a rotated-out secret keeps signing.
const ROTATION_OVERLAP: time::Duration = time::Duration::hours(24);
/// Endpoints per tenant: each event is one query and one write per endpoint.
const MAX_ENDPOINTS: usize = 20;

fn new_secret() -> String {
    let mut key = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

fn webhook_view(record: &WebhookRecord) -> Webhook {
    Webhook {
        id: record.id.clone(),
        url: record.url.clone(),
        events: record.events.clone(),
        description: record.description.clone(),
        created_at: record.created_at.clone(),
        previous_secret_until: record.previous_secret_until.clone(),
    }
}

pub fn delivery_status(state: Delivery) -> DeliveryStatus {
    DeliveryStatus {
        status: state.status,
        attempts: state.attempts,
        last_result: state.last_result,
        next_attempt_at: state.next_attempt_at,
        delivered_at: state.delivered_at,
    }
}

pub fn check_url(url: &str, allow_http: bool) -> Result<String, ApiError> {
    let url = url.trim();
    let invalid = |message: &str| ApiError::invalid("url", message);
    if url.len() > 2000 {
        return Err(invalid("must be at most 2000 characters"));
    }
    let rest = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(rest)) if allow_http => rest,
        (None, Some(_)) => return Err(invalid("must start with https://")),
        _ => return Err(invalid("must be an https:// URL")),
    };
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains(char::is_whitespace) || authority.contains('@') {
        return Err(invalid("must name a host (and no credentials)"));
    }
    // The host without its port: `[v6]:443` or `name:443`.
    let host = match authority.strip_prefix('[') {
        Some(v6) => &authority[..v6.find(']').map_or(authority.len(), |end| end + 2)],
        None => authority.split(':').next().unwrap_or(authority),
    };
    let host = host.to_ascii_lowercase();
    // The local cloud (plain HTTP allowed) may call this machine; nothing may call inside a
    // network. A name is checked again after DNS, when the delivery is sent.
    let loopback_ok = allow_http;
    let refused = match address::ip_literal(&host) {
        Some(ip) => !address::may_send_to(ip, loopback_ok),
        None => (host == "localhost" || host.ends_with(".localhost")) && !loopback_ok,
    };
    if refused {
        return Err(invalid(
            "must be a public address, not loopback, private, link-local or multicast",
        ));
    }
    Ok(url.to_owned())
}

fn check_events(events: &[String]) -> Result<Vec<String>, ApiError> {
    if events.is_empty() {
        return Err(ApiError::invalid("events", "name at least one event"));
    }
    let mut checked = Vec::new();
    for (index, event) in events.iter().enumerate() {
        if !WEBHOOK_EVENTS.contains(&event.as_str()) {
            return Err(ApiError::invalid(
                format!("events[{index}]"),
                format!("must be one of {}", WEBHOOK_EVENTS.join(", ")),
            ));
        }
        if !checked.contains(event) {
            checked.push(event.clone());
        }
    }
    Ok(checked)
}

/// `POST /v1/webhooks`
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::CreateWebhook>,
) -> ApiResult<Reply<c::CreateWebhook>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let url = check_url(&request.url, state.allow_http_webhooks)?;
    let events = check_events(&request.events)?;
    let description = super::optional_field("description", request.description.as_deref(), |s| {
        validate::text(s, 200)
    })?;
    if state.store.webhooks(&tenant).await?.len() >= MAX_ENDPOINTS {
        return Err(ApiError::conflict(
            ErrorCode::TooManyWebhooks,
            format!("a program may have at most {MAX_ENDPOINTS} webhook endpoints"),
        ));
    }
    let record = WebhookRecord {
        tenant_id: tenant,
        id: new_id("wh"),
        url,
        events,
        description,
        secret: new_secret(),
        previous_secret: None,
        previous_secret_until: None,
        created_at: Timestamp::now().rfc3339,
    };
    let audit = super::audit::record(
        &caller,
        "webhook.create",
        format!("webhook:{}", record.id),
        serde_json::json!({"url": record.url, "events": record.events}),
    );
    state.store.create_webhook(&record, &audit).await?;
    Ok(Reply::ok(WebhookCreated {
        id: record.id,
        secret: record.secret,
        url: record.url,
        events: record.events,
    }))
}

/// `GET /v1/webhooks`
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Reply<c::ListWebhooks>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let items = state
        .store
        .webhooks(&tenant)
        .await?
        .iter()
        .map(webhook_view)
        .collect();
    Ok(Reply::ok(WebhookList { items }))
}

/// `DELETE /v1/webhooks/{id}`: no more deliveries; the log stays.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Reply<c::DeleteWebhook>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let audit = super::audit::record(
        &caller,
        "webhook.delete",
        format!("webhook:{id}"),
        serde_json::json!({}),
    );
    if !state.store.delete_webhook(&tenant, &id, &audit).await? {
        return Err(ApiError::not_found("webhook"));
    }
    Ok(Reply::ok(NoContent))
}

/// `POST /v1/webhooks/{id}/rotate-secret`
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Reply<c::RotateWebhookSecret>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let secret = new_secret();
    let until = Timestamp::from(time::OffsetDateTime::now_utc() + ROTATION_OVERLAP).rfc3339;
    let audit = super::audit::record(
        &caller,
        "webhook.rotate_secret",
        format!("webhook:{id}"),
        serde_json::json!({"previous_secret_until": until}),
    );
    if !state
        .store
        .rotate_webhook_secret(&tenant, &id, &secret, &until, &audit)
        .await?
    {
        return Err(ApiError::not_found("webhook"));
    }
    Ok(Reply::ok(SecretRotated {
        secret,
        previous_secret_until: until,
    }))
}

/// `GET /v1/webhooks/{id}/deliveries`: the delivery log, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    Params(params): Params<c::ListWebhookDeliveries>,
) -> ApiResult<Reply<c::ListWebhookDeliveries>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let limit = params.page().limit()?;
    let after = params.page().decoded_cursor()?;
    // A deleted endpoint's log stays readable, so only ids that never were are 404.
    if !id.starts_with("wh_") || id.len() > 64 {
        return Err(ApiError::not_found("webhook"));
    }
    let (records, more) = state
        .store
        .deliveries_page(&tenant, &id, limit, after.as_deref())
        .await?;
    let next_cursor = more
        .then(|| records.last().map(|r| encode_cursor(&r.message_id)))
        .flatten();
    if records.is_empty() && after.is_none() && state.store.webhook(&tenant, &id).await?.is_none() {
        return Err(ApiError::not_found("webhook"));
    }
    let items = records
        .into_iter()
        .map(|r| WebhookDelivery {
            id: r.message_id,
            event_type: r.event_type,
            created_at: r.created_at,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            delivery: delivery_status(r.delivery),
        })
        .collect();
    Ok(Reply::ok(Page { items, next_cursor }))
}

#[cfg(test)]
mod url_tests {
    use super::check_url;

    #[test]
    fn a_webhook_cannot_point_inside_a_network_in_any_spelling() {
        for url in [
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.1/hook",
            "https://2130706433/hook",
            "https://0x7f000001/hook",
            "https://[::ffff:169.254.169.254]/hook",
            "https://[fd00::1]:8443/hook",
            "https://192.168.1.1:443/hook",
            "https://localhost/hook",
            "https://127.0.0.1/hook",
        ] {
            let error = check_url(url, false).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("url"), "{url}");
        }
    }

    #[test]
    fn the_local_cloud_may_call_loopback_but_never_a_private_range() {
        assert!(check_url("http://127.0.0.1:9/hook", true).is_ok());
        assert!(check_url("http://[::1]:9/hook", true).is_ok());
        assert!(check_url("http://10.0.0.1/hook", true).is_err());
        assert!(check_url("http://169.254.169.254/", true).is_err());
    }

    #[test]
    fn public_names_and_addresses_pass() {
        assert!(check_url("https://hooks.example.com/upline", false).is_ok());
        assert!(check_url("https://93.184.216.34:8443/x", false).is_ok());
    }
}
