//! The core's state parts in the hub's storage: loading a part when an operation asks for it
//! (pools and their histories straight from the pairs' storage), and writing back exactly what
//! an operation changed.

use crate::error::ContractError;
use crate::state::{
    redemptions, AssetRecord, PairRecord, ASSETS, BOOKS, CHECKPOINTS, CLOCK, CONFIG, FEEDS,
    HOLDINGS, PAIRS,
};
use cosmwasm_std::{from_json, Addr, Deps, Storage};
use std::ops::Deref;
use usdm_core::state::{Books, Change, Clock, Config, HistoryId, Part, PartKey, PartSource};
use usdm_core::swap::{treasury_account, Pool};
use usdm_core::units::Amount;
use usdm_core::Protocol;
use usdm_interface::pair::layout;

/// Reads parts for an operation: the hub's own storage, and its pairs' by raw query.
pub struct HubSource<'a> {
    /// The hub's dependencies.
    pub deps: Deps<'a>,
    /// The hub's address (the holder of the treasury's liquidity shares in its pairs).
    pub hub: &'a Addr,
}

fn not_found(what: String) -> usdm_core::Error {
    usdm_core::Error::InvariantViolated(format!("stored state is missing {what}"))
}

fn storage_error(e: impl std::fmt::Display) -> usdm_core::Error {
    usdm_core::Error::InvariantViolated(format!("stored state: {e}"))
}

impl HubSource<'_> {
    fn pair(&self, id: u32) -> usdm_core::Result<PairRecord> {
        PAIRS
            .may_load(self.deps.storage, id)
            .map_err(storage_error)?
            .ok_or_else(|| not_found(format!("pair {id}")))
    }

    /// `key` in `pair`'s storage, parsed.
    fn raw<T: serde::de::DeserializeOwned>(
        &self,
        pair: &Addr,
        key: &[u8],
    ) -> usdm_core::Result<Option<T>> {
        let bytes = self
            .deps
            .querier
            .query_wasm_raw(pair.as_str(), key.to_vec())
            .map_err(storage_error)?;
        bytes
            .map(|b| from_json(&b).map_err(storage_error))
            .transpose()
    }

    fn pool(&self, id: u32) -> usdm_core::Result<Pool> {
        let pair = self.pair(id)?;
        if pair.retired {
            // A retired pool is never read again: its stub holds nothing of the treasury's.
            let mut pool = Pool::new(id, pair.tokens, pair.decimals, pair.twap_window);
            pool.retired = true;
            pool.mirror = true;
            return Ok(pool);
        }
        let mut pool: Pool = self
            .raw(&pair.address, layout::POOL.as_slice())?
            .ok_or_else(|| not_found(format!("the pool of pair {}", pair.address)))?;
        let shares: Option<cosmwasm_std::Uint128> =
            self.raw(&pair.address, layout::SHARES.key(self.hub).deref())?;
        pool.id = id;
        pool.mirror = true;
        pool.retired = false;
        pool.shares.clear();
        if let Some(s) = shares.filter(|s| !s.is_zero()) {
            pool.shares
                .insert(treasury_account(), Amount::new(s.u128()));
        }
        Ok(pool)
    }
}

impl PartSource for HubSource<'_> {
    fn part(&self, key: PartKey) -> usdm_core::Result<Part> {
        let storage = self.deps.storage;
        Ok(match key {
            PartKey::Asset(i) => Part::Asset(
                ASSETS
                    .may_load(storage, i)
                    .map_err(storage_error)?
                    .ok_or_else(|| not_found(key.to_string()))?
                    .config,
            ),
            PartKey::Holding(i) => Part::Holding(
                HOLDINGS
                    .may_load(storage, i)
                    .map_err(storage_error)?
                    .ok_or_else(|| not_found(key.to_string()))?,
            ),
            PartKey::Feed(i) => Part::Feed(
                FEEDS
                    .may_load(storage, i)
                    .map_err(storage_error)?
                    .ok_or_else(|| not_found(key.to_string()))?,
            ),
            PartKey::Checkpoint(HistoryId::Feed(i), slot) => Part::Checkpoint(
                CHECKPOINTS
                    .may_load(storage, (i, slot))
                    .map_err(storage_error)?
                    .ok_or_else(|| not_found(key.to_string()))?,
            ),
            PartKey::Checkpoint(HistoryId::Pool(id, side), slot) => {
                let pair = self.pair(id)?;
                Part::Checkpoint(
                    self.raw(&pair.address, layout::CHECKPOINTS.key((side, slot)).deref())?
                        .ok_or_else(|| not_found(key.to_string()))?,
                )
            }
            PartKey::Pool(id) => Part::Pool(Box::new(self.pool(id)?)),
            PartKey::Redemption(id) => {
                Part::Redemption(redemptions().may_load(storage, id).map_err(storage_error)?)
            }
        })
    }
}

/// The three small parts as loaded, to tell which an operation changed.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// The clock.
    pub clock: Clock,
    /// The books.
    pub books: Books,
}

/// Loads the three small parts and builds the protocol from them.
pub fn load_protocol(storage: &dyn Storage) -> Result<(Protocol, Loaded), ContractError> {
    let loaded = Loaded {
        config: CONFIG.load(storage)?,
        clock: CLOCK.load(storage)?,
        books: BOOKS.load(storage)?,
    };
    let protocol = Protocol::from_parts(loaded.config.clone(), loaded.clock, loaded.books.clone());
    Ok((protocol, loaded))
}

/// Writes back what changed: the small parts that differ from `loaded`, and every changed
/// part of the others. Pools are their pairs' (the hub never writes them).
pub fn save_changes(
    storage: &mut dyn Storage,
    protocol: &mut Protocol,
    loaded: &Loaded,
) -> Result<(), ContractError> {
    if protocol.config() != &loaded.config {
        CONFIG.save(storage, protocol.config())?;
    }
    if protocol.clock() != &loaded.clock {
        CLOCK.save(storage, protocol.clock())?;
    }
    if protocol.books() != &loaded.books {
        BOOKS.save(storage, protocol.books())?;
    }
    for change in protocol.changes() {
        match change {
            Change::Asset(i, config) => {
                // New assets are recorded with their on-chain identity by the message that
                // whitelists them; this updates the configuration.
                let mut record: AssetRecord = ASSETS.load(storage, i)?;
                record.config = config.clone();
                ASSETS.save(storage, i, &record)?;
            }
            Change::Holding(i, h) => HOLDINGS.save(storage, i, h)?,
            Change::Feed(i, f) => FEEDS.save(storage, i, f)?,
            Change::Checkpoint(HistoryId::Feed(i), slot, c) => {
                CHECKPOINTS.save(storage, (i, slot), &c)?
            }
            Change::Checkpoint(HistoryId::Pool(..), ..) | Change::Pool(..) => {}
            Change::RedemptionAdded(r) => redemptions().save(storage, r.id, r)?,
            Change::RedemptionRemoved(id) => redemptions().remove(storage, id)?,
        }
    }
    protocol.clear_changes();
    Ok(())
}

/// Writes every part of a protocol held wholly in memory (at instantiation and migration):
/// the small parts, each asset's holding (its record is written with its on-chain identity),
/// each feed with its checkpoints, each pending redemption.
#[inline(never)]
pub fn save_all(storage: &mut dyn Storage, protocol: &Protocol) -> Result<(), ContractError> {
    CONFIG.save(storage, protocol.config())?;
    CLOCK.save(storage, protocol.clock())?;
    BOOKS.save(storage, protocol.books())?;
    for i in 0..protocol.asset_count() {
        HOLDINGS.save(storage, i as u16, protocol.holding(i)?)?;
    }
    for i in 0..protocol.config().feeds.len() {
        let feed = protocol.feed(i)?;
        FEEDS.save(storage, i as u16, feed)?;
        let h = feed.history;
        for seq in h.next - u64::from(h.len)..h.next {
            let slot = (seq % usdm_core::prices::HISTORY_LEN as u64) as u8;
            let c = protocol
                .checkpoint(HistoryId::Feed(i as u16), slot)
                .ok_or_else(|| not_found(format!("checkpoint {seq} of feed {i}")))?;
            CHECKPOINTS.save(storage, (i as u16, slot), &c)?;
        }
    }
    for r in protocol.redemptions().iter() {
        redemptions().save(storage, r.id, r)?;
    }
    Ok(())
}
