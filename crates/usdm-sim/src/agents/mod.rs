//! The model's agents: holders who run, holders who sell a premium, momentum XMS sellers,
//! share-token farmers and retail flow. Each is its own type in its own file, holding its state
//! and deciding from what it observes (prices, depegs, what others did); none of them sees the
//! engine. The world (`crate::world`) executes what they decide through the real protocol and
//! reports back what happened. The arbitrageur is the exception: its decisions are the
//! protocol's own quotes, so its strategy lives with the engine (`world/arbitrage.rs`).

pub mod farmers;
pub mod holders;
pub mod momentum;
pub mod premium;
pub mod retail;

/// Constant-product arithmetic the agents size their trades with (floating point: agents
/// estimate, the protocol settles exactly).
pub mod amm {
    /// How much `x` to sell into a pool holding `x` and `y` (fee `fee` on the input) so that
    /// the price of `x` in `y` (`y / x`) falls to `target`. Zero if it is already there.
    pub fn sell_to_price(x: f64, y: f64, fee: f64, target: f64) -> f64 {
        if !(x > 0.0 && y > 0.0 && target > 0.0) {
            return 0.0;
        }
        let x_after = (x * y / target).sqrt();
        ((x_after - x) / (1.0 - fee)).max(0.0)
    }

    /// How much `y` to sell into the same pool so that the price of `x` rises to `target`.
    pub fn buy_to_price(x: f64, y: f64, fee: f64, target: f64) -> f64 {
        if !(x > 0.0 && y > 0.0 && target > 0.0) {
            return 0.0;
        }
        let y_after = (x * y * target).sqrt();
        ((y_after - y) / (1.0 - fee)).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::amm::*;

    #[test]
    fn sizing_reaches_the_target_price() {
        let (x, y, fee) = (1_000_000.0, 1_020_000.0, 0.003);
        let dx = sell_to_price(x, y, fee, 1.0);
        let x1 = x + dx * (1.0 - fee);
        let y1 = x * y / x1;
        assert!((y1 / x1 - 1.0).abs() < 1e-9);
        let dy = buy_to_price(x, y, fee, 1.05);
        let y2 = y + dy * (1.0 - fee);
        let x2 = x * y / y2;
        assert!((y2 / x2 - 1.05).abs() < 1e-9);
        assert_eq!(sell_to_price(x, y, fee, 1.05), 0.0);
        assert_eq!(buy_to_price(0.0, y, fee, 1.0), 0.0);
    }
}
