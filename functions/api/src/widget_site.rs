//! The gate of the capture endpoints the widget calls from a tenant's site
//! (`POST /v1/public/clicks`, `POST /v1/public/leads`): the body names the program, and the
//! request's `Origin` must be one of that program's `widget_origins`.
//!
//! The gate reads the program once and hands it to the handler. Allowed origins get CORS
//! headers on every answer (errors too, so the widget can read a 422 or a 429); any other gets
//! 403 `origin_not_allowed` without them. A preflight names no program, so it is answered for
//! any well-formed origin: the request that follows is the one checked. `Origin` is only what a
//! browser says; scripts can send any. The check keeps the program's capture to its own sites
//! in browsers; the throttles are what bound everyone else.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use upline_contract::{ErrorCode, Program};
use upline_store::tenants::TenantRecord;

/// The program a capture request named, and the site (an allowed origin) it came from.
#[derive(Clone, Debug)]
pub struct WidgetSite {
    pub tenant: TenantRecord,
    pub program: Program,
    pub origin: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for WidgetSite {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<WidgetSite>()
            .cloned()
            .ok_or_else(|| {
                ApiError::invalid("program", "must name the program (its slug or tenant id)")
            })
    }
}

/// Capture bodies are a few hundred bytes.
const MAX_CAPTURE_BYTES: usize = 16 * 1024;

fn origin_of(request: &Request) -> Option<String> {
    let origin = request.headers().get(ORIGIN)?.to_str().ok()?;
    crate::handlers::program::is_origin(origin).then(|| origin.to_ascii_lowercase())
}

fn refused() -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::OriginNotAllowed,
        "this page's origin is not one of the program's widget_origins",
    )
    .into_response()
}

/// `Access-Control-Allow-Origin` for one origin, and that the answer varies with it.
fn allow(response: &mut Response, origin: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After"),
    );
}

/// The answer to a preflight of a capture endpoint.
pub async fn preflight(request: Request) -> Response {
    let Some(origin) = origin_of(&request) else {
        return refused();
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    allow(&mut response, &origin);
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

/// The gate: the program the body names, the origin checked against it.
pub async fn gate(state: AppState, request: Request, next: Next) -> Response {
    if request.method() == axum::http::Method::OPTIONS {
        return next.run(request).await;
    }
    let Some(origin) = origin_of(&request) else {
        return refused();
    };
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_CAPTURE_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("the body is over {MAX_CAPTURE_BYTES} bytes"),
            )
            .into_response();
        }
    };
    // Only `program` is read here; the handler's own extractor checks the whole body (and
    // names the field at fault), so a body without it goes on to say so.
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedJson,
            "the body is not valid JSON",
        )
        .into_response();
    };
    let named = body
        .get("program")
        .and_then(|p| p.as_str())
        .map(str::to_owned);
    if let Some(program) = named {
        match crate::handlers::program::named_program(&state, &program).await {
            Ok(Some((tenant, program))) => {
                let allowed = program
                    .widget_origins
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(&origin));
                if !allowed {
                    return refused();
                }
                parts.extensions.insert(WidgetSite {
                    tenant,
                    program,
                    origin: origin.clone(),
                });
            }
            // Not known to be an allowed site: no CORS headers, readable only as a failure.
            Ok(None) => return ApiError::invalid("program", "is no program").into_response(),
            Err(error) => return error.into_response(),
        }
    }
    let had_program = parts.extensions.get::<WidgetSite>().is_some();
    let mut response = next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await;
    if had_program {
        allow(&mut response, &origin);
    }
    response
}
