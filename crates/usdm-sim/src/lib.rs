//! # usdm-sim
//!
//! Stress-tests the USDm protocol: the real `usdm-core` state machine driven block by block
//! under market scenarios, with agents, Monte Carlo paths and parameter sweeps.

pub mod market;
pub mod rng;
pub mod scenario;
