//! Entry points: check the sender and the funds, call the core pool, move tokens.

use crate::error::ContractError;
use crate::state::{Config, CHECKPOINTS, CONFIG, POOL, SHARES};
use cosmwasm_std::{
    from_json, to_json_binary, Addr, Binary, CosmosMsg, Decimal, Deps, DepsMut, Env, MessageInfo,
    Response, StdError, StdResult, Uint128, WasmMsg,
};
use cw20::{Cw20ExecuteMsg, Cw20ReceiveMsg};
use usdm_core::ids::{Account, Symbol};
use usdm_core::swap::Pool;
use usdm_core::units::Amount;
use usdm_interface::pair::{
    ExecuteMsg, InstantiateMsg, MigrateMsg, PoolResponse, QueryMsg, ReceiveMsg, SimulationResponse,
    TwapResponse,
};
use usdm_interface::AssetInfo;

const CONTRACT_NAME: &str = "crates.io:mars-swap-pair";
const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

fn amount(u: Uint128) -> Amount {
    Amount::new(u.u128())
}

fn uint(a: Amount) -> Uint128 {
    Uint128::new(a.raw())
}

/// Creates an empty pool of two distinct tokens.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let mut tokens = msg.tokens;
    let mut symbols = [Symbol::lit("X"); 2];
    for (i, t) in tokens.iter_mut().enumerate() {
        symbols[i] = Symbol::new(&t.symbol)?;
        match &t.info {
            AssetInfo::Cw20 { contract } => {
                t.info = AssetInfo::Cw20 {
                    contract: deps.api.addr_validate(contract)?.to_string(),
                };
            }
            AssetInfo::Native { denom } if denom.trim().is_empty() => {
                return Err(ContractError::WrongFunds(format!(
                    "{}: empty denom",
                    t.symbol
                )));
            }
            AssetInfo::Native { .. } => {}
        }
    }
    if symbols[0] == symbols[1] || tokens[0].info == tokens[1].info {
        return Err(usdm_core::Error::BadPool {
            pair: format!("{}/{}", symbols[0], symbols[1]),
            reason: "the two tokens must differ",
        }
        .into());
    }
    if !(1..=86_400).contains(&msg.twap_window) {
        return Err(StdError::generic_err(format!(
            "twap_window = {}s; accepted: 1 to 86,400 seconds",
            msg.twap_window
        ))
        .into());
    }
    let decimals = [tokens[0].decimals, tokens[1].decimals];
    let fee_recipient = deps.api.addr_validate(&msg.fee_recipient)?;
    CONFIG.save(
        deps.storage,
        &Config {
            tokens,
            fee_recipient,
        },
    )?;
    POOL.save(
        deps.storage,
        &Pool::new(0, symbols, decimals, msg.twap_window),
    )?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("pair", format!("{}/{}", symbols[0], symbols[1])))
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
        ExecuteMsg::ProvideLiquidity { max, min_shares } => {
            provide(deps, env, info, max, min_shares)
        }
        ExecuteMsg::WithdrawLiquidity { shares, min } => withdraw(deps, env, info, shares, min),
        ExecuteMsg::Swap { min_out } => {
            let config = CONFIG.load(deps.storage)?;
            let coin = cw_utils::one_coin(&info)?;
            let side = config
                .tokens
                .iter()
                .position(|t| t.info.denom() == Some(coin.denom.as_str()))
                .ok_or_else(|| {
                    ContractError::WrongFunds(format!(
                        "{} is not one of this pair's native tokens",
                        coin.denom
                    ))
                })?;
            swap(deps, env, &config, info.sender, side, coin.amount, min_out)
        }
        ExecuteMsg::Receive(msg) => receive(deps, env, info, msg),
        ExecuteMsg::SweepFees {} => sweep(deps, info),
    }
}

fn receive(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: Cw20ReceiveMsg,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let side = config
        .tokens
        .iter()
        .position(|t| t.info.cw20() == Some(info.sender.as_str()))
        .ok_or_else(|| ContractError::UntrustedToken {
            sender: info.sender.to_string(),
            tokens: format!("{}/{}", config.tokens[0].symbol, config.tokens[1].symbol),
        })?;
    let trader = deps.api.addr_validate(&msg.sender)?;
    match from_json(&msg.msg)? {
        ReceiveMsg::Swap { min_out } => swap(deps, env, &config, trader, side, msg.amount, min_out),
    }
}

fn swap(
    deps: DepsMut,
    env: Env,
    config: &Config,
    trader: Addr,
    side_in: usize,
    amount_in: Uint128,
    min_out: Uint128,
) -> Result<Response, ContractError> {
    let mut pool = POOL.load(deps.storage)?;
    let q = pool.quote_swap(pool.tokens[side_in], amount(amount_in))?;
    if q.amount_out < amount(min_out) {
        let out = &config.tokens[1 - side_in];
        return Err(usdm_core::Error::SlippageExceeded {
            out: Box::new(usdm_core::units::Quantity::new(
                q.amount_out,
                out.decimals,
                pool.tokens[1 - side_in],
            )),
            min: Box::new(usdm_core::units::Quantity::new(
                amount(min_out),
                out.decimals,
                pool.tokens[1 - side_in],
            )),
        }
        .into());
    }
    let checkpoints = pool.apply_swap(&q, env.block.time.seconds())?;
    POOL.save(deps.storage, &pool)?;
    save_checkpoints(deps.storage, checkpoints)?;
    let pay = config.tokens[1 - side_in]
        .info
        .transfer(trader.as_str(), uint(q.amount_out))?;
    Ok(Response::new()
        .add_message(pay)
        .add_attribute("action", "swap")
        .add_attribute("trader", trader)
        .add_attribute("offer", pool.tokens[side_in].to_string())
        .add_attribute("amount_in", amount_in)
        .add_attribute("amount_out", uint(q.amount_out))
        .add_attribute("fee", uint(q.fee))
        .add_attribute("protocol_fee", uint(q.protocol_fee)))
}

fn provide(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    max: [Uint128; 2],
    min_shares: Uint128,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    // Native sides must arrive as funds of exactly `max`; nothing else may be attached.
    for coin in &info.funds {
        let side = config
            .tokens
            .iter()
            .position(|t| t.info.denom() == Some(coin.denom.as_str()));
        match side {
            Some(s) if coin.amount == max[s] => {}
            Some(s) => {
                return Err(ContractError::WrongFunds(format!(
                    "sent {}{} but max for {} is {}",
                    coin.amount, coin.denom, config.tokens[s].symbol, max[s]
                )))
            }
            None => {
                return Err(ContractError::WrongFunds(format!(
                    "{} is not one of this pair's tokens",
                    coin.denom
                )))
            }
        }
    }
    for (s, t) in config.tokens.iter().enumerate() {
        if let Some(denom) = t.info.denom() {
            if !max[s].is_zero() && !info.funds.iter().any(|c| c.denom == denom) {
                return Err(ContractError::WrongFunds(format!(
                    "send {}{denom} as funds",
                    max[s]
                )));
            }
        }
    }
    let mut pool = POOL.load(deps.storage)?;
    let q = pool.quote_add([amount(max[0]), amount(max[1])])?;
    if q.shares < amount(min_shares) {
        return Err(usdm_core::Error::SlippageExceeded {
            out: Box::new(usdm_core::units::Quantity::new(
                q.shares,
                18,
                Symbol::lit("LP"),
            )),
            min: Box::new(usdm_core::units::Quantity::new(
                amount(min_shares),
                18,
                Symbol::lit("LP"),
            )),
        }
        .into());
    }
    let provider = Account::new(info.sender.as_str());
    with_holder(deps.storage, &mut pool, &info.sender)?;
    let checkpoints = pool.apply_add(&provider, &q, env.block.time.seconds())?;
    store(deps.storage, pool, &info.sender)?;
    save_checkpoints(deps.storage, checkpoints)?;
    let mut msgs: Vec<CosmosMsg> = Vec::new();
    for (s, t) in config.tokens.iter().enumerate() {
        let used = uint(q.amounts[s]);
        match &t.info {
            AssetInfo::Cw20 { contract } => msgs.push(
                WasmMsg::Execute {
                    contract_addr: contract.clone(),
                    msg: to_json_binary(&Cw20ExecuteMsg::TransferFrom {
                        owner: info.sender.to_string(),
                        recipient: env.contract.address.to_string(),
                        amount: used,
                    })?,
                    funds: vec![],
                }
                .into(),
            ),
            AssetInfo::Native { .. } => {
                let refund = max[s] - used;
                if !refund.is_zero() {
                    msgs.push(t.info.transfer(info.sender.as_str(), refund)?);
                }
            }
        }
    }
    Ok(Response::new()
        .add_messages(msgs)
        .add_attribute("action", "provide_liquidity")
        .add_attribute("provider", info.sender)
        .add_attribute(
            "amounts",
            format!("{},{}", q.amounts[0].raw(), q.amounts[1].raw()),
        )
        .add_attribute("shares", uint(q.shares)))
}

fn withdraw(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    shares: Uint128,
    min: [Uint128; 2],
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let config = CONFIG.load(deps.storage)?;
    let mut pool = POOL.load(deps.storage)?;
    let provider = Account::new(info.sender.as_str());
    with_holder(deps.storage, &mut pool, &info.sender)?;
    pool.require_shares(&provider, amount(shares))?;
    let out = pool.quote_remove(amount(shares))?;
    for s in 0..2 {
        if out[s] < amount(min[s]) {
            return Err(usdm_core::Error::SlippageExceeded {
                out: Box::new(usdm_core::units::Quantity::new(
                    out[s],
                    pool.decimals[s],
                    pool.tokens[s],
                )),
                min: Box::new(usdm_core::units::Quantity::new(
                    amount(min[s]),
                    pool.decimals[s],
                    pool.tokens[s],
                )),
            }
            .into());
        }
    }
    let checkpoints =
        pool.apply_remove(&provider, amount(shares), out, env.block.time.seconds())?;
    store(deps.storage, pool, &info.sender)?;
    save_checkpoints(deps.storage, checkpoints)?;
    let msgs = pay_all(&config.tokens, out, info.sender.as_str())?;
    Ok(Response::new()
        .add_messages(msgs)
        .add_attribute("action", "withdraw_liquidity")
        .add_attribute("provider", info.sender)
        .add_attribute("shares", shares)
        .add_attribute("amounts", format!("{},{}", out[0].raw(), out[1].raw())))
}

fn sweep(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let config = CONFIG.load(deps.storage)?;
    if info.sender != config.fee_recipient {
        return Err(ContractError::Unauthorized);
    }
    let mut pool = POOL.load(deps.storage)?;
    let fees = pool.take_protocol_fees()?;
    POOL.save(deps.storage, &pool)?;
    let msgs = pay_all(&config.tokens, fees, config.fee_recipient.as_str())?;
    Ok(Response::new()
        .add_messages(msgs)
        .add_attribute("action", "sweep_fees")
        .add_attribute("amounts", format!("{},{}", fees[0].raw(), fees[1].raw())))
}

/// Puts `holder`'s shares into the pool's share map for an operation.
fn with_holder(
    storage: &dyn cosmwasm_std::Storage,
    pool: &mut Pool,
    holder: &Addr,
) -> Result<(), ContractError> {
    pool.shares.clear();
    let held = SHARES.may_load(storage, holder)?.unwrap_or_default();
    if !held.is_zero() {
        pool.shares
            .insert(Account::new(holder.as_str()), amount(held));
    }
    Ok(())
}

/// Saves `holder`'s shares back to [`SHARES`] and the pool with an empty share map.
fn store(
    storage: &mut dyn cosmwasm_std::Storage,
    mut pool: Pool,
    holder: &Addr,
) -> Result<(), ContractError> {
    let held = pool.shares_of(&Account::new(holder.as_str()));
    if held.is_zero() {
        SHARES.remove(storage, holder);
    } else {
        SHARES.save(storage, holder, &uint(held))?;
    }
    pool.shares.clear();
    POOL.save(storage, &pool)?;
    Ok(())
}

/// Stores the checkpoints a pool change recorded, each under its own key.
fn save_checkpoints(
    storage: &mut dyn cosmwasm_std::Storage,
    checkpoints: usdm_core::swap::Checkpoints,
) -> StdResult<()> {
    for (side, c) in checkpoints.into_iter().enumerate() {
        if let Some((slot, c)) = c {
            CHECKPOINTS.save(storage, (side as u8, slot), &c)?;
        }
    }
    Ok(())
}

/// One side's price history, read from storage a checkpoint at a time.
struct StoredHistory<'a> {
    storage: &'a dyn cosmwasm_std::Storage,
    side: u8,
}

impl usdm_core::prices::History for StoredHistory<'_> {
    fn checkpoint(&self, seq: u64) -> usdm_core::Result<usdm_core::prices::Checkpoint> {
        let slot = (seq % usdm_core::prices::HISTORY_LEN as u64) as u8;
        CHECKPOINTS
            .may_load(self.storage, (self.side, slot))
            .ok()
            .flatten()
            .ok_or(usdm_core::Error::InvariantViolated(format!(
                "checkpoint {seq} of side {} is not stored",
                self.side
            )))
    }
}

/// Messages paying `amounts` (pool token order) of `tokens` to `recipient`, skipping zeros.
fn pay_all(
    tokens: &[usdm_interface::pair::PairToken; 2],
    amounts: [Amount; 2],
    recipient: &str,
) -> StdResult<Vec<CosmosMsg>> {
    tokens
        .iter()
        .zip(amounts)
        .filter(|(_, a)| !a.is_zero())
        .map(|(t, a)| t.info.transfer(recipient, uint(a)))
        .collect()
}

/// Answers a query.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> StdResult<Binary> {
    let pool = POOL.load(deps.storage)?;
    let core_err = |e: usdm_core::Error| cosmwasm_std::StdError::generic_err(e.to_string());
    match msg {
        QueryMsg::Pool {} => to_json_binary(&PoolResponse {
            tokens: pool.tokens.map(|t| t.to_string()),
            reserves: pool.reserves.map(uint),
            total_shares: uint(pool.total_shares),
            protocol_fees: pool.protocol_fees.map(uint),
        }),
        QueryMsg::Tokens {} => to_json_binary(&CONFIG.load(deps.storage)?.tokens),
        QueryMsg::Config {} => {
            let c = CONFIG.load(deps.storage)?;
            to_json_binary(&usdm_interface::pair::PairConfigResponse {
                tokens: c.tokens,
                fee_recipient: c.fee_recipient.to_string(),
                twap_window: pool.twap_window,
            })
        }
        QueryMsg::Shares { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&SHARES.may_load(deps.storage, &addr)?.unwrap_or_default())
        }
        QueryMsg::Simulate { offer, amount: a } => {
            let symbol = Symbol::new(&offer).map_err(core_err)?;
            let q = pool.quote_swap(symbol, amount(a)).map_err(core_err)?;
            to_json_binary(&SimulationResponse {
                amount_out: uint(q.amount_out),
                fee: uint(q.fee),
                protocol_fee: uint(q.protocol_fee),
            })
        }
        QueryMsg::Twap { symbol, window } => {
            let symbol = Symbol::new(&symbol).map_err(core_err)?;
            let side = pool.side(symbol).map_err(core_err)?;
            let history = StoredHistory {
                storage: deps.storage,
                side: side as u8,
            };
            let (q, _) = pool
                .price_quote(side, env.block.time.seconds(), window, &history)
                .map_err(core_err)?
                .ok_or_else(|| core_err(usdm_core::Error::EmptyPool))?;
            to_json_binary(&TwapResponse {
                spot: Decimal::raw(q.spot.raw()),
                twap: Decimal::raw(q.twap.raw()),
            })
        }
    }
}

/// Migrates between versions of this contract.
#[cfg_attr(not(feature = "library"), cosmwasm_std::entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    let previous = cw2::get_contract_version(deps.storage)?;
    if previous.contract != CONTRACT_NAME {
        return Err(cosmwasm_std::StdError::generic_err(format!(
            "cannot migrate from {}",
            previous.contract
        ))
        .into());
    }
    usdm_interface::check_upgrade(&previous.version, CONTRACT_VERSION)
        .map_err(StdError::generic_err)?;
    let mut response = Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", previous.version.clone());
    if previous.version.starts_with("0.1.") {
        // 0.1 stored the pool with its price histories inline: store them a checkpoint a key.
        let bytes = deps
            .storage
            .get(POOL.as_slice())
            .ok_or_else(|| StdError::generic_err("cannot migrate: no pool stored"))?;
        let (pool, sides) =
            cosmwasm_std::from_json::<usdm_core::state::legacy::LegacyPairPool>(&bytes)?
                .into_pool()
                .map_err(|e| StdError::generic_err(format!("cannot migrate the 0.1 pool: {e}")))?;
        let mut moved = 0;
        for (side, checkpoints) in sides.iter().enumerate() {
            for (slot, c) in checkpoints {
                CHECKPOINTS.save(deps.storage, (side as u8, *slot), c)?;
                moved += 1;
            }
        }
        POOL.save(deps.storage, &pool)?;
        response = response
            .add_attribute("layout", "checkpoints stored apart")
            .add_attribute("checkpoints", moved.to_string());
    }
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(response)
}
