//! The protocol's state in parts, so that an adapter that cannot hold all of it in memory (a
//! chain contract, paying for every byte it reads and writes) hands each operation only what
//! the operation touches and stores back only what it changed.
//!
//! Three small parts are always present: [`Config`] (what governance sets), [`Clock`] (the
//! epoch state and the last block, which nearly every operation advances) and [`Books`]
//! (supplies, the ratio policy, breakers, fees, the next redemption id). Everything that grows
//! with the number of assets, feeds, pools, price history or pending redemptions is a separate
//! part named by a [`PartKey`]: an asset's configuration and holding, a feed's head, one
//! checkpoint of a price history, a pool, one pending redemption.
//!
//! In memory (the simulator, tests, the CLI) every part is present and nothing else happens.
//! An adapter instead builds the protocol from the three small parts
//! ([`Protocol::from_parts`]) and runs an operation; when it touches a part that was not
//! loaded, the operation fails with [`Error::NotLoaded`] naming it, and the protocol remembers
//! the first part it missed ([`Protocol::take_missing`]) even where the operation itself
//! would have swallowed the error. The adapter loads that part ([`Protocol::load`]) and runs
//! the operation again, on the protocol as it was before the attempt ([`Protocol::run_loading`]
//! does exactly this over a [`PartSource`]). Operations are pure, so a retry costs computation,
//! never storage; after a success [`Protocol::changes`] names the parts to write back.
//!
//! [`legacy`] reads the single-value state of earlier versions into these parts (migration).

use crate::asset::AssetConfig;
use crate::breakers::Breakers;
use crate::error::{Error, Result};
use crate::fees::FeeTotals;
use crate::governance::Governance;
use crate::ids::Symbol;
use crate::params::Params;
use crate::prices::{Checkpoint, Feed, HISTORY_LEN};
use crate::protocol::{Protocol, Supply};
use crate::ratio::RatioPolicy;
use crate::redeem::PendingRedemption;
use crate::supply_cap::Mintage;
use crate::swap::{Pool, PoolId};
use crate::time::BlockTime;
use crate::treasury::{Holding, Strategy};
use std::collections::{BTreeMap, BTreeSet};

pub mod legacy;

/// The most assets that may be whitelisted: every valuation of the treasury reads each of
/// them, so their number bounds what a mint or a treasury query costs.
pub const MAX_ASSETS: usize = 32;
/// The most Mars Swap pools: circulating USDm and XMS read each.
pub const MAX_POOLS: usize = 8;
/// The most price feeders (they live in [`Config`], read by every operation).
pub const MAX_FEEDERS: usize = 16;
/// The most yield-strategy positions open at once (they live in [`Config`]).
pub const MAX_STRATEGIES: usize = 16;

/// A price history: a feed's, or one side of a pool's.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum HistoryId {
    /// The feed at this index.
    Feed(u16),
    /// Side 0 or 1 of this pool.
    Pool(PoolId, u8),
}

/// A part of the state stored on its own.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PartKey {
    /// The configuration of the asset at this index.
    Asset(u16),
    /// The treasury's holding of the asset at this index.
    Holding(u16),
    /// The head of the feed at this index (latest price, cumulative, history cursor).
    Feed(u16),
    /// One ring slot (`seq % HISTORY_LEN`) of a price history.
    Checkpoint(HistoryId, u8),
    /// A pool.
    Pool(PoolId),
    /// A pending redemption, by id.
    Redemption(u64),
}

impl std::fmt::Display for PartKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartKey::Asset(i) => write!(f, "asset {i}"),
            PartKey::Holding(i) => write!(f, "holding {i}"),
            PartKey::Feed(i) => write!(f, "feed {i}"),
            PartKey::Checkpoint(HistoryId::Feed(i), s) => write!(f, "checkpoint {s} of feed {i}"),
            PartKey::Checkpoint(HistoryId::Pool(p, side), s) => {
                write!(f, "checkpoint {s} of pool {p} side {side}")
            }
            PartKey::Pool(p) => write!(f, "pool {p}"),
            PartKey::Redemption(id) => write!(f, "redemption {id}"),
        }
    }
}

/// A part's value, as an adapter loads it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// An asset's configuration.
    Asset(AssetConfig),
    /// A holding.
    Holding(Holding),
    /// A feed head.
    Feed(Feed),
    /// A checkpoint.
    Checkpoint(Checkpoint),
    /// A pool (a chain adapter lists only the holders it needs in `shares`).
    Pool(Box<Pool>),
    /// A pending redemption, or none with that id.
    Redemption(Option<PendingRedemption>),
}

/// What governance sets: read by every operation, written only by governance and treasury
/// operations.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Config {
    /// Parameters.
    pub params: Params,
    /// Governor, feeders, pauses.
    pub governance: Governance,
    /// Whitelisted assets in order (their configurations are parts of their own).
    pub assets: Vec<Symbol>,
    /// Tokens with a price feed, in feed order: XMS, USDm, then assets.
    pub feeds: Vec<Symbol>,
    /// Index in `feeds` of each asset's feed.
    pub asset_feeds: Vec<u16>,
    /// Number of pools (ids `0..pools`).
    pub pools: u32,
    /// Yield-strategy positions.
    pub strategies: Vec<Strategy>,
    /// The latest support-ratio ramp, running until its end (absent from state stored before
    /// ramps existed). `params.xms_support_ratio` is its target while it runs.
    #[serde(default)]
    pub support_ramp: Option<crate::ramp::SupportRamp>,
}

/// What time changes: written by nearly every operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Clock {
    /// Epochs and the market-cap average.
    pub mintage: Mintage,
    /// The block of the latest operation.
    pub last_time: BlockTime,
}

/// The protocol's books: written by operations that move tokens.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Books {
    /// Token supplies and flows.
    pub supply: Supply,
    /// The ratio policy and its state.
    pub policy: RatioPolicy,
    /// Circuit-breaker capacity used.
    pub breakers: Breakers,
    /// Fees of operations that name no asset.
    pub unattributed_fees: FeeTotals,
    /// The id the next redemption gets.
    pub next_redemption_id: u64,
}

/// A vector of parts, each present or not (yet) loaded, with a flag for each one changed.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Parts<T> {
    items: Vec<Option<T>>,
    #[serde(skip)]
    dirty: Vec<bool>,
}

impl<T> Default for Parts<T> {
    fn default() -> Self {
        Parts {
            items: Vec::new(),
            dirty: Vec::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for Parts<T> {
    /// Equal when the same parts are present with the same values (what changed is not state).
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl<T: Eq> Eq for Parts<T> {}

impl<T> Parts<T> {
    /// `len` parts, none loaded.
    pub fn unloaded(len: usize) -> Self {
        Parts {
            items: (0..len).map(|_| None).collect(),
            dirty: vec![false; len],
        }
    }

    /// Number of parts (loaded or not).
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The part at `i`, if loaded.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i).and_then(Option::as_ref)
    }

    /// The part at `i` to change, if loaded; marks it changed.
    #[inline]
    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let item = self.items.get_mut(i)?.as_mut()?;
        self.dirty[i] = true;
        Some(item)
    }

    /// Appends a new part (changed).
    pub(crate) fn push(&mut self, value: T) {
        self.items.push(Some(value));
        self.dirty.push(true);
    }

    /// Loads the part at `i` (not a change).
    pub(crate) fn fill(&mut self, i: usize, value: T) {
        if self.items.len() <= i {
            self.items.resize_with(i + 1, || None);
            self.dirty.resize(i + 1, false);
        }
        self.items[i] = Some(value);
    }

    /// Every part, loaded or not.
    pub fn iter(&self) -> impl Iterator<Item = Option<&T>> {
        self.items.iter().map(Option::as_ref)
    }

    fn changed(&self) -> impl Iterator<Item = (usize, &T)> {
        self.items
            .iter()
            .zip(&self.dirty)
            .enumerate()
            .filter(|(_, (_, d))| **d)
            .filter_map(|(i, (v, _))| v.as_ref().map(|v| (i, v)))
    }

    fn clear_changes(&mut self) {
        self.dirty.iter_mut().for_each(|d| *d = false);
    }
}

/// One price history's ring of [`HISTORY_LEN`] checkpoints, by slot (`seq % HISTORY_LEN`).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Ring {
    slots: Vec<Option<Checkpoint>>,
    #[serde(skip)]
    dirty: u64,
}

impl PartialEq for Ring {
    fn eq(&self, other: &Self) -> bool {
        let get = |r: &Ring, i: usize| r.slots.get(i).copied().flatten();
        (0..HISTORY_LEN).all(|i| get(self, i) == get(other, i))
    }
}

impl Eq for Ring {}

impl Ring {
    /// The checkpoint in `slot`, if loaded.
    #[inline]
    pub fn get(&self, slot: usize) -> Option<Checkpoint> {
        self.slots.get(slot).copied().flatten()
    }

    fn put(&mut self, slot: usize, c: Checkpoint, changed: bool) {
        if self.slots.len() < HISTORY_LEN {
            self.slots.resize(HISTORY_LEN, None);
        }
        self.slots[slot] = Some(c);
        if changed {
            self.dirty |= 1 << slot;
        }
    }

    /// Records a new checkpoint in `slot` (a change).
    pub(crate) fn record(&mut self, slot: u8, c: Checkpoint) {
        self.put(usize::from(slot), c, true);
    }
}

/// Pending redemptions by id: all of them in memory, only those an operation named when
/// loaded by an adapter, with the ids added and removed since the last [`Protocol::changes`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Redemptions {
    entries: BTreeMap<u64, PendingRedemption>,
    /// True in memory: an id not in `entries` does not exist.
    complete: bool,
    /// Ids an adapter loaded and found absent.
    #[serde(skip)]
    absent: BTreeSet<u64>,
    #[serde(skip)]
    added: BTreeSet<u64>,
    #[serde(skip)]
    removed: BTreeSet<u64>,
}

impl Default for Redemptions {
    fn default() -> Self {
        Redemptions {
            entries: BTreeMap::new(),
            complete: true,
            absent: BTreeSet::new(),
            added: BTreeSet::new(),
            removed: BTreeSet::new(),
        }
    }
}

impl PartialEq for Redemptions {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries && self.complete == other.complete
    }
}

impl Eq for Redemptions {}

impl Redemptions {
    /// Whether every pending redemption is here (in memory), rather than only those loaded.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Every pending redemption held, oldest first (all of them when complete).
    pub fn iter(&self) -> impl Iterator<Item = &PendingRedemption> {
        self.entries.values()
    }

    /// `owner`'s pending redemptions held, oldest first.
    pub fn of<'a>(
        &'a self,
        owner: &'a crate::ids::Account,
    ) -> impl Iterator<Item = &'a PendingRedemption> + 'a {
        self.entries.values().filter(move |r| &r.owner == owner)
    }

    /// Number held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if none are held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The redemption `id`: `Ok(None)` if it does not exist, `Err(key)` if not loaded.
    pub(crate) fn lookup(
        &self,
        id: u64,
    ) -> std::result::Result<Option<&PendingRedemption>, PartKey> {
        match self.entries.get(&id) {
            Some(r) => Ok(Some(r)),
            None if self.complete || self.absent.contains(&id) => Ok(None),
            None => Err(PartKey::Redemption(id)),
        }
    }

    pub(crate) fn insert(&mut self, r: PendingRedemption) {
        self.added.insert(r.id);
        self.removed.remove(&r.id);
        self.entries.insert(r.id, r);
    }

    pub(crate) fn remove(&mut self, id: u64) -> Option<PendingRedemption> {
        let r = self.entries.remove(&id)?;
        if !self.added.remove(&id) {
            self.removed.insert(id);
        }
        Some(r)
    }

    fn clear_changes(&mut self) {
        self.added.clear();
        self.removed.clear();
    }
}

/// What an operation changed, for an adapter to write back: each changed part with its new
/// value, and the redemptions removed. [`Config`], [`Clock`] and [`Books`] are not listed: an
/// adapter compares them with what it loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum Change<'a> {
    /// An asset's configuration (new or updated).
    Asset(u16, &'a AssetConfig),
    /// A holding.
    Holding(u16, &'a Holding),
    /// A feed head.
    Feed(u16, &'a Feed),
    /// A checkpoint recorded.
    Checkpoint(HistoryId, u8, Checkpoint),
    /// A pool changed (for adapters that own their pools; a chain's hub mirrors its pairs and
    /// ignores these).
    Pool(PoolId, &'a Pool),
    /// A redemption added.
    RedemptionAdded(&'a PendingRedemption),
    /// A redemption removed (collected).
    RedemptionRemoved(u64),
}

/// Where an adapter's parts come from.
pub trait PartSource {
    /// The part `key` names (a pool's `shares` listing at least the treasury's), or why it
    /// cannot be read.
    fn part(&self, key: PartKey) -> Result<Part>;
}

/// More loads than any operation needs: a source that keeps answering with parts that do not
/// satisfy the operation is broken.
const MAX_LOADS: usize = 4 * (MAX_ASSETS * 4 + MAX_POOLS * 8) + 64;

impl Protocol {
    /// Runs `op` on this protocol, loading from `source` every part it turns out to need: each
    /// attempt runs on a copy of the protocol as it was, and the copy is kept only when nothing
    /// was missing (whatever `op` returned). Returns `op`'s result.
    pub fn run_loading<T>(
        &mut self,
        source: &impl PartSource,
        mut op: impl FnMut(&mut Protocol) -> Result<T>,
    ) -> Result<T> {
        for _ in 0..MAX_LOADS {
            let mut attempt = self.clone();
            let result = op(&mut attempt);
            match attempt.take_missing() {
                Some(key) => {
                    let part = source.part(key)?;
                    self.load(key, part)?;
                }
                None => {
                    *self = attempt;
                    return result;
                }
            }
        }
        Err(Error::InvariantViolated(
            "the part source never satisfied the operation".into(),
        ))
    }

    /// A protocol of the three small parts with nothing else loaded: what an adapter builds
    /// for each operation before loading what the operation asks for.
    pub fn from_parts(config: Config, clock: Clock, books: Books) -> Protocol {
        let assets = config.assets.len();
        let feeds = config.feeds.len();
        let pools = config.pools as usize;
        Protocol {
            config,
            clock,
            books,
            assets: Parts::unloaded(assets),
            holdings: Parts::unloaded(assets),
            feeds: Parts::unloaded(feeds),
            rings: vec![Ring::default(); feeds],
            pools: Parts::unloaded(pools),
            pool_rings: vec![[Ring::default(), Ring::default()]; pools],
            redemptions: Redemptions {
                complete: false,
                ..Redemptions::default()
            },
            missing: std::sync::OnceLock::new(),
        }
    }

    /// The configuration part.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The clock part.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The books part.
    pub fn books(&self) -> &Books {
        &self.books
    }

    /// Loads a part. A part that does not match its key is refused.
    pub fn load(&mut self, key: PartKey, part: Part) -> Result<()> {
        let bad = || Error::InvariantViolated(format!("loaded a part that is not {key}"));
        match (key, part) {
            (PartKey::Asset(i), Part::Asset(a)) => self.assets.fill(i.into(), a),
            (PartKey::Holding(i), Part::Holding(h)) => self.holdings.fill(i.into(), h),
            (PartKey::Feed(i), Part::Feed(f)) => self.feeds.fill(i.into(), f),
            (PartKey::Checkpoint(h, slot), Part::Checkpoint(c)) => {
                let ring = self.ring_mut(h).ok_or_else(bad)?;
                ring.put(usize::from(slot) % HISTORY_LEN, c, false);
            }
            (PartKey::Pool(id), Part::Pool(p)) => self.pools.fill(id as usize, *p),
            (PartKey::Redemption(id), Part::Redemption(r)) => match r {
                Some(r) if r.id == id => {
                    self.redemptions.entries.insert(id, r);
                }
                Some(_) => return Err(bad()),
                None => {
                    self.redemptions.absent.insert(id);
                }
            },
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// Replaces the pending redemptions with `all` of them (an adapter that read its whole
    /// queue, for audits and migrations): absence then means the id does not exist.
    pub fn set_all_redemptions(&mut self, all: Vec<PendingRedemption>) {
        self.redemptions.entries = all.into_iter().map(|r| (r.id, r)).collect();
        self.redemptions.complete = true;
        self.redemptions.absent.clear();
    }

    /// The first part an operation needed and did not find since the last call, if any.
    pub fn take_missing(&mut self) -> Option<PartKey> {
        self.missing.take()
    }

    /// Records that `key` was needed and not loaded (the first such part is kept), and returns
    /// the error that says so.
    pub(crate) fn miss(&self, key: PartKey) -> Error {
        let _ = self.missing.set(key);
        Error::NotLoaded(key)
    }

    /// Every part changed since the last [`Protocol::clear_changes`].
    pub fn changes(&self) -> Vec<Change<'_>> {
        let mut out = Vec::new();
        out.extend(
            self.assets
                .changed()
                .map(|(i, a)| Change::Asset(i as u16, a)),
        );
        out.extend(
            self.holdings
                .changed()
                .map(|(i, h)| Change::Holding(i as u16, h)),
        );
        out.extend(self.feeds.changed().map(|(i, f)| Change::Feed(i as u16, f)));
        for (i, ring) in self.rings.iter().enumerate() {
            push_ring(&mut out, ring, HistoryId::Feed(i as u16));
        }
        for (id, rings) in self.pool_rings.iter().enumerate() {
            for (side, ring) in rings.iter().enumerate() {
                push_ring(&mut out, ring, HistoryId::Pool(id as PoolId, side as u8));
            }
        }
        out.extend(
            self.pools
                .changed()
                .map(|(i, p)| Change::Pool(i as PoolId, p)),
        );
        for id in &self.redemptions.added {
            if let Some(r) = self.redemptions.entries.get(id) {
                out.push(Change::RedemptionAdded(r));
            }
        }
        out.extend(
            self.redemptions
                .removed
                .iter()
                .map(|id| Change::RedemptionRemoved(*id)),
        );
        out
    }

    /// Forgets what changed (after an adapter wrote it back).
    pub fn clear_changes(&mut self) {
        self.assets.clear_changes();
        self.holdings.clear_changes();
        self.feeds.clear_changes();
        self.rings.iter_mut().for_each(|r| r.dirty = 0);
        self.pool_rings
            .iter_mut()
            .flat_map(|r| r.iter_mut())
            .for_each(|r| r.dirty = 0);
        self.pools.clear_changes();
        self.redemptions.clear_changes();
    }

    /// Every part held, by key, in key order: the whole state of a protocol held in memory, to
    /// store part by part (an adapter's instantiation or migration) or to compare with what an
    /// adapter stored.
    pub fn parts(&self) -> Vec<(PartKey, Part)> {
        let mut out = Vec::new();
        let index = |i: usize| i as u16;
        for (i, a) in self.assets.iter().enumerate() {
            if let Some(a) = a {
                out.push((PartKey::Asset(index(i)), Part::Asset(a.clone())));
            }
        }
        for (i, h) in self.holdings.iter().enumerate() {
            if let Some(h) = h {
                out.push((PartKey::Holding(index(i)), Part::Holding(h.clone())));
            }
        }
        for (i, f) in self.feeds.iter().enumerate() {
            if let Some(f) = f {
                out.push((PartKey::Feed(index(i)), Part::Feed(f.clone())));
            }
        }
        let mut ring = |h: HistoryId, ring: &Ring| {
            for slot in 0..HISTORY_LEN {
                if let Some(c) = ring.get(slot) {
                    out.push((PartKey::Checkpoint(h, slot as u8), Part::Checkpoint(c)));
                }
            }
        };
        for (i, r) in self.rings.iter().enumerate() {
            ring(HistoryId::Feed(index(i)), r);
        }
        for (id, rings) in self.pool_rings.iter().enumerate() {
            for (side, r) in rings.iter().enumerate() {
                ring(HistoryId::Pool(id as PoolId, side as u8), r);
            }
        }
        for (id, pool) in self.pools.iter().enumerate() {
            if let Some(pool) = pool {
                out.push((
                    PartKey::Pool(id as PoolId),
                    Part::Pool(Box::new(pool.clone())),
                ));
            }
        }
        for r in self.redemptions.iter() {
            out.push((PartKey::Redemption(r.id), Part::Redemption(Some(r.clone()))));
        }
        out.sort_by_key(|(k, _)| *k);
        out
    }

    /// Checkpoint `slot` of history `h`, if loaded.
    pub fn checkpoint(&self, h: HistoryId, slot: u8) -> Option<Checkpoint> {
        self.ring(h).and_then(|r| r.get(usize::from(slot)))
    }

    pub(crate) fn ring(&self, h: HistoryId) -> Option<&Ring> {
        match h {
            HistoryId::Feed(i) => self.rings.get(usize::from(i)),
            HistoryId::Pool(id, side) => self
                .pool_rings
                .get(id as usize)
                .and_then(|r| r.get(usize::from(side))),
        }
    }

    pub(crate) fn ring_mut(&mut self, h: HistoryId) -> Option<&mut Ring> {
        match h {
            HistoryId::Feed(i) => self.rings.get_mut(usize::from(i)),
            HistoryId::Pool(id, side) => self
                .pool_rings
                .get_mut(id as usize)
                .and_then(|r| r.get_mut(usize::from(side))),
        }
    }
}

fn push_ring<'a>(out: &mut Vec<Change<'a>>, ring: &'a Ring, h: HistoryId) {
    if ring.dirty == 0 {
        return;
    }
    for slot in 0..HISTORY_LEN {
        if ring.dirty & (1 << slot) != 0 {
            if let Some(c) = ring.get(slot) {
                out.push(Change::Checkpoint(h, slot as u8, c));
            }
        }
    }
}

/// A price history as the TWAP search reads it: checkpoint `seq` of history `id`.
pub(crate) struct HistoryView<'a> {
    pub(crate) protocol: &'a Protocol,
    pub(crate) id: HistoryId,
}

impl crate::prices::History for HistoryView<'_> {
    fn checkpoint(&self, seq: u64) -> Result<Checkpoint> {
        let slot = (seq % HISTORY_LEN as u64) as u8;
        self.protocol
            .ring(self.id)
            .and_then(|r| r.get(usize::from(slot)))
            .ok_or_else(|| self.protocol.miss(PartKey::Checkpoint(self.id, slot)))
    }
}
