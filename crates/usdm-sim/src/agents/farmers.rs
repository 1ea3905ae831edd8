//! Share-token holders as a population: yield farmers who came in at different prices and sit
//! on different gains. Each cohort sells on a drawdown from the peak past its own tolerance, on
//! other farmers' selling (herding), and all at once when the price falls below its entry (the
//! gain it farmed for is gone). Iron's record shows why this matters: TITAN fell 85% while its
//! supply grew 2%, its own holders selling it down before any redemption minted it.
//!
//! The type decides; the world executes. [`Farmers::step`] says how much to sell at a price,
//! the world sells it into the finite external market and reports the sale back with
//! [`Farmers::sold`], so this module knows nothing of the protocol or the market.

use crate::rng::Rng;

/// The population's parameters (`[agents.farmers]` in a scenario; README.md there).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct FarmersSpec {
    /// Share of the XMS float (after the momentum sellers' share) the farmers hold; 0 is off.
    pub share: f64,
    /// Cohorts (each with its own size, entry price and tolerance).
    pub cohorts: u32,
    /// Lowest entry price, as a multiple of the starting price (entries spread log-uniformly
    /// from here up to `entry_max`).
    pub entry_min: f64,
    /// Highest entry price, as a multiple of the starting price.
    pub entry_max: f64,
    /// Smallest drawdown from the peak a cohort tolerates.
    pub drawdown_min: f64,
    /// Largest drawdown from the peak a cohort tolerates.
    pub drawdown_max: f64,
    /// Weight of recent farmer selling (as a share of the farmers' starting XMS) in each
    /// cohort's signal.
    pub herding: f64,
    /// Share of a selling cohort's starting XMS sold per block.
    pub sell_rate: f64,
    /// How long recent selling is remembered, in blocks.
    pub memory: u64,
}

impl FarmersSpec {
    /// Off: no farmers (the built-in scenarios before issue 22 had none).
    pub const OFF: FarmersSpec = FarmersSpec {
        share: 0.0,
        cohorts: 40,
        entry_min: 0.1,
        entry_max: 1.0,
        drawdown_min: 0.1,
        drawdown_max: 0.5,
        herding: 1.0,
        sell_rate: 0.0005,
        memory: 600,
    };
}

/// One cohort of farmers.
#[derive(Clone, Debug, PartialEq)]
pub struct FarmerCohort {
    /// XMS still held (tokens).
    pub xms: f64,
    /// XMS held at the start (tokens).
    pub initial: f64,
    /// The price they came in at (dollars).
    pub entry: f64,
    /// The drawdown from the peak they tolerate.
    pub tolerance: f64,
    /// Selling now.
    pub selling: bool,
}

/// The farmers' state along one path.
#[derive(Clone, Debug, PartialEq)]
pub struct Farmers {
    /// The cohorts.
    pub cohorts: Vec<FarmerCohort>,
    /// The highest price seen since the start.
    pub peak: f64,
    /// Recent farmer selling (tokens, decaying with `memory`).
    pub recent: f64,
    initial: f64,
    decay: f64,
    herding: f64,
    sell_rate: f64,
}

impl Farmers {
    /// `holding` XMS split into cohorts (log-normal sizes), with entry prices and tolerances
    /// drawn from `spec` around the starting price `price`.
    pub fn new(spec: &FarmersSpec, holding: f64, price: f64, rng: &mut Rng) -> Farmers {
        let n = spec.cohorts.max(1) as usize;
        let weights: Vec<f64> = (0..n).map(|_| rng.lognormal(0.0, 1.0)).collect();
        let total: f64 = weights.iter().sum();
        let (lo, hi) = (spec.entry_min.ln(), spec.entry_max.ln());
        let cohorts = weights
            .iter()
            .map(|w| {
                let xms = holding * w / total;
                let entry = price * (lo + (hi - lo) * rng.uniform()).exp();
                let tolerance =
                    spec.drawdown_min + (spec.drawdown_max - spec.drawdown_min) * rng.uniform();
                FarmerCohort {
                    xms,
                    initial: xms,
                    entry,
                    tolerance,
                    selling: false,
                }
            })
            .collect();
        Farmers {
            cohorts,
            peak: price,
            recent: 0.0,
            initial: holding.max(f64::MIN_POSITIVE),
            decay: (-1.0 / spec.memory.max(1) as f64).exp(),
            herding: spec.herding,
            sell_rate: spec.sell_rate,
        }
    }

    /// One block at market price `price`: the XMS (tokens) the farmers want to sell now.
    /// Cohorts start selling when the drawdown from the peak plus herding passes their
    /// tolerance, or when the price is below their entry; they stop once the signal is back
    /// below half their tolerance and the price above their entry.
    pub fn step(&mut self, price: f64) -> f64 {
        self.recent *= self.decay;
        if price > self.peak {
            self.peak = price;
        }
        let signal = (1.0 - price / self.peak) + self.herding * self.recent / self.initial;
        let mut sell = 0.0;
        for c in &mut self.cohorts {
            if c.xms <= 0.0 {
                continue;
            }
            let under_water = price < c.entry;
            if !c.selling && (under_water || signal > c.tolerance) {
                c.selling = true;
            } else if c.selling && !under_water && signal < 0.5 * c.tolerance {
                c.selling = false;
            }
            if c.selling {
                let x = (self.sell_rate * c.initial).min(c.xms);
                c.xms -= x;
                sell += x;
            }
        }
        sell
    }

    /// Records `xms` actually sold (what the others see and follow).
    pub fn sold(&mut self, xms: f64) {
        self.recent += xms.max(0.0);
    }

    /// Cohorts selling now.
    pub fn selling(&self) -> usize {
        self.cohorts
            .iter()
            .filter(|c| c.selling && c.xms > 0.0)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FarmersSpec {
        FarmersSpec {
            share: 0.5,
            cohorts: 10,
            entry_min: 0.5,
            entry_max: 0.9,
            drawdown_min: 0.2,
            drawdown_max: 0.4,
            herding: 0.0,
            sell_rate: 0.01,
            memory: 10,
        }
    }

    #[test]
    fn cohorts_hold_what_they_were_given_with_entries_and_tolerances_in_range() {
        let f = Farmers::new(&spec(), 1000.0, 10.0, &mut Rng::new(1, 0));
        let total: f64 = f.cohorts.iter().map(|c| c.xms).sum();
        assert!((total - 1000.0).abs() < 1e-9);
        for c in &f.cohorts {
            assert!((5.0..=9.0).contains(&c.entry), "entry {}", c.entry);
            assert!((0.2..=0.4).contains(&c.tolerance));
        }
    }

    #[test]
    fn nobody_sells_at_the_peak_and_everybody_sells_below_every_entry() {
        let mut f = Farmers::new(&spec(), 1000.0, 10.0, &mut Rng::new(1, 0));
        assert_eq!(f.step(10.0), 0.0);
        assert_eq!(f.step(11.0), 0.0);
        // 50% below the peak of 11 ($5.5) is past every tolerance (at most 40%).
        let sold = f.step(5.5);
        assert!(
            (sold - 10.0).abs() < 1e-9,
            "1% of 1000 per block, got {sold}"
        );
        assert_eq!(f.selling(), 10);
    }

    #[test]
    fn a_small_dip_stops_and_a_recovery_ends_the_selling() {
        let mut s = spec();
        s.drawdown_min = 0.1;
        s.drawdown_max = 0.1;
        s.entry_min = 0.1;
        s.entry_max = 0.1;
        let mut f = Farmers::new(&s, 1000.0, 10.0, &mut Rng::new(2, 0));
        assert_eq!(f.step(9.5), 0.0, "5% is inside a 10% tolerance");
        assert!(f.step(8.9) > 0.0, "11% is past it");
        assert!(
            f.step(9.3) > 0.0,
            "7% is above half the tolerance: still selling"
        );
        assert_eq!(f.step(9.8), 0.0, "2% is below half of it: stopped");
    }

    #[test]
    fn herding_alone_starts_a_cohort() {
        let mut s = spec();
        s.herding = 10.0;
        s.entry_min = 0.1;
        s.entry_max = 0.1;
        let mut f = Farmers::new(&s, 1000.0, 10.0, &mut Rng::new(3, 0));
        assert_eq!(f.step(10.0), 0.0);
        // Others sold 5% of the farmers' XMS: 10 x 0.05 = 0.5 > every tolerance, price flat.
        f.sold(50.0);
        assert!(f.step(10.0) > 0.0);
    }
}
