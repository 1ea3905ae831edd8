//! Messages of the USDm CosmWasm contracts: the hub (treasury, mint, redeem, mintage control,
//! ratio policy, prices, governance, treasury operations) and the Mars Swap pair.
//!
//! Amounts are `Uint128` base units; prices and ratios are `Decimal` (18 decimals, the core's
//! fixed point); assets are named by their protocol symbol (`"USDC"`), mapped on chain to a
//! native denom or a cw20 contract when whitelisted.

pub mod asset;
pub mod hub;
pub mod pair;

pub use asset::AssetInfo;
