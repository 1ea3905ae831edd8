//! Holders who sell a premium (`[agents.premium_sellers]`): while USDm trades more than their
//! threshold above $1 they sell into the pool a share of what they still hold that grows with
//! the premium, never past the price at which it is gone. Without them only arbitrageurs who
//! may mint sell USDm above $1, so with the supply cap full nothing else answers demand.

use super::amm;
use crate::scenario::PremiumSellers as Spec;

/// The premium sellers' decision (what they still hold is kept by the world, exactly).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PremiumSellers {
    threshold: f64,
    sell_rate: f64,
}

impl PremiumSellers {
    /// Sellers as the scenario describes them.
    pub fn new(spec: &Spec) -> PremiumSellers {
        PremiumSellers {
            threshold: spec.threshold,
            sell_rate: spec.sell_rate,
        }
    }

    /// The USDm (tokens) to sell now, holding `held`, with USDm at `price` in a pool of `x`
    /// USDm and `y` USDC charging `fee`: `sell_rate` of what they hold per percentage point of
    /// premium above the threshold, at most what brings the price down to the threshold.
    pub fn want(&self, held: f64, price: f64, x: f64, y: f64, fee: f64) -> f64 {
        let over = price - 1.0 - self.threshold;
        if over <= 0.0 {
            return 0.0;
        }
        let to_threshold = amm::sell_to_price(x, y, fee, 1.0 + self.threshold);
        let elastic = held * (self.sell_rate * over * 100.0).min(1.0);
        elastic.min(to_threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_below_the_threshold_and_never_past_it() {
        let p = PremiumSellers::new(&Spec {
            share: 0.5,
            threshold: 0.01,
            sell_rate: 0.001,
        });
        assert_eq!(p.want(1e6, 1.009, 1e6, 1.009e6, 0.003), 0.0);
        // 4 points above the threshold: 0.4% of what they hold, 4,000 of 1M.
        let (x, y) = (1e9, 1.05e9);
        let want = p.want(1e6, 1.05, x, y, 0.003);
        assert!((want - 4_000.0).abs() < 1e-6, "{want}");
        // Holding a lot, they stop where the price is back at $1.01.
        let all = p.want(1e12, 1.05, x, y, 0.003);
        assert!((all - amm::sell_to_price(x, y, 0.003, 1.01)).abs() < 1e-6);
    }
}
