//! User accounts of a tenant: the user item plus an email claim that makes emails unique.

use crate::item::{Item, ItemBuilder, View};
use crate::{Store, StoreError, keys};
use upline_contract::{PartnerId, Permission, TenantId, UserId};

#[derive(Clone, Debug, PartialEq)]
pub struct UserRecord {
    pub tenant_id: TenantId,
    pub id: UserId,
    /// Lower-cased.
    pub email: String,
    pub name: String,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub permissions: Vec<Permission>,
    pub email_confirmed: bool,
    pub partner_id: Option<PartnerId>,
    pub created_at: String,
}

pub(crate) fn user_items(user: &UserRecord) -> [Item; 2] {
    let record = ItemBuilder::new(&keys::user(&user.tenant_id, &user.id), "user")
        .s("tenant_id", user.tenant_id.as_str())
        .s("user_id", user.id.as_str())
        .s("email", &user.email)
        .s("name", &user.name)
        .s("password_hash", &user.password_hash)
        .list("permissions", user.permissions.iter().map(|p| p.as_str()))
        .bool("email_confirmed", user.email_confirmed)
        .opt_s("partner_id", user.partner_id.as_ref().map(|p| p.as_str()))
        .s("created_at", &user.created_at)
        .build();
    let claim = ItemBuilder::new(&keys::email(&user.tenant_id, &user.email), "email")
        .s("tenant_id", user.tenant_id.as_str())
        .s("user_id", user.id.as_str())
        .build();
    [record, claim]
}

fn user_from(view: &View) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        tenant_id: TenantId::from(view.s("tenant_id")?),
        id: UserId::from(view.s("user_id")?),
        email: view.s("email")?.to_owned(),
        name: view.s("name")?.to_owned(),
        password_hash: view.s("password_hash")?.to_owned(),
        permissions: view
            .list("permissions")?
            .iter()
            .filter_map(|p| Permission::parse(p))
            .collect(),
        email_confirmed: view.bool("email_confirmed")?,
        partner_id: view.opt_s("partner_id")?.map(PartnerId::from),
        created_at: view.s("created_at")?.to_owned(),
    })
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
        email: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let Some(claim) = self.get(&keys::email(tenant, email)).await? else {
            return Ok(None);
        };
        let user_id = UserId::from(View(&claim).s("user_id")?);
        self.user(tenant, &user_id).await
    }
}
