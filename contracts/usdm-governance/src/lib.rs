//! The USDm governance contract: the surface of one hub that only its governor uses
//! (governance actions and treasury operations), kept apart so the hub keeps room under a
//! chain's code-size limit.
//!
//! It holds no protocol state and writes no formula of its own. For each message it runs the
//! hub's own handler (`usdm_hub::execute::governance`, `usdm_hub::execute::treasury`, the
//! protocol core behind them) on the hub's storage, read key by key through raw queries
//! ([`remote`]), with the hub's address as the contract's; the handler only reads and returns
//! what it decided. The contract then sends the hub an `apply` with those writes, messages and
//! events, which the hub makes in the same transaction. Until then nothing has changed, and a
//! refusal anywhere reverts the whole transaction.

#![warn(missing_docs)]

pub mod contract;
pub mod remote;
