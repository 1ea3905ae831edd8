//! The cw20 hook. The token is known only by the calling contract, which must be USDm, XMS or
//! the contract recorded for a whitelisted asset; anything else is refused.

use crate::context::{asset_of_token, load, Outcome};
use crate::error::ContractError;
use crate::execute::{frax, mint, redeem, treasury};
use crate::state::ASSET_INFO;
use cosmwasm_std::{from_json, Deps, Env, MessageInfo};
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
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    msg: Cw20ReceiveMsg,
) -> Result<Outcome, ContractError> {
    let ctx = load(deps, env)?;
    let sender = identify(deps, &ctx.protocol, info)?;
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
        ) => frax::buyback(ctx, &from, msg.amount, asset, min_collateral_out),
        (
            ReceiveMsg::Mint {
                max_xms_in,
                min_usdm_out,
            },
            Sender::Xms,
        ) => mint::mint_with(ctx, &from, XMS, msg.amount, max_xms_in, min_usdm_out),
        (
            ReceiveMsg::Mint {
                max_xms_in,
                min_usdm_out,
            },
            Sender::Asset(asset),
        ) => mint::mint_with(ctx, &from, asset, msg.amount, max_xms_in, min_usdm_out),
        (ReceiveMsg::Recollateralize { min_xms_out }, Sender::Asset(asset)) => {
            frax::recollateralize_with(ctx, &from, asset, msg.amount, min_xms_out)
        }
        (ReceiveMsg::ReturnFromStrategy {}, Sender::Asset(asset)) => {
            treasury::return_from_strategy(ctx, &from, asset, msg.amount)
        }
        (ReceiveMsg::ReturnFromStrategy {}, Sender::Xms) => {
            treasury::return_from_strategy(ctx, &from, XMS, msg.amount)
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
    deps: Deps,
    protocol: &crate::store::HubProtocol,
    info: &MessageInfo,
) -> Result<Sender, ContractError> {
    let hub = protocol.source().hub()?;
    if hub.usdm.as_ref() == Some(&info.sender) {
        return Ok(Sender::Usdm);
    }
    if hub.xms.as_ref() == Some(&info.sender) {
        return Ok(Sender::Xms);
    }
    let symbols = &protocol.config().assets;
    if let Some(i) = asset_of_token(deps, info.sender.as_str())? {
        let on_chain = ASSET_INFO.load(deps.storage, i)?;
        if on_chain.cw20() == Some(info.sender.as_str()) {
            return Ok(Sender::Asset(symbols[usize::from(i)]));
        }
    }
    // Refused: name what is accepted (a bounded list: the whitelist).
    let mut accepted = Vec::new();
    for (i, symbol) in symbols.iter().enumerate() {
        if let Some(AssetInfo::Cw20 { contract }) = ASSET_INFO.may_load(deps.storage, i as u16)? {
            accepted.push(format!("{symbol} ({contract})"));
        }
    }
    Err(ContractError::UntrustedToken {
        sender: info.sender.to_string(),
        accepted: accepted.join(", "),
    })
}
