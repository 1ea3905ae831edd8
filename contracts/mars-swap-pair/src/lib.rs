//! Mars Swap pair: a constant-product pool on chain. Every formula is usdm-core's
//! [`usdm_core::swap::Pool`]; this crate stores the pool, moves tokens and answers queries.

#![warn(missing_docs)]

pub mod contract;
pub mod error;
pub mod state;

pub use error::ContractError;
