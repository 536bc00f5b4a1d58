//! The program of a tenant: settings and commission plan, one item, replaced as a whole.

use crate::item::{Item, ItemBuilder, View};
use crate::{Store, StoreError, keys};
use upline_contract::{Amount, Program, TenantId, Terms};

pub(crate) fn program_item(tenant: &TenantId, program: &Program, version: u64) -> Item {
    // The plan is JSON in a string attribute: its amounts are strings, so it stays exact.
    let plan = serde_json::to_string(&program.plan).unwrap_or_default();
    ItemBuilder::new(&keys::program(tenant), "program")
        .s("tenant_id", tenant.as_str())
        .s("currency", program.currency.code())
        .n("min_payout", program.min_payout.value())
        .bool("open_signup", program.open_signup)
        .s("external_id_template", &program.external_id_template)
        .s("plan", plan)
        .list(
            "reversal_statuses",
            program.reversal_statuses.iter().map(String::as_str),
        )
        .list(
            "widget_origins",
            program.widget_origins.iter().map(String::as_str),
        )
        .opt_s("landing_url", program.landing_url.as_deref())
        .n("attribution_window_days", program.attribution_window_days)
        .s("attribution_model", program.attribution_model.as_str())
        .opt_s("lead_consent_text", program.lead_consent_text.as_deref())
        .n("hold_days", program.hold_days)
        .opt_s(
            "terms_version",
            program.terms.as_ref().map(|t| t.version.as_str()),
        )
        .opt_s("terms_url", program.terms.as_ref().map(|t| t.url.as_str()))
        .opt_s(
            "terms_uploaded_at",
            program.terms.as_ref().map(|t| t.uploaded_at.as_str()),
        )
        .bool(
            "staff_two_factor_required",
            program.staff_two_factor_required,
        )
        .n("version", version)
        .build()
}

pub(crate) fn program_from(view: &View) -> Result<(Program, u64), StoreError> {
    let program = Program {
        currency: view
            .s("currency")?
            .parse()
            .map_err(|_| StoreError::Corrupt("program currency".into()))?,
        min_payout: Amount(view.decimal("min_payout")?),
        open_signup: view.bool("open_signup")?,
        external_id_template: view.s("external_id_template")?.to_owned(),
        plan: view.json("plan")?,
        reversal_statuses: view.list("reversal_statuses")?,
        widget_origins: view.list("widget_origins")?,
        landing_url: view.opt_s("landing_url")?.map(str::to_owned),
        // Programs saved before these settings existed read as the defaults.
        attribution_window_days: match view.opt_u64("attribution_window_days")? {
            Some(days) => u32::try_from(days)
                .map_err(|_| StoreError::Corrupt("attribution_window_days".into()))?,
            None => upline_contract::DEFAULT_ATTRIBUTION_WINDOW_DAYS,
        },
        attribution_model: match view.opt_s("attribution_model")? {
            Some(_) => view.word("attribution_model")?,
            None => upline_contract::AttributionModel::Last,
        },
        lead_consent_text: view.opt_s("lead_consent_text")?.map(str::to_owned),
        hold_days: match view.opt_u64("hold_days")? {
            Some(days) => {
                u32::try_from(days).map_err(|_| StoreError::Corrupt("hold_days".into()))?
            }
            None => 0,
        },
        terms: match view.opt_s("terms_version")? {
            Some(version) => Some(Terms {
                version: version.to_owned(),
                url: view.s("terms_url")?.to_owned(),
                uploaded_at: view.s("terms_uploaded_at")?.to_owned(),
            }),
            None => None,
        },
        staff_two_factor_required: view.bool("staff_two_factor_required")?,
    };
    Ok((program, view.u64("version")?))
}

impl Store {
    /// The program and its version (for optimistic replacement).
    pub async fn program(&self, tenant: &TenantId) -> Result<Option<(Program, u64)>, StoreError> {
        self.get(&keys::program(tenant))
            .await?
            .map(|item| program_from(&View(&item)))
            .transpose()
    }

    /// Replaces the program if nobody replaced it since `version` was read.
    pub async fn replace_program(
        &self,
        tenant: &TenantId,
        program: &Program,
        version: u64,
        audit: &crate::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table)
            .set_item(Some(program_item(tenant, program, version + 1)))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", crate::item::n(version))
            .build()
            .map_err(StoreError::build)?;
        let action = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .put(put)
            .build();
        self.write_audited(action, Some(audit)).await
    }
}
