//! What the hub stores.

use cosmwasm_std::{Addr, Checksum};
use cw_storage_plus::{Item, Map};
use serde::{Deserialize, Serialize};
use usdm_core::Protocol;
use usdm_interface::AssetInfo;

/// The protocol tokens, once registered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// The USDm cw20 (minter: this hub).
    pub usdm: Option<Addr>,
    /// The XMS cw20 (minter: this hub).
    pub xms: Option<Addr>,
}

/// The core protocol state: everything the protocol knows.
pub const PROTOCOL: Item<Protocol> = Item::new("protocol");
/// The USDm and XMS tokens.
pub const TOKENS: Item<Tokens> = Item::new("tokens");
/// On-chain identity of each whitelisted asset, by symbol.
pub const ASSETS: Map<&str, AssetInfo> = Map::new("assets");
/// Registered Mars Swap pairs: (pool id in the protocol, pair contract).
pub const PAIRS: Item<Vec<(u32, Addr)>> = Item::new("pairs");
/// The code checksum a pair must run to be registered (none: no pair may be).
pub const PAIR_CODE: Item<Option<Checksum>> = Item::new("pair_code");
