//! Notifications waiting for delivery. They are written in the same transaction as the event
//! that causes them; the stream handler delivers each on its INSERT and records the outcome here.

use crate::item::{ItemBuilder, View, key_item, n, s};
use crate::ops::{Tx, put_new};
use crate::{Store, StoreError, keys};
use rust_decimal::Decimal;
use upline_contract::{PartnerId, TenantId};

pub const OUTBOX_ENTITY: &str = "outbox";

#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRecord {
    pub tenant_id: TenantId,
    pub id: String,
    pub template: String,
    pub channel: String,
    /// The recipient when it is a partner (name and email are read at delivery)…
    pub partner_id: Option<PartnerId>,
    /// …or an address of its own (account emails, invitations).
    pub to_email: Option<String>,
    pub to_name: Option<String>,
    /// The id the email's token is derived from (see `tokens`); the token itself is not stored.
    pub token_id: Option<String>,
    /// Sent in someone's name (an invitation): their name and reply-to address.
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    /// Text the sender wrote (an invitation's subject and body).
    pub subject: Option<String>,
    pub body: Option<String>,
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub deal_id: Option<String>,
    pub status: String,
    pub attempts: u64,
    pub created_at: String,
}

/// Reads an outbox item, from the table or from a stream image.
pub fn outbox_from(view: &View) -> Result<OutboxRecord, StoreError> {
    let pk = view.s(keys::PK)?;
    Ok(OutboxRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: pk
            .rsplit_once("#OUTBOX#")
            .map(|(_, id)| id)
            .unwrap_or(pk)
            .to_owned(),
        template: view.s("template")?.to_owned(),
        channel: view.s("channel")?.to_owned(),
        partner_id: view.opt_s("partner_id")?.map(PartnerId::from),
        to_email: view.opt_s("to_email")?.map(str::to_owned),
        to_name: view.opt_s("to_name")?.map(str::to_owned),
        token_id: view.opt_s("token_id")?.map(str::to_owned),
        from_name: view.opt_s("from_name")?.map(str::to_owned),
        reply_to: view.opt_s("reply_to")?.map(str::to_owned),
        subject: view.opt_s("subject")?.map(str::to_owned),
        body: view.opt_s("body")?.map(str::to_owned),
        amount: view.opt_decimal("amount")?,
        currency: view.opt_s("currency")?.map(str::to_owned),
        deal_id: view.opt_s("deal_id")?.map(str::to_owned),
        status: view.s("status")?.to_owned(),
        attempts: view.u64("attempts")?,
        created_at: view.s("created_at")?.to_owned(),
    })
}

impl OutboxRecord {
    /// A new pending email to an address (not a partner's wallet event).
    pub fn email_to(
        tenant: &TenantId,
        id: String,
        template: &str,
        to_email: &str,
        to_name: &str,
        created_at: &str,
    ) -> Self {
        OutboxRecord {
            tenant_id: tenant.clone(),
            id,
            template: template.to_owned(),
            channel: "email".to_owned(),
            partner_id: None,
            to_email: Some(to_email.to_owned()),
            to_name: Some(to_name.to_owned()),
            token_id: None,
            from_name: None,
            reply_to: None,
            subject: None,
            body: None,
            amount: None,
            currency: None,
            deal_id: None,
            status: "pending".to_owned(),
            attempts: 0,
            created_at: created_at.to_owned(),
        }
    }
}

impl Tx {
    /// A notification, written with the event that causes it.
    pub fn put_outbox(&mut self, record: &OutboxRecord) -> Result<(), StoreError> {
        let item = ItemBuilder::new(&keys::outbox(&record.tenant_id, &record.id), OUTBOX_ENTITY)
            .s("tenant_id", record.tenant_id.as_str())
            .s("template", &record.template)
            .s("channel", &record.channel)
            .opt_s("partner_id", record.partner_id.as_ref().map(|p| p.as_str()))
            .opt_s("to_email", record.to_email.as_deref())
            .opt_s("to_name", record.to_name.as_deref())
            .opt_s("token_id", record.token_id.as_deref())
            .opt_s("from_name", record.from_name.as_deref())
            .opt_s("reply_to", record.reply_to.as_deref())
            .opt_s("subject", record.subject.as_deref())
            .opt_s("body", record.body.as_deref())
            .opt_s("currency", record.currency.as_deref())
            .opt_s("deal_id", record.deal_id.as_deref())
            .s("status", &record.status)
            .n("attempts", record.attempts)
            .s("created_at", &record.created_at);
        let item = match record.amount {
            Some(amount) => item.n("amount", amount),
            None => item,
        };
        self.push("outbox", put_new(&self.table, item.build())?);
        Ok(())
    }
}

impl Store {
    pub async fn outbox_item(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<OutboxRecord>, StoreError> {
        self.get(&keys::outbox(tenant, id))
            .await?
            .map(|item| outbox_from(&View(&item)))
            .transpose()
    }

    /// Records one delivery attempt: `sent`, or `pending` with the error for a later retry.
    pub async fn record_delivery(
        &self,
        tenant: &TenantId,
        id: &str,
        status: &str,
        error: Option<&str>,
        at: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::outbox(tenant, id))))
            .update_expression(
                "SET #status = :status, last_error = :error, updated_at = :at ADD attempts :one",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":error", s(error.unwrap_or("")))
            .expression_attribute_values(":at", s(at))
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }
}
