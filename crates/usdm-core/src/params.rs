//! Protocol parameters, their bounds, the changes governance may make, and the named presets.
//!
//! Every parameter has an accepted range; a change outside it is refused with the range in the
//! error, so a governance typo cannot brick minting or hand out the treasury.

use crate::asset::{AssetConfig, Tier};
use crate::error::{Error, Result};
use crate::fees::{validate_fee, FeeSchedule};
use crate::units::{Ratio, SupportRatio};
use std::fmt;
use std::str::FromStr;

/// Parameters of the Frax collateral-ratio controller (SPEC 7).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FraxParams {
    /// How far one refresh moves the ratio (default 0.25%).
    pub cr_step: Ratio,
    /// Dead band around $1 inside which a refresh leaves the ratio alone (default 0.5%).
    pub price_band: Ratio,
    /// Seconds between refreshes (default 3600).
    pub refresh_cooldown: u64,
    /// Lowest ratio the controller may reach (default 0: fully algorithmic allowed, as in Frax v1).
    pub min_cr: Ratio,
    /// Extra XMS value paid to recollateralizers (default 0.75%).
    pub bonus_rate: Ratio,
}

impl Default for FraxParams {
    fn default() -> Self {
        FraxParams {
            cr_step: Ratio::bps(25),
            price_band: Ratio::bps(50),
            refresh_cooldown: 3_600,
            min_cr: Ratio::ZERO,
            bonus_rate: Ratio::bps(75),
        }
    }
}

/// How the share token (XMS) that a redemption mints is priced.
///
/// `ProtocolFavouring` (the default everywhere, SPEC 3) values it at max(spot, TWAP), so a
/// redeemer never receives more XMS than the higher of the two prices allows. `Twap` values it
/// at the TWAP alone, as Iron Finance did in June 2021: while the share token rises, spot is
/// above the lagging TWAP and every redemption mints XMS worth more than it pays for. It is
/// **unsafe**, kept only to study that failure: the hub refuses it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum SharePricing {
    /// max(spot, TWAP).
    #[default]
    ProtocolFavouring,
    /// The TWAP alone (unsafe).
    Twap,
}

impl SharePricing {
    /// Every option, default first.
    pub const ALL: [SharePricing; 2] = [SharePricing::ProtocolFavouring, SharePricing::Twap];

    /// The name in files and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            SharePricing::ProtocolFavouring => "protocol-favouring",
            SharePricing::Twap => "twap",
        }
    }

    /// The price of XMS paid out under this rule.
    #[inline]
    pub fn price(self, quote: crate::prices::PriceQuote) -> crate::units::Price {
        match self {
            SharePricing::ProtocolFavouring => quote.payout(),
            SharePricing::Twap => quote.twap,
        }
    }
}

impl fmt::Display for SharePricing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SharePricing {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        SharePricing::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::InvalidParameter {
                name: "redemption_share_pricing",
                value: s.to_string(),
                accepted: "protocol-favouring, twap",
            })
    }
}

/// All tunable protocol parameters.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// Length of a mintage-control epoch in seconds (default 180: "every 3 minutes").
    pub epoch_seconds: u64,
    /// Average XMS market cap divided by this gives the USDm supply cap (default 250%).
    pub xms_support_ratio: SupportRatio,
    /// A price observed longer ago than this (seconds) is stale (default 300).
    pub max_price_age: u64,
    /// Window of the time-weighted average price used for protocol-favouring valuation, in
    /// seconds (default 600). Zero values everything at spot.
    pub twap_window: u64,
    /// Blocks between `redeem` and `collect` (default 2).
    pub redemption_delay: u64,
    /// The least USDm one redemption may burn (default 1 USDm): every pending redemption is
    /// stored until collected, so dust must not fill the queue for nothing.
    #[serde(default = "default_min_redemption")]
    pub min_redemption: crate::units::Amount,
    /// Maximum share of treasury value per tier (default 100/50/30/15/10%).
    pub max_share: [Ratio; 5],
    /// Default fees per tier.
    pub fees: FeeSchedule,
    /// Frax controller parameters (used only under the Frax policy).
    pub frax: FraxParams,
    /// Circuit breakers on redemptions (off unless set).
    pub breakers: crate::breakers::BreakerParams,
    /// How fast and how short a support-ratio ramp may be (absent from state stored before
    /// ramps existed: the defaults).
    #[serde(default)]
    pub support_ramp: crate::ramp::RampLimits,
    /// How the XMS a redemption mints is priced (default protocol-favouring; `twap` is unsafe).
    #[serde(default)]
    pub redemption_share_pricing: SharePricing,
}

/// The default minimum redemption: 1 USDm.
pub const DEFAULT_MIN_REDEMPTION: crate::units::Amount =
    crate::units::Amount::new(1_000_000_000_000_000_000);
/// The largest minimum redemption governance may set: 10,000 USDm.
pub const MAX_MIN_REDEMPTION: u128 = 10_000 * 1_000_000_000_000_000_000;

fn default_min_redemption() -> crate::units::Amount {
    DEFAULT_MIN_REDEMPTION
}

impl Default for Params {
    fn default() -> Self {
        Params {
            epoch_seconds: 180,
            xms_support_ratio: SupportRatio::bps(25_000),
            max_price_age: 300,
            twap_window: 600,
            redemption_delay: 2,
            min_redemption: DEFAULT_MIN_REDEMPTION,
            max_share: [
                Ratio::ONE,
                Ratio::bps(5_000),
                Ratio::bps(3_000),
                Ratio::bps(1_500),
                Ratio::bps(1_000),
            ],
            fees: FeeSchedule::default(),
            frax: FraxParams::default(),
            breakers: crate::breakers::BreakerParams::default(),
            support_ramp: crate::ramp::RampLimits::default(),
            redemption_share_pricing: SharePricing::ProtocolFavouring,
        }
    }
}

/// One parameter change, carrying its new value. Returned with the previous value in events.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamChange {
    /// Epoch length in seconds (from the next epoch on; the running epoch keeps its length).
    EpochSeconds(u64),
    /// XMS support ratio.
    XmsSupportRatio(SupportRatio),
    /// Maximum price age in seconds.
    MaxPriceAge(u64),
    /// TWAP window in seconds.
    TwapWindow(u64),
    /// Redemption delay in blocks.
    RedemptionDelay(u64),
    /// The least USDm one redemption may burn, in base units.
    MinRedemption(crate::units::Amount),
    /// A tier's maximum share of treasury value.
    TierMaxShare {
        /// Tier.
        tier: Tier,
        /// New maximum share.
        share: Ratio,
    },
    /// A tier's default mint fee.
    TierMintFee {
        /// Tier.
        tier: Tier,
        /// New fee.
        fee: Ratio,
    },
    /// A tier's default redeem fee.
    TierRedeemFee {
        /// Tier.
        tier: Tier,
        /// New fee.
        fee: Ratio,
    },
    /// Frax controller step.
    CrStep(Ratio),
    /// Frax controller dead band.
    PriceBand(Ratio),
    /// Frax controller cooldown in seconds.
    RefreshCooldown(u64),
    /// Frax controller floor.
    MinCr(Ratio),
    /// Frax recollateralization bonus.
    BonusRate(Ratio),
    /// Redemption outflow breaker: share of circulating USDm per epoch (`None` turns it off).
    BreakerRedemptionOutflow(Option<Ratio>),
    /// XMS-minted breaker: share of XMS supply per epoch (`None` turns it off).
    BreakerXmsMinted(Option<Ratio>),
    /// The most a support-ratio ramp may move a day, as a share of its starting ratio.
    RampMaxDailyChange(Ratio),
    /// The shortest support-ratio ramp, in seconds.
    RampMinSeconds(u64),
    /// How the XMS a redemption mints is priced (`twap` is unsafe; the hub refuses it).
    RedemptionSharePricing(SharePricing),
}

impl fmt::Display for ParamChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamChange::EpochSeconds(v) => write!(f, "epoch_seconds = {v}"),
            ParamChange::XmsSupportRatio(v) => write!(f, "xms_support_ratio = {v}"),
            ParamChange::MaxPriceAge(v) => write!(f, "max_price_age = {v}s"),
            ParamChange::TwapWindow(v) => write!(f, "twap_window = {v}s"),
            ParamChange::RedemptionDelay(v) => write!(f, "redemption_delay = {v} blocks"),
            ParamChange::MinRedemption(v) => {
                write!(f, "min_redemption = {} USDm", v.to_decimal(18))
            }
            ParamChange::TierMaxShare { tier, share } => write!(f, "{tier} max_share = {share}"),
            ParamChange::TierMintFee { tier, fee } => write!(f, "{tier} mint_fee = {fee}"),
            ParamChange::TierRedeemFee { tier, fee } => write!(f, "{tier} redeem_fee = {fee}"),
            ParamChange::CrStep(v) => write!(f, "cr_step = {v}"),
            ParamChange::PriceBand(v) => write!(f, "price_band = {v}"),
            ParamChange::RefreshCooldown(v) => write!(f, "refresh_cooldown = {v}s"),
            ParamChange::MinCr(v) => write!(f, "min_cr = {v}"),
            ParamChange::BonusRate(v) => write!(f, "bonus_rate = {v}"),
            ParamChange::BreakerRedemptionOutflow(v) => match v {
                Some(r) => write!(f, "redemption outflow breaker = {r} per epoch"),
                None => write!(f, "redemption outflow breaker off"),
            },
            ParamChange::BreakerXmsMinted(v) => match v {
                Some(r) => write!(f, "XMS minted breaker = {r} per epoch"),
                None => write!(f, "XMS minted breaker off"),
            },
            ParamChange::RampMaxDailyChange(v) => write!(f, "ramp_max_daily_change = {v}"),
            ParamChange::RampMinSeconds(v) => write!(f, "ramp_min_seconds = {v}s"),
            ParamChange::RedemptionSharePricing(v) => write!(f, "redemption_share_pricing = {v}"),
        }
    }
}

fn in_range(name: &'static str, v: u64, lo: u64, hi: u64, accepted: &'static str) -> Result<()> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: v.to_string(),
            accepted,
        })
    }
}

fn ratio_at_most(name: &'static str, v: Ratio, hi: Ratio, accepted: &'static str) -> Result<()> {
    if v <= hi {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: v.to_percent(),
            accepted,
        })
    }
}

impl Params {
    /// Checks every parameter against its bounds.
    pub fn validate(&self) -> Result<()> {
        in_range(
            "epoch_seconds",
            self.epoch_seconds,
            10,
            86_400,
            "10 to 86,400 seconds",
        )?;
        in_range(
            "max_price_age",
            self.max_price_age,
            1,
            86_400,
            "1 to 86,400 seconds",
        )?;
        in_range(
            "twap_window",
            self.twap_window,
            0,
            86_400,
            "0 to 86,400 seconds",
        )?;
        in_range(
            "redemption_delay",
            self.redemption_delay,
            1,
            100_000,
            "1 to 100,000 blocks",
        )?;
        let min = self.min_redemption.raw();
        if min == 0 || min > MAX_MIN_REDEMPTION {
            return Err(Error::InvalidParameter {
                name: "min_redemption",
                value: format!("{} USDm", self.min_redemption.to_decimal(18)),
                accepted: "above 0 and at most 10,000 USDm",
            });
        }
        for fee in self.fees.mint.iter().chain(self.fees.redeem.iter()) {
            validate_fee(*fee)?;
        }
        let f = &self.frax;
        if f.cr_step.is_zero() {
            return Err(Error::InvalidParameter {
                name: "cr_step",
                value: "0%".into(),
                accepted: "above 0% and at most 10%",
            });
        }
        ratio_at_most(
            "cr_step",
            f.cr_step,
            Ratio::bps(1_000),
            "above 0% and at most 10%",
        )?;
        ratio_at_most("price_band", f.price_band, Ratio::bps(1_000), "0% to 10%")?;
        in_range(
            "refresh_cooldown",
            f.refresh_cooldown,
            60,
            604_800,
            "60 to 604,800 seconds",
        )?;
        ratio_at_most("bonus_rate", f.bonus_rate, Ratio::bps(1_000), "0% to 10%")?;
        for (name, limit) in [
            (
                "redemption outflow breaker",
                self.breakers.redemption_outflow,
            ),
            ("XMS minted breaker", self.breakers.xms_minted),
        ] {
            if limit.is_some_and(|r| r.is_zero()) {
                return Err(Error::InvalidParameter {
                    name,
                    value: "0%".into(),
                    accepted: "above 0% per epoch, or off",
                });
            }
        }
        self.support_ramp.validate()
    }

    /// These parameters with `change` applied and validated, plus the change that would undo
    /// it (the previous value); `self` is not touched.
    pub fn with_change(&self, change: &ParamChange) -> Result<(Params, ParamChange)> {
        let mut next = self.clone();
        let previous = match *change {
            ParamChange::EpochSeconds(v) => {
                ParamChange::EpochSeconds(std::mem::replace(&mut next.epoch_seconds, v))
            }
            ParamChange::XmsSupportRatio(v) => {
                ParamChange::XmsSupportRatio(std::mem::replace(&mut next.xms_support_ratio, v))
            }
            ParamChange::MaxPriceAge(v) => {
                ParamChange::MaxPriceAge(std::mem::replace(&mut next.max_price_age, v))
            }
            ParamChange::TwapWindow(v) => {
                ParamChange::TwapWindow(std::mem::replace(&mut next.twap_window, v))
            }
            ParamChange::RedemptionDelay(v) => {
                ParamChange::RedemptionDelay(std::mem::replace(&mut next.redemption_delay, v))
            }
            ParamChange::MinRedemption(v) => {
                ParamChange::MinRedemption(std::mem::replace(&mut next.min_redemption, v))
            }
            ParamChange::TierMaxShare { tier, share } => ParamChange::TierMaxShare {
                tier,
                share: std::mem::replace(&mut next.max_share[tier.index()], share),
            },
            ParamChange::TierMintFee { tier, fee } => ParamChange::TierMintFee {
                tier,
                fee: std::mem::replace(&mut next.fees.mint[tier.index()], fee),
            },
            ParamChange::TierRedeemFee { tier, fee } => ParamChange::TierRedeemFee {
                tier,
                fee: std::mem::replace(&mut next.fees.redeem[tier.index()], fee),
            },
            ParamChange::CrStep(v) => {
                ParamChange::CrStep(std::mem::replace(&mut next.frax.cr_step, v))
            }
            ParamChange::PriceBand(v) => {
                ParamChange::PriceBand(std::mem::replace(&mut next.frax.price_band, v))
            }
            ParamChange::RefreshCooldown(v) => {
                ParamChange::RefreshCooldown(std::mem::replace(&mut next.frax.refresh_cooldown, v))
            }
            ParamChange::MinCr(v) => {
                ParamChange::MinCr(std::mem::replace(&mut next.frax.min_cr, v))
            }
            ParamChange::BonusRate(v) => {
                ParamChange::BonusRate(std::mem::replace(&mut next.frax.bonus_rate, v))
            }
            ParamChange::BreakerRedemptionOutflow(v) => ParamChange::BreakerRedemptionOutflow(
                std::mem::replace(&mut next.breakers.redemption_outflow, v),
            ),
            ParamChange::BreakerXmsMinted(v) => {
                ParamChange::BreakerXmsMinted(std::mem::replace(&mut next.breakers.xms_minted, v))
            }
            ParamChange::RampMaxDailyChange(v) => ParamChange::RampMaxDailyChange(
                std::mem::replace(&mut next.support_ramp.max_daily_change, v),
            ),
            ParamChange::RampMinSeconds(v) => ParamChange::RampMinSeconds(std::mem::replace(
                &mut next.support_ramp.min_seconds,
                v,
            )),
            ParamChange::RedemptionSharePricing(v) => ParamChange::RedemptionSharePricing(
                std::mem::replace(&mut next.redemption_share_pricing, v),
            ),
        };
        next.validate()?;
        Ok((next, previous))
    }

    /// An asset's maximum share of treasury value: its override, else its tier's default.
    #[inline]
    pub fn max_share(&self, asset: &AssetConfig) -> Ratio {
        asset
            .max_share
            .unwrap_or(self.max_share[asset.tier.index()])
    }
}

/// Which collateral-ratio policy a deployment runs (SPEC 7). Fixed at genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Mint at ratio 1 with any whitelisted asset, redeem at ratio 0 into XMS.
    Mars,
    /// One global ratio for mint and redeem, moved by the refresh controller.
    Frax,
}

/// Named deployments: a policy plus parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// The faithful Mars design (default).
    Mars,
    /// Mars with circuit breakers on redemption outflow and XMS minted per epoch.
    MarsGuarded,
    /// Frax-style fractional minting with the refresh controller.
    Frax,
    /// Iron Finance as of June 2021, to study its failure: the Frax policy minting at its 70%
    /// target ratio and redeeming at its 75% effective ratio (the controller paused),
    /// redemption's XMS priced by the TWAP alone, no breakers.
    /// Unsafe by design; the hub refuses it.
    Iron,
}

impl Preset {
    /// Every preset, default first.
    pub const ALL: [Preset; 4] = [
        Preset::Mars,
        Preset::MarsGuarded,
        Preset::Frax,
        Preset::Iron,
    ];

    /// The preset's name on the command line and in files.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::Mars => "mars",
            Preset::MarsGuarded => "mars-guarded",
            Preset::Frax => "frax",
            Preset::Iron => "iron",
        }
    }

    /// The preset's ratio policy.
    pub const fn policy(self) -> PolicyKind {
        match self {
            Preset::Mars | Preset::MarsGuarded => PolicyKind::Mars,
            Preset::Frax | Preset::Iron => PolicyKind::Frax,
        }
    }

    /// The preset's parameters.
    pub fn params(self) -> Params {
        match self {
            Preset::MarsGuarded => Params {
                breakers: crate::breakers::BreakerParams::guarded(),
                ..Params::default()
            },
            Preset::Iron => Params {
                redemption_share_pricing: SharePricing::Twap,
                ..Params::default()
            },
            Preset::Mars | Preset::Frax => Params::default(),
        }
    }

    /// The collateral ratio the preset holds fixed, if any: governance sets it and pauses the
    /// controller once the deployment has its starting supply (`iron`: its 70% target).
    pub fn fixed_collateral_ratio(self) -> Option<Ratio> {
        match self {
            Preset::Iron => Some(Ratio::bps(7_000)),
            _ => None,
        }
    }

    /// The ratio the preset holds redemption at, apart from minting's, if any (`iron`: the
    /// 75% effective ratio its record shows redemptions paid).
    pub fn fixed_redemption_ratio(self) -> Option<Ratio> {
        match self {
            Preset::Iron => Some(Ratio::bps(7_500)),
            _ => None,
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::InvalidParameter {
                name: "preset",
                value: s.to_string(),
                accepted: "mars, mars-guarded, frax, iron",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_spec() {
        let p = Params::default();
        p.validate().unwrap();
        assert_eq!(p.epoch_seconds, 180);
        assert_eq!(p.xms_support_ratio.to_string(), "250%");
        assert_eq!(p.redemption_delay, 2);
        assert_eq!(p.max_share[1].to_percent(), "50%");
        assert_eq!(p.frax.cr_step.to_percent(), "0.25%");
        assert_eq!(p.frax.price_band.to_percent(), "0.5%");
        assert_eq!(p.frax.refresh_cooldown, 3_600);
    }

    #[test]
    fn changes_return_the_previous_value_and_leave_self_alone() {
        let p = Params::default();
        let (next, prev) = p.with_change(&ParamChange::EpochSeconds(60)).unwrap();
        assert_eq!(next.epoch_seconds, 60);
        assert_eq!(prev, ParamChange::EpochSeconds(180));
        assert_eq!(p.epoch_seconds, 180);
        let (next, prev) = p
            .with_change(&ParamChange::TierMaxShare {
                tier: Tier::DigitalGold,
                share: Ratio::bps(4_000),
            })
            .unwrap();
        assert_eq!(next.max_share[1], Ratio::bps(4_000));
        assert_eq!(
            prev,
            ParamChange::TierMaxShare {
                tier: Tier::DigitalGold,
                share: Ratio::bps(5_000)
            }
        );
    }

    #[test]
    fn out_of_range_changes_are_refused() {
        let p = Params::default();
        for bad in [
            ParamChange::EpochSeconds(0),
            ParamChange::EpochSeconds(100_000),
            ParamChange::MaxPriceAge(0),
            ParamChange::RedemptionDelay(0),
            ParamChange::MinRedemption(crate::units::Amount::ZERO),
            ParamChange::MinRedemption(crate::units::Amount::new(MAX_MIN_REDEMPTION + 1)),
            ParamChange::TierMintFee {
                tier: Tier::Layer1,
                fee: Ratio::bps(2_000),
            },
            ParamChange::CrStep(Ratio::ZERO),
            ParamChange::CrStep(Ratio::bps(1_001)),
            ParamChange::PriceBand(Ratio::bps(5_000)),
            ParamChange::RefreshCooldown(1),
        ] {
            let err = p.with_change(&bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidParameter { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn presets_parse_by_name() {
        assert_eq!("mars".parse::<Preset>().unwrap(), Preset::Mars);
        assert_eq!("frax".parse::<Preset>().unwrap().policy(), PolicyKind::Frax);
        assert!("terra".parse::<Preset>().is_err());
    }
}
