//! User accounts of a tenant: the user item plus an email claim that makes emails unique.
//! The staff structure (`supervisor_id`) lives here and never touches the partner tree.

use crate::item::{Item, ItemBuilder, View, key_item, n, s};
use crate::ops::{Refusal, Tx, put_new};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use upline_contract::{Language, PartnerId, Permission, TenantId, UserId};
use upline_domain::validate::Email;

#[derive(Clone, Debug, PartialEq)]
pub struct UserRecord {
    pub tenant_id: TenantId,
    pub id: UserId,
    /// Lower-cased.
    pub email: Email,
    pub name: String,
    pub phone: Option<String>,
    /// PHC string (argon2id); empty until a password is set (a partner created by staff).
    pub password_hash: String,
    pub permissions: Vec<Permission>,
    pub email_confirmed: bool,
    pub partner_id: Option<PartnerId>,
    /// The staff structure: joining places the user under the supervisor's partner.
    pub supervisor_id: Option<UserId>,
    pub created_at: String,
    /// The language of the emails the user gets.
    pub language: Language,
    /// The tenant's owner (who signed it up): holds every permission, and nobody takes any away.
    pub owner: bool,
    /// Sessions issued before this (epoch ms) have ended: a password set again ends them all.
    pub sessions_valid_from: i64,
    /// Sessions ended by logging out, as `<expiry>:<session id>` (kept until they would have
    /// expired anyway).
    pub ended_sessions: Vec<String>,
    /// Two-factor login.
    pub totp: TotpState,
}

/// A user's TOTP (RFC 6238) secrets, sealed ([`crate::sealed`]), bound to the user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TotpState {
    /// On: login needs a code from it.
    pub secret: Option<String>,
    /// Made by `POST /v1/me/totp`, on once a code from it is confirmed.
    pub pending: Option<String>,
    /// The last 30-second step a code was accepted for: a code is accepted once.
    pub last_step: i64,
}

/// What a user's sealed TOTP secret is bound to.
pub fn totp_seal_context(tenant: &TenantId, user: &UserId) -> String {
    format!("totp|{}|{}", tenant.as_str(), user.as_str())
}

impl UserRecord {
    /// Holds a staff permission (see [`Permission::STAFF`]).
    pub fn is_staff(&self) -> bool {
        Permission::STAFF
            .iter()
            .any(|p| self.permissions.contains(p))
    }

    /// Whether the session `id`, issued at `issued_at_millis`, still stands.
    pub fn session_stands(&self, id: &str, issued_at_millis: i64) -> bool {
        issued_at_millis >= self.sessions_valid_from
            && !self
                .ended_sessions
                .iter()
                .any(|ended| ended.split_once(':').is_some_and(|(_, sid)| sid == id))
    }
}

pub(crate) fn user_items(user: &UserRecord) -> [Item; 2] {
    let t = &user.tenant_id;
    let record = ItemBuilder::new(&keys::user(t, &user.id), "user")
        .s("tenant_id", t.as_str())
        .s("user_id", user.id.as_str())
        .s("email", user.email.as_str())
        .s("name", &user.name)
        .opt_s("phone", user.phone.as_deref())
        .s("password_hash", &user.password_hash)
        .list("permissions", user.permissions.iter().map(|p| p.as_str()))
        .bool("email_confirmed", user.email_confirmed)
        .opt_s("partner_id", user.partner_id.as_ref().map(|p| p.as_str()))
        .opt_s(
            "supervisor_id",
            user.supervisor_id.as_ref().map(|u| u.as_str()),
        )
        .s("created_at", &user.created_at)
        .s("language", user.language.code())
        .bool("owner", user.owner)
        .n("sessions_valid_from", user.sessions_valid_from)
        .s(keys::GSI1_PK, keys::users_list(t))
        .s(keys::GSI1_SK, format!("{}#{}", user.created_at, user.id))
        .build();
    let claim = ItemBuilder::new(&keys::email(t, &user.email), "email")
        .s("tenant_id", t.as_str())
        .s("user_id", user.id.as_str())
        .build();
    [record, claim]
}

/// The `language` attribute; items written before languages existed are English.
pub(crate) fn language_from(view: &View) -> Result<Language, StoreError> {
    Ok(view
        .opt_s("language")?
        .and_then(Language::parse)
        .unwrap_or_default())
}

pub(crate) fn user_from(view: &View) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: UserId::from(view.s("user_id")?),
        email: view.checked("email", Email::parse)?,
        name: view.s("name")?.to_owned(),
        phone: view.opt_s("phone")?.map(str::to_owned),
        password_hash: view.s("password_hash")?.to_owned(),
        permissions: view
            .list("permissions")?
            .iter()
            .filter_map(|p| Permission::parse(p))
            .collect(),
        email_confirmed: view.bool("email_confirmed")?,
        partner_id: view.opt_s("partner_id")?.map(PartnerId::from),
        supervisor_id: view.opt_s("supervisor_id")?.map(UserId::from),
        created_at: view.s("created_at")?.to_owned(),
        language: language_from(view)?,
        owner: view.bool("owner")?,
        sessions_valid_from: view.i64("sessions_valid_from")?,
        ended_sessions: view.string_set("ended_sessions")?,
        totp: TotpState {
            secret: view.opt_s("totp_secret")?.map(str::to_owned),
            pending: view.opt_s("totp_pending")?.map(str::to_owned),
            last_step: view.i64("totp_last_step")?,
        },
    })
}

fn user_update(
    table: &str,
    tenant: &TenantId,
    user: &UserId,
    expression: &str,
    condition: &str,
    values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
) -> Result<TransactWriteItem, StoreError> {
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::user(tenant, user))))
        .update_expression(expression)
        .condition_expression(condition);
    for (name, value) in values {
        update = update.expression_attribute_values(*name, value.clone());
    }
    Ok(TransactWriteItem::builder()
        .update(update.build().map_err(StoreError::build)?)
        .build())
}

impl Tx {
    /// A new user and its email claim (`email` is refused when the email is taken).
    pub fn put_new_user(&mut self, user: &UserRecord) -> Result<(), StoreError> {
        let [record, claim] = user_items(user);
        self.push(Refusal::Invariant("user"), put_new(&self.table, record)?);
        self.push(Refusal::EmailTaken, put_new(&self.table, claim)?);
        Ok(())
    }

    /// Ties a user to its new partner; refused (`user_partner`) if the user already joined.
    pub fn link_partner(
        &mut self,
        tenant: &TenantId,
        user: &UserId,
        partner: &PartnerId,
    ) -> Result<(), StoreError> {
        let action = user_update(
            &self.table,
            tenant,
            user,
            "SET partner_id = :p",
            "attribute_exists(pk) AND attribute_not_exists(partner_id)",
            &[(":p", s(partner.as_str()))],
        )?;
        self.push(Refusal::AlreadyPartner, action);
        Ok(())
    }

    pub fn confirm_email(&mut self, tenant: &TenantId, user: &UserId) -> Result<(), StoreError> {
        let action = user_update(
            &self.table,
            tenant,
            user,
            "SET email_confirmed = :yes",
            "attribute_exists(pk)",
            &[(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true))],
        )?;
        self.push(Refusal::Invariant("user"), action);
        Ok(())
    }

    /// A new password; the link that carried the token proves the email, so it is confirmed.
    pub fn set_password(
        &mut self,
        tenant: &TenantId,
        user: &UserId,
        password_hash: &str,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        let action = user_update(
            &self.table,
            tenant,
            user,
            // Every session from before the new password ends with it.
            "SET password_hash = :h, email_confirmed = :yes, sessions_valid_from = :now \
             REMOVE ended_sessions",
            "attribute_exists(pk)",
            &[
                (":h", s(password_hash)),
                (":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true)),
                (":now", crate::item::n(now_millis)),
            ],
        )?;
        self.push(Refusal::Invariant("user"), action);
        Ok(())
    }
}

impl Store {
    pub async fn user(
        &self,
        tenant: &TenantId,
        id: &UserId,
    ) -> Result<Option<UserRecord>, StoreError> {
        self.get(&keys::user(tenant, id))
            .await?
            .map(|item| user_from(&View(&item)))
            .transpose()
    }

    pub async fn user_by_email(
        &self,
        tenant: &TenantId,
        email: &Email,
    ) -> Result<Option<UserRecord>, StoreError> {
        let Some(claim) = self.get(&keys::email(tenant, email)).await? else {
            return Ok(None);
        };
        let user_id = UserId::from(View(&claim).s("user_id")?);
        self.user(tenant, &user_id).await
    }

    /// The tenant's users, oldest first.
    pub async fn users_page(
        &self,
        tenant: &TenantId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<UserRecord>, Option<String>), StoreError> {
        let (items, next) = self
            .list_page(&keys::users_list(tenant), limit, after)
            .await?;
        let users = items
            .iter()
            .map(|item| user_from(&View(item)))
            .collect::<Result<_, _>>()?;
        Ok((users, next))
    }

    /// Replaces a user's permissions (read fresh on each request, so they apply at once).
    pub async fn set_permissions(
        &self,
        tenant: &TenantId,
        user: &UserId,
        permissions: &[Permission],
        audit: &crate::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let list = permissions
            .iter()
            .map(|p| aws_sdk_dynamodb::types::AttributeValue::S(p.as_str().to_owned()))
            .collect();
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::user(tenant, user))))
            .condition_expression("attribute_exists(pk)")
            .update_expression("SET #permissions = :permissions")
            .expression_attribute_names("#permissions", "permissions")
            .expression_attribute_values(
                ":permissions",
                aws_sdk_dynamodb::types::AttributeValue::L(list),
            )
            .build()
            .map_err(StoreError::build)?;
        let action = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .update(update)
            .build();
        self.write_audited(action, Some(audit)).await
    }

    /// Ends one session (`POST /v1/auth/logout`); sessions that have expired anyway leave the
    /// list, so it stays as short as the sessions alive.
    pub async fn end_session(
        &self,
        user: &UserRecord,
        session_id: &str,
        expires_at_seconds: i64,
        now_seconds: i64,
    ) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let key = Some(key_item(&keys::user(&user.tenant_id, &user.id)));
        let expired: Vec<String> = user
            .ended_sessions
            .iter()
            .filter(|ended| {
                ended
                    .split_once(':')
                    .and_then(|(exp, _)| exp.parse::<i64>().ok())
                    .is_none_or(|exp| exp <= now_seconds)
            })
            .cloned()
            .collect();
        if !expired.is_empty() {
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(key.clone())
                .update_expression("DELETE ended_sessions :expired")
                .expression_attribute_values(":expired", AttributeValue::Ss(expired))
                .send()
                .await
                .map_err(StoreError::sdk)?;
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(key)
            .condition_expression("attribute_exists(pk)")
            .update_expression("ADD ended_sessions :ended")
            .expression_attribute_values(
                ":ended",
                AttributeValue::Ss(vec![format!("{expires_at_seconds}:{session_id}")]),
            )
            .send()
            .await
            .map_err(StoreError::sdk)?;
        Ok(())
    }

    /// Moves a user in the staff structure; the partner tree is not touched.
    pub async fn set_supervisor(
        &self,
        tenant: &TenantId,
        user: &UserId,
        supervisor: Option<&UserId>,
        audit: &crate::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let request = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::user(tenant, user))))
            .condition_expression("attribute_exists(pk)");
        let request = match supervisor {
            Some(supervisor) => request
                .update_expression("SET supervisor_id = :s")
                .expression_attribute_values(":s", s(supervisor.as_str())),
            None => request.update_expression("REMOVE supervisor_id"),
        };
        let action = aws_sdk_dynamodb::types::TransactWriteItem::builder()
            .update(request.build().map_err(StoreError::build)?)
            .build();
        self.write_audited(action, Some(audit)).await
    }
}

impl Store {
    /// The language of a user's emails, and of their partner's (one transaction: the two never
    /// disagree).
    pub async fn set_language(
        &self,
        user: &UserRecord,
        language: Language,
    ) -> Result<(), StoreError> {
        let mut keys = vec![keys::user(&user.tenant_id, &user.id)];
        if let Some(partner) = &user.partner_id {
            keys.push(keys::partner(&user.tenant_id, partner));
        }
        let mut actions = Vec::new();
        for key in &keys {
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key_item(key)))
                // LANGUAGE is a DynamoDB reserved word.
                .update_expression("SET #language = :language")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#language", "language")
                .expression_attribute_values(":language", s(language.code()))
                .build()
                .map_err(StoreError::build)?;
            actions.push(TransactWriteItem::builder().update(update).build());
        }
        self.transact(actions).await
    }
}

impl Store {
    /// Starts turning TOTP on: a new secret, sealed, waiting for a code from it.
    pub async fn set_pending_totp(
        &self,
        user: &UserRecord,
        secret: &str,
    ) -> Result<(), StoreError> {
        let sealed = self
            .sealer
            .seal(&totp_seal_context(&user.tenant_id, &user.id), secret)
            .await?;
        let action = user_update(
            &self.table,
            &user.tenant_id,
            &user.id,
            "SET totp_pending = :pending",
            "attribute_exists(pk)",
            &[(":pending", s(sealed))],
        )?;
        self.transact(vec![action]).await
    }

    /// A user's TOTP secret opened (the pending one with `pending`), if there is one.
    pub async fn open_totp(
        &self,
        user: &UserRecord,
        pending: bool,
    ) -> Result<Option<String>, StoreError> {
        let sealed = if pending {
            &user.totp.pending
        } else {
            &user.totp.secret
        };
        match sealed {
            Some(sealed) => Ok(Some(
                self.sealer
                    .open(&totp_seal_context(&user.tenant_id, &user.id), sealed)
                    .await?,
            )),
            None => Ok(None),
        }
    }

    /// Takes 30-second `step` as used, once: `false` when a code of this step or a later one
    /// was already accepted (a replayed code). With `enable`, the pending secret becomes the
    /// one login asks for, in the same write (and its audit record).
    pub async fn use_totp_step(
        &self,
        user: &UserRecord,
        step: i64,
        enable: Option<&crate::audit::AuditRecord>,
    ) -> Result<bool, StoreError> {
        let (expression, condition) = match enable {
            Some(_) => (
                "SET totp_last_step = :step, totp_secret = totp_pending REMOVE totp_pending",
                "attribute_exists(totp_pending) AND totp_pending = :pending \
                 AND (attribute_not_exists(totp_last_step) OR totp_last_step < :step)",
            ),
            None => (
                "SET totp_last_step = :step",
                "attribute_exists(totp_secret) \
                 AND (attribute_not_exists(totp_last_step) OR totp_last_step < :step)",
            ),
        };
        let mut values = vec![(":step", n(step))];
        if enable.is_some() {
            // The secret the code was checked against is still the pending one.
            values.push((":pending", s(user.totp.pending.clone().unwrap_or_default())));
        }
        let action = user_update(
            &self.table,
            &user.tenant_id,
            &user.id,
            expression,
            condition,
            &values,
        )?;
        crate::ops::condition_passed(self.write_audited(action, enable).await)
    }

    /// Turns TOTP off (after a code from it was accepted).
    pub async fn disable_totp(
        &self,
        user: &UserRecord,
        audit: &crate::audit::AuditRecord,
    ) -> Result<(), StoreError> {
        let action = user_update(
            &self.table,
            &user.tenant_id,
            &user.id,
            "REMOVE totp_secret, totp_pending",
            "attribute_exists(pk)",
            &[],
        )?;
        self.write_audited(action, Some(audit)).await
    }
}
