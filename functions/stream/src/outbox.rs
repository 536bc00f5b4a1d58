//! Delivering notifications from the outbox. A failed delivery never touches the event that
//! caused it: the attempt is recorded on the outbox item, which waits on the `due` index for
//! the sweeper's next try (see `upline_store::delivery`), and the stream moves on.

use crate::RecordError;
use rust_decimal::Decimal;
use std::future::Future;
use std::pin::Pin;
use time::OffsetDateTime;
use upline_contract::Language;
use upline_domain::templates::{self, Variables};
use upline_store::delivery::{Claimant, Outcome};
use upline_store::outbox::OutboxRecord;
use upline_store::tokens::TokenKey;
use upline_store::{Store, StoreError};

/// One email/SMS/webhook message handed to a delivery channel.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    pub id: String,
    /// A notification's channel; none for a webhook event (which the local cloud journals too).
    pub channel: Option<upline_contract::Channel>,
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

/// Where messages go: SES/SNS in the cloud, the local outbox on one machine. `Ok` carries what
/// the channel says about the message (SES's message id), kept as the delivery's result.
pub trait Deliver: Send + Sync {
    fn deliver(
        &self,
        message: Message,
    ) -> Pin<Box<dyn Future<Output = Result<String, DeliveryError>> + Send + '_>>;
}

/// One attempt at one outbox item, if `claimant` gets the claim. Only store errors fail the
/// record (and are retried by the stream); a failed delivery is recorded and left to the
/// sweeper.
pub(crate) async fn deliver_notification(
    store: &Store,
    deliver: &dyn Deliver,
    links: Option<&EmailLinks>,
    notification: &OutboxRecord,
    claimant: Claimant<'_>,
) -> Result<(), RecordError> {
    let key = notification.key();
    let Some(attempt) = store
        .claim_delivery(&key, claimant, OffsetDateTime::now_utc())
        .await?
    else {
        return Ok(()); // sent, given up, or being sent by someone else
    };
    let outcome = match compose(store, links, notification).await {
        Ok(message) => {
            let to = message.to.clone();
            match deliver.deliver(message).await {
                Ok(detail) => {
                    settle(
                        store,
                        &key,
                        attempt,
                        Outcome::Sent {
                            to: &to,
                            detail: &detail,
                        },
                    )
                    .await
                }
                Err(err) => {
                    tracing::warn!(id = %notification.id, attempt, error = %err, "notification not delivered; will retry");
                    settle(
                        store,
                        &key,
                        attempt,
                        Outcome::Failed {
                            to: &to,
                            error: &err.0,
                        },
                    )
                    .await
                }
            }
        }
        Err(Compose::Never(reason)) => {
            tracing::error!(id = %notification.id, %reason, "notification cannot be sent");
            settle(store, &key, attempt, Outcome::Abandoned { error: &reason }).await
        }
        Err(Compose::Store(err)) => Err(err),
    };
    Ok(outcome?)
}

async fn settle(
    store: &Store,
    key: &upline_store::keys::Key,
    attempt: u64,
    outcome: Outcome<'_>,
) -> Result<(), StoreError> {
    store
        .settle_delivery(key, attempt, outcome, OffsetDateTime::now_utc())
        .await
}

enum Compose {
    /// Will never work: recorded as failed at once.
    Never(String),
    /// Reading failed: the stream retries the record.
    Store(StoreError),
}

impl From<StoreError> for Compose {
    fn from(err: StoreError) -> Self {
        Compose::Store(err)
    }
}

/// The message: recipient, language, the tenant's template (or the built-in one), variables.
async fn compose(
    store: &Store,
    links: Option<&EmailLinks>,
    notification: &OutboxRecord,
) -> Result<Message, Compose> {
    let tenant = &notification.tenant_id;
    let (name, address, language) =
        match &notification.partner_id {
            Some(partner_id) => {
                let partner = store.partner(tenant, partner_id).await?.ok_or_else(|| {
                    Compose::Never(format!("partner {partner_id} does not exist"))
                })?;
                (partner.name, partner.email.into_string(), partner.language)
            }
            None => (
                notification.to_name.clone().unwrap_or_default(),
                notification.to_email.clone().ok_or_else(|| {
                    Compose::Never("the notification has no recipient".to_owned())
                })?,
                notification
                    .language
                    .as_deref()
                    .and_then(Language::parse)
                    .unwrap_or_default(),
            ),
        };
    let vars = variables(store, links, notification, &name, language).await?;
    let custom = store
        .template(tenant, &notification.template, language)
        .await?;
    let built_in = || {
        templates::default_text(&notification.template, language)
            .ok_or_else(|| Compose::Never(format!("no template {}", notification.template)))
    };
    let tenants_own = custom.as_ref().and_then(|custom| {
        templates::render(&custom.subject, &custom.body, &vars)
            .inspect_err(|err| {
                // Saved before today's checks, or otherwise unrenderable: the partner still gets
                // the built-in wording rather than nothing.
                tracing::warn!(template = %notification.template, error = %err, "tenant template refused; sending the built-in one");
            })
            .ok()
    });
    let (mut subject, body) = match tenants_own {
        Some(rendered) => rendered,
        None => {
            let (subject_source, body_source) = built_in()?;
            templates::render(subject_source, body_source, &vars).map_err(|err| {
                Compose::Never(format!("template {}: {err}", notification.template))
            })?
        }
    };
    // An inviter's own subject wins over the template's.
    if let Some(own) = notification
        .subject
        .as_ref()
        .filter(|_| notification.template == "invitation")
    {
        subject = own.clone();
    }
    let to = match notification.channel {
        upline_contract::Channel::Sms => notification
            .to_phone
            .clone()
            .ok_or_else(|| Compose::Never("an SMS without a phone number".to_owned()))?,
        upline_contract::Channel::Email => address,
    };
    Ok(Message {
        id: notification.id.clone(),
        channel: Some(notification.channel),
        to,
        subject,
        body,
        from_name: notification.from_name.clone(),
        reply_to: notification.reply_to.clone(),
        created_at: notification.created_at.clone(),
    })
}

async fn variables(
    store: &Store,
    links: Option<&EmailLinks>,
    notification: &OutboxRecord,
    name: &str,
    language: Language,
) -> Result<Variables, Compose> {
    let tenant = &notification.tenant_id;
    let mut vars = Variables::default();
    vars.set("name", name);
    if let Some(program) = store.tenant(tenant).await? {
        vars.set("program_name", program.name);
    }
    let link_path = match notification.template.as_str() {
        "confirm_email" => Some("/confirm-email?token="),
        "set_password" => Some("/set-password?token="),
        "invitation" | "invitation_sms" => Some("/register?invitation="),
        _ => None,
    };
    if let Some(path) = link_path {
        let token_id = notification.token_id.as_deref().ok_or_else(|| {
            Compose::Never(format!("notification {} has no token", notification.id))
        })?;
        let links =
            links.ok_or_else(|| Compose::Never("no email link key is configured".to_owned()))?;
        vars.set("link", links.link(path, token_id));
    }
    if let Some(inviter) = &notification.from_name {
        vars.set("inviter_name", inviter);
    }
    if notification.template.starts_with("invitation")
        && let Some(note) = &notification.body
    {
        vars.set("note", note);
    }
    if notification.template == "payout_rejected"
        && let Some(reason) = &notification.body
    {
        vars.set("reason", reason);
    }
    let currency = notification.currency.clone().unwrap_or_default();
    // DynamoDB returns numbers normalised ("20.00" as "20"); write them as the currency does.
    let in_currency = |amount: Decimal| match currency.parse::<upline_contract::Currency>() {
        Ok(c) => c.normalize(amount).to_string(),
        Err(_) => amount.to_string(),
    };
    if let Some(amount) = notification.amount {
        let amount = in_currency(amount);
        vars.set(
            "reward",
            templates::format_money(&amount, &currency, language),
        );
        vars.set("amount", amount);
    }
    if let Some(amount) = notification.deal_amount {
        vars.set(
            "deal_amount",
            templates::format_money(&in_currency(amount), &currency, language),
        );
    }
    if let Some(deal) = &notification.deal_id {
        vars.set("deal_id", deal);
        // A lead's or client's commission names the person referred (the lead's id is the
        // "deal"; it lives with the partner who brought it in).
        if let Some(from) = &notification.from_partner_id
            && deal.starts_with("ld_")
            && let Some(lead) = store.lead(tenant, from, deal).await?
        {
            vars.set("referred_contact", lead.name);
        }
    }
    vars.set("currency", currency);
    if let Some(level) = notification.level {
        vars.set("level", level.to_string());
    }
    // Whom the deal came through, when that is not the recipient.
    if let (Some(from), Some(level)) = (&notification.from_partner_id, notification.level)
        && level > 1
        && let Some(partner) = store.partner(tenant, from).await?
    {
        vars.set("from_partner", partner.name);
    }
    Ok(vars)
}
