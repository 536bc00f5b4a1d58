//! Request extractors that answer bad input with the error contract: the JSON body (415 for
//! another media type, 413 when too large, 400 when malformed, 422 naming the field) and
//! list parameters.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use upline_contract::ErrorCode;

/// JSON bodies are small; anything larger is a mistake or an attack.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "send Content-Type: application/json",
            ));
        }
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("the body is larger than {MAX_JSON_BYTES} bytes"),
            )
        };
        let bytes = axum::body::to_bytes(request.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|_| too_large())?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses JSON, naming the field at fault for a value of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object: serde would otherwise also read a struct from an array, by
    // position (`[null, null]`).
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(ApiError::invalid("body", "must be a JSON object")),
            Err(err) => Err(ApiError::malformed(format!(
                "the body is not valid JSON: {err}"
            ))),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if !inner.is_data() {
            return ApiError::malformed(format!("the body is not valid JSON: {inner}"));
        }
        let message = inner.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        // A missing field is reported at its parent; name the field itself. (An unknown one's
        // path already ends with it.)
        let field = match message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            Some(missing) if path == "." => missing.to_owned(),
            Some(missing) => format!("{path}.{missing}"),
            None if path == "." => "body".to_owned(),
            None => path,
        };
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
            format!("{field}: {message}"),
        )
        .with_field(field)
    })?;
    // Nothing but whitespace may follow the document.
    deserializer
        .end()
        .map_err(|err| ApiError::malformed(format!("the body is not valid JSON: {err}")))?;
    Ok(value)
}

/// One path parameter. Every id Upline makes or accepts (partner, deal, payout, webhook, code,
/// slug) is 1–128 of `A-Z a-z 0-9 - _ . :`; anything else names nothing that exists, and is
/// answered 404 before it reaches a handler or a key.
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let value = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("resource"))?
            .0;
        match upline_domain::validate::external_id(&value) {
            Ok(()) => Ok(PathParam(value)),
            Err(message) => {
                // `PUT /v1/deals/{external_id}` creates at the caller's own id: say what is wrong
                // with it. Any other id names nothing that exists.
                let names_own_id = parts.method == axum::http::Method::PUT
                    && axum::extract::RawPathParams::from_request_parts(parts, state)
                        .await
                        .is_ok_and(|params| params.iter().any(|(name, _)| name == "external_id"));
                Err(if names_own_id {
                    ApiError::invalid("external_id", message)
                } else {
                    ApiError::not_found("resource")
                })
            }
        }
    }
}

/// `?limit=` (1–100, default 50) and `?cursor=` of a list's query.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListParams<'a> {
    pub cursor: Option<&'a str>,
    pub limit: Option<&'a str>,
}

/// A list endpoint's query: its page.
/// A query parameter that takes one of a closed set of words: 422 naming it otherwise.
pub fn word<W: upline_contract::words::Word>(
    field: &str,
    value: Option<&str>,
    expected: fn() -> String,
) -> Result<Option<W>, ApiError> {
    value
        .map(|text| W::parse(text).ok_or_else(|| ApiError::invalid(field, expected())))
        .transpose()
}

pub trait Paged {
    fn page(&self) -> ListParams<'_>;
}

macro_rules! paged {
    ($($query:ty),*) => {$(
        impl Paged for $query {
            fn page(&self) -> ListParams<'_> {
                ListParams {
                    cursor: self.cursor.as_deref(),
                    limit: self.limit.as_deref(),
                }
            }
        }
    )*};
}

paged!(
    upline_contract::ListQuery,
    upline_contract::PartnerListQuery,
    upline_contract::LeadListQuery,
    upline_contract::DealListQuery,
    upline_contract::PayoutListQuery,
    upline_contract::NotificationListQuery,
    upline_contract::AuditQuery
);

impl<'a> ListParams<'a> {
    /// The cursor a previous page returned: an entry id, so short and URL-safe.
    pub fn cursor(&self) -> Result<Option<&'a str>, ApiError> {
        match self.cursor {
            Some(cursor)
                if cursor.is_empty()
                    || cursor.len() > 300
                    || !cursor.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':')
                    }) =>
            {
                Err(ApiError::invalid(
                    "cursor",
                    "is not a cursor this list returned",
                ))
            }
            cursor => Ok(cursor),
        }
    }

    /// An opaque cursor (see `handlers::encode_cursor`), decoded back to its sort key.
    pub fn decoded_cursor(&self) -> Result<Option<String>, ApiError> {
        use base64::Engine;
        let Some(cursor) = self.cursor()? else {
            return Ok(None);
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Some)
            .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this list returned"))
    }

    pub fn limit(&self) -> Result<i32, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(text) => text
                .parse::<i32>()
                .ok()
                .filter(|l| (1..=100).contains(l))
                .ok_or_else(|| ApiError::invalid("limit", "must be a whole number from 1 to 100")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upline_contract::CreateTenantRequest;

    fn field_of(body: &str) -> (StatusCode, Option<String>) {
        let err = parse_json::<CreateTenantRequest>(body.as_bytes()).unwrap_err();
        (err.status, err.field)
    }

    #[test]
    fn an_unknown_field_is_a_422_naming_it() {
        let body = r#"{"slug":"a","name":"A","currency":"EUR","owner":{"email":"a@b.c","password":"p","name":"O","admin":true}}"#;
        assert_eq!(
            field_of(body),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("owner.admin".to_owned())
            )
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_a_422_even_if_its_values_fit_the_fields_in_order() {
        let body = r#"["acme","Acme","EUR",{"email":"a@b.co","password":"x","name":"A"}]"#;
        assert_eq!(
            field_of(body),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("body".into()))
        );
    }

    #[test]
    fn malformed_json_is_a_400() {
        assert_eq!(field_of("{\"slug\":").0, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn trailing_garbage_after_the_document_is_malformed() {
        let body = r#"{"slug":"acme","name":"Acme","currency":"EUR","owner":{"email":"a@b.co","password":"x","name":"A"}} garbage"#;
        assert_eq!(field_of(body).0, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_wrong_value_names_its_path() {
        let body = r#"{"slug":"acme","name":"Acme","currency":"EURO","owner":{"email":"a@b.co","password":"x","name":"A"}}"#;
        assert_eq!(
            field_of(body),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("currency".into()))
        );
    }

    #[test]
    fn a_missing_nested_field_names_the_field() {
        let body = r#"{"slug":"acme","name":"Acme","currency":"EUR","owner":{"email":"a@b.co","name":"A"}}"#;
        assert_eq!(
            field_of(body),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("owner.password".into())
            )
        );
    }
}
