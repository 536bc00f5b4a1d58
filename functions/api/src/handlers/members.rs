//! Creating a partner, whichever way they come in (registration, joining, an admin, an
//! invitation): the partner, its code and external id claims, and whatever the same transaction
//! must also hold (the user, a used invitation, an email).

use super::{new_id, new_referral_code};
use crate::AppState;
use crate::error::ApiError;
use upline_contract::ErrorCode;
use upline_contract::{Language, PartnerId, TenantId, UserId};
use upline_domain::membership;
use upline_domain::validate::{self, Email};
use upline_store::keys;
use upline_store::outbox::OutboxRecord;
use upline_store::partners::PartnerRecord;
use upline_store::tokens::{EmailTokenRecord, TokenKey, TokenPurpose, token_hash};
use upline_store::{Refusal, Timestamp, Tx, TxError};

/// Who is becoming a partner.
pub struct NewMember {
    pub tenant: TenantId,
    pub sponsor_id: Option<PartnerId>,
    pub user_id: Option<UserId>,
    pub name: String,
    pub email: Email,
    /// Set by hand; otherwise drawn from the program's template.
    pub external_id: Option<String>,
    pub terms_version: Option<String>,
    pub language: Language,
    /// The field a missing or too-deep sponsor is reported on.
    pub sponsor_field: &'static str,
}

/// Creates the partner; `also` adds the rest of the transaction. A taken referral code is drawn
/// again and a sponsor that moved meanwhile is read again.
pub async fn create_member(
    state: &AppState,
    member: NewMember,
    mut also: impl FnMut(&mut Tx, &PartnerRecord) -> Result<(), ApiError>,
) -> Result<PartnerRecord, ApiError> {
    let id = PartnerId(new_id("pt"));
    let mut external_id = member.external_id.clone();
    for _ in 0..5 {
        let (ancestors, sponsor_path) = match &member.sponsor_id {
            None => (Vec::new(), None),
            Some(sponsor_id) => {
                let sponsor = state
                    .store
                    .partner(&member.tenant, sponsor_id)
                    .await?
                    .ok_or_else(|| {
                        ApiError::invalid(member.sponsor_field, "is not a partner of this program")
                    })?;
                membership::check_sponsor_depth(sponsor.depth())
                    .map_err(|refusal| ApiError::invalid(member.sponsor_field, refusal))?;
                let path = keys::tree_path(&sponsor.ancestors, &sponsor.id);
                (sponsor.chain(), Some(path))
            }
        };
        let external = match &external_id {
            Some(external) => external.clone(),
            None => {
                let drawn = next_external_id(state, &member.tenant).await?;
                external_id = Some(drawn.clone());
                drawn
            }
        };
        let now = Timestamp::now().rfc3339;
        let partner = PartnerRecord {
            tenant_id: member.tenant.clone(),
            id: id.clone(),
            user_id: member.user_id.clone(),
            name: member.name.clone(),
            email: member.email.clone(),
            referral_code: new_referral_code(),
            external_id: external,
            ancestors,
            status: "active".to_owned(),
            joined_at: now.clone(),
            terms_accepted_at: member.terms_version.as_ref().map(|_| now.clone()),
            terms_version: member.terms_version.clone(),
            language: member.language,
        };
        let mut tx = state.store.tx();
        tx.put_new_partner(&partner, sponsor_path.as_deref())?;
        also(&mut tx, &partner)?;
        match state.store.commit(tx).await {
            Ok(()) => return Ok(partner),
            Err(TxError::Refused(Refusal::ReferralCodeTaken | Refusal::SponsorMoved)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::conflict(
        ErrorCode::TryAgain,
        "the structure changed while joining; try again",
    ))
}

/// 404 for an email link that is unknown, used or expired.
pub fn link_gone(field: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        ErrorCode::TokenNotFound,
        "the link is unknown, already used or expired",
    )
    .with_field(field)
}

async fn next_external_id(state: &AppState, tenant: &TenantId) -> Result<String, ApiError> {
    let (program, _) = state
        .store
        .program(tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    let seq = state.store.next_partner_seq(tenant).await?;
    validate::render_external_id(&program.external_id_template, seq)
        .map_err(|m| ApiError::invalid("external_id_template", m))
}

/// An email that carries a single-use token (confirm email, set password, invitation): the
/// token's hash and the outbox item go into `tx`; the token is derived again at delivery.
pub struct TokenEmail<'a> {
    pub tenant: &'a TenantId,
    pub purpose: TokenPurpose,
    pub user_id: Option<&'a UserId>,
    pub to_email: &'a str,
    pub to_name: &'a str,
    pub language: Language,
    pub invitation: Option<upline_store::tokens::InvitationRecord>,
}

impl TokenEmail<'_> {
    /// Adds the token and its email; returns when the token expires (unix seconds).
    pub fn add_to(
        self,
        tx: &mut Tx,
        key: &TokenKey,
        decorate: impl FnOnce(&mut OutboxRecord),
    ) -> Result<i64, ApiError> {
        let now = Timestamp::now();
        let token_id = TokenKey::new_token_id();
        let phone = self.invitation.as_ref().and_then(|i| i.phone.clone());
        let expires_at = now.millis / 1000 + self.purpose.ttl_seconds();
        tx.put_token(&EmailTokenRecord {
            hash: token_hash(&key.token(&token_id)),
            purpose: self.purpose,
            tenant_id: self.tenant.clone(),
            user_id: self.user_id.cloned(),
            expires_at,
            invitation: self.invitation,
        })?;
        let mut email = OutboxRecord::email_to(
            self.tenant,
            new_id("ob"),
            self.purpose.as_str(),
            self.to_email,
            self.to_name,
            &now.rfc3339,
        );
        email.token_id = Some(token_id);
        email.language = Some(self.language.code().to_owned());
        decorate(&mut email);
        tx.put_outbox(&email)?;
        // An invitation with a phone number also goes out by SMS, with the same link.
        if let Some(phone) = phone.filter(|_| self.purpose == TokenPurpose::Invitation) {
            let sms = OutboxRecord {
                id: new_id("ob"),
                template: "invitation_sms".to_owned(),
                channel: upline_contract::Channel::Sms,
                to_phone: Some(phone),
                ..email
            };
            tx.put_outbox(&sms)?;
        }
        Ok(expires_at)
    }
}

/// Unix seconds now.
pub fn now_seconds() -> i64 {
    Timestamp::now().millis / 1000
}
