//! The core's state parts in the hub's storage: the protocol a message runs on fetches each
//! part the first time an operation reads it (pools and their histories straight from the
//! pairs' storage), and the message writes back exactly what its operations changed.

use crate::error::ContractError;
use crate::state::{
    redemptions, Hub, PairRecord, ASSETS, BOOKS, CHECKPOINTS, CLOCK, CONFIG, FEEDS, HOLDINGS, HUB,
    PAIRS,
};
use cosmwasm_std::{from_json, Addr, Deps, Storage};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Deref;
use usdm_core::state::{Change, HistoryId, Part, PartKey, PartSource};
use usdm_core::swap::{treasury_account, Pool};
use usdm_core::units::Amount;
use usdm_core::Protocol;
use usdm_interface::pair::layout;

/// The protocol as a message of the hub runs it.
pub type HubProtocol<'a> = Protocol<HubSource<'a>>;

/// Where a message's parts come from: the hub's own storage, and its pairs' by raw query.
/// The hub's records (its own settings, each pair's) are read once a message too, however
/// many parts and checks need them.
pub struct HubSource<'a> {
    deps: Deps<'a>,
    hub: Addr,
    record: RefCell<Option<Hub>>,
    pairs: RefCell<BTreeMap<u32, PairRecord>>,
}

fn not_found(what: String) -> usdm_core::Error {
    usdm_core::Error::InvariantViolated(format!("stored state is missing {what}"))
}

fn storage_error(e: impl std::fmt::Display) -> usdm_core::Error {
    usdm_core::Error::InvariantViolated(format!("stored state: {e}"))
}

impl<'a> HubSource<'a> {
    /// Parts of the hub at `hub` (the holder of the treasury's shares in its pairs).
    pub fn new(deps: Deps<'a>, hub: Addr) -> Self {
        HubSource {
            deps,
            hub,
            record: RefCell::new(None),
            pairs: RefCell::new(BTreeMap::new()),
        }
    }

    /// The hub's own settings: the tokens, the governance contract, the accepted pair code.
    pub fn hub(&self) -> usdm_core::Result<Hub> {
        if let Some(h) = self.record.borrow().as_ref() {
            return Ok(h.clone());
        }
        let h = HUB.load(self.deps.storage).map_err(storage_error)?;
        *self.record.borrow_mut() = Some(h.clone());
        Ok(h)
    }

    /// The dependencies the parts are read with.
    pub fn deps(&self) -> Deps<'a> {
        self.deps
    }

    /// The registered pair of pool `id` (retired or not).
    pub fn pair(&self, id: u32) -> usdm_core::Result<PairRecord> {
        if let Some(r) = self.pairs.borrow().get(&id) {
            return Ok(r.clone());
        }
        let record = PAIRS
            .may_load(self.deps.storage, id)
            .map_err(storage_error)?
            .ok_or_else(|| not_found(format!("pair {id}")))?;
        self.pairs.borrow_mut().insert(id, record.clone());
        Ok(record)
    }

    /// `key` in `pair`'s storage, parsed (a pair stores JSON).
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
            self.raw(&pair.address, layout::SHARES.key(&self.hub).deref())?;
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
        let missing = || not_found(key.to_string());
        Ok(match key {
            PartKey::Asset(i) => Part::Asset(
                ASSETS
                    .may_load(storage, i)
                    .map_err(storage_error)?
                    .ok_or_else(missing)?,
            ),
            PartKey::Holding(i) => Part::Holding(
                HOLDINGS
                    .may_load(storage, i)
                    .map_err(storage_error)?
                    .ok_or_else(missing)?,
            ),
            PartKey::Feed(i) => Part::Feed(
                FEEDS
                    .may_load(storage, i)
                    .map_err(storage_error)?
                    .ok_or_else(missing)?,
            ),
            PartKey::Checkpoint(HistoryId::Feed(i), slot) => Part::Checkpoint(
                CHECKPOINTS
                    .may_load(storage, (i, slot))
                    .map_err(storage_error)?
                    .ok_or_else(missing)?,
            ),
            PartKey::Checkpoint(HistoryId::Pool(id, side), slot) => {
                let pair = self.pair(id)?;
                Part::Checkpoint(
                    self.raw(&pair.address, layout::CHECKPOINTS.key((side, slot)).deref())?
                        .ok_or_else(missing)?,
                )
            }
            PartKey::Pool(id) => Part::Pool(Box::new(self.pool(id)?)),
            PartKey::Redemption(id) => {
                Part::Redemption(redemptions().may_load(storage, id).map_err(storage_error)?)
            }
        })
    }
}

/// The protocol of the hub at `hub` as of its last message: the three small parts read, every
/// other part fetched when an operation first reads it.
pub fn load_protocol<'a>(deps: Deps<'a>, hub: Addr) -> Result<HubProtocol<'a>, ContractError> {
    let storage = deps.storage;
    Ok(Protocol::from_parts(
        CONFIG.load(storage)?,
        CLOCK.load(storage)?,
        BOOKS.load(storage)?,
        HubSource::new(deps, hub),
    ))
}

/// One write a message's operations asked for, owned, so it outlives the protocol (and its
/// borrow of the storage) until the message writes it.
#[derive(Debug)]
pub enum Write {
    /// A part of the hub's own storage, encoded.
    Set(Vec<u8>, Vec<u8>),
    /// A pending redemption added.
    Redemption(usdm_core::redeem::PendingRedemption),
    /// A pending redemption collected, as it was (its owner index entry goes with it, and
    /// the value is not read again to find it).
    Collected(usdm_core::redeem::PendingRedemption),
}

/// What the protocol's operations changed, as writes. Pools and their histories are their
/// pairs' (the hub never writes them).
pub fn writes<S: PartSource>(protocol: &Protocol<S>) -> Result<Vec<Write>, ContractError> {
    use crate::state::encode;
    let mut out = Vec::new();
    for change in protocol.changes() {
        out.push(match change {
            Change::Config(c) => Write::Set(CONFIG.key().to_vec(), encode(c)?),
            Change::Clock(c) => Write::Set(CLOCK.key().to_vec(), encode(c)?),
            Change::Books(b) => Write::Set(BOOKS.key().to_vec(), encode(b)?),
            Change::Asset(i, config) => Write::Set(ASSETS.key(i), encode(config)?),
            Change::Holding(i, h) => Write::Set(HOLDINGS.key(i), encode(h)?),
            Change::Feed(i, f) => Write::Set(FEEDS.key(i), encode(f)?),
            Change::Checkpoint(HistoryId::Feed(i), slot, c) => {
                Write::Set(CHECKPOINTS.key((i, slot)), encode(&c)?)
            }
            Change::Checkpoint(HistoryId::Pool(..), ..) | Change::Pool(..) => continue,
            Change::RedemptionAdded(r) => Write::Redemption(r.clone()),
            Change::RedemptionRemoved(r) => Write::Collected(r.clone()),
        });
    }
    Ok(out)
}

/// Stores `writes`.
pub fn save(storage: &mut dyn Storage, writes: Vec<Write>) -> Result<(), ContractError> {
    for w in writes {
        match w {
            Write::Set(key, value) => storage.set(&key, &value),
            // A new id: nothing stored under it to unindex, so nothing to read first.
            Write::Redemption(r) => redemptions().replace(storage, r.id, Some(&r), None)?,
            Write::Collected(r) => redemptions().replace(storage, r.id, None, Some(&r))?,
        }
    }
    Ok(())
}

/// Writes every part of a protocol held wholly in memory (at instantiation and migration):
/// the small parts, each asset's configuration and holding (its on-chain identity is the
/// caller's), each feed with its checkpoints, each pending redemption.
#[inline(never)]
pub fn save_all(storage: &mut dyn Storage, protocol: &Protocol) -> Result<(), ContractError> {
    CONFIG.save(storage, protocol.config())?;
    CLOCK.save(storage, protocol.clock())?;
    BOOKS.save(storage, protocol.books())?;
    for i in 0..protocol.asset_count() {
        ASSETS.save(storage, i as u16, protocol.asset(i)?)?;
        HOLDINGS.save(storage, i as u16, protocol.holding(i)?)?;
    }
    for i in 0..protocol.config().feeds.len() {
        let feed = protocol.feed(i)?;
        FEEDS.save(storage, i as u16, feed)?;
        let h = feed.history;
        for seq in h.next - u64::from(h.len)..h.next {
            let slot = (seq % usdm_core::prices::HISTORY_LEN as u64) as u8;
            let c = protocol.checkpoint(HistoryId::Feed(i as u16), slot)?;
            CHECKPOINTS.save(storage, (i as u16, slot), &c)?;
        }
    }
    for r in protocol.redemptions().iter() {
        redemptions().save(storage, r.id, r)?;
    }
    Ok(())
}
