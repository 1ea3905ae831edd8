//! The USDm hub: a thin CosmWasm adapter over usdm-core. It stores the core's protocol state,
//! authenticates callers and funds, calls the core, and turns the core's results and events
//! into token messages, responses and attributes. No protocol formula is written here.

#![warn(missing_docs)]

pub mod context;
pub mod contract;
pub mod convert;
pub mod error;
pub mod execute;
pub mod migrate;
pub mod query;
pub mod state;
pub mod store;

pub use error::ContractError;
