//! Webhooks: table changes become events, each event one delivery per subscribed endpoint, each
//! delivery a signed POST per the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
//!
//! The event's message id is derived from the item that caused it, so a record seen twice on
//! the stream writes the same delivery (a conditional put) and the receiver sees one id.

use crate::RecordError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upline_store::delivery::{Claimant, Outcome};
use upline_store::webhooks::{DeliveryRecord, WebhookRecord};
use upline_store::{Store, StoreError};

pub use upline_contract::WEBHOOK_EVENTS as EVENT_TYPES;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One POST to a receiver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Sends a webhook and says how the receiver answered (its HTTP status), or why it could not.
pub trait SendWebhook: Send + Sync {
    fn send(
        &self,
        request: WebhookRequest,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send + '_>>;
}

/// Real HTTP(S): rustls with the system's roots, no redirects (a receiver answers itself), and
/// only to public addresses: a name is resolved here and every internal address it gives is
/// dropped, so a name that points inside a network (or is changed to, after the check at
/// creation) reaches nothing.
pub struct HttpWebhooks {
    client: reqwest::Client,
    loopback_ok: bool,
}

/// Resolves with the system, keeping only the addresses a webhook may go to.
struct PublicOnly {
    loopback_ok: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let loopback_ok = self.loopback_ok;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<std::net::SocketAddr> = found
                .filter(|addr| upline_domain::address::may_send_to(addr.ip(), loopback_ok))
                .collect();
            if allowed.is_empty() {
                return Err(format!("{} resolves to no public address", name.as_str()).into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl HttpWebhooks {
    /// The cloud's: public addresses only.
    pub fn new() -> Result<Self, String> {
        Self::build(false)
    }

    /// The local cloud's: this machine too (a developer's or a test's receiver), never a
    /// private range.
    pub fn allowing_loopback() -> Result<Self, String> {
        Self::build(true)
    }

    fn build(loopback_ok: bool) -> Result<Self, String> {
        // The AWS SDK links aws-lc-rs already; reqwest uses whatever provider is installed.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(std::sync::Arc::new(PublicOnly { loopback_ok }))
            .no_proxy()
            .user_agent("Upline-Webhooks/1")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            loopback_ok,
        })
    }

    /// An address written into the URL is not resolved: check it here.
    fn literal_allowed(&self, url: &reqwest::Url) -> bool {
        match url.host_str() {
            // The URL parser has already put any IPv4 spelling into dotted form.
            Some(host) => upline_domain::address::ip_literal(host)
                .is_none_or(|ip| upline_domain::address::may_send_to(ip, self.loopback_ok)),
            None => false,
        }
    }
}

impl SendWebhook for HttpWebhooks {
    fn send(
        &self,
        request: WebhookRequest,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send + '_>> {
        Box::pin(async move {
            let url = reqwest::Url::parse(&request.url).map_err(|e| format!("{e}"))?;
            if !self.literal_allowed(&url) {
                return Err(format!("{url} is not a public address"));
            }
            let mut builder = self
                .client
                .post(url)
                .header("content-type", "application/json");
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let response = builder
                .body(request.body)
                .send()
                .await
                .map_err(|e| format!("{e}"))?;
            Ok(response.status().as_u16())
        })
    }
}

/// `v1,<signature>` per secret, space-separated (two while a rotated secret is still valid).
pub fn signature_header(secrets: &[&str], message_id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|secret| format!("v1,{}", sign(secret, message_id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")); the key is the base64 after `whsec_`.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> String {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = BASE64
        .decode(encoded)
        .unwrap_or_else(|_| encoded.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// An event found in a stream record.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub tenant: upline_contract::TenantId,
    pub event_type: &'static str,
    pub message_id: String,
    pub timestamp: String,
    pub data: serde_json::Value,
}

type Image = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// Attributes that are how the table works, not what the event says.
const INTERNAL: [&str; 10] = [
    "pk",
    "sk",
    "entity",
    "tenant_id",
    "gsi1pk",
    "gsi1sk",
    "tree_pk",
    "tree_path",
    "due_pk",
    "due_at",
];

/// The event a changed item stands for, if any.
pub fn event_of(event_name: &str, old: &Image, new: &Image) -> Option<Event> {
    let view = upline_store::item::View(new);
    let entity = view.entity()?;
    let status = |image: &Image| {
        image
            .get("status")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    let (event_type, at_attribute) = match (event_name, entity) {
        ("INSERT", "lead") => ("lead.created", "created_at"),
        ("INSERT", "transition") if !new.contains_key("event") => ("deal.updated", "at"),
        ("INSERT", "entry") => match new.get("kind").and_then(|v| v.as_s().ok())?.as_str() {
            "accrual" => ("commission.created", "created_at"),
            "reversal" => ("commission.reversed", "created_at"),
            _ => return None,
        },
        ("INSERT", "payout") => ("payout.requested", "created_at"),
        ("MODIFY", "payout") if status(old) != status(new) => match status(new).as_str() {
            "paid" => ("payout.paid", "decided_at"),
            "rejected" => ("payout.rejected", "decided_at"),
            _ => return None,
        },
        _ => return None,
    };
    let tenant = upline_contract::TenantId::from(view.opt_s("tenant_id").ok()??);
    let timestamp = view.opt_s(at_attribute).ok()??.to_owned();
    let millis = OffsetDateTime::parse(&timestamp, &Rfc3339)
        .map(|at| (at.unix_timestamp_nanos() / 1_000_000) as u64)
        .unwrap_or(0);
    // Same item, same event: the same id however often the record is delivered.
    let pk = view.opt_s("pk").ok()??;
    let sk = view.opt_s("sk").ok()??;
    let digest = Sha256::digest(format!("{event_type}|{pk}|{sk}").as_bytes());
    let random = u128::from_be_bytes(digest[..16].try_into().ok()?);
    let message_id = format!("msg_{}", ulid::Ulid::from_parts(millis, random));
    let mut data = serde_json::Map::new();
    for (name, value) in new {
        if INTERNAL.contains(&name.as_str()) {
            continue;
        }
        if let Some(value) = json_of(value) {
            data.insert(name.clone(), value);
        }
    }
    if entity == "entry"
        && let Some(id) = sk.strip_prefix(upline_store::keys::ENTRY_PREFIX)
    {
        data.insert("entry_id".into(), id.into());
    }
    Some(Event {
        tenant,
        event_type,
        message_id,
        timestamp,
        data: serde_json::Value::Object(data),
    })
}

/// Numbers stay strings: money is a decimal string in the API, and in webhooks too.
fn json_of(value: &aws_sdk_dynamodb::types::AttributeValue) -> Option<serde_json::Value> {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    Some(match value {
        A::S(s) | A::N(s) => serde_json::Value::String(s.clone()),
        A::Bool(b) => serde_json::Value::Bool(*b),
        A::L(items) => serde_json::Value::Array(items.iter().filter_map(json_of).collect()),
        A::Ss(items) => serde_json::Value::Array(items.iter().map(|s| s.as_str().into()).collect()),
        _ => return None,
    })
}

/// The tenants' endpoints, read once per batch: a batch often carries several events of one
/// tenant (a deal's ledger entries), and an endpoint made now applies from the next batch.
#[derive(Default)]
pub(crate) struct EndpointCache(
    tokio::sync::Mutex<HashMap<upline_contract::TenantId, std::sync::Arc<Vec<WebhookRecord>>>>,
);

impl EndpointCache {
    async fn endpoints(
        &self,
        store: &Store,
        tenant: &upline_contract::TenantId,
    ) -> Result<std::sync::Arc<Vec<WebhookRecord>>, StoreError> {
        if let Some(known) = self.0.lock().await.get(tenant) {
            return Ok(std::sync::Arc::clone(known));
        }
        let read = std::sync::Arc::new(store.webhooks(tenant).await?);
        self.0
            .lock()
            .await
            .insert(tenant.clone(), std::sync::Arc::clone(&read));
        Ok(read)
    }
}

/// Writes one delivery per endpoint that wants the event.
pub(crate) async fn fan_out(
    store: &Store,
    cache: &EndpointCache,
    event: &Event,
) -> Result<(), StoreError> {
    let endpoints = cache.endpoints(store, &event.tenant).await?;
    let payload = serde_json::json!({
        "type": event.event_type,
        "timestamp": event.timestamp,
        "data": event.data,
    })
    .to_string();
    for endpoint in endpoints.iter().filter(|e| e.wants(event.event_type)) {
        store
            .put_delivery_once(&DeliveryRecord {
                tenant_id: event.tenant.clone(),
                endpoint_id: endpoint.id.clone(),
                message_id: event.message_id.clone(),
                event_type: event.event_type.to_owned(),
                payload: payload.clone(),
                created_at: event.timestamp.clone(),
                delivery: Default::default(),
            })
            .await?;
    }
    Ok(())
}

/// One attempt at one delivery, if `claimant` gets the claim.
pub(crate) async fn deliver_webhook(
    store: &Store,
    sender: &dyn SendWebhook,
    delivery: &DeliveryRecord,
    claimant: Claimant<'_>,
) -> Result<(), RecordError> {
    let key = delivery.key();
    let now = OffsetDateTime::now_utc();
    let Some(attempt) = store.claim_delivery(&key, claimant, now).await? else {
        return Ok(());
    };
    let Some(endpoint) = store
        .webhook_for_signing(&delivery.tenant_id, &delivery.endpoint_id)
        .await?
    else {
        let error = "the endpoint was deleted";
        store
            .settle_delivery(&key, attempt, Outcome::Abandoned { error }, now)
            .await?;
        return Ok(());
    };
    let timestamp = now.unix_timestamp();
    let now_text = upline_store::Timestamp::from(now).rfc3339;
    let request = WebhookRequest {
        url: endpoint.url.clone(),
        headers: vec![
            ("webhook-id".into(), delivery.message_id.clone()),
            ("webhook-timestamp".into(), timestamp.to_string()),
            (
                "webhook-signature".into(),
                signature_header(
                    &endpoint.signing_secrets(&now_text),
                    &delivery.message_id,
                    timestamp,
                    &delivery.payload,
                ),
            ),
        ],
        body: delivery.payload.clone(),
    };
    let result = sender.send(request).await;
    let to = endpoint.url.as_str();
    let outcome_text;
    let outcome = match &result {
        Ok(status) if (200..300).contains(status) => {
            outcome_text = format!("HTTP {status}");
            Outcome::Sent {
                to,
                detail: &outcome_text,
            }
        }
        Ok(status) => {
            outcome_text = format!("HTTP {status}");
            Outcome::Failed {
                to,
                error: &outcome_text,
            }
        }
        Err(error) => Outcome::Failed { to, error },
    };
    if matches!(outcome, Outcome::Failed { .. }) {
        tracing::warn!(message = %delivery.message_id, attempt, result = ?result, "webhook not accepted; will retry");
    }
    store
        .settle_delivery(&key, attempt, outcome, OffsetDateTime::now_utc())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example in the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body),
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_rotated_secret_signs_alongside_the_new_one() {
        let header = signature_header(&["whsec_AAAA", "whsec_BBBB"], "msg_1", 1, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,")));
        assert_ne!(parts[0], parts[1]);
    }
}
