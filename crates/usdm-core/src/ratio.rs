//! Collateral-ratio policy (SPEC 7): which share of a USDm's dollar is collateral on mint and
//! on redeem. Mars mints at 1 and redeems at 0; Frax uses one ratio for both and moves it with
//! a controller that anyone may call once per cooldown. Governance may hold redemption at a
//! ratio of its own, as Iron Finance redeemed at its effective ratio while minting at its target.

use crate::error::{Error, Result};
use crate::params::{FraxParams, PolicyKind};
use crate::units::{Price, Ratio, WAD};

/// The policy in force and its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatioPolicy {
    /// Mint at ratio 1, redeem at ratio 0.
    Mars,
    /// One global ratio and the time of the last refresh.
    Frax {
        /// The global collateral ratio.
        cr: Ratio,
        /// Block time of the last refresh, if any.
        last_refresh: Option<u64>,
        /// A redemption ratio held apart from `cr` by governance, if any (the controller does
        /// not move it). JSON state written before it existed (0.1's item, 0.2's parts) reads
        /// as `None`.
        #[serde(default)]
        redeem_cr: Option<Ratio>,
    },
}

/// Which way a refresh moved the ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// USDm above the band: less collateral needed.
    Down,
    /// USDm below the band: more collateral needed.
    Up,
    /// USDm inside the band (or the ratio already at a bound).
    Unchanged,
}

/// The result of a refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Refresh {
    /// Ratio before.
    pub old: Ratio,
    /// Ratio after.
    pub new: Ratio,
    /// The USDm TWAP the decision was based on.
    pub usdm_price: Price,
    /// Which way it moved.
    pub direction: Direction,
}

impl RatioPolicy {
    /// The initial state of a policy: Frax starts fully collateralised.
    pub fn new(kind: PolicyKind) -> Self {
        match kind {
            PolicyKind::Mars => RatioPolicy::Mars,
            PolicyKind::Frax => RatioPolicy::Frax {
                cr: Ratio::ONE,
                last_refresh: None,
                redeem_cr: None,
            },
        }
    }

    /// Which policy this is.
    pub fn kind(&self) -> PolicyKind {
        match self {
            RatioPolicy::Mars => PolicyKind::Mars,
            RatioPolicy::Frax { .. } => PolicyKind::Frax,
        }
    }

    /// The collateral ratio used for minting.
    #[inline]
    pub fn mint_ratio(&self) -> Ratio {
        match self {
            RatioPolicy::Mars => Ratio::ONE,
            RatioPolicy::Frax { cr, .. } => *cr,
        }
    }

    /// The collateral ratio used for redeeming: the global ratio unless governance holds
    /// redemption at its own.
    #[inline]
    pub fn redeem_ratio(&self) -> Ratio {
        match self {
            RatioPolicy::Mars => Ratio::ZERO,
            RatioPolicy::Frax { cr, redeem_cr, .. } => redeem_cr.unwrap_or(*cr),
        }
    }

    /// When the next refresh is allowed (Frax only).
    pub fn next_refresh_at(&self, params: &FraxParams) -> Option<u64> {
        match self {
            RatioPolicy::Mars => None,
            RatioPolicy::Frax { last_refresh, .. } => {
                Some(last_refresh.map_or(0, |t| t.saturating_add(params.refresh_cooldown)))
            }
        }
    }

    /// The policy after a refresh at `now` with the USDm TWAP `usdm_price`; `self` is not
    /// touched. Above $1 + band the ratio falls by a step, below $1 - band it rises, and it
    /// always ends within [`min_cr`, 1].
    pub fn refreshed(
        &self,
        usdm_price: Price,
        now: u64,
        params: &FraxParams,
    ) -> Result<(RatioPolicy, Refresh)> {
        let RatioPolicy::Frax {
            cr,
            last_refresh,
            redeem_cr,
        } = *self
        else {
            return Err(Error::NotFraxPolicy {
                operation: "refresh",
            });
        };
        if let Some(last) = last_refresh {
            let next_at = last.saturating_add(params.refresh_cooldown);
            if now < next_at {
                return Err(Error::RefreshCooldown { next_at, now });
            }
        }
        let band = params.price_band.raw();
        let price = usdm_price.raw();
        let moved = if price > WAD + band {
            cr.saturating_sub(params.cr_step)
        } else if price < WAD - band {
            cr.saturating_add(params.cr_step)
        } else {
            cr
        };
        let new = moved.max(params.min_cr);
        let direction = match new.cmp(&cr) {
            std::cmp::Ordering::Less => Direction::Down,
            std::cmp::Ordering::Greater => Direction::Up,
            std::cmp::Ordering::Equal => Direction::Unchanged,
        };
        Ok((
            RatioPolicy::Frax {
                cr: new,
                last_refresh: Some(now),
                redeem_cr,
            },
            Refresh {
                old: cr,
                new,
                usdm_price,
                direction,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frax() -> RatioPolicy {
        RatioPolicy::new(PolicyKind::Frax)
    }

    fn price(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn mars_mints_at_one_and_redeems_at_zero() {
        let m = RatioPolicy::new(PolicyKind::Mars);
        assert!(m.mint_ratio().is_one());
        assert!(m.redeem_ratio().is_zero());
        assert!(matches!(
            m.refreshed(price("1.1"), 0, &FraxParams::default()),
            Err(Error::NotFraxPolicy { .. })
        ));
    }

    #[test]
    fn controller_steps_down_above_the_band_and_respects_the_cooldown() {
        let p = FraxParams::default();
        let (s, r) = frax().refreshed(price("1.006"), 100, &p).unwrap();
        assert_eq!(r.direction, Direction::Down);
        assert_eq!(s.mint_ratio(), Ratio::bps(9_975));
        assert_eq!(
            s.refreshed(price("1.006"), 100 + 3_599, &p).unwrap_err(),
            Error::RefreshCooldown {
                next_at: 3_700,
                now: 3_699
            }
        );
        let (s, r) = s.refreshed(price("0.99"), 3_700, &p).unwrap();
        assert_eq!(r.direction, Direction::Up);
        assert!(s.mint_ratio().is_one());
    }

    #[test]
    fn inside_the_band_nothing_moves_and_bounds_hold() {
        let p = FraxParams::default();
        let (s, r) = frax().refreshed(price("1.005"), 0, &p).unwrap();
        assert_eq!(r.direction, Direction::Unchanged);
        assert!(s.mint_ratio().is_one());
        // Already at 1: a low price cannot push it above 1.
        let (s, r) = s.refreshed(price("0.5"), 3_600, &p).unwrap();
        assert_eq!(r.direction, Direction::Unchanged);
        assert!(s.mint_ratio().is_one());
        // The floor holds.
        let p = FraxParams {
            min_cr: Ratio::ONE,
            ..FraxParams::default()
        };
        let (s, _) = frax().refreshed(price("2"), 0, &p).unwrap();
        assert!(s.mint_ratio().is_one());
    }

    #[test]
    fn the_controller_moves_the_global_ratio_and_leaves_a_held_redemption_ratio() {
        let held = RatioPolicy::Frax {
            cr: Ratio::ONE,
            last_refresh: None,
            redeem_cr: Some(Ratio::bps(7_500)),
        };
        let (s, _) = held
            .refreshed(price("1.006"), 0, &FraxParams::default())
            .unwrap();
        assert_eq!(s.mint_ratio(), Ratio::bps(9_975));
        assert_eq!(s.redeem_ratio(), Ratio::bps(7_500));
        assert_eq!(
            frax().redeem_ratio(),
            Ratio::ONE,
            "unheld: the global ratio"
        );
    }
}
