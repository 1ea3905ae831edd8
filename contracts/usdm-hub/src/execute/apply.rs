//! `apply`: what a governance action or treasury operation decided, run by the registered
//! `usdm-governance` contract on its view of this hub's storage with this hub's own code. The
//! hub trusts that contract as it trusts the governor (governance can already move every
//! treasury token), and still refuses any write outside the protocol's parts and the hub's
//! records, checking every key before it writes any.

use crate::error::ContractError;
use crate::state::{governance_writes, HUB};
use cosmwasm_std::{BankMsg, CosmosMsg, DepsMut, Env, MessageInfo, Response, WasmMsg};
use usdm_interface::hub::{ApplyMsg, HubMsg};

/// Stores the writes and answers with the messages, attributes and events governance decided.
pub fn apply(
    deps: DepsMut,
    env: &Env,
    info: &MessageInfo,
    msg: ApplyMsg,
) -> Result<Response, ContractError> {
    let governance = HUB.load(deps.storage)?.governance;
    if governance.as_ref() != Some(&info.sender) {
        return Err(ContractError::NotGovernance {
            sender: info.sender.to_string(),
            expected: governance.map_or_else(|| "none registered yet".into(), |g| g.to_string()),
        });
    }
    if let Some(w) = msg.writes.iter().find(|w| !governance_writes(&w.key)) {
        return Err(ContractError::ForbiddenWrite {
            key: w.key.iter().map(|b| format!("{b:02x}")).collect(),
        });
    }
    // No governance action has the hub call itself: that would be a second way in.
    if msg.messages.iter().any(
        |m| matches!(m, HubMsg::Execute { contract, .. } if contract.as_str() == env.contract.address.as_str()),
    ) {
        return Err(ContractError::ForbiddenMessage {
            what: "a message to itself",
        });
    }
    for w in msg.writes {
        match w.value {
            Some(value) => deps.storage.set(&w.key, &value),
            None => deps.storage.remove(&w.key),
        }
    }
    let messages = msg.messages.into_iter().map(|m| -> CosmosMsg {
        match m {
            HubMsg::Send { to, amount } => BankMsg::Send {
                to_address: to,
                amount,
            }
            .into(),
            HubMsg::Execute {
                contract,
                msg,
                funds,
            } => WasmMsg::Execute {
                contract_addr: contract,
                msg,
                funds,
            }
            .into(),
        }
    });
    Ok(Response::new()
        .add_attributes(msg.attributes)
        .add_messages(messages)
        .add_events(msg.events))
}
