//! Conversions between the interface's chain types and the core's typed units and actions.

use crate::error::ContractError;
use cosmwasm_std::{Decimal, Uint128};
use usdm_core::asset::{AssetConfig, Tier};
use usdm_core::governance::PauseTarget;
use usdm_core::ids::Symbol;
use usdm_core::params::ParamChange;
use usdm_core::params::SharePricing;
use usdm_core::units::{Amount, Price, Ratio, SupportRatio, Usd};
use usdm_interface::governance::AssetMsg;
use usdm_interface::governance::{Override, ParamMsg, PauseMsg, SharePricingMsg};

/// Redemption's XMS priced by the TWAP alone: in the core to study Iron Finance, never on chain.
pub fn twap_refused() -> ContractError {
    ContractError::UnsafeSetting {
        what: "redemption share pricing by TWAP alone",
        why: "while XMS rises its spot price is above the lagging TWAP and each redemption mints more XMS than it pays for (Iron Finance, June 2021)",
        accepted: "protocol_favouring, max(spot, TWAP)",
    }
}

/// Base units.
pub fn amount(u: Uint128) -> Amount {
    Amount::new(u.u128())
}

/// Base units for the chain.
pub fn uint(a: Amount) -> Uint128 {
    Uint128::new(a.raw())
}

/// A USD value as a `Decimal` (both 18 decimals).
pub fn usd(v: Usd) -> Decimal {
    Decimal::raw(v.raw())
}

/// A USD value as USDm base units.
pub fn usdm(v: Usd) -> Uint128 {
    Uint128::new(v.raw())
}

/// A price from a `Decimal` (zero refused).
pub fn price(d: Decimal) -> Result<Price, ContractError> {
    Ok(Price::new(d.atomics().u128())?)
}

/// A ratio in [0, 1] from a `Decimal`.
pub fn ratio(d: Decimal) -> Result<Ratio, ContractError> {
    Ok(Ratio::new(d.atomics().u128())?)
}

/// A support ratio from its multiple (2.5 = 250%).
pub fn support_ratio(d: Decimal) -> Result<SupportRatio, ContractError> {
    Ok(SupportRatio::new(d.atomics().u128())?)
}

/// A ratio as a `Decimal`.
pub fn decimal(r: Ratio) -> Decimal {
    Decimal::raw(r.raw())
}

/// A validated symbol.
pub fn symbol(s: &str) -> Result<Symbol, ContractError> {
    Ok(Symbol::new(s)?)
}

/// A tier from its number.
pub fn tier(n: u8) -> Result<Tier, ContractError> {
    Ok(Tier::new(n)?)
}

/// The core configuration of an asset message.
pub fn asset_config(msg: &AssetMsg) -> Result<AssetConfig, ContractError> {
    let mut config = AssetConfig::new(symbol(&msg.symbol)?, msg.decimals, tier(msg.tier)?);
    config.max_share = msg.max_share.map(ratio).transpose()?;
    config.mint_fee = msg.mint_fee.map(ratio).transpose()?;
    config.redeem_fee = msg.redeem_fee.map(ratio).transpose()?;
    Ok(config)
}

/// An override change: `None` leaves it, `Some(None)` restores the tier default.
pub fn override_change(o: Option<Override>) -> Result<Option<Option<Ratio>>, ContractError> {
    Ok(match o {
        None => None,
        Some(Override::TierDefault {}) => Some(None),
        Some(Override::Set { value }) => Some(Some(ratio(value)?)),
    })
}

/// A pause target.
pub fn pause(p: PauseMsg) -> Result<PauseTarget, ContractError> {
    Ok(match p {
        PauseMsg::Mint => PauseTarget::Mint,
        PauseMsg::MintAsset(s) => PauseTarget::MintAsset(symbol(&s)?),
        PauseMsg::Redeem => PauseTarget::Redeem,
        PauseMsg::Refresh => PauseTarget::Refresh,
        PauseMsg::TreasuryOps => PauseTarget::TreasuryOps,
        PauseMsg::Recollateralize => PauseTarget::Recollateralize,
        PauseMsg::Buyback => PauseTarget::Buyback,
    })
}

/// A parameter change.
pub fn param(p: ParamMsg) -> Result<ParamChange, ContractError> {
    Ok(match p {
        ParamMsg::EpochSeconds(value) => ParamChange::EpochSeconds(value),
        ParamMsg::XmsSupportRatio(value) => ParamChange::XmsSupportRatio(support_ratio(value)?),
        ParamMsg::MaxPriceAge(value) => ParamChange::MaxPriceAge(value),
        ParamMsg::TwapWindow(value) => ParamChange::TwapWindow(value),
        ParamMsg::RedemptionDelay(value) => ParamChange::RedemptionDelay(value),
        ParamMsg::MinRedemption(value) => ParamChange::MinRedemption(amount(value)),
        ParamMsg::TierMaxShare { tier: t, value } => ParamChange::TierMaxShare {
            tier: tier(t)?,
            share: ratio(value)?,
        },
        ParamMsg::TierMintFee { tier: t, value } => ParamChange::TierMintFee {
            tier: tier(t)?,
            fee: ratio(value)?,
        },
        ParamMsg::TierRedeemFee { tier: t, value } => ParamChange::TierRedeemFee {
            tier: tier(t)?,
            fee: ratio(value)?,
        },
        ParamMsg::CrStep(value) => ParamChange::CrStep(ratio(value)?),
        ParamMsg::PriceBand(value) => ParamChange::PriceBand(ratio(value)?),
        ParamMsg::RefreshCooldown(value) => ParamChange::RefreshCooldown(value),
        ParamMsg::MinCr(value) => ParamChange::MinCr(ratio(value)?),
        ParamMsg::BonusRate(value) => ParamChange::BonusRate(ratio(value)?),
        ParamMsg::BreakerRedemptionOutflow(value) => {
            ParamChange::BreakerRedemptionOutflow(value.map(ratio).transpose()?)
        }
        ParamMsg::BreakerXmsMinted(value) => {
            ParamChange::BreakerXmsMinted(value.map(ratio).transpose()?)
        }
        ParamMsg::RampMaxDailyChange(value) => ParamChange::RampMaxDailyChange(ratio(value)?),
        ParamMsg::RampMinSeconds(value) => ParamChange::RampMinSeconds(value),
        ParamMsg::RedemptionSharePricing(value) => match value {
            SharePricingMsg::ProtocolFavouring => {
                ParamChange::RedemptionSharePricing(SharePricing::ProtocolFavouring)
            }
            SharePricingMsg::Twap => return Err(twap_refused()),
        },
    })
}

/// The core's events as wasm events: `usdm-<kind>` with the event's JSON in `data`.
pub fn wasm_events(events: &[usdm_core::Event]) -> Result<Vec<cosmwasm_std::Event>, ContractError> {
    events
        .iter()
        .map(|e| {
            Ok(cosmwasm_std::Event::new(format!("usdm-{}", e.kind()))
                .add_attribute("data", cosmwasm_std::to_json_string(e)?))
        })
        .collect()
}
