//! Registering the contracts around the hub, once: the USDm and XMS tokens (instantiated with
//! the hub as minter) and the governance contract (instantiated for this hub).

use crate::context::{load, require_governor, Outcome};
use crate::error::ContractError;
use crate::state::{ASSET_INFO, HUB, TOKEN_ASSET};
use cosmwasm_std::{Addr, Deps, Env, MessageInfo};
use cw20::{Cw20QueryMsg, MinterResponse, TokenInfoResponse};
use usdm_core::ids::XMS;
use usdm_interface::AssetInfo;

/// Governance records the tokens after checking that the hub mints both and that XMS's supply
/// is the protocol's, and the governance contract after checking it governs this hub. A hub
/// upgraded from 0.2 has its tokens already: it takes the same ones again with its governance
/// contract.
pub fn register_contracts(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    usdm: String,
    xms: String,
    governance: String,
) -> Result<Outcome, ContractError> {
    let ctx = load(deps, env)?;
    require_governor(&ctx.protocol, &info.sender, "register contracts")?;
    let mut hub = ctx.protocol.source().hub()?;
    if hub.governance.is_some() {
        return Err(ContractError::AlreadyRegistered);
    }
    let usdm = deps.api.addr_validate(&usdm)?;
    let xms = deps.api.addr_validate(&xms)?;
    let governance = deps.api.addr_validate(&governance)?;
    let governs: usdm_interface::governance::ConfigResponse = deps.querier.query_wasm_smart(
        &governance,
        &usdm_interface::governance::QueryMsg::Config {},
    )?;
    if governs.hub != env.contract.address.as_str() {
        return Err(ContractError::BadToken(format!(
            "governance contract {governance} governs {}, not this hub; instantiate one with \"hub\": \"{}\"",
            governs.hub, env.contract.address
        )));
    }
    let xms_supply = ctx.protocol.supply().xms.raw();
    let xms_index = ctx.protocol.find_asset(XMS).map(|i| i as u16);
    let mut outcome = ctx.finish("register_contracts", vec![])?;
    match (&hub.usdm, &hub.xms) {
        (Some(u), Some(x)) if *u == usdm && *x == xms => {}
        (Some(u), Some(x)) => {
            return Err(ContractError::BadToken(format!(
                "the tokens are registered already: USDm {u}, XMS {x}"
            )))
        }
        _ => {
            check_tokens(deps, env, &usdm, &xms, xms_supply)?;
            // XMS as tier-5 collateral lives at the XMS token.
            if let Some(i) = xms_index {
                let info = AssetInfo::Cw20 {
                    contract: xms.to_string(),
                };
                outcome = outcome
                    .set(ASSET_INFO.key(i), &info)?
                    .set(TOKEN_ASSET.key(xms.as_str()), &i)?;
            }
            hub.usdm = Some(usdm.clone());
            hub.xms = Some(xms.clone());
        }
    }
    hub.governance = Some(governance.clone());
    Ok(outcome
        .set(HUB.key().to_vec(), &hub)?
        .attribute("usdm", usdm)
        .attribute("xms", xms)
        .attribute("governance", governance))
}

/// Checks the tokens: two different cw20s, minted by this hub without a cap, 18 decimals, no
/// USDm yet and the XMS supply the protocol was instantiated with (`xms_supply`).
fn check_tokens(
    deps: Deps,
    env: &Env,
    usdm: &Addr,
    xms: &Addr,
    expected: u128,
) -> Result<(), ContractError> {
    if usdm == xms {
        return Err(ContractError::BadToken(
            "USDm and XMS must be two different tokens".into(),
        ));
    }
    for (name, token) in [("USDm", usdm), ("XMS", xms)] {
        let minter: Option<MinterResponse> = deps
            .querier
            .query_wasm_smart(token, &Cw20QueryMsg::Minter {})?;
        let Some(minter) = minter.filter(|m| m.minter == env.contract.address.as_str()) else {
            return Err(ContractError::BadToken(format!(
                "{name} token {token} must have this hub as its minter"
            )));
        };
        // Redemptions mint XMS and mints create USDm whatever the supply: a capped token would
        // leave burned USDm unpaid for ever once the cap is reached.
        if let Some(cap) = minter.cap {
            return Err(ContractError::BadToken(format!(
                "{name} token {token} caps minting at {cap}; the hub must mint without a cap (instantiate it with \"cap\": null)"
            )));
        }
    }
    let usdm_info: TokenInfoResponse = deps
        .querier
        .query_wasm_smart(usdm, &Cw20QueryMsg::TokenInfo {})?;
    let xms_info: TokenInfoResponse = deps
        .querier
        .query_wasm_smart(xms, &Cw20QueryMsg::TokenInfo {})?;
    if usdm_info.decimals != 18 || xms_info.decimals != 18 {
        return Err(ContractError::BadToken(
            "USDm and XMS must have 18 decimals".into(),
        ));
    }
    if !usdm_info.total_supply.is_zero() {
        return Err(ContractError::BadToken(format!(
            "USDm must start with no supply, not {}",
            usdm_info.total_supply
        )));
    }
    if xms_info.total_supply.u128() != expected {
        return Err(ContractError::BadToken(format!(
            "XMS supply is {} but the protocol was instantiated with {expected}",
            xms_info.total_supply
        )));
    }
    Ok(())
}
