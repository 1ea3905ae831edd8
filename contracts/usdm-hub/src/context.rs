//! A message's context: the protocol as of this block, fetching each part the first time an
//! operation reads it (see `store`), and the events so far; then writing back what changed and
//! answering with the core's events.

use crate::convert::wasm_events;
use crate::error::ContractError;
use crate::state::{ASSET_INFO, TOKEN_ASSET};
use crate::store::{load_protocol, save, writes, HubProtocol, Write};
use cosmwasm_std::{to_json_binary, Addr, CosmosMsg, Deps, Env, Response, Uint128, WasmMsg};
use cw20::Cw20ExecuteMsg;
use usdm_core::ids::Symbol;
use usdm_core::state::PartSource;
use usdm_core::{BlockTime, Event, Protocol};
use usdm_interface::AssetInfo;

/// The protocol as of this block, with the events produced so far.
pub struct Ctx<'a> {
    /// The core state, its parts fetched as operations read them.
    pub protocol: HubProtocol<'a>,
    /// This block.
    pub now: BlockTime,
    /// Events so far.
    pub events: Vec<Event>,
    /// The hub's address.
    pub hub: Addr,
}

/// What a message's operations left to write, and their events: owned, so the message can
/// write them once the protocol (and its borrow of the storage) is gone.
pub struct Done {
    writes: Vec<Write>,
    events: Vec<Event>,
}

/// What a message decided: the writes to make and the response. Handlers only read; the
/// entry point (or, for governance, the hub's `apply`) makes the writes.
#[derive(Debug)]
pub struct Outcome {
    /// Writes, in order.
    pub writes: Vec<Write>,
    /// The response.
    pub response: Response,
}

impl Outcome {
    /// The operations' writes and events, answered as `action` with `msgs`.
    pub fn new(done: Done, action: &str, msgs: Vec<CosmosMsg>) -> Result<Outcome, ContractError> {
        Ok(Outcome {
            writes: done.writes,
            response: Response::new()
                .add_attribute("action", action)
                .add_messages(msgs)
                .add_events(wasm_events(&done.events)?),
        })
    }

    /// With one more write: `value` encoded under `key`.
    pub fn set<T: serde::Serialize>(
        mut self,
        key: Vec<u8>,
        value: &T,
    ) -> Result<Self, ContractError> {
        self.writes
            .push(Write::Set(key, crate::state::encode(value)?));
        Ok(self)
    }

    /// With one more response attribute.
    pub fn attribute(mut self, key: &str, value: impl Into<String>) -> Self {
        self.response = self.response.add_attribute(key, value);
        self
    }

    /// Makes the writes and answers.
    pub fn commit(
        self,
        storage: &mut dyn cosmwasm_std::Storage,
    ) -> Result<Response, ContractError> {
        save(storage, self.writes)?;
        Ok(self.response)
    }
}

/// This block as the core's time.
pub fn block_time(env: &Env) -> BlockTime {
    BlockTime::new(env.block.height, env.block.time.seconds())
}

/// The protocol for a message at this block.
pub fn load<'a>(deps: Deps<'a>, env: &Env) -> Result<Ctx<'a>, ContractError> {
    let hub = env.contract.address.clone();
    Ok(Ctx {
        protocol: load_protocol(deps, hub.clone())?,
        now: block_time(env),
        events: Vec::new(),
        hub,
    })
}

impl<'a> Ctx<'a> {
    /// Runs a core operation on the protocol.
    pub fn run<T>(
        &mut self,
        op: impl FnOnce(&mut HubProtocol<'a>, BlockTime) -> usdm_core::Result<T>,
    ) -> Result<T, ContractError> {
        Ok(op(&mut self.protocol, self.now)?)
    }

    /// Runs a core operation that returns a receipt, keeping its events.
    pub fn apply<T>(
        &mut self,
        op: impl FnOnce(&mut HubProtocol<'a>, BlockTime) -> usdm_core::Result<usdm_core::Receipt<T>>,
    ) -> Result<T, ContractError> {
        let receipt = self.run(op)?;
        self.events.extend(receipt.events);
        Ok(receipt.value)
    }

    /// The dependencies the protocol reads with.
    pub fn deps(&self) -> Deps<'a> {
        self.protocol.source().deps()
    }

    /// The message is done with the protocol: what to write, and the events.
    pub fn done(self) -> Result<Done, ContractError> {
        Ok(Done {
            writes: writes(&self.protocol)?,
            events: self.events,
        })
    }

    /// Done, answered as `action` with `msgs`.
    pub fn finish(self, action: &str, msgs: Vec<CosmosMsg>) -> Result<Outcome, ContractError> {
        Outcome::new(self.done()?, action, msgs)
    }
}

/// The USDm and XMS token contracts, or an error if they are not registered yet.
pub fn tokens(protocol: &HubProtocol) -> Result<(Addr, Addr), ContractError> {
    let h = protocol.source().hub()?;
    match (h.usdm, h.xms) {
        (Some(usdm), Some(xms)) => Ok((usdm, xms)),
        _ => Err(ContractError::TokensNotRegistered),
    }
}

/// The on-chain identity of a whitelisted asset.
pub fn asset_info<S: PartSource>(
    deps: Deps,
    protocol: &Protocol<S>,
    symbol: Symbol,
) -> Result<AssetInfo, ContractError> {
    let unknown = || {
        ContractError::Core(usdm_core::Error::UnknownAsset {
            symbol,
            known: protocol.asset_symbols_list(),
        })
    };
    let index = protocol.find_asset(symbol).ok_or_else(unknown)?;
    ASSET_INFO
        .may_load(deps.storage, index as u16)?
        .ok_or_else(unknown)
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
pub fn require_governor<S: PartSource>(
    protocol: &Protocol<S>,
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
