//! Partners: create (staff), join (a user), read, list (downline / all), move under another
//! sponsor, and the referral QR code.

use super::members::{NewMember, TokenEmail, create_member};
use super::{encode_cursor, new_id, partner_view};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Paged, PathParam};
use crate::serve::{Body, Params, Reply};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use rand::Rng;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{Page, Partner, PartnerId, Permission, UserId};
use upline_domain::validate::{self, ReferralCode};
use upline_store::Refusal;
use upline_store::Timestamp;
use upline_store::keys;
use upline_store::partners::{MoveError, PartnerRecord};
use upline_store::tokens::TokenPurpose;
use upline_store::users::UserRecord;

pub fn new_referral_code() -> ReferralCode {
    let mut rng = rand::thread_rng();
    upline_domain::membership::draw_referral_code(|n| rng.gen_range(0..n))
}

/// `POST /v1/partners` (configure_program): a partner and its account; the account gets a
/// set-password email (e.g. partners imported by staff).
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::CreatePartner>,
) -> ApiResult<Reply<c::CreatePartner>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let email = validate::email(&request.email).map_err(|m| ApiError::invalid("email", m))?;
    let name = validate::person_name(&request.name).map_err(|m| ApiError::invalid("name", m))?;
    let language = request.language.unwrap_or_default();
    if let Some(external_id) = &request.external_id {
        validate::external_id(external_id).map_err(|m| ApiError::invalid("external_id", m))?;
    }
    if state.store.user_by_email(&tenant, &email).await?.is_some() {
        return Err(Refusal::EmailTaken.into());
    }
    let user_id = UserId(new_id("us"));
    let created_at = Timestamp::now().rfc3339;
    let member = NewMember {
        tenant: tenant.clone(),
        sponsor_id: request.sponsor_id.clone(),
        user_id: Some(user_id.clone()),
        name: name.clone(),
        email: email.clone(),
        external_id: request.external_id.clone(),
        terms_version: None,
        sponsor_field: "sponsor_id",
        language,
    };
    let partner = create_member(&state, member, |tx, partner| {
        // No password yet: nothing verifies against an empty hash until the link sets one.
        let user = UserRecord {
            tenant_id: tenant.clone(),
            id: user_id.clone(),
            email: email.clone(),
            name: name.clone(),
            phone: None,
            password_hash: String::new(),
            permissions: vec![Permission::Participate],
            email_confirmed: false,
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
        tx.audit(&super::audit::record(
            &caller,
            "partner.create",
            format!("partner:{}", partner.id),
            serde_json::json!({
                "email": partner.email,
                "name": partner.name,
                "sponsor_id": partner.sponsor_id(),
                "external_id": partner.external_id,
            }),
        ))?;
        TokenEmail {
            tenant: &tenant,
            purpose: TokenPurpose::SetPassword,
            user_id: Some(&user_id),
            to_email: &email,
            to_name: &name,
            language,
            invitation: None,
        }
        .add_to(tx, &state.tokens, |_| {})?;
        Ok(())
    })
    .await?;
    Ok(Reply::ok(partner_view(&state, &partner)))
}

/// `POST /v1/program/join` (participate): the user becomes a partner, under their supervisor's
/// partner when they have a supervisor (who must have joined first).
pub async fn join(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<c::JoinProgram>,
) -> ApiResult<Reply<c::JoinProgram>> {
    let user = caller.require(Permission::Participate)?;
    let tenant = user.tenant_id.clone();
    if user.partner_id.is_some() {
        return Err(Refusal::AlreadyPartner.into());
    }
    let sponsor_id = match &user.supervisor_id {
        None => None,
        Some(supervisor) => {
            let supervisor = state.store.user(&tenant, supervisor).await?;
            match supervisor.and_then(|s| s.partner_id) {
                Some(partner) => Some(partner),
                None => {
                    return Err(ApiError::conflict(
                        ErrorCode::SupervisorNotJoined,
                        "your supervisor has to join the program first",
                    ));
                }
            }
        }
    };
    let (program, _) = state
        .store
        .program(&tenant)
        .await?
        .ok_or_else(|| ApiError::not_found("program"))?;
    upline_domain::membership::check_terms(program.terms.is_some(), request.accept_terms)
        .map_err(|refusal| ApiError::invalid("accept_terms", refusal))?;
    let member = NewMember {
        tenant: tenant.clone(),
        sponsor_id,
        user_id: Some(user.id.clone()),
        name: user.name.clone(),
        email: user.email.clone(),
        external_id: None,
        terms_version: program.terms.map(|t| t.version),
        sponsor_field: "supervisor_id",
        language: user.language,
    };
    let partner = create_member(&state, member, |tx, partner| {
        tx.link_partner(&tenant, &user.id, &partner.id)?;
        Ok(())
    })
    .await?;
    Ok(Reply::ok(partner_view(&state, &partner)))
}

/// Visible to the partner itself, anyone above it in the tree, and `view_all_partners`;
/// to everyone else it does not exist.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
) -> ApiResult<Reply<c::GetPartner>> {
    let partner = state
        .store
        .partner(caller.tenant_id(), &PartnerId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    let own = caller.user().and_then(|u| u.partner_id.as_ref());
    let visible = caller.has(Permission::ViewAllPartners)
        || own.is_some_and(|me| *me == partner.id || partner.ancestors.contains(me));
    if !visible {
        return Err(ApiError::not_found("partner"));
    }
    Ok(Reply::ok(partner_view(&state, &partner)))
}

/// `GET /v1/partners/me`: the caller's own partner.
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Reply<c::MyPartner>> {
    let partner = own_partner(&state, &caller).await?;
    Ok(Reply::ok(partner_view(&state, &partner)))
}

async fn own_partner(state: &AppState, caller: &Caller) -> Result<PartnerRecord, ApiError> {
    let user = caller
        .user()
        .ok_or_else(|| ApiError::not_found("partner"))?;
    let id = user
        .partner_id
        .as_ref()
        .ok_or_else(|| ApiError::not_found("partner"))?;
    state
        .store
        .partner(&user.tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))
}

/// `GET /v1/partners?scope=downline|all`: the caller's downline (direct and indirect, with the
/// level below the caller, in tree order) or, with `view_all_partners` or an API key, everyone.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::ListPartners>,
) -> ApiResult<Reply<c::ListPartners>> {
    let limit = params.page().limit()?;
    let after = params.page().decoded_cursor()?;
    match params.scope.as_deref().unwrap_or("downline") {
        "all" => {
            // The tenant's backend (an API key) sees its whole program, like view_all_partners.
            let backend = matches!(caller, Caller::ApiKey(_));
            if !backend && !caller.has(Permission::ViewAllPartners) {
                return Err(ApiError::forbidden(Permission::ViewAllPartners));
            }
            let (partners, next) = state
                .store
                .partners_page(caller.tenant_id(), limit, after.as_deref())
                .await?;
            let mut items: Vec<Partner> =
                partners.iter().map(|p| partner_view(&state, p)).collect();
            // Those who may see wallets get each balance, in one batch read per page.
            if backend || caller.has(Permission::ManageBalances) {
                let ids: Vec<PartnerId> = items.iter().map(|p| p.id.clone()).collect();
                let currency = super::tenant_currency(&state, caller.tenant_id()).await?;
                let balances: std::collections::HashMap<PartnerId, rust_decimal::Decimal> = state
                    .store
                    .balances(caller.tenant_id(), &ids)
                    .await?
                    .into_iter()
                    .collect();
                for partner in &mut items {
                    let balance = balances.get(&partner.id).copied().unwrap_or_default();
                    partner.balance = Some(upline_contract::Amount(currency.normalize(balance)));
                }
            }
            Ok(Reply::ok(Page {
                items,
                next_cursor: next.as_deref().map(encode_cursor),
            }))
        }
        "downline" => {
            if matches!(caller, Caller::ApiKey(_)) {
                return Err(ApiError::invalid(
                    "scope",
                    "an API key has no downline; use scope=all",
                ));
            }
            let Ok(me) = own_partner(&state, &caller).await else {
                return Ok(Reply::ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                }));
            };
            let prefix = keys::tree_path(&me.ancestors, &me.id);
            if let Some(after) = &after
                && (!after.starts_with(&prefix) || after.len() <= prefix.len())
            {
                return Err(ApiError::invalid(
                    "cursor",
                    "is not a cursor this list returned",
                ));
            }
            let (partners, next) = state
                .store
                .downline_page(&me, limit, after.as_deref())
                .await?;
            let items = partners
                .iter()
                .map(|p| Partner {
                    level: Some(p.depth().saturating_sub(me.depth())),
                    ..partner_view(&state, p)
                })
                .collect();
            Ok(Reply::ok(Page {
                items,
                next_cursor: next.as_deref().map(encode_cursor),
            }))
        }
        _ => Err(ApiError::invalid("scope", "must be downline or all")),
    }
}

/// `PUT /v1/partners/{id}/sponsor` (configure_program): moves the partner with its whole
/// downline; a cycle is refused with 409 `cycle`.
pub async fn set_sponsor(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam,
    Body(request): Body<c::SetSponsor>,
) -> ApiResult<Reply<c::SetSponsor>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let partner_id = PartnerId(id);
    if let Some(sponsor) = &request.sponsor_id
        && state.store.partner(&tenant, sponsor).await?.is_none()
    {
        return Err(ApiError::invalid(
            "sponsor_id",
            "is not a partner of this program",
        ));
    }
    // The record is made of the partner the move reads anyway (no read of its own).
    let audit = |before: &PartnerRecord| {
        super::audit::record(
            &caller,
            "partner.move",
            format!("partner:{}", before.id),
            serde_json::json!({"sponsor_id": {"from": before.sponsor_id(), "to": request.sponsor_id}}),
        )
    };
    let moved = state
        .store
        .move_partner(&tenant, &partner_id, request.sponsor_id.as_ref(), audit)
        .await
        .map_err(|err| match err {
            MoveError::Cycle => ApiError::conflict(
                ErrorCode::Cycle,
                "the new sponsor is the partner itself or in its downline",
            )
            .with_field("sponsor_id"),
            MoveError::TooDeep => ApiError::invalid("sponsor_id", err.to_string()),
            MoveError::Store(err) => err.into(),
        })?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    Ok(Reply::ok(partner_view(&state, &moved)))
}

/// `GET /v1/partners/me/qr.svg` (`?format=png` for a PNG): the referral link as a QR code.
pub async fn qr(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<c::MyQrCode>,
) -> ApiResult<Reply<c::MyQrCode>> {
    let partner = own_partner(&state, &caller).await?;
    let link = partner_view(&state, &partner).referral_link;
    let code = qrcode::QrCode::new(link.as_bytes()).map_err(|e| ApiError::internal(&e))?;
    let (content_type, body) = match params.format.as_deref().unwrap_or("svg") {
        "svg" => ("image/svg+xml", qr_svg(&code).into_bytes()),
        "png" => ("image/png", qr_png(&code, 8)?),
        _ => return Err(ApiError::invalid("format", "must be svg or png")),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(Reply::raw(response))
}

/// The code as an SVG of at least 256 px, with its quiet zone.
pub fn qr_svg(code: &qrcode::QrCode) -> String {
    code.render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build()
}

/// A black-on-white grayscale PNG, `scale` pixels per module, with a 4-module quiet zone.
fn qr_png(code: &qrcode::QrCode, scale: usize) -> Result<Vec<u8>, ApiError> {
    let modules = code.width();
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (x, y) = (index % modules + quiet, index / modules + quiet);
        for row in y * scale..(y + 1) * scale {
            pixels[row * side + x * scale..row * side + (x + 1) * scale].fill(0);
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(|e| ApiError::internal(&e))?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| ApiError::internal(&e))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| ApiError::internal(&e))?;
    writer.finish().map_err(|e| ApiError::internal(&e))?;
    Ok(out)
}
