//! Minting (SPEC 4): $1 of value per USDm before fees, split between treasury collateral and
//! burned XMS by the collateral ratio.
//!
//! ```text
//! C = Y * Py                      collateral value   (rounded down)
//! X = C * (1 - cr) / cr           XMS value required (rounded up)
//! Z = X / Pz                      XMS burned         (rounded up)
//! F = (C + X) * (1 - mint_fee)    USDm out           (rounded down)
//! ```
//! Prices are the protocol-favouring "receive" prices, min(spot, TWAP). The pure functions
//! [`collateral_mint`] and [`algorithmic_mint`] are what both [`Protocol::mint`] and the CLI
//! quotes run.

use crate::error::{Error, Result};
use crate::events::Event;
use crate::governance::PauseTarget;
use crate::ids::{Account, Symbol, XMS};
use crate::math::Rounding;
use crate::protocol::{Protocol, Receipt, Step};
use crate::time::BlockTime;
use crate::units::{Amount, Price, Quantity, Ratio, Usd};

/// What the caller offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MintInput {
    /// Deposit collateral (and burn XMS when the ratio is below 1).
    Collateral {
        /// Collateral asset.
        asset: Symbol,
        /// Collateral amount in base units.
        amount: Amount,
        /// The most XMS the caller accepts to burn.
        max_xms_in: Amount,
    },
    /// Burn XMS alone (only at ratio 0: Frax "algorithmic" minting).
    Algorithmic {
        /// XMS to burn.
        xms_in: Amount,
    },
}

/// A mint request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MintRequest {
    /// What the caller offers.
    pub input: MintInput,
    /// The least USDm the caller accepts.
    pub min_usdm_out: Amount,
}

impl MintRequest {
    /// Deposit `amount` of `asset`, burning at most `max_xms_in`, for at least `min_usdm_out`.
    pub fn collateral(
        asset: Symbol,
        amount: Amount,
        max_xms_in: Amount,
        min_usdm_out: Amount,
    ) -> Self {
        MintRequest {
            input: MintInput::Collateral {
                asset,
                amount,
                max_xms_in,
            },
            min_usdm_out,
        }
    }
}

/// The outcome of a mint, computed before anything changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MintQuote {
    /// Collateral ratio used.
    pub cr: Ratio,
    /// Collateral deposited (base units).
    pub collateral_in: Amount,
    /// Its value, `C`.
    pub collateral_value: Usd,
    /// XMS to burn (base units), `Z`.
    pub xms_in: Amount,
    /// The XMS value credited, `X`.
    pub xms_value: Usd,
    /// USDm created, `F`.
    pub usdm_out: Amount,
    /// Fee kept by the treasury, `(C + X) - F`.
    pub fee: Usd,
}

/// The mint formula for a collateral deposit at ratio `cr > 0`.
///
/// `price` and `xms_price` are the prices the protocol receives at; `xms_price` is needed only
/// when `cr < 1`.
pub fn collateral_mint(
    cr: Ratio,
    amount: Amount,
    price: Price,
    decimals: u8,
    xms_price: Option<Price>,
    fee: Ratio,
) -> Result<MintQuote> {
    if amount.is_zero() {
        return Err(Error::ZeroAmount {
            what: "collateral amount",
        });
    }
    if cr.is_zero() {
        return Err(Error::WrongMintInput {
            cr,
            reason: "collateral is not accepted: burn XMS alone (algorithmic mint)",
        });
    }
    let collateral_value = price.value_of(amount, decimals, Rounding::Down)?;
    let (xms_value, xms_in) = if cr.is_one() {
        (Usd::ZERO, Amount::ZERO)
    } else {
        let xms_price = xms_price.ok_or_else(|| Error::MissingPrice { symbol: XMS })?;
        let x = collateral_value.mul_div(cr.complement(), cr, Rounding::Up)?;
        (x, xms_price.amount_for(x, 18, Rounding::Up)?)
    };
    finish_quote(cr, amount, collateral_value, xms_in, xms_value, fee)
}

/// The mint formula at ratio 0: burn `xms_in` XMS valued at `xms_price`.
pub fn algorithmic_mint(xms_in: Amount, xms_price: Price, fee: Ratio) -> Result<MintQuote> {
    if xms_in.is_zero() {
        return Err(Error::ZeroAmount { what: "XMS amount" });
    }
    let xms_value = xms_price.value_of(xms_in, 18, Rounding::Down)?;
    finish_quote(Ratio::ZERO, Amount::ZERO, Usd::ZERO, xms_in, xms_value, fee)
}

fn finish_quote(
    cr: Ratio,
    collateral_in: Amount,
    collateral_value: Usd,
    xms_in: Amount,
    xms_value: Usd,
    fee: Ratio,
) -> Result<MintQuote> {
    let gross = collateral_value.checked_add(xms_value, "mint value")?;
    let net = gross.mul_ratio(fee.complement(), Rounding::Down);
    if net.is_zero() {
        return Err(Error::OutputTooSmall { what: "USDm" });
    }
    Ok(MintQuote {
        cr,
        collateral_in,
        collateral_value,
        xms_in,
        xms_value,
        usdm_out: net.to_usdm(),
        fee: gross.saturating_sub(net),
    })
}

/// A validated mint, ready to apply.
struct MintPlan {
    asset: Option<(usize, Symbol)>,
    quote: MintQuote,
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// Mints USDm. On success the caller owes the collateral and the XMS in the quote (adapters
    /// move them); on failure nothing changed.
    pub fn mint(
        &mut self,
        caller: &Account,
        request: &MintRequest,
        now: BlockTime,
    ) -> Result<Receipt<MintQuote>> {
        let (mut step, plan) = self.plan_mint(request, now)?;
        let q = plan.quote;
        // Every new value is computed (checked) before the first assignment.
        let usdm = self
            .books
            .supply
            .usdm
            .checked_add(q.usdm_out, "USDm supply")?;
        let usdm_minted = self
            .books
            .supply
            .usdm_minted
            .checked_add(q.usdm_out, "USDm minted")?;
        let xms = self.books.supply.xms.checked_sub(q.xms_in, "XMS supply")?;
        let xms_burned = self
            .books
            .supply
            .xms_burned
            .checked_add(q.xms_in, "XMS burned")?;
        let holding = match plan.asset {
            Some((index, _)) => {
                let mut h = *self.holding(index)?;
                h.balance = h.balance.checked_add(q.collateral_in, "treasury balance")?;
                h.received = h.received.checked_add(q.collateral_in, "treasury inflow")?;
                h.fees.mint = h.fees.mint.checked_add(q.fee, "mint fees")?;
                Some((index, h))
            }
            None => None,
        };
        let unattributed = match holding {
            Some(_) => self.books.unattributed_fees.mint,
            None => self
                .books
                .unattributed_fees
                .mint
                .checked_add(q.fee, "mint fees")?,
        };

        self.books.supply.usdm = usdm;
        self.books.supply.usdm_minted = usdm_minted;
        self.books.supply.xms = xms;
        self.books.supply.xms_burned = xms_burned;
        if let Some((index, h)) = holding {
            self.set_holding(index, h)?;
        }
        self.books.unattributed_fees.mint = unattributed;
        step.events.push(Event::Minted {
            minter: caller.clone(),
            asset: plan.asset.map(|(_, s)| s),
            collateral_in: q.collateral_in,
            xms_burned: q.xms_in,
            usdm_out: q.usdm_out,
            fee: q.fee,
            cr: q.cr,
        });
        Ok(Receipt {
            value: q,
            events: self.finish(step, "mint"),
        })
    }

    /// What [`Protocol::mint`] would do now, with every check it makes, without doing it.
    pub fn quote_mint(&self, request: &MintRequest, now: BlockTime) -> Result<MintQuote> {
        self.plan_mint(request, now).map(|(_, plan)| plan.quote)
    }

    fn plan_mint(&self, request: &MintRequest, now: BlockTime) -> Result<(Step, MintPlan)> {
        if self.config.governance.pauses.is_paused(PauseTarget::Mint) {
            return Err(Error::MintPaused);
        }
        let step = self.begin(now)?;
        let cr = self.books.policy.mint_ratio();
        let (plan, max_xms_in) = match request.input {
            MintInput::Collateral {
                asset,
                amount,
                max_xms_in,
            } => {
                let (index, config) = self.require_asset(asset)?;
                if !config.mint_enabled {
                    return Err(Error::MintDisabled { symbol: asset });
                }
                // Frax values collateral without XMS: minting with it would manufacture a
                // shortfall that recollateralization pays a bonus to fill.
                if asset == XMS && self.books.policy.kind() == crate::params::PolicyKind::Frax {
                    return Err(Error::ShareTokenNotCollateral);
                }
                if self
                    .config
                    .governance
                    .pauses
                    .is_paused(PauseTarget::MintAsset(asset))
                {
                    return Err(Error::AssetMintPaused { symbol: asset });
                }
                if amount.is_zero() {
                    return Err(Error::ZeroAmount {
                        what: "collateral amount",
                    });
                }
                let price = self.asset_quote(index, now)?.receive();
                let xms_price = if cr.is_one() {
                    None
                } else {
                    Some(self.xms_quote(now)?.receive())
                };
                let fee = self.config.params.fees.mint_fee(config);
                let quote = collateral_mint(cr, amount, price, config.decimals, xms_price, fee)?;
                (
                    MintPlan {
                        asset: Some((index, asset)),
                        quote,
                    },
                    max_xms_in,
                )
            }
            MintInput::Algorithmic { xms_in } => {
                if !cr.is_zero() {
                    return Err(Error::WrongMintInput {
                        cr,
                        reason: "XMS alone mints only at ratio 0: deposit collateral",
                    });
                }
                let xms_price = self.xms_quote(now)?.receive();
                let quote = algorithmic_mint(xms_in, xms_price, self.xms_mint_fee()?)?;
                (MintPlan { asset: None, quote }, xms_in)
            }
        };
        let q = &plan.quote;
        if q.xms_in > max_xms_in {
            return Err(Error::XmsLimitExceeded {
                required: Box::new(Quantity::xms(q.xms_in)),
                max: Box::new(Quantity::xms(max_xms_in)),
            });
        }
        if q.usdm_out < request.min_usdm_out {
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::usdm(q.usdm_out)),
                min: Box::new(Quantity::usdm(request.min_usdm_out)),
            });
        }
        if !q.xms_in.is_zero() {
            let circulating = self.circulating_xms_at_most()?;
            if q.xms_in > circulating {
                return Err(Error::ExceedsSupply {
                    requested: Box::new(Quantity::xms(q.xms_in)),
                    supply: Box::new(Quantity::xms(circulating)),
                });
            }
        }
        if let Some((index, _)) = plan.asset {
            self.check_share_cap(index, q.collateral_in, now)?;
        }
        step.mintage
            .check_mint(self.circulating_usdm(now)?, Usd::from_usdm(q.usdm_out))?;
        Ok((step, plan))
    }

    /// The fee for operations that name no asset: XMS's own fee if it is whitelisted, else
    /// the tier-5 default.
    pub(crate) fn xms_mint_fee(&self) -> Result<Ratio> {
        Ok(match self.find_asset(XMS) {
            Some(i) => self.config.params.fees.mint_fee(self.asset(i)?),
            None => self
                .config
                .params
                .fees
                .tier_mint_fee(crate::asset::Tier::ProtocolToken),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }
    fn r(s: &str) -> Ratio {
        Ratio::parse(s).unwrap()
    }
    fn amount(s: &str, d: u8) -> Amount {
        Amount::parse(s, d).unwrap()
    }

    #[test]
    fn worked_example_a_full_collateral() {
        let q =
            collateral_mint(Ratio::ONE, amount("200", 6), p("1"), 6, None, Ratio::ZERO).unwrap();
        assert_eq!(q.xms_in, Amount::ZERO);
        assert_eq!(q.usdm_out, amount("200", 18));
    }

    #[test]
    fn worked_example_b_fractional() {
        let q = collateral_mint(
            r("0.8"),
            amount("120", 6),
            p("1"),
            6,
            Some(p("2")),
            Ratio::ZERO,
        )
        .unwrap();
        assert_eq!(q.xms_in, amount("15", 18));
        assert_eq!(q.usdm_out, amount("150", 18));
    }

    #[test]
    fn worked_example_c_rounds_xms_up() {
        let q = collateral_mint(
            r("0.5"),
            amount("220", 6),
            p("0.9995"),
            6,
            Some(p("3.5")),
            Ratio::ZERO,
        )
        .unwrap();
        // 219.89 / 3.5 = 62.825714285714285714285...: rounded up at 18 decimals.
        assert_eq!(q.xms_in, amount("62.825714285714285715", 18));
        assert_eq!(q.usdm_out, amount("439.78", 18));
    }

    #[test]
    fn worked_example_e_mars_fee() {
        let q = collateral_mint(
            Ratio::ONE,
            amount("1000", 6),
            p("1"),
            6,
            None,
            Ratio::bps(20),
        )
        .unwrap();
        assert_eq!(q.usdm_out, amount("998", 18));
        assert_eq!(q.fee, Usd::dollars(2));
    }

    #[test]
    fn fractional_mint_needs_an_xms_price() {
        let err =
            collateral_mint(r("0.5"), amount("1", 6), p("1"), 6, None, Ratio::ZERO).unwrap_err();
        assert_eq!(err, Error::MissingPrice { symbol: XMS });
    }

    #[test]
    fn zero_ratio_refuses_collateral_and_algorithmic_burns_xms() {
        assert!(matches!(
            collateral_mint(
                Ratio::ZERO,
                amount("1", 6),
                p("1"),
                6,
                Some(p("1")),
                Ratio::ZERO
            ),
            Err(Error::WrongMintInput { .. })
        ));
        let q = algorithmic_mint(amount("10", 18), p("2.5"), Ratio::ZERO).unwrap();
        assert_eq!(q.usdm_out, amount("25", 18));
        assert_eq!(
            algorithmic_mint(Amount::ZERO, p("1"), Ratio::ZERO),
            Err(Error::ZeroAmount { what: "XMS amount" })
        );
    }

    #[test]
    fn dust_that_mints_nothing_is_refused() {
        // 1 base unit of a 0-decimal... here 1 wei of an 18-decimal token at $0.1.
        let err = collateral_mint(Ratio::ONE, Amount::new(1), p("0.1"), 18, None, Ratio::ZERO)
            .unwrap_err();
        assert_eq!(err, Error::OutputTooSmall { what: "USDm" });
    }
}
