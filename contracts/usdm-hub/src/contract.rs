//! Entry points: a thin dispatcher to the execute modules and the query module.

use crate::context::block_time;
use crate::convert::asset_config;
use crate::error::ContractError;
use crate::execute::{frax, governance, mint, prices, receive, redeem, tokens, treasury};
use crate::state::{Hub, HUB};
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response, StdError};
use usdm_core::ids::{Account, XMS};
use usdm_core::params::{Preset, SharePricing};
use usdm_core::protocol::Genesis;
use usdm_core::units::Amount;
use usdm_core::Protocol;
use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

/// The hub's cw2 name.
pub const CONTRACT_NAME: &str = "crates.io:usdm-hub";
/// The hub's cw2 version.
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Starts the protocol: genesis with the preset, governor, feeders and assets.
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
    let mut configs = Vec::new();
    let mut infos = Vec::new();
    for asset in &msg.assets {
        let config = asset_config(asset)?;
        // XMS lives at the XMS token, recorded when the tokens are registered.
        let (info, indexed) = if config.symbol == XMS {
            (asset.info.clone(), false)
        } else {
            (governance::check_asset_info(&deps, asset)?, true)
        };
        if indexed && infos.iter().any(|(i, _)| i == &info) {
            return Err(ContractError::BadToken(format!(
                "{} is listed twice",
                governance::token_key(&info)
            )));
        }
        infos.push((info, indexed));
        configs.push(config);
    }
    let receipt = Protocol::genesis(genesis.with_assets(configs))?;
    let mut deps = deps;
    for (i, (info, indexed)) in infos.into_iter().enumerate() {
        let config = receipt.value.asset(i)?.clone();
        governance::record_asset(&mut deps, i as u16, config, info, indexed)?;
    }
    crate::store::save_all(deps.storage, &receipt.value)?;
    HUB.save(
        deps.storage,
        &Hub {
            usdm: None,
            xms: None,
            pair_code: msg.pair_code,
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("preset", preset.name())
        .add_events(crate::convert::wasm_events(&receipt.events)?))
}

/// Dispatches an action.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::RegisterTokens { usdm, xms } => {
            tokens::register_tokens(deps, env, info, usdm, xms)
        }
        ExecuteMsg::Mint {
            asset,
            max_xms_in,
            min_usdm_out,
        } => mint::mint_native(deps, env, info, asset, max_xms_in, min_usdm_out),
        ExecuteMsg::Receive(msg) => receive::receive(deps, env, info, msg),
        ExecuteMsg::Collect { id } => {
            cw_utils::nonpayable(&info)?;
            redeem::collect(deps, env, id)
        }
        ExecuteMsg::PostPrice {
            symbol,
            price,
            observed_at,
        } => prices::post_price(deps, env, info, symbol, price, observed_at),
        ExecuteMsg::RefreshRatio {} => prices::refresh(deps, env, info),
        ExecuteMsg::Poke {} => prices::poke(deps, env, info),
        ExecuteMsg::Recollateralize { asset, min_xms_out } => {
            frax::recollateralize_native(deps, env, info, asset, min_xms_out)
        }
        ExecuteMsg::SweepPoolFees { pool } => treasury::sweep_pool_fees(deps, env, info, pool),
        ExecuteMsg::ReturnFromStrategy {} => treasury::return_native(deps, env, info),
        ExecuteMsg::Govern(msg) => governance::govern(deps, env, info, msg),
        ExecuteMsg::AcceptGovernor {} => governance::accept_governor(deps, env, info),
        ExecuteMsg::TreasuryOp(msg) => treasury::treasury_op(deps, env, info, msg),
    }
}

/// Answers a query.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    crate::query::query(deps, env, msg)
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
    if crate::migrate::holds_single_item(deps.storage) {
        return Err(StdError::generic_err(
            "this is 0.1's single-item state: migrate to the usdm-hub-migrator code first, \
             then to this code (README, Upgrading from 0.1)",
        )
        .into());
    }
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.version))
}
