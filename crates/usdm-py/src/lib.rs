//! # usdm-py
//!
//! The Rust half of the `usdm` Python package (`usdm._usdm`): thin bindings over `usdm-sim`
//! and the CLI's quote library, so a Python call runs the very code the command line runs.
//!
//! Two parts:
//! - plain Rust, tested by `cargo test --workspace`: [`chunk`] (the compact encoding in which a
//!   worker of a distributed run returns its paths) and [`input`] (a scenario given as a name,
//!   a file or a dict);
//! - the Python module itself (feature `python`, which maturin turns on), in `python.rs`.

pub mod chunk;
pub mod input;

#[cfg(feature = "python")]
mod python;
