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
    /// The script's points with log multipliers (interpolated in log space).
    log_script: Vec<(u64, f64)>,
    /// The stochastic factor (starts at 1).
    factor: f64,
    drift_step: f64,
    vol_step: f64,
    jump_p: f64,
    /// The price as of the last [`ExoPrice::step`].
    now: f64,
}

impl ExoPrice {
    /// A price following `process`, stepped every `block_seconds`.
    pub fn new(process: PriceProcess, block_seconds: u64) -> Self {
        let dt = block_seconds as f64 / YEAR;
        let vol_step = process.volatility * dt.sqrt();
        let drift_step = (process.drift - 0.5 * process.volatility * process.volatility) * dt;
        let jump_p = process.jump_rate * block_seconds as f64 / 86_400.0;
        let log_script = process.script.iter().map(|(b, m)| (*b, m.ln())).collect();
        let mut p = ExoPrice {
            process,
            log_script,
            factor: 1.0,
            drift_step,
            vol_step,
            jump_p,
            now: 0.0,
        };
        p.now = p.price(0);
        p
    }

    /// One block of randomness, ending at `block`.
    #[inline]
    pub fn step(&mut self, rng: &mut Rng, block: u64) {
        if self.vol_step > 0.0 {
            self.factor *= (self.drift_step + self.vol_step * rng.normal()).exp();
        } else if self.drift_step != 0.0 {
            self.factor *= self.drift_step.exp();
        }
        if self.jump_p > 0.0 && rng.chance(self.jump_p) {
            self.factor *= (self.process.jump_mean + self.process.jump_std * rng.normal()).exp();
        }
        self.now = self.price(block);
    }

    /// The scripted multiplier at `block` (log-linear between points, flat outside).
    pub fn script_at(&self, block: u64) -> f64 {
        log_script_at(&self.log_script, block).exp()
    }

    /// The price at `block` with the current random factor.
    #[inline]
    pub fn price(&self, block: u64) -> f64 {
        if self.log_script.is_empty() {
            self.process.price * self.factor
        } else {
            self.process.price * self.factor * self.script_at(block)
        }
    }

    /// The price as of the last step.
    #[inline]
    pub fn now(&self) -> f64 {
        self.now
    }
}

/// The log of a scripted multiplier at `block`, from log points.
fn log_script_at(points: &[(u64, f64)], block: u64) -> f64 {
    match points {
        [] => 0.0,
        [only] => {
            if block >= only.0 {
                only.1
            } else {
                0.0
            }
        }
        _ => {
            if block <= points[0].0 {
                return points[0].1;
            }
            // Points are few (a handful per script): a linear scan beats a binary search.
            for w in points.windows(2) {
                let ((b0, l0), (b1, l1)) = (w[0], w[1]);
                if block <= b1 {
                    if b1 == b0 {
                        return l1;
                    }
                    let t = (block - b0) as f64 / (b1 - b0) as f64;
                    return l0 + t * (l1 - l0);
                }
            }
            points[points.len() - 1].1
        }
    }
}

/// A scripted multiplier path at `block` (log-linear between `(block, multiplier)` points,
/// flat outside them).
pub fn script_at(points: &[(u64, f64)], block: u64) -> f64 {
    let logs: Vec<(u64, f64)> = points.iter().map(|(b, m)| (*b, m.ln())).collect();
    log_script_at(&logs, block).exp()
}

/// The external XMS market: a deep venue outside the protocol where XMS trades for dollars.
///
/// Its price is the exogenous XMS price, times the dilution the market has priced in
/// (`(S0 / S)^elasticity` for supply `S`), times the impact of net selling. Selling `x` XMS
/// moves the price like a constant-product pool whose XMS reserve is `depth x S` (so depth
/// grows with supply) and pays the constant-product proceeds. A share `permanence` of each
/// impact stays (what the market learned from the sale); the rest decays back towards 1
/// with the given half-life.
#[derive(Clone, Debug)]
pub struct XmsMarket {
    /// The exogenous component.
    pub exo: ExoPrice,
    /// The log of the transient impact multiplier (decays towards 0).
    log_impact: f64,
    /// `exp(log_impact)`, kept up to date.
    impact: f64,
    /// The permanent impact multiplier.
    pub permanent: f64,
    params: XmsMarketParams,
    decay: f64,
}

/// The shape of the external XMS market.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XmsMarketParams {
    /// XMS supply at the start.
    pub s0: f64,
    /// The XMS reserve of the equivalent constant-product pool, as a share of supply.
    pub depth: f64,
    /// Share of supply dilution the price reflects at once.
    pub elasticity: f64,
    /// Half-life of transient impact, in blocks.
    pub half_life_blocks: u64,
    /// Share of each impact that never decays.
    pub permanence: f64,
    /// Dollar depth the market keeps however low the price (standing bids of speculators).
    pub floor_depth: f64,
}

impl XmsMarket {
    /// A market at the exogenous price with no impact.
    pub fn new(exo: ExoPrice, params: XmsMarketParams) -> Self {
        let decay = 0.5f64.powf(1.0 / params.half_life_blocks.max(1) as f64);
        XmsMarket {
            exo,
            log_impact: 0.0,
            impact: 1.0,
            permanent: 1.0,
            params: XmsMarketParams {
                permanence: params.permanence.clamp(0.0, 1.0),
                ..params
            },
            decay,
        }
    }

    /// The XMS reserve a sale meets: `depth x supply`, or the floor's dollar depth at the
    /// current price if that is deeper.
    #[inline]
    fn reserve(&self, price: f64, supply: f64) -> f64 {
        (self.params.depth * supply).max(self.params.floor_depth / price)
    }

    /// The transient impact multiplier now.
    pub fn impact(&self) -> f64 {
        self.impact
    }

    /// The price for XMS supply `supply` as of the last step (`block` names the block asked
    /// about, for readability at call sites; the market moves only in [`XmsMarket::step`]).
    #[inline]
    pub fn price(&self, block: u64, supply: f64) -> f64 {
        let _ = block;
        let p = &self.params;
        let dilution = if supply <= p.s0 || p.elasticity <= 0.0 {
            1.0
        } else if p.elasticity == 1.0 {
            p.s0 / supply
        } else {
            (p.s0 / supply).powf(p.elasticity)
        };
        // Never exactly zero (the market has no floor price; the oracle has one base unit).
        (self.exo.now() * dilution * self.impact * self.permanent).max(f64::MIN_POSITIVE)
    }

    /// One block: exogenous step and transient impact decay (in log space, towards 0).
    #[inline]
    pub fn step(&mut self, rng: &mut Rng, block: u64) {
        self.exo.step(rng, block);
        if self.log_impact != 0.0 {
            self.log_impact *= self.decay;
            if self.log_impact.abs() < 1e-12 {
                self.log_impact = 0.0;
            }
            self.impact = self.log_impact.exp();
        }
    }

    /// Splits a price move between the permanent and the transient part.
    fn apply_impact(&mut self, factor: f64) {
        let ln = factor.ln();
        let permanent = ln * self.params.permanence;
        self.permanent *= permanent.exp();
        self.log_impact += ln - permanent;
        self.impact = self.log_impact.exp();
    }

    /// The dollars that selling `xms` would bring now, without selling.
    #[inline]
    pub fn quote_sell(&self, xms: f64, block: u64, supply: f64) -> f64 {
        if xms.is_nan() || xms <= 0.0 {
            return 0.0;
        }
        let price = self.price(block, supply);
        let reserve = self.reserve(price, supply);
        price * reserve * xms / (reserve + xms)
    }

    /// Sells `xms` at `block` with XMS supply `supply`; returns the dollars received.
    pub fn sell(&mut self, xms: f64, block: u64, supply: f64) -> f64 {
        if xms.is_nan() || xms <= 0.0 {
            return 0.0;
        }
        let price = self.price(block, supply);
        let reserve = self.reserve(price, supply);
        let f = reserve / (reserve + xms);
        self.apply_impact(f * f);
        price * reserve * xms / (reserve + xms)
    }

    /// Buys XMS with `usd` at `block`; returns the XMS received.
    pub fn buy(&mut self, usd: f64, block: u64, supply: f64) -> f64 {
        self.buy_at_most(usd, f64::INFINITY, block, supply).0
    }

    /// Buys XMS for up to `usd`, but no more than `max_xms` (what sellers actually hold):
    /// returns the XMS bought and the dollars paid, and moves the price only by that trade.
    pub fn buy_at_most(&mut self, usd: f64, max_xms: f64, block: u64, supply: f64) -> (f64, f64) {
        if usd.is_nan() || usd <= 0.0 || max_xms.is_nan() || max_xms <= 0.0 {
            return (0.0, 0.0);
        }
        let price = self.price(block, supply);
        let reserve = self.reserve(price, supply);
        let usd_reserve = reserve * price;
        let mut xms = reserve * usd / (usd_reserve + usd);
        let mut paid = usd;
        if xms > max_xms {
            xms = max_xms;
            paid = usd_reserve * xms / (reserve - xms);
        }
        let f = reserve / (reserve - xms);
        self.apply_impact(f * f);
        (xms, paid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(price: f64) -> PriceProcess {
        PriceProcess::constant(price)
    }

    fn params(
        s0: f64,
        depth: f64,
        elasticity: f64,
        half_life: u64,
        permanence: f64,
    ) -> XmsMarketParams {
        XmsMarketParams {
            s0,
            depth,
            elasticity,
            half_life_blocks: half_life,
            permanence,
            floor_depth: 0.0,
        }
    }

    #[test]
    fn a_floor_depth_bounds_the_impact_of_a_dollar_sold() {
        let mut m = XmsMarket::new(
            ExoPrice::new(flat(1.0), 3),
            XmsMarketParams {
                floor_depth: 1_000.0,
                ..params(1_000.0, 0.01, 0.0, 100, 0.0)
            },
        );
        // depth x supply = 10 XMS, but the floor keeps $1,000 (1,000 XMS at $1) on the bid.
        let usd = m.sell(1_000.0, 0, 1_000.0);
        assert!((usd - 500.0).abs() < 1e-9, "{usd}");
        assert!((m.price(0, 1_000.0) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn a_buy_capped_by_the_float_pays_and_moves_the_price_only_for_what_it_gets() {
        let market = || {
            XmsMarket::new(
                ExoPrice::new(flat(1.0), 3),
                params(1_000.0, 0.1, 0.0, 100, 0.0),
            )
        };
        // A reserve of 100 XMS at $1: $100 buys 50 XMS and quadruples the price.
        let mut full = market();
        let (xms, paid) = full.buy_at_most(100.0, f64::INFINITY, 0, 1_000.0);
        assert!((xms - 50.0).abs() < 1e-9 && paid == 100.0, "{xms} {paid}");
        assert!((full.price(0, 1_000.0) - 4.0).abs() < 1e-9);
        // Only 20 XMS for sale: they cost 100 x 20 / 80 = $25, and the price moves by (100/80)^2.
        let mut capped = market();
        let (xms, paid) = capped.buy_at_most(100.0, 20.0, 0, 1_000.0);
        assert!(
            (xms - 20.0).abs() < 1e-9 && (paid - 25.0).abs() < 1e-9,
            "{xms} {paid}"
        );
        assert!((capped.price(0, 1_000.0) - 1.5625).abs() < 1e-9);
        assert_eq!(market().buy_at_most(100.0, 0.0, 0, 1_000.0), (0.0, 0.0));
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
            p.step(&mut rng, b);
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
        let mut m = XmsMarket::new(
            ExoPrice::new(flat(2.0), 3),
            params(1000.0, 0.1, 0.0, 100, 0.0),
        );
        let usd = m.sell(100.0, 0, 1000.0);
        // Constant product with a 100 XMS reserve: half the price for 100 XMS sold, average 1.0.
        assert!((usd - 100.0).abs() < 1e-9, "{usd}");
        assert!((m.price(0, 1000.0) - 0.5).abs() < 1e-9);
        let mut rng = Rng::new(0, 0);
        for _ in 0..100 {
            m.step(&mut rng, 0);
        }
        // One half-life later, half the log impact remains: 0.25^0.5 = 0.5.
        assert!((m.impact() - 0.5).abs() < 1e-9, "{}", m.impact());
        let xms = m.buy(10.0, 0, 1000.0);
        assert!(xms > 0.0 && m.impact() > 0.5);
    }

    #[test]
    fn a_permanent_share_of_impact_stays() {
        let mut m = XmsMarket::new(
            ExoPrice::new(flat(2.0), 3),
            params(1000.0, 0.1, 0.0, 10, 0.5),
        );
        m.sell(100.0, 0, 1000.0);
        // Price x0.25: half of it in log terms (x0.5) is permanent.
        assert!((m.price(0, 1000.0) - 0.5).abs() < 1e-9);
        let mut rng = Rng::new(0, 0);
        for _ in 0..10_000 {
            m.step(&mut rng, 0);
        }
        assert!((m.price(0, 1000.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn dilution_lowers_the_price_by_the_elasticity() {
        let m = XmsMarket::new(
            ExoPrice::new(flat(1.0), 3),
            params(100.0, 0.1, 1.0, 100, 0.0),
        );
        assert!((m.price(0, 200.0) - 0.5).abs() < 1e-12);
    }
}
