//! Partners: the item carries its whole ancestor path, so the walk reads a chain in one request.

use crate::item::{Item, ItemBuilder, View, key_item, n, s};
use crate::ops::{Refusal, Tx, TxError, put_new};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, ReturnValue, TransactWriteItem};
use futures::StreamExt;
use upline_contract::{Language, PartnerId, TenantId, UserId};
use upline_domain::validate::{Email, ReferralCode};

#[derive(Clone, Debug, PartialEq)]
pub struct PartnerRecord {
    pub tenant_id: TenantId,
    pub id: PartnerId,
    pub user_id: Option<UserId>,
    pub name: String,
    pub email: Email,
    pub referral_code: ReferralCode,
    pub external_id: String,
    /// Nearest first: the sponsor, the sponsor's sponsor, … up to the root.
    pub ancestors: Vec<PartnerId>,
    pub status: String,
    pub joined_at: String,
    /// The terms version the partner accepted on joining, and when.
    pub terms_version: Option<String>,
    pub terms_accepted_at: Option<String>,
    /// The language of the emails the partner gets (the user's, copied on joining).
    pub language: Language,
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
        email: view.checked("email", Email::parse)?,
        referral_code: view.checked("referral_code", ReferralCode::parse)?,
        external_id: view.s("external_id")?.to_owned(),
        ancestors: view.list("ancestors")?.into_iter().map(PartnerId).collect(),
        status: view.s("status")?.to_owned(),
        joined_at: view.s("joined_at")?.to_owned(),
        terms_version: view.opt_s("terms_version")?.map(str::to_owned),
        terms_accepted_at: view.opt_s("terms_accepted_at")?.map(str::to_owned),
        language: crate::users::language_from(view)?,
    })
}

impl Tx {
    /// The partner with its code and external id claims (`referral_code` / `external_id` are
    /// refused when taken). With a sponsor, the sponsor's place in the tree must still be the
    /// one the chain was copied from (`sponsor_moved`), so a sponsor move never strands a new
    /// partner on an old chain.
    pub fn put_new_partner(
        &mut self,
        partner: &PartnerRecord,
        sponsor_path: Option<&str>,
    ) -> Result<(), StoreError> {
        let t = &partner.tenant_id;
        let record = ItemBuilder::new(&keys::partner(t, &partner.id), "partner")
            .s("tenant_id", t.as_str())
            .s("partner_id", partner.id.as_str())
            .opt_s("user_id", partner.user_id.as_ref().map(|u| u.as_str()))
            .s("name", &partner.name)
            .s("email", partner.email.as_str())
            .s("referral_code", partner.referral_code.as_str())
            .s("external_id", &partner.external_id)
            .list("ancestors", partner.ancestors.iter().map(|a| a.as_str()))
            .n("depth", partner.depth())
            .s("status", &partner.status)
            .s("joined_at", &partner.joined_at)
            .opt_s("terms_version", partner.terms_version.as_deref())
            .opt_s("terms_accepted_at", partner.terms_accepted_at.as_deref())
            .s("language", partner.language.code())
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
        self.push(Refusal::Invariant("partner"), put_new(&self.table, record)?);
        self.push(
            Refusal::ReferralCodeTaken,
            put_new(
                &self.table,
                claim(
                    keys::referral_code(t, &partner.referral_code),
                    "referral_code",
                ),
            )?,
        );
        self.push(
            Refusal::ExternalIdTaken,
            put_new(
                &self.table,
                claim(
                    keys::partner_external_id(t, &partner.external_id),
                    "partner_external_id",
                ),
            )?,
        );
        if let (Some(sponsor), Some(path)) = (partner.sponsor_id(), sponsor_path) {
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key_item(&keys::partner(t, sponsor))))
                .condition_expression("tree_path = :path")
                .expression_attribute_values(":path", s(path))
                .build()
                .map_err(StoreError::build)?;
            self.push(
                Refusal::SponsorMoved,
                TransactWriteItem::builder().condition_check(check).build(),
            );
        }
        Ok(())
    }
}

impl Store {
    /// The partner with its claims, in one transaction (no user account).
    pub async fn create_partner(&self, partner: &PartnerRecord) -> Result<(), CreatePartnerError> {
        let mut tx = self.tx();
        tx.put_new_partner(partner, None)?;
        match self.commit(tx).await {
            Ok(()) => Ok(()),
            Err(TxError::Refused(Refusal::ReferralCodeTaken)) => {
                Err(CreatePartnerError::ReferralCodeTaken)
            }
            Err(TxError::Refused(Refusal::ExternalIdTaken)) => {
                Err(CreatePartnerError::ExternalIdTaken)
            }
            Err(TxError::Refused(_)) => {
                Err(CreatePartnerError::Store(StoreError::ConditionFailed {
                    failed: vec![],
                }))
            }
            Err(TxError::Store(err)) => Err(err.into()),
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

    /// The names of many partners in one BatchGetItem per 100 (who an entry or a payout is of);
    /// a partner that does not exist is left out.
    pub async fn partner_names(
        &self,
        tenant: &TenantId,
        ids: &[&PartnerId],
    ) -> Result<std::collections::HashMap<PartnerId, String>, StoreError> {
        let mut unique: Vec<&PartnerId> = ids.to_vec();
        unique.sort();
        unique.dedup(); // BatchGetItem refuses a key twice
        let mut names = std::collections::HashMap::with_capacity(unique.len());
        for chunk in unique.chunks(100) {
            let wanted: Vec<keys::Key> = chunk.iter().map(|p| keys::partner(tenant, p)).collect();
            for item in self.batch_get(&wanted).await? {
                let partner = partner_from(&View(&item))?;
                names.insert(partner.id, partner.name);
            }
        }
        Ok(names)
    }

    pub async fn partner_id_by_code(
        &self,
        tenant: &TenantId,
        code: &ReferralCode,
    ) -> Result<Option<PartnerId>, StoreError> {
        let claim = self.get(&keys::referral_code(tenant, code)).await?;
        claim
            .map(|item| View(&item).s("partner_id").map(PartnerId::from))
            .transpose()
    }

    pub async fn partner_id_by_external_id(
        &self,
        tenant: &TenantId,
        external_id: &str,
    ) -> Result<Option<PartnerId>, StoreError> {
        let claim = self
            .get(&keys::partner_external_id(tenant, external_id))
            .await?;
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

pub use upline_domain::membership::MAX_TREE_DEPTH;

/// Partners moved concurrently while a subtree moves.
const MOVE_CONCURRENCY: usize = 8;
const MOVE_PAGE: i32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error("the new sponsor is the partner or sits in its downline")]
    Cycle,
    #[error("the move would put part of the downline deeper than {MAX_TREE_DEPTH} levels")]
    TooDeep,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A sponsor move, written before the first partner moves and deleted after the last: if the
/// function dies halfway, the next move in the tenant finishes it first.
#[derive(Clone, Debug, PartialEq)]
pub struct MoveJob {
    pub partner_id: PartnerId,
    /// The moved partner's tree path before the move: the prefix of everything still to move.
    pub old_path: String,
    /// The moved partner's new ancestors, nearest first.
    pub new_ancestors: Vec<PartnerId>,
}

impl MoveJob {
    /// The new ancestors of `item` (the moved partner or one of its downline), or `None` if it
    /// is not under the moved partner.
    fn new_ancestors_of(&self, item: &PartnerRecord) -> Option<Vec<PartnerId>> {
        if item.id == self.partner_id {
            return Some(self.new_ancestors.clone());
        }
        let at = item.ancestors.iter().position(|a| *a == self.partner_id)?;
        Some(
            item.ancestors[..=at]
                .iter()
                .chain(self.new_ancestors.iter())
                .cloned()
                .collect(),
        )
    }
}

impl Store {
    /// Every partner of the tenant, oldest first.
    pub async fn partners_page(
        &self,
        tenant: &TenantId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<PartnerRecord>, Option<String>), StoreError> {
        let (items, next) = self
            .list_page(&keys::partners_list(tenant), limit, after)
            .await?;
        let partners = items
            .iter()
            .map(|item| partner_from(&View(item)))
            .collect::<Result<_, _>>()?;
        Ok((partners, next))
    }

    /// One page of `root`'s downline (direct and indirect, not `root`), in tree order: a
    /// partner comes right before its own downline. `after` is the tree path of the last
    /// partner of the previous page, and must lie under `root` (the caller checks).
    pub async fn downline_page(
        &self,
        root: &PartnerRecord,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<PartnerRecord>, Option<String>), StoreError> {
        let t = &root.tenant_id;
        let prefix = keys::tree_path(&root.ancestors, &root.id);
        // The page starts after `after`, or after the root itself (the first path with the prefix).
        let start_path = after.unwrap_or(&prefix);
        let start_id = start_path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let mut start = key_item(&keys::partner(t, &PartnerId::from(start_id)));
        start.insert(keys::TREE_PK.to_owned(), s(keys::tree(t)));
        start.insert(keys::TREE_PATH.to_owned(), s(start_path));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::TREE)
            .key_condition_expression("tree_pk = :pk AND begins_with(tree_path, :prefix)")
            .expression_attribute_values(":pk", s(keys::tree(t)))
            .expression_attribute_values(":prefix", s(&prefix))
            .set_exclusive_start_key(Some(start))
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        let items = output.items.unwrap_or_default();
        let partners: Vec<PartnerRecord> = items
            .iter()
            .map(|item| partner_from(&View(item)))
            .collect::<Result<_, _>>()?;
        let next = match output.last_evaluated_key {
            Some(_) => partners
                .last()
                .map(|p| keys::tree_path(&p.ancestors, &p.id)),
            None => None,
        };
        Ok((partners, next))
    }

    /// Puts `partner` (and its whole downline) under `new_sponsor`, or at the top with `None`.
    ///
    /// Every partner item is rewritten on its own, whole: its ancestors, depth and tree path
    /// change in one write, so the walk (which reads one partner's chain in one request) sees
    /// either the complete old chain or the complete new one, never a mix. The move is recorded
    /// first and resumed by the next move if this one is interrupted.
    pub async fn move_partner(
        &self,
        tenant: &TenantId,
        partner_id: &PartnerId,
        new_sponsor: Option<&PartnerId>,
        audit: impl FnOnce(&PartnerRecord) -> crate::audit::AuditRecord,
    ) -> Result<Option<PartnerRecord>, MoveError> {
        self.finish_pending_move(tenant).await?;
        let Some(job) = self
            .start_move(tenant, partner_id, new_sponsor, |partner| {
                Some(audit(partner))
            })
            .await?
        else {
            return Ok(self.partner(tenant, partner_id).await?);
        };
        self.run_move(tenant, &job).await?;
        Ok(self.partner(tenant, partner_id).await?)
    }

    /// Checks a move and records it as started, with the audit record `audit` makes of the
    /// partner as it was (if any); nobody has moved yet. `None` when there is nothing to do
    /// (unknown partner or sponsor, or the sponsor it already has).
    pub async fn start_move(
        &self,
        tenant: &TenantId,
        partner_id: &PartnerId,
        new_sponsor: Option<&PartnerId>,
        audit: impl FnOnce(&PartnerRecord) -> Option<crate::audit::AuditRecord>,
    ) -> Result<Option<MoveJob>, MoveError> {
        let Some(partner) = self.partner(tenant, partner_id).await? else {
            return Ok(None);
        };
        let new_ancestors = match new_sponsor {
            None => Vec::new(),
            Some(sponsor_id) => {
                let Some(sponsor) = self.partner(tenant, sponsor_id).await? else {
                    return Ok(None);
                };
                if sponsor.id == partner.id || sponsor.ancestors.contains(&partner.id) {
                    return Err(MoveError::Cycle);
                }
                sponsor.chain()
            }
        };
        if new_ancestors == partner.ancestors {
            return Ok(None);
        }
        let job = MoveJob {
            partner_id: partner.id.clone(),
            old_path: keys::tree_path(&partner.ancestors, &partner.id),
            new_ancestors,
        };
        let deepest = self.deepest_under(tenant, &job.old_path).await?;
        if !upline_domain::membership::move_fits(partner.depth(), deepest, job.new_ancestors.len())
        {
            return Err(MoveError::TooDeep);
        }
        let record = ItemBuilder::new(&keys::structure_move(tenant), "structure_move")
            .s("tenant_id", tenant.as_str())
            .s("partner_id", job.partner_id.as_str())
            .s("old_path", &job.old_path)
            .list(
                "new_ancestors",
                job.new_ancestors.iter().map(|a| a.as_str()),
            )
            .build();
        let started = self
            .write_audited(
                crate::ops::put_new(&self.table, record)?,
                audit(&partner).as_ref(),
            )
            .await;
        match started {
            Ok(_) => Ok(Some(job)),
            // Another move started in between; the caller may retry once it is done.
            Err(StoreError::ConditionFailed { .. }) => Err(MoveError::Store(
                StoreError::Transient("another move is running".into()),
            )),
            Err(err) => Err(err.into()),
        }
    }

    /// Finishes a move that an earlier request started and did not end.
    pub async fn finish_pending_move(&self, tenant: &TenantId) -> Result<(), StoreError> {
        let Some(item) = self.get(&keys::structure_move(tenant)).await? else {
            return Ok(());
        };
        let view = View(&item);
        let job = MoveJob {
            partner_id: PartnerId::from(view.s("partner_id")?),
            old_path: view.s("old_path")?.to_owned(),
            new_ancestors: view
                .list("new_ancestors")?
                .into_iter()
                .map(PartnerId)
                .collect(),
        };
        tracing::info!(partner = %job.partner_id, "resuming an interrupted sponsor move");
        self.run_move(tenant, &job).await
    }

    /// Rewrites every partner still under the old path, top-down, until none is left.
    pub async fn run_move(&self, tenant: &TenantId, job: &MoveJob) -> Result<(), StoreError> {
        let mut idle_passes = 0;
        loop {
            let page = self.tree_query(tenant, &job.old_path, MOVE_PAGE).await?;
            if page.is_empty() {
                break;
            }
            let moved = futures::stream::iter(page)
                .map(|item| async move { self.move_one(job, &item).await })
                .buffered(MOVE_CONCURRENCY)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<Result<Vec<bool>, _>>()?;
            if moved.iter().any(|m| *m) {
                idle_passes = 0;
            } else {
                // The index still shows partners that already moved: give it a moment.
                idle_passes += 1;
                if idle_passes > 20 {
                    return Err(StoreError::Transient(
                        "the tree index lags; the move will resume".into(),
                    ));
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::structure_move(tenant))))
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }

    /// Moves one partner if it is still where the job found it; false if it already moved.
    async fn move_one(&self, job: &MoveJob, item: &PartnerRecord) -> Result<bool, StoreError> {
        let Some(ancestors) = job.new_ancestors_of(item) else {
            return Ok(false);
        };
        let old_path = keys::tree_path(&item.ancestors, &item.id);
        let new_path = keys::tree_path(&ancestors, &item.id);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::partner(&item.tenant_id, &item.id))))
            .update_expression("SET ancestors = :a, #depth = :d, tree_path = :new")
            .condition_expression("tree_path = :old")
            .expression_attribute_names("#depth", "depth")
            .expression_attribute_values(
                ":a",
                AttributeValue::L(ancestors.iter().map(|a| s(a.as_str())).collect()),
            )
            .expression_attribute_values(":d", n(ancestors.len()))
            .expression_attribute_values(":new", s(new_path))
            .expression_attribute_values(":old", s(old_path))
            .send()
            .await;
        match result.map_err(StoreError::sdk) {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// The first `limit` partners whose tree path starts with `prefix`.
    async fn tree_query(
        &self,
        tenant: &TenantId,
        prefix: &str,
        limit: i32,
    ) -> Result<Vec<PartnerRecord>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::TREE)
            .key_condition_expression("tree_pk = :pk AND begins_with(tree_path, :prefix)")
            .expression_attribute_values(":pk", s(keys::tree(tenant)))
            .expression_attribute_values(":prefix", s(prefix))
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        output
            .items
            .unwrap_or_default()
            .iter()
            .map(|item| partner_from(&View(item)))
            .collect()
    }

    /// The largest depth of any partner whose tree path starts with `prefix`.
    async fn deepest_under(&self, tenant: &TenantId, prefix: &str) -> Result<u32, StoreError> {
        let mut deepest = 0u32;
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::TREE)
                .key_condition_expression("tree_pk = :pk AND begins_with(tree_path, :prefix)")
                .expression_attribute_values(":pk", s(keys::tree(tenant)))
                .expression_attribute_values(":prefix", s(prefix))
                .projection_expression("#depth")
                .expression_attribute_names("#depth", "depth")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::sdk)?;
            for item in output.items.unwrap_or_default() {
                deepest = deepest.max(u32::try_from(View(&item).u64("depth")?).unwrap_or(u32::MAX));
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(deepest);
            }
        }
    }
}
