//! Resolving a token's price from its source (SPEC 3): a pushed feed, or a Mars Swap pool's
//! price in its other token times that token's own price. Also the feeders' price posts.
//!
//! A pool-priced token follows a chain (XMS in a XMS/USDm pool, USDm in a USDm/USDC pool,
//! USDC by feed); chains longer than [`MAX_PRICE_CHAIN`] (including circular ones) are refused.

use crate::asset::{AssetIndex, PriceSource};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::{Account, Symbol};
use crate::math::{mul_div, Rounding};
use crate::prices::{Feed, PriceQuote, XMS_FEED};
use crate::protocol::{Protocol, Receipt};
use crate::state::{HistoryId, HistoryView, PartKey};
use crate::supply_cap::McapSample;
use crate::swap::PoolId;
use crate::time::BlockTime;
use crate::units::{Price, WAD};

/// The longest chain of pool-priced tokens a price may follow.
pub const MAX_PRICE_CHAIN: u8 = 3;

/// `a * b` for two prices (the second in USD per unit of the first's quote token), rounded down.
fn chain(a: Price, b: Price) -> Price {
    let raw = mul_div(a.raw(), b.raw(), WAD, Rounding::Down).unwrap_or(u128::MAX);
    Price::new(raw.max(1)).unwrap_or(Price::ONE_DOLLAR)
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// The head of the feed at `index`.
    #[inline]
    pub fn feed(&self, index: usize) -> Result<&Feed> {
        let fetch = || {
            self.fetch(PartKey::Feed(index as u16), |p| match p {
                crate::state::Part::Feed(f) => Some(f),
                _ => None,
            })
        };
        self.feeds
            .get_or_fetch(index, fetch)
            .unwrap_or_else(|| Err(Error::NotLoaded(PartKey::Feed(index as u16))))
    }

    /// The feed index of `symbol`, if the token has a feed.
    #[inline]
    pub fn feed_index(&self, symbol: Symbol) -> Option<usize> {
        self.config.feeds.iter().position(|s| *s == symbol)
    }

    /// The feed index of `symbol`, or an error listing the tokens that have one.
    pub(crate) fn require_feed_index(&self, symbol: Symbol) -> Result<usize> {
        self.feed_index(symbol).ok_or_else(|| Error::UnknownAsset {
            symbol,
            known: self
                .config
                .feeds
                .iter()
                .map(Symbol::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The feed of `symbol`, or an error listing the known tokens.
    pub fn require_feed(&self, symbol: Symbol) -> Result<&Feed> {
        self.feed(self.require_feed_index(symbol)?)
    }

    /// A history, as the TWAP search reads it.
    pub(crate) fn history(&self, id: HistoryId) -> HistoryView<'_, S> {
        HistoryView { protocol: self, id }
    }

    /// Spot and TWAP of a pool token on `side` in units of the other, refusing a price whose
    /// history does not cover the TWAP window: a young pool (or one seeded a moment ago at any
    /// ratio) must not become an oracle.
    fn covered_pool_quote(
        &self,
        symbol: Symbol,
        pool: PoolId,
        side: usize,
        now: u64,
    ) -> Result<PriceQuote> {
        let window = self.config.params.twap_window;
        let p = self.pool(pool)?;
        let history = self.history(HistoryId::Pool(pool, side as u8));
        let (quote, covered) = p
            .price_quote(side, now, window, &history)?
            .ok_or_else(|| Error::MissingPrice { symbol })?;
        if covered < window {
            return Err(Error::PoolTooYoung {
                symbol,
                pool,
                covered: if p.prices[side].history.len == 0 {
                    0
                } else {
                    covered
                },
                window,
            });
        }
        Ok(quote)
    }

    /// The pool and side a pool-priced feed reads, and the feed index of the other token.
    fn pool_leg(&self, feed: &Feed, pool: u32) -> Result<(PoolId, usize, usize)> {
        let bad = |reason| Error::BadPriceSource {
            symbol: feed.symbol,
            reason,
        };
        if pool as usize >= self.pools.len() {
            return Err(bad("its pool does not exist"));
        }
        let p = self.pool(pool)?;
        let side = p
            .side(feed.symbol)
            .map_err(|_| bad("its pool does not hold it"))?;
        let counter = self
            .feed_index(p.tokens[1 - side])
            .ok_or_else(|| bad("the pool's other token has no price"))?;
        Ok((pool, side, counter))
    }

    /// Spot (fresh) and TWAP of the token with feed `index`, following pool sources.
    pub(crate) fn quote_at(&self, index: usize, now: u64, depth: u8) -> Result<PriceQuote> {
        let feed = self.feed(index)?;
        match feed.source {
            PriceSource::Feed => feed.quote(
                now,
                self.config.params.max_price_age,
                self.config.params.twap_window,
                &self.history(HistoryId::Feed(index as u16)),
            ),
            PriceSource::Pool { pool } => {
                if depth >= MAX_PRICE_CHAIN {
                    return Err(Error::BadPriceSource {
                        symbol: feed.symbol,
                        reason: "chain of pools too long or circular",
                    });
                }
                let (pool, side, counter) = self.pool_leg(feed, pool)?;
                let pq = self.covered_pool_quote(feed.symbol, pool, side, now)?;
                let cq = self.quote_at(counter, now, depth + 1)?;
                Ok(PriceQuote {
                    spot: chain(pq.spot, cq.spot),
                    twap: chain(pq.twap, cq.twap),
                })
            }
        }
    }

    /// Fresh spot price of the token with feed `index`, following pool sources.
    pub(crate) fn spot_at(&self, index: usize, now: u64, depth: u8) -> Result<Price> {
        let feed = self.feed(index)?;
        match feed.source {
            PriceSource::Feed => feed.fresh_spot(now, self.config.params.max_price_age),
            PriceSource::Pool { pool } => {
                if depth >= MAX_PRICE_CHAIN {
                    return Err(Error::BadPriceSource {
                        symbol: feed.symbol,
                        reason: "chain of pools too long or circular",
                    });
                }
                let (pool, side, counter) = self.pool_leg(feed, pool)?;
                let spot =
                    self.pool(pool)?
                        .spot_price(side)
                        .ok_or_else(|| Error::MissingPrice {
                            symbol: feed.symbol,
                        })?;
                Ok(chain(spot, self.spot_at(counter, now, depth + 1)?))
            }
        }
    }

    /// The price of the token with feed `index` that no swap in this block can move: a feed's
    /// fresh latest post, a pool-priced token's TWAP (in USD through its chain).
    pub(crate) fn oracle_price_at(&self, index: usize, now: u64) -> Result<Price> {
        match self.feed(index)?.source {
            PriceSource::Feed => self.spot_at(index, now, 0),
            PriceSource::Pool { .. } => Ok(self.quote_at(index, now, 0)?.twap),
        }
    }

    /// The last known spot price of the token with feed `index` (stale or not) and the time
    /// after which it is stale: what the market-cap average integrates. `Ok(None)` when there
    /// is none to use.
    fn last_spot(&self, index: usize, now: u64, depth: u8) -> Result<Option<(Price, u64)>> {
        let feed = self.feed(index)?;
        match feed.source {
            PriceSource::Feed => {
                let fresh_until = feed
                    .observed_at
                    .saturating_add(self.config.params.max_price_age);
                Ok(feed.price.map(|p| (p, fresh_until)))
            }
            PriceSource::Pool { pool } => {
                if depth >= MAX_PRICE_CHAIN {
                    return Ok(None);
                }
                let (pool, side, counter) = match self.pool_leg(feed, pool) {
                    Ok(leg) => leg,
                    Err(e) if e.is_state_failure() => return Err(e),
                    Err(_) => return Ok(None),
                };
                // The pool's TWAP: a swap around an operation moves the spot price, but
                // the TWAP weighs a price by how long it lasted, and a swap undone in the
                // same block lasted no time.
                let price = match self.covered_pool_quote(feed.symbol, pool, side, now) {
                    Ok(q) => q.twap,
                    Err(e) if e.is_state_failure() => return Err(e),
                    Err(_) => return Ok(None),
                };
                Ok(self
                    .last_spot(counter, now, depth + 1)?
                    .map(|(counter_spot, fresh_until)| (chain(price, counter_spot), fresh_until)))
            }
        }
    }

    /// The XMS market cap as things stand at `now`, from prices no swap in this block can move
    /// (feed posts; a pool-priced XMS at its pool's TWAP) and the circulating XMS with the
    /// treasury's pool claims at fair reserves. Anything that cannot be valued, a part that
    /// cannot be read included, gives no sample: that time does not count towards the average,
    /// which fails closed (a lower cap or none).
    pub(crate) fn mcap_sample(&self, now: u64) -> McapSample {
        let none = McapSample {
            mcap: None,
            fresh_until: 0,
        };
        match (self.last_spot(XMS_FEED, now, 0), self.circulating_xms(now)) {
            // A market cap too large to represent fails closed (no average), rather than
            // saturating into a practically unlimited supply cap.
            (Ok(Some((price, fresh_until))), Ok(circulating)) => McapSample {
                mcap: price.value_of(circulating, 18, Rounding::Down).ok(),
                fresh_until,
            },
            _ => none,
        }
    }

    /// Spot and TWAP of `symbol`, failing on a missing or stale price.
    pub(crate) fn price_quote(&self, symbol: Symbol, now: BlockTime) -> Result<PriceQuote> {
        self.quote_at(self.require_feed_index(symbol)?, now.seconds, 0)
    }

    /// Spot and TWAP of the whitelisted asset at `index`.
    #[inline]
    pub(crate) fn asset_quote(&self, index: AssetIndex, now: BlockTime) -> Result<PriceQuote> {
        self.quote_at(self.asset_feed(index), now.seconds, 0)
    }

    /// Fresh spot price of the whitelisted asset at `index`.
    #[inline]
    pub(crate) fn asset_spot(&self, index: AssetIndex, now: u64) -> Result<Price> {
        self.spot_at(self.asset_feed(index), now, 0)
    }

    /// The feed index of the whitelisted asset at `index`.
    #[inline]
    pub(crate) fn asset_feed(&self, index: AssetIndex) -> usize {
        usize::from(self.config.asset_feeds[index])
    }

    /// Spot and TWAP of XMS.
    #[inline]
    pub(crate) fn xms_quote(&self, now: BlockTime) -> Result<PriceQuote> {
        self.quote_at(XMS_FEED, now.seconds, 0)
    }

    /// Checks that `source` can price `symbol`: a pool must exist and hold it, and the chain it
    /// starts must end at a feed within [`MAX_PRICE_CHAIN`] pools.
    pub(crate) fn check_price_source(&self, symbol: Symbol, source: PriceSource) -> Result<()> {
        let mut current = (symbol, source);
        for _ in 0..MAX_PRICE_CHAIN {
            let (sym, src) = current;
            let PriceSource::Pool { pool } = src else {
                return Ok(());
            };
            let bad = |reason| Error::BadPriceSource { symbol, reason };
            if pool as usize >= self.pools.len() {
                return Err(bad("its pool does not exist"));
            }
            let p = self.pool(pool)?;
            p.require_active()?;
            let side = p.side(sym).map_err(|_| bad("its pool does not hold it"))?;
            self.check_window_covered(p, sym, self.config.params.twap_window)?;
            let counter = p.tokens[1 - side];
            if counter == symbol {
                return Err(bad("chain of pools too long or circular"));
            }
            let next = self
                .feed_index(counter)
                .ok_or_else(|| bad("the pool's other token has no price"))?;
            let next = self.feed(next)?;
            current = (counter, next.source);
        }
        match current.1 {
            PriceSource::Feed => Ok(()),
            PriceSource::Pool { .. } => Err(Error::BadPriceSource {
                symbol,
                reason: "chain of pools too long or circular",
            }),
        }
    }

    /// Refuses a TWAP `window` longer than `pool`'s checkpoints cover while it prices `symbol`.
    pub(crate) fn check_window_covered(
        &self,
        pool: &crate::swap::Pool,
        symbol: Symbol,
        window: u64,
    ) -> Result<()> {
        if pool.twap_window < window {
            return Err(Error::TwapWindowUncovered {
                window,
                pool: pool.id,
                tokens: pool.name(),
                symbol,
                pool_window: pool.twap_window,
            });
        }
        Ok(())
    }

    /// The first token whose price source is pool `pool`, if any.
    pub(crate) fn priced_by(&self, pool: PoolId) -> Result<Option<Symbol>> {
        for i in 0..self.feeds.len() {
            let f = self.feed(i)?;
            if f.source == (PriceSource::Pool { pool }) {
                return Ok(Some(f.symbol));
            }
        }
        Ok(None)
    }

    /// A feeder posts `price` for `symbol`, observed at `observed_at` (not after `now`).
    pub fn post_price(
        &mut self,
        caller: &Account,
        symbol: Symbol,
        price: Price,
        observed_at: u64,
        now: BlockTime,
    ) -> Result<Receipt<()>> {
        if !self.config.governance.feeders.contains(caller) {
            return Err(Error::Unauthorized {
                caller: caller.clone(),
                action: "post prices",
                required: "an authorised feeder",
            });
        }
        let mut step = self.begin(now)?;
        let index = self.require_feed_index(symbol)?;
        let feed = self.feed(index)?;
        if feed.source != PriceSource::Feed {
            return Err(Error::BadPriceSource {
                symbol,
                reason: "it is priced by a pool, not by feed posts",
            });
        }
        feed.check_post(observed_at, now.seconds)?;
        let window = self.config.params.twap_window;
        let mut next = feed.clone();
        let checkpoint = next.apply_post(price, observed_at, now.seconds, window);
        *self
            .feeds
            .get_mut(index)
            .ok_or_else(|| Error::NotLoaded(PartKey::Feed(index as u16)))? = next;
        if let Some((slot, c)) = checkpoint {
            self.rings[index].record(slot, c);
        }
        step.events.push(Event::PricePosted {
            symbol,
            price,
            observed_at,
        });
        Ok(Receipt {
            value: (),
            events: self.finish(step, "post_price"),
        })
    }
}
