//! What the hub stores: the core's state in its parts (see `usdm_core::state`), each under a
//! key of its own, so an operation reads only the parts it touches and writes only those it
//! changed, and nothing it does costs more as pending redemptions, their owners, liquidity
//! providers or price history accumulate.
//!
//! | key | value | read by | written by |
//! |---|---|---|---|
//! | `config` | the core's [`Config`]: parameters, governance, the whitelist's symbols, feeds, strategies | every operation | governance, treasury operations |
//! | `clock` | [`Clock`]: the epoch state and the last block | every operation | nearly every operation |
//! | `books` | [`Books`]: supplies, the ratio policy, breakers, fees, the next redemption id | every operation | operations that move tokens |
//! | `asset/{i}` | an asset's configuration and on-chain identity | operations on it, valuations | governance |
//! | `holding/{i}` | the treasury's holding of it | operations on it, valuations | operations that move it |
//! | `feed/{i}` | a feed's head | prices of it | its price posts |
//! | `checkpoint/{i,slot}` | one checkpoint of a feed's history | TWAPs (two or three) | a price post, when one is due |
//! | `redemption/{id}` | a pending redemption (indexed by owner) | `collect` of it, queries | `redeem`, `collect` |
//! | `pair/{id}` | a registered pair: address, tokens, whether retired | operations that need pools | registration, retirement |
//! | `token_asset/{denom or contract}` | the asset index of a token | mints and hooks naming it | whitelisting |
//! | `hub` | the USDm and XMS tokens, the accepted pair code | token movements, registration | token registration, governance |
//!
//! A pool's state is not stored here: it is read from its pair, directly from the pair's
//! storage (raw queries of `usdm_interface::pair::layout`), by the operations that need it.

use cosmwasm_std::{Addr, Checksum};
use cw_storage_plus::{Index, IndexList, IndexedMap, Item, Map, MultiIndex};
use serde::{Deserialize, Serialize};
use usdm_core::asset::AssetConfig;
use usdm_core::prices::{Checkpoint, Feed};
use usdm_core::redeem::PendingRedemption;
use usdm_core::state::{Books, Clock, Config};
use usdm_core::treasury::Holding;
use usdm_interface::AssetInfo;

/// The hub's own settings, next to the core's state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hub {
    /// The USDm cw20 (minter: this hub), once registered.
    pub usdm: Option<Addr>,
    /// The XMS cw20 (minter: this hub), once registered.
    pub xms: Option<Addr>,
    /// The code a pair must run to be registered.
    pub pair_code: Option<Checksum>,
}

/// A whitelisted asset: the core's configuration and where the token lives on chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssetRecord {
    /// The core's configuration.
    pub config: AssetConfig,
    /// Native denom or cw20 contract.
    pub info: AssetInfo,
}

/// A registered pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairRecord {
    /// The pair contract.
    pub address: Addr,
    /// Its tokens (the core's pool order).
    pub tokens: [usdm_core::ids::Symbol; 2],
    /// Their decimals.
    pub decimals: [u8; 2],
    /// Its TWAP window.
    pub twap_window: u64,
    /// Retired: no longer read (its pool is a stub in the core).
    pub retired: bool,
}

/// The core's configuration part.
pub const CONFIG: Item<Config> = Item::new("config");
/// The core's clock part.
pub const CLOCK: Item<Clock> = Item::new("clock");
/// The core's books part.
pub const BOOKS: Item<Books> = Item::new("books");
/// Whitelisted assets by index.
pub const ASSETS: Map<u16, AssetRecord> = Map::new("asset");
/// Treasury holdings by asset index.
pub const HOLDINGS: Map<u16, Holding> = Map::new("holding");
/// Feed heads by feed index.
pub const FEEDS: Map<u16, Feed> = Map::new("feed");
/// Feed checkpoints by (feed index, ring slot).
pub const CHECKPOINTS: Map<(u16, u8), Checkpoint> = Map::new("checkpoint");
/// Registered pairs by pool id.
pub const PAIRS: Map<u32, PairRecord> = Map::new("pair");
/// The asset index of each whitelisted token, by native denom or cw20 contract address.
pub const TOKEN_ASSET: Map<&str, u16> = Map::new("token_asset");
/// The hub's settings.
pub const HUB: Item<Hub> = Item::new("hub");

/// The index of pending redemptions by owner.
pub struct RedemptionIndexes<'a> {
    /// `(owner, id)`.
    pub owner: MultiIndex<'a, String, PendingRedemption, u64>,
}

impl IndexList<PendingRedemption> for RedemptionIndexes<'_> {
    fn get_indexes(&'_ self) -> Box<dyn Iterator<Item = &'_ dyn Index<PendingRedemption>> + '_> {
        let v: Vec<&dyn Index<PendingRedemption>> = vec![&self.owner];
        Box::new(v.into_iter())
    }
}

/// Pending redemptions by id, indexed by owner.
pub fn redemptions<'a>() -> IndexedMap<u64, PendingRedemption, RedemptionIndexes<'a>> {
    IndexedMap::new(
        "redemption",
        RedemptionIndexes {
            owner: MultiIndex::new(
                |_pk, r| r.owner.as_str().to_string(),
                "redemption",
                "redemption__owner",
            ),
        },
    )
}

/// The key the hub stored the whole protocol under before this layout (read by `migrate`).
pub const LEGACY_PROTOCOL: &str = "protocol";
