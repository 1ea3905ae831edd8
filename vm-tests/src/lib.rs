//! The contracts as a chain runs them: their wasm artifacts (`scripts/build-artifacts.sh`)
//! in cosmwasm-vm, the VM wasmd embeds, with the static checks `cosmwasm-check` makes, a small
//! multi-contract chain around it ([`world`]), the protocol deployed on it ([`deploy`]), and
//! the gas each message costs on a wasmd chain ([`gas`]).

pub mod artifacts;
pub mod bench;
pub mod deploy;
pub mod gas;
pub mod world;
