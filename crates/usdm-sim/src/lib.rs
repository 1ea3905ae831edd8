//! # usdm-sim
//!
//! Stress-tests the USDm protocol: the real `usdm-core` state machine driven block by block
//! under market scenarios, with agents, Monte Carlo paths and parameter sweeps.

#![warn(missing_docs)]

pub mod agents;
pub mod backtest;
pub mod calibrate;
pub mod convert;
pub mod export;
/// Share-token farmers (their home is [`agents::farmers`]; scenarios name them here).
pub use agents::farmers;
pub mod market;
pub mod metrics;
pub mod montecarlo;
pub mod provenance;
pub mod recommend;
pub mod reference;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stats;
pub mod sweep;
pub mod world;
