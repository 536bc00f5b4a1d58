//! The single-table DynamoDB adapter. `keys` holds every key format, `schema` the table, and one
//! module per aggregate reads and writes it. The design and every access pattern are written
//! down in `DESIGN.md` next to this crate.

pub mod api_keys;
pub mod audit;
pub mod clicks;
mod dead_letters;
pub mod deals;
pub mod delivery;
mod error;
pub mod item;
pub mod keys;
pub mod leads;
pub mod logins;
pub mod ops;
pub mod outbox;
pub mod partners;
pub mod payouts;
pub mod program;
pub mod releases;
pub mod schema;
pub mod sealed;
pub mod templates;
pub mod tenants;
pub mod tokens;
pub mod users;
pub mod walk;
pub mod wallets;
pub mod webhooks;

pub use error::StoreError;
pub use ops::{Refusal, Tx, TxError};

use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The table, the client to reach it, and what seals the secrets kept in it; cheap to clone,
/// built once per Lambda.
#[derive(Clone, Debug)]
pub struct Store {
    pub client: Client,
    pub table: String,
    pub sealer: sealed::Sealer,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>, sealer: sealed::Sealer) -> Self {
        Self {
            client,
            table: table.into(),
            sealer,
        }
    }
}

/// A moment as the API shows it (RFC 3339 UTC, milliseconds) and as keys sort it (epoch ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub rfc3339: String,
    pub millis: i64,
}

impl Timestamp {
    pub fn now() -> Self {
        Self::from(OffsetDateTime::now_utc())
    }

    /// A time given in unix milliseconds (an accrual's `available_at`).
    pub fn from_millis(millis: i64) -> Self {
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Self::from(at)
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        let at = at
            .replace_nanosecond(at.millisecond() as u32 * 1_000_000)
            .unwrap_or(at);
        let millis = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let rfc3339 = at.format(&Rfc3339).unwrap_or_else(|_| millis.to_string());
        Timestamp { rfc3339, millis }
    }
}
