//! Accounts: register, confirm the email, forgot and set password, `GET /v1/me`.

use super::members::{NewMember, TokenEmail, create_member, link_gone, now_seconds};
use super::{new_id, partner_view, tenant_view, user_view};
use crate::AppState;
use crate::auth::{SessionUser, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::serve::{Body, Reply};
use crate::throttle::{self, ClientIp};
use axum::extract::State;
use axum::http::StatusCode;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::NoContent;
use upline_contract::{Ack, Me, PartnerId, Permission, RegisterResponse, UserId};
use upline_domain::membership::{self, SponsorSource};
use upline_domain::validate;
use upline_store::Refusal;
use upline_store::tokens::{TokenPurpose, token_hash};
use upline_store::users::UserRecord;
use upline_store::{Timestamp, TxError};

/// Counts one account email (set password, confirmation) to `email`; false when the address
/// has had its share for now.
async fn allow_account_email(
    state: &AppState,
    tenant: &upline_contract::TenantId,
    email: &str,
) -> Result<bool, ApiError> {
    let window = state
        .store
        .count_in_window(
            &upline_store::keys::email_sends(tenant, email),
            "email_sends",
            state.limits.account_emails,
            Timestamp::now().millis,
        )
        .await?;
    Ok(window == upline_store::logins::Window::Counted)
}

/// A token from a link is short, URL-safe base64; anything else cannot be one.
fn token_hash_of(token: &str) -> Result<String, ApiError> {
    let plausible = (20..=100).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if !plausible {
        return Err(ApiError::invalid("token", "is not a token from our emails"));
    }
    Ok(token_hash(token))
}

/// `POST /v1/auth/register`: a new partner under the sponsor of the code or invitation (or at
/// the top, when the program allows open signup), logged in at once.
pub async fn register(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Body(request): Body<c::Register>,
) -> ApiResult<Reply<c::Register>> {
    throttle::take(
        &state,
        "client_throttle",
        &[(
            upline_store::keys::client_throttle("register", &client),
            state.limits.registrations_per_client,
        )],
        ErrorCode::TooManyRegistrations,
        "too many accounts from this address; try again later",
    )
    .await?;
    let email = validate::email(&request.email).map_err(|m| ApiError::invalid("email", m))?;
    validate::password(&request.password).map_err(|m| ApiError::invalid("password", m))?;
    let name = validate::person_name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let phone = super::optional_field("phone", request.phone.as_deref(), validate::phone)?;
    let language = request.language.unwrap_or_default();
    let tenant = state
        .store
        .tenant_by_slug(&request.tenant)
        .await?
        .ok_or_else(|| ApiError::invalid("tenant", "no program has this address"))?;
    let (program, _) = state
        .store
        .program(&tenant.id)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;

    // Who sponsors the new partner, and whether the email is proven already.
    let mut invitation_hash = None;
    let source = membership::sponsor_source(membership::Registration {
        invitation_token: request.invitation_token.as_deref(),
        referral_code: request.referral_code.as_deref(),
        open_signup: program.open_signup,
    })
    .map_err(|refusal| ApiError::invalid("referral_code", refusal))?;
    let (sponsor_id, sponsor_field, email_confirmed): (Option<PartnerId>, _, _) = match source {
        SponsorSource::Invitation(token) => {
            let hash = token_hash_of(token).map_err(|e| e.with_field("invitation_token"))?;
            let invitation = state
                .store
                .email_token(&hash, TokenPurpose::Invitation, now_seconds())
                .await?
                .filter(|t| t.tenant_id == tenant.id)
                .and_then(|t| t.invitation)
                .ok_or_else(|| link_gone("invitation_token"))?;
            if invitation.email != email {
                return Err(ApiError::invalid(
                    "email",
                    "must be the address the invitation was sent to",
                ));
            }
            invitation_hash = Some(hash);
            (invitation.sponsor_id, "invitation_token", true)
        }
        SponsorSource::ReferralCode(code) => {
            let code =
                validate::referral_code(code).map_err(|m| ApiError::invalid("referral_code", m))?;
            let sponsor = state
                .store
                .partner_id_by_code(&tenant.id, &code)
                .await?
                .ok_or_else(|| ApiError::invalid("referral_code", "no partner has this code"))?;
            (Some(sponsor), "referral_code", false)
        }
        SponsorSource::Nobody => (None, "referral_code", false),
    };
    membership::check_terms(program.terms.is_some(), request.accept_terms)
        .map_err(|refusal| ApiError::invalid("accept_terms", refusal))?;
    if state
        .store
        .user_by_email(&tenant.id, &email)
        .await?
        .is_some()
    {
        return Err(Refusal::EmailTaken.into());
    }

    let user_id = UserId(new_id("us"));
    let password_hash = hash_password(request.password).await?;
    let created_at = Timestamp::now().rfc3339;
    let member = NewMember {
        tenant: tenant.id.clone(),
        sponsor_id,
        user_id: Some(user_id.clone()),
        name: name.clone(),
        email: email.clone(),
        external_id: None,
        terms_version: program.terms.as_ref().map(|t| t.version.clone()),
        sponsor_field,
        language,
    };
    let partner = create_member(&state, member, |tx, partner| {
        let user = UserRecord {
            tenant_id: tenant.id.clone(),
            id: user_id.clone(),
            email: email.clone(),
            name: name.clone(),
            phone: phone.clone(),
            password_hash: password_hash.clone(),
            permissions: vec![Permission::Participate],
            email_confirmed,
            partner_id: Some(partner.id.clone()),
            supervisor_id: None,
            created_at: created_at.clone(),
            language,
            owner: false,
            sessions_valid_from: 0,
            ended_sessions: Vec::new(),
            totp: Default::default(),
        };
        tx.put_new_user(&user)?;
        match &invitation_hash {
            Some(hash) => tx.consume_token(hash, TokenPurpose::Invitation, now_seconds())?,
            None => {
                TokenEmail {
                    tenant: &tenant.id,
                    purpose: TokenPurpose::ConfirmEmail,
                    user_id: Some(&user_id),
                    to_email: &email,
                    to_name: &name,
                    language,
                    invitation: None,
                }
                .add_to(tx, &state.tokens, |_| {})?;
            }
        }
        Ok(())
    })
    .await
    .map_err(|err| match err.field.as_deref() {
        // The invitation was used by a parallel registration.
        Some("token") => link_gone("invitation_token"),
        _ => err,
    })?;
    let token = state.sessions.issue(&tenant.id, &user_id);
    Ok(Reply::ok(RegisterResponse {
        token,
        partner: partner_view(&state, &partner),
    }))
}

/// `POST /v1/auth/confirm-email`: the link from the confirmation email, once.
pub async fn confirm_email(
    State(state): State<AppState>,
    Body(request): Body<c::ConfirmEmail>,
) -> ApiResult<Reply<c::ConfirmEmail>> {
    let hash = token_hash_of(&request.token)?;
    let token = state
        .store
        .email_token(&hash, TokenPurpose::ConfirmEmail, now_seconds())
        .await?
        .ok_or_else(|| link_gone("token"))?;
    let user = token.user_id.ok_or_else(|| link_gone("token"))?;
    let mut tx = state.store.tx();
    tx.consume_token(&hash, TokenPurpose::ConfirmEmail, now_seconds())?;
    tx.confirm_email(&token.tenant_id, &user)?;
    match state.store.commit(tx).await {
        Ok(()) => Ok(Reply::ok(Ack {
            status: "confirmed".into(),
        })),
        Err(TxError::Refused(_)) => Err(link_gone("token")),
        Err(TxError::Store(err)) => Err(err.into()),
    }
}

/// `POST /v1/auth/resend-confirmation`: a new confirmation email for the logged-in user.
pub async fn resend_confirmation(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
) -> ApiResult<Reply<c::ResendConfirmation>> {
    if user.email_confirmed {
        return Err(ApiError::conflict(
            ErrorCode::AlreadyConfirmed,
            "the email is confirmed already",
        ));
    }
    if !allow_account_email(&state, &user.tenant_id, &user.email).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyEmails,
            "we sent you several emails already; check your inbox or try again later",
        ));
    }
    let mut tx = state.store.tx();
    TokenEmail {
        tenant: &user.tenant_id,
        purpose: TokenPurpose::ConfirmEmail,
        user_id: Some(&user.id),
        to_email: &user.email,
        to_name: &user.name,
        language: user.language,
        invitation: None,
    }
    .add_to(&mut tx, &state.tokens, |_| {})?;
    state.store.commit(tx).await?;
    Ok(Reply::ok(Ack {
        status: "sent".into(),
    }))
}

/// `POST /v1/auth/forgot-password`: 202 whether or not the account exists, so the answer
/// tells nobody which emails have accounts; an existing account gets a set-password email.
pub async fn forgot_password(
    State(state): State<AppState>,
    Body(request): Body<c::ForgotPassword>,
) -> ApiResult<Reply<c::ForgotPassword>> {
    let accepted = || {
        Reply::ok(Ack {
            status: "accepted".into(),
        })
    };
    validate::slug(&request.tenant).map_err(|m| ApiError::invalid("tenant", m))?;
    let Ok(email) = validate::email(&request.email) else {
        return Err(ApiError::invalid("email", "is not an email address"));
    };
    let Some(tenant) = state.store.tenant_by_slug(&request.tenant).await? else {
        return Ok(accepted());
    };
    let Some(user) = state.store.user_by_email(&tenant.id, &email).await? else {
        return Ok(accepted());
    };
    // Over the limit the answer is the same; only the email stays unsent.
    if !allow_account_email(&state, &tenant.id, &user.email).await? {
        return Ok(accepted());
    }
    let mut tx = state.store.tx();
    TokenEmail {
        tenant: &tenant.id,
        purpose: TokenPurpose::SetPassword,
        user_id: Some(&user.id),
        to_email: &user.email,
        to_name: &user.name,
        language: user.language,
        invitation: None,
    }
    .add_to(&mut tx, &state.tokens, |_| {})?;
    state.store.commit(tx).await?;
    Ok(accepted())
}

/// `POST /v1/auth/set-password`: the link from a set-password email, once; logs the user in.
pub async fn set_password(
    State(state): State<AppState>,
    Body(request): Body<c::SetPassword>,
) -> ApiResult<Reply<c::SetPassword>> {
    validate::password(&request.password).map_err(|m| ApiError::invalid("password", m))?;
    let hash = token_hash_of(&request.token)?;
    let token = state
        .store
        .email_token(&hash, TokenPurpose::SetPassword, now_seconds())
        .await?
        .ok_or_else(|| link_gone("token"))?;
    let user = token.user_id.ok_or_else(|| link_gone("token"))?;
    let password_hash = hash_password(request.password).await?;
    let mut tx = state.store.tx();
    tx.consume_token(&hash, TokenPurpose::SetPassword, now_seconds())?;
    tx.set_password(
        &token.tenant_id,
        &user,
        &password_hash,
        Timestamp::now().millis,
    )?;
    match state.store.commit(tx).await {
        Ok(()) => {}
        Err(TxError::Refused(_)) => return Err(link_gone("token")),
        Err(TxError::Store(err)) => return Err(err.into()),
    }
    let user = state
        .store
        .user(&token.tenant_id, &user)
        .await?
        .ok_or_else(|| link_gone("token"))?;
    Ok(Reply::ok(crate::auth::open_session(&state, &user).await?))
}

/// `POST /v1/auth/logout`: this session answers 401 from now on; the user's other sessions
/// (another browser, a phone) stand.
pub async fn logout(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    headers: axum::http::HeaderMap,
) -> ApiResult<Reply<c::Logout>> {
    let claims = crate::auth::session_claims(&headers, &state)?;
    state
        .store
        .end_session(&user, &claims.s, claims.exp, now_seconds())
        .await?;
    Ok(Reply::ok(NoContent))
}

/// `GET /v1/me`: also for an unconfirmed email (the portal shows the gate from it).
pub async fn me(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    SessionUser(user): SessionUser,
) -> ApiResult<Reply<c::GetMe>> {
    // The gate admitted the token, so its claims read.
    let setup_required = crate::auth::session_claims(&headers, &state)?.only_for_setup(&user);
    let tenant = state
        .store
        .tenant(&user.tenant_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let partner = match &user.partner_id {
        Some(id) => state.store.partner(&user.tenant_id, id).await?,
        None => None,
    };
    Ok(Reply::ok(Me {
        user: user_view(&user),
        partner: partner.map(|p| partner_view(&state, &p)),
        tenant: tenant_view(tenant),
        two_factor_setup_required: setup_required,
    }))
}

/// `PUT /v1/me/language`: the language of the caller's emails (and their partner's).
pub async fn set_language(
    State(state): State<AppState>,
    SessionUser(mut user): SessionUser,
    Body(request): Body<c::SetLanguage>,
) -> ApiResult<Reply<c::SetLanguage>> {
    state.store.set_language(&user, request.language).await?;
    user.language = request.language;
    Ok(Reply::ok(user_view(&user)))
}
