//! What the pair stores: its configuration and the core pool.

use cosmwasm_std::Addr;
use cw_storage_plus::{Item, Map};
use serde::{Deserialize, Serialize};
use usdm_core::swap::Pool;
use usdm_interface::pair::PairToken;

/// The pair's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// The two tokens (cw20 addresses validated at instantiation).
    pub tokens: [PairToken; 2],
    /// Who receives and may sweep the protocol fees.
    pub fee_recipient: Addr,
}

/// The configuration.
pub const CONFIG: Item<Config> = Item::new("config");
/// The pool: reserves, total shares, protocol fees, cumulative prices and the TWAP window its
/// checkpoints are spaced for. Its `shares` map is
/// kept empty in storage: each provider's shares live in [`SHARES`], so no operation loads all
/// providers at once.
pub const POOL: Item<Pool> = Item::new("pool");
/// Liquidity shares by provider.
pub const SHARES: Map<&Addr, cosmwasm_std::Uint128> = Map::new("shares");
