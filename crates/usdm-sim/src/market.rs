//! Exogenous prices and the external XMS market. Floating point is allowed here: these are
//! market models, not protocol code; prices cross into the protocol as exact integers.

use crate::rng::Rng;
use crate::scenario::PriceProcess;

/// Seconds in a year, for annualized parameters.
const YEAR: f64 = 365.0 * 86_400.0;

/// An exogenous price: GBM with jumps, times a scripted path.
#[derive(Clone, Debug)]
pub struct ExoPrice {
    process: PriceProcess,
    /// The stochastic factor (starts at 1).
    factor: f64,
    drift_step: f64,
    vol_step: f64,
    jump_p: f64,
}

impl ExoPrice {
    /// A price following `process`, stepped every `block_seconds`.
    pub fn new(process: PriceProcess, block_seconds: u64) -> Self {
        let dt = block_seconds as f64 / YEAR;
        let vol_step = process.volatility * dt.sqrt();
        let drift_step = (process.drift - 0.5 * process.volatility * process.volatility) * dt;
        let jump_p = process.jump_rate * block_seconds as f64 / 86_400.0;
        ExoPrice {
            process,
            factor: 1.0,
            drift_step,
            vol_step,
            jump_p,
        }
    }

    /// One block of randomness.
    #[inline]
    pub fn step(&mut self, rng: &mut Rng) {
        if self.vol_step > 0.0 {
            self.factor *= (self.drift_step + self.vol_step * rng.normal()).exp();
        } else if self.drift_step != 0.0 {
            self.factor *= self.drift_step.exp();
        }
        if self.jump_p > 0.0 && rng.chance(self.jump_p) {
            self.factor *= (self.process.jump_mean + self.process.jump_std * rng.normal()).exp();
        }
    }

    /// The scripted multiplier at `block` (log-linear between points, flat outside).
    pub fn script_at(&self, block: u64) -> f64 {
        script_at(&self.process.script, block)
    }

    /// The price at `block`.
    #[inline]
    pub fn price(&self, block: u64) -> f64 {
        self.process.price * self.factor * self.script_at(block)
    }
}

/// A scripted multiplier path at `block`.
pub fn script_at(points: &[(u64, f64)], block: u64) -> f64 {
    match points {
        [] => 1.0,
        [only] => {
            if block >= only.0 {
                only.1
            } else {
                1.0
            }
        }
        _ => {
            if block <= points[0].0 {
                return points[0].1;
            }
            for w in points.windows(2) {
                let ((b0, m0), (b1, m1)) = (w[0], w[1]);
                if block <= b1 {
                    if b1 == b0 {
                        return m1;
                    }
                    let t = (block - b0) as f64 / (b1 - b0) as f64;
                    return (m0.ln() + t * (m1.ln() - m0.ln())).exp();
                }
            }
            points[points.len() - 1].1
        }
    }
}

/// The external XMS market: a deep venue outside the protocol where XMS trades for dollars.
///
/// Its price is the exogenous XMS price, times the dilution the market has priced in
/// (`(S0 / S)^elasticity` for supply `S`), times the impact of net selling. Selling `x` XMS
/// moves the impact like a constant-product pool whose XMS reserve is `depth x S` (so depth
/// grows with supply) and pays the constant-product proceeds; impact decays back towards 1
/// with the given half-life.
#[derive(Clone, Debug)]
pub struct XmsMarket {
    /// The exogenous component.
    pub exo: ExoPrice,
    /// The impact multiplier.
    pub impact: f64,
    s0: f64,
    depth: f64,
    elasticity: f64,
    decay: f64,
}

impl XmsMarket {
    /// A market at the exogenous price with no impact, for starting supply `s0`.
    pub fn new(exo: ExoPrice, s0: f64, depth: f64, elasticity: f64, half_life_blocks: u64) -> Self {
        let decay = 0.5f64.powf(1.0 / half_life_blocks.max(1) as f64);
        XmsMarket {
            exo,
            impact: 1.0,
            s0,
            depth,
            elasticity,
            decay,
        }
    }

    /// The price at `block` for XMS supply `supply`.
    #[inline]
    pub fn price(&self, block: u64, supply: f64) -> f64 {
        let dilution = if self.elasticity > 0.0 && supply > self.s0 {
            (self.s0 / supply).powf(self.elasticity)
        } else {
            1.0
        };
        (self.exo.price(block) * dilution * self.impact).max(1e-12)
    }

    /// One block: exogenous step and impact decay (in log space, towards 1).
    #[inline]
    pub fn step(&mut self, rng: &mut Rng) {
        self.exo.step(rng);
        if self.impact != 1.0 {
            self.impact = self.impact.powf(self.decay);
        }
    }

    /// Sells `xms` at `block` with XMS supply `supply`; returns the dollars received.
    pub fn sell(&mut self, xms: f64, block: u64, supply: f64) -> f64 {
        if xms <= 0.0 {
            return 0.0;
        }
        let price = self.price(block, supply);
        let reserve = self.depth * supply;
        let proceeds = price * reserve * xms / (reserve + xms);
        let f = reserve / (reserve + xms);
        self.impact *= f * f;
        proceeds
    }

    /// Buys XMS with `usd` at `block`; returns the XMS received.
    pub fn buy(&mut self, usd: f64, block: u64, supply: f64) -> f64 {
        if usd <= 0.0 {
            return 0.0;
        }
        let price = self.price(block, supply);
        let reserve = self.depth * supply;
        let usd_reserve = reserve * price;
        let xms = reserve * usd / (usd_reserve + usd);
        let f = reserve / (reserve - xms);
        self.impact *= f * f;
        xms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(price: f64) -> PriceProcess {
        PriceProcess {
            price,
            volatility: 0.0,
            drift: 0.0,
            jump_rate: 0.0,
            jump_mean: 0.0,
            jump_std: 0.0,
            script: vec![],
        }
    }

    #[test]
    fn scripts_interpolate_log_linearly() {
        let pts = vec![(0, 1.0), (100, 0.25)];
        assert_eq!(script_at(&pts, 0), 1.0);
        assert!((script_at(&pts, 50) - 0.5).abs() < 1e-12);
        assert_eq!(script_at(&pts, 500), 0.25);
    }

    #[test]
    fn gbm_has_the_stated_volatility() {
        let mut p = ExoPrice::new(
            PriceProcess {
                volatility: 0.8,
                ..flat(100.0)
            },
            3,
        );
        let mut rng = Rng::new(3, 0);
        let steps = 200_000;
        let mut logs = Vec::with_capacity(steps);
        let mut last = p.price(0).ln();
        for b in 0..steps as u64 {
            p.step(&mut rng);
            let now = p.price(b).ln();
            logs.push(now - last);
            last = now;
        }
        let mean = logs.iter().sum::<f64>() / steps as f64;
        let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / steps as f64;
        let annual_vol = (var * YEAR / 3.0).sqrt();
        assert!((annual_vol - 0.8).abs() < 0.02, "{annual_vol}");
    }

    #[test]
    fn selling_moves_the_price_and_impact_decays() {
        let mut m = XmsMarket::new(ExoPrice::new(flat(2.0), 3), 1000.0, 0.1, 0.0, 100);
        let usd = m.sell(100.0, 0, 1000.0);
        // Constant product with a 100 XMS reserve: half the price for 100 XMS sold, average 1.0.
        assert!((usd - 100.0).abs() < 1e-9, "{usd}");
        assert!((m.price(0, 1000.0) - 0.5).abs() < 1e-9);
        let mut rng = Rng::new(0, 0);
        for _ in 0..100 {
            m.step(&mut rng);
        }
        // One half-life later, half the log impact remains: 0.25^0.5 = 0.5.
        assert!((m.impact - 0.5).abs() < 1e-9, "{}", m.impact);
        let xms = m.buy(10.0, 0, 1000.0);
        assert!(xms > 0.0 && m.impact > 0.5);
    }

    #[test]
    fn dilution_lowers_the_price_by_the_elasticity() {
        let m = XmsMarket::new(ExoPrice::new(flat(1.0), 3), 100.0, 0.1, 1.0, 100);
        assert!((m.price(0, 200.0) - 0.5).abs() < 1e-12);
    }
}
