//! The arbitrageur (`[agents.arbitrageurs]`): mints and sells when USDm trades above $1 plus
//! fees, buys and redeems when it trades below $1 minus fees and the redemption's XMS would
//! still sell for more than the purchase cost, waits out a circuit breaker when what it queues
//! is worth enough, and keeps the XMS/USDm pool in line with the external market. Its
//! decisions are the protocol's own quotes (what a mint or a redemption would bring now), so
//! the strategy runs on the engine, not among the model's agents; its state is
//! [`Arbitrageur`].

use super::{Owner, World, USDC, USDM_POOL, XMS_POOL};
use crate::agents::amm;
use crate::convert::{amount, tokens};
use usdm_core::prelude::*;

/// How much more than its price a USDm must be worth in redemption before the arbitrageur buys
/// it to wait out a circuit breaker (waiting carries the risk that XMS falls meanwhile).
const PATIENCE_MARGIN: f64 = 1.3;

/// Blocks the arbitrageur waits before re-examining a trade that did not pay or was refused.
const ARB_RECHECK: u64 = 5;

/// The arbitrageur's timers (its cash and tokens are in the world's wallets, where the
/// conservation check counts them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arbitrageur {
    /// Its next look at an unprofitable redemption trade.
    idle_until: u64,
    /// Its next try at minting after the cap refused.
    mint_idle_until: u64,
}

impl World {
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
        } else if p0 < lower * (1.0 - threshold) && self.block >= self.arb.idle_until {
            if self.block >= self.breaker_backoff_until {
                self.arbitrage_down(lower, limit, threshold);
            } else {
                self.patient_buy(p0, limit);
            }
        }
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

    fn arbitrage_up(&mut self, target: f64, limit: f64) {
        let (x, y) = self.pool0_reserves();
        let fee = self.costs.swap_fee;
        let want = amm::sell_to_price(x, y, fee, target).min(limit);
        let held = tokens(self.wallets.arb_usdm, 18);
        if want > held + 1.0 && self.block >= self.arb.mint_idle_until {
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
                            self.arb.mint_idle_until = self.block + ARB_RECHECK;
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
        self.arb.idle_until = self.block + ARB_RECHECK;
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
