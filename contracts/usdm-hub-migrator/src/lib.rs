//! The code a 0.1 `usdm-hub` migrates through on its way to 0.2: its `migrate` moves the
//! single stored item into the per-part layout ([`usdm_hub::migrate`]) and records the hub's
//! 0.2 version; every other entry point refuses. The upgrade is two `MsgMigrateContract`s in
//! one transaction: to this code, then to the 0.2 hub's, so no block ever runs this code.
//! Apart from the hub because the conversion (about 90 KiB of wasm) does not fit in the hub.

use cosmwasm_std::{Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdError, StdResult};
use usdm_hub::contract::{CONTRACT_NAME, CONTRACT_VERSION};

fn refuse<T>() -> StdResult<T> {
    Err(StdError::generic_err(
        "usdm-hub-migrator only migrates a 0.1 usdm-hub: migrate the hub to the 0.2 hub code next",
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

/// Moves a 0.1 hub's state into the 0.2 layout.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn migrate(
    deps: DepsMut,
    _env: Env,
    _msg: usdm_interface::hub::MigrateMsg,
) -> StdResult<Response> {
    let previous = cw2::get_contract_version(deps.storage)?;
    if previous.contract != CONTRACT_NAME || !previous.version.starts_with("0.1.") {
        return Err(StdError::generic_err(format!(
            "usdm-hub-migrator moves a {CONTRACT_NAME} 0.1.x, not {} {}",
            previous.contract, previous.version
        )));
    }
    let moved = usdm_hub::migrate::from_single_item(deps.storage)
        .map_err(|e| StdError::generic_err(e.to_string()))?
        .ok_or_else(|| StdError::generic_err("no 0.1 state to move (no `protocol` key)"))?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.version)
        .add_attribute("layout", "moved from one item to parts")
        .add_attribute("assets", moved.assets.to_string())
        .add_attribute("pending_redemptions", moved.redemptions.to_string())
        .add_attribute("pairs", moved.pairs.to_string()))
}
