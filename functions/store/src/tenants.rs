//! Tenants: created with their owner and default program in one transaction; found by slug.

use crate::item::{ItemBuilder, View};
use crate::ops::{Refusal, Tx, TxError, put_new};
use crate::program::program_item;
use crate::users::UserRecord;
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

impl Tx {
    /// The slug claim (`slug` is refused when taken), the tenant and its program.
    pub fn put_new_tenant(
        &mut self,
        tenant: &TenantRecord,
        program: &Program,
    ) -> Result<(), StoreError> {
        // The slug item carries a copy of the tenant, so login finds it in one read.
        let slug =
            tenant_attrs(ItemBuilder::new(&keys::slug(&tenant.slug), "slug"), tenant).build();
        let record = tenant_attrs(
            ItemBuilder::new(&keys::tenant(&tenant.id), "tenant"),
            tenant,
        )
        .build();
        self.push(Refusal::SlugTaken, put_new(&self.table, slug)?);
        self.push(Refusal::Invariant("tenant"), put_new(&self.table, record)?);
        self.push(
            Refusal::Invariant("program"),
            put_new(&self.table, program_item(&tenant.id, program, 1))?,
        );
        Ok(())
    }
}

impl Store {
    /// The slug claim, the tenant, its program and its owner (with the owner's email claim).
    pub async fn create_tenant(
        &self,
        tenant: &TenantRecord,
        program: &Program,
        owner: &UserRecord,
    ) -> Result<(), CreateTenantError> {
        let mut tx = self.tx();
        tx.put_new_tenant(tenant, program)?;
        tx.put_new_user(owner)?;
        match self.commit(tx).await {
            Ok(()) => Ok(()),
            Err(TxError::Refused(Refusal::SlugTaken)) => Err(CreateTenantError::SlugTaken),
            Err(TxError::Refused(_)) => {
                Err(CreateTenantError::Store(StoreError::ConditionFailed {
                    failed: vec![],
                }))
            }
            Err(TxError::Store(err)) => Err(err.into()),
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
