//! Partners: the item carries its whole ancestor path, so the walk reads a chain in one request.

use crate::item::{ItemBuilder, View, n};
use crate::ops::put_new;
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::ReturnValue;
use upline_contract::{PartnerId, TenantId, UserId};

#[derive(Clone, Debug, PartialEq)]
pub struct PartnerRecord {
    pub tenant_id: TenantId,
    pub id: PartnerId,
    pub user_id: Option<UserId>,
    pub name: String,
    pub email: String,
    pub referral_code: String,
    pub external_id: String,
    /// Nearest first: the sponsor, the sponsor's sponsor, … up to the root.
    pub ancestors: Vec<PartnerId>,
    pub status: String,
    pub joined_at: String,
}

impl PartnerRecord {
    pub fn sponsor_id(&self) -> Option<&PartnerId> {
        self.ancestors.first()
    }

    pub fn depth(&self) -> u32 {
        u32::try_from(self.ancestors.len()).unwrap_or(u32::MAX)
    }

    /// The chain the walk credits: this partner (level 1), then each ancestor.
    pub fn chain(&self) -> Vec<PartnerId> {
        std::iter::once(self.id.clone())
            .chain(self.ancestors.iter().cloned())
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreatePartnerError {
    #[error("the referral code is taken")]
    ReferralCodeTaken,
    #[error("the external id is taken")]
    ExternalIdTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn partner_from(view: &View) -> Result<PartnerRecord, StoreError> {
    Ok(PartnerRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: PartnerId::from(view.s("partner_id")?),
        user_id: view.opt_s("user_id")?.map(UserId::from),
        name: view.s("name")?.to_owned(),
        email: view.s("email")?.to_owned(),
        referral_code: view.s("referral_code")?.to_owned(),
        external_id: view.s("external_id")?.to_owned(),
        ancestors: view.list("ancestors")?.into_iter().map(PartnerId).collect(),
        status: view.s("status")?.to_owned(),
        joined_at: view.s("joined_at")?.to_owned(),
    })
}

impl Store {
    /// The partner with its code and external id claims, in one transaction.
    pub async fn create_partner(&self, partner: &PartnerRecord) -> Result<(), CreatePartnerError> {
        let t = &partner.tenant_id;
        let record = ItemBuilder::new(&keys::partner(t, &partner.id), "partner")
            .s("tenant_id", t.as_str())
            .s("partner_id", partner.id.as_str())
            .opt_s("user_id", partner.user_id.as_ref().map(|u| u.as_str()))
            .s("name", &partner.name)
            .s("email", &partner.email)
            .s("referral_code", &partner.referral_code)
            .s("external_id", &partner.external_id)
            .list("ancestors", partner.ancestors.iter().map(|a| a.as_str()))
            .n("depth", partner.depth())
            .s("status", &partner.status)
            .s("joined_at", &partner.joined_at)
            .s(keys::GSI1_PK, keys::partners_list(t))
            .s(
                keys::GSI1_SK,
                format!("{}#{}", partner.joined_at, partner.id),
            )
            .s(keys::TREE_PK, keys::tree(t))
            .s(
                keys::TREE_PATH,
                keys::tree_path(&partner.ancestors, &partner.id),
            )
            .build();
        let claim = |key: keys::Key, entity| {
            ItemBuilder::new(&key, entity)
                .s("tenant_id", t.as_str())
                .s("partner_id", partner.id.as_str())
                .build()
        };
        let actions = vec![
            put_new(&self.table, record)?,
            put_new(
                &self.table,
                claim(
                    keys::referral_code(t, &partner.referral_code),
                    "referral_code",
                ),
            )?,
            put_new(
                &self.table,
                claim(
                    keys::partner_external_id(t, &partner.external_id),
                    "partner_external_id",
                ),
            )?,
        ];
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { failed }) if failed.contains(&1) => {
                Err(CreatePartnerError::ReferralCodeTaken)
            }
            Err(StoreError::ConditionFailed { failed }) if failed.contains(&2) => {
                Err(CreatePartnerError::ExternalIdTaken)
            }
            Err(other) => Err(other.into()),
        }
    }

    pub async fn partner(
        &self,
        tenant: &TenantId,
        id: &PartnerId,
    ) -> Result<Option<PartnerRecord>, StoreError> {
        self.get(&keys::partner(tenant, id))
            .await?
            .map(|item| partner_from(&View(&item)))
            .transpose()
    }

    pub async fn partner_id_by_code(
        &self,
        tenant: &TenantId,
        code: &str,
    ) -> Result<Option<PartnerId>, StoreError> {
        let claim = self.get(&keys::referral_code(tenant, code)).await?;
        claim
            .map(|item| View(&item).s("partner_id").map(PartnerId::from))
            .transpose()
    }

    /// The next number of the tenant's partner sequence (for external id templates).
    pub async fn next_partner_seq(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(crate::item::key_item(&keys::counters(tenant))))
            .update_expression("ADD partner_seq :one SET entity = :entity")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":entity", crate::item::s("counters"))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        let attributes = output.attributes.unwrap_or_default();
        View(&attributes).u64("partner_seq")
    }
}
