//! The code an older `usdm-hub` migrates through on its way to this version: its `migrate`
//! moves 0.1's single stored item, or rewrites 0.2's JSON parts, into this version's layout
//! ([`usdm_hub::migrate`]) and records the hub's new version; every other entry point refuses.
//! The upgrade is two `MsgMigrateContract`s in one transaction: to this code, then to the new
//! hub's, so no block ever runs this code. Apart from the hub because parsing the old encodings
//! takes wasm the hub keeps for its own work.

use cosmwasm_std::{Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdError, StdResult};
use usdm_hub::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use usdm_hub::migrate::Moved;

/// 0.1's conversion, refusing a storage with no 0.1 state.
fn from_single_item(
    storage: &mut dyn cosmwasm_std::Storage,
) -> Result<Moved, usdm_hub::ContractError> {
    usdm_hub::migrate::from_single_item(storage)?
        .ok_or_else(|| StdError::generic_err("no 0.1 state to move (no `protocol` key)").into())
}

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
    // Each conversion is called through a function pointer: wasm-opt inlines a function into
    // its only direct caller, and the two merged into `migrate` would exceed the VM's limit of
    // 100 locals in one function.
    type Convert = fn(&mut dyn cosmwasm_std::Storage) -> Result<Moved, usdm_hub::ContractError>;
    let (layout, convert): (&str, Convert) = match previous.version.get(..4) {
        Some("0.1.") if previous.contract == CONTRACT_NAME => {
            ("moved from one item to parts", from_single_item)
        }
        Some("0.2.") if previous.contract == CONTRACT_NAME => (
            "parts rewritten from JSON",
            usdm_hub::migrate::from_json_parts,
        ),
        _ => {
            return Err(StdError::generic_err(format!(
                "usdm-hub-migrator moves a {CONTRACT_NAME} 0.1.x or 0.2.x, not {} {}",
                previous.contract, previous.version
            )))
        }
    };
    let moved = convert(deps.storage).map_err(|e| StdError::generic_err(e.to_string()))?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let response = Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.version)
        .add_attribute("layout", layout)
        .add_attribute("assets", moved.assets.to_string())
        .add_attribute("pairs", moved.pairs.to_string());
    Ok(match moved.redemptions {
        Some(n) => response.add_attribute("pending_redemptions", n.to_string()),
        None => response,
    })
}
