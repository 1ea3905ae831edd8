//! The cw20 hook. The token is known only by the calling contract, which must be USDm, XMS or
//! the contract recorded for a whitelisted asset; anything else is refused.

use crate::context::{asset_of_token, load};
use crate::error::ContractError;
use crate::execute::{frax, mint, redeem, treasury};
use crate::state::{ASSETS, HUB};
use cosmwasm_std::{from_json, DepsMut, Env, MessageInfo, Response};
use cw20::Cw20ReceiveMsg;
use usdm_core::ids::{Symbol, XMS};
use usdm_interface::hub::ReceiveMsg;
use usdm_interface::AssetInfo;

/// What contract sent the hook.
enum Sender {
    Usdm,
    Xms,
    Asset(Symbol),
}

/// Dispatches a cw20 `Send` to the hub.
pub fn receive(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: Cw20ReceiveMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let ctx = load(deps.as_ref(), &env)?;
    let sender = identify(&deps, &ctx.protocol, &info)?;
    let from = deps.api.addr_validate(&msg.sender)?;
    let hook: ReceiveMsg = from_json(&msg.msg)?;
    match (hook, sender) {
        (
            ReceiveMsg::Redeem {
                asset,
                min_collateral_out,
                min_xms_out,
            },
            Sender::Usdm,
        ) => redeem::redeem(
            deps,
            ctx,
            &from,
            msg.amount,
            asset,
            min_collateral_out,
            min_xms_out,
        ),
        (
            ReceiveMsg::Buyback {
                asset,
                min_collateral_out,
            },
            Sender::Xms,
        ) => frax::buyback(deps, ctx, &from, msg.amount, asset, min_collateral_out),
        (
            ReceiveMsg::Mint {
                max_xms_in,
                min_usdm_out,
            },
            Sender::Xms,
        ) => mint::mint_with(deps, ctx, &from, XMS, msg.amount, max_xms_in, min_usdm_out),
        (
            ReceiveMsg::Mint {
                max_xms_in,
                min_usdm_out,
            },
            Sender::Asset(asset),
        ) => mint::mint_with(
            deps,
            ctx,
            &from,
            asset,
            msg.amount,
            max_xms_in,
            min_usdm_out,
        ),
        (ReceiveMsg::Recollateralize { min_xms_out }, Sender::Asset(asset)) => {
            frax::recollateralize_with(deps, ctx, &from, asset, msg.amount, min_xms_out)
        }
        (ReceiveMsg::ReturnFromStrategy {}, Sender::Asset(asset)) => {
            treasury::return_from_strategy(deps, ctx, &from, asset, msg.amount)
        }
        (ReceiveMsg::ReturnFromStrategy {}, Sender::Xms) => {
            treasury::return_from_strategy(deps, ctx, &from, XMS, msg.amount)
        }
        (hook, sender) => Err(ContractError::WrongHook {
            token: match sender {
                Sender::Usdm => "USDm",
                Sender::Xms => "XMS",
                Sender::Asset(_) => "collateral",
            },
            message: match hook {
                ReceiveMsg::Mint { .. } => "Mint",
                ReceiveMsg::Redeem { .. } => "Redeem (only USDm is redeemed)",
                ReceiveMsg::Recollateralize { .. } => "Recollateralize",
                ReceiveMsg::Buyback { .. } => "Buyback (only XMS buys back)",
                ReceiveMsg::ReturnFromStrategy {} => "ReturnFromStrategy",
            },
        }),
    }
}

fn identify(
    deps: &DepsMut,
    protocol: &usdm_core::Protocol,
    info: &MessageInfo,
) -> Result<Sender, ContractError> {
    let hub = HUB.load(deps.storage)?;
    if hub.usdm.as_ref() == Some(&info.sender) {
        return Ok(Sender::Usdm);
    }
    if hub.xms.as_ref() == Some(&info.sender) {
        return Ok(Sender::Xms);
    }
    if let Some(i) = asset_of_token(deps.as_ref(), info.sender.as_str())? {
        let record = ASSETS.load(deps.storage, i)?;
        if record.info.cw20() == Some(info.sender.as_str()) {
            return Ok(Sender::Asset(record.config.symbol));
        }
    }
    // Refused: name what is accepted (a bounded list: the whitelist).
    let mut accepted = Vec::new();
    for i in 0..protocol.asset_count() as u16 {
        if let Some(record) = ASSETS.may_load(deps.storage, i)? {
            if let AssetInfo::Cw20 { contract } = record.info {
                accepted.push(format!("{} ({contract})", record.config.symbol));
            }
        }
    }
    Err(ContractError::UntrustedToken {
        sender: info.sender.to_string(),
        accepted: accepted.join(", "),
    })
}
