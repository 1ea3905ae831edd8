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
//! | `asset/{i}` | an asset's configuration | operations on it, valuations | governance |
//! | `asset_info/{i}` | where the asset lives on chain: native denom or cw20 contract | its transfers, hooks | whitelisting, token registration |
//! | `holding/{i}` | the treasury's holding of it | operations on it, valuations | operations that move it |
//! | `feed/{i}` | a feed's head | prices of it | its price posts |
//! | `checkpoint/{i,slot}` | one checkpoint of a feed's history | TWAPs (two or three) | a price post, when one is due |
//! | `redemption/{id}` | a pending redemption (indexed by owner) | `collect` of it, queries | `redeem`, `collect` |
//! | `pair/{id}` | a registered pair: address, tokens, whether retired | operations that need pools | registration, retirement |
//! | `token_asset/{denom or contract}` | the asset index of a token | mints and hooks naming it | whitelisting |
//! | `hub` | the USDm, XMS and governance contracts, the accepted pair code | token movements, registration | registration, governance |
//!
//! A pool's state is not stored here: it is read from its pair, directly from the pair's
//! storage (raw queries of `usdm_interface::pair::layout`), by the operations that need it.
//!
//! Values are stored as postcard (compact binary, integers as varints) rather than JSON: the
//! config, clock and books every message reads and most write are a fifth of their JSON size
//! (every byte written costs 30 gas), and the decoder is a fraction of the JSON one's code.
//! Pending redemptions stay JSON: they are indexed by owner with cw-storage-plus, unbounded in
//! number, and a migration must not have to rewrite them all.

use cosmwasm_std::{Addr, Checksum, StdError, StdResult, Storage};
use cw_storage_plus::{Index, IndexList, IndexedMap, Map, MultiIndex, PrimaryKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;
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
    /// The `usdm-governance` contract, once registered: the only sender of `apply`.
    pub governance: Option<Addr>,
    /// The code the governance contract must run (set by instantiation or migration, that is
    /// by the hub's admin).
    pub governance_code: Option<Checksum>,
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

/// A value as the hub stores it.
pub fn encode<T: Serialize>(value: &T) -> StdResult<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| StdError::serialize_err(std::any::type_name::<T>(), e))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> StdResult<T> {
    postcard::from_bytes(bytes).map_err(|e| StdError::parse_err(std::any::type_name::<T>(), e))
}

/// One value under a fixed key.
pub struct Item<T> {
    key: &'static str,
    value: PhantomData<T>,
}

impl<T: Serialize + DeserializeOwned> Item<T> {
    /// The item stored under `key`.
    pub const fn new(key: &'static str) -> Self {
        Item {
            key,
            value: PhantomData,
        }
    }

    /// Its raw key.
    pub fn key(&self) -> &'static [u8] {
        self.key.as_bytes()
    }

    /// The value, if stored.
    pub fn may_load(&self, storage: &dyn Storage) -> StdResult<Option<T>> {
        storage.get(self.key()).map(|b| decode(&b)).transpose()
    }

    /// The value, or an error naming the key.
    pub fn load(&self, storage: &dyn Storage) -> StdResult<T> {
        self.may_load(storage)?
            .ok_or_else(|| StdError::not_found(self.key))
    }

    /// Stores `value`.
    pub fn save(&self, storage: &mut dyn Storage, value: &T) -> StdResult<()> {
        storage.set(self.key(), &encode(value)?);
        Ok(())
    }
}

/// Values by key, under cw-storage-plus's key encoding (a length-prefixed namespace).
pub struct Table<K, T> {
    map: Map<K, T>,
    namespace: &'static str,
}

impl<'a, K: PrimaryKey<'a>, T: Serialize + DeserializeOwned> Table<K, T> {
    /// The map under `namespace`.
    pub const fn new(namespace: &'static str) -> Self {
        Table {
            map: Map::new(namespace),
            namespace,
        }
    }

    /// The raw key of `k`.
    pub fn key(&self, k: K) -> Vec<u8> {
        self.map.key(k).to_vec()
    }

    /// Whether `raw` is a key of this map.
    pub fn owns(&self, raw: &[u8]) -> bool {
        let ns = self.namespace.as_bytes();
        raw.len() > 2 + ns.len()
            && raw[..2] == (ns.len() as u16).to_be_bytes()
            && &raw[2..2 + ns.len()] == ns
    }

    /// The value at `k`, if stored.
    pub fn may_load(&self, storage: &dyn Storage, k: K) -> StdResult<Option<T>> {
        storage.get(&self.key(k)).map(|b| decode(&b)).transpose()
    }

    /// The value at `k`, or an error naming the map.
    pub fn load(&self, storage: &dyn Storage, k: K) -> StdResult<T> {
        self.may_load(storage, k)?
            .ok_or_else(|| StdError::not_found(self.namespace))
    }

    /// Stores `value` at `k`.
    pub fn save(&self, storage: &mut dyn Storage, k: K, value: &T) -> StdResult<()> {
        storage.set(&self.key(k), &encode(value)?);
        Ok(())
    }

    /// Removes `k`.
    pub fn remove(&self, storage: &mut dyn Storage, k: K) {
        storage.remove(&self.key(k));
    }
}

/// The core's configuration part.
pub const CONFIG: Item<Config> = Item::new("config");
/// The core's clock part.
pub const CLOCK: Item<Clock> = Item::new("clock");
/// The core's books part.
pub const BOOKS: Item<Books> = Item::new("books");
/// Whitelisted assets' configurations (the core's part) by index.
pub const ASSETS: Table<u16, AssetConfig> = Table::new("asset");
/// Where each whitelisted asset lives on chain (native denom or cw20 contract), by index.
pub const ASSET_INFO: Table<u16, AssetInfo> = Table::new("asset_info");
/// Treasury holdings by asset index.
pub const HOLDINGS: Table<u16, Holding> = Table::new("holding");
/// Feed heads by feed index.
pub const FEEDS: Table<u16, Feed> = Table::new("feed");
/// Feed checkpoints by (feed index, ring slot).
pub const CHECKPOINTS: Table<(u16, u8), Checkpoint> = Table::new("checkpoint");
/// Registered pairs by pool id.
pub const PAIRS: Table<u32, PairRecord> = Table::new("pair");
/// The asset index of each whitelisted token, by native denom or cw20 contract address.
pub const TOKEN_ASSET: Table<&str, u16> = Table::new("token_asset");
/// The hub's settings.
pub const HUB: Item<Hub> = Item::new("hub");

/// Whether the governance contract may write `key` through `apply`: the parts and records a
/// governance action or treasury operation changes, never pending redemptions or the
/// contract's version.
pub fn governance_writes(key: &[u8]) -> bool {
    [CONFIG.key(), CLOCK.key(), BOOKS.key(), HUB.key()].contains(&key)
        || ASSETS.owns(key)
        || ASSET_INFO.owns(key)
        || HOLDINGS.owns(key)
        || FEEDS.owns(key)
        || CHECKPOINTS.owns(key)
        || PAIRS.owns(key)
        || TOKEN_ASSET.owns(key)
}

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
