//! The treasury: what it holds of each whitelisted asset, what it owes to pending redemptions,
//! its value and composition by tier, and the per-asset share cap of SPEC 2.

use crate::asset::{AssetRegistry, Tier};
use crate::error::{Error, Result};
use crate::fees::FeeTotals;
use crate::ids::Symbol;
use crate::math::Rounding;
use crate::prices::Feed;
use crate::units::{Amount, Price, Ratio, Usd, WAD};
use ethnum::U256;

/// The treasury's position in one asset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holding {
    /// Tokens backing the protocol (counted in treasury value, available to redemptions).
    pub balance: Amount,
    /// Tokens owed to pending redemptions, held until collected (not counted in value).
    pub escrow: Amount,
    /// Lifetime tokens received.
    pub received: Amount,
    /// Lifetime tokens paid out.
    pub paid: Amount,
    /// Fees accrued on operations in this asset.
    pub fees: FeeTotals,
}

impl Holding {
    /// Tokens in custody: what the protocol's account must hold of this asset.
    pub fn custody(&self) -> Option<Amount> {
        self.balance
            .raw()
            .checked_add(self.escrow.raw())
            .map(Amount::new)
    }
}

/// What the treasury holds, asset by asset, in registry order.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Treasury {
    holdings: Vec<Holding>,
    /// Fees on operations that name no asset (algorithmic mints, XMS-only redemptions).
    pub unattributed_fees: FeeTotals,
}

/// Treasury value at spot prices, in total and by tier and asset.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Valuation {
    /// Total value.
    pub total: Usd,
    /// Value per tier, tier 1 first.
    pub by_tier: [Usd; 5],
    /// Value per asset, in registry order.
    pub by_asset: Vec<(Symbol, Usd)>,
}

impl Valuation {
    /// Each tier's share of the total (zero when the treasury is empty).
    pub fn tier_shares(&self) -> [Ratio; 5] {
        let mut out = [Ratio::ZERO; 5];
        if self.total.is_zero() {
            return out;
        }
        for (i, v) in self.by_tier.iter().enumerate() {
            let raw =
                crate::math::mul_div(v.raw(), WAD, self.total.raw(), Rounding::Down).unwrap_or(0);
            out[i] = Ratio::new(raw).unwrap_or(Ratio::ONE);
        }
        out
    }
}

impl Treasury {
    /// The holding of the asset at `index`.
    #[inline]
    pub fn holding(&self, index: usize) -> &Holding {
        &self.holdings[index]
    }

    pub(crate) fn holding_mut(&mut self, index: usize) -> &mut Holding {
        &mut self.holdings[index]
    }

    /// Every holding, in registry order.
    pub fn holdings(&self) -> &[Holding] {
        &self.holdings
    }

    /// Adds an empty holding for a newly whitelisted asset.
    pub(crate) fn push_asset(&mut self) {
        self.holdings.push(Holding::default());
    }

    /// Fee totals over all assets and unattributed operations.
    pub fn fee_totals(&self) -> FeeTotals {
        let mut t = self.unattributed_fees;
        for h in &self.holdings {
            t.mint = Usd::new(t.mint.raw().saturating_add(h.fees.mint.raw()));
            t.redeem = Usd::new(t.redeem.raw().saturating_add(h.fees.redeem.raw()));
        }
        t
    }

    /// Values every non-empty holding at its fresh spot price (rounded down: the treasury is
    /// credited conservatively). Fails closed, naming the feed, if a needed price is missing
    /// or stale.
    pub fn valuation<'a>(
        &self,
        registry: &AssetRegistry,
        feed_of: impl Fn(usize) -> &'a Feed,
        now: u64,
        max_age: u64,
    ) -> Result<Valuation> {
        let mut total = Usd::ZERO;
        let mut by_tier = [Usd::ZERO; 5];
        let mut by_asset = Vec::with_capacity(self.holdings.len());
        for (i, (config, holding)) in registry.iter().zip(&self.holdings).enumerate() {
            let value = if holding.balance.is_zero() {
                Usd::ZERO
            } else {
                let price = feed_of(i).fresh_spot(now, max_age)?;
                price.value_of(holding.balance, config.decimals, Rounding::Down)?
            };
            total = total.checked_add(value, "treasury value")?;
            let tier = &mut by_tier[config.tier.index()];
            *tier = tier.checked_add(value, "tier value")?;
            by_asset.push((config.symbol, value));
        }
        Ok(Valuation {
            total,
            by_tier,
            by_asset,
        })
    }

    /// Total value and the value of the holding at `index`, at fresh spot prices, without
    /// building the per-tier report: the share-cap check's hot path.
    pub fn total_and_held<'a>(
        &self,
        index: usize,
        registry: &AssetRegistry,
        feed_of: impl Fn(usize) -> &'a Feed,
        now: u64,
        max_age: u64,
    ) -> Result<(Usd, Usd)> {
        let mut total = Usd::ZERO;
        let mut held = Usd::ZERO;
        for (i, (config, holding)) in registry.iter().zip(&self.holdings).enumerate() {
            if holding.balance.is_zero() {
                continue;
            }
            let price = feed_of(i).fresh_spot(now, max_age)?;
            let value = price.value_of(holding.balance, config.decimals, Rounding::Down)?;
            total = total.checked_add(value, "treasury value")?;
            if i == index {
                held = value;
            }
        }
        Ok((total, held))
    }
}

/// The share cap of SPEC 2 in exact integers.
///
/// A deposit worth `x` of an asset worth `held` in a treasury worth `total` is accepted iff
/// `(held + x) / (total + x) <= share`, i.e. `(held + x) * WAD <= share * (total + x)`. Both this
/// check and the largest acceptable deposit are computed in 256-bit integers without rounding,
/// so the largest deposit reported is always accepted and one unit more never is.
pub mod share_cap {
    use super::*;

    /// Whether a deposit worth `deposit` keeps the asset within `share`.
    pub fn accepts(held: Usd, total: Usd, deposit: Usd, share: Ratio) -> bool {
        if share.is_one() {
            return true;
        }
        let lhs = (U256::from(held.raw()) + U256::from(deposit.raw())) * U256::from(WAD);
        let rhs = U256::from(share.raw()) * (U256::from(total.raw()) + U256::from(deposit.raw()));
        lhs <= rhs
    }

    /// The largest deposit value accepted now; `None` means unlimited (share of 100%).
    pub fn max_deposit_value(held: Usd, total: Usd, share: Ratio) -> Option<Usd> {
        if share.is_one() {
            return None;
        }
        let room = U256::from(share.raw()) * U256::from(total.raw());
        let used = U256::from(held.raw()) * U256::from(WAD);
        if room <= used {
            return Some(Usd::ZERO);
        }
        let x = (room - used) / U256::from(WAD - share.raw());
        Some(Usd::new(u128::try_from(x).unwrap_or(u128::MAX)))
    }

    /// The largest deposit in base units of a token at `price` with `decimals`: the deposit is
    /// valued rounding up, so the amount is rounded down and is itself accepted.
    pub fn max_deposit_amount(max_value: Usd, price: Price, decimals: u8) -> Amount {
        price
            .amount_for(max_value, decimals, Rounding::Down)
            .unwrap_or(Amount::new(u128::MAX))
    }
}

/// Value by tier in a fixed order, for reports.
pub fn tier_rows(valuation: &Valuation) -> impl Iterator<Item = (Tier, Usd)> + '_ {
    Tier::ALL
        .into_iter()
        .map(|t| (t, valuation.by_tier[t.index()]))
}

/// Refuses to pay out more than the treasury holds of an asset (escrowed tokens excluded).
pub(crate) fn require_available(
    holding: &Holding,
    requested: Amount,
    symbol: Symbol,
    decimals: u8,
) -> Result<()> {
    if requested > holding.balance {
        return Err(Error::InsufficientTreasury {
            requested: Box::new(crate::units::Quantity::new(requested, decimals, symbol)),
            available: Box::new(crate::units::Quantity::new(
                holding.balance,
                decimals,
                symbol,
            )),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::share_cap::*;
    use super::*;

    fn usd(n: u128) -> Usd {
        Usd::dollars(n)
    }

    #[test]
    fn share_cap_formula_matches_the_spec() {
        // Treasury $1,000 with $100 of BTC, BTC max 50%: x <= (0.5*1000 - 100)/(1-0.5) = 800.
        let max = max_deposit_value(usd(100), usd(1_000), Ratio::bps(5_000)).unwrap();
        assert_eq!(max, usd(800));
        assert!(accepts(usd(100), usd(1_000), max, Ratio::bps(5_000)));
        assert!(!accepts(
            usd(100),
            usd(1_000),
            Usd::new(max.raw() + 1),
            Ratio::bps(5_000)
        ));
    }

    #[test]
    fn full_share_is_unlimited_and_over_share_is_zero() {
        assert_eq!(max_deposit_value(usd(5), usd(10), Ratio::ONE), None);
        assert!(accepts(usd(5), usd(10), usd(1_000_000), Ratio::ONE));
        // Already above its share: nothing more.
        assert_eq!(
            max_deposit_value(usd(60), usd(100), Ratio::bps(5_000)),
            Some(Usd::ZERO)
        );
        // Empty treasury: a capped asset cannot be the first deposit.
        assert_eq!(
            max_deposit_value(Usd::ZERO, Usd::ZERO, Ratio::bps(5_000)),
            Some(Usd::ZERO)
        );
        assert!(!accepts(
            Usd::ZERO,
            Usd::ZERO,
            Usd::new(1),
            Ratio::bps(5_000)
        ));
    }

    #[test]
    fn max_amount_is_accepted_when_valued_rounding_up() {
        let price = Price::parse("30000.123456789").unwrap();
        let max_value = max_deposit_value(usd(100), usd(1_000), Ratio::bps(1_500)).unwrap();
        let amount = max_deposit_amount(max_value, price, 8);
        let value_up = price.value_of(amount, 8, Rounding::Up).unwrap();
        assert!(accepts(usd(100), usd(1_000), value_up, Ratio::bps(1_500)));
        let one_more = price
            .value_of(Amount::new(amount.raw() + 1), 8, Rounding::Up)
            .unwrap();
        assert!(!accepts(usd(100), usd(1_000), one_more, Ratio::bps(1_500)));
    }
}
