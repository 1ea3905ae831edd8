//! Prices: pushed feeds with observation timestamps, staleness, cumulative-price TWAPs and the
//! protocol-favouring valuation of SPEC 3.
//!
//! Each feed keeps `cumulative = Σ price × seconds` (wrapping, as in Uniswap: only differences
//! are meaningful) and a short ring of checkpoints. A TWAP over a window is the cumulative
//! difference between now and the newest checkpoint at or before the window's start, divided by
//! the elapsed time: constant time in the number of updates, exact over the span it reports.
//! Checkpoints are recorded at most every `window / 16` seconds, so the averaged span is the
//! window plus at most a sixteenth of it; with sparser updates it is exact to the second.

use crate::asset::PriceSource;
use crate::error::{Error, Result};
use crate::ids::Symbol;
use crate::units::Price;
use std::collections::VecDeque;

/// How many checkpoints a feed keeps: enough to cover two windows at the recording granularity.
pub const HISTORY_LEN: usize = 32;
/// Checkpoints per TWAP window: the averaged span exceeds the window by at most `1/16` of it.
pub const CHECKPOINTS_PER_WINDOW: u64 = 16;

/// A point of the cumulative-price curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// Block time in seconds.
    pub at: u64,
    /// Cumulative price × seconds at that time (wrapping).
    #[serde(with = "crate::math::u128_string")]
    pub cumulative: u128,
}

/// Spot and time-weighted average price of one token at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PriceQuote {
    /// The latest posted price.
    pub spot: Price,
    /// The time-weighted average over the TWAP window.
    pub twap: Price,
}

impl PriceQuote {
    /// A quote where spot and TWAP agree (quotes from the command line, tests).
    pub const fn flat(price: Price) -> Self {
        PriceQuote {
            spot: price,
            twap: price,
        }
    }
    /// The price for a token the protocol receives: the lower of spot and TWAP.
    #[inline]
    pub fn receive(&self) -> Price {
        self.spot.min(self.twap)
    }
    /// The price for a token the protocol pays out: the higher of spot and TWAP.
    #[inline]
    pub fn payout(&self) -> Price {
        self.spot.max(self.twap)
    }
}

/// One token's price feed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Feed {
    /// The token.
    pub symbol: Symbol,
    /// Where the token's price comes from: this feed's posts, or a pool.
    pub source: PriceSource,
    /// The latest price, once one has been posted.
    pub price: Option<Price>,
    /// When the feeder observed the latest price (for staleness).
    pub observed_at: u64,
    /// Block time of the latest post (the cumulative is exact up to here).
    pub posted_at: u64,
    /// Σ price × seconds up to `posted_at` (wrapping).
    #[serde(with = "crate::math::u128_string")]
    pub cumulative: u128,
    /// Recent checkpoints, oldest first.
    pub history: VecDeque<Checkpoint>,
}

impl Feed {
    /// A feed with no price yet.
    pub fn new(symbol: Symbol) -> Self {
        Feed {
            symbol,
            source: PriceSource::Feed,
            price: None,
            observed_at: 0,
            posted_at: 0,
            cumulative: 0,
            history: VecDeque::with_capacity(HISTORY_LEN),
        }
    }

    /// The cumulative price × seconds at block time `now >= posted_at`.
    #[inline]
    pub fn cumulative_at(&self, now: u64) -> u128 {
        match self.price {
            Some(p) => self.cumulative.wrapping_add(
                p.raw()
                    .wrapping_mul(u128::from(now.saturating_sub(self.posted_at))),
            ),
            None => self.cumulative,
        }
    }

    /// Checks a post without applying it: observation time not in the future and not older
    /// than the current one.
    pub fn check_post(&self, observed_at: u64, now: u64) -> Result<()> {
        if observed_at > now {
            return Err(Error::PriceFromFuture {
                symbol: self.symbol,
                observed_at,
                now,
            });
        }
        if self.price.is_some() && observed_at < self.observed_at {
            return Err(Error::PriceOutOfOrder {
                symbol: self.symbol,
                observed_at,
                latest: self.observed_at,
            });
        }
        Ok(())
    }

    /// Applies a post already checked with [`Feed::check_post`]. `twap_window` sets how often
    /// checkpoints are recorded.
    pub fn apply_post(&mut self, price: Price, observed_at: u64, now: u64, twap_window: u64) {
        self.cumulative = self.cumulative_at(now);
        self.posted_at = now;
        self.price = Some(price);
        self.observed_at = observed_at;
        let granularity = (twap_window / CHECKPOINTS_PER_WINDOW).max(1);
        let due = self
            .history
            .back()
            .is_none_or(|c| now >= c.at.saturating_add(granularity));
        if due {
            if self.history.len() == HISTORY_LEN {
                self.history.pop_front();
            }
            self.history.push_back(Checkpoint {
                at: now,
                cumulative: self.cumulative,
            });
        }
    }

    /// The latest price if it is no older than `max_age` at `now`.
    #[inline]
    pub fn fresh_spot(&self, now: u64, max_age: u64) -> Result<Price> {
        let price = self.price.ok_or_else(|| Error::MissingPrice {
            symbol: self.symbol,
        })?;
        let age = now.saturating_sub(self.observed_at);
        if age > max_age {
            return Err(Error::StalePrice {
                symbol: self.symbol,
                age,
                max_age,
            });
        }
        Ok(price)
    }

    /// The time-weighted average price over (at least) the last `window` seconds, or over the
    /// whole history if it is shorter. Equal to the spot price when no time has elapsed.
    pub fn twap(&self, now: u64, window: u64) -> Option<Price> {
        let spot = self.price?;
        if window == 0 {
            return Some(spot);
        }
        let start = now.saturating_sub(window);
        // Newest checkpoint at or before `start`, else the oldest one.
        let idx = self.history.partition_point(|c| c.at <= start);
        let from = if idx == 0 {
            self.history.front()?
        } else {
            &self.history[idx - 1]
        };
        let elapsed = now.saturating_sub(from.at);
        if elapsed == 0 {
            return Some(spot);
        }
        let diff = self.cumulative_at(now).wrapping_sub(from.cumulative);
        Price::new(diff / u128::from(elapsed)).ok()
    }

    /// Spot (fresh) and TWAP at `now`.
    #[inline]
    pub fn quote(&self, now: u64, max_age: u64, window: u64) -> Result<PriceQuote> {
        let spot = self.fresh_spot(now, max_age)?;
        let twap = self.twap(now, window).unwrap_or(spot);
        Ok(PriceQuote { spot, twap })
    }
}

/// Every token's feed: XMS and USDm first (at [`PriceBook::XMS`] and [`PriceBook::USDM`]),
/// then each whitelisted asset's. Feeds are never removed, so an index stays valid.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PriceBook {
    feeds: Vec<Feed>,
}

impl Default for PriceBook {
    fn default() -> Self {
        PriceBook {
            feeds: vec![Feed::new(crate::ids::XMS), Feed::new(crate::ids::USDM)],
        }
    }
}

impl PriceBook {
    /// Index of the XMS feed.
    pub const XMS: usize = 0;
    /// Index of the USDm feed.
    pub const USDM: usize = 1;

    /// The feed at `index` (from [`PriceBook::index_of`] or the constants).
    #[inline]
    pub fn at(&self, index: usize) -> &Feed {
        &self.feeds[index]
    }

    pub(crate) fn at_mut(&mut self, index: usize) -> &mut Feed {
        &mut self.feeds[index]
    }

    /// The index of `symbol`'s feed, if the token is known.
    pub fn index_of(&self, symbol: Symbol) -> Option<usize> {
        self.feeds.iter().position(|f| f.symbol == symbol)
    }

    /// The feed of `symbol`, if the token is known.
    #[inline]
    pub fn feed(&self, symbol: Symbol) -> Option<&Feed> {
        self.feeds.iter().find(|f| f.symbol == symbol)
    }

    /// The feed of `symbol`, or an error listing the known tokens.
    pub fn require(&self, symbol: Symbol) -> Result<&Feed> {
        self.require_index(symbol).map(|i| &self.feeds[i])
    }

    /// The index of `symbol`'s feed, or an error listing the known tokens.
    pub fn require_index(&self, symbol: Symbol) -> Result<usize> {
        self.index_of(symbol).ok_or_else(|| Error::UnknownAsset {
            symbol,
            known: self.symbols_list(),
        })
    }

    /// The index of `symbol`'s feed, adding an empty feed if there is none.
    pub(crate) fn ensure(&mut self, symbol: Symbol) -> usize {
        match self.index_of(symbol) {
            Some(i) => i,
            None => {
                self.feeds.push(Feed::new(symbol));
                self.feeds.len() - 1
            }
        }
    }

    /// All feeds.
    pub fn iter(&self) -> impl Iterator<Item = &Feed> {
        self.feeds.iter()
    }

    fn symbols_list(&self) -> String {
        let v: Vec<&str> = self.feeds.iter().map(|f| f.symbol.as_str()).collect();
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    fn feed() -> Feed {
        Feed::new(Symbol::lit("BTC"))
    }

    #[test]
    fn missing_stale_and_fresh() {
        let mut f = feed();
        assert_eq!(
            f.fresh_spot(10, 60),
            Err(Error::MissingPrice { symbol: f.symbol })
        );
        f.apply_post(p("100"), 10, 10, 600);
        assert_eq!(f.fresh_spot(70, 60), Ok(p("100")));
        assert_eq!(
            f.fresh_spot(71, 60),
            Err(Error::StalePrice {
                symbol: f.symbol,
                age: 61,
                max_age: 60
            })
        );
    }

    #[test]
    fn posts_from_the_future_or_out_of_order_are_refused() {
        let mut f = feed();
        assert!(matches!(
            f.check_post(11, 10),
            Err(Error::PriceFromFuture { .. })
        ));
        f.apply_post(p("1"), 10, 10, 600);
        assert!(matches!(
            f.check_post(9, 20),
            Err(Error::PriceOutOfOrder { .. })
        ));
        assert!(f.check_post(10, 20).is_ok());
    }

    #[test]
    fn twap_is_the_exact_time_weighted_mean_of_sparse_updates() {
        let mut f = feed();
        // 100 for 60 s, then 200 for 60 s: mean 150 over the last 120 s.
        f.apply_post(p("100"), 0, 0, 120);
        f.apply_post(p("200"), 60, 60, 120);
        assert_eq!(f.twap(120, 120), Some(p("150")));
        // Window of 60 s: only the 200 period.
        assert_eq!(f.twap(120, 60), Some(p("200")));
        // Zero window: spot.
        assert_eq!(f.twap(120, 0), Some(p("200")));
    }

    #[test]
    fn twap_over_a_window_longer_than_history_uses_the_history() {
        let mut f = feed();
        f.apply_post(p("10"), 100, 100, 600);
        f.apply_post(p("30"), 150, 150, 600);
        // History starts at 100: mean of 10 for 50 s and 30 for 50 s.
        assert_eq!(f.twap(200, 600), Some(p("20")));
    }

    #[test]
    fn checkpoints_are_thinned_but_the_span_covers_the_window() {
        let mut f = feed();
        for t in 0..1000u64 {
            f.apply_post(p(if t < 900 { "1" } else { "2" }), t, t, 160);
        }
        assert!(f.history.len() <= HISTORY_LEN);
        // Price was 1 until t=899 then 2; over [840..999] (window 160 -> checkpoint at 830 or
        // later) the mean lies strictly between 1 and 2 and includes the 100 s at 2.
        let twap = f.twap(1000, 160).unwrap();
        assert!(twap > p("1.5") && twap < p("1.7"), "{}", twap);
    }

    #[test]
    fn cumulative_wraps_without_breaking_differences() {
        let mut f = feed();
        f.cumulative = u128::MAX - 5;
        f.price = Some(p("1"));
        f.history.push_back(Checkpoint {
            at: 0,
            cumulative: f.cumulative,
        });
        f.posted_at = 0;
        assert_eq!(f.twap(100, 100), Some(p("1")));
    }

    #[test]
    fn valuation_favours_the_protocol() {
        let q = PriceQuote {
            spot: p("2"),
            twap: p("3"),
        };
        assert_eq!(q.receive(), p("2"));
        assert_eq!(q.payout(), p("3"));
    }
}
