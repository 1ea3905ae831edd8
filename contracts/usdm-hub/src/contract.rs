//! Entry points: a thin dispatcher to the execute modules and the query module.

use crate::context::block_time;
use crate::error::ContractError;
use crate::execute::{apply, frax, mint, prices, receive, redeem, tokens, treasury};
use crate::state::{Hub, HUB};
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError};
use usdm_core::ids::Account;
use usdm_core::params::{Preset, SharePricing};
use usdm_core::protocol::Genesis;
use usdm_core::units::Amount;
use usdm_core::Protocol;
use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

/// The hub's cw2 name.
pub const CONTRACT_NAME: &str = "crates.io:usdm-hub";
/// The hub's cw2 version.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Starts the protocol: genesis with the preset, governor and feeders. Assets are whitelisted
/// through the governance contract once it is registered (`whitelist_asset`).
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn instantiate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let preset: Preset = msg.preset.parse()?;
    if preset.params().redemption_share_pricing != SharePricing::ProtocolFavouring
        || preset.fixed_collateral_ratio().is_some()
    {
        // `iron`: a study of a failure, not a deployment.
        return Err(ContractError::UnsafeSetting {
            what: "preset iron",
            why: "it prices redemption's XMS by the TWAP alone and holds the ratio fixed, to study Iron Finance's failure",
            accepted: "mars, mars-guarded, frax",
        });
    }
    let governor = Account::new(deps.api.addr_validate(&msg.governor)?.as_str());
    let mut genesis = Genesis::new(preset, governor, block_time(&env))
        .with_xms_supply(Amount::new(msg.xms_supply.u128()));
    for feeder in &msg.feeders {
        genesis = genesis.with_feeder(Account::new(deps.api.addr_validate(feeder)?.as_str()));
    }
    let receipt = Protocol::genesis(genesis)?;
    crate::store::save_all(deps.storage, &receipt.value)?;
    HUB.save(
        deps.storage,
        &Hub {
            pair_code: msg.pair_code,
            governance_code: Some(msg.governance_code),
            ..Hub::default()
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("preset", preset.name())
        .add_events(crate::convert::wasm_events(&receipt.events)?))
}

/// Dispatches an action: each handler reads and decides; the writes it asks for are made here.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    let takes_funds = matches!(
        msg,
        ExecuteMsg::Mint { .. }
            | ExecuteMsg::Recollateralize { .. }
            | ExecuteMsg::ReturnFromStrategy {}
    );
    if !takes_funds {
        cw_utils::nonpayable(&info)?;
    }
    let d = deps.as_ref();
    let outcome = match msg {
        ExecuteMsg::RegisterGovernance { contract } => {
            tokens::register_governance(d, &env, &info, contract)
        }
        ExecuteMsg::Mint {
            asset,
            max_xms_in,
            min_usdm_out,
        } => mint::mint_native(d, &env, &info, asset, max_xms_in, min_usdm_out),
        ExecuteMsg::Receive(msg) => receive::receive(d, &env, &info, msg),
        ExecuteMsg::Collect { id } => redeem::collect(d, &env, id),
        ExecuteMsg::PostPrice {
            symbol,
            price,
            observed_at,
        } => prices::post_price(d, &env, &info, symbol, price, observed_at),
        ExecuteMsg::RefreshRatio {} => prices::refresh(d, &env),
        ExecuteMsg::Poke {} => prices::poke(d, &env),
        ExecuteMsg::Recollateralize { asset, min_xms_out } => {
            frax::recollateralize_native(d, &env, &info, asset, min_xms_out)
        }
        ExecuteMsg::SweepPoolFees { pool } => treasury::sweep_pool_fees(d, &env, pool),
        ExecuteMsg::ReturnFromStrategy {} => treasury::return_native(d, &env, &info),
        ExecuteMsg::Apply(msg) => return apply::apply(deps, &env, &info, msg),
    }?;
    outcome.commit(deps.storage)
}

/// Answers a query.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    crate::query::query(deps, env, msg)
}

/// Migrates between versions of this contract.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, msg: MigrateMsg) -> Result<Response, ContractError> {
    let previous = cw2::get_contract_version(deps.storage)?;
    if previous.contract != CONTRACT_NAME {
        return Err(
            StdError::generic_err(format!("cannot migrate from {}", previous.contract)).into(),
        );
    }
    usdm_interface::check_upgrade(&previous.version, CONTRACT_VERSION)
        .map_err(StdError::generic_err)?;
    if let Some(layout) = crate::migrate::old_layout(deps.storage, &previous.version) {
        return Err(StdError::generic_err(format!(
            "this is {layout}: migrate to the usdm-hub-migrator code first, then to this code \
             (docs/deploying.md, Upgrading)"
        ))
        .into());
    }
    let mut hub = HUB.load(deps.storage)?;
    if let Some(code) = msg.governance_code {
        hub.governance_code = Some(code);
        HUB.save(deps.storage, &hub)?;
    }
    if hub.governance_code.is_none() {
        return Err(StdError::generic_err(
            "name the governance contract's code: migrate with {\"governance_code\": \"<checksum>\"}",
        )
        .into());
    }
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.version))
}
