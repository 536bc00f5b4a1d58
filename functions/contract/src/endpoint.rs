//! What an endpoint is: its id, method, path, parameters, bodies and error codes, declared once
//! (in [`crate::endpoints`]) and read by the server's router, the OpenAPI document, the SAM
//! template and the portal's typed client. After ruma's `Metadata`: the declaration is data, the
//! sides that serve or call it are generic over it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// The part of an endpoint that is plain data.
#[derive(Clone, Copy, Debug)]
pub struct Metadata {
    /// Stable name: the Lambda function, `UPLINE_ROUTE` and the OpenAPI `operationId` use it.
    pub id: &'static str,
    pub method: Method,
    /// API Gateway, axum and OpenAPI share the `{param}` syntax.
    pub path: &'static str,
    pub summary: &'static str,
    /// The status of success.
    pub status: u16,
    /// Another status of success, if the endpoint has one (`PUT` answers 201 when it created, 200
    /// when it changed).
    pub also: Option<u16>,
    /// The codes this endpoint answers besides those every endpoint of its kind may answer
    /// (see [`ErrorCode::common_to`]).
    pub errors: &'static [Declared],
}

/// A code an endpoint answers, with the status it answers it with: the code's own, unless the
/// endpoint says otherwise (more than the balance is a 422 when asked for, a 409 when paying).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared {
    pub code: ErrorCode,
    pub status: u16,
}

/// Bounds that hold for the OpenAPI document's sake only when it is built.
#[cfg(feature = "openapi")]
pub trait Schema: utoipa::ToSchema {}
#[cfg(feature = "openapi")]
impl<T: utoipa::ToSchema> Schema for T {}
#[cfg(not(feature = "openapi"))]
pub trait Schema {}
#[cfg(not(feature = "openapi"))]
impl<T> Schema for T {}

#[cfg(feature = "openapi")]
pub trait Params: utoipa::IntoParams {}
#[cfg(feature = "openapi")]
impl<T: utoipa::IntoParams> Params for T {}
#[cfg(not(feature = "openapi"))]
pub trait Params {}
#[cfg(not(feature = "openapi"))]
impl<T> Params for T {}

pub trait Endpoint: 'static {
    const META: Metadata;
    /// The `{param}`s of the path, as a struct ([`NoParams`] for none).
    type Path: PathArgs + Params + 'static;
    /// The query string's parameters ([`NoParams`] for none). Unknown ones are refused.
    type Query: QueryArgs + Params + DeserializeOwned + 'static;
    /// The JSON body ([`NoBody`] for none).
    type Request: Serialize + DeserializeOwned + Schema + 'static;
    /// The JSON answer ([`NoContent`] for a 204).
    type Response: Serialize + DeserializeOwned + Schema + 'static;
}

/// A type that reads part of an answer of type `T`: the portal decodes only what a page shows,
/// which keeps the decoder of the whole type out of that page's wasm.
pub trait ViewOf<T> {}
impl<T> ViewOf<T> for T {}
impl ViewOf<crate::Program> for crate::ProgramBasics {}
impl ViewOf<crate::RegisterResponse> for crate::TokenResponse {}

/// An endpoint that takes no JSON body. Sent as `{}` by a POST that carries no input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

/// An answer without a body (204).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoContent;

/// A body that is not JSON: the terms PDF going up, the QR code image or this document coming
/// back. The OpenAPI document names its media types from the endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotJson;

/// A JSON answer this contract does not describe: the OpenAPI document itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnyJson;

/// No path or query parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[cfg(feature = "openapi")]
impl utoipa::IntoParams for NoParams {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        Vec::new()
    }
}

/// The values of a path's `{param}`s, by name.
pub trait PathArgs {
    fn args(&self) -> Vec<(&'static str, &str)>;
}

/// The query string's pairs, leaving out those not set.
pub trait QueryArgs {
    fn pairs(&self) -> Vec<(&'static str, &str)>;
}

impl PathArgs for NoParams {
    fn args(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

impl QueryArgs for NoParams {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }
}

/// The path of a call, its `{param}`s filled in (each percent-encoded by `encode`) and its query
/// appended. Not generic, so every endpoint shares one copy of it in the portal's wasm.
pub fn url(
    template: &str,
    args: &[(&'static str, &str)],
    pairs: &[(&'static str, &str)],
    encode: &dyn Fn(&str) -> String,
) -> String {
    let mut url = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        url.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let name = &rest[start + 1..end];
        if let Some((_, value)) = args.iter().find(|(n, _)| *n == name) {
            url.push_str(&encode(value));
        }
        rest = &rest[(end + 1).min(rest.len())..];
    }
    url.push_str(rest);
    let mut separator = '?';
    for (name, value) in pairs {
        url.push(separator);
        url.push_str(name);
        url.push('=');
        url.push_str(&encode(value));
        separator = '&';
    }
    url
}

/// Every code an error body's `code` can hold: stable snake_case strings, each with one status.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $status:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub const fn code(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            pub const fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                }
            }

            pub const fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => concat!($($doc),*),)*
                }
            }
        }
    };
}

error_codes! {
    /// The query string is not well formed (a repeated parameter).
    InvalidQuery = "invalid_query", 400;
    /// The body is not valid JSON.
    MalformedJson = "malformed_json", 400;
    /// No valid session token or API key.
    Unauthorized = "unauthorized", 401;
    /// Wrong email or password.
    InvalidCredentials = "invalid_credentials", 401;
    /// The account has two-factor login: send `totp`.
    TotpRequired = "totp_required", 401;
    /// The two-factor code is wrong or used.
    InvalidTotp = "invalid_totp", 401;
    /// The caller lacks the permission the route takes (the message names it).
    Forbidden = "forbidden", 403;
    /// The request's `Origin` is not one of the program's `widget_origins`.
    OriginNotAllowed = "origin_not_allowed", 403;
    /// The email is not confirmed yet.
    EmailUnconfirmed = "email_unconfirmed", 403;
    /// The program requires two-factor login of staff: set it up first.
    TwoFactorSetupRequired = "two_factor_setup_required", 403;
    /// Nothing of that id (or not one the caller may see).
    NotFound = "not_found", 404;
    /// The token is unknown, used or expired.
    TokenNotFound = "token_not_found", 404;
    /// A concurrent change won; read again and retry.
    Conflict = "conflict", 409;
    /// Busy: try again.
    TryAgain = "try_again", 409;
    /// The slug is taken.
    SlugTaken = "slug_taken", 409;
    /// The email is taken in this program.
    EmailTaken = "email_taken", 409;
    /// The external id is taken in this program.
    ExternalIdTaken = "external_id_taken", 409;
    /// The change would make a loop in the structure.
    Cycle = "cycle", 409;
    /// The user is a partner of this program already.
    AlreadyJoined = "already_joined", 409;
    /// The invited person is a member already.
    AlreadyMember = "already_member", 409;
    /// The lead is registered already.
    AlreadyRegistered = "already_registered", 409;
    /// The email is confirmed already.
    AlreadyConfirmed = "already_confirmed", 409;
    /// The user has no partner in this program.
    NotAPartner = "not_a_partner", 409;
    /// Staff cannot change their own permissions.
    OwnPermissions = "own_permissions", 409;
    /// Staff cannot adjust their own wallet.
    OwnWallet = "own_wallet", 409;
    /// The owner keeps every permission.
    OwnerKeepsPermissions = "owner_keeps_permissions", 409;
    /// The supervisor has not joined yet.
    SupervisorNotJoined = "supervisor_not_joined", 409;
    /// The balance does not cover the amount.
    InsufficientBalance = "insufficient_balance", 409;
    /// A payout request is open already.
    PayoutOpen = "payout_open", 409;
    /// The payout is decided already.
    PayoutNotOpen = "payout_not_open", 409;
    /// The program's webhook limit is reached.
    TooManyWebhooks = "too_many_webhooks", 409;
    /// Two-factor login is on already.
    TotpEnabled = "totp_enabled", 409;
    /// Two-factor login is off.
    TotpNotEnabled = "totp_not_enabled", 409;
    /// No two-factor setup was started.
    NoTotpSetup = "no_totp_setup", 409;
    /// Turn your own two-factor login on before requiring it of staff.
    TwoFactorFirst = "two_factor_first", 409;
    /// The body is larger than allowed.
    PayloadTooLarge = "payload_too_large", 413;
    /// The file is larger than allowed.
    TooLarge = "too_large", 413;
    /// Send `Content-Type: application/json`.
    UnsupportedMediaType = "unsupported_media_type", 415;
    /// One field is invalid; `field` names it.
    InvalidField = "invalid_field", 422;
    /// The click is older than the program's attribution window: it attributes nothing.
    AttributionExpired = "attribution_expired", 422;
    /// The amount is below the program's minimum payout.
    BelowMinimum = "below_minimum", 422;
    /// Too many failed logins: wait for `Retry-After`.
    TooManyAttempts = "too_many_attempts", 429;
    /// Too many tenant signups from this address.
    TooManySignups = "too_many_signups", 429;
    /// Too many registrations from this address.
    TooManyRegistrations = "too_many_registrations", 429;
    /// Too many invitations this hour or day.
    TooManyInvitations = "too_many_invitations", 429;
    /// Too many emails asked for.
    TooManyEmails = "too_many_emails", 429;
    /// Too many clicks or leads from this address for this program: wait for `Retry-After`.
    TooManyRequests = "too_many_requests", 429;
    /// Something failed on our side.
    Internal = "internal", 500;
    /// Busy: retry.
    Unavailable = "unavailable", 503;
}

impl ErrorCode {
    /// The codes any endpoint of this shape may answer: authentication for a guarded one, the
    /// body's codes for one that takes JSON, `not_found` for one with an id in its path.
    pub fn common_to(meta: &Metadata, guarded: bool, body: BodyKind) -> Vec<ErrorCode> {
        let mut codes = Vec::new();
        if guarded {
            codes.extend([
                ErrorCode::Unauthorized,
                ErrorCode::Forbidden,
                ErrorCode::EmailUnconfirmed,
                ErrorCode::TwoFactorSetupRequired,
            ]);
        }
        match body {
            BodyKind::None => {}
            BodyKind::Json => codes.extend([
                ErrorCode::MalformedJson,
                ErrorCode::PayloadTooLarge,
                ErrorCode::UnsupportedMediaType,
            ]),
            BodyKind::File => codes.extend([ErrorCode::UnsupportedMediaType]),
        }
        // A query parameter the endpoint does not know is refused by name, on any endpoint.
        codes.push(ErrorCode::InvalidField);
        if meta.path.contains('{') {
            codes.push(ErrorCode::NotFound);
        }
        codes.extend([ErrorCode::InvalidQuery, ErrorCode::Unavailable]);
        codes
    }
}

/// What an endpoint's request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Json,
    /// A file ([`NotJson`]): its own limit and media type.
    File,
}

impl BodyKind {
    /// What a request of type `T` carries: [`NoBody`] nothing, [`NotJson`] a file, else JSON.
    pub fn of<T: 'static>() -> BodyKind {
        use std::any::TypeId;
        if TypeId::of::<T>() == TypeId::of::<NoBody>() {
            BodyKind::None
        } else if TypeId::of::<T>() == TypeId::of::<NotJson>() {
            BodyKind::File
        } else {
            BodyKind::Json
        }
    }
}

/// Registers a type's schema (and those it refers to) and returns its name.
#[cfg(feature = "openapi")]
pub fn schema_of<T: utoipa::ToSchema>(
    schemas: &mut Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) -> String {
    T::schemas(schemas);
    let name = T::name().into_owned();
    schemas.push((name.clone(), <T as utoipa::PartialSchema>::schema()));
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_fills_its_params_and_appends_the_query() {
        let encode = |s: &str| s.replace(' ', "%20");
        assert_eq!(
            url(
                "/v1/partners/{id}/wallet/entries",
                &[("id", "p 1")],
                &[("cursor", "x"), ("limit", "5")],
                &encode
            ),
            "/v1/partners/p%201/wallet/entries?cursor=x&limit=5"
        );
        assert_eq!(url("/v1/me", &[], &[], &encode), "/v1/me");
    }

    #[test]
    fn error_codes_are_unique() {
        let codes: std::collections::HashSet<_> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), ErrorCode::ALL.len());
    }
}
