//! Delivering notifications from the outbox. A failed delivery never touches the event that
//! caused it: it is recorded on the outbox item and the record is retried.

use crate::RecordError;
use std::future::Future;
use std::pin::Pin;
use upline_store::outbox::OutboxRecord;
use upline_store::{Store, Timestamp};

/// After this many failed attempts a notification is marked `failed` and left for an operator,
/// so an undeliverable address never holds up the stream behind it.
pub const MAX_DELIVERY_ATTEMPTS: u64 = 5;

/// One email/SMS/webhook message handed to a delivery channel.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    pub id: String,
    pub channel: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct DeliveryError(pub String);

/// Where messages go: SES/SNS in the cloud, the local outbox on one machine.
pub trait Deliver: Send + Sync {
    fn deliver(
        &self,
        message: Message,
    ) -> Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + '_>>;
}

/// Delivers one outbox item unless an earlier delivery of the same item already succeeded.
pub(crate) async fn deliver_notification(
    store: &Store,
    deliver: &dyn Deliver,
    notification: &OutboxRecord,
) -> Result<(), RecordError> {
    let tenant = &notification.tenant_id;
    let current = store.outbox_item(tenant, &notification.id).await?;
    let Some(current) = current.filter(|item| item.status == "pending") else {
        return Ok(()); // delivered (or given up) by an earlier delivery of this record
    };
    let Some(partner) = store.partner(tenant, &notification.partner_id).await? else {
        return Err(RecordError::Permanent(format!(
            "notification {} has no partner",
            notification.id
        )));
    };
    let message = render(notification, &partner.name, &partner.email);
    let now = Timestamp::now().rfc3339;
    let Err(err) = deliver.deliver(message).await else {
        return Ok(store
            .record_delivery(tenant, &notification.id, "sent", None, &now)
            .await?);
    };
    if current.attempts + 1 >= MAX_DELIVERY_ATTEMPTS {
        store
            .record_delivery(tenant, &notification.id, "failed", Some(&err.0), &now)
            .await?;
        tracing::error!(id = %notification.id, error = %err, "notification failed for good");
        return Ok(());
    }
    store
        .record_delivery(tenant, &notification.id, "pending", Some(&err.0), &now)
        .await?;
    Err(RecordError::Transient(err.to_string()))
}

fn render(notification: &OutboxRecord, name: &str, email: &str) -> Message {
    let currency = notification.currency.clone().unwrap_or_default();
    // DynamoDB returns numbers normalised ("20.00" as "20"); write them as the currency does.
    let amount = match (
        notification.amount,
        currency.parse::<upline_contract::Currency>(),
    ) {
        (Some(amount), Ok(c)) => c.normalize(amount).to_string(),
        (Some(amount), Err(_)) => amount.to_string(),
        (None, _) => String::new(),
    };
    let deal = notification.deal_id.clone().unwrap_or_default();
    let (subject, body) = match notification.template.as_str() {
        "commission_credited" => (
            format!("You earned {amount} {currency}"),
            format!(
                "Hi {name},\n\n{amount} {currency} from deal {deal} was credited to your wallet.\n"
            ),
        ),
        other => (other.replace('_', " "), format!("Hi {name},\n\n{other}\n")),
    };
    Message {
        id: notification.id.clone(),
        channel: notification.channel.clone(),
        to: email.to_owned(),
        subject,
        body,
        created_at: notification.created_at.clone(),
    }
}
