//! Leads: a contact a partner's code brought in (from the widget or the tenant's backend). A
//! lead lives in its partner's partition (`LEAD#<id>`, the partner's own list) and is listed
//! for staff on `gsi1`.

use crate::item::{ItemBuilder, View, key_item, s};
use crate::ops::{Refusal, Tx, put_new};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use upline_contract::{PartnerId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub struct LeadRecord {
    pub tenant_id: TenantId,
    pub partner_id: PartnerId,
    /// Opaque to clients; names its partner (`ld_<ulid>_<partner id>`).
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub created_at: String,
    /// When the lead became a client (`client_registered`), once.
    pub registered_at: Option<String>,
}

fn lead_from(view: &View) -> Result<LeadRecord, StoreError> {
    Ok(LeadRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        partner_id: PartnerId::from(view.s("partner_id")?),
        id: view.s("lead_id")?.to_owned(),
        name: view.s("name")?.to_owned(),
        email: view.opt_s("email")?.map(str::to_owned),
        phone: view.opt_s("phone")?.map(str::to_owned),
        source: view.opt_s("source")?.map(str::to_owned),
        created_at: view.s("created_at")?.to_owned(),
        registered_at: view.opt_s("registered_at")?.map(str::to_owned),
    })
}

impl Tx {
    pub fn put_lead(&mut self, lead: &LeadRecord) -> Result<(), StoreError> {
        let t = &lead.tenant_id;
        let item = ItemBuilder::new(&keys::lead(t, &lead.partner_id, &lead.id), "lead")
            .s("tenant_id", t.as_str())
            .s("partner_id", lead.partner_id.as_str())
            .s("lead_id", &lead.id)
            .s("name", &lead.name)
            .opt_s("email", lead.email.as_deref())
            .opt_s("phone", lead.phone.as_deref())
            .opt_s("source", lead.source.as_deref())
            .s("created_at", &lead.created_at)
            .s(keys::GSI1_PK, keys::leads_list(t))
            .s(keys::GSI1_SK, format!("{}#{}", lead.created_at, lead.id))
            .build();
        self.push(Refusal::Invariant("lead"), put_new(&self.table, item)?);
        Ok(())
    }

    /// The lead became a client; refused (`registered`) if it already did.
    pub fn mark_lead_registered(&mut self, lead: &LeadRecord, at: &str) -> Result<(), StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::lead(
                &lead.tenant_id,
                &lead.partner_id,
                &lead.id,
            ))))
            .update_expression("SET registered_at = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(registered_at)")
            .expression_attribute_values(":at", s(at))
            .build()
            .map_err(StoreError::build)?;
        self.push(
            Refusal::LeadRegistered,
            TransactWriteItem::builder().update(update).build(),
        );
        Ok(())
    }
}

impl Store {
    pub async fn lead(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
        id: &str,
    ) -> Result<Option<LeadRecord>, StoreError> {
        self.get(&keys::lead(tenant, partner, id))
            .await?
            .map(|item| lead_from(&View(&item)))
            .transpose()
    }

    /// One partner's leads, newest first; `after` is the last id of the previous page.
    pub async fn partner_leads(
        &self,
        tenant: &TenantId,
        partner: &PartnerId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<LeadRecord>, Option<String>), StoreError> {
        let (items, more) = self
            .partner_page(tenant, partner, keys::LEAD_PREFIX, limit, after)
            .await?;
        let leads: Vec<LeadRecord> = items
            .iter()
            .map(|item| lead_from(&View(item)))
            .collect::<Result<_, _>>()?;
        let next = more.then(|| leads.last().map(|l| l.id.clone())).flatten();
        Ok((leads, next))
    }

    /// Every lead of the tenant, newest first.
    pub async fn all_leads(
        &self,
        tenant: &TenantId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<LeadRecord>, Option<String>), StoreError> {
        let (items, next) = self
            .list_page_ordered(&keys::leads_list(tenant), limit, after, false)
            .await?;
        let leads = items
            .iter()
            .map(|item| lead_from(&View(item)))
            .collect::<Result<_, _>>()?;
        Ok((leads, next))
    }
}
