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
//! An adapter instead builds the protocol from the three small parts and a [`PartSource`]
//! ([`Protocol::from_parts`]); each other part is fetched from the source the first time an
//! operation reads it, and kept for the rest of the message, so every part is read at most once
//! and every operation runs once. The core itself does no I/O: it only asks the source, through
//! the trait, for a part it has not seen. After an operation [`Protocol::changes`] names the
//! parts to write back, the three small parts included when they changed.
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
use std::sync::OnceLock;

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

/// One of the three small parts, with a flag set by every mutable access: the adapter writes
/// it back only when an operation changed it (or might have: a mutable access that left the
/// value as it was still counts).
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Tracked<T> {
    value: T,
    #[serde(skip)]
    dirty: bool,
}

impl<T> Tracked<T> {
    pub(crate) fn new(value: T) -> Self {
        Tracked {
            value,
            dirty: false,
        }
    }

    /// Whether it was accessed mutably since the last [`Protocol::clear_changes`].
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }
}

impl<T> std::ops::Deref for Tracked<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Tracked<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.dirty = true;
        &mut self.value
    }
}

impl<T: PartialEq> PartialEq for Tracked<T> {
    /// Equal values (what changed is not state).
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Tracked<T> {}

impl<T: std::fmt::Debug> std::fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

/// A vector of parts, each present or not yet fetched, with a flag for each one changed.
/// Fetching needs only a shared reference (a read can fetch), so each slot is a `OnceLock`.
#[derive(Clone, Debug)]
pub struct Parts<T> {
    items: Vec<OnceLock<T>>,
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
        self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .zip(&other.items)
                .all(|(a, b)| a.get() == b.get())
    }
}

impl<T: Eq> Eq for Parts<T> {}

impl<T: serde::Serialize> serde::Serialize for Parts<T> {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> std::result::Result<Z::Ok, Z::Error> {
        s.collect_seq(self.items.iter().map(OnceLock::get))
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Parts<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let items: Vec<Option<T>> = serde::Deserialize::deserialize(d)?;
        let dirty = vec![false; items.len()];
        let items = items
            .into_iter()
            .map(|v| v.map_or_else(OnceLock::new, OnceLock::from))
            .collect();
        Ok(Parts { items, dirty })
    }
}

impl<T> Parts<T> {
    /// `len` parts, none fetched.
    pub fn unloaded(len: usize) -> Self {
        Parts {
            items: (0..len).map(|_| OnceLock::new()).collect(),
            dirty: vec![false; len],
        }
    }

    /// Number of parts (fetched or not).
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The part at `i`, if fetched.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i).and_then(OnceLock::get)
    }

    /// The part at `i`, fetched with `fetch` the first time. `None` if `i` is out of range.
    #[inline]
    pub(crate) fn get_or_fetch(
        &self,
        i: usize,
        fetch: impl FnOnce() -> Result<T>,
    ) -> Option<Result<&T>> {
        let cell = self.items.get(i)?;
        Some(match cell.get() {
            Some(v) => Ok(v),
            None => fetch().map(|v| cell.get_or_init(|| v)),
        })
    }

    /// The part at `i` to change, if fetched; marks it changed.
    #[inline]
    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let item = self.items.get_mut(i)?.get_mut()?;
        self.dirty[i] = true;
        Some(item)
    }

    /// Appends a new part (changed).
    pub(crate) fn push(&mut self, value: T) {
        self.items.push(OnceLock::from(value));
        self.dirty.push(true);
    }

    /// Every part, fetched or not.
    pub fn iter(&self) -> impl Iterator<Item = Option<&T>> {
        self.items.iter().map(OnceLock::get)
    }

    fn changed(&self) -> impl Iterator<Item = (usize, &T)> {
        self.items
            .iter()
            .zip(&self.dirty)
            .enumerate()
            .filter(|(_, (_, d))| **d)
            .filter_map(|(i, (v, _))| v.get().map(|v| (i, v)))
    }

    fn clear_changes(&mut self) {
        self.dirty.iter_mut().for_each(|d| *d = false);
    }
}

/// One price history's ring of [`HISTORY_LEN`] checkpoints, by slot (`seq % HISTORY_LEN`),
/// each fetched the first time it is read.
#[derive(Clone, Debug, Default)]
pub struct Ring {
    slots: Vec<OnceLock<Checkpoint>>,
    dirty: u64,
}

impl PartialEq for Ring {
    fn eq(&self, other: &Self) -> bool {
        (0..HISTORY_LEN).all(|i| self.get(i) == other.get(i))
    }
}

impl Eq for Ring {}

impl serde::Serialize for Ring {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> std::result::Result<Z::Ok, Z::Error> {
        s.collect_seq(self.slots.iter().map(OnceLock::get))
    }
}

impl<'de> serde::Deserialize<'de> for Ring {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let slots: Vec<Option<Checkpoint>> = serde::Deserialize::deserialize(d)?;
        Ok(Ring {
            slots: slots
                .into_iter()
                .map(|v| v.map_or_else(OnceLock::new, OnceLock::from))
                .collect(),
            dirty: 0,
        })
    }
}

impl Ring {
    /// A ring of [`HISTORY_LEN`] slots, none fetched.
    pub(crate) fn unloaded() -> Self {
        Ring {
            slots: (0..HISTORY_LEN).map(|_| OnceLock::new()).collect(),
            dirty: 0,
        }
    }

    /// The checkpoint in `slot`, if present.
    #[inline]
    pub fn get(&self, slot: usize) -> Option<Checkpoint> {
        self.slots.get(slot).and_then(OnceLock::get).copied()
    }

    fn sized(&mut self) -> &mut Vec<OnceLock<Checkpoint>> {
        if self.slots.len() < HISTORY_LEN {
            self.slots.resize_with(HISTORY_LEN, OnceLock::new);
        }
        &mut self.slots
    }

    /// The checkpoint in `slot`, fetched with `fetch` the first time.
    fn get_or_fetch(
        &self,
        slot: usize,
        fetch: impl FnOnce() -> Result<Checkpoint>,
    ) -> Result<Checkpoint> {
        match self.slots.get(slot) {
            Some(cell) => match cell.get() {
                Some(c) => Ok(*c),
                None => fetch().map(|c| *cell.get_or_init(|| c)),
            },
            // A ring not yet sized has nothing in memory: every slot comes from the source.
            None => fetch(),
        }
    }

    /// Records a new checkpoint in `slot` (a change).
    pub(crate) fn record(&mut self, slot: u8, c: Checkpoint) {
        let slot = usize::from(slot);
        let cell = &mut self.sized()[slot];
        // Overwriting a filled slot needs no synchronisation; only a ring's first lap fills.
        match cell.get_mut() {
            Some(old) => *old = c,
            None => *cell = OnceLock::from(c),
        }
        self.dirty |= 1 << slot;
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
    /// Removed since the last `changes`, with what they were (an adapter whose store indexes
    /// them needs the old value to unindex, and must not read it again).
    #[serde(skip)]
    removed: BTreeMap<u64, PendingRedemption>,
}

impl Default for Redemptions {
    fn default() -> Self {
        Redemptions {
            entries: BTreeMap::new(),
            complete: true,
            absent: BTreeSet::new(),
            added: BTreeSet::new(),
            removed: BTreeMap::new(),
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
            self.removed.insert(id, r.clone());
        }
        Some(r)
    }

    fn clear_changes(&mut self) {
        self.added.clear();
        self.removed.clear();
    }
}

/// What an operation changed, for an adapter to write back: each changed part with its new
/// value, and the redemptions removed.
#[derive(Clone, Debug, PartialEq)]
pub enum Change<'a> {
    /// The configuration.
    Config(&'a Config),
    /// The clock.
    Clock(&'a Clock),
    /// The books.
    Books(&'a Books),
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
    /// A redemption removed (collected), as it was.
    RedemptionRemoved(&'a PendingRedemption),
}

/// Where the parts of a protocol not held in memory come from: an adapter's storage. The
/// protocol asks for each part at most once, the first time an operation reads it.
pub trait PartSource {
    /// The part `key` names (a pool's `shares` listing at least the treasury's), or why it
    /// cannot be read. A redemption that does not exist is `Part::Redemption(None)`.
    fn part(&self, key: PartKey) -> Result<Part>;
}

impl<T: PartSource + ?Sized> PartSource for &T {
    fn part(&self, key: PartKey) -> Result<Part> {
        (**self).part(key)
    }
}

/// The source of a protocol held wholly in memory: it has every part already, so it is never
/// asked for one that exists; asked for one that does not, it says so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InMemory;

impl PartSource for InMemory {
    fn part(&self, key: PartKey) -> Result<Part> {
        Err(Error::NotLoaded(key))
    }
}

/// A part that is not the one asked for: a broken source.
fn mismatch(key: PartKey) -> Error {
    Error::InvariantViolated(format!("the part source answered {key} with another part"))
}

impl<S: PartSource> Protocol<S> {
    /// A protocol of the three small parts, fetching every other part from `source` the first
    /// time an operation reads it: what an adapter builds for each message.
    pub fn from_parts(config: Config, clock: Clock, books: Books, source: S) -> Protocol<S> {
        let assets = config.assets.len();
        let feeds = config.feeds.len();
        let pools = config.pools as usize;
        Protocol {
            config: Tracked::new(config),
            clock: Tracked::new(clock),
            books: Tracked::new(books),
            assets: Parts::unloaded(assets),
            holdings: Parts::unloaded(assets),
            feeds: Parts::unloaded(feeds),
            rings: vec![Ring::unloaded(); feeds],
            pools: Parts::unloaded(pools),
            pool_rings: vec![[Ring::unloaded(), Ring::unloaded()]; pools],
            redemptions: Redemptions {
                complete: false,
                ..Redemptions::default()
            },
            source,
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

    /// The source parts are fetched from.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// The same protocol, fetching what it has not read yet from `source` instead (an audit
    /// that read every part through an adapter keeps them in memory with [`InMemory`]).
    pub fn with_source<T>(self, source: T) -> Protocol<T> {
        Protocol {
            config: self.config,
            clock: self.clock,
            books: self.books,
            assets: self.assets,
            holdings: self.holdings,
            feeds: self.feeds,
            rings: self.rings,
            pools: self.pools,
            pool_rings: self.pool_rings,
            redemptions: self.redemptions,
            source,
        }
    }

    /// Asks the source for `key` and takes the value out with `pick`.
    pub(crate) fn fetch<T>(&self, key: PartKey, pick: impl FnOnce(Part) -> Option<T>) -> Result<T> {
        pick(self.source.part(key)?).ok_or_else(|| mismatch(key))
    }

    /// The pending redemption `id`, fetched the first time; `None` if it does not exist.
    pub(crate) fn redemption(&mut self, id: u64) -> Result<Option<&PendingRedemption>> {
        if self.redemptions.lookup(id).is_err() {
            match self.source.part(PartKey::Redemption(id))? {
                Part::Redemption(Some(r)) if r.id == id => {
                    self.redemptions.entries.insert(id, r);
                }
                Part::Redemption(None) => {
                    self.redemptions.absent.insert(id);
                }
                _ => return Err(mismatch(PartKey::Redemption(id))),
            }
        }
        Ok(self.redemptions.lookup(id).ok().flatten())
    }

    /// Replaces the pending redemptions with `all` of them (an adapter that read its whole
    /// queue, for audits and migrations): absence then means the id does not exist.
    pub fn set_all_redemptions(&mut self, all: Vec<PendingRedemption>) {
        self.redemptions.entries = all.into_iter().map(|r| (r.id, r)).collect();
        self.redemptions.complete = true;
        self.redemptions.absent.clear();
    }

    /// Every part changed since the last [`Protocol::clear_changes`]: the small parts first.
    pub fn changes(&self) -> Vec<Change<'_>> {
        let mut out = Vec::new();
        if self.config.is_dirty() {
            out.push(Change::Config(&self.config));
        }
        if self.clock.is_dirty() {
            out.push(Change::Clock(&self.clock));
        }
        if self.books.is_dirty() {
            out.push(Change::Books(&self.books));
        }
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
                .values()
                .map(Change::RedemptionRemoved),
        );
        out
    }

    /// Forgets what changed (after an adapter wrote it back).
    pub fn clear_changes(&mut self) {
        self.config.dirty = false;
        self.clock.dirty = false;
        self.books.dirty = false;
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
                out.push((PartKey::Holding(index(i)), Part::Holding(*h)));
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

    /// Checkpoint `slot` of history `h`, fetched the first time.
    pub fn checkpoint(&self, h: HistoryId, slot: u8) -> Result<Checkpoint> {
        let key = PartKey::Checkpoint(h, slot);
        let fetch = || {
            self.fetch(key, |p| match p {
                Part::Checkpoint(c) => Some(c),
                _ => None,
            })
        };
        match self.ring(h) {
            Some(ring) => ring.get_or_fetch(usize::from(slot) % HISTORY_LEN, fetch),
            None => Err(Error::NotLoaded(key)),
        }
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
pub(crate) struct HistoryView<'a, S> {
    pub(crate) protocol: &'a Protocol<S>,
    pub(crate) id: HistoryId,
}

impl<S: PartSource> crate::prices::History for HistoryView<'_, S> {
    fn checkpoint(&self, seq: u64) -> Result<Checkpoint> {
        let slot = (seq % HISTORY_LEN as u64) as u8;
        self.protocol.checkpoint(self.id, slot)
    }
}
