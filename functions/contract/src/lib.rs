//! The HTTP contract of Upline (shared/API.md): ids, money and the request/response types.
//!
//! No I/O and no async runtime: the portal compiles this crate to wasm32 and shares every type
//! with the functions, so a field renamed here is renamed on both sides at once.

pub mod error;
pub mod ids;
pub mod money;
pub mod types;

pub use error::{ErrorBody, ErrorDetail};
pub use ids::*;
pub use money::{Amount, Currency, MoneyError};
pub use types::*;
