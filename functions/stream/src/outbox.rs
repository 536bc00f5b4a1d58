//! Delivering notifications from the outbox. A failed delivery never touches the event that
//! caused it: it is recorded on the outbox item and the record is retried.

use crate::RecordError;
use std::future::Future;
use std::pin::Pin;
use upline_store::outbox::OutboxRecord;
use upline_store::tokens::TokenKey;
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
    /// Sent in someone's name (an invitation): shown as the sender's name, answers go to them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    pub created_at: String,
}

/// What turns an email's token id into the link it carries.
#[derive(Clone)]
pub struct EmailLinks {
    pub key: TokenKey,
    /// Where the portal is served (`https://partners.example.com`); empty: links are paths.
    pub portal_url: String,
}

impl EmailLinks {
    fn link(&self, path: &str, token_id: &str) -> String {
        format!(
            "{}{path}{}",
            self.portal_url.trim_end_matches('/'),
            self.key.token(token_id)
        )
    }
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
    links: Option<&EmailLinks>,
    notification: &OutboxRecord,
) -> Result<(), RecordError> {
    let tenant = &notification.tenant_id;
    let current = store.outbox_item(tenant, &notification.id).await?;
    let Some(current) = current.filter(|item| item.status == "pending") else {
        return Ok(()); // delivered (or given up) by an earlier delivery of this record
    };
    let (name, email) = match (&notification.partner_id, &notification.to_email) {
        (Some(partner_id), _) => match store.partner(tenant, partner_id).await? {
            Some(partner) => (partner.name, partner.email),
            None => {
                return Err(RecordError::Permanent(format!(
                    "notification {} has no partner",
                    notification.id
                )));
            }
        },
        (None, Some(email)) => (
            notification.to_name.clone().unwrap_or_default(),
            email.clone(),
        ),
        (None, None) => {
            return Err(RecordError::Permanent(format!(
                "notification {} has no recipient",
                notification.id
            )));
        }
    };
    let message = render(notification, &name, &email, links)?;
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

fn render(
    notification: &OutboxRecord,
    name: &str,
    email: &str,
    links: Option<&EmailLinks>,
) -> Result<Message, RecordError> {
    let link = |path: &str| -> Result<String, RecordError> {
        let token_id = notification.token_id.as_deref().ok_or_else(|| {
            RecordError::Permanent(format!("notification {} has no token", notification.id))
        })?;
        let links = links
            .ok_or_else(|| RecordError::Permanent("no email link key is configured".to_owned()))?;
        Ok(links.link(path, token_id))
    };
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
        "payout_paid" => (
            format!("Your payout of {amount} {currency} was paid"),
            format!("Hi {name},\n\nyour payout of {amount} {currency} was paid.\n"),
        ),
        "payout_rejected" => (
            "Your payout request was declined".to_owned(),
            format!(
                "Hi {name},\n\nyour payout request of {amount} {currency} was declined: {}\nThe amount stays in your wallet.\n",
                notification.body.clone().unwrap_or_default()
            ),
        ),
        "confirm_email" => (
            "Confirm your email".to_owned(),
            format!(
                "Hi {name},\n\nplease confirm your email address: {}\n",
                link("/confirm-email?token=")?
            ),
        ),
        "set_password" => (
            "Set your password".to_owned(),
            format!(
                "Hi {name},\n\nset your password here (the link works once): {}\n",
                link("/set-password?token=")?
            ),
        ),
        "invitation" => {
            let inviter = notification.from_name.clone().unwrap_or_default();
            let subject = notification
                .subject
                .clone()
                .unwrap_or_else(|| format!("{inviter} invites you to join"));
            let note = notification
                .body
                .clone()
                .map(|text| format!("{text}\n\n"))
                .unwrap_or_default();
            (
                subject,
                format!(
                    "Hi {name},\n\n{note}{inviter} invites you to join the partner program: {}\n",
                    link("/register?invitation=")?
                ),
            )
        }
        other => (other.replace('_', " "), format!("Hi {name},\n\n{other}\n")),
    };
    Ok(Message {
        id: notification.id.clone(),
        channel: notification.channel.clone(),
        to: email.to_owned(),
        subject,
        body,
        from_name: notification.from_name.clone(),
        reply_to: notification.reply_to.clone(),
        created_at: notification.created_at.clone(),
    })
}
