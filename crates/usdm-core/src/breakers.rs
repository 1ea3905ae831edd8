//! Circuit breakers (SPEC 11, optional): per-epoch limits on what redemptions may take out of
//! the protocol, so that a run cannot hyper-inflate XMS within a few blocks.
//!
//! Each breaker is a rate limit whose capacity unlocks linearly: a limit of `c` per epoch of
//! `e` seconds frees `c / e` every second, up to `c`. A refused redemption is told how many
//! seconds until enough capacity has unlocked. Capacities are shares of the current supply,
//! so they scale with the protocol:
//! - redemption outflow: the USD value of USDm redeemed, as a share of circulating USDm;
//! - XMS minted: XMS owed by redemptions, as a share of the XMS supply.
//!
//! Off in the faithful `mars` and `frax` presets; the `mars-guarded` preset turns both on.

use crate::error::{Error, Result};
use crate::math::{mul_div, Rounding};
use crate::units::{Amount, Quantity, Ratio, Usd, WAD};

/// Breaker limits per epoch; `None` is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BreakerParams {
    /// USDm redeemed per epoch, as a share of circulating USDm.
    pub redemption_outflow: Option<Ratio>,
    /// XMS owed by redemptions per epoch, as a share of the XMS supply.
    pub xms_minted: Option<Ratio>,
}

impl BreakerParams {
    /// The `mars-guarded` defaults: 1% of circulating USDm redeemed and 0.1% of the XMS supply
    /// minted per 180 s epoch; that is at most about 20% of USDm redeemed and 2% of XMS
    /// minted per hour, and XMS dilution below 1.6x per day however fast the run.
    pub const fn guarded() -> Self {
        BreakerParams {
            redemption_outflow: Some(Ratio::bps(100)),
            xms_minted: Some(Ratio::bps(10)),
        }
    }

    /// True if any breaker is on.
    pub fn any(&self) -> bool {
        self.redemption_outflow.is_some() || self.xms_minted.is_some()
    }
}

/// A linearly unlocking rate limit: `used` capacity as of `at`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RateLimit {
    /// Capacity in use as of `at`, in the limit's unit.
    #[serde(with = "crate::math::u128_string")]
    pub used: u128,
    /// When `used` was last updated.
    pub at: u64,
}

/// Why a rate limit refused: what is available and when enough will be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortfall {
    /// Available now.
    pub available: u128,
    /// Seconds until `amount` fits, or `None` if it exceeds the whole capacity.
    pub retry_in: Option<u64>,
}

impl RateLimit {
    /// Capacity in use at `now`, after linear unlocking.
    pub fn level(&self, now: u64, capacity: u128, period: u64) -> u128 {
        let elapsed = u128::from(now.saturating_sub(self.at));
        let unlocked = mul_div(capacity, elapsed, u128::from(period.max(1)), Rounding::Down)
            .unwrap_or(u128::MAX);
        self.used.saturating_sub(unlocked)
    }

    /// The limit after taking `amount` at `now`, or why it cannot be taken.
    pub fn take(
        &self,
        amount: u128,
        now: u64,
        capacity: u128,
        period: u64,
    ) -> std::result::Result<RateLimit, Shortfall> {
        let level = self.level(now, capacity, period);
        let available = capacity.saturating_sub(level);
        if amount <= available {
            return Ok(RateLimit {
                used: level + amount,
                at: now,
            });
        }
        let retry_in = if amount > capacity || capacity == 0 {
            None
        } else {
            // What must unlock: everything above the capacity, counting capacity already in
            // use beyond a capacity that has shrunk since (supply falls during a run).
            let excess = level + amount - capacity;
            mul_div(excess, u128::from(period.max(1)), capacity, Rounding::Up)
                .and_then(|s| u64::try_from(s).ok())
        };
        Err(Shortfall {
            available,
            retry_in,
        })
    }
}

/// The state of both breakers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Breakers {
    /// Redemption outflow, in USD (18 decimals).
    pub redemption: RateLimit,
    /// XMS minted by redemptions, in XMS base units.
    pub xms: RateLimit,
}

impl Breakers {
    /// The breakers after a redemption of `usdm_in` owing `xms_out` at `now`, given circulating
    /// USDm and XMS supply before it; or the refusal of the first breaker that trips.
    pub fn after_redemption(
        &self,
        params: &BreakerParams,
        (usdm_in, xms_out): (Amount, Amount),
        (circulating_usdm, xms_supply): (Usd, Amount),
        now: u64,
        period: u64,
    ) -> Result<Breakers> {
        let mut next = *self;
        if let Some(limit) = params.redemption_outflow {
            let capacity =
                mul_div(circulating_usdm.raw(), limit.raw(), WAD, Rounding::Down).unwrap_or(0);
            next.redemption = self
                .redemption
                .take(usdm_in.raw(), now, capacity, period)
                .map_err(|s| tripped("redemption outflow", usdm_in, s, capacity, Quantity::usdm))?;
        }
        Ok(Breakers {
            xms: next
                .after_xms_minted(params, xms_out, xms_supply, now, period)?
                .xms,
            ..next
        })
    }

    /// The breakers after `xms` XMS is newly minted at `now` (by a redemption or a
    /// recollateralization), given the XMS supply before it.
    pub fn after_xms_minted(
        &self,
        params: &BreakerParams,
        xms: Amount,
        xms_supply: Amount,
        now: u64,
        period: u64,
    ) -> Result<Breakers> {
        let mut next = *self;
        if let Some(limit) = params.xms_minted {
            if !xms.is_zero() {
                let capacity =
                    mul_div(xms_supply.raw(), limit.raw(), WAD, Rounding::Down).unwrap_or(0);
                next.xms = self
                    .xms
                    .take(xms.raw(), now, capacity, period)
                    .map_err(|s| tripped("XMS minted", xms, s, capacity, Quantity::xms))?;
            }
        }
        Ok(next)
    }
}

fn tripped(
    breaker: &'static str,
    requested: Amount,
    s: Shortfall,
    capacity: u128,
    q: fn(Amount) -> Quantity,
) -> Error {
    Error::CircuitBreaker {
        breaker,
        requested: Box::new(q(requested)),
        available: Box::new(q(Amount::new(s.available))),
        capacity: Box::new(q(Amount::new(capacity))),
        retry_in: s.retry_in,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_unlocks_linearly_over_the_epoch() {
        let r = RateLimit::default();
        let r = r.take(100, 0, 100, 180).unwrap();
        assert_eq!(r.level(90, 100, 180), 50);
        assert_eq!(r.level(180, 100, 180), 0);
        let s = r.take(60, 90, 100, 180).unwrap_err();
        assert_eq!(s.available, 50);
        // 10 more units unlock in 18 s.
        assert_eq!(s.retry_in, Some(18));
        assert!(r.take(60, 108, 100, 180).is_ok());
    }

    #[test]
    fn retry_in_counts_capacity_used_beyond_a_shrunken_capacity() {
        // Used 100 of a capacity that has since shrunk to 99: a request of 50 must wait until
        // the level has fallen to 49, i.e. 51 units unlocked at 99 per 180 s.
        let r = RateLimit { used: 100, at: 0 };
        let s = r.take(50, 0, 99, 180).unwrap_err();
        let wait = s.retry_in.unwrap();
        assert!(r.take(50, wait, 99, 180).is_ok(), "ready after {wait} s");
        assert!(r.take(50, wait - 1, 99, 180).is_err(), "not ready before");
    }

    #[test]
    fn more_than_a_whole_epoch_can_never_pass() {
        let s = RateLimit::default().take(101, 0, 100, 180).unwrap_err();
        assert_eq!(s.retry_in, None);
        assert_eq!(s.available, 100);
    }

    #[test]
    fn the_first_breaker_to_trip_names_itself() {
        let b = Breakers::default();
        let p = BreakerParams::guarded();
        let circ = Usd::dollars(1_000);
        let supply = Amount::new(1_000 * WAD);
        // 1% of $1,000 = $10 per epoch.
        let next = b
            .after_redemption(
                &p,
                (Amount::new(10 * WAD), Amount::new(WAD)),
                (circ, supply),
                0,
                180,
            )
            .unwrap();
        let err = next
            .after_redemption(&p, (Amount::new(WAD), Amount::ZERO), (circ, supply), 0, 180)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::CircuitBreaker {
                    breaker: "redemption outflow",
                    retry_in: Some(18),
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("returns in 18 s"), "{err}");
        // 0.1% of 1,000 XMS = 1 XMS per epoch.
        let err = b
            .after_redemption(
                &p,
                (Amount::new(WAD), Amount::new(2 * WAD)),
                (circ, supply),
                0,
                180,
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::CircuitBreaker {
                    breaker: "XMS minted",
                    retry_in: None,
                    ..
                }
            ),
            "{err}"
        );
    }
}
