//! Whitelisted assets: their tier, decimals, price source and per-asset overrides.
//!
//! The five tiers group assets by volatility (SPEC 2); a higher tier gets a lower maximum
//! share of treasury value and a higher mint fee by default, and any asset may override both.

use crate::error::{Error, Result};
use crate::ids::{Symbol, USDM, XMS};
use crate::units::{Ratio, MAX_TOKEN_DECIMALS};
use std::fmt;

/// A volatility tier, 1 (stablecoins) to 5 (the protocol's own token).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u8", into = "u8")]
pub enum Tier {
    /// Stablecoins (USDC, USDT, BUSD, DAI).
    Stablecoin = 1,
    /// Digital gold (BTC).
    DigitalGold = 2,
    /// Layer-1 leaders (ETH, BNB).
    Layer1 = 3,
    /// DeFi blue chips (UNI, AAVE).
    DefiBlueChip = 4,
    /// The protocol's own token (XMS).
    ProtocolToken = 5,
}

impl Tier {
    /// All tiers, lowest volatility first.
    pub const ALL: [Tier; 5] = [
        Tier::Stablecoin,
        Tier::DigitalGold,
        Tier::Layer1,
        Tier::DefiBlueChip,
        Tier::ProtocolToken,
    ];

    /// The tier numbered 1 to 5.
    pub fn new(n: u8) -> Result<Self> {
        Tier::ALL
            .get(usize::from(n).wrapping_sub(1))
            .copied()
            .ok_or_else(|| Error::InvalidParameter {
                name: "tier",
                value: n.to_string(),
                accepted: "1 to 5",
            })
    }

    /// The tier's number, 1 to 5.
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// Zero-based position, for per-tier tables.
    pub const fn index(self) -> usize {
        self as usize - 1
    }

    /// Human name of the tier.
    pub const fn name(self) -> &'static str {
        match self {
            Tier::Stablecoin => "stablecoins",
            Tier::DigitalGold => "digital gold",
            Tier::Layer1 => "layer-1 leaders",
            Tier::DefiBlueChip => "DeFi blue chips",
            Tier::ProtocolToken => "protocol token",
        }
    }
}

impl TryFrom<u8> for Tier {
    type Error = Error;
    fn try_from(n: u8) -> Result<Self> {
        Tier::new(n)
    }
}

impl From<Tier> for u8 {
    fn from(t: Tier) -> u8 {
        t.number()
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tier {}", self.number())
    }
}

/// Where an asset's price comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// Authorised feeders push prices with observation timestamps.
    Feed,
    /// The token's price in a Mars Swap pool, in units of the pool's other token, times that
    /// token's own price (spot from reserves, TWAP from the pool's cumulative price).
    Pool {
        /// The pool.
        pool: u32,
    },
}

/// A whitelisted asset's configuration. `None` overrides fall back to the tier defaults.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssetConfig {
    /// Internal id.
    pub symbol: Symbol,
    /// Decimals of the token's base unit.
    pub decimals: u8,
    /// Volatility tier.
    pub tier: Tier,
    /// Price source.
    pub price_source: PriceSource,
    /// Override of the tier's maximum share of treasury value.
    pub max_share: Option<Ratio>,
    /// Override of the tier's mint fee.
    pub mint_fee: Option<Ratio>,
    /// Override of the tier's redeem fee.
    pub redeem_fee: Option<Ratio>,
    /// Whether the asset may be deposited to mint.
    pub mint_enabled: bool,
    /// Whether the asset may be paid out by redemptions.
    pub redeem_enabled: bool,
}

impl AssetConfig {
    /// An asset priced by feed with tier defaults, enabled for mint and redeem.
    pub fn new(symbol: Symbol, decimals: u8, tier: Tier) -> Self {
        AssetConfig {
            symbol,
            decimals,
            tier,
            price_source: PriceSource::Feed,
            max_share: None,
            mint_fee: None,
            redeem_fee: None,
            mint_enabled: true,
            redeem_enabled: true,
        }
    }

    /// Checks what the type system cannot: decimals in range, fees within bounds, and that
    /// USDm is not listed as its own collateral.
    pub fn validate(&self) -> Result<()> {
        if self.symbol == USDM {
            return Err(Error::UsdmAsCollateral);
        }
        if self.decimals > MAX_TOKEN_DECIMALS {
            return Err(Error::InvalidParameter {
                name: "decimals",
                value: self.decimals.to_string(),
                accepted: "0 to 30",
            });
        }
        if self.symbol == XMS && self.decimals != 18 {
            return Err(Error::InvalidParameter {
                name: "XMS decimals",
                value: self.decimals.to_string(),
                accepted: "18 (XMS is the protocol's 18-decimal share token)",
            });
        }
        for fee in [self.mint_fee, self.redeem_fee].into_iter().flatten() {
            crate::fees::validate_fee(fee)?;
        }
        Ok(())
    }
}

/// Changes to an asset's configuration; `None` leaves a field as it is, `Some(None)` clears an
/// override back to the tier default.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssetUpdate {
    /// New maximum-share override.
    pub max_share: Option<Option<Ratio>>,
    /// New mint-fee override.
    pub mint_fee: Option<Option<Ratio>>,
    /// New redeem-fee override.
    pub redeem_fee: Option<Option<Ratio>>,
    /// New mint flag.
    pub mint_enabled: Option<bool>,
    /// New redeem flag.
    pub redeem_enabled: Option<bool>,
}

impl AssetUpdate {
    /// The configuration with this update applied, validated; `config` is not touched.
    pub fn applied_to(&self, config: &AssetConfig) -> Result<AssetConfig> {
        let mut next = config.clone();
        if let Some(v) = self.max_share {
            next.max_share = v;
        }
        if let Some(v) = self.mint_fee {
            next.mint_fee = v;
        }
        if let Some(v) = self.redeem_fee {
            next.redeem_fee = v;
        }
        if let Some(v) = self.mint_enabled {
            next.mint_enabled = v;
        }
        if let Some(v) = self.redeem_enabled {
            next.redeem_enabled = v;
        }
        next.validate()?;
        Ok(next)
    }
}

/// Position of an asset in the registry (and of its holding in the treasury).
pub type AssetIndex = usize;

impl<S: crate::state::PartSource> crate::protocol::Protocol<S> {
    /// Number of whitelisted assets.
    #[inline]
    pub fn asset_count(&self) -> usize {
        self.config.assets.len()
    }

    /// The position of `symbol`, if whitelisted.
    #[inline]
    pub fn find_asset(&self, symbol: Symbol) -> Option<AssetIndex> {
        self.config.assets.iter().position(|a| *a == symbol)
    }

    /// The configuration of the asset at `index`.
    #[inline]
    pub fn asset(&self, index: AssetIndex) -> Result<&AssetConfig> {
        use crate::state::{Part, PartKey};
        let fetch = || {
            self.fetch(PartKey::Asset(index as u16), |p| match p {
                Part::Asset(a) => Some(a),
                _ => None,
            })
        };
        self.assets
            .get_or_fetch(index, fetch)
            .unwrap_or_else(|| Err(Error::NotLoaded(PartKey::Asset(index as u16))))
    }

    /// The position and configuration of `symbol`, or an error listing what is whitelisted.
    pub fn require_asset(&self, symbol: Symbol) -> Result<(AssetIndex, &AssetConfig)> {
        match self.find_asset(symbol) {
            Some(i) => Ok((i, self.asset(i)?)),
            None => Err(Error::UnknownAsset {
                symbol,
                known: self.asset_symbols_list(),
            }),
        }
    }

    /// Every whitelisted asset's configuration, in order.
    pub fn asset_configs(&self) -> Result<Vec<&AssetConfig>> {
        (0..self.asset_count()).map(|i| self.asset(i)).collect()
    }

    /// Whitelisted symbols, comma-separated, for error messages.
    pub fn asset_symbols_list(&self) -> String {
        let v: Vec<&str> = self.config.assets.iter().map(|a| a.as_str()).collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    }

    /// Checks a new asset can be added (valid, not yet listed, room left) without adding it.
    pub(crate) fn check_new_asset(&self, config: &AssetConfig) -> Result<()> {
        config.validate()?;
        if self.find_asset(config.symbol).is_some() {
            return Err(Error::AssetAlreadyListed {
                symbol: config.symbol,
            });
        }
        if self.asset_count() >= crate::state::MAX_ASSETS {
            return Err(Error::TooMany {
                what: "whitelisted assets",
                max: crate::state::MAX_ASSETS,
            });
        }
        Ok(())
    }

    /// Replaces the configuration at `index` (already validated).
    pub(crate) fn replace_asset(&mut self, index: AssetIndex, config: AssetConfig) -> Result<()> {
        self.asset(index)?;
        let slot = self
            .assets
            .get_mut(index)
            .ok_or_else(|| Error::NotLoaded(crate::state::PartKey::Asset(index as u16)))?;
        *slot = config;
        Ok(())
    }
}

/// The SPEC's example assets with the decimals they have on their home chains: the table the
/// CLI quotes against and the demo deploys.
pub fn example_assets() -> Vec<AssetConfig> {
    let a = |s: &str, d: u8, t: Tier| AssetConfig::new(Symbol::lit(s), d, t);
    vec![
        a("USDC", 6, Tier::Stablecoin),
        a("USDT", 6, Tier::Stablecoin),
        a("BUSD", 18, Tier::Stablecoin),
        a("DAI", 18, Tier::Stablecoin),
        a("BTC", 8, Tier::DigitalGold),
        a("ETH", 18, Tier::Layer1),
        a("BNB", 18, Tier::Layer1),
        a("UNI", 18, Tier::DefiBlueChip),
        a("AAVE", 18, Tier::DefiBlueChip),
        a("XMS", 18, Tier::ProtocolToken),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_number_one_to_five() {
        assert_eq!(Tier::new(1).unwrap(), Tier::Stablecoin);
        assert_eq!(Tier::new(5).unwrap().index(), 4);
        assert!(Tier::new(0).is_err());
        assert!(Tier::new(6).is_err());
        assert_eq!(serde_json::to_string(&Tier::Layer1).unwrap(), "3");
        assert!(serde_json::from_str::<Tier>("9").is_err());
    }

    fn protocol() -> crate::protocol::Protocol {
        let g = crate::protocol::Genesis::new(
            crate::params::Preset::Mars,
            crate::ids::Account::new("gov"),
            crate::time::BlockTime::new(1, 0),
        );
        crate::protocol::Protocol::genesis(g).unwrap().value
    }

    #[test]
    fn the_whitelist_refuses_duplicates_usdm_and_more_than_it_can_hold() {
        let mut p = protocol();
        let usdc = AssetConfig::new(Symbol::lit("USDC"), 6, Tier::Stablecoin);
        p.check_new_asset(&usdc).unwrap();
        p.add_asset(usdc.clone());
        assert_eq!(
            p.check_new_asset(&usdc),
            Err(Error::AssetAlreadyListed {
                symbol: usdc.symbol
            })
        );
        let usdm = AssetConfig::new(USDM, 18, Tier::Stablecoin);
        assert_eq!(p.check_new_asset(&usdm), Err(Error::UsdmAsCollateral));
        let bad = AssetConfig::new(Symbol::lit("X"), 40, Tier::Layer1);
        assert!(matches!(
            p.check_new_asset(&bad),
            Err(Error::InvalidParameter {
                name: "decimals",
                ..
            })
        ));
        let err = p.require_asset(Symbol::lit("DOGE")).unwrap_err();
        assert!(err.to_string().contains("whitelisted: USDC"), "{err}");
        for i in 1..crate::state::MAX_ASSETS {
            let a = AssetConfig::new(Symbol::new(&format!("A{i}")).unwrap(), 6, Tier::Stablecoin);
            p.check_new_asset(&a).unwrap();
            p.add_asset(a);
        }
        let one_more = AssetConfig::new(Symbol::lit("LAST"), 6, Tier::Stablecoin);
        assert_eq!(
            p.check_new_asset(&one_more),
            Err(Error::TooMany {
                what: "whitelisted assets",
                max: crate::state::MAX_ASSETS
            })
        );
    }

    #[test]
    fn example_table_covers_all_five_tiers() {
        let assets = example_assets();
        for tier in Tier::ALL {
            assert!(assets.iter().any(|a| a.tier == tier), "{tier} missing");
        }
        let usdc = assets.iter().find(|a| a.symbol.as_str() == "USDC").unwrap();
        assert_eq!(usdc.decimals, 6);
        let btc = assets.iter().find(|a| a.symbol.as_str() == "BTC").unwrap();
        assert_eq!(btc.decimals, 8);
        for a in &assets {
            a.validate().unwrap();
        }
    }
}
