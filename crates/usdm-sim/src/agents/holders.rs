//! Stablecoin holders who run (`[agents.holders]`): cohorts with log-normal sizes and fear
//! thresholds spread over a range. They watch the smoothed depeg and how much has recently
//! left (contagion); a cohort whose threshold is crossed leaves at the exit rate until the
//! signal falls back below half its threshold. The type decides how much leaves; the world
//! redeems or sells it through the protocol.

use crate::convert::{amount, share_of, tokens};
use crate::rng::Rng;
use crate::scenario::Holders;
use usdm_core::units::Amount;

/// A cohort of USDm holders sharing a fear threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Cohort {
    /// USDm still held.
    pub usdm: Amount,
    /// USDm held at the start, in tokens (the exit speed is a share of it).
    pub initial: f64,
    /// The run signal above which the cohort leaves.
    pub threshold: f64,
    /// True while leaving.
    pub running: bool,
}

/// The running holders and what they remember.
#[derive(Clone, Debug, PartialEq)]
pub struct RunningHolders {
    /// The cohorts.
    pub cohorts: Vec<Cohort>,
    /// Scales every threshold (a confidence shock lowers it).
    fear: f64,
    /// The depeg, smoothed over about five minutes.
    depeg_ema: f64,
    /// USDm seen leaving recently (tokens; decays with the holders' memory).
    recent_exits: f64,
    exit_decay: f64,
    depeg_alpha: f64,
    /// The holders' starting USDm (tokens): what recent exits are measured against.
    initial: f64,
    min_threshold: f64,
    /// Cohorts leaving now.
    running: usize,
    contagion: f64,
    exit_rate: f64,
    /// Share of what leaves that they would redeem rather than sell.
    pub redeem_share: f64,
}

impl RunningHolders {
    /// `total` USDm split into `spec.cohorts` cohorts (sizes and thresholds drawn from `rng`),
    /// acting once a block of `block_seconds`.
    pub fn new(spec: &Holders, total: Amount, block_seconds: u64, rng: &mut Rng) -> Self {
        let n = spec.cohorts.max(1) as usize;
        let weights: Vec<f64> = (0..n).map(|_| rng.lognormal(0.0, 1.0)).collect();
        // Each cohort takes its weight's share of what is left, so the shares add up exactly.
        let mut rest_w: f64 = weights.iter().sum();
        let mut left = total;
        let mut cohorts = Vec::with_capacity(n);
        for (i, w) in weights.iter().enumerate() {
            let usdm = if i + 1 == n {
                left
            } else {
                share_of(left, w / rest_w)
            };
            rest_w -= w;
            left = Amount::new(left.raw() - usdm.raw());
            let threshold =
                spec.threshold_min + (spec.threshold_max - spec.threshold_min) * rng.uniform();
            cohorts.push(Cohort {
                usdm,
                initial: tokens(usdm, 18),
                threshold,
                running: false,
            });
        }
        let min_threshold = cohorts
            .iter()
            .map(|c| c.threshold)
            .fold(f64::INFINITY, f64::min);
        RunningHolders {
            cohorts,
            fear: 1.0,
            depeg_ema: 0.0,
            recent_exits: 0.0,
            exit_decay: (-1.0 / spec.memory.max(1) as f64).exp(),
            depeg_alpha: 1.0 - (-(block_seconds as f64) / 300.0).exp(),
            initial: tokens(total, 18).max(1e-18),
            min_threshold,
            running: 0,
            contagion: spec.contagion,
            exit_rate: spec.exit_rate,
            redeem_share: spec.redeem_share,
        }
    }

    /// One block at USDm price `price`: the USDm the cohorts take out now (already removed
    /// from them). `idle` is true when nothing else of theirs is in motion (no queued
    /// redemption): then a calm signal skips the cohorts altogether.
    pub fn step(&mut self, price: f64, idle: bool) -> Amount {
        let depeg = (1.0 - price).max(0.0);
        self.depeg_ema += self.depeg_alpha * (depeg - self.depeg_ema);
        self.recent_exits *= self.exit_decay;
        let signal = self.depeg_ema + self.contagion * self.recent_exits / self.initial;
        let fear = self.fear;
        if signal < self.min_threshold * fear * 0.5 && idle && self.running == 0 {
            return Amount::ZERO;
        }
        let mut leaving = 0u128;
        let mut running = 0;
        for c in &mut self.cohorts {
            let threshold = c.threshold * fear;
            if !c.running && signal > threshold {
                c.running = true;
            } else if c.running && signal < 0.5 * threshold {
                c.running = false;
            }
            // A cohort that has left entirely no longer counts as running.
            if c.running && !c.usdm.is_zero() {
                running += 1;
                let x = amount(self.exit_rate * c.initial, 18).min(c.usdm);
                c.usdm = Amount::new(c.usdm.raw() - x.raw());
                leaving += x.raw();
            }
        }
        self.running = running;
        Amount::new(leaving)
    }

    /// The holders see `usdm` (tokens) leave: theirs, or a whale's.
    pub fn saw_exit(&mut self, usdm: f64) {
        self.recent_exits += usdm;
    }

    /// A confidence shock: every threshold scaled by `scale`.
    pub fn scale_fear(&mut self, scale: f64) {
        self.fear *= scale;
    }

    /// USDm the cohorts still hold (raw units).
    pub fn held(&self) -> u128 {
        self.cohorts.iter().map(|c| c.usdm.raw()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Holders {
        Holders {
            share: 0.8,
            cohorts: 10,
            threshold_min: 0.01,
            threshold_max: 0.1,
            exit_rate: 0.001,
            contagion: 0.0,
            redeem_share: 0.5,
            memory: 100,
        }
    }

    fn holders(spec: &Holders) -> RunningHolders {
        let total = Amount::new(1_000_000 * 10u128.pow(18));
        RunningHolders::new(spec, total, 3, &mut Rng::new(7, 0))
    }

    #[test]
    fn the_cohorts_add_up_and_their_thresholds_lie_in_the_range() {
        let h = holders(&spec());
        assert_eq!(h.cohorts.len(), 10);
        assert_eq!(h.held(), 1_000_000 * 10u128.pow(18));
        assert!(h
            .cohorts
            .iter()
            .all(|c| (0.01..=0.1).contains(&c.threshold)));
    }

    #[test]
    fn at_the_peg_nobody_leaves_and_a_deep_depeg_starts_every_cohort() {
        let mut h = holders(&spec());
        for _ in 0..1_000 {
            assert!(h.step(1.0, true).is_zero());
        }
        // 50% off the peg: the smoothed signal passes every threshold within a few hundred
        // blocks, and each cohort then takes out 0.1% of its start a block.
        let mut out = 0u128;
        for _ in 0..1_000 {
            out += h.step(0.5, true).raw();
        }
        assert!(h.cohorts.iter().all(|c| c.running));
        assert_eq!(h.held() + out, 1_000_000 * 10u128.pow(18), "nothing lost");
        assert!(out > 0);
    }

    #[test]
    fn fear_and_contagion_lower_the_bar() {
        // A 0.5% depeg moves nobody; with every threshold cut tenfold it moves the most fearful.
        let mut calm = holders(&spec());
        let mut shocked = holders(&spec());
        shocked.scale_fear(0.1);
        let (mut a, mut b) = (0u128, 0u128);
        for _ in 0..2_000 {
            a += calm.step(0.995, true).raw();
            b += shocked.step(0.995, true).raw();
        }
        assert_eq!(a, 0);
        assert!(b > 0);
        // Others leaving counts: a tenth of the holders seen leaving, with contagion 1.
        let mut s = spec();
        s.contagion = 1.0;
        let mut h = holders(&s);
        h.saw_exit(100_000.0);
        assert!(h.step(1.0, true).raw() > 0);
    }
}
