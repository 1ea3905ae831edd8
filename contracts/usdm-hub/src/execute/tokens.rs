//! Registering the USDm and XMS tokens, once, after they were instantiated with the hub as
//! minter.

use crate::context::{load, require_governor};
use crate::error::ContractError;
use crate::state::{ASSETS, HUB, TOKEN_ASSET};
use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use cw20::{Cw20QueryMsg, MinterResponse, TokenInfoResponse};
use usdm_core::ids::XMS;
use usdm_interface::AssetInfo;

/// Governance records the tokens after checking that the hub mints both and that XMS's supply
/// is the protocol's.
pub fn register_tokens(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    usdm: String,
    xms: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let ctx = load(deps.as_ref(), &env)?;
    require_governor(&ctx.protocol, &info.sender, "register tokens")?;
    let mut hub = HUB.load(deps.storage)?;
    if hub.usdm.is_some() {
        return Err(ContractError::TokensAlreadyRegistered);
    }
    let usdm = deps.api.addr_validate(&usdm)?;
    let xms = deps.api.addr_validate(&xms)?;
    if usdm == xms {
        return Err(ContractError::BadToken(
            "USDm and XMS must be two different tokens".into(),
        ));
    }
    for (name, token) in [("USDm", &usdm), ("XMS", &xms)] {
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
        .query_wasm_smart(&usdm, &Cw20QueryMsg::TokenInfo {})?;
    let xms_info: TokenInfoResponse = deps
        .querier
        .query_wasm_smart(&xms, &Cw20QueryMsg::TokenInfo {})?;
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
    let expected = ctx.protocol.supply().xms.raw();
    if xms_info.total_supply.u128() != expected {
        return Err(ContractError::BadToken(format!(
            "XMS supply is {} but the protocol was instantiated with {expected}",
            xms_info.total_supply
        )));
    }
    hub.usdm = Some(usdm.clone());
    hub.xms = Some(xms.clone());
    HUB.save(deps.storage, &hub)?;
    // XMS as tier-5 collateral lives at the XMS token.
    if let Some(i) = ctx.protocol.find_asset(XMS) {
        let i = i as u16;
        let mut record = ASSETS.load(deps.storage, i)?;
        record.info = AssetInfo::Cw20 {
            contract: xms.to_string(),
        };
        ASSETS.save(deps.storage, i, &record)?;
        TOKEN_ASSET.save(deps.storage, xms.as_str(), &i)?;
    }
    Ok(Response::new()
        .add_attribute("action", "register_tokens")
        .add_attribute("usdm", usdm)
        .add_attribute("xms", xms))
}
