//! The code an older `usdm-hub` migrates through on its way to this version: its `migrate`
//! moves 0.1's single stored item, or rewrites 0.2's JSON parts, into this version's layout
//! ([`usdm_hub::migrate`]) and records the hub's new version; every other entry point refuses.
//! The upgrade is two `MsgMigrateContract`s in one transaction: to this code, then to the new
//! hub's, so no block ever runs this code. Apart from the hub because parsing the old encodings
//! takes wasm the hub keeps for its own work.

use cosmwasm_std::{Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdError, StdResult};
use usdm_hub::contract::{CONTRACT_NAME, CONTRACT_VERSION};

fn refuse<T>() -> StdResult<T> {
    Err(StdError::generic_err(
        "usdm-hub-migrator only migrates an older usdm-hub: migrate the hub to the new hub code next",
    ))
}

/// Refused: this code is only migrated to.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn instantiate(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    refuse()
}

/// Refused.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn execute(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    refuse()
}

/// Refused.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn query(_: Deps, _: Env, _: Empty) -> StdResult<Binary> {
    refuse()
}

/// Moves a 0.1 or 0.2 hub's state into this version's layout.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn migrate(
    deps: DepsMut,
    _env: Env,
    _msg: usdm_interface::hub::MigrateMsg,
) -> StdResult<Response> {
    let previous = cw2::get_contract_version(deps.storage)?;
    let error = |e: usdm_hub::ContractError| StdError::generic_err(e.to_string());
    let (layout, moved) = match previous.version.get(..4) {
        Some("0.1.") if previous.contract == CONTRACT_NAME => (
            "moved from one item to parts",
            usdm_hub::migrate::from_single_item(deps.storage)
                .map_err(error)?
                .ok_or_else(|| StdError::generic_err("no 0.1 state to move (no `protocol` key)"))?,
        ),
        Some("0.2.") if previous.contract == CONTRACT_NAME => (
            "parts rewritten from JSON",
            usdm_hub::migrate::from_json_parts(deps.storage).map_err(error)?,
        ),
        _ => {
            return Err(StdError::generic_err(format!(
                "usdm-hub-migrator moves a {CONTRACT_NAME} 0.1.x or 0.2.x, not {} {}",
                previous.contract, previous.version
            )))
        }
    };
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.version)
        .add_attribute("layout", layout)
        .add_attribute("assets", moved.assets.to_string())
        .add_attribute("pending_redemptions", moved.redemptions.to_string())
        .add_attribute("pairs", moved.pairs.to_string()))
}
