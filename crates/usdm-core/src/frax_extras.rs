//! Frax extras (SPEC 7): recollateralize and buyback, which pull treasury collateral towards
//! the collateral ratio times circulating USDm.
//!
//! - Below it, anyone may add collateral up to the shortfall and receive XMS worth it plus the
//!   bonus rate (0.75%), newly minted.
//! - Above it, anyone may buy the excess collateral with XMS, which is burned.
//!
//! Collateral value is the treasury's value without its XMS (XMS backs nothing by itself).
//! Collateral in and XMS in are valued at min(spot, TWAP), XMS and collateral out at
//! max(spot, TWAP); both are bounded by the shortfall or excess and pausable.

use crate::error::{Error, Result};
use crate::events::Event;
use crate::governance::PauseTarget;
use crate::ids::{Account, Symbol, XMS};
use crate::math::Rounding;
use crate::params::PolicyKind;
use crate::protocol::{Protocol, Receipt};
use crate::time::BlockTime;
use crate::treasury::{require_available, PriceMode};
use crate::units::{Amount, Quantity, Usd};

/// The outcome of a recollateralization or a buyback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FraxTrade {
    /// Collateral in (recollateralize) or out (buyback), in base units.
    pub collateral: Amount,
    /// Its value.
    pub value: Usd,
    /// XMS out (recollateralize, bonus included) or in (buyback).
    pub xms: Amount,
}

/// Collateral value against the target at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CollateralStatus {
    /// Treasury value without XMS.
    pub collateral: Usd,
    /// Collateral ratio x circulating USDm.
    pub target: Usd,
}

impl CollateralStatus {
    /// How much collateral is missing (zero if none).
    pub fn shortfall(&self) -> Usd {
        self.target.saturating_sub(self.collateral)
    }
    /// How much collateral is above the target (zero if none).
    pub fn excess(&self) -> Usd {
        self.collateral.saturating_sub(self.target)
    }
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// Treasury collateral value (without XMS) at spot, and the target
    /// `cr x circulating USDm`.
    pub fn collateral_status(&self, now: BlockTime) -> Result<CollateralStatus> {
        self.collateral_status_in(now, PriceMode::Spot)
    }

    /// Collateral value priced in `mode`: recollateralization values collateral high (the
    /// shortfall it may fill is never overstated), buyback low (the excess it may take is never
    /// overstated). Pool claims count at fair reserves, so swaps cannot fake either.
    pub fn collateral_status_in(
        &self,
        now: BlockTime,
        mode: PriceMode,
    ) -> Result<CollateralStatus> {
        let valuation = self.valuation_in(now, mode)?;
        let xms = valuation
            .positions
            .iter()
            .filter(|p| p.symbol == XMS)
            .map(|p| p.value)
            .next();
        let collateral = valuation.total.saturating_sub(xms.unwrap_or(Usd::ZERO));
        let target = self
            .circulating_usdm(now)?
            .mul_ratio(self.books.policy.mint_ratio(), Rounding::Down);
        Ok(CollateralStatus { collateral, target })
    }

    fn frax_op_allowed(&self, pause: PauseTarget, name: &'static str) -> Result<()> {
        if self.config.governance.pauses.is_paused(pause) {
            return Err(Error::FraxOpPaused(name));
        }
        if self.books.policy.kind() != PolicyKind::Frax {
            return Err(Error::NotFraxPolicy { operation: name });
        }
        Ok(())
    }

    /// Adds `amount` of collateral `asset` while the treasury is below its target, for XMS
    /// worth it plus the bonus (at least `min_xms_out`).
    pub fn recollateralize(
        &mut self,
        caller: &Account,
        asset: Symbol,
        amount: Amount,
        min_xms_out: Amount,
        now: BlockTime,
    ) -> Result<Receipt<FraxTrade>> {
        self.frax_op_allowed(PauseTarget::Recollateralize, "recollateralization")?;
        let mut step = self.begin(now)?;
        let (index, config) = self.require_asset(asset)?;
        if asset == XMS || !config.mint_enabled {
            return Err(Error::MintDisabled { symbol: asset });
        }
        if amount.is_zero() {
            return Err(Error::ZeroAmount {
                what: "collateral amount",
            });
        }
        let decimals = config.decimals;
        let status = self.collateral_status_in(now, PriceMode::High)?;
        let shortfall = status.shortfall();
        if shortfall.is_zero() {
            return Err(Error::NoShortfall {
                collateral: status.collateral,
                target: status.target,
            });
        }
        let price = self.asset_quote(index, now)?.receive();
        let value = price.value_of(amount, decimals, Rounding::Down)?;
        if value > shortfall {
            return Err(Error::FraxOpTooLarge {
                operation: "recollateralization",
                requested: Box::new(Quantity::new(amount, decimals, asset)),
                max: Box::new(Quantity::new(
                    price.amount_for(shortfall, decimals, Rounding::Down)?,
                    decimals,
                    asset,
                )),
            });
        }
        let bonus = value.mul_ratio(self.config.params.frax.bonus_rate, Rounding::Down);
        let paid_value = value.checked_add(bonus, "recollateralization value")?;
        let xms = self
            .xms_quote(now)?
            .payout()
            .amount_for(paid_value, 18, Rounding::Down)?;
        if xms.is_zero() {
            return Err(Error::OutputTooSmall { what: "XMS" });
        }
        if xms < min_xms_out {
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::xms(xms)),
                min: Box::new(Quantity::xms(min_xms_out)),
            });
        }
        self.check_share_cap(index, amount, now)?;
        // XMS minted here counts against the same per-epoch breaker as redemptions.
        let breakers = self.books.breakers.after_xms_minted(
            &self.config.params.breakers,
            xms,
            self.books.supply.xms,
            now.seconds,
            self.config.params.epoch_seconds,
        )?;
        let mut h = *self.holding(index)?;
        h.balance = h.balance.checked_add(amount, "treasury balance")?;
        h.received = h.received.checked_add(amount, "treasury inflow")?;
        let mut supply = self.books.supply;
        supply.xms = supply.xms.checked_add(xms, "XMS supply")?;
        supply.xms_minted = supply.xms_minted.checked_add(xms, "XMS minted")?;
        self.set_holding(index, h)?;
        self.books.supply = supply;
        self.books.breakers = breakers;
        let trade = FraxTrade {
            collateral: amount,
            value,
            xms,
        };
        step.events.push(Event::Recollateralized {
            caller: caller.clone(),
            asset,
            trade,
        });
        Ok(Receipt {
            value: trade,
            events: self.finish(step, "recollateralize"),
        })
    }

    /// Buys excess collateral `asset` with `xms_in` XMS (burned), for at least
    /// `min_collateral_out`.
    pub fn buyback(
        &mut self,
        caller: &Account,
        asset: Symbol,
        xms_in: Amount,
        min_collateral_out: Amount,
        now: BlockTime,
    ) -> Result<Receipt<FraxTrade>> {
        self.frax_op_allowed(PauseTarget::Buyback, "buyback")?;
        let mut step = self.begin(now)?;
        let (index, config) = self.require_asset(asset)?;
        if asset == XMS || !config.redeem_enabled {
            return Err(Error::RedeemDisabled { symbol: asset });
        }
        if xms_in.is_zero() {
            return Err(Error::ZeroAmount { what: "XMS amount" });
        }
        let decimals = config.decimals;
        let circulating = self.circulating_xms_at_most()?;
        if xms_in > circulating {
            return Err(Error::ExceedsSupply {
                requested: Box::new(Quantity::xms(xms_in)),
                supply: Box::new(Quantity::xms(circulating)),
            });
        }
        let status = self.collateral_status_in(now, PriceMode::Low)?;
        let excess = status.excess();
        if excess.is_zero() {
            return Err(Error::NoExcess {
                collateral: status.collateral,
                target: status.target,
            });
        }
        let xms_price = self.xms_quote(now)?.receive();
        let value = xms_price.value_of(xms_in, 18, Rounding::Down)?;
        if value > excess {
            return Err(Error::FraxOpTooLarge {
                operation: "buyback",
                requested: Box::new(Quantity::xms(xms_in)),
                max: Box::new(Quantity::xms(xms_price.amount_for(
                    excess,
                    18,
                    Rounding::Down,
                )?)),
            });
        }
        let collateral =
            self.asset_quote(index, now)?
                .payout()
                .amount_for(value, decimals, Rounding::Down)?;
        if collateral.is_zero() {
            return Err(Error::OutputTooSmall { what: "collateral" });
        }
        if collateral < min_collateral_out {
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::new(collateral, decimals, asset)),
                min: Box::new(Quantity::new(min_collateral_out, decimals, asset)),
            });
        }
        require_available(self.holding(index)?, collateral, asset, decimals)?;
        let mut h = *self.holding(index)?;
        h.balance = h.balance.checked_sub(collateral, "treasury balance")?;
        h.paid = h.paid.checked_add(collateral, "treasury outflow")?;
        let mut supply = self.books.supply;
        supply.xms = supply.xms.checked_sub(xms_in, "XMS supply")?;
        supply.xms_burned = supply.xms_burned.checked_add(xms_in, "XMS burned")?;
        self.set_holding(index, h)?;
        self.books.supply = supply;
        let trade = FraxTrade {
            collateral,
            value,
            xms: xms_in,
        };
        step.events.push(Event::BoughtBack {
            caller: caller.clone(),
            asset,
            trade,
        });
        Ok(Receipt {
            value: trade,
            events: self.finish(step, "buyback"),
        })
    }
}
