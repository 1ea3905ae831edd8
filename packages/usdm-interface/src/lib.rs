//! Messages of the USDm CosmWasm contracts: the hub (treasury, mint, redeem, mintage control,
//! ratio policy, prices), its governance contract (governance actions, treasury operations) and
//! the Mars Swap pair.
//!
//! Amounts are `Uint128` base units; prices and ratios are `Decimal` (18 decimals, the core's
//! fixed point); assets are named by their protocol symbol (`"USDC"`), mapped on chain to a
//! native denom or a cw20 contract when whitelisted.

#![warn(missing_docs)]

pub mod asset;
pub mod governance;
pub mod hub;
pub mod pair;
#[cfg(not(target_arch = "wasm32"))]
pub mod schema;

pub use asset::AssetInfo;

/// Refuses a migration to an older version: `previous` and `current` are `major.minor.patch`.
pub fn check_upgrade(previous: &str, current: &str) -> Result<(), String> {
    fn parse(v: &str) -> Option<(u64, u64, u64)> {
        let mut it = v.split(['.', '-', '+']).map(|p| p.parse::<u64>().ok());
        Some((it.next()??, it.next()??, it.next()??))
    }
    match (parse(previous), parse(current)) {
        (Some(p), Some(c)) if c >= p => Ok(()),
        (Some(_), Some(_)) => Err(format!(
            "cannot migrate from version {previous} down to {current}"
        )),
        _ => Err(format!("cannot compare versions {previous} and {current}")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn upgrades_only() {
        assert!(super::check_upgrade("0.1.0", "0.1.0").is_ok());
        assert!(super::check_upgrade("0.1.0", "0.2.0").is_ok());
        assert!(super::check_upgrade("0.2.0", "0.1.9").is_err());
        assert!(super::check_upgrade("x", "0.1.0").is_err());
    }
}
