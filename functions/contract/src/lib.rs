//! The HTTP contract of Upline (docs/API.md): ids, money, the request/response types and
//! every endpoint (`endpoints`), declared once.
//!
//! No I/O and no async runtime: the portal compiles this crate to wasm32 and shares every type
//! with the functions, so a field renamed here is renamed on both sides at once.

pub mod endpoint;
pub mod endpoints;
pub mod error;
pub mod ids;
pub mod money;
pub mod params;
pub mod types;
pub mod words;

pub use endpoint::{
    AnyJson, Endpoint, ErrorCode, Metadata, Method, NoBody, NoContent, NoParams, NotJson,
};
pub use endpoints::*;
pub use error::{ErrorBody, ErrorDetail};
pub use ids::*;
pub use money::{Amount, Currency, MoneyError};
pub use params::*;
pub use types::*;
pub use words::{AttributionModel, Channel, DeliveryState, EntryStatus, PayoutStatus};
