//! What the pair stores: its configuration and the core pool.

use cosmwasm_std::Addr;
use cw_storage_plus::Item;
use serde::{Deserialize, Serialize};
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
pub use usdm_interface::pair::layout::{CHECKPOINTS, POOL, SHARES};
