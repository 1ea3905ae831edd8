//! Momentum sellers of the share token (`[agents.xms_holders]`): while its price is down more
//! than their threshold over their window, they sell a share of what they hold every block.
//! The type decides from the price alone; the world sells on the external market.

use crate::scenario::XmsHolders;

/// The momentum sellers' memory of the price.
#[derive(Clone, Debug, PartialEq)]
pub struct MomentumSellers {
    /// The price at each block of the window (a ring: slot `block % window`).
    history: Vec<f64>,
    threshold: f64,
    sell_rate: f64,
}

impl MomentumSellers {
    /// Sellers who remember `spec.window` blocks, starting at price `price`.
    pub fn new(spec: &XmsHolders, price: f64) -> MomentumSellers {
        MomentumSellers {
            history: vec![price; spec.window.max(1) as usize],
            threshold: spec.threshold,
            sell_rate: spec.sell_rate,
        }
    }

    /// Block `block` at price `price`: the share of their XMS to sell now (0 unless the price
    /// is down more than the threshold from a window ago).
    pub fn step(&mut self, block: u64, price: f64) -> f64 {
        let slot = (block as usize) % self.history.len();
        let then = self.history[slot];
        self.history[slot] = price;
        if then <= 0.0 || 1.0 - price / then <= self.threshold {
            return 0.0;
        }
        self.sell_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn they_sell_only_after_a_fall_past_the_threshold_over_the_window() {
        let spec = XmsHolders {
            share: 0.3,
            threshold: 0.2,
            window: 3,
            sell_rate: 0.01,
        };
        let mut m = MomentumSellers::new(&spec, 10.0);
        // Down 15% against three blocks ago: not past 20%.
        assert_eq!(m.step(1, 8.5), 0.0);
        assert_eq!(m.step(2, 8.5), 0.0);
        assert_eq!(m.step(3, 7.9), 0.01, "21% below the 10.0 of a window ago");
        // A window later the memory is 8.5: 7.9 is only 7% below it.
        assert_eq!(m.step(4, 7.9), 0.0);
    }
}
