//! A tenant's own wording of its notifications, one item per template and language.

use crate::item::{ItemBuilder, View};
use crate::{Store, StoreError, keys};
use upline_contract::{Language, TenantId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateRecord {
    pub name: String,
    pub language: Language,
    pub subject: String,
    pub body: String,
    pub updated_at: String,
}

fn template_from(view: &View) -> Result<TemplateRecord, StoreError> {
    let language = view.s("language")?;
    Ok(TemplateRecord {
        name: view.s("name")?.to_owned(),
        language: Language::parse(language)
            .ok_or_else(|| StoreError::Corrupt(format!("template language {language}")))?,
        subject: view.s("subject")?.to_owned(),
        body: view.s("body")?.to_owned(),
        updated_at: view.s("updated_at")?.to_owned(),
    })
}

impl Store {
    /// Saves (or replaces) a tenant's template.
    pub async fn put_template(
        &self,
        tenant: &TenantId,
        template: &TemplateRecord,
        audit: &crate::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let item = ItemBuilder::new(
            &keys::template(tenant, &template.name, template.language.code()),
            "template",
        )
        .s("tenant_id", tenant.as_str())
        .s("name", &template.name)
        .s("language", template.language.code())
        .s("subject", &template.subject)
        .s("body", &template.body)
        .s("updated_at", &template.updated_at)
        .build();
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .build()
            .map_err(StoreError::build)?;
        let action = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .put(put)
            .build();
        self.write_audited(action, Some(audit)).await
    }

    pub async fn template(
        &self,
        tenant: &TenantId,
        name: &str,
        language: Language,
    ) -> Result<Option<TemplateRecord>, StoreError> {
        self.get(&keys::template(tenant, name, language.code()))
            .await?
            .map(|item| template_from(&View(&item)))
            .transpose()
    }

    /// Every template the tenant has written.
    pub async fn templates(&self, tenant: &TenantId) -> Result<Vec<TemplateRecord>, StoreError> {
        let pk = keys::template(tenant, "", "").pk;
        let low = keys::TEMPLATE_PREFIX.to_owned();
        let high = format!("{}\u{10FFFF}", keys::TEMPLATE_PREFIX);
        self.query_partition(&pk, Some((low, high)))
            .await?
            .iter()
            .map(|item| template_from(&View(item)))
            .collect()
    }
}
