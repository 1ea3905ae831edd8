//! Prices: pushed feeds with observation timestamps, staleness, cumulative-price TWAPs and the
//! protocol-favouring valuation of SPEC 3.
//!
//! Each feed keeps `cumulative = Σ price × seconds` (wrapping, as in Uniswap: only differences
//! are meaningful) and a ring of [`HISTORY_LEN`] checkpoints. A TWAP over a window is the
//! cumulative difference between now and the newest checkpoint at or before the window's start,
//! divided by the elapsed time: exact over the span it reports. Checkpoints are recorded at most
//! every `window / 16` seconds, so the averaged span is the window plus at most a sixteenth of
//! it; with sparser updates it is exact to the second.
//!
//! The feed itself (the head) holds the latest price, the cumulative and a cursor into its
//! ring; the checkpoints are read through [`History`], one at a time, so an adapter that stores
//! each checkpoint under its own key reads the two or three a TWAP needs, not the ring.

use crate::asset::PriceSource;
use crate::error::{Error, Result};
use crate::ids::Symbol;
use crate::units::Price;

/// How many checkpoints a history keeps: enough to cover two windows at the recording
/// granularity.
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

/// Where a history's checkpoints are read, by sequence number (the ring slot is
/// `seq % HISTORY_LEN`).
pub trait History {
    /// Checkpoint number `seq` (one of those the cursor says exist).
    fn checkpoint(&self, seq: u64) -> Result<Checkpoint>;
}

/// A history held in a slice in ring order (slot = `seq % HISTORY_LEN`), for adapters that
/// keep a pool on its own and for tests.
impl History for [Option<Checkpoint>] {
    fn checkpoint(&self, seq: u64) -> Result<Checkpoint> {
        self.get((seq % HISTORY_LEN as u64) as usize)
            .copied()
            .flatten()
            .ok_or(Error::InvariantViolated(format!(
                "checkpoint {seq} missing"
            )))
    }
}

/// Which checkpoints a history holds: numbers `next - len .. next`, the newest taken at
/// `newest_at`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    /// The number the next checkpoint gets (also how many were ever recorded).
    pub next: u64,
    /// How many are kept (at most [`HISTORY_LEN`]).
    pub len: u8,
    /// Time of the newest.
    pub newest_at: u64,
}

impl Cursor {
    fn oldest(&self) -> u64 {
        self.next - u64::from(self.len)
    }
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

/// A TWAP and how far back its history reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Twap {
    /// The average, if a price exists.
    pub price: Option<Price>,
    /// Seconds of history before now (at least the window when the history covers it).
    pub covered: u64,
}

/// One token's price feed (the head: the checkpoints are kept apart, see [`History`]).
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
    /// The checkpoints recorded.
    pub history: Cursor,
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
            history: Cursor::default(),
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
    /// checkpoints are recorded. Returns the checkpoint to store if one is due, with its ring
    /// slot.
    #[must_use = "a recorded checkpoint must be stored in the ring"]
    pub fn apply_post(
        &mut self,
        price: Price,
        observed_at: u64,
        now: u64,
        twap_window: u64,
    ) -> Option<(u8, Checkpoint)> {
        self.cumulative = self.cumulative_at(now);
        self.posted_at = now;
        self.price = Some(price);
        self.observed_at = observed_at;
        let granularity = (twap_window / CHECKPOINTS_PER_WINDOW).max(1);
        let h = &mut self.history;
        let due = h.len == 0 || now >= h.newest_at.saturating_add(granularity);
        if !due {
            return None;
        }
        let checkpoint = Checkpoint {
            at: now,
            cumulative: self.cumulative,
        };
        let slot = (h.next % HISTORY_LEN as u64) as u8;
        h.next += 1;
        h.len = (usize::from(h.len) + 1).min(HISTORY_LEN) as u8;
        h.newest_at = now;
        Some((slot, checkpoint))
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
    /// whole history if it is shorter (equal to the spot price when no time has elapsed), and
    /// how far back the history reaches. Reads two checkpoints when posts are regular (the one
    /// a window back is where regular spacing puts it), a binary search's worth otherwise.
    ///
    /// At a time before the latest post (an adapter that read the feed after it moved on), the
    /// average ends at the newest checkpoint at or before `now` instead, the cumulative being
    /// known exactly only there; with none that early there is no average.
    pub fn twap(&self, now: u64, window: u64, history: &(impl History + ?Sized)) -> Result<Twap> {
        let Some(spot) = self.price else {
            return Ok(Twap {
                price: None,
                covered: 0,
            });
        };
        if window == 0 {
            return Ok(Twap {
                price: Some(spot),
                covered: u64::MAX,
            });
        }
        if self.history.len == 0 {
            return Ok(Twap {
                price: Some(spot),
                covered: 0,
            });
        }
        // The end of the average: now on the live curve, or the newest checkpoint by `now`.
        let (end_at, end_cumulative) = if now >= self.posted_at {
            (now, self.cumulative_at(now))
        } else {
            match self.newest_by(now, self.history.newest_at, window, history)? {
                Some(seq) => {
                    let c = history.checkpoint(seq)?;
                    (c.at, c.cumulative)
                }
                None => {
                    return Ok(Twap {
                        price: None,
                        covered: 0,
                    })
                }
            }
        };
        let start = end_at.saturating_sub(window);
        let from_seq = self
            .newest_by(start, end_at, window, history)?
            .unwrap_or(self.history.oldest());
        let from = history.checkpoint(from_seq)?;
        let covered = now.saturating_sub(from.at);
        let elapsed = end_at.saturating_sub(from.at);
        if elapsed == 0 {
            return Ok(Twap {
                price: if now >= self.posted_at {
                    Some(spot)
                } else {
                    None
                },
                covered,
            });
        }
        let diff = end_cumulative.wrapping_sub(from.cumulative);
        Ok(Twap {
            price: Price::new(diff / u128::from(elapsed)).ok(),
            covered,
        })
    }

    /// The number of the newest kept checkpoint taken at or before `target`, if any. `from` is
    /// where the search starts guessing from (a checkpoint every `window / 16` seconds back).
    fn newest_by(
        &self,
        target: u64,
        from: u64,
        window: u64,
        history: &(impl History + ?Sized),
    ) -> Result<Option<u64>> {
        let h = self.history;
        // Checkpoint numbers in [lo, hi) are kept; find the first taken after `target` (times
        // only grow). Invariant: numbers below `lo` are at or before it, from `hi` on after it.
        let (mut lo, mut hi) = (h.oldest(), h.next);
        let granularity = (window / CHECKPOINTS_PER_WINDOW).max(1);
        let back = from.min(h.newest_at).saturating_sub(target) / granularity;
        let mut probe = h.next.saturating_sub(1 + back).clamp(lo, hi - 1);
        // Regular posts put the answer next to the guess: walk a few steps, then bisect.
        let mut walks = 0;
        while lo < hi {
            let before = history.checkpoint(probe)?.at <= target;
            if before {
                lo = probe + 1;
            } else {
                hi = probe;
            }
            if lo >= hi {
                break;
            }
            probe = if walks < 3 {
                walks += 1;
                if before {
                    lo
                } else {
                    hi - 1
                }
            } else {
                lo + (hi - lo) / 2
            };
        }
        Ok((lo > h.oldest()).then(|| lo - 1))
    }

    /// Spot (fresh) and TWAP at `now`.
    #[inline]
    pub fn quote(
        &self,
        now: u64,
        max_age: u64,
        window: u64,
        history: &(impl History + ?Sized),
    ) -> Result<PriceQuote> {
        let spot = self.fresh_spot(now, max_age)?;
        let twap = self.twap(now, window, history)?.price.unwrap_or(spot);
        Ok(PriceQuote { spot, twap })
    }
}

/// The feed index of XMS (feeds are XMS, USDm, then one per whitelisted asset).
pub const XMS_FEED: usize = 0;
/// The feed index of USDm.
pub const USDM_FEED: usize = 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    /// A feed with its ring, for tests.
    struct Kept {
        feed: Feed,
        ring: Vec<Option<Checkpoint>>,
    }

    impl Kept {
        fn new() -> Self {
            Kept {
                feed: Feed::new(Symbol::lit("BTC")),
                ring: vec![None; HISTORY_LEN],
            }
        }
        fn post(&mut self, price: Price, at: u64, window: u64) {
            if let Some((slot, c)) = self.feed.apply_post(price, at, at, window) {
                self.ring[usize::from(slot)] = Some(c);
            }
        }
        fn twap(&self, now: u64, window: u64) -> Option<Price> {
            self.feed
                .twap(now, window, self.ring.as_slice())
                .unwrap()
                .price
        }
    }

    #[test]
    fn missing_stale_and_fresh() {
        let mut f = Kept::new();
        assert_eq!(
            f.feed.fresh_spot(10, 60),
            Err(Error::MissingPrice {
                symbol: f.feed.symbol
            })
        );
        f.post(p("100"), 10, 600);
        assert_eq!(f.feed.fresh_spot(70, 60), Ok(p("100")));
        assert_eq!(
            f.feed.fresh_spot(71, 60),
            Err(Error::StalePrice {
                symbol: f.feed.symbol,
                age: 61,
                max_age: 60
            })
        );
    }

    #[test]
    fn posts_from_the_future_or_out_of_order_are_refused() {
        let mut f = Kept::new();
        assert!(matches!(
            f.feed.check_post(11, 10),
            Err(Error::PriceFromFuture { .. })
        ));
        f.post(p("1"), 10, 600);
        assert!(matches!(
            f.feed.check_post(9, 20),
            Err(Error::PriceOutOfOrder { .. })
        ));
        assert!(f.feed.check_post(10, 20).is_ok());
    }

    #[test]
    fn twap_is_the_exact_time_weighted_mean_of_sparse_updates() {
        let mut f = Kept::new();
        // 100 for 60 s, then 200 for 60 s: mean 150 over the last 120 s.
        f.post(p("100"), 0, 120);
        f.post(p("200"), 60, 120);
        assert_eq!(f.twap(120, 120), Some(p("150")));
        // Window of 60 s: only the 200 period.
        assert_eq!(f.twap(120, 60), Some(p("200")));
        // Zero window: spot.
        assert_eq!(f.twap(120, 0), Some(p("200")));
    }

    #[test]
    fn twap_over_a_window_longer_than_history_uses_the_history() {
        let mut f = Kept::new();
        f.post(p("10"), 100, 600);
        f.post(p("30"), 150, 600);
        // History starts at 100: mean of 10 for 50 s and 30 for 50 s.
        assert_eq!(f.twap(200, 600), Some(p("20")));
        let t = f.feed.twap(200, 600, f.ring.as_slice()).unwrap();
        assert_eq!(
            t.covered, 100,
            "the history reaches back 100 s, short of the window"
        );
    }

    #[test]
    fn checkpoints_are_thinned_but_the_span_covers_the_window() {
        let mut f = Kept::new();
        for t in 0..1000u64 {
            f.post(p(if t < 900 { "1" } else { "2" }), t, 160);
        }
        assert!(usize::from(f.feed.history.len) <= HISTORY_LEN);
        // Price was 1 until t=899 then 2; over [840..999] (window 160 -> checkpoint at 830 or
        // later) the mean lies strictly between 1 and 2 and includes the 100 s at 2.
        let twap = f.twap(1000, 160).unwrap();
        assert!(twap > p("1.5") && twap < p("1.7"), "{}", twap);
    }

    /// The search finds the newest checkpoint at or before the window's start, whatever the
    /// spacing: compared with a scan over every kept checkpoint.
    #[test]
    fn the_search_agrees_with_a_scan() {
        let mut f = Kept::new();
        let mut t = 0u64;
        let mut step = 1u64;
        for i in 0..400u64 {
            // Irregular spacing: bursts of posts, then gaps.
            step = if i % 37 == 0 {
                97
            } else {
                (step * 7 + 3) % 23 + 1
            };
            t += step;
            f.post(Price::new(1_000 + u128::from(i)).unwrap(), t, 300);
            for window in [0u64, 1, 30, 299, 300, 600, 5_000] {
                let now = t + i % 5;
                let start = now.saturating_sub(window);
                let h = f.feed.history;
                let kept: Vec<Checkpoint> = (h.next - u64::from(h.len)..h.next)
                    .map(|s| f.ring.as_slice().checkpoint(s).unwrap())
                    .collect();
                let from = kept
                    .iter()
                    .rev()
                    .find(|c| c.at <= start)
                    .unwrap_or(&kept[0]);
                let expected = if window == 0 || now == from.at {
                    f.feed.price
                } else {
                    Price::new(
                        f.feed.cumulative_at(now).wrapping_sub(from.cumulative)
                            / u128::from(now - from.at),
                    )
                    .ok()
                };
                assert_eq!(f.twap(now, window), expected, "t={t} window={window}");
            }
        }
    }

    /// Read at a time before its latest post, a feed averages up to the newest checkpoint by
    /// then: what the cumulative says exactly, never the time after it.
    #[test]
    fn a_twap_in_the_past_ends_at_a_checkpoint() {
        let mut f = Kept::new();
        // 10 from t=0, 20 from t=100, 40 from t=200 (window 160: a checkpoint every 10 s).
        for t in (0..300u64).step_by(10) {
            let price = if t < 100 {
                "10"
            } else if t < 200 {
                "20"
            } else {
                "40"
            };
            f.post(p(price), t, 160);
        }
        // At t=195, before the latest post (t=290): the average over [30, 190] (the checkpoint
        // at 190 ends it; 160 s before it is 30): 70 s at 10 and 90 s at 20.
        let t = f.feed.twap(195, 160, f.ring.as_slice()).unwrap();
        let expected = (70 * 10 + 90 * 20) * 10u128.pow(18) / 160;
        assert_eq!(t.price, Some(Price::new(expected).unwrap()));
        assert_eq!(t.covered, 195 - 30);
        // Earlier than any kept checkpoint: no average.
        assert_eq!(f.feed.twap(5, 160, f.ring.as_slice()).unwrap().price, None);
    }

    #[test]
    fn cumulative_wraps_without_breaking_differences() {
        let mut f = Kept::new();
        f.feed.cumulative = u128::MAX - 5;
        f.feed.price = Some(p("1"));
        f.ring[0] = Some(Checkpoint {
            at: 0,
            cumulative: f.feed.cumulative,
        });
        f.feed.history = Cursor {
            next: 1,
            len: 1,
            newest_at: 0,
        };
        f.feed.posted_at = 0;
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
