//! `POST /v1/invitations` (a partner invites someone under them; `level_zero` invites someone
//! with nobody above them) and `GET /v1/invitations/{token}` (public, for prefilling the form).

use super::members::{TokenEmail, link_gone, now_seconds};
use super::{new_id, tenant_view};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::PathParam;
use crate::serve::{Body, Reply};
use axum::extract::State;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{InvitationCreated, InvitationPrefill, Permission};
use upline_domain::validate;
use upline_store::keys;
use upline_store::tokens::{InvitationRecord, TokenPurpose, token_hash};

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::CreateInvitation>,
) -> ApiResult<Reply<c::CreateInvitation>> {
    let inviter = if request.level_zero {
        caller.require(Permission::InviteLevelZero)?
    } else {
        let user = caller.require(Permission::Participate)?;
        if user.partner_id.is_none() {
            return Err(ApiError::conflict(
                ErrorCode::NotAPartner,
                "join the program before inviting partners under you",
            ));
        }
        user
    };
    let tenant = inviter.tenant_id.clone();
    let first_name = validate::person_name(&request.first_name)
        .map_err(|m| ApiError::invalid("first_name", m))?;
    let last_name =
        validate::person_name(&request.last_name).map_err(|m| ApiError::invalid("last_name", m))?;
    let email = validate::email(&request.email).map_err(|m| ApiError::invalid("email", m))?;
    let phone = super::optional_field("phone", request.phone.as_deref(), validate::phone)?;
    let subject = super::optional_field("subject", request.subject.as_deref(), |s| {
        validate::text(s, 200)
    })?;
    let body = super::optional_field("body", request.body.as_deref(), |s| validate::text(s, 5000))?;
    if state.store.user_by_email(&tenant, &email).await?.is_some() {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyMember,
            "someone with this email has an account in the program",
        )
        .with_field("email"));
    }
    // Each invitation sends the inviter's own subject and body to any address: counted per
    // inviter and per tenant, per hour and per day, so nobody can use the program as a relay.
    let limits = &state.limits;
    crate::throttle::take(
        &state,
        "invitation_throttle",
        &[
            (
                keys::invitations_by(&tenant, &inviter.id, "hour"),
                limits.invitations_per_inviter_hour,
            ),
            (
                keys::invitations_by(&tenant, &inviter.id, "day"),
                limits.invitations_per_inviter_day,
            ),
            (
                keys::invitations_in(&tenant, "hour"),
                limits.invitations_per_tenant_hour,
            ),
            (
                keys::invitations_in(&tenant, "day"),
                limits.invitations_per_tenant_day,
            ),
        ],
        ErrorCode::TooManyInvitations,
        "you have sent many invitations lately; try again later",
    )
    .await?;
    let id = new_id("iv");
    let invitation = InvitationRecord {
        id: id.clone(),
        inviter_user_id: inviter.id.clone(),
        sponsor_id: if request.level_zero {
            None
        } else {
            inviter.partner_id.clone()
        },
        email: email.clone(),
        first_name: first_name.clone(),
        last_name: last_name.clone(),
        phone,
    };
    let to_name = format!("{first_name} {last_name}");
    let language = request.language.unwrap_or(inviter.language);
    let mut tx = state.store.tx();
    // A partner inviting to their own downline acts as a partner; inviting at level zero is a
    // staff action, and staff actions are audited.
    if request.level_zero {
        tx.audit(&super::audit::record(
            &caller,
            "invitation.create",
            format!("invitation:{id}"),
            serde_json::json!({"email": email, "level_zero": true}),
        ))?;
    }
    let expires_at = TokenEmail {
        tenant: &tenant,
        purpose: TokenPurpose::Invitation,
        user_id: None,
        to_email: &email,
        to_name: &to_name,
        language,
        invitation: Some(invitation),
    }
    // Sent in the inviter's name; answers go to the inviter.
    .add_to(&mut tx, &state.tokens, |email| {
        email.from_name = Some(inviter.name.clone());
        email.reply_to = Some(inviter.email.to_string());
        email.subject = subject;
        email.body = body;
    })?;
    state.store.commit(tx).await?;
    let expires_at = OffsetDateTime::from_unix_timestamp(expires_at)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default();
    Ok(Reply::ok(InvitationCreated { id, expires_at }))
}

/// Public: what the registration form is prefilled with. Used or expired → 404.
pub async fn prefill(
    State(state): State<AppState>,
    PathParam(token): PathParam,
) -> ApiResult<Reply<c::GetInvitation>> {
    let plausible = token.len() <= 100
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if !plausible {
        return Err(link_gone("token"));
    }
    let record = state
        .store
        .email_token(&token_hash(&token), TokenPurpose::Invitation, now_seconds())
        .await?
        .ok_or_else(|| link_gone("token"))?;
    let invitation = record.invitation.ok_or_else(|| link_gone("token"))?;
    let tenant = state
        .store
        .tenant(&record.tenant_id)
        .await?
        .ok_or_else(|| link_gone("token"))?;
    let inviter_name = state
        .store
        .user(&record.tenant_id, &invitation.inviter_user_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let terms = state
        .store
        .program(&record.tenant_id)
        .await?
        .and_then(|(program, _)| program.terms);
    Ok(Reply::ok(InvitationPrefill {
        email: invitation.email.into_string(),
        first_name: invitation.first_name,
        last_name: invitation.last_name,
        phone: invitation.phone,
        tenant: tenant_view(tenant),
        inviter_name,
        terms,
    }))
}
