//! The engine's side of the agents (`crate::agents`): each block the world asks an agent
//! what it wants, executes it through the real protocol and its pools, and tells the agent
//! what happened; the redemption estimates several of them share live here too.

use super::{Owner, World, USDC, USDM_POOL};
use crate::convert::{amount, share_of, tokens};
use usdm_core::prelude::*;

impl World {
    /// Retail flow ([`crate::agents::retail`]), once a minute: each change of retail's position is a
    /// purchase or a sale in the pool.
    pub(crate) fn retail(&mut self) {
        let Some(trade) = self.retail.step(&mut self.rng) else {
            return;
        };
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

    /// Running holders ([`crate::agents::holders`]): what the cohorts take out is redeemed while redemption
    /// pays at least the pool, else sold into the pool; what can be neither stays with them.
    pub(crate) fn holders_step(&mut self) {
        let queued = self.wallets.holders_queue;
        let leaving = self.holders.step(self.usdm_price(), queued.is_zero());
        if leaving.is_zero() && queued.is_zero() {
            return;
        }
        let redeem_share = self.holders.redeem_share;
        self.holders.saw_exit(tokens(leaving, 18));
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

    /// Premium sellers ([`crate::agents::premium`]): what they want to sell at the pool's price, sold into
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

    /// Momentum sellers ([`crate::agents::momentum`]): the share of their XMS they sell now, on the external
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

    /// The farmers ([`crate::agents::farmers`]): they decide how much XMS to sell at the market price;
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
    pub(crate) fn redemption_proceeds(&mut self, usdm: Amount) -> Option<f64> {
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

    pub(crate) fn pool0_reserves(&self) -> (f64, f64) {
        let pool = self.pool(USDM_POOL);
        let [u, c] = self.sides[0];
        (tokens(pool.reserves[u], 18), tokens(pool.reserves[c], 6))
    }
}
