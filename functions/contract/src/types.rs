//! Request and response bodies, endpoint by endpoint, in the order of docs/API.md.

use crate::ids::{ApiKeyId, EntryId, PartnerId, TenantId, UserId};
use crate::money::{Amount, Currency};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A page of a list: `next_cursor` is passed back as `?cursor=` for the next page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Named `Page<User>`, `Page<Partner>`, … in the OpenAPI document: one schema per item type.
#[cfg(feature = "openapi")]
impl<T: ToSchema> utoipa::PartialSchema for Page<T> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(utoipa::openapi::Ref::from_schema_name(T::name())),
            )
            .required("items")
            .property(
                "next_cursor",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some(
                        "Passed back as `?cursor=` for the next page; null on the last.",
                    )),
            )
            .into()
    }
}

#[cfg(feature = "openapi")]
impl<T: ToSchema> ToSchema for Page<T> {
    fn name() -> std::borrow::Cow<'static, str> {
        format!("{}Page", T::name()).into()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

// ---------------------------------------------------------------- tenants and accounts

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    /// `^[a-z0-9-]{3,40}$`, unique.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9-]{3,40}$"))]
    pub slug: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s]([^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u001f\\u007f-\\u009f\\s])?$"
        )
    )]
    pub name: String,
    pub currency: Currency,
    pub owner: NewAccount,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/]([^\\u0000-\\u001f\\u007f-\\u009f@.:/]*[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/])?$"
        )
    )]
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub currency: Currency,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateTenantResponse {
    pub tenant: Tenant,
    /// A session token of the owner.
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The tenant's slug.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9-]{3,40}$"))]
    pub tenant: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub password: String,
    /// The 6-digit code of the user's authenticator, when two-factor login is on (without it
    /// such a login answers 401 `totp_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{6}$"))]
    pub totp: Option<String>,
}

/// Turning two-factor login on: the secret for an authenticator app (also as an `otpauth://`
/// URL, for a QR code). It is on once a code from it is confirmed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpSetup {
    /// Base32, as authenticator apps take it.
    pub secret: String,
    pub otpauth_url: String,
    /// `otpauth_url` as a QR code (SVG) for the authenticator app to scan.
    pub qr_svg: String,
}

/// A 6-digit code from the authenticator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{6}$"))]
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpStatus {
    pub enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenResponse {
    pub token: String,
    /// The tenant requires two-factor login of staff and this user has not turned it on yet:
    /// the session may only do that (`POST /v1/me/totp`, confirm) until they do.
    #[serde(default)]
    pub two_factor_setup_required: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Participate,
    ViewAllPartners,
    ManageBalances,
    InviteLevelZero,
    ConfigureProgram,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Permission::Participate,
        Permission::ViewAllPartners,
        Permission::ManageBalances,
        Permission::InviteLevelZero,
        Permission::ConfigureProgram,
    ];

    /// Any of these makes a user staff: the portal's staff views, the API's staff-only reads.
    pub const STAFF: [Permission; 3] = [
        Permission::ViewAllPartners,
        Permission::ManageBalances,
        Permission::ConfigureProgram,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Participate => "participate",
            Permission::ViewAllPartners => "view_all_partners",
            Permission::ManageBalances => "manage_balances",
            Permission::InviteLevelZero => "invite_level_zero",
            Permission::ConfigureProgram => "configure_program",
        }
    }

    pub fn parse(text: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub email_confirmed: bool,
    pub permissions: Vec<Permission>,
    /// Set once the user joined the program.
    #[serde(default)]
    pub partner_id: Option<PartnerId>,
    /// The staff structure (not the partner tree).
    #[serde(default)]
    pub supervisor_id: Option<UserId>,
    pub created_at: String,
    /// The language of the emails this user gets.
    #[serde(default)]
    pub language: Language,
    /// Whether logging in needs an authenticator's code.
    #[serde(default)]
    pub two_factor: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The tenant's slug.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9-]{3,40}$"))]
    pub tenant: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/]([^\\u0000-\\u001f\\u007f-\\u009f@.:/]*[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/])?$"
        )
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^\\+?[0-9]{6,15}$"))]
    pub phone: Option<String>,
    /// Must be true when the program has terms.
    #[serde(default)]
    pub accept_terms: bool,
    /// The sponsor's code (from `/r/<code>` or `?ref=`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[2-9A-HJ-NP-Z]{8}$"))]
    pub referral_code: Option<String>,
    /// From `/register?invitation=<token>`: the sponsor is the inviter and the email counts as
    /// confirmed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{20,100}$"))]
    pub invitation_token: Option<String>,
    /// The language of the emails this person gets (`en`, `pl`, `ru`, `uk`); English if unset.
    #[serde(default)]
    pub language: Option<Language>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RegisterResponse {
    /// A session token: the new partner is logged in.
    pub token: String,
    pub partner: Partner,
}

/// A token from an email link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailTokenRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{20,100}$"))]
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9-]{3,40}$"))]
    pub tenant: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{20,100}$"))]
    pub token: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: String,
}

/// A plain acknowledgement (`{"status":"ok"}`, `{"status":"accepted"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Ack {
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    pub user: User,
    pub partner: Option<Partner>,
    pub tenant: Tenant,
    /// As at login: this session may only turn two-factor login on until it is on.
    #[serde(default)]
    pub two_factor_setup_required: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/]([^\\u0000-\\u001f\\u007f-\\u009f@.:/]*[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/])?$"
        )
    )]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 256))]
    pub password: String,
    /// Only permissions the creator holds may be granted.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    #[serde(default)]
    pub supervisor_id: Option<UserId>,
    /// The language of the emails this person gets (`en`, `pl`, `ru`, `uk`); English if unset.
    #[serde(default)]
    pub language: Option<Language>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetSupervisorRequest {
    pub supervisor_id: Option<UserId>,
}

/// A staff user's permissions, whole: what is not listed is taken away.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPermissionsRequest {
    pub permissions: Vec<Permission>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    #[serde(default)]
    pub accept_terms: bool,
}

// ---------------------------------------------------------------- program and plan

/// What makes a rule earn.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The deal *enters* this pipeline status.
    DealStatus(String),
    Event(EventKind),
}

impl Trigger {
    /// A stable name for the rule, recorded on every entry it produced: `deal_status:won`.
    pub fn key(&self) -> String {
        match self {
            Trigger::DealStatus(status) => format!("deal_status:{status}"),
            Trigger::Event(event) => format!("event:{}", event.as_str()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    LeadCreated,
    ClientRegistered,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::LeadCreated => "lead_created",
            EventKind::ClientRegistered => "client_registered",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        [EventKind::LeadCreated, EventKind::ClientRegistered]
            .into_iter()
            .find(|e| e.as_str() == text)
    }
}

/// What one level up the chain earns: a percent of the deal amount or a fixed amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LevelReward {
    /// Percent units: `"12.5"` is 12.5 %.
    Percent(Amount),
    Fixed(Amount),
}

/// Level 1's percent by turnover: the tier with the largest `from` ≤ turnover applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Tier {
    pub from: Amount,
    pub percent: Amount,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Rule {
    pub on: Trigger,
    /// `levels[0]` is the referring partner, `levels[1]` their sponsor, and so on.
    pub levels: Vec<LevelReward>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<Tier>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Plan {
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Program {
    pub currency: Currency,
    pub min_payout: Amount,
    pub open_signup: bool,
    /// e.g. `P-{seq:05}`; `{seq}` is the tenant's partner counter.
    pub external_id_template: String,
    pub plan: Plan,
    pub reversal_statuses: Vec<String>,
    pub widget_origins: Vec<String>,
    /// Where a referral link (`/r/{code}`) sends a visitor, with `?ref=` and the click's id;
    /// none: the link opens the portal's registration.
    #[serde(default)]
    pub landing_url: Option<String>,
    /// How long a click or a remembered referral attributes what follows, in days (1–365).
    #[serde(default = "default_attribution_window_days")]
    pub attribution_window_days: u32,
    #[serde(default = "default_attribution_model")]
    pub attribution_model: crate::AttributionModel,
    /// The label of the widget's lead form consent checkbox (plain text); none: the widget's
    /// own wording in the page's language.
    #[serde(default)]
    pub lead_consent_text: Option<String>,
    /// How long an accrual stays pending before a payout may take it, in days (0–365; 0: at
    /// once). Refunds inside it take the money back before it was ever spendable.
    #[serde(default)]
    pub hold_days: u32,
    /// The current terms (a PDF); joining needs accepting them. Set by `PUT /v1/program/terms`.
    #[serde(default)]
    pub terms: Option<Terms>,
    /// Staff (anyone holding a staff permission) must log in with two-factor login; one who has
    /// not turned it on gets a session that can only turn it on.
    #[serde(default)]
    pub staff_two_factor_required: bool,
}

pub const DEFAULT_ATTRIBUTION_WINDOW_DAYS: u32 = 60;

/// The longest hold period a program may set.
pub const MAX_HOLD_DAYS: u32 = 365;

fn default_attribution_window_days() -> u32 {
    DEFAULT_ATTRIBUTION_WINDOW_DAYS
}

fn default_attribution_model() -> crate::AttributionModel {
    crate::AttributionModel::Last
}

/// What a partner's pages read of `GET /v1/program`: the payout minimum and the terms to accept.
/// The answer is a whole [`Program`]; decoding only this leaves the plan, whose decoder a
/// partner's download would otherwise carry, unread.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProgramBasics {
    pub currency: Currency,
    pub min_payout: Amount,
    #[serde(default)]
    pub terms: Option<Terms>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Terms {
    /// Recorded on each partner who accepts.
    pub version: String,
    pub url: String,
    pub uploaded_at: String,
}

/// `PUT /v1/program`: every field is optional; what is left out keeps its value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateProgramRequest {
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default)]
    pub min_payout: Option<Amount>,
    #[serde(default)]
    pub open_signup: Option<bool>,
    #[serde(default)]
    pub external_id_template: Option<String>,
    #[serde(default)]
    pub plan: Option<Plan>,
    #[serde(default)]
    pub reversal_statuses: Option<Vec<String>>,
    #[serde(default)]
    pub widget_origins: Option<Vec<String>>,
    /// `https://…` (or `http://` on a loopback address); an empty string removes it.
    #[serde(default)]
    pub landing_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
    #[serde(default)]
    pub attribution_window_days: Option<u32>,
    #[serde(default)]
    pub attribution_model: Option<crate::AttributionModel>,
    /// Plain text, at most 500 characters; an empty string removes it.
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    #[serde(default)]
    pub lead_consent_text: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 365))]
    #[serde(default)]
    pub hold_days: Option<u32>,
    /// Turning it on needs two-factor login on for the caller first (409 `two_factor_first`).
    #[serde(default)]
    pub staff_two_factor_required: Option<bool>,
}

// ---------------------------------------------------------------- partners

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePartnerRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/]([^\\u0000-\\u001f\\u007f-\\u009f@.:/]*[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/])?$"
        )
    )]
    pub name: String,
    #[serde(default)]
    pub sponsor_id: Option<PartnerId>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
    pub external_id: Option<String>,
    /// The language of the emails this person gets (`en`, `pl`, `ru`, `uk`); English if unset.
    #[serde(default)]
    pub language: Option<Language>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Partner {
    pub id: PartnerId,
    pub user_id: Option<UserId>,
    pub name: String,
    pub email: String,
    pub referral_code: String,
    /// Path of the portal's referral route: `/r/<referral_code>`.
    pub referral_link: String,
    pub external_id: String,
    pub sponsor_id: Option<PartnerId>,
    /// 0 for a partner with nobody above them.
    pub depth: u32,
    pub status: String,
    pub joined_at: String,
    /// The terms version accepted on joining.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_version: Option<String>,
    /// In a downline listing: levels below the partner who asked (1 = their direct referral).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// In the list of all partners, for a caller who manages balances: the wallet's balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<Amount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetSponsorRequest {
    /// The new sponsor, or null for the top of the structure.
    #[serde(default)]
    pub sponsor_id: Option<PartnerId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateInvitationRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/]([^\\u0000-\\u001f\\u007f-\\u009f@.:/]*[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/])?$"
        )
    )]
    pub first_name: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/]([^\\u0000-\\u001f\\u007f-\\u009f@.:/]*[^\\u0000-\\u001f\\u007f-\\u009f\\s@.:/])?$"
        )
    )]
    pub last_name: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^\\+?[0-9]{6,15}$"))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub subject: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub body: Option<String>,
    /// Invite someone with nobody above them (needs `invite_level_zero`).
    #[serde(default)]
    pub level_zero: bool,
    /// The language of the emails this person gets (`en`, `pl`, `ru`, `uk`); English if unset.
    #[serde(default)]
    pub language: Option<Language>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationCreated {
    pub id: String,
    pub expires_at: String,
}

/// What the registration form is prefilled with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationPrefill {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub tenant: Tenant,
    pub inviter_name: String,
    /// The program's terms, to show before accepting.
    pub terms: Option<Terms>,
}

// ---------------------------------------------------------------- deals and commissions

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateLeadRequest {
    /// The code of the partner who brought the lead in.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[2-9A-HJ-NP-Z]{8}$"))]
    pub referral_code: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s]([^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u001f\\u007f-\\u009f\\s])?$"
        )
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^\\+?[0-9]{6,15}$"))]
    pub phone: Option<String>,
    /// Where it came from (`widget`, `crm`, a campaign…).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LeadCreated {
    pub id: String,
    pub partner_id: PartnerId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Lead {
    pub id: String,
    pub partner_id: PartnerId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub created_at: String,
    /// When the lead became a client (`POST /v1/leads/{id}/registered`).
    pub registered_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutDealRequest {
    pub amount: Amount,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9_-]{1,40}$"))]
    pub status: String,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default)]
    pub lead_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[2-9A-HJ-NP-Z]{8}$"))]
    pub referral_code: Option<String>,
    #[serde(default)]
    pub partner_id: Option<PartnerId>,
    /// A click of `POST /v1/public/clicks` or `/r/{code}` (the widget's `upline.referral`):
    /// attributes the deal to the click's partner within the program's attribution window.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^ck_[a-z0-9]{26}_pt_[A-Za-z0-9_]{1,61}$")
    )]
    pub click_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StatusChange {
    /// 1 for the status the deal was created with, then one more per change.
    pub seq: u64,
    pub from: Option<String>,
    pub to: String,
    pub amount: Amount,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Deal {
    pub external_id: String,
    pub amount: Amount,
    pub currency: Currency,
    pub status: String,
    pub partner_id: PartnerId,
    pub created_at: String,
    pub updated_at: String,
    pub history: Vec<StatusChange>,
    /// What the deal has earned and not had reversed, per partner and level (the wallets'
    /// entries keep the whole history of credits and reversals).
    pub commissions: Vec<Commission>,
}

/// A deal in a list: what it is, and what it has earned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DealSummary {
    pub external_id: String,
    pub amount: Amount,
    pub currency: Currency,
    pub status: String,
    /// The partner the deal is attributed to.
    pub partner_id: PartnerId,
    /// Their name, for staff (a partner's own deals are all theirs).
    pub partner_name: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// What the deal has earned and not had reversed: the caller's own share when a partner
    /// asks, every partner's together when staff ask.
    pub earned: Amount,
}

/// One line of what a deal earned (or would earn) one partner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Commission {
    pub partner_id: PartnerId,
    pub level: u32,
    pub amount: Amount,
    /// The rule's key, e.g. `deal_status:won`.
    pub rule: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CommissionPreview {
    pub items: Vec<Commission>,
}

// ---------------------------------------------------------------- wallets

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Wallet {
    pub partner_id: PartnerId,
    /// What a payout may take: every entry that is available.
    pub balance: Amount,
    /// Held accruals (less refunds of them) not yet available; `balance + pending` is the sum
    /// of every entry.
    #[serde(default)]
    pub pending: Amount,
    pub currency: Currency,
    /// A payout request of the partner is waiting for staff (a second one would be refused).
    #[serde(default)]
    pub payout_open: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Accrual,
    Reversal,
    Adjustment,
    Payout,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Accrual => "accrual",
            EntryKind::Reversal => "reversal",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Payout => "payout",
        }
    }

    pub fn parse(text: &str) -> Option<EntryKind> {
        [
            EntryKind::Accrual,
            EntryKind::Reversal,
            EntryKind::Adjustment,
            EntryKind::Payout,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WalletEntry {
    pub id: EntryId,
    pub kind: EntryKind,
    pub amount: Amount,
    pub created_at: String,
    /// `pending` while the program's hold period runs, then `available`.
    #[serde(default)]
    pub status: crate::EntryStatus,
    /// When a pending entry becomes (or became) available; none: it was available at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<String>,
    /// The partner whose deal this came from (level 1 of the walk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_partner_id: Option<PartnerId>,
    /// That partner's name, as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_partner_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who made a manual entry (adjustment, payout): `user:<id>` or `api_key:<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_by: Option<String>,
}

/// A manual change of a wallet by staff: positive credits, negative debits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    pub amount: Amount,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePayoutRequest {
    pub amount: Amount,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RejectPayoutRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Payout {
    pub id: String,
    pub partner_id: PartnerId,
    /// The partner's name, as it is now (in `GET /v1/payouts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_name: Option<String>,
    pub amount: Amount,
    pub currency: Currency,
    pub status: crate::PayoutStatus,
    pub created_at: String,
    pub decided_at: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

// ---------------------------------------------------------------- integrations

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s]([^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u001f\\u007f-\\u009f\\s])?$"
        )
    )]
    pub name: String,
    /// RFC 3339, in the future; none: the key works until it is revoked.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiKeyCreated {
    pub id: ApiKeyId,
    /// `upk_…`: shown once, stored only as a hash.
    pub key: String,
    pub name: String,
    pub expires_at: Option<String>,
}

/// A key as listed: never the secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub created_at: String,
    /// The user who made it; the key stops working when they lose `configure_program`.
    pub created_by: Option<UserId>,
    /// To the hour: a key's use is recorded at most once an hour.
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TenantRef {
    pub id: TenantId,
}

/// The languages Upline speaks: the portal, and the emails picked by the recipient's language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Pl,
    Ru,
    Uk,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::En, Language::Pl, Language::Ru, Language::Uk];

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Pl => "pl",
            Language::Ru => "ru",
            Language::Uk => "uk",
        }
    }

    pub fn parse(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetLanguageRequest {
    pub language: Language,
}

// ---------------------------------------------------------------- webhooks and notifications

/// The events a tenant may subscribe a webhook to.
pub const WEBHOOK_EVENTS: [&str; 7] = [
    "lead.created",
    "deal.updated",
    "commission.created",
    "commission.reversed",
    "payout.requested",
    "payout.paid",
    "payout.rejected",
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// `https://…` (the local cloud also takes `http://`).
    #[cfg_attr(feature = "openapi", schema(pattern = "^https?://", max_length = 2000))]
    pub url: String,
    /// Any of `lead.created`, `deal.updated`, `commission.created`, `commission.reversed`,
    /// `payout.requested`, `payout.paid`, `payout.rejected`.
    pub events: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub created_at: String,
    /// Until when the secret before the last rotation still signs (deliveries carry both).
    pub previous_secret_until: Option<String>,
}

/// The endpoint and its signing secret, shown only here and on rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookCreated {
    pub id: String,
    /// `whsec_<base64>`: verify `webhook-signature` with it (Standard Webhooks).
    pub secret: String,
    pub url: String,
    pub events: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SecretRotated {
    pub secret: String,
    /// The old secret keeps signing until then, so receivers can switch without losing events.
    pub previous_secret_until: String,
}

/// Where a delivery stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeliveryStatus {
    pub status: crate::DeliveryState,
    pub attempts: u64,
    /// The HTTP status or provider message id when sent, the error when not.
    pub last_result: Option<String>,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookDelivery {
    /// The `webhook-id` header: the same on every attempt.
    pub id: String,
    pub event_type: String,
    pub created_at: String,
    /// The body that was (or will be) posted.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    #[serde(flatten)]
    pub delivery: DeliveryStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Notification {
    pub id: String,
    pub template: String,
    pub channel: crate::Channel,
    /// The partner it is for, when it is a partner's notification.
    pub partner_id: Option<PartnerId>,
    /// The address or number it went to, once tried.
    pub to: Option<String>,
    pub created_at: String,
    #[serde(flatten)]
    pub delivery: DeliveryStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutTemplateRequest {
    pub language: Language,
    /// minijinja; variables: name, program_name, link, inviter_name, note, amount, currency,
    /// reward, deal_id, level, from_partner, reason.
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NotificationTemplate {
    pub name: String,
    pub language: Language,
    pub subject: String,
    pub body: String,
    /// True when the tenant wrote it; false for the built-in wording.
    pub custom: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TemplateList {
    pub items: Vec<NotificationTemplate>,
    pub variables: Vec<String>,
}

// ---------------------------------------------------------------- the portal before login

/// `GET /v1/public/programs/{program}` (a slug or a tenant id): what the registration page shows
/// before there is an account. With `?ref=<code>`, who invited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicProgram {
    pub tenant: Tenant,
    pub terms: Option<Terms>,
    pub open_signup: bool,
    /// The name of the partner whose referral code was given; `None` if no such code.
    pub referrer_name: Option<String>,
    /// What the widget on the tenant's site needs: how long a referral is remembered, which
    /// one wins, and the lead form's consent label.
    #[serde(default = "default_attribution_window_days")]
    pub attribution_window_days: u32,
    #[serde(default = "default_attribution_model")]
    pub attribution_model: crate::AttributionModel,
    #[serde(default)]
    pub lead_consent_text: Option<String>,
}

// ---------------------------------------------------------------- on customer sites

/// `POST /v1/public/clicks`: a visit that came with a partner's code, from the widget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublicClickRequest {
    /// The program's slug or tenant id.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
    pub program: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[2-9A-HJ-NP-Z]{8}$"))]
    pub referral_code: String,
    /// The page visited (kept to 2,000 characters).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub url: Option<String>,
    /// The page the visitor came from.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub referrer: Option<String>,
}

/// A click counted (or, from a known bot, not: no id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClickRecorded {
    pub click_id: Option<String>,
}

/// `POST /v1/public/leads`: the widget's lead form, or a tenant's own through `upline('lead')`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublicLeadRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
    pub program: String,
    /// Who brought the lead in: a referral code, or a click (one of them).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[2-9A-HJ-NP-Z]{8}$"))]
    pub referral_code: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^ck_[a-z0-9]{26}_pt_[A-Za-z0-9_]{1,61}$")
    )]
    pub click_id: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 200,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\s]([^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u001f\\u007f-\\u009f\\s])?$"
        )
    )]
    pub name: String,
    /// An email or a phone (at least one).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = "^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+$"
        )
    )]
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^\\+?[0-9]{6,15}$"))]
    pub phone: Option<String>,
    /// Must be `true`: the visitor agreed to be contacted.
    pub consent: bool,
    /// A honeypot: people leave it empty; filled, the answer is 201 and nothing is stored.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub website: Option<String>,
}

/// What a referred lead gets (set by the program's `referred_reward`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReferredReward {
    pub code: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PublicLeadCreated {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<ReferredReward>,
}

/// `POST /v1/embed-tokens` (an API key): a short-lived, read-only token for one partner's panel.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateEmbedTokenRequest {
    /// The partner, by id or by external id (one of them).
    #[serde(default)]
    pub partner_id: Option<PartnerId>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9._:-]{1,128}$"))]
    pub external_id: Option<String>,
    /// 60–3600 (default 900).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 60, maximum = 3600))]
    pub ttl_seconds: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EmbedToken {
    pub token: String,
    pub expires_at: String,
}

pub const DEFAULT_EMBED_TOKEN_SECONDS: u32 = 900;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EmbedPartner {
    pub name: String,
    pub referral_code: String,
    pub referral_link: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EmbedProgram {
    pub name: String,
    pub currency: Currency,
}

/// `GET /v1/embed/me` (an embed token): what the panel on the tenant's site shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EmbedPanel {
    pub partner: EmbedPartner,
    pub program: EmbedProgram,
    /// Partners who joined directly under this one.
    pub referrals: u64,
    pub leads: u64,
    /// Leads that became clients.
    pub clients: u64,
    /// Deals whose status the plan pays on.
    pub deals_won: u64,
    pub balance: Amount,
    /// Earned, not yet available (hold periods); zero without them.
    pub pending: Amount,
    /// What paid payouts took out.
    pub paid_out: Amount,
    /// When the token stops working: the panel shows its expired state then.
    pub expires_at: String,
    /// The referral link as a QR code (SVG), drawn from the link alone.
    pub qr_svg: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programs_answer_reads_as_its_basics() {
        let program = Program {
            currency: "PLN".parse().unwrap(),
            min_payout: "50.00".parse().unwrap(),
            open_signup: true,
            external_id_template: "P-{seq:05}".into(),
            plan: Plan { rules: Vec::new() },
            reversal_statuses: vec!["refunded".into()],
            widget_origins: Vec::new(),
            landing_url: None,
            attribution_window_days: DEFAULT_ATTRIBUTION_WINDOW_DAYS,
            attribution_model: crate::AttributionModel::Last,
            lead_consent_text: None,
            hold_days: 0,
            terms: Some(Terms {
                version: "v2".into(),
                url: "https://example.com/terms.pdf".into(),
                uploaded_at: "2026-12-01T10:00:00Z".into(),
            }),
            staff_two_factor_required: false,
        };
        let basics: ProgramBasics =
            serde_json::from_str(&serde_json::to_string(&program).unwrap()).unwrap();
        assert_eq!(
            basics,
            ProgramBasics {
                currency: program.currency,
                min_payout: program.min_payout,
                terms: program.terms,
            }
        );
    }
}

/// Who made an audited change: a user or an API key, with the name it had then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditActor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<ApiKeyId>,
    /// The user's email or the key's name at the time.
    pub label: String,
}

/// One change staff or an API key made, written in the change's own transaction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEvent {
    pub id: String,
    pub at: String,
    pub actor: AuditActor,
    /// `<thing>.<verb>`: `program.update`, `user.permissions`, `deal.update`, …
    pub action: String,
    /// `program`, `user:<id>`, `partner:<id>`, `deal:<external id>`, `webhook:<id>`, …
    pub target: String,
    /// The changed fields as `{"field": {"from": …, "to": …}}`, or what was made; never a
    /// secret.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}
