//! Tokens that travel by email (confirm email, set password, invitation): random, single-use,
//! expiring, and stored only as their SHA-256.
//!
//! The token itself is never written anywhere: the outbox item carries a random `token_id`, and
//! the token is `HMAC(key, token_id)`, derived again by whoever renders the email. The table
//! holds the token's hash under `TOKEN#<sha256>`, found without knowing the tenant (the links in
//! emails carry only the token).

use crate::item::{ItemBuilder, View, key_item, n, s};
use crate::ops::{Refusal, Tx, put_new};
use crate::{Store, StoreError, keys};
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use upline_contract::{PartnerId, TenantId, UserId};
use upline_domain::validate::Email;

pub const CONFIRM_EMAIL_TTL_SECONDS: i64 = 3 * 24 * 60 * 60;
pub const SET_PASSWORD_TTL_SECONDS: i64 = 24 * 60 * 60;
pub const INVITATION_TTL_SECONDS: i64 = 14 * 24 * 60 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    ConfirmEmail,
    SetPassword,
    Invitation,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::ConfirmEmail => "confirm_email",
            TokenPurpose::SetPassword => "set_password",
            TokenPurpose::Invitation => "invitation",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::ConfirmEmail, Self::SetPassword, Self::Invitation]
            .into_iter()
            .find(|p| p.as_str() == text)
    }

    pub fn ttl_seconds(self) -> i64 {
        match self {
            TokenPurpose::ConfirmEmail => CONFIRM_EMAIL_TTL_SECONDS,
            TokenPurpose::SetPassword => SET_PASSWORD_TTL_SECONDS,
            TokenPurpose::Invitation => INVITATION_TTL_SECONDS,
        }
    }
}

/// Derives email tokens from their ids. The key is the deployment's secret (the session key
/// with its own label), so a token cannot be derived from the table alone.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl TokenKey {
    pub fn new(secret: &[u8]) -> Self {
        TokenKey(secret.to_vec())
    }

    /// A fresh random token id (goes into the outbox item).
    pub fn new_token_id() -> String {
        let mut bytes = [0u8; 18];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The token that the email carries.
    pub fn token(&self, token_id: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(b"upline email token\0");
        mac.update(token_id.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// What the table keeps of a token: its hash.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What an invitation token stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct InvitationRecord {
    pub id: String,
    pub inviter_user_id: UserId,
    /// The sponsor of whoever registers with it; `None` for a level-zero invitation.
    pub sponsor_id: Option<PartnerId>,
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EmailTokenRecord {
    pub hash: String,
    pub purpose: TokenPurpose,
    pub tenant_id: TenantId,
    /// Whose email or password it is about (not set for invitations).
    pub user_id: Option<UserId>,
    /// Unix seconds.
    pub expires_at: i64,
    pub invitation: Option<InvitationRecord>,
}

fn token_from(view: &View) -> Result<EmailTokenRecord, StoreError> {
    let purpose = TokenPurpose::parse(view.s("purpose")?)
        .ok_or_else(|| StoreError::Corrupt("token purpose".into()))?;
    let invitation = match purpose {
        TokenPurpose::Invitation => Some(InvitationRecord {
            id: view.s("invitation_id")?.to_owned(),
            inviter_user_id: UserId::from(view.s("inviter_user_id")?),
            sponsor_id: view.opt_s("sponsor_id")?.map(PartnerId::from),
            email: view.checked("email", Email::parse)?,
            first_name: view.s("first_name")?.to_owned(),
            last_name: view.s("last_name")?.to_owned(),
            phone: view.opt_s("phone")?.map(str::to_owned),
        }),
        _ => None,
    };
    Ok(EmailTokenRecord {
        hash: view.s("token_hash")?.to_owned(),
        purpose,
        tenant_id: TenantId::from(view.s("tenant_id")?),
        user_id: view.opt_s("user_id")?.map(UserId::from),
        expires_at: view.i64("expires_at")?,
        invitation,
    })
}

impl Tx {
    /// Stores a new token's hash.
    pub fn put_token(&mut self, token: &EmailTokenRecord) -> Result<(), StoreError> {
        let mut item = ItemBuilder::new(&keys::email_token(&token.hash), "email_token")
            .s("token_hash", &token.hash)
            .s("purpose", token.purpose.as_str())
            .s("tenant_id", token.tenant_id.as_str())
            .opt_s("user_id", token.user_id.as_ref().map(|u| u.as_str()))
            // Also the table's TTL attribute: DynamoDB removes expired tokens by itself.
            .n("expires_at", token.expires_at);
        if let Some(invitation) = &token.invitation {
            item = item
                .s("invitation_id", &invitation.id)
                .s("inviter_user_id", invitation.inviter_user_id.as_str())
                .opt_s(
                    "sponsor_id",
                    invitation.sponsor_id.as_ref().map(|p| p.as_str()),
                )
                .s("email", invitation.email.as_str())
                .s("first_name", &invitation.first_name)
                .s("last_name", &invitation.last_name)
                .opt_s("phone", invitation.phone.as_deref());
        }
        self.push(Refusal::TokenGone, put_new(&self.table, item.build())?);
        Ok(())
    }

    /// Uses a token up: deleted only if it still exists, is unexpired and is for this purpose.
    /// Fails the transaction with the label `token` otherwise, so a token works exactly once.
    pub fn consume_token(
        &mut self,
        hash: &str,
        purpose: TokenPurpose,
        now_seconds: i64,
    ) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(&keys::email_token(hash))))
            .condition_expression("attribute_exists(pk) AND expires_at > :now AND purpose = :p")
            .expression_attribute_values(":now", n(now_seconds))
            .expression_attribute_values(":p", s(purpose.as_str()))
            .build()
            .map_err(StoreError::build)?;
        self.push(
            Refusal::TokenGone,
            TransactWriteItem::builder().delete(delete).build(),
        );
        Ok(())
    }
}

impl Store {
    /// The token with this hash, if it exists, has this purpose and has not expired.
    pub async fn email_token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
        now_seconds: i64,
    ) -> Result<Option<EmailTokenRecord>, StoreError> {
        let Some(item) = self.get(&keys::email_token(hash)).await? else {
            return Ok(None);
        };
        let token = token_from(&View(&item))?;
        Ok((token.purpose == purpose && token.expires_at > now_seconds).then_some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_derive_from_their_id_and_the_key_only() {
        let key = TokenKey::new(b"a key of the deployment, 32 bytes");
        let id = TokenKey::new_token_id();
        assert_eq!(key.token(&id), key.token(&id));
        assert_ne!(key.token(&id), key.token(&TokenKey::new_token_id()));
        assert_ne!(
            key.token(&id),
            TokenKey::new(b"another deployment's key").token(&id)
        );
        assert_eq!(token_hash("abc").len(), 64);
    }
}
