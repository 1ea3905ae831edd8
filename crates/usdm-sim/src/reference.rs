//! The reference model: a small redemption-spiral model implemented both here and in cadCAD
//! (`bench/reference_cadcad.py`), so the two engines can be timed on the same work and their
//! outcome distributions compared. `bench/README.md` states the model rule by rule; this file
//! and the Python one follow it line for line.
//!
//! It deliberately does not use the protocol core: the comparison is between simulation
//! engines on identical arithmetic, not between the core and a re-model of it.

use crate::rng::Rng;
use rayon::prelude::*;

/// The model's parameters (defaults match `PARAMS` in `bench/reference_cadcad.py`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct RefParams {
    /// XMS exogenous volatility per step.
    pub sigma: f64,
    /// Share of USDm redeemed per step in calm.
    pub base: f64,
    /// Extra share redeemed per unit of XMS drawdown from its running high.
    pub k: f64,
    /// The most redeemed in one step.
    pub cap: f64,
    /// Market reserve as a share of XMS supply.
    pub depth: f64,
    /// Steps for market impact to halve.
    pub half_life: f64,
    /// Starting USDm supply.
    pub u0: f64,
    /// Starting XMS supply.
    pub s0: f64,
    /// Starting XMS price.
    pub p0: f64,
}

impl Default for RefParams {
    fn default() -> Self {
        RefParams {
            sigma: 0.02,
            base: 0.0002,
            k: 0.002,
            cap: 0.5,
            depth: 0.2,
            half_life: 50.0,
            u0: 1e8,
            s0: 1e8,
            p0: 2.5,
        }
    }
}

/// The model's state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RefState {
    /// USDm supply.
    pub u: f64,
    /// XMS supply.
    pub s: f64,
    /// Exogenous XMS price.
    pub e: f64,
    /// Log of the market impact.
    pub i: f64,
    /// Running high of the pre-trade price.
    pub m: f64,
    /// XMS price after the step.
    pub price: f64,
    /// Lowest price so far.
    pub min_price: f64,
}

impl RefState {
    /// The starting state.
    pub fn initial(p: &RefParams) -> Self {
        RefState {
            u: p.u0,
            s: p.s0,
            e: p.p0,
            i: 0.0,
            m: p.p0,
            price: p.p0,
            min_price: p.p0,
        }
    }

    /// One step with standard normal draw `z`.
    #[inline]
    pub fn step(&self, p: &RefParams, z: f64) -> RefState {
        let e = self.e * (p.sigma * z - 0.5 * p.sigma * p.sigma).exp();
        let mut s = self.s;
        let mut i = self.i;
        let pre = (e * p.s0 / s * i.exp()).max(1e-9);
        let m = self.m.max(pre);
        let f = (p.base + p.k * (1.0 - pre / m).max(0.0)).min(p.cap);
        let r = f * self.u;
        let u = self.u - r;
        let x = r / pre;
        s += x;
        let reserve = p.depth * s;
        i += 2.0 * (reserve / (reserve + x)).ln();
        i *= 0.5f64.powf(1.0 / p.half_life);
        let price = e * p.s0 / s * i.exp();
        RefState {
            u,
            s,
            e,
            i,
            m,
            price,
            min_price: self.min_price.min(price),
        }
    }
}

/// One run's outcome.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct RefOutcome {
    /// Final XMS supply over the starting one.
    pub dilution: f64,
    /// Final XMS price.
    pub final_price: f64,
    /// Lowest XMS price.
    pub min_price: f64,
    /// Share of USDm still in circulation.
    pub usdm_left: f64,
}

/// Runs `runs` independent runs of `steps` steps, run `i` on stream `i` of `seed`.
pub fn run(p: &RefParams, runs: u64, steps: u64, seed: u64) -> Vec<RefOutcome> {
    (0..runs)
        .into_par_iter()
        .map(|run| {
            let mut rng = Rng::new(seed, run);
            let mut st = RefState::initial(p);
            for _ in 0..steps {
                st = st.step(p, rng.normal());
            }
            RefOutcome {
                dilution: st.s / p.s0,
                final_price: st.price,
                min_price: st.min_price,
                usdm_left: st.u / p.u0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_follows_the_rules() {
        let p = RefParams::default();
        // A shock that exactly cancels the drift: the price stays at its high, so only the
        // calm share is redeemed.
        let st = RefState::initial(&p).step(&p, 0.01);
        assert!((st.e - 2.5).abs() < 1e-12);
        assert!((st.u - p.u0 * (1.0 - p.base)).abs() < 1e-6);
        let x = p.u0 * p.base / 2.5;
        assert!((st.s - (p.s0 + x)).abs() < 1e-6);
        assert!(st.price < st.e && st.min_price == st.price);
    }

    #[test]
    fn runs_are_reproducible_and_vary() {
        let p = RefParams::default();
        let a = run(&p, 8, 300, 5);
        let b = run(&p, 8, 300, 5);
        assert_eq!(a, b);
        assert!(a.windows(2).any(|w| w[0].dilution != w[1].dilution));
    }
}
