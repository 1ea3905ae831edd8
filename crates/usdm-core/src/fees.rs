//! Mint and redeem fees: per-tier defaults (SPEC 8), per-asset overrides, and the running
//! totals the treasury reports. Fees are not transferred anywhere: they are the value the
//! treasury keeps because the caller receives less than $1 per USDm.

use crate::asset::{AssetConfig, Tier};
use crate::error::{Error, Result};
use crate::units::{Ratio, Usd};

/// The highest fee governance may set: 10%. Higher is never a fee, always a mistake.
pub const MAX_FEE: Ratio = Ratio::bps(1_000);

/// Refuses fees above [`MAX_FEE`].
pub fn validate_fee(fee: Ratio) -> Result<()> {
    if fee > MAX_FEE {
        return Err(Error::InvalidParameter {
            name: "fee",
            value: fee.to_percent(),
            accepted: "0% to 10%",
        });
    }
    Ok(())
}

/// Default fees by tier.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeSchedule {
    /// Mint fee for tiers 1 to 5.
    pub mint: [Ratio; 5],
    /// Redeem fee for tiers 1 to 5.
    pub redeem: [Ratio; 5],
}

impl Default for FeeSchedule {
    /// SPEC 8: mint 0.20% / 0.30% / 0.30% / 0.40% / 0.45%, redeem 0.30% everywhere.
    fn default() -> Self {
        FeeSchedule {
            mint: [
                Ratio::bps(20),
                Ratio::bps(30),
                Ratio::bps(30),
                Ratio::bps(40),
                Ratio::bps(45),
            ],
            redeem: [Ratio::bps(30); 5],
        }
    }
}

impl FeeSchedule {
    /// The mint fee of an asset: its override, else its tier's default.
    #[inline]
    pub fn mint_fee(&self, asset: &AssetConfig) -> Ratio {
        asset.mint_fee.unwrap_or(self.mint[asset.tier.index()])
    }

    /// The redeem fee of an asset: its override, else its tier's default.
    #[inline]
    pub fn redeem_fee(&self, asset: &AssetConfig) -> Ratio {
        asset.redeem_fee.unwrap_or(self.redeem[asset.tier.index()])
    }

    /// The tier default mint fee.
    pub fn tier_mint_fee(&self, tier: Tier) -> Ratio {
        self.mint[tier.index()]
    }

    /// The tier default redeem fee.
    pub fn tier_redeem_fee(&self, tier: Tier) -> Ratio {
        self.redeem[tier.index()]
    }
}

/// Fee value accrued, in USD at the prices used by each operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeTotals {
    /// Fees kept on mints.
    pub mint: Usd,
    /// Fees kept on redemptions.
    pub redeem: Usd,
}

impl FeeTotals {
    /// Both kinds together.
    pub fn total(&self) -> Usd {
        Usd::new(self.mint.raw().saturating_add(self.redeem.raw()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Symbol;

    #[test]
    fn defaults_match_the_spec_and_overrides_win() {
        let s = FeeSchedule::default();
        let mut btc = AssetConfig::new(Symbol::lit("BTC"), 8, Tier::DigitalGold);
        assert_eq!(s.mint_fee(&btc).to_percent(), "0.3%");
        assert_eq!(s.redeem_fee(&btc).to_percent(), "0.3%");
        btc.mint_fee = Some(Ratio::bps(5));
        assert_eq!(s.mint_fee(&btc), Ratio::bps(5));
        assert_eq!(s.tier_mint_fee(Tier::ProtocolToken), Ratio::bps(45));
    }

    #[test]
    fn fees_above_ten_percent_are_refused() {
        assert!(validate_fee(Ratio::bps(1_000)).is_ok());
        assert!(validate_fee(Ratio::bps(1_001)).is_err());
    }
}
