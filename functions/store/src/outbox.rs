//! Notifications waiting for delivery. They are written in the same transaction as the event
//! that causes them; the stream handler delivers each on its INSERT and records the outcome here.

use crate::delivery::{Delivery, delivery_of};
use crate::item::{Item, ItemBuilder, View};
use crate::ops::{Refusal, Tx, put_new};
use crate::{Store, StoreError, keys};
use rust_decimal::Decimal;
use upline_contract::{Channel, DeliveryState, PartnerId, TenantId};

pub const OUTBOX_ENTITY: &str = "outbox";

#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRecord {
    pub tenant_id: TenantId,
    pub id: String,
    pub template: String,
    pub channel: Channel,
    /// The recipient when it is a partner (name and email are read at delivery)…
    pub partner_id: Option<PartnerId>,
    /// …or an address of its own (account emails, invitations).
    pub to_email: Option<String>,
    pub to_name: Option<String>,
    /// For an SMS: the number it goes to.
    pub to_phone: Option<String>,
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
    /// The amount of the deal a commission came from (none for a lead's or client's event).
    pub deal_amount: Option<Decimal>,
    /// A commission's level and the downline partner the deal came through.
    pub level: Option<u64>,
    pub from_partner_id: Option<PartnerId>,
    /// The recipient's language when it is an address (a partner's is read at delivery).
    pub language: Option<String>,
    pub created_at: String,
    pub delivery: Delivery,
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
        channel: view.word("channel")?,
        partner_id: view.opt_s("partner_id")?.map(PartnerId::from),
        to_email: view.opt_s("to_email")?.map(str::to_owned),
        to_name: view.opt_s("to_name")?.map(str::to_owned),
        to_phone: view.opt_s("to_phone")?.map(str::to_owned),
        token_id: view.opt_s("token_id")?.map(str::to_owned),
        from_name: view.opt_s("from_name")?.map(str::to_owned),
        reply_to: view.opt_s("reply_to")?.map(str::to_owned),
        subject: view.opt_s("subject")?.map(str::to_owned),
        body: view.opt_s("body")?.map(str::to_owned),
        amount: view.opt_decimal("amount")?,
        currency: view.opt_s("currency")?.map(str::to_owned),
        deal_id: view.opt_s("deal_id")?.map(str::to_owned),
        deal_amount: view.opt_decimal("deal_amount")?,
        level: view.opt_u64("level")?,
        from_partner_id: view.opt_s("from_partner_id")?.map(PartnerId::from),
        language: view.opt_s("language")?.map(str::to_owned),
        created_at: view.s("created_at")?.to_owned(),
        delivery: delivery_of(view)?,
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
            channel: Channel::Email,
            partner_id: None,
            to_email: Some(to_email.to_owned()),
            to_name: Some(to_name.to_owned()),
            to_phone: None,
            token_id: None,
            from_name: None,
            reply_to: None,
            subject: None,
            body: None,
            amount: None,
            currency: None,
            deal_id: None,
            deal_amount: None,
            level: None,
            from_partner_id: None,
            language: None,
            created_at: created_at.to_owned(),
            delivery: Delivery::default(),
        }
    }

    /// A new pending email to a partner (read at delivery: name, address, language).
    pub fn to_partner(
        tenant: &TenantId,
        id: String,
        template: &str,
        partner: &PartnerId,
        created_at: &str,
    ) -> Self {
        OutboxRecord {
            partner_id: Some(partner.clone()),
            to_email: None,
            to_name: None,
            ..Self::email_to(tenant, id, template, "", "", created_at)
        }
    }

    pub fn key(&self) -> keys::Key {
        keys::outbox(&self.tenant_id, &self.id)
    }

    /// The item as first written: pending, never attempted, listed for the tenant.
    pub(crate) fn new_item(&self) -> Item {
        let item = ItemBuilder::new(&self.key(), OUTBOX_ENTITY)
            .s(keys::GSI1_PK, keys::outbox_list(&self.tenant_id))
            .s(keys::GSI1_SK, format!("{}#{}", self.created_at, self.id))
            .s("tenant_id", self.tenant_id.as_str())
            .s("template", &self.template)
            .s("channel", self.channel.as_str())
            .opt_s("partner_id", self.partner_id.as_ref().map(|p| p.as_str()))
            .opt_s("to_email", self.to_email.as_deref())
            .opt_s("to_name", self.to_name.as_deref())
            .opt_s("to_phone", self.to_phone.as_deref())
            .opt_s("token_id", self.token_id.as_deref())
            .opt_s("from_name", self.from_name.as_deref())
            .opt_s("reply_to", self.reply_to.as_deref())
            .opt_s("subject", self.subject.as_deref())
            .opt_s("body", self.body.as_deref())
            .opt_s("currency", self.currency.as_deref())
            .opt_s("deal_id", self.deal_id.as_deref())
            .opt_s(
                "from_partner_id",
                self.from_partner_id.as_ref().map(|p| p.as_str()),
            )
            .opt_s("language", self.language.as_deref())
            .s("status", DeliveryState::Pending.as_str())
            .n("attempts", 0)
            .s("created_at", &self.created_at);
        let item = match self.amount {
            Some(amount) => item.n("amount", amount),
            None => item,
        };
        let item = match self.deal_amount {
            Some(amount) => item.n("deal_amount", amount),
            None => item,
        };
        match self.level {
            Some(level) => item.n("level", level),
            None => item,
        }
        .build()
    }
}

impl Tx {
    /// A notification, written with the event that causes it.
    pub fn put_outbox(&mut self, record: &OutboxRecord) -> Result<(), StoreError> {
        self.push(
            Refusal::Invariant("outbox"),
            put_new(&self.table, record.new_item())?,
        );
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

    /// The tenant's notifications, newest first, optionally only those in one state.
    pub async fn notifications_page(
        &self,
        tenant: &TenantId,
        status: Option<DeliveryState>,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<OutboxRecord>, Option<String>), StoreError> {
        let (items, next) = self
            .list_page_ordered_where(
                &keys::outbox_list(tenant),
                limit,
                after,
                false,
                status.map(DeliveryState::as_str),
            )
            .await?;
        let records = items
            .iter()
            .map(|item| outbox_from(&View(item)))
            .collect::<Result<_, _>>()?;
        Ok((records, next))
    }
}
