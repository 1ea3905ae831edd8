//! Retail flow (`market.retail_volatility`): retail's USDm position wanders around its
//! starting level, mean-reverting over about an hour, and each change is a purchase or a sale
//! in the USDm pool. Round trips, not a one-way drift: retail neither props up nor drains the
//! peg on average. The type draws the trade; the world makes it.

use crate::rng::Rng;

/// Per-minute persistence of retail's position (an hour's mean reversion).
const REVERSION: f64 = 0.983_471_453_821_617; // exp(-1/60)

/// Retail's desired position and the scale of its moves.
#[derive(Clone, Debug, PartialEq)]
pub struct Retail {
    /// Desired USDm position relative to the start (tokens).
    target: f64,
    /// Std of a minute's move, as a share of `depth`.
    volatility: f64,
    /// The USDm pool's starting depth (tokens): the scale of the flow.
    depth: f64,
    /// Minutes between steps (at least one: retail acts once a minute, or once a block when
    /// blocks are longer).
    minutes: f64,
}

impl Retail {
    /// Retail trading `volatility` of `depth` a minute, stepped once a minute or once a block
    /// of `block_seconds`, whichever is longer.
    pub fn new(volatility: f64, depth: f64, block_seconds: u64) -> Retail {
        Retail {
            target: 0.0,
            volatility,
            depth,
            minutes: (block_seconds as f64 / 60.0).max(1.0),
        }
    }

    /// One step: the USDm retail wants to buy (positive) or sell (negative); `None`, and no
    /// draw, when retail is off.
    pub fn step(&mut self, rng: &mut Rng) -> Option<f64> {
        if self.volatility <= 0.0 {
            return None;
        }
        let target = self.target * REVERSION.powf(self.minutes)
            + rng.normal() * self.volatility * self.minutes.sqrt() * self.depth;
        let trade = target - self.target;
        self.target = target;
        Some(trade)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_draws_nothing_and_on_reverts_to_the_start() {
        let mut rng = Rng::new(1, 0);
        let mut untouched = Rng::new(1, 0);
        assert_eq!(Retail::new(0.0, 1e6, 3).step(&mut rng), None);
        assert_eq!(rng.normal(), untouched.normal(), "no draw when off");
        // A day of minutes: the position's spread settles near its stationary level,
        // sigma * depth / sqrt(1 - rho^2), about 5.5 sigma * depth for an hour's reversion.
        let mut r = Retail::new(0.01, 1e6, 60);
        let mut rng = Rng::new(2, 0);
        let mut sq = 0.0;
        let n = 200_000;
        for _ in 0..n {
            r.step(&mut rng);
            sq += r.target * r.target;
        }
        let sd = (sq / n as f64).sqrt();
        let stationary = 0.01 * 1e6 / (1.0 - REVERSION * REVERSION).sqrt();
        assert!((sd / stationary - 1.0).abs() < 0.1, "{sd} vs {stationary}");
    }
}
