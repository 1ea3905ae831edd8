//! The agents: arbitrageurs, holders who run, holders who sell a premium, momentum XMS sellers,
//! share-token farmers and retail flow. The behaviour that needs only prices is its own type
//! beside this file (farmers, momentum sellers, premium sellers: they decide, the world
//! executes); the agents that trade through the protocol's quotes (arbitrageurs, running
//! holders, retail) are methods on [`World`]. Each acts once per block (retail once a minute),
//! through the real protocol, and adapts to its refusals (a supply cap, a circuit breaker, an
//! empty treasury).

pub mod farmers;
pub mod momentum;
pub mod premium;

use crate::convert::{amount, share_of, tokens};
use crate::world::{Owner, World, USDC, USDM_POOL, XMS_POOL};
use usdm_core::prelude::*;

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

/// How much more than its price a USDm must be worth in redemption before the arbitrageur buys
/// it to wait out a circuit breaker (waiting carries the risk that XMS falls meanwhile).
const PATIENCE_MARGIN: f64 = 1.3;

/// Blocks the arbitrageur waits before re-examining a trade that did not pay or was refused.
const ARB_RECHECK: u64 = 5;

/// Per-minute persistence of retail's position (an hour's mean reversion).
const RETAIL_REVERSION: f64 = 0.983_471_453_821_617; // exp(-1/60)

impl World {
    /// Retail flow, once a minute: retail's USDm position wanders around its starting level
    /// (mean-reverting over about an hour) and each change is a purchase or sale in the pool.
    /// Round trips, not a one-way drift: retail neither props up nor drains the peg on average.
    pub(crate) fn retail(&mut self) {
        let vol = self.scenario().retail_volatility;
        if vol <= 0.0 {
            return;
        }
        // Called once a minute, or once a block when blocks are longer than a minute.
        let minutes = (self.scenario().block_seconds as f64 / 60.0).max(1.0);
        let target = self.retail_target * RETAIL_REVERSION.powf(minutes)
            + self.rng.normal() * vol * minutes.sqrt() * self.retail_depth;
        let trade = target - self.retail_target;
        self.retail_target = target;
        if trade > 0.0 {
            let usdc = trade * self.usdm_price();
            if let Some(q) = self.swap(USDM_POOL, USDC, amount(usdc, 6)) {
                self.wallets.retail_usdm =
                    Amount::new(self.wallets.retail_usdm.raw() + q.amount_out.raw());
            }
        } else {
            let sell = amount(-trade, 18).min(self.wallets.retail_usdm);
            if let Some(q) = self.swap(USDM_POOL, USDM, sell) {
                self.wallets.retail_usdm =
                    Amount::new(self.wallets.retail_usdm.raw() - q.amount_in.raw());
            }
        }
    }

    /// Holders watch the (smoothed) depeg and recent exits; a cohort whose threshold is
    /// crossed leaves at the scenario's exit rate, redeeming a share and selling the rest into
    /// the pool, until the signal falls back below half its threshold.
    pub(crate) fn holders_step(&mut self) {
        let p0 = self.usdm_price();
        let depeg = (1.0 - p0).max(0.0);
        self.depeg_ema += self.depeg_alpha * (depeg - self.depeg_ema);
        self.recent_exits *= self.exit_decay;
        let (contagion, exit_rate, redeem_share) = {
            let h = &self.scenario().holders;
            (h.contagion, h.exit_rate, h.redeem_share)
        };
        let signal = self.depeg_ema + contagion * self.recent_exits / self.holders_initial;
        let fear = self.fear;
        if signal < self.min_threshold * fear * 0.5
            && self.wallets.holders_queue.is_zero()
            && self.running == 0
        {
            return;
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
                let x = amount(exit_rate * c.initial, 18).min(c.usdm);
                c.usdm = Amount::new(c.usdm.raw() - x.raw());
                leaving += x.raw();
            }
        }
        self.running = running;
        let queued = self.wallets.holders_queue;
        if leaving == 0 && queued.is_zero() {
            return;
        }
        let leaving = Amount::new(leaving);
        self.recent_exits += tokens(leaving, 18);
        self.metrics.holders_left(tokens(leaving, 18));
        // Redeem only while redemption pays at least what the pool does (with the XMS it
        // brings sold into the market as it stands); otherwise sell.
        // Those already waiting behind a breaker stay in line; the newcomers judge for
        // themselves.
        let wanted = share_of(leaving, redeem_share);
        let fresh = if self.redemption_beats_pool(wanted) {
            wanted
        } else {
            Amount::ZERO
        };
        let to_redeem = Amount::new(fresh.raw() + queued.raw());
        let (redeemed, wait) = self.redeem_for(Owner::Holders, to_redeem);
        self.wallets.holders_queue = wait;
        let to_sell = Amount::new(leaving.raw() + queued.raw() - redeemed.raw() - wait.raw());
        let sold = self
            .swap(USDM_POOL, USDM, to_sell)
            .map_or(Amount::ZERO, |q| q.amount_in);
        // Whatever could be neither redeemed nor sold stays with the holders (as passive USDm).
        let kept = to_sell.raw() - sold.raw();
        self.wallets.passive_usdm = Amount::new(self.wallets.passive_usdm.raw() + kept);
    }

    /// Premium sellers ([`premium`]): what they want to sell at the pool's price, sold into
    /// the pool from what they still hold.
    pub(crate) fn premium_sellers_step(&mut self) {
        if self.premium_left.is_zero() {
            return;
        }
        let (x, y) = self.pool0_reserves();
        let want = self.premium.want(
            tokens(self.premium_left, 18),
            self.usdm_price(),
            x,
            y,
            self.costs.swap_fee,
        );
        if want <= 0.0 {
            return;
        }
        let sell = amount(want, 18)
            .min(self.premium_left)
            .min(self.wallets.passive_usdm);
        if let Some(q) = self.swap(USDM_POOL, USDM, sell) {
            self.premium_left = Amount::new(self.premium_left.raw() - q.amount_in.raw());
            self.wallets.passive_usdm =
                Amount::new(self.wallets.passive_usdm.raw() - q.amount_in.raw());
        }
    }

    /// Momentum sellers ([`momentum`]): the share of their XMS they sell now, on the external
    /// market.
    pub(crate) fn xms_sellers_step(&mut self) {
        let share = self.momentum.step(self.block, self.px[2]);
        if share <= 0.0 || self.wallets.seller_xms.is_zero() {
            return;
        }
        let x = share_of(self.wallets.seller_xms, share);
        if x.is_zero() {
            return;
        }
        self.wallets.seller_xms = Amount::new(self.wallets.seller_xms.raw() - x.raw());
        self.sell_xms_outside(x);
    }

    /// The farmers ([`farmers`]): they decide how much XMS to sell at the market price;
    /// it is sold into the external market (finite depth) and the sale is what the others see.
    pub(crate) fn farmers_step(&mut self) {
        if self.wallets.farmer_xms.is_zero() {
            return;
        }
        let want = self.farmers.step(self.px[2]);
        if want <= 0.0 {
            return;
        }
        let x = amount(want, 18).min(self.wallets.farmer_xms);
        self.wallets.farmer_xms = Amount::new(self.wallets.farmer_xms.raw() - x.raw());
        self.farmers.sold(tokens(x, 18));
        self.sell_xms_outside(x);
    }

    /// The asset a redemption names now: none at a zero ratio, else the richest collateral.
    pub(crate) fn redemption_asset(&self) -> Option<Symbol> {
        if self.p.policy().redeem_ratio().is_zero() {
            None
        } else {
            Some(self.richest_collateral())
        }
    }

    /// True if redeeming `usdm` now brings at least what selling it in the pool would, as a
    /// holder judges it (the estimate, not a protocol quote: people do not simulate the
    /// transaction; and while a breaker refuses, the redemption waits in line anyway).
    pub(crate) fn redemption_beats_pool(&mut self, usdm: Amount) -> bool {
        if usdm.is_zero() {
            return false;
        }
        if self.block < self.breaker_backoff_until {
            return true;
        }
        // What the pool would pay for the whole amount, slippage included.
        let pool = self
            .pool(USDM_POOL)
            .quote_swap(USDM, usdm)
            .map_or(0.0, |q| tokens(q.amount_out, 6));
        self.redemption_value_estimate(tokens(usdm, 18)) >= pool
    }

    /// What redeeming `usdm` would bring in dollars, with XMS sold into the external market
    /// as it stands; `None` if the protocol would refuse it.
    fn redemption_proceeds(&mut self, usdm: Amount) -> Option<f64> {
        let request = RedeemRequest::new(usdm, self.redemption_asset());
        match self.p.quote_redeem(&request, self.now) {
            Ok(q) => {
                let collateral = match request.asset {
                    Some(symbol) => {
                        tokens(q.collateral_out, crate::world::decimals_of(symbol))
                            * self.market_price(symbol)
                    }
                    None => 0.0,
                };
                let supply = self.xms_supply();
                Some(
                    collateral
                        + self
                            .xms
                            .quote_sell(tokens(q.xms_out, 18), self.block, supply),
                )
            }
            Err(_) => None,
        }
    }

    /// The arbitrageur: mints and sells when USDm trades above $1 plus fees; buys and redeems
    /// when it trades below $1 minus fees and the redemption's XMS would still sell for more
    /// than the purchase cost.
    pub(crate) fn arbitrage(&mut self) {
        let (threshold, max_trade) = {
            let a = &self.scenario().arbitrageurs;
            (a.threshold, a.max_trade)
        };
        let c = self.costs;
        let p0 = self.usdm_price();
        let upper = (1.0 + c.mint_fee) / (1.0 - c.swap_fee);
        let lower = (1.0 - c.redeem_fee) * (1.0 - c.swap_fee);
        let limit = max_trade * self.usdm_supply();
        let waiting = self.block < self.breaker_backoff_until;
        if !waiting && !self.wallets.arb_usdm.is_zero() && p0 < 1.0 {
            // Inventory bought while a breaker was refusing: redeem it when it pays.
            let held = tokens(self.wallets.arb_usdm, 18);
            if self.redemption_value_estimate(held) > held * p0 {
                let (redeemed, _) = self.redeem_for(Owner::Arbitrageur, self.wallets.arb_usdm);
                self.wallets.arb_usdm = Amount::new(self.wallets.arb_usdm.raw() - redeemed.raw());
            }
        }
        if p0 > upper * (1.0 + threshold) {
            self.arbitrage_up(upper, limit);
        } else if p0 < lower * (1.0 - threshold) && self.block >= self.arb_idle_until {
            if self.block >= self.breaker_backoff_until {
                self.arbitrage_down(lower, limit, threshold);
            } else {
                self.patient_buy(p0, limit);
            }
        }
    }

    /// What redeeming `usdm` now would bring, estimated without asking the protocol (so it
    /// works while a breaker refuses): the ratio's collateral at about a dollar plus the XMS at
    /// the protocol's payout price, sold into the market as it stands, after the fee.
    pub(crate) fn redemption_value_estimate(&self, usdm: f64) -> f64 {
        let cr = crate::convert::fraction(self.p.policy().redeem_ratio());
        let net = usdm * (1.0 - self.costs.redeem_fee);
        let payout = self
            .p
            .price(XMS, self.now)
            .map_or(self.px[2], |q| crate::convert::dollars(q.payout()));
        let xms = net * (1.0 - cr) / payout.max(f64::MIN_POSITIVE);
        net * cr + self.xms.quote_sell(xms, self.block, self.xms_supply())
    }

    /// While a breaker holds redemptions back, a patient arbitrageur still buys USDm far below
    /// what redeeming it will bring, and queues it: the breaker limits the outflow, not the
    /// price holders can get.
    fn patient_buy(&mut self, p0: f64, limit: f64) {
        let spend = (limit * p0).min(self.wallets.arb_cash * 0.1);
        if spend < 1.0 {
            return;
        }
        let usdm = spend / p0 + tokens(self.wallets.arb_usdm, 18);
        if self.redemption_value_estimate(usdm) < usdm * p0 * PATIENCE_MARGIN {
            return;
        }
        let usdc = amount(spend, 6);
        if let Some(q) = self.swap(USDM_POOL, USDC, usdc) {
            self.wallets.arb_cash -= tokens(usdc, 6);
            self.wallets.arb_usdm = Amount::new(self.wallets.arb_usdm.raw() + q.amount_out.raw());
        }
    }

    fn pool0_reserves(&self) -> (f64, f64) {
        let pool = self.pool(USDM_POOL);
        let [u, c] = self.sides[0];
        (tokens(pool.reserves[u], 18), tokens(pool.reserves[c], 6))
    }

    fn arbitrage_up(&mut self, target: f64, limit: f64) {
        let (x, y) = self.pool0_reserves();
        let fee = self.costs.swap_fee;
        let want = amm::sell_to_price(x, y, fee, target).min(limit);
        let held = tokens(self.wallets.arb_usdm, 18);
        if want > held + 1.0 && self.block >= self.mint_idle_until {
            self.mint_usdm(want - held);
        }
        let sell = amount(want, 18).min(self.wallets.arb_usdm);
        if let Some(q) = self.swap(USDM_POOL, USDM, sell) {
            self.wallets.arb_usdm = Amount::new(self.wallets.arb_usdm.raw() - q.amount_in.raw());
            self.wallets.arb_cash += tokens(q.amount_out, 6);
        }
    }

    /// Mints about `usdm` for the arbitrageur with USDC (and XMS bought outside when the
    /// ratio is below 1), shrinking to the supply cap's headroom if it binds.
    fn mint_usdm(&mut self, usdm: f64) {
        let cr = crate::convert::fraction(self.p.policy().mint_ratio());
        let value = usdm / (1.0 - self.costs.mint_fee);
        let mut scale = 1.0;
        for _ in 0..2 {
            // The whole value is paid in cash: collateral directly, the XMS part by buying XMS.
            let v = (value * scale).min(self.wallets.arb_cash * 0.9);
            if v < 1.0 {
                return;
            }
            let request = if cr == 0.0 {
                self.buy_xms_for(v);
                MintRequest {
                    input: MintInput::Algorithmic {
                        xms_in: self.wallets.arb_xms,
                    },
                    min_usdm_out: Amount::ZERO,
                }
            } else {
                if cr < 1.0 {
                    self.buy_xms_for(v * (1.0 - cr));
                }
                MintRequest::collateral(USDC, amount(v * cr, 6), self.wallets.arb_xms, Amount::ZERO)
            };
            match self.p.mint(&self.acc.arb, &request, self.now) {
                Ok(r) => {
                    let q = r.value;
                    self.wallets.arb_cash -= tokens(q.collateral_in, 6);
                    self.wallets.arb_xms = Amount::new(self.wallets.arb_xms.raw() - q.xms_in.raw());
                    self.wallets.arb_usdm =
                        Amount::new(self.wallets.arb_usdm.raw() + q.usdm_out.raw());
                    self.metrics.minted(tokens(q.usdm_out, 18));
                    return;
                }
                Err(e) => {
                    self.refused(&e);
                    match &e {
                        Error::SupplyCapExceeded {
                            requested,
                            headroom,
                            ..
                        } if !headroom.is_zero() => {
                            scale *= headroom.raw() as f64 / requested.raw().max(1) as f64 * 0.999;
                        }
                        // The cap is full (or there is none yet): it moves with redemptions and
                        // epochs, so ask again in a little while.
                        _ => {
                            self.mint_idle_until = self.block + ARB_RECHECK;
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Tops the arbitrageur's XMS up to `usd` worth (at the oracle price, plus 2% for the
    /// protocol's lower-of-spot-and-TWAP valuation), bought on the external market.
    fn buy_xms_for(&mut self, usd: f64) {
        let oracle = self.xms_oracle();
        let needed = usd / oracle * 1.02;
        let short = needed - tokens(self.wallets.arb_xms, 18);
        if short <= 0.0 {
            return;
        }
        let cost = short * self.px[2] * 1.05;
        let got = self.buy_xms_outside(cost.min(self.wallets.arb_cash * 0.5));
        self.wallets.arb_xms = Amount::new(self.wallets.arb_xms.raw() + got.raw());
    }

    /// The arbitrageur buys XMS for about `usd` of its cash on the external market (never more
    /// than it has, and paying only for what the market's float can deliver).
    fn buy_xms_outside(&mut self, usd: f64) -> Amount {
        let usd = usd.min(self.wallets.arb_cash);
        if usd.is_nan() || usd <= 0.0 {
            return Amount::ZERO;
        }
        let supply = self.xms_supply();
        let float = tokens(self.wallets.outside_xms, 18);
        let (xms, paid) = self.xms.buy_at_most(usd, float, self.block, supply);
        let got = amount(xms, 18).min(self.wallets.outside_xms);
        self.wallets.arb_cash -= paid;
        self.wallets.outside_xms = Amount::new(self.wallets.outside_xms.raw() - got.raw());
        self.px[2] = self.xms.price(self.block, supply);
        got
    }

    fn arbitrage_down(&mut self, target: f64, limit: f64, threshold: f64) {
        let (x, y) = self.pool0_reserves();
        let fee = self.costs.swap_fee;
        let mut spend = amm::buy_to_price(x, y, fee, target)
            .min(limit)
            .min(self.wallets.arb_cash);
        for _ in 0..4 {
            if spend < 1.0 {
                return;
            }
            let usdc = amount(spend, 6);
            let quote = self.pool(USDM_POOL).quote_swap(USDC, usdc);
            let Ok(q) = quote else { return };
            let usdm = Amount::new(q.amount_out.raw() + self.wallets.arb_usdm.raw());
            let cost = spend + tokens(self.wallets.arb_usdm, 18) * self.usdm_price();
            match self.redemption_proceeds(usdm) {
                Some(proceeds) if proceeds > cost * (1.0 + threshold / 2.0) => {
                    if let Some(done) = self.swap(USDM_POOL, USDC, usdc) {
                        self.wallets.arb_cash -= tokens(usdc, 6);
                        self.wallets.arb_usdm =
                            Amount::new(self.wallets.arb_usdm.raw() + done.amount_out.raw());
                        let (redeemed, _) =
                            self.redeem_for(Owner::Arbitrageur, self.wallets.arb_usdm);
                        self.wallets.arb_usdm =
                            Amount::new(self.wallets.arb_usdm.raw() - redeemed.raw());
                    }
                    return;
                }
                _ => spend /= 2.0,
            }
        }
        // Not worth it at any size tried: look again in a few blocks.
        self.arb_idle_until = self.block + ARB_RECHECK;
    }

    /// Keeps the XMS/USDm pool in line with the external market (prices compared in dollars
    /// through the USDm pool): buys XMS where it is cheap and sells it where it is dear.
    pub(crate) fn xms_pool_arbitrage(&mut self) {
        let pool = self.pool(XMS_POOL);
        let [xs, us] = self.sides[1];
        let (rx, ru) = (tokens(pool.reserves[xs], 18), tokens(pool.reserves[us], 18));
        if rx <= 0.0 || ru <= 0.0 {
            return;
        }
        let p0 = self.usdm_price().max(1e-9);
        let external = self.px[2];
        let in_pool = ru / rx * p0;
        let gap = in_pool / external - 1.0;
        let fee = self.costs.swap_fee;
        let limit_usd = self.scenario().arbitrageurs.max_trade * self.usdm_supply();
        if gap < -0.01 {
            // Cheap in the pool: pay USDm from inventory for XMS, sell it outside.
            let want = amm::buy_to_price(rx, ru, fee, external / p0).min(limit_usd / p0);
            // Short of USDm (a run can empty the inventory), the arbitrageur buys it with cash
            // first, if XMS is still cheap in the pool at what that USDm really costs (fee and
            // slippage included).
            let short = want - tokens(self.wallets.arb_usdm, 18);
            let spend = (short * p0).min(self.wallets.arb_cash * 0.25);
            // The pool's marginal price plus its fee bounds the leg's cost from below: when even
            // that leaves no margin, skip the quote.
            let cheap_enough = |usdm_cost: f64| ru / rx * usdm_cost < external * (1.0 - fee);
            if spend >= 1.0 && cheap_enough(p0 * (1.0 + fee)) {
                let usdc = amount(spend, 6);
                let cost = self
                    .pool(USDM_POOL)
                    .quote_swap(USDC, usdc)
                    .ok()
                    .map(|q| spend / tokens(q.amount_out, 18).max(f64::MIN_POSITIVE));
                if cost.is_some_and(cheap_enough) {
                    if let Some(q) = self.swap(USDM_POOL, USDC, usdc) {
                        self.wallets.arb_cash -= tokens(usdc, 6);
                        self.wallets.arb_usdm =
                            Amount::new(self.wallets.arb_usdm.raw() + q.amount_out.raw());
                    }
                }
            }
            let pay = amount(want, 18).min(self.wallets.arb_usdm);
            if let Some(q) = self.swap(XMS_POOL, USDM, pay) {
                self.wallets.arb_usdm =
                    Amount::new(self.wallets.arb_usdm.raw() - q.amount_in.raw());
                // The XMS leaves the pool and is sold outside.
                let xms = q.amount_out;
                self.wallets.arb_cash += self.sell_xms_outside(xms);
            }
        } else if gap > 0.01 {
            // Dear in the pool: buy XMS outside, sell it into the pool for USDm (kept).
            let want = amm::sell_to_price(rx, ru, fee, external / p0 * (1.0 + fee));
            let usd = (want * external)
                .min(limit_usd)
                .min(self.wallets.arb_cash * 0.5);
            if usd < 1.0 {
                return;
            }
            let got = self.buy_xms_outside(usd);
            match self.swap(XMS_POOL, XMS, got) {
                Some(q) => {
                    self.wallets.arb_usdm =
                        Amount::new(self.wallets.arb_usdm.raw() + q.amount_out.raw());
                }
                None => {
                    self.wallets.arb_xms = Amount::new(self.wallets.arb_xms.raw() + got.raw());
                }
            }
        }
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
