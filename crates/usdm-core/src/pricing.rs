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
use crate::prices::{Feed, PriceBook, PriceQuote};
use crate::protocol::{Protocol, Receipt};
use crate::supply_cap::McapSample;
use crate::time::BlockTime;
use crate::units::{Price, WAD};

/// The longest chain of pool-priced tokens a price may follow.
pub const MAX_PRICE_CHAIN: u8 = 3;

/// `a * b` for two prices (the second in USD per unit of the first's quote token), rounded down.
fn chain(a: Price, b: Price) -> Price {
    let raw = mul_div(a.raw(), b.raw(), WAD, Rounding::Down).unwrap_or(u128::MAX);
    Price::new(raw.max(1)).unwrap_or(Price::ONE_DOLLAR)
}

impl Protocol {
    /// Refuses a pool price whose history does not cover the TWAP window: a young pool (or one
    /// seeded a moment ago at any ratio) must not become an oracle.
    fn require_pool_history(
        &self,
        symbol: Symbol,
        pool: usize,
        side: usize,
        now: u64,
    ) -> Result<()> {
        let window = self.params.twap_window;
        let first = self.pools[pool].prices[side].history.front().map(|c| c.at);
        let covered = first.map_or(0, |t| now.saturating_sub(t));
        if first.is_none() || covered < window {
            return Err(Error::PoolTooYoung {
                symbol,
                pool: pool as u32,
                covered,
                window,
            });
        }
        Ok(())
    }

    /// The pool and side a pool-priced feed reads, and the feed index of the other token.
    fn pool_leg(&self, feed: &Feed, pool: u32) -> Result<(usize, usize, usize)> {
        let bad = |reason| Error::BadPriceSource {
            symbol: feed.symbol,
            reason,
        };
        let p = self
            .pools
            .get(pool as usize)
            .ok_or_else(|| bad("its pool does not exist"))?;
        let side = p
            .side(feed.symbol)
            .map_err(|_| bad("its pool does not hold it"))?;
        let counter = self
            .prices
            .index_of(p.tokens[1 - side])
            .ok_or_else(|| bad("the pool's other token has no price"))?;
        Ok((pool as usize, side, counter))
    }

    /// Spot (fresh) and TWAP of the token with feed `index`, following pool sources.
    pub(crate) fn quote_at(&self, index: usize, now: u64, depth: u8) -> Result<PriceQuote> {
        let feed = self.prices.at(index);
        match feed.source {
            PriceSource::Feed => {
                feed.quote(now, self.params.max_price_age, self.params.twap_window)
            }
            PriceSource::Pool { pool } => {
                if depth >= MAX_PRICE_CHAIN {
                    return Err(Error::BadPriceSource {
                        symbol: feed.symbol,
                        reason: "chain of pools too long or circular",
                    });
                }
                let (pool, side, counter) = self.pool_leg(feed, pool)?;
                self.require_pool_history(feed.symbol, pool, side, now)?;
                let pq = self.pools[pool]
                    .price_quote(side, now, self.params.twap_window)
                    .ok_or_else(|| Error::MissingPrice {
                        symbol: feed.symbol,
                    })?;
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
        let feed = self.prices.at(index);
        match feed.source {
            PriceSource::Feed => feed.fresh_spot(now, self.params.max_price_age),
            PriceSource::Pool { pool } => {
                if depth >= MAX_PRICE_CHAIN {
                    return Err(Error::BadPriceSource {
                        symbol: feed.symbol,
                        reason: "chain of pools too long or circular",
                    });
                }
                let (pool, side, counter) = self.pool_leg(feed, pool)?;
                let spot =
                    self.pools[pool]
                        .spot_price(side)
                        .ok_or_else(|| Error::MissingPrice {
                            symbol: feed.symbol,
                        })?;
                Ok(chain(spot, self.spot_at(counter, now, depth + 1)?))
            }
        }
    }

    /// The last known spot price of the token with feed `index` (stale or not) and the time
    /// after which it is stale: what the market-cap average integrates.
    fn last_spot(&self, index: usize, depth: u8) -> Option<(Price, u64)> {
        let feed = self.prices.at(index);
        match feed.source {
            PriceSource::Feed => {
                let fresh_until = feed.observed_at.saturating_add(self.params.max_price_age);
                feed.price.map(|p| (p, fresh_until))
            }
            PriceSource::Pool { pool } => {
                if depth >= MAX_PRICE_CHAIN {
                    return None;
                }
                let (pool, side, counter) = self.pool_leg(feed, pool).ok()?;
                // The lower of spot and TWAP at the last accrual, so a pump of the pool does
                // not lift the market cap (and the next supply cap) at once.
                let at = self.mintage.accrued_until;
                let window = self.params.twap_window;
                self.require_pool_history(feed.symbol, pool, side, at)
                    .ok()?;
                let price = self.pools[pool].price_quote(side, at, window)?.receive();
                let (counter_spot, fresh_until) = self.last_spot(counter, depth + 1)?;
                Some((chain(price, counter_spot), fresh_until))
            }
        }
    }

    /// The XMS market cap as things stand (before the current operation changes anything).
    pub(crate) fn mcap_sample(&self) -> McapSample {
        match self.last_spot(PriceBook::XMS, 0) {
            // A market cap too large to represent fails closed (no average), rather than
            // saturating into a practically unlimited supply cap.
            Some((price, fresh_until)) => McapSample {
                mcap: price
                    .value_of(self.circulating_xms(), 18, Rounding::Down)
                    .ok(),
                fresh_until,
            },
            None => McapSample {
                mcap: None,
                fresh_until: 0,
            },
        }
    }

    /// Spot and TWAP of `symbol`, failing on a missing or stale price.
    pub(crate) fn price_quote(&self, symbol: Symbol, now: BlockTime) -> Result<PriceQuote> {
        self.quote_at(self.prices.require_index(symbol)?, now.seconds, 0)
    }

    /// Spot and TWAP of the whitelisted asset at `index`.
    #[inline]
    pub(crate) fn asset_quote(&self, index: AssetIndex, now: BlockTime) -> Result<PriceQuote> {
        self.quote_at(self.asset_feeds[index], now.seconds, 0)
    }

    /// Fresh spot price of the whitelisted asset at `index`.
    #[inline]
    pub(crate) fn asset_spot(&self, index: AssetIndex, now: u64) -> Result<Price> {
        self.spot_at(self.asset_feeds[index], now, 0)
    }

    /// Spot and TWAP of XMS.
    #[inline]
    pub(crate) fn xms_quote(&self, now: BlockTime) -> Result<PriceQuote> {
        self.quote_at(PriceBook::XMS, now.seconds, 0)
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
            let p = self
                .pools
                .get(pool as usize)
                .ok_or_else(|| bad("its pool does not exist"))?;
            p.require_active()?;
            let side = p.side(sym).map_err(|_| bad("its pool does not hold it"))?;
            self.check_window_covered(p, sym, self.params.twap_window)?;
            let counter = p.tokens[1 - side];
            if counter == symbol {
                return Err(bad("chain of pools too long or circular"));
            }
            let next = self
                .prices
                .require(counter)
                .map_err(|_| bad("the pool's other token has no price"))?;
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

    /// The tokens whose price source is pool `pool`.
    pub(crate) fn priced_by(&self, pool: crate::swap::PoolId) -> impl Iterator<Item = Symbol> + '_ {
        self.prices
            .iter()
            .filter(move |f| f.source == PriceSource::Pool { pool })
            .map(|f| f.symbol)
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
        if !self.governance.feeders.contains(caller) {
            return Err(Error::Unauthorized {
                caller: caller.clone(),
                action: "post prices",
                required: "an authorised feeder",
            });
        }
        let mut step = self.begin(now)?;
        let index = self.prices.require_index(symbol)?;
        let feed = self.prices.at(index);
        if feed.source != PriceSource::Feed {
            return Err(Error::BadPriceSource {
                symbol,
                reason: "it is priced by a pool, not by feed posts",
            });
        }
        feed.check_post(observed_at, now.seconds)?;
        let window = self.params.twap_window;
        self.prices
            .at_mut(index)
            .apply_post(price, observed_at, now.seconds, window);
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
