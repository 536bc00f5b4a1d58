//! One module per area of the portal.

pub mod account;
pub mod audit;
pub mod auth;
pub mod embed;
pub mod partner;
pub mod program;
pub mod staff;
