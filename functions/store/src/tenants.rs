//! Tenants: created with their owner and default program in one transaction; found by slug.

use crate::item::{ItemBuilder, View};
use crate::ops::put_new;
use crate::program::program_item;
use crate::users::{UserRecord, user_items};
use crate::{Store, StoreError, keys};
use upline_contract::{Currency, Program, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub struct TenantRecord {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub currency: Currency,
    pub created_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateTenantError {
    #[error("the slug is taken")]
    SlugTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn tenant_attrs(builder: ItemBuilder, tenant: &TenantRecord) -> ItemBuilder {
    builder
        .s("tenant_id", tenant.id.as_str())
        .s("slug", &tenant.slug)
        .s("name", &tenant.name)
        .s("currency", tenant.currency.code())
        .s("created_at", &tenant.created_at)
}

fn tenant_from(view: &View) -> Result<TenantRecord, StoreError> {
    Ok(TenantRecord {
        id: TenantId::from(view.s("tenant_id")?),
        slug: view.s("slug")?.to_owned(),
        name: view.s("name")?.to_owned(),
        currency: view
            .s("currency")?
            .parse()
            .map_err(|_| StoreError::Corrupt("tenant currency".into()))?,
        created_at: view.s("created_at")?.to_owned(),
    })
}

impl Store {
    /// The slug claim, the tenant, its program and its owner (with the owner's email claim).
    pub async fn create_tenant(
        &self,
        tenant: &TenantRecord,
        program: &Program,
        owner: &UserRecord,
    ) -> Result<(), CreateTenantError> {
        // The slug item carries a copy of the tenant, so login finds it in one read.
        let slug =
            tenant_attrs(ItemBuilder::new(&keys::slug(&tenant.slug), "slug"), tenant).build();
        let record = tenant_attrs(
            ItemBuilder::new(&keys::tenant(&tenant.id), "tenant"),
            tenant,
        )
        .build();
        let mut actions = vec![
            put_new(&self.table, slug)?,
            put_new(&self.table, record)?,
            put_new(&self.table, program_item(&tenant.id, program, 1))?,
        ];
        for item in user_items(owner) {
            actions.push(put_new(&self.table, item)?);
        }
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { failed }) if failed.contains(&0) => {
                Err(CreateTenantError::SlugTaken)
            }
            Err(other) => Err(other.into()),
        }
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<TenantRecord>, StoreError> {
        self.get(&keys::slug(slug))
            .await?
            .map(|item| tenant_from(&View(&item)))
            .transpose()
    }

    pub async fn tenant(&self, id: &TenantId) -> Result<Option<TenantRecord>, StoreError> {
        self.get(&keys::tenant(id))
            .await?
            .map(|item| tenant_from(&View(&item)))
            .transpose()
    }
}
