//! The state of commit 7ebb74f, stored as one serde value, turned into the parts of
//! [`crate::state`]: what a contract deployed with that version migrates.
//!
//! The old JSON is read through private mirrors of only the types whose serde shape changed
//! (the protocol, the asset registry, the treasury, the price book, feeds and pools, whose
//! histories became rings, and the redemption queue); every other type is read as it is today,
//! its shape being the same ([`Params`] too: the new `min_redemption` takes its default).
//!
//! Deserialization is left to the caller's JSON library (a contract's `from_json` is
//! float-free); the core takes no JSON dependency for it:
//!
//! ```
//! use usdm_core::state::legacy::LegacyProtocol;
//!
//! let stored = include_bytes!("../../tests/fixtures/legacy-protocol-7ebb74f.json");
//! let legacy: LegacyProtocol = serde_json::from_slice(stored).unwrap();
//! let protocol = legacy.into_protocol().unwrap();
//! assert_eq!(protocol.books().next_redemption_id, 5);
//! ```
//!
//! Nothing the old state held is dropped. Its feeds kept at most [`HISTORY_LEN`] checkpoints,
//! as the new rings do, so every TWAP reads the same checkpoints after migration. Two things
//! differ: a history longer than the ring (never written by 7ebb74f) keeps only its newest
//! [`HISTORY_LEN`]; and checkpoint numbers (the cursor's `next`, which the old history did not
//! have) restart at 0, only their order being meaningful. Counts above the new bounds
//! ([`MAX_ASSETS`], [`MAX_POOLS`], [`MAX_FEEDERS`], [`MAX_STRATEGIES`]) are refused rather
//! than carried: reduce them on the old deployment before migrating.

use super::{
    Books, Clock, Config, Parts, Redemptions, Ring, Tracked, MAX_ASSETS, MAX_FEEDERS, MAX_POOLS,
    MAX_STRATEGIES,
};
use crate::asset::{AssetConfig, PriceSource};
use crate::breakers::Breakers;
use crate::error::{Error, Result};
use crate::fees::FeeTotals;
use crate::governance::Governance;
use crate::ids::{Account, Symbol, USDM, XMS};
use crate::params::Params;
use crate::prices::{Checkpoint, Cursor, Feed, HISTORY_LEN};
use crate::protocol::{Protocol, Supply};
use crate::ratio::RatioPolicy;
use crate::redeem::PendingRedemption;
use crate::supply_cap::Mintage;
use crate::swap::{Pool, PoolId};
use crate::time::BlockTime;
use crate::treasury::{Holding, Strategy};
use crate::units::{Amount, Price};
use std::collections::{BTreeMap, BTreeSet};

/// The whole protocol as 7ebb74f serialised it (`usdm_core::Protocol` of that commit). The
/// larger fields decode apart (each in a function of its own, to stay under the VM's locals
/// limit).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct LegacyProtocol {
    #[serde(deserialize_with = "apart")]
    params: Params,
    #[serde(deserialize_with = "apart")]
    registry: LegacyRegistry,
    #[serde(deserialize_with = "apart")]
    treasury: LegacyTreasury,
    #[serde(deserialize_with = "apart")]
    prices: LegacyPriceBook,
    asset_feeds: Vec<usize>,
    #[serde(deserialize_with = "apart")]
    mintage: Mintage,
    policy: RatioPolicy,
    #[serde(deserialize_with = "apart")]
    governance: Governance,
    #[serde(deserialize_with = "apart")]
    redemptions: LegacyRedemptions,
    #[serde(deserialize_with = "apart")]
    pools: Vec<LegacyPool>,
    #[serde(deserialize_with = "apart")]
    breakers: Breakers,
    #[serde(deserialize_with = "apart")]
    supply: Supply,
    last_time: BlockTime,
}

/// Decodes a field through a function pointer the optimiser cannot see through, so that its
/// decoder stays a function of its own: wasm-opt inlines a function into its only caller, and
/// the whole legacy state's decoder merged into one would exceed the 100 locals a CosmWasm VM
/// accepts in a function (the migrator contract parses this state).
fn apart<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let decode: fn(D) -> std::result::Result<T, D::Error> = T::deserialize;
    std::hint::black_box(decode)(d)
}

/// `AssetRegistry`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct LegacyRegistry {
    assets: Vec<AssetConfig>,
}

/// `Treasury`: holdings in registry order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct LegacyTreasury {
    holdings: Vec<Holding>,
    strategies: Vec<Strategy>,
    unattributed_fees: FeeTotals,
}

/// `PriceBook`: XMS, USDm, then each asset's feed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct LegacyPriceBook {
    feeds: Vec<LegacyFeed>,
}

/// `Feed` with its history inline (a `VecDeque`, oldest first).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct LegacyFeed {
    symbol: Symbol,
    source: PriceSource,
    price: Option<Price>,
    observed_at: u64,
    posted_at: u64,
    #[serde(with = "crate::math::u128_string")]
    cumulative: u128,
    history: Vec<Checkpoint>,
}

/// `Redemptions`: pending ones ordered by id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct LegacyRedemptions {
    next_id: u64,
    pending: Vec<PendingRedemption>,
}

/// `Pool`, its two price feeds in the old shape.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
struct LegacyPool {
    id: PoolId,
    tokens: [Symbol; 2],
    decimals: [u8; 2],
    reserves: [Amount; 2],
    protocol_fees: [Amount; 2],
    total_shares: Amount,
    shares: BTreeMap<Account, Amount>,
    prices: [LegacyFeed; 2],
    received: [Amount; 2],
    paid: [Amount; 2],
    #[serde(default)]
    mirror: bool,
    twap_window: u64,
    #[serde(default)]
    retired: bool,
}

fn refuse(reason: String) -> Error {
    Error::LegacyState(reason)
}

fn bounded(what: &str, count: usize, max: usize) -> Result<()> {
    if count > max {
        return Err(refuse(format!(
            "{count} {what}; this version holds at most {max}: remove some before migrating"
        )));
    }
    Ok(())
}

impl LegacyFeed {
    /// The feed head and its ring: checkpoint `i` of the kept history (oldest first) gets
    /// number `i`, so the ring reads them in the old order.
    fn split(self, what: &str) -> Result<(Feed, Ring)> {
        let skip = self.history.len().saturating_sub(HISTORY_LEN);
        let kept = &self.history[skip..];
        if kept.windows(2).any(|w| w[1].at <= w[0].at) {
            return Err(refuse(format!("{what}: checkpoint times do not increase")));
        }
        if kept.last().is_some_and(|c| c.at > self.posted_at) {
            return Err(refuse(format!(
                "{what}: a checkpoint is later than the latest post"
            )));
        }
        let mut ring = Ring::default();
        for (seq, c) in kept.iter().enumerate() {
            ring.record(seq as u8, *c); // seq < HISTORY_LEN <= u8::MAX
        }
        let len = kept.len() as u8;
        let feed = Feed {
            symbol: self.symbol,
            source: self.source,
            price: self.price,
            observed_at: self.observed_at,
            posted_at: self.posted_at,
            cumulative: self.cumulative,
            history: Cursor {
                next: u64::from(len),
                len,
                newest_at: kept.last().map_or(0, |c| c.at),
            },
        };
        Ok((feed, ring))
    }
}

impl LegacyPool {
    fn split(self, index: usize) -> Result<(Pool, [Ring; 2])> {
        if self.id as usize != index {
            return Err(refuse(format!("pool {} is listed at {index}", self.id)));
        }
        let [p0, p1] = self.prices;
        let (f0, r0) = p0.split(&format!("pool {index} side 0"))?;
        let (f1, r1) = p1.split(&format!("pool {index} side 1"))?;
        let pool = Pool {
            id: self.id,
            tokens: self.tokens,
            decimals: self.decimals,
            reserves: self.reserves,
            protocol_fees: self.protocol_fees,
            total_shares: self.total_shares,
            shares: self.shares,
            prices: [f0, f1],
            received: self.received,
            paid: self.paid,
            mirror: self.mirror,
            twap_window: self.twap_window,
            retired: self.retired,
        };
        Ok((pool, [r0, r1]))
    }
}

impl LegacyProtocol {
    /// The same protocol in the new layout, every part present and marked changed (as after
    /// genesis), so an adapter stores it with [`Protocol::parts`] or [`Protocol::changes`].
    /// Refuses, with [`Error::LegacyState`], a state 7ebb74f could not have written or this
    /// version cannot hold, and one that fails [`Protocol::check_invariants`].
    #[inline(never)]
    pub fn into_protocol(self) -> Result<Protocol> {
        let assets = self.registry.assets;
        let n = assets.len();
        bounded("whitelisted assets", n, MAX_ASSETS)?;
        // This version keeps MAX_POOLS slots and reuses a retired pool's: a pool past them is
        // dropped, which only a retired one (holding and pricing nothing) may be.
        if let Some(i) = (MAX_POOLS..self.pools.len()).find(|&i| !self.pools[i].retired) {
            return Err(refuse(format!(
                "pool {i} is live, and this version keeps {MAX_POOLS} pool slots: retire it first"
            )));
        }
        let mut pools = self.pools;
        pools.truncate(MAX_POOLS);
        bounded("feeders", self.governance.feeders.len(), MAX_FEEDERS)?;
        bounded(
            "strategy positions",
            self.treasury.strategies.len(),
            MAX_STRATEGIES,
        )?;
        self.params
            .validate()
            .map_err(|e| refuse(format!("parameters: {e}")))?;
        if self.treasury.holdings.len() != n || self.asset_feeds.len() != n {
            return Err(refuse(format!(
                "{n} assets but {} holdings and {} feed links",
                self.treasury.holdings.len(),
                self.asset_feeds.len()
            )));
        }
        let symbols: Vec<Symbol> = assets.iter().map(|a| a.symbol).collect();
        if symbols.iter().collect::<BTreeSet<_>>().len() != n {
            return Err(refuse("an asset is listed twice".into()));
        }

        let feeds = self.prices.feeds;
        let feed_symbols: Vec<Symbol> = feeds.iter().map(|f| f.symbol).collect();
        if feed_symbols.get(..2) != Some(&[XMS, USDM][..]) {
            return Err(refuse("the first two feeds are not XMS and USDm".into()));
        }
        if feed_symbols.iter().collect::<BTreeSet<_>>().len() != feeds.len() {
            return Err(refuse("a token has two feeds".into()));
        }
        let mut asset_feeds = Vec::with_capacity(n);
        for (symbol, &feed) in symbols.iter().zip(&self.asset_feeds) {
            if feed_symbols.get(feed) != Some(symbol) {
                return Err(refuse(format!("{symbol} is linked to feed {feed}")));
            }
            // Fewer than MAX_ASSETS + 2 feeds, checked above.
            asset_feeds.push(u16::try_from(feed).map_err(|_| refuse("feed index".into()))?);
        }

        let pending = self.redemptions.pending;
        let next_id = self.redemptions.next_id;
        let mut last = None;
        for r in &pending {
            if last.is_some_and(|l| r.id <= l) || r.id >= next_id {
                return Err(refuse(format!("pending redemption {} out of order", r.id)));
            }
            last = Some(r.id);
        }

        let mut p = Protocol {
            config: Tracked::new(Config {
                params: self.params,
                governance: self.governance,
                assets: symbols,
                feeds: feed_symbols,
                asset_feeds,
                pools: pools.len() as u32, // at most MAX_POOLS
                strategies: self.treasury.strategies,
                support_ramp: None,
            }),
            clock: Tracked::new(Clock {
                mintage: self.mintage,
                last_time: self.last_time,
            }),
            books: Tracked::new(Books {
                supply: self.supply,
                policy: self.policy,
                breakers: self.breakers,
                unattributed_fees: self.treasury.unattributed_fees,
                next_redemption_id: next_id,
            }),
            assets: Parts::default(),
            holdings: Parts::default(),
            feeds: Parts::default(),
            rings: Vec::with_capacity(feeds.len()),
            pools: Parts::default(),
            pool_rings: Vec::with_capacity(pools.len()),
            redemptions: Redemptions::default(),
            source: crate::state::InMemory,
        };
        for (asset, holding) in assets.into_iter().zip(self.treasury.holdings) {
            p.assets.push(asset);
            p.holdings.push(holding);
        }
        for feed in feeds {
            let what = format!("the {} feed", feed.symbol);
            let (feed, ring) = feed.split(&what)?;
            p.feeds.push(feed);
            p.rings.push(ring);
        }
        for (i, pool) in pools.into_iter().enumerate() {
            let (pool, rings) = pool.split(i)?;
            p.pools.push(pool);
            p.pool_rings.push(rings);
        }
        for r in pending {
            p.redemptions.insert(r);
        }
        p.check_invariants()
            .map_err(|e| refuse(format!("the migrated state fails a check: {e}")))?;
        Ok(p)
    }
}

/// A pool as a 0.1 pair contract stored it (one value, its histories inline).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct LegacyPairPool(LegacyPool);

impl LegacyPairPool {
    /// The pool in the new layout and each side's checkpoints by ring slot, for the pair to
    /// store apart; refuses a history whose times do not increase.
    pub fn into_pool(self) -> Result<(Pool, [Vec<(u8, Checkpoint)>; 2])> {
        let id = self.0.id as usize;
        let (pool, rings) = self.0.split(id)?;
        let slots = |r: &Ring| -> Vec<(u8, Checkpoint)> {
            (0..HISTORY_LEN)
                .filter_map(|s| r.get(s).map(|c| (s as u8, c)))
                .collect()
        };
        Ok((pool, [slots(&rings[0]), slots(&rings[1])]))
    }
}
