//! Registering the contracts around the hub, once each: the governance contract (instantiated
//! for this hub; the hub's own message) and then, through it, the USDm and XMS tokens
//! (instantiated with the hub as minter).

use crate::context::{load, require_governor, Ctx, Outcome};
use crate::error::ContractError;
use crate::state::{ASSET_INFO, HUB, TOKEN_ASSET};
use cosmwasm_std::{Addr, Deps, Env, MessageInfo};
use cw20::{Cw20QueryMsg, MinterResponse, TokenInfoResponse};
use usdm_core::ids::XMS;
use usdm_interface::AssetInfo;

/// The governor registers the hub's governance contract, once, after checking it (its code is
/// the one the hub was told to expect, its admin is the hub's, its config names this hub).
pub fn register_governance(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    contract: String,
) -> Result<Outcome, ContractError> {
    let ctx = load(deps, env)?;
    require_governor(
        &ctx.protocol,
        &info.sender,
        "register the governance contract",
    )?;
    let mut hub = ctx.protocol.source().hub()?;
    if let Some(g) = &hub.governance {
        return Err(ContractError::AlreadyRegistered(g.to_string()));
    }
    let governance = deps.api.addr_validate(&contract)?;
    check_governance(deps, env, &hub, &governance)?;
    hub.governance = Some(governance.clone());
    Ok(ctx
        .finish("register_governance", vec![])?
        .set(HUB.key().to_vec(), &hub)?
        .attribute("governance", governance))
}

/// Governance registers the tokens, once (a governance message, run by the governance contract
/// once the caller is known to be the governor): after checking that the hub mints both and
/// that XMS's supply is the protocol's.
pub(crate) fn register_tokens(
    ctx: Ctx,
    env: &Env,
    usdm: String,
    xms: String,
) -> Result<Outcome, ContractError> {
    let deps = ctx.deps();
    let mut hub = ctx.protocol.source().hub()?;
    if let (Some(u), Some(x)) = (&hub.usdm, &hub.xms) {
        return Err(ContractError::BadToken(format!(
            "the tokens are registered already: USDm {u}, XMS {x}"
        )));
    }
    let usdm = deps.api.addr_validate(&usdm)?;
    let xms = deps.api.addr_validate(&xms)?;
    let xms_supply = ctx.protocol.supply().xms.raw();
    let xms_index = ctx.protocol.find_asset(XMS).map(|i| i as u16);
    check_tokens(deps, env, &usdm, &xms, xms_supply)?;
    hub.usdm = Some(usdm.clone());
    hub.xms = Some(xms.clone());
    let mut outcome = ctx.finish("register_tokens", vec![])?;
    // XMS as tier-5 collateral lives at the XMS token.
    if let Some(i) = xms_index {
        let info = AssetInfo::Cw20 {
            contract: xms.to_string(),
        };
        outcome = outcome
            .set(ASSET_INFO.key(i), &info)?
            .set(TOKEN_ASSET.key(xms.as_str()), &i)?;
    }
    Ok(outcome
        .set(HUB.key().to_vec(), &hub)?
        .attribute("usdm", usdm)
        .attribute("xms", xms))
}

/// The hub applies whatever its governance contract decides, so it trusts one that runs the
/// governance code its admin named (`governance_code`), under no admin but the hub's (its code
/// cannot be swapped by anyone who could not swap the hub's), and that governs this hub.
fn check_governance(
    deps: Deps,
    env: &Env,
    hub: &crate::state::Hub,
    governance: &Addr,
) -> Result<(), ContractError> {
    let bad = |reason: String| ContractError::BadGovernance {
        contract: governance.to_string(),
        reason,
    };
    let info = deps.querier.query_wasm_contract_info(governance)?;
    let code = deps.querier.query_wasm_code_info(info.code_id)?.checksum;
    match hub.governance_code {
        Some(accepted) if accepted == code => {}
        Some(accepted) => {
            return Err(bad(format!(
                "it runs code {code}, not the governance code this hub accepts, {accepted}"
            )))
        }
        None => return Err(bad("this hub names no governance code yet".into())),
    }
    let own_admin = deps
        .querier
        .query_wasm_contract_info(&env.contract.address)?
        .admin;
    if info.admin.is_some() && info.admin != own_admin {
        return Err(bad(format!(
            "its admin {} is not the hub's ({}): instantiate it with the hub's admin, or none",
            info.admin.map(|a| a.to_string()).unwrap_or_default(),
            own_admin.map_or_else(|| "none".into(), |a| a.to_string())
        )));
    }
    let governs: usdm_interface::governance::ConfigResponse = deps
        .querier
        .query_wasm_smart(governance, &usdm_interface::governance::QueryMsg::Config {})?;
    if governs.hub != env.contract.address.as_str() {
        return Err(bad(format!(
            "it governs {}, not this hub; instantiate one with \"hub\": \"{}\"",
            governs.hub, env.contract.address
        )));
    }
    Ok(())
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
