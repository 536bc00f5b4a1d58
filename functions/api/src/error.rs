//! `ApiError`: a status and the JSON error body of docs/API.md. Internal failures are logged
//! with their whole source chain and answered with an opaque 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use upline_contract::ErrorCode;
use upline_contract::{ErrorBody, ErrorDetail, Permission};
use upline_store::{Refusal, StoreError, TxError};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// One of the contract's codes: a code the contract does not list cannot be answered.
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    /// Sent as `Retry-After` (seconds) with a 429.
    pub retry_after_seconds: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after_seconds: None,
        }
    }

    /// 429: a limit was reached; come back when its window ends.
    pub fn too_many(code: ErrorCode, message: impl Into<String>, retry_after_millis: i64) -> Self {
        let mut error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        error.retry_after_seconds = Some((retry_after_millis + 999) / 1000);
        error
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 422: one field is invalid; `message` says why.
    pub fn invalid(field: impl Into<String>, message: impl std::fmt::Display) -> Self {
        let field = field.into();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
            format!("{field}: {message}"),
        )
        .with_field(field)
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedJson, message)
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "a valid session token or API key is required",
        )
    }

    pub fn forbidden(permission: Permission) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("this needs the {} permission", permission.as_str()),
        )
    }

    /// The caller holds none of the permissions a route takes.
    pub fn forbidden_any(permissions: &[Permission]) -> Self {
        let names: Vec<_> = permissions.iter().map(|p| p.as_str()).collect();
        ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("this needs the {} permission", names.join(" or ")),
        )
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    /// Logs the whole chain; the caller sees only that something failed on our side.
    pub fn internal(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::error!(error = %chain, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "something went wrong on our side",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        if err.is_transient() {
            tracing::warn!(error = %err, "store busy");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "busy; please retry",
            );
        }
        ApiError::internal(&err)
    }
}

/// Each refusal's usual answer; a handler whose refusal means something more particular
/// (the balance of an adjustment, a used link) matches it before this.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::EmailTaken => {
                ApiError::conflict(ErrorCode::EmailTaken, "an account with this email exists")
                    .with_field("email")
            }
            Refusal::ExternalIdTaken => ApiError::conflict(
                ErrorCode::ExternalIdTaken,
                "another partner has this external id",
            )
            .with_field("external_id"),
            Refusal::ReferralCodeTaken => ApiError::conflict(
                ErrorCode::Conflict,
                "another partner has this referral code",
            )
            .with_field("referral_code"),
            Refusal::SlugTaken => {
                ApiError::conflict(ErrorCode::SlugTaken, "this slug is taken").with_field("slug")
            }
            Refusal::AlreadyPartner => {
                ApiError::conflict(ErrorCode::AlreadyJoined, "you are already a partner")
            }
            Refusal::SponsorMoved => ApiError::conflict(
                ErrorCode::TryAgain,
                "the structure changed meanwhile; try again",
            ),
            Refusal::TokenGone => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::TokenNotFound,
                "the link is unknown, already used or expired",
            )
            .with_field("token"),
            Refusal::BalanceTooLow => ApiError::conflict(
                ErrorCode::InsufficientBalance,
                "the balance would go below zero",
            )
            .with_field("amount"),
            Refusal::PayoutOpen => ApiError::conflict(
                ErrorCode::PayoutOpen,
                "a payout request is open already; wait until it is paid or rejected",
            ),
            Refusal::PayoutDecided | Refusal::EntryWritten => {
                ApiError::conflict(ErrorCode::PayoutNotOpen, "the payout is decided already")
            }
            Refusal::LeadRegistered | Refusal::TransitionWritten => ApiError::conflict(
                ErrorCode::AlreadyRegistered,
                "this lead is a client already",
            ),
            Refusal::Invariant(what) => {
                tracing::warn!(what, "a condition that holds by construction failed");
                ApiError::conflict(ErrorCode::Conflict, "the write was refused; try again")
            }
        }
    }
}

impl From<TxError> for ApiError {
    fn from(err: TxError) -> Self {
        match err {
            TxError::Refused(refusal) => refusal.into(),
            TxError::Store(err) => err.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.code().to_owned(),
                message: self.message,
                field: self.field,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds.max(1)),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
