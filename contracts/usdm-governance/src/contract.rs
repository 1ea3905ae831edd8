//! Entry points: run the hub's handler on the hub's storage, then ask the hub to apply it.

use crate::remote::HubStorage;
use cosmwasm_std::{
    to_json_binary, Binary, CosmosMsg, Deps, DepsMut, Env, MessageInfo, ReplyOn, Response,
    StdError, StdResult, WasmMsg,
};
use cw_storage_plus::Item;
use usdm_hub::context::Outcome;
use usdm_hub::execute::{governance, treasury};
use usdm_hub::store::Write;
use usdm_hub::ContractError;
use usdm_interface::governance::{
    ConfigResponse, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg,
};
use usdm_interface::hub::{ApplyMsg, ExecuteMsg as HubExecuteMsg, HubMsg, StorageWrite};

/// The contract's cw2 name.
pub const CONTRACT_NAME: &str = "crates.io:usdm-governance";
/// The contract's cw2 version.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The hub this contract governs.
const HUB: Item<cosmwasm_std::Addr> = Item::new("hub");

/// Records the hub. The hub accepts this contract with `register_contracts`.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let hub = deps.api.addr_validate(&msg.hub)?;
    check_hub(deps.as_ref(), &hub)?;
    HUB.save(deps.storage, &hub)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("hub", hub))
}

/// Runs a governance action or treasury operation as the hub would, and sends the hub the
/// outcome to apply.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let hub = HUB.load(deps.storage)?;
    check_hub(deps.as_ref(), &hub)?;
    let storage = HubStorage::new(hub.clone(), deps.querier);
    let view = Deps {
        storage: &storage,
        api: deps.api,
        querier: deps.querier,
    };
    let mut as_hub = env;
    as_hub.contract.address = hub.clone();
    let outcome = match msg {
        ExecuteMsg::Govern(msg) => governance::govern(view, &as_hub, &info, msg),
        ExecuteMsg::AcceptGovernor {} => governance::accept_governor(view, &as_hub, &info),
        ExecuteMsg::TreasuryOp(msg) => treasury::treasury_op(view, &as_hub, &info, msg),
    }?;
    let apply = to_apply(outcome)?;
    Ok(Response::new()
        .add_attribute("action", "govern")
        .add_message(WasmMsg::Execute {
            contract_addr: hub.to_string(),
            msg: to_json_binary(&HubExecuteMsg::Apply(apply))?,
            funds: vec![],
        }))
}

/// Refuses a hub that is not a usdm-hub of this contract's own version: this contract decodes
/// the hub's storage with its own types and writes back whole values, so the two are built from
/// the same release and migrated together (the hub's cw2 record, read raw, says which it is).
fn check_hub(deps: Deps, hub: &cosmwasm_std::Addr) -> Result<(), ContractError> {
    let record = deps
        .querier
        .query_wasm_raw(hub.as_str(), b"contract_info".to_vec())?
        .and_then(|b| cosmwasm_std::from_json::<cw2::ContractVersion>(&b).ok());
    match record {
        Some(v) if v.contract == usdm_hub::contract::CONTRACT_NAME && v.version == CONTRACT_VERSION => {
            Ok(())
        }
        Some(v) => Err(StdError::generic_err(format!(
            "{hub} runs {} {}, and this governance contract is for {} {CONTRACT_VERSION}: the hub and its governance contract are migrated together",
            v.contract,
            v.version,
            usdm_hub::contract::CONTRACT_NAME
        ))
        .into()),
        None => Err(StdError::generic_err(format!(
            "{hub} is not a usdm-hub (it has no cw2 record)"
        ))
        .into()),
    }
}

/// The hub's handler's outcome as an `apply`: governance only writes the hub's parts and
/// records, and only sends tokens and executes contracts.
fn to_apply(outcome: Outcome) -> Result<ApplyMsg, ContractError> {
    let unexpected = |what: &str| {
        ContractError::Std(StdError::generic_err(format!(
            "internal: a governance handler asked for {what}"
        )))
    };
    let mut writes = Vec::with_capacity(outcome.writes.len());
    for w in outcome.writes {
        match w {
            Write::Set(key, value) => writes.push(StorageWrite {
                key: key.into(),
                value: Some(value.into()),
            }),
            Write::Redemption(_) | Write::Collected(_) => {
                return Err(unexpected("a redemption write"))
            }
        }
    }
    let response = outcome.response;
    let mut messages = Vec::with_capacity(response.messages.len());
    for sub in response.messages {
        if sub.reply_on != ReplyOn::Never {
            return Err(unexpected("a reply"));
        }
        messages.push(match sub.msg {
            CosmosMsg::Bank(cosmwasm_std::BankMsg::Send { to_address, amount }) => HubMsg::Send {
                to: to_address,
                amount,
            },
            CosmosMsg::Wasm(WasmMsg::Execute {
                contract_addr,
                msg,
                funds,
            }) => HubMsg::Execute {
                contract: contract_addr,
                msg,
                funds,
            },
            _ => return Err(unexpected("a message other than a send or an execute")),
        });
    }
    Ok(ApplyMsg {
        writes,
        messages,
        attributes: response.attributes,
        events: response.events,
    })
}

/// The hub it governs.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Config {} => to_json_binary(&ConfigResponse {
            hub: HUB.load(deps.storage)?.to_string(),
        }),
    }
}

/// Migrates between versions of this contract.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    let previous = cw2::get_contract_version(deps.storage)?;
    if previous.contract != CONTRACT_NAME {
        return Err(
            StdError::generic_err(format!("cannot migrate from {}", previous.contract)).into(),
        );
    }
    usdm_interface::check_upgrade(&previous.version, CONTRACT_VERSION)
        .map_err(StdError::generic_err)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.version))
}
