//! Security headers: one place for what the API, the portal and the stored terms send, used by
//! the router (so the Lambda functions and the local cloud answer alike), by the local cloud's
//! static files and by the SAM template's CloudFront response headers policies.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The portal: its own files only. The wasm module needs `'wasm-unsafe-eval'` to compile and
/// nothing else: no inline script or style (app/index.html loads files), no other origin (the
/// API is on the portal's own domain). Data and blob images are the QR code's downloads.
pub const PORTAL_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The API and stored documents (terms): nothing in a response may load, run or be framed, so
/// an SVG or an uploaded file opened directly is inert.
pub const DOCUMENT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Links in the portal carry tokens (set-password, invitations): no page learns them from a
/// Referer.
pub const REFERRER_POLICY: &str = "no-referrer";

/// Two years, with subdomains: sent by CloudFront only (HTTPS); the local cloud is plain HTTP.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The portal's policy for its embedded panel page: the same, framed only by `ancestors` (the
/// program's `widget_origins`; none: not at all).
pub fn embed_csp(ancestors: &[String]) -> String {
    let allowed = if ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        ancestors.join(" ")
    };
    PORTAL_CSP.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors {allowed}"),
    )
}

/// What every portal file is sent with.
pub fn portal_headers() -> [(HeaderName, &'static str); 3] {
    [
        (header::CONTENT_SECURITY_POLICY, PORTAL_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, REFERRER_POLICY),
    ]
}

/// What every API answer is sent with.
pub fn document_headers() -> [(HeaderName, &'static str); 3] {
    [
        (header::CONTENT_SECURITY_POLICY, DOCUMENT_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, REFERRER_POLICY),
    ]
}

/// Middleware: the document headers on every answer, errors and 404s included; a handler that
/// serves a page (the embedded panel's) sets its own policy, which stays.
pub async fn api_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    for (name, value) in document_headers() {
        response
            .headers_mut()
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
