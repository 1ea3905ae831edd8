//! An operation's context: the protocol as of this block with only the parts an operation
//! touches loaded (see `store`), the events so far; then writing back what changed and
//! answering with the core's events.

use crate::convert::wasm_events;
use crate::error::ContractError;
use crate::state::{ASSETS, HUB, TOKEN_ASSET};
use crate::store::{load_protocol, save_changes, HubSource, Loaded};
use cosmwasm_std::{
    to_json_binary, Addr, CosmosMsg, Deps, DepsMut, Env, Response, Uint128, WasmMsg,
};
use cw20::Cw20ExecuteMsg;
use usdm_core::ids::Symbol;
use usdm_core::{BlockTime, Event, Protocol};
use usdm_interface::AssetInfo;

/// The protocol as of this block, with the events produced so far.
pub struct Ctx {
    /// The core state, its parts loaded as operations ask for them.
    pub protocol: Protocol,
    /// This block.
    pub now: BlockTime,
    /// Events so far.
    pub events: Vec<Event>,
    /// The hub's address.
    pub hub: Addr,
    loaded: Loaded,
}

/// This block as the core's time.
pub fn block_time(env: &Env) -> BlockTime {
    BlockTime::new(env.block.height, env.block.time.seconds())
}

/// Loads the protocol's small parts for an operation at this block.
pub fn load(deps: Deps, env: &Env) -> Result<Ctx, ContractError> {
    let (protocol, loaded) = load_protocol(deps.storage)?;
    Ok(Ctx {
        protocol,
        now: block_time(env),
        events: Vec::new(),
        hub: env.contract.address.clone(),
        loaded,
    })
}

impl Ctx {
    /// Runs a core operation, loading the parts it needs (from the hub's storage and its
    /// pairs') as it asks for them.
    pub fn run<T>(
        &mut self,
        deps: Deps,
        op: impl FnMut(&mut Protocol, BlockTime) -> usdm_core::Result<T>,
    ) -> Result<T, ContractError> {
        let source = HubSource {
            deps,
            hub: &self.hub,
        };
        let now = self.now;
        let mut op = op;
        Ok(self.protocol.run_loading(&source, |p| op(p, now))?)
    }

    /// Runs a core operation that returns a receipt, keeping its events.
    pub fn apply<T>(
        &mut self,
        deps: Deps,
        op: impl FnMut(&mut Protocol, BlockTime) -> usdm_core::Result<usdm_core::Receipt<T>>,
    ) -> Result<T, ContractError> {
        let receipt = self.run(deps, op)?;
        self.events.extend(receipt.events);
        Ok(receipt.value)
    }
}

/// Writes back what the operation changed and answers with the action, the core's events and
/// `msgs`.
pub fn finish(
    deps: DepsMut,
    mut ctx: Ctx,
    action: &str,
    msgs: Vec<CosmosMsg>,
) -> Result<Response, ContractError> {
    save_changes(deps.storage, &mut ctx.protocol, &ctx.loaded)?;
    Ok(Response::new()
        .add_attribute("action", action)
        .add_messages(msgs)
        .add_events(wasm_events(&ctx.events)?))
}

/// The USDm and XMS token contracts, or an error if they are not registered yet.
pub fn tokens(deps: Deps) -> Result<(Addr, Addr), ContractError> {
    let h = HUB.load(deps.storage)?;
    match (h.usdm, h.xms) {
        (Some(usdm), Some(xms)) => Ok((usdm, xms)),
        _ => Err(ContractError::TokensNotRegistered),
    }
}

/// The on-chain identity of a whitelisted asset.
pub fn asset_info(
    deps: Deps,
    protocol: &Protocol,
    symbol: Symbol,
) -> Result<AssetInfo, ContractError> {
    let unknown = || {
        ContractError::Core(usdm_core::Error::UnknownAsset {
            symbol,
            known: protocol.asset_symbols_list(),
        })
    };
    let index = protocol.find_asset(symbol).ok_or_else(unknown)?;
    Ok(ASSETS
        .may_load(deps.storage, index as u16)?
        .ok_or_else(unknown)?
        .info)
}

/// The asset index of the native denom or cw20 contract `token`, if whitelisted.
pub fn asset_of_token(deps: Deps, token: &str) -> Result<Option<u16>, ContractError> {
    Ok(TOKEN_ASSET.may_load(deps.storage, token)?)
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
