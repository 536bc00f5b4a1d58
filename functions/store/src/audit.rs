//! The audit log: one record per change that staff or an API key made, written in the change's
//! own transaction, so a change without its record (or a record without its change) cannot
//! exist. Records are never updated or deleted.

use crate::item::{ItemBuilder, View, key_item, s};
use crate::ops::{Refusal, Tx, put_new};
use crate::{Store, StoreError, Timestamp, keys};
use aws_sdk_dynamodb::types::TransactWriteItem;
use time::OffsetDateTime;
use ulid::Ulid;
use upline_contract::TenantId;

pub const AUDIT_ENTITY: &str = "audit";

/// Details larger than this are replaced by a note: a record must never make its change fail
/// (the change and its record share a transaction, and DynamoDB's 400 KB item limit).
const MAX_DETAILS_BYTES: usize = 16 * 1024;

#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    pub tenant_id: TenantId,
    /// `au_<ulid>`: sorts by time.
    pub id: String,
    pub at: Timestamp,
    /// `user:<id>` or `api_key:<id>`.
    pub actor: String,
    /// The user's email or the key's name at the time (a user may be renamed; the log stays).
    pub actor_label: String,
    /// `<thing>.<verb>`, e.g. `program.update`.
    pub action: String,
    /// What was changed: `program`, `partner:<id>`, `webhook:<id>`, …
    pub target: String,
    /// The changed fields (`{"field": {"from": …, "to": …}}`) or what was created; never a
    /// secret.
    pub details: serde_json::Value,
}

impl AuditRecord {
    pub fn new(
        tenant_id: &TenantId,
        actor: impl Into<String>,
        actor_label: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        details: serde_json::Value,
    ) -> Self {
        let ulid = Ulid::new();
        let details = if details.to_string().len() > MAX_DETAILS_BYTES {
            serde_json::json!({"truncated": true})
        } else {
            details
        };
        Self {
            tenant_id: tenant_id.clone(),
            id: format!("au_{ulid}"),
            at: moment_of(ulid),
            actor: actor.into(),
            actor_label: actor_label.into(),
            action: action.into(),
            target: target.into(),
            details,
        }
    }

    pub(crate) fn put(&self, table: &str) -> Result<TransactWriteItem, StoreError> {
        let item = ItemBuilder::new(&keys::audit_record(&self.tenant_id, &self.id), AUDIT_ENTITY)
            .s("tenant_id", self.tenant_id.as_str())
            .s("at", &self.at.rfc3339)
            .s("actor", &self.actor)
            .s("actor_label", &self.actor_label)
            .s("action", &self.action)
            .s("target", &self.target)
            .s("details", self.details.to_string())
            .build();
        put_new(table, item)
    }
}

/// A record's time is its id's: the ULID carries the millisecond it was made.
fn moment_of(ulid: Ulid) -> Timestamp {
    Timestamp::from(OffsetDateTime::from(ulid.datetime()))
}

fn audit_from(view: &View) -> Result<AuditRecord, StoreError> {
    let id = view.s(keys::SK)?;
    let ulid = id
        .strip_prefix("au_")
        .and_then(|u| u.parse::<Ulid>().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("audit record id {id}")))?;
    let details = view.s("details")?;
    Ok(AuditRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: id.to_owned(),
        at: moment_of(ulid),
        actor: view.s("actor")?.to_owned(),
        actor_label: view.s("actor_label")?.to_owned(),
        action: view.s("action")?.to_owned(),
        target: view.s("target")?.to_owned(),
        details: serde_json::from_str(details)
            .map_err(|_| StoreError::Corrupt("audit record details".into()))?,
    })
}

/// Which records a page may hold.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Inclusive, epoch milliseconds.
    pub from_millis: Option<i64>,
    /// Inclusive, epoch milliseconds.
    pub to_millis: Option<i64>,
    pub actor: Option<String>,
}

/// The sort key bound of a moment: every record of that millisecond sorts between the low and
/// the high bound.
fn bound(millis: i64, high: bool) -> String {
    let millis = u64::try_from(millis).unwrap_or(0).min((1 << 48) - 1);
    let random = if high { u128::MAX } else { 0 };
    format!("au_{}", Ulid::from_parts(millis, random))
}

impl Tx {
    /// Appends the record of the change this transaction makes.
    pub fn audit(&mut self, record: &AuditRecord) -> Result<(), StoreError> {
        let action = record.put(&self.table)?;
        self.push(Refusal::Invariant("audit"), action);
        Ok(())
    }
}

impl Store {
    /// One write and the record of it, in one transaction (a failed condition of `action`
    /// comes back as `ConditionFailed` like the single write's).
    pub(crate) async fn write_audited(
        &self,
        action: TransactWriteItem,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError> {
        let mut actions = vec![action];
        if let Some(audit) = audit {
            actions.push(audit.put(&self.table)?);
        }
        self.transact(actions).await
    }

    /// Up to `limit` records newest first, older than the record `before` when given (the
    /// previous page's cursor). The cursor is the last record's id when more may follow.
    pub async fn audit_page(
        &self,
        tenant: &TenantId,
        filter: &AuditFilter,
        limit: usize,
        before: Option<&str>,
    ) -> Result<(Vec<AuditRecord>, Option<String>), StoreError> {
        let pk = keys::audit_log(tenant);
        let low = bound(filter.from_millis.unwrap_or(0), false);
        let high = bound(filter.to_millis.unwrap_or(i64::MAX), true);
        let mut start = before.map(|id| key_item(&keys::audit_record(tenant, id)));
        let mut records = Vec::new();
        // An actor filter runs after DynamoDB's limit: a few more reads fill the page, and a
        // bounded number of them keeps a rare actor's search from reading the whole log.
        for _ in 0..8 {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                .expression_attribute_values(":pk", s(&pk))
                .expression_attribute_values(":low", s(&low))
                .expression_attribute_values(":high", s(&high))
                .scan_index_forward(false)
                .limit(i32::try_from(limit - records.len()).unwrap_or(100))
                .set_exclusive_start_key(start.take());
            if let Some(actor) = &filter.actor {
                query = query
                    .filter_expression("actor = :actor")
                    .expression_attribute_values(":actor", s(actor));
            }
            let output = query.send().await.map_err(StoreError::sdk)?;
            for item in output.items.unwrap_or_default() {
                records.push(audit_from(&View(&item))?);
            }
            start = output.last_evaluated_key;
            if start.is_none() || records.len() >= limit {
                break;
            }
        }
        let next = match start {
            Some(last) => last.get(keys::SK).and_then(|v| v.as_s().ok()).cloned(),
            None => None,
        };
        Ok((records, next))
    }
}
