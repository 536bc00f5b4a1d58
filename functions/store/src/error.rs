//! Store errors: what a caller can act on (a condition failed, try again later) kept apart from
//! what it cannot (the SDK failed, an item is corrupt).

use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use std::error::Error as StdError;

type Source = Box<dyn StdError + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write failed. For a transaction, `failed` lists the indexes of the actions
    /// whose condition failed, so the caller can say which uniqueness was violated.
    #[error("a condition failed (actions {failed:?})")]
    ConditionFailed { failed: Vec<usize> },
    /// Throttled, a transaction conflict, or a server hiccup: the same request may succeed later.
    #[error("transient: {0}")]
    Transient(String),
    /// DynamoDB refused the request itself (e.g. an item over 400 KB): retrying cannot help.
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("corrupt item: {0}")]
    Corrupt(String),
    #[error("dynamodb request failed")]
    Sdk(#[source] Source),
}

const TRANSIENT_CODES: [&str; 7] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
    "TransactionInProgressException",
];

impl StoreError {
    /// Classifies any DynamoDB operation error.
    pub fn sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match err.code() {
            Some("ConditionalCheckFailedException") => {
                StoreError::ConditionFailed { failed: vec![0] }
            }
            Some(code) if TRANSIENT_CODES.contains(&code) => StoreError::Transient(code.to_owned()),
            _ if matches!(
                err,
                SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)
            ) =>
            {
                StoreError::Transient(format!("{err}"))
            }
            _ => StoreError::Sdk(Box::new(err)),
        }
    }

    /// A transaction error: which actions' conditions failed, or whether a retry may succeed.
    pub fn transaction<R>(err: SdkError<TransactWriteItemsError, R>) -> Self
    where
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            err.as_service_error()
        {
            let codes: Vec<&str> = cancelled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None"))
                .collect();
            let failed: Vec<usize> = codes
                .iter()
                .enumerate()
                .filter(|(_, code)| **code == "ConditionalCheckFailed")
                .map(|(index, _)| index)
                .collect();
            if failed.is_empty()
                || codes
                    .iter()
                    .any(|c| matches!(*c, "TransactionConflict" | "ThrottlingError"))
            {
                return StoreError::Transient(format!("transaction cancelled: {codes:?}"));
            }
            return StoreError::ConditionFailed { failed };
        }
        StoreError::sdk(err)
    }

    pub fn build(err: BuildError) -> Self {
        StoreError::Sdk(Box::new(err))
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Transient(_))
    }

    /// True when the same request can never succeed: the data or the request itself is wrong.
    /// Anything else (including an SDK error we cannot classify) may pass on a retry.
    pub fn is_permanent(&self) -> bool {
        matches!(self, StoreError::Corrupt(_) | StoreError::Invalid(_))
    }
}
