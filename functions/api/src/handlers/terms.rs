//! `PUT /v1/program/terms`: the program's terms as a PDF, kept in S3. Each upload is a new
//! version; partners record the version they accepted. The PDF is served at
//! `/terms/<tenant>/<version>.pdf` (CloudFront in the cloud, the local cloud locally). In the
//! cloud this route runs from its own binary, `upline-terms`, the only one with the S3 SDK.

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::serve::Reply;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use std::future::Future;
use std::pin::Pin;
use upline_contract as c;
use upline_contract::ErrorCode;
use upline_contract::{Permission, TenantId, Terms};
use upline_store::{StoreError, Timestamp};

pub const MAX_TERMS_BYTES: usize = 5 * 1024 * 1024;

/// Where the terms PDFs are kept. The S3 implementation is behind the `s3` feature, so the
/// binary every other endpoint runs from does not carry the S3 SDK (`upline-terms` does).
pub trait TermsStore: Send + Sync {
    fn put<'a>(
        &'a self,
        key: &'a str,
        pdf: Bytes,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

    fn get<'a>(&'a self, key: &'a str) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send + 'a>>;
}

/// The object key of a version, which is also its public path under the portal's domain.
pub fn terms_key(tenant: &TenantId, version: &str) -> String {
    format!("terms/{tenant}/{version}.pdf")
}

/// The terms bucket in S3 (and in the local cloud's S3-compatible store).
#[cfg(feature = "s3")]
#[derive(Clone, Debug)]
pub struct S3Terms {
    pub client: aws_sdk_s3::Client,
    pub bucket: String,
}

#[cfg(feature = "s3")]
impl TermsStore for S3Terms {
    fn put<'a>(
        &'a self,
        key: &'a str,
        pdf: Bytes,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type("application/pdf")
                .content_disposition("inline; filename=\"terms.pdf\"")
                .body(aws_sdk_s3::primitives::ByteStream::from(pdf))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> Pin<Box<dyn Future<Output = Option<Bytes>> + Send + 'a>> {
        Box::pin(async move {
            let object = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .ok()?;
            object
                .body
                .collect()
                .await
                .ok()
                .map(|data| data.into_bytes())
        })
    }
}

/// A PDF starts with `%PDF-` and ends with `%%EOF` (give or take trailing whitespace).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Reply<c::UploadTerms>> {
    let tenant = caller
        .require(Permission::ConfigureProgram)?
        .tenant_id
        .clone();
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media_type.as_deref() != Some("application/pdf") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the terms as application/pdf",
        ));
    }
    let pdf = axum::body::to_bytes(body, MAX_TERMS_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                "the terms PDF may be at most 5 MB",
            )
        })?;
    if !looks_like_pdf(&pdf) {
        return Err(ApiError::invalid("body", "is not a PDF document"));
    }
    let store = state.terms.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "no file store is configured for terms",
        )
    })?;
    // A new version each time: the program points at it only once the file is stored.
    for _ in 0..5 {
        let (mut program, version) = state
            .store
            .program(&tenant)
            .await?
            .ok_or_else(|| ApiError::not_found("program"))?;
        let next: u64 = program
            .terms
            .as_ref()
            .and_then(|t| t.version.parse().ok())
            .unwrap_or(0)
            + 1;
        let key = terms_key(&tenant, &next.to_string());
        store.put(&key, pdf.clone()).await.map_err(|err| {
            tracing::error!(error = %err, "terms upload failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "the file store is busy; please retry",
            )
        })?;
        let terms = Terms {
            version: next.to_string(),
            url: format!("{}/{key}", state.portal_url),
            uploaded_at: Timestamp::now().rfc3339,
        };
        program.terms = Some(terms.clone());
        let audit = super::audit::record(
            &caller,
            "program.terms_upload",
            "program",
            serde_json::json!({"version": terms.version, "bytes": pdf.len()}),
        );
        match state
            .store
            .replace_program(&tenant, &program, version, &audit)
            .await
        {
            Ok(()) => return Ok(Reply::ok(terms)),
            Err(StoreError::ConditionFailed { .. }) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::conflict(
        ErrorCode::TryAgain,
        "the program changed meanwhile; try again",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_documents_framed_as_pdf_pass() {
        assert!(looks_like_pdf(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"));
        assert!(!looks_like_pdf(b"%PDF-1.4 but never ends"));
        assert!(!looks_like_pdf(b"<html>%%EOF"));
        assert!(!looks_like_pdf(b""));
    }
}
