//! Redemption (SPEC 5): burn USDm for $1 of value before fees, paid as collateral of the
//! caller's chosen asset and newly minted XMS, split by the redemption ratio.
//!
//! ```text
//! F' = F * (1 - redeem_fee)       (rounded down)
//! Y  = F' * cr / Py               collateral out (rounded down)
//! Z  = F' * (1 - cr) / Pz         XMS out        (rounded down)
//! ```
//! Prices are the protocol-favouring "payout" prices, max(spot, TWAP) (the XMS price may be set
//! to the TWAP alone, [`crate::params::SharePricing::Twap`], to study Iron Finance's failure). Redemption is two-step:
//! `redeem` burns the USDm and escrows the collateral; `collect` pays out no earlier than
//! `redemption_delay` blocks later, which defeats flash-loan round trips. It is never limited
//! by the supply cap and stays open while minting is paused.

use crate::asset::Tier;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::governance::PauseTarget;
use crate::ids::{Account, Symbol, XMS};
use crate::math::Rounding;
use crate::protocol::{Protocol, Receipt};
use crate::time::BlockTime;
use crate::treasury::require_available;
use crate::units::{Amount, Price, Quantity, Ratio, Usd};

/// A redemption request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RedeemRequest {
    /// USDm to burn.
    pub usdm_in: Amount,
    /// Collateral asset to receive; required when the redemption ratio is above 0.
    pub asset: Option<Symbol>,
    /// The least collateral the caller accepts.
    pub min_collateral_out: Amount,
    /// The least XMS the caller accepts.
    pub min_xms_out: Amount,
}

impl RedeemRequest {
    /// Burn `usdm_in` for `asset` (if any) with no minimum outputs.
    pub fn new(usdm_in: Amount, asset: Option<Symbol>) -> Self {
        RedeemRequest {
            usdm_in,
            asset,
            min_collateral_out: Amount::ZERO,
            min_xms_out: Amount::ZERO,
        }
    }
}

/// The outcome of a redemption, computed before anything changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RedeemQuote {
    /// Redemption ratio used.
    pub cr: Ratio,
    /// USDm burned, `F`.
    pub usdm_in: Amount,
    /// Value paid out after the fee, `F'`.
    pub net_value: Usd,
    /// Fee kept by the treasury, `F - F'`.
    pub fee: Usd,
    /// Collateral owed, `Y`.
    pub collateral_out: Amount,
    /// XMS owed, `Z`.
    pub xms_out: Amount,
}

/// The redemption formula. `collateral` is the payout price and decimals of the chosen asset
/// (needed when `cr > 0`); `xms_price` the XMS payout price (needed when `cr < 1`).
pub fn redeem_math(
    cr: Ratio,
    usdm_in: Amount,
    collateral: Option<(Symbol, Price, u8)>,
    xms_price: Option<Price>,
    fee: Ratio,
) -> Result<RedeemQuote> {
    if usdm_in.is_zero() {
        return Err(Error::ZeroAmount {
            what: "USDm amount",
        });
    }
    let gross = Usd::from_usdm(usdm_in);
    let net = gross.mul_ratio(fee.complement(), Rounding::Down);
    let collateral_out = if cr.is_zero() {
        Amount::ZERO
    } else {
        let (_, price, decimals) = collateral.ok_or_else(|| Error::AssetRequired { cr })?;
        price.amount_for(net.mul_ratio(cr, Rounding::Down), decimals, Rounding::Down)?
    };
    let xms_out = if cr.is_one() {
        Amount::ZERO
    } else {
        let xms_price = xms_price.ok_or_else(|| Error::MissingPrice { symbol: XMS })?;
        xms_price.amount_for(
            net.mul_ratio(cr.complement(), Rounding::Down),
            18,
            Rounding::Down,
        )?
    };
    if collateral_out.is_zero() && xms_out.is_zero() {
        return Err(Error::OutputTooSmall {
            what: "collateral or XMS",
        });
    }
    Ok(RedeemQuote {
        cr,
        usdm_in,
        net_value: net,
        fee: gross.saturating_sub(net),
        collateral_out,
        xms_out,
    })
}

/// A validated redemption, ready to apply.
struct RedeemPlan {
    step: crate::protocol::Step,
    index: Option<usize>,
    quote: RedeemQuote,
    breakers: crate::breakers::Breakers,
}

/// A redemption waiting for its delay.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingRedemption {
    /// Id.
    pub id: u64,
    /// Who is paid.
    pub owner: Account,
    /// Collateral asset, if any.
    pub asset: Option<Symbol>,
    /// Collateral owed (escrowed in the treasury).
    pub collateral: Amount,
    /// XMS to mint at collection.
    pub xms: Amount,
    /// First block height at which it may be collected.
    pub ready_at: u64,
    /// When it was requested.
    pub requested_at: BlockTime,
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// Burns USDm and records what is owed; collect it with [`Protocol::collect`] after the
    /// delay. On failure nothing changed and nothing was burned.
    pub fn redeem(
        &mut self,
        caller: &Account,
        request: &RedeemRequest,
        now: BlockTime,
    ) -> Result<Receipt<PendingRedemption>> {
        let RedeemPlan {
            mut step,
            index,
            quote: q,
            breakers,
        } = self.plan_redeem(request, now)?;
        let usdm = self
            .books
            .supply
            .usdm
            .checked_sub(q.usdm_in, "USDm supply")?;
        let usdm_burned = self
            .books
            .supply
            .usdm_burned
            .checked_add(q.usdm_in, "USDm burned")?;
        let holding = match index {
            Some(i) => {
                let mut h = *self.holding(i)?;
                h.balance = h
                    .balance
                    .checked_sub(q.collateral_out, "treasury balance")?;
                h.escrow = h
                    .escrow
                    .checked_add(q.collateral_out, "redemption escrow")?;
                h.fees.redeem = h.fees.redeem.checked_add(q.fee, "redeem fees")?;
                Some((i, h))
            }
            None => None,
        };
        let unattributed = match holding {
            Some(_) => self.books.unattributed_fees.redeem,
            None => self
                .books
                .unattributed_fees
                .redeem
                .checked_add(q.fee, "redeem fees")?,
        };
        let id = self.books.next_redemption_id;
        let next_id = id
            .checked_add(1)
            .ok_or_else(|| Error::Overflow("redemption id"))?;
        let pending = PendingRedemption {
            id,
            owner: caller.clone(),
            asset: request.asset.filter(|_| !q.cr.is_zero()),
            collateral: q.collateral_out,
            xms: q.xms_out,
            ready_at: now
                .height
                .saturating_add(self.config.params.redemption_delay),
            requested_at: now,
        };

        self.books.supply.usdm = usdm;
        self.books.supply.usdm_burned = usdm_burned;
        if let Some((i, h)) = holding {
            self.set_holding(i, h)?;
        }
        self.books.unattributed_fees.redeem = unattributed;
        self.books.next_redemption_id = next_id;
        self.books.breakers = breakers;
        self.redemptions.insert(pending.clone());
        step.events.push(Event::RedemptionRequested {
            id,
            owner: caller.clone(),
            asset: pending.asset,
            usdm_burned: q.usdm_in,
            collateral_owed: q.collateral_out,
            xms_owed: q.xms_out,
            fee: q.fee,
            cr: q.cr,
            ready_at: pending.ready_at,
        });
        Ok(Receipt {
            value: pending,
            events: self.finish(step, "redeem"),
        })
    }

    /// What [`Protocol::redeem`] would do now, with every check it makes, without doing it.
    pub fn quote_redeem(&self, request: &RedeemRequest, now: BlockTime) -> Result<RedeemQuote> {
        self.plan_redeem(request, now).map(|plan| plan.quote)
    }

    fn plan_redeem(&self, request: &RedeemRequest, now: BlockTime) -> Result<RedeemPlan> {
        if self.config.governance.pauses.is_paused(PauseTarget::Redeem) {
            return Err(Error::RedeemPaused);
        }
        let step = self.begin(now)?;
        let cr = self.books.policy.redeem_ratio();
        if request.usdm_in.is_zero() {
            return Err(Error::ZeroAmount {
                what: "USDm amount",
            });
        }
        let minimum = self.config.params.min_redemption;
        if request.usdm_in < minimum {
            return Err(Error::BelowMinimumRedemption {
                requested: Box::new(Quantity::usdm(request.usdm_in)),
                minimum: Box::new(Quantity::usdm(minimum)),
            });
        }
        let asset = match request.asset {
            Some(symbol) => {
                let (index, config) = self.require_asset(symbol)?;
                if !config.redeem_enabled {
                    return Err(Error::RedeemDisabled { symbol });
                }
                Some((index, config))
            }
            None if cr.is_zero() => None,
            None => return Err(Error::AssetRequired { cr }),
        };
        // At ratio 0 nothing is paid in the named asset, so it neither sets the fee nor is
        // credited with it: the payout is XMS and so is the fee schedule.
        let asset = asset.filter(|_| !cr.is_zero());
        let fee = match asset {
            Some((_, config)) => self.config.params.fees.redeem_fee(config),
            None => match self.find_asset(XMS) {
                Some(i) => self.config.params.fees.redeem_fee(self.asset(i)?),
                None => self.config.params.fees.tier_redeem_fee(Tier::ProtocolToken),
            },
        };
        let collateral = match asset {
            Some((index, config)) if !cr.is_zero() => Some((
                config.symbol,
                self.asset_quote(index, now)?.payout(),
                config.decimals,
            )),
            _ => None,
        };
        let xms_price = if cr.is_one() {
            None
        } else {
            // Protocol-favouring max(spot, TWAP) unless a study preset says otherwise.
            let quote = self.xms_quote(now)?;
            Some(self.config.params.redemption_share_pricing.price(quote))
        };
        let q = redeem_math(cr, request.usdm_in, collateral, xms_price, fee)?;
        if q.collateral_out < request.min_collateral_out {
            let (symbol, decimals) = asset.map_or((XMS, 18), |(_, c)| (c.symbol, c.decimals));
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::new(q.collateral_out, decimals, symbol)),
                min: Box::new(Quantity::new(request.min_collateral_out, decimals, symbol)),
            });
        }
        if q.xms_out < request.min_xms_out {
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::xms(q.xms_out)),
                min: Box::new(Quantity::xms(request.min_xms_out)),
            });
        }
        if q.usdm_in > self.books.supply.usdm {
            return Err(Error::ExceedsSupply {
                requested: Box::new(Quantity::usdm(q.usdm_in)),
                supply: Box::new(Quantity::usdm(self.books.supply.usdm)),
            });
        }
        if let Some((i, config)) = asset {
            require_available(
                self.holding(i)?,
                q.collateral_out,
                config.symbol,
                config.decimals,
            )?;
        }
        // The named asset's holding pays the collateral and is credited the fee (even at ratio
        // 0, when it pays nothing).
        let breakers = if self.config.params.breakers.any() {
            self.books.breakers.after_redemption(
                &self.config.params.breakers,
                (q.usdm_in, q.xms_out),
                (
                    // A pool that cannot be priced must not block redemptions: fall back to
                    // the whole supply as the breaker's base.
                    self.circulating_usdm(now)
                        .unwrap_or(Usd::from_usdm(self.books.supply.usdm)),
                    self.books.supply.xms,
                ),
                now.seconds,
                self.config.params.epoch_seconds,
            )?
        } else {
            self.books.breakers
        };
        Ok(RedeemPlan {
            step,
            index: asset.map(|(i, _)| i),
            quote: q,
            breakers,
        })
    }

    /// Pays out redemption `id` to its owner once its delay has passed. Anyone may trigger it
    /// (a keeper, say); the payment always goes to the owner.
    pub fn collect(&mut self, id: u64, now: BlockTime) -> Result<Receipt<PendingRedemption>> {
        let step = self.begin(now)?;
        let pending = self
            .redemption(id)?
            .ok_or_else(|| Error::UnknownRedemption { id })?
            .clone();
        if now.height < pending.ready_at {
            return Err(Error::RedemptionNotReady {
                id,
                ready_at: pending.ready_at,
                height: now.height,
            });
        }
        let holding = match pending.asset.filter(|_| !pending.collateral.is_zero()) {
            Some(symbol) => {
                let (i, _) = self.require_asset(symbol)?;
                let mut h = *self.holding(i)?;
                h.escrow = h
                    .escrow
                    .checked_sub(pending.collateral, "redemption escrow")?;
                h.paid = h.paid.checked_add(pending.collateral, "treasury outflow")?;
                Some((i, h))
            }
            None => None,
        };
        let xms = self
            .books
            .supply
            .xms
            .checked_add(pending.xms, "XMS supply")?;
        let xms_minted = self
            .books
            .supply
            .xms_minted
            .checked_add(pending.xms, "XMS minted")?;

        let mut step = step;
        let pending = self
            .redemptions
            .remove(id)
            .ok_or_else(|| Error::UnknownRedemption { id })?;
        if let Some((i, h)) = holding {
            self.set_holding(i, h)?;
        }
        self.books.supply.xms = xms;
        self.books.supply.xms_minted = xms_minted;
        step.events.push(Event::RedemptionCollected {
            id,
            owner: pending.owner.clone(),
            asset: pending.asset,
            collateral_paid: pending.collateral,
            xms_minted: pending.xms,
        });
        Ok(Receipt {
            value: pending,
            events: self.finish(step, "collect"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }
    fn amount(s: &str, d: u8) -> Amount {
        Amount::parse(s, d).unwrap()
    }
    const USDC: Symbol = Symbol::lit("USDC");

    #[test]
    fn worked_example_d_fractional_redemption() {
        let q = redeem_math(
            Ratio::parse("0.65").unwrap(),
            amount("170", 18),
            Some((USDC, p("1"), 6)),
            Some(p("3.75")),
            Ratio::ZERO,
        )
        .unwrap();
        assert_eq!(q.collateral_out, amount("110.5", 6));
        // 59.5 / 3.75 = 15.8666...: rounded down.
        assert_eq!(q.xms_out, amount("15.866666666666666666", 18));
    }

    #[test]
    fn worked_example_f_mars_redemption_into_xms() {
        let q = redeem_math(
            Ratio::ZERO,
            amount("100", 18),
            None,
            Some(p("0.5")),
            Ratio::bps(30),
        )
        .unwrap();
        assert_eq!(q.xms_out, amount("199.4", 18));
        assert_eq!(q.collateral_out, Amount::ZERO);
        assert_eq!(q.fee, Usd::parse("0.3").unwrap());
    }

    #[test]
    fn positive_ratio_needs_an_asset_and_dust_is_refused() {
        let cr = Ratio::parse("0.5").unwrap();
        assert_eq!(
            redeem_math(cr, amount("1", 18), None, Some(p("1")), Ratio::ZERO),
            Err(Error::AssetRequired { cr })
        );
        assert_eq!(
            redeem_math(
                Ratio::ONE,
                Amount::new(1),
                Some((USDC, p("1"), 6)),
                None,
                Ratio::ZERO
            )
            .map(|_| ()),
            Err(Error::OutputTooSmall {
                what: "collateral or XMS"
            })
        );
        assert_eq!(
            redeem_math(Ratio::ZERO, Amount::ZERO, None, Some(p("1")), Ratio::ZERO),
            Err(Error::ZeroAmount {
                what: "USDm amount"
            })
        );
    }
}
