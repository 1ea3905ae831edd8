//! Loading the protocol for an operation: the core state, the block, and the registered pairs'
//! pools mirrored in; then saving it and answering with the core's events.

use crate::convert::wasm_events;
use crate::error::ContractError;
use crate::state::{ASSETS, PAIRS, PROTOCOL, TOKENS};
use cosmwasm_std::{
    to_json_binary, Addr, Binary, CosmosMsg, Deps, DepsMut, Env, Response, Uint128, WasmMsg,
};
use cw20::Cw20ExecuteMsg;
use usdm_core::ids::{Account, Symbol};
use usdm_core::swap::{treasury_account, Pool};
use usdm_core::{BlockTime, Event, Protocol};
use usdm_interface::AssetInfo;

/// The protocol as of this block, with the events loading it produced (epoch rolls).
pub struct Ctx {
    /// The core state.
    pub protocol: Protocol,
    /// This block.
    pub now: BlockTime,
    /// Events so far.
    pub events: Vec<Event>,
}

/// This block as the core's time.
pub fn block_time(env: &Env) -> BlockTime {
    BlockTime::new(env.block.height, env.block.time.seconds())
}

/// Loads the protocol and mirrors each registered pair's pool into it: time up to now is first
/// accrued at the prices last known, then the pools are replaced by the pairs' current state
/// (the hub's liquidity shares mapped to the core's treasury account).
pub fn load(deps: Deps, env: &Env) -> Result<Ctx, ContractError> {
    let mut protocol = PROTOCOL.load(deps.storage)?;
    let now = block_time(env);
    let mut events = Vec::new();
    let pairs = PAIRS.may_load(deps.storage)?.unwrap_or_default();
    if !pairs.is_empty() {
        events.extend(protocol.poke(now)?.events);
        let hub = Account::new(env.contract.address.as_str());
        for (id, pair) in pairs {
            let query = usdm_interface::pair::QueryMsg::State {
                holder: Some(env.contract.address.to_string()),
            };
            let state: Binary = deps.querier.query_wasm_smart(&pair, &query)?;
            let mut pool: Pool = cosmwasm_std::from_json(&state)?;
            if let Some(shares) = pool.shares.remove(&hub) {
                pool.shares.insert(treasury_account(), shares);
            }
            protocol.sync_pool(id, pool)?;
        }
    }
    Ok(Ctx {
        protocol,
        now,
        events,
    })
}

/// Saves the protocol and answers with the action, the core's events and `msgs`.
pub fn finish(
    deps: DepsMut,
    ctx: Ctx,
    action: &str,
    msgs: Vec<CosmosMsg>,
) -> Result<Response, ContractError> {
    PROTOCOL.save(deps.storage, &ctx.protocol)?;
    Ok(Response::new()
        .add_attribute("action", action)
        .add_messages(msgs)
        .add_events(wasm_events(&ctx.events)?))
}

/// The USDm and XMS token contracts, or an error if they are not registered yet.
pub fn tokens(deps: Deps) -> Result<(Addr, Addr), ContractError> {
    let t = TOKENS.load(deps.storage)?;
    match (t.usdm, t.xms) {
        (Some(usdm), Some(xms)) => Ok((usdm, xms)),
        _ => Err(ContractError::TokensNotRegistered),
    }
}

/// The on-chain identity of a whitelisted asset.
pub fn asset_info(deps: Deps, symbol: Symbol) -> Result<AssetInfo, ContractError> {
    ASSETS
        .may_load(deps.storage, symbol.as_str())?
        .ok_or_else(|| {
            ContractError::Core(usdm_core::Error::UnknownAsset {
                symbol,
                known: "the whitelist (query config)".into(),
            })
        })
}

fn cw20(token: &Addr, msg: &Cw20ExecuteMsg) -> Result<CosmosMsg, ContractError> {
    Ok(WasmMsg::Execute {
        contract_addr: token.to_string(),
        msg: to_json_binary(msg)?,
        funds: vec![],
    }
    .into())
}

/// Mint `amount` of a protocol token (this hub is its minter) to `recipient`.
pub fn mint(token: &Addr, recipient: &str, amount: Uint128) -> Result<CosmosMsg, ContractError> {
    cw20(
        token,
        &Cw20ExecuteMsg::Mint {
            recipient: recipient.to_string(),
            amount,
        },
    )
}

/// Burn `amount` of a protocol token the hub holds.
pub fn burn(token: &Addr, amount: Uint128) -> Result<CosmosMsg, ContractError> {
    cw20(token, &Cw20ExecuteMsg::Burn { amount })
}

/// Burn `amount` from `owner`'s balance (the owner approved the hub).
pub fn burn_from(token: &Addr, owner: &str, amount: Uint128) -> Result<CosmosMsg, ContractError> {
    cw20(
        token,
        &Cw20ExecuteMsg::BurnFrom {
            owner: owner.to_string(),
            amount,
        },
    )
}

/// Let `spender` take `amount` of a cw20 from the hub.
pub fn approve(token: &Addr, spender: &str, amount: Uint128) -> Result<CosmosMsg, ContractError> {
    cw20(
        token,
        &Cw20ExecuteMsg::IncreaseAllowance {
            spender: spender.to_string(),
            amount,
            expires: None,
        },
    )
}

/// Refuses anyone but governance.
pub fn require_governor(
    protocol: &Protocol,
    sender: &Addr,
    action: &'static str,
) -> Result<(), ContractError> {
    if protocol.governance().governor.as_str() != sender.as_str() {
        return Err(ContractError::Unauthorized {
            sender: sender.to_string(),
            action,
        });
    }
    Ok(())
}
