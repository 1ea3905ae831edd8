//! A governed ramp of the XMS support ratio (SPEC 6): instead of moving the ratio in one vote,
//! which moves the next epoch's supply cap by the same proportion at once, governance schedules
//! a straight line from the current ratio to a target, and each epoch's cap uses the ratio on
//! that line at the epoch's start.
//!
//! The line is bounded by [`RampLimits`] (governance parameters): it lasts at least
//! `min_seconds`, and it moves at most `max_daily_change` of the lower of its ends a day, so
//! markets see the whole schedule in advance. (A one-step `set_param` of the ratio stays
//! available to governance, as does changing the limits: the ramp is the gradual path, not a
//! lock on governance.) One ramp runs at a time; stopping it leaves the ratio where the line
//! had reached.
//!
//! Ramps chain: one that starts before the ratio has rested as long as the chain before it
//! moved continues that chain, and the chain as a whole keeps within the same rate bound from
//! its start, so five one-day ramps cannot move the ratio further than one five-day ramp. (The
//! bound's lower end is otherwise each ramp's own, and short ramps in a row would compound.)
//!
//! The interpolation is exact integer arithmetic rounded up: a higher ratio is a lower cap, so
//! every rounding error falls on the protocol's side, as the cap itself rounds down.

use crate::error::{Error, Result};
use crate::math::{mul_div, Rounding};
use crate::units::{Ratio, SupportRatio};

/// Seconds in a day: the unit of the rate bound.
pub const DAY: u64 = 86_400;
/// The longest ramp accepted: a year (a longer schedule is a promise no vote should make).
pub const MAX_RAMP_SECONDS: u64 = 365 * DAY;

/// How fast and how short a ramp may be (governance parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RampLimits {
    /// The most the ratio may move in a day, as a share of the lower of the ramp's two ends
    /// (default 10%: 250% to 400% moves at most 25 points a day). The lower end, because the
    /// cap is inversely proportional to the ratio: near it each point moves the cap most, so
    /// a ramp down (a rising cap) cannot speed up the cap's rise as it goes.
    pub max_daily_change: Ratio,
    /// The shortest ramp, in seconds (default one day).
    pub min_seconds: u64,
}

impl Default for RampLimits {
    fn default() -> Self {
        RampLimits {
            max_daily_change: Ratio::bps(1_000),
            min_seconds: DAY,
        }
    }
}

impl RampLimits {
    /// Checks the limits themselves.
    pub fn validate(&self) -> Result<()> {
        if self.max_daily_change.is_zero() {
            return Err(Error::InvalidParameter {
                name: "ramp_max_daily_change",
                value: "0%".into(),
                accepted: "above 0% and at most 100% of the starting ratio a day",
            });
        }
        if !(3_600..=30 * DAY).contains(&self.min_seconds) {
            return Err(Error::InvalidParameter {
                name: "ramp_min_seconds",
                value: self.min_seconds.to_string(),
                accepted: "3,600 to 2,592,000 seconds (an hour to 30 days)",
            });
        }
        Ok(())
    }

    /// The shortest duration in which the ratio may move from `from` to `to`: the rate bound
    /// or `min_seconds`, whichever is longer.
    pub fn least_seconds(&self, from: SupportRatio, to: SupportRatio) -> Result<u64> {
        let distance = from.raw().abs_diff(to.raw());
        // The most the ratio may move per day, in raw units (at least one, so the bound exists).
        let per_day = mul_div(
            from.raw().min(to.raw()),
            self.max_daily_change.raw(),
            Ratio::ONE.raw(),
            Rounding::Down,
        )
        .ok_or_else(|| Error::Overflow("ramp rate"))?
        .max(1);
        let by_rate = mul_div(distance, u128::from(DAY), per_day, Rounding::Up)
            .ok_or_else(|| Error::Overflow("ramp duration"))?;
        let by_rate = u64::try_from(by_rate).unwrap_or(u64::MAX);
        Ok(by_rate.max(self.min_seconds))
    }
}

/// A ramp in progress: the ratio moves in a straight line from `from` at `start` to `to` at
/// `end` (seconds of block time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupportRamp {
    /// The ratio when the ramp started.
    pub from: SupportRatio,
    /// The target.
    pub to: SupportRatio,
    /// When it started.
    pub start: u64,
    /// When it reaches the target (when it was stopped, for a stopped one).
    pub end: u64,
    /// When and at what ratio the chain of ramps this one continues began; `None` when this
    /// one began it.
    #[serde(default)]
    pub chain: Option<(u64, SupportRatio)>,
}

impl SupportRamp {
    /// A ramp from `from` (the ratio now) to `to` over `seconds` from `now`, refused unless
    /// it moves, lasts no more than [`MAX_RAMP_SECONDS`] and keeps within `limits`.
    pub fn start(
        from: SupportRatio,
        to: SupportRatio,
        now: u64,
        seconds: u64,
        limits: &RampLimits,
    ) -> Result<SupportRamp> {
        if from == to {
            return Err(Error::RampRefused {
                reason: format!("the support ratio is already {to}; give a different target"),
            });
        }
        let least = limits.least_seconds(from, to)?;
        if least > MAX_RAMP_SECONDS {
            return Err(Error::RampRefused {
                reason: format!(
                    "{from} to {to} is too far for a year at the rate limit (at most {} of {} a \
                     day takes {least} s); ramp in steps, or raise ramp_max_daily_change",
                    limits.max_daily_change.to_percent(),
                    from.min(to)
                ),
            });
        }
        if seconds < least || seconds > MAX_RAMP_SECONDS {
            return Err(Error::RampRefused {
                reason: format!(
                    "a ramp from {from} to {to} over {seconds} s is outside the limits; accepted: \
                     {least} to {MAX_RAMP_SECONDS} seconds (at least {} s, and at most {} of \
                     {} a day)",
                    limits.min_seconds,
                    limits.max_daily_change.to_percent(),
                    from.min(to)
                ),
            });
        }
        let end = now
            .checked_add(seconds)
            .ok_or_else(|| Error::Overflow("ramp end"))?;
        Ok(SupportRamp {
            from,
            to,
            start: now,
            end,
            chain: None,
        })
    }

    /// [`SupportRamp::start`] after `previous` (the latest ramp, finished or stopped): if the
    /// ratio has rested since `previous` ended for less time than its chain moved, the new ramp
    /// continues that chain, and the move from the chain's start to `to` must also keep within
    /// the rate bound over the whole time from the chain's start to the new ramp's end.
    pub fn start_after(
        previous: Option<&SupportRamp>,
        from: SupportRatio,
        to: SupportRatio,
        now: u64,
        seconds: u64,
        limits: &RampLimits,
    ) -> Result<SupportRamp> {
        let mut ramp = SupportRamp::start(from, to, now, seconds, limits)?;
        let Some(previous) = previous else {
            return Ok(ramp);
        };
        let (began, began_at) = previous.chain.unwrap_or((previous.start, previous.from));
        let moved_for = previous.end.saturating_sub(began);
        if now.saturating_sub(previous.end) >= moved_for {
            return Ok(ramp);
        }
        let least = limits.least_seconds(began_at, to)?;
        let allowed = ramp.end - began;
        if least > allowed {
            return Err(Error::RampRefused {
                reason: format!(
                    "this ramp continues the chain that began at {began_at} at {began} (the ratio \
                     has rested {} s since the last ramp ended, less than the {moved_for} s the \
                     chain moved), and {began_at} to {to} needs at least {least} s at the rate \
                     limit; end it at {} or later, or wait until {}",
                    now.saturating_sub(previous.end),
                    began.saturating_add(least),
                    previous.end.saturating_add(moved_for)
                ),
            });
        }
        ramp.chain = Some((began, began_at));
        Ok(ramp)
    }

    /// This ramp stopped at `t`: it ends there, at the ratio it had reached.
    pub fn stopped_at(&self, t: u64) -> SupportRamp {
        SupportRamp {
            to: self.ratio_at(t),
            end: t.clamp(self.start, self.end),
            ..*self
        }
    }

    /// The ratio at time `t`: `from` before the start, `to` from the end on, and in between
    /// the exact point on the line rounded up (towards a lower cap).
    pub fn ratio_at(&self, t: u64) -> SupportRatio {
        if t <= self.start {
            return self.from;
        }
        if t >= self.end {
            return self.to;
        }
        let (elapsed, length) = (
            u128::from(t - self.start),
            u128::from(self.end - self.start),
        );
        let distance = self.from.raw().abs_diff(self.to.raw());
        // distance < 100 × 10^18 and elapsed < length < 2^64: the 256-bit product cannot
        // overflow and the quotient is below `distance`.
        let raw = if self.to > self.from {
            let moved = mul_div(distance, elapsed, length, Rounding::Up).unwrap_or(distance);
            self.from.raw() + moved
        } else {
            let moved = mul_div(distance, elapsed, length, Rounding::Down).unwrap_or(0);
            self.from.raw() - moved
        };
        // Between `from` and `to`, both valid, so always within the ratio's bounds.
        SupportRatio::new(raw).unwrap_or(self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sr(bps: u32) -> SupportRatio {
        SupportRatio::bps(bps)
    }

    #[test]
    fn the_default_limits_allow_250_to_400_in_six_days_and_no_faster() {
        let limits = RampLimits::default();
        // 150 points at 25 points (10% of 250%) a day: exactly six days.
        assert_eq!(
            limits.least_seconds(sr(25_000), sr(40_000)).unwrap(),
            6 * DAY
        );
        assert!(SupportRamp::start(sr(25_000), sr(40_000), 0, 6 * DAY, &limits).is_ok());
        let err = SupportRamp::start(sr(25_000), sr(40_000), 0, 6 * DAY - 1, &limits).unwrap_err();
        assert!(
            err.to_string().contains("518400 to 31536000 seconds"),
            "{err}"
        );
        // Down (a rising cap) is bounded by the same lower end: six days, not 3.75.
        assert_eq!(
            limits.least_seconds(sr(40_000), sr(25_000)).unwrap(),
            6 * DAY
        );
        // Too far for a year at the rate: said so, not an empty range.
        let far = SupportRamp::start(sr(10_000), sr(1_000_000), 0, DAY, &limits).unwrap_err();
        assert!(far.to_string().contains("too far for a year"), "{far}");
        // A small move still takes the minimum duration.
        assert_eq!(limits.least_seconds(sr(25_000), sr(25_100)).unwrap(), DAY);
        assert!(SupportRamp::start(sr(25_000), sr(25_000), 0, DAY, &limits).is_err());
        assert!(
            SupportRamp::start(sr(25_000), sr(26_000), 0, MAX_RAMP_SECONDS + 1, &limits).is_err()
        );
    }

    #[test]
    fn the_line_is_exact_and_rounds_towards_a_higher_ratio() {
        let limits = RampLimits {
            max_daily_change: Ratio::ONE,
            min_seconds: 3_600,
        };
        let up = SupportRamp::start(sr(25_000), sr(40_000), 1_000, 3 * DAY, &limits).unwrap();
        assert_eq!(up.ratio_at(0), sr(25_000));
        assert_eq!(up.ratio_at(1_000), sr(25_000));
        assert_eq!(up.ratio_at(1_000 + DAY), sr(30_000));
        assert_eq!(up.ratio_at(1_000 + 3 * DAY), sr(40_000));
        assert_eq!(up.ratio_at(u64::MAX), sr(40_000));
        // 1.5 × 10^18 × 1 / 259,200 = 5,787,037,037,037.03…: rounded up.
        assert_eq!(
            up.ratio_at(1_001).raw(),
            2_500_000_000_000_000_000 + 5_787_037_037_038
        );
        let down = SupportRamp::start(sr(40_000), sr(25_000), 0, 3 * DAY, &limits).unwrap();
        assert_eq!(
            down.ratio_at(1).raw(),
            4_000_000_000_000_000_000 - 5_787_037_037_037
        );
        assert_eq!(down.ratio_at(2 * DAY), sr(30_000));
    }

    #[test]
    fn limits_are_validated() {
        assert!(RampLimits::default().validate().is_ok());
        let zero = RampLimits {
            max_daily_change: Ratio::ZERO,
            ..RampLimits::default()
        };
        assert!(zero.validate().is_err());
        let short = RampLimits {
            min_seconds: 60,
            ..RampLimits::default()
        };
        assert!(short.validate().unwrap_err().to_string().contains("3,600"));
    }

    proptest! {
        #[test]
        fn the_ratio_stays_in_bounds_moves_no_faster_than_allowed_and_is_monotone(
            from in 10_000u32..=1_000_000,
            to in 10_000u32..=1_000_000,
            rate_bps in 1u32..=10_000,
            extra in 0u64..(30 * DAY),
            times in proptest::collection::vec(0u64..(400 * DAY), 2..40),
        ) {
            prop_assume!(from != to);
            let limits = RampLimits {
                max_daily_change: Ratio::bps(rate_bps),
                min_seconds: 3_600,
            };
            let (from, to) = (sr(from), sr(to));
            let least = limits.least_seconds(from, to).unwrap();
            prop_assume!(least <= MAX_RAMP_SECONDS);
            let seconds = (least + extra).min(MAX_RAMP_SECONDS);
            let ramp = SupportRamp::start(from, to, 0, seconds, &limits).unwrap();
            let (lo, hi) = (from.min(to), from.max(to));
            let per_day = from.raw().min(to.raw()) * u128::from(rate_bps) / 10_000;
            let mut times = times;
            times.sort_unstable();
            let mut last: Option<(u64, SupportRatio)> = None;
            for t in times {
                let r = ramp.ratio_at(t);
                prop_assert!(r >= lo && r <= hi);
                // Within one base unit of the exact line, never below it.
                let t_in = u128::from(t.min(seconds));
                let exact_num = from.raw() * u128::from(seconds) + t_in * to.raw() - t_in * from.raw();
                let exact_floor = exact_num / u128::from(seconds);
                prop_assert!(r.raw() >= exact_floor && r.raw() <= exact_floor + 1);
                if let Some((t0, r0)) = last {
                    // Monotone towards the target, and no faster than the daily bound (plus
                    // one unit of rounding at each end).
                    if to > from { prop_assert!(r >= r0) } else { prop_assert!(r <= r0) }
                    let moved = r.raw().abs_diff(r0.raw());
                    let allowed = per_day * u128::from(t - t0) / u128::from(DAY) + 2;
                    prop_assert!(moved <= allowed, "moved {moved} in {}s, allowed {allowed}", t - t0);
                }
                last = Some((t, r));
            }
        }
    }

    /// Issue 20 (review note): five chained one-day ramps moved 400% to 250% in 5.0 days; a
    /// chain now keeps within the bound from its start, so it takes six days, as one ramp does.
    #[test]
    fn chained_ramps_move_no_faster_than_one() {
        let limits = RampLimits::default();
        let mut previous: Option<SupportRamp> = None;
        let mut ratio = sr(40_000);
        let mut t = 0;
        // Each day, the furthest one-day ramp down the limits allow.
        for day in 1..=5 {
            let furthest = (20_000..ratio.raw() / 10u128.pow(14))
                .map(|bps| sr(bps as u32))
                .find(|&to| {
                    SupportRamp::start_after(previous.as_ref(), ratio, to, t, DAY, &limits).is_ok()
                })
                .unwrap();
            let ramp =
                SupportRamp::start_after(previous.as_ref(), ratio, furthest, t, DAY, &limits)
                    .unwrap();
            assert_eq!(ramp.chain.is_some(), day > 1);
            // From 400% at the chain's start, at most 10% of the lower end a day: in basis
            // points, 40,000 / (1 + day / 10).
            let bound = 400_000 / (10 + day as u128);
            let reached = ramp.to.raw() / 10u128.pow(14);
            assert!(reached >= bound, "day {day}: {reached} bps < {bound} bps");
            ratio = ramp.to;
            t = ramp.end;
            previous = Some(ramp);
        }
        assert!(ratio > sr(26_600), "five days reach {ratio}, not 250%");
        // The sixth day reaches 250%, as a single six-day ramp does.
        let sixth = SupportRamp::start_after(previous.as_ref(), ratio, sr(25_000), t, DAY, &limits);
        assert!(sixth.is_ok(), "{sixth:?}");
        // 245% in a day is within this ramp's own bound but not the chain's: refused, with
        // when and where it would be accepted.
        let err = SupportRamp::start_after(previous.as_ref(), ratio, sr(24_500), t, DAY, &limits)
            .unwrap_err();
        assert!(SupportRamp::start(ratio, sr(24_500), t, DAY, &limits).is_ok());
        assert!(err.to_string().contains("continues the chain"), "{err}");
    }

    #[test]
    fn a_rest_as_long_as_the_chain_moved_starts_a_new_chain() {
        let limits = RampLimits::default();
        let first = SupportRamp::start(sr(40_000), sr(36_400), 0, DAY, &limits).unwrap();
        // Rested less than a day: chained; a day or more: a chain of its own.
        let chained =
            SupportRamp::start_after(Some(&first), sr(36_400), sr(33_400), DAY + 10, DAY, &limits)
                .unwrap();
        assert_eq!(chained.chain, Some((0, sr(40_000))));
        let fresh =
            SupportRamp::start_after(Some(&first), sr(36_400), sr(33_100), 2 * DAY, DAY, &limits)
                .unwrap();
        assert_eq!(fresh.chain, None);
        // A stopped ramp ends where it stopped, at the ratio it reached.
        let stopped = first.stopped_at(DAY / 2);
        assert_eq!(
            (stopped.end, stopped.to),
            (DAY / 2, first.ratio_at(DAY / 2))
        );
    }
}
