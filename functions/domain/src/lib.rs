//! Upline's pure rules: the commission plan, the walk up the referral chain, reversals and the
//! input checks every entry point shares. No I/O, no AWS types; compiles to wasm32 so the portal's
//! what-if simulator runs exactly this code.

pub mod address;
pub mod membership;
pub mod payouts;
pub mod plan;
#[cfg(feature = "templates")]
pub mod templates;
pub mod validate;
pub mod walk;

pub use plan::{PlanError, default_plan, default_reversal_statuses, validate_plan};
pub use walk::{
    Accrued, Credit, CreditKind, DealLedger, MILLIS_PER_DAY, Timing, WalkError, WalkInput,
    WalkOutcome, walk,
};
