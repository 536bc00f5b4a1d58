//! Serving an endpoint of `upline_contract::endpoints`: its body and query as the declared types,
//! its answer as [`Reply<E>`], and the mounting that lets the compiler check a handler against
//! the declaration (a handler for `RequestPayout` cannot take another endpoint's body or return
//! another's answer).

use crate::AppState;
use crate::auth::{Caller, SessionUser};
use crate::error::ApiError;
use crate::extract::PathParam;
use crate::throttle::ClientIp;
use axum::Json;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use std::future::Future;
use upline_contract::endpoint::BodyKind;
use upline_contract::{AnyJson, Endpoint, ErrorCode, Method, NotJson};

/// The JSON body of endpoint `E`: its declared request type, with the error contract for a body
/// that is not one (415, 413, 400, 422 naming the field, an unknown field too).
pub struct Body<E: Endpoint>(pub E::Request);

impl<E: Endpoint> FromRequest<AppState> for Body<E> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        crate::extract::JsonBody::<E::Request>::from_request(request, state)
            .await
            .map(|body| Body(body.0))
    }
}

/// The query string of endpoint `E`, as its declared type: an unknown parameter is a 422 naming
/// it, a repeated one a 400.
pub struct Params<E: Endpoint>(pub E::Query);

impl<E: Endpoint> FromRequestParts<AppState> for Params<E> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or("")).map(Params)
    }
}

pub fn parse_query<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    let mut seen = std::collections::HashSet::new();
    for (name, _) in pairs {
        if !seen.insert(name.clone()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidQuery,
                format!("`{name}` is given more than once"),
            ));
        }
    }
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|err| {
        let message = err.inner().to_string();
        let field = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
            .unwrap_or_else(|| err.path().to_string());
        if message.starts_with("unknown field") {
            ApiError::invalid(field, "is not a parameter of this endpoint")
        } else {
            ApiError::invalid(field, message)
        }
    })
}

/// What a handler of `E` answers: the declared response, with the declared status unless the
/// handler says otherwise (`PUT /v1/deals/{id}` answers 201 or 200).
pub struct Reply<E: Endpoint> {
    status: Option<StatusCode>,
    headers: HeaderMap,
    body: Answer<E::Response>,
}

enum Answer<T> {
    Json(T),
    /// Built by the handler (the QR image, the OpenAPI document).
    Raw(Response),
}

impl<E: Endpoint> Reply<E> {
    pub fn ok(body: E::Response) -> Self {
        Reply {
            status: None,
            headers: HeaderMap::new(),
            body: Answer::Json(body),
        }
    }

    pub fn with_status(status: StatusCode, body: E::Response) -> Self {
        Reply {
            status: Some(status),
            headers: HeaderMap::new(),
            body: Answer::Json(body),
        }
    }

    /// The answer with one more header.
    pub fn with_header(mut self, name: axum::http::HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }
}

/// An answer the handler builds itself, not JSON of a declared type.
pub trait RawAnswer {}
impl RawAnswer for NotJson {}
impl RawAnswer for AnyJson {}

impl<E: Endpoint> Reply<E>
where
    E::Response: RawAnswer,
{
    pub fn raw(response: impl IntoResponse) -> Self {
        Reply {
            status: None,
            headers: HeaderMap::new(),
            body: Answer::Raw(response.into_response()),
        }
    }
}

impl<E: Endpoint> IntoResponse for Reply<E> {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or_else(|| {
            StatusCode::from_u16(E::META.status).expect("declared statuses are valid")
        });
        let mut response = match self.body {
            Answer::Raw(response) => response,
            Answer::Json(_) if status == StatusCode::NO_CONTENT => status.into_response(),
            Answer::Json(body) => (status, Json(body)).into_response(),
        };
        response.headers_mut().extend(self.headers);
        response
    }
}

/// An argument a handler of `E` may take: the shared extractors, and only `E`'s own body and
/// query.
pub trait ArgOf<E> {}
impl<E> ArgOf<E> for State<AppState> {}
impl<E> ArgOf<E> for Caller {}
impl<E> ArgOf<E> for SessionUser {}
impl<E> ArgOf<E> for ClientIp {}
impl<E> ArgOf<E> for HeaderMap {}
impl<E> ArgOf<E> for PathParam {}
impl<E> ArgOf<E> for crate::widget_site::WidgetSite {}
impl<E> ArgOf<E> for crate::embed_token::EmbedCaller {}
/// A body that is not JSON (the terms PDF), streamed by the handler.
impl<E: Endpoint<Request = NotJson>> ArgOf<E> for axum::body::Body {}
impl<E: Endpoint> ArgOf<E> for Body<E> {}
impl<E: Endpoint> ArgOf<E> for Params<E> {}

/// A handler of endpoint `E`: every argument is one `E` may take, and it answers `Reply<E>`.
pub trait HandlerFor<E, Args> {}

macro_rules! handler_for {
    ($($arg:ident),*) => {
        impl<F, Fut, E, $($arg,)*> HandlerFor<E, ($($arg,)*)> for F
        where
            E: Endpoint,
            F: FnOnce($($arg),*) -> Fut,
            Fut: Future<Output = Result<Reply<E>, ApiError>>,
            $($arg: ArgOf<E>,)*
        {
        }
    };
}

handler_for!();
handler_for!(A1);
handler_for!(A1, A2);
handler_for!(A1, A2, A3);
handler_for!(A1, A2, A3, A4);
handler_for!(A1, A2, A3, A4, A5);

/// The method router of endpoint `E`, at its declared method, served by `handler`.
pub fn mount<E, Args, T, H>(handler: H) -> MethodRouter<AppState>
where
    E: Endpoint,
    H: HandlerFor<E, Args> + Handler<T, AppState>,
    T: 'static,
{
    let filter = match E::META.method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Delete => MethodFilter::DELETE,
    };
    let router = on(filter, handler);
    if BodyKind::of::<E::Request>() == BodyKind::File {
        // Files have their own limit, checked by the handler as it reads.
        router.layer(DefaultBodyLimit::disable())
    } else {
        router
    }
}

/// The `http` method of a declared one.
pub const fn http_method(method: Method) -> axum::http::Method {
    match method {
        Method::Get => axum::http::Method::GET,
        Method::Post => axum::http::Method::POST,
        Method::Put => axum::http::Method::PUT,
        Method::Delete => axum::http::Method::DELETE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upline_contract::PartnerListQuery;

    #[test]
    fn an_unknown_query_parameter_is_a_422_naming_it() {
        let err = parse_query::<PartnerListQuery>("scope=all&sope=x").unwrap_err();
        assert_eq!(
            (err.status, err.field.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("sope"))
        );
    }

    #[test]
    fn a_repeated_query_parameter_is_a_400() {
        let err = parse_query::<PartnerListQuery>("limit=1&limit=2").unwrap_err();
        assert_eq!(
            (err.status, err.code),
            (StatusCode::BAD_REQUEST, ErrorCode::InvalidQuery)
        );
    }

    #[test]
    fn known_query_parameters_parse() {
        let query = parse_query::<PartnerListQuery>("scope=all&limit=5").unwrap();
        assert_eq!(
            (query.scope.as_deref(), query.limit.as_deref()),
            (Some("all"), Some("5"))
        );
    }
}
