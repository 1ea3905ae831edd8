//! Treasury operations: the core decides the amounts; the hub moves tokens to and from pairs,
//! strategies, grant recipients and other contracts.

use crate::context::{
    approve, asset_info, burn, load, mint, require_governor, tokens, Ctx, Outcome,
};
use crate::convert::{amount, symbol, uint};
use crate::error::ContractError;
use crate::execute::native_payment;
use crate::state::TOKEN_ASSET;
use crate::store::HubProtocol;
use cosmwasm_std::{
    to_json_binary, Addr, Coin, CosmosMsg, Deps, Env, MessageInfo, Uint128, WasmMsg,
};
use usdm_core::events::Event;
use usdm_core::ids::{Account, Symbol, USDM, XMS};
use usdm_core::treasury_ops::TreasuryOp;
use usdm_interface::governance::TreasuryMsg;
use usdm_interface::pair::ExecuteMsg as PairMsg;
use usdm_interface::AssetInfo;

/// The pair contract of live pool `pool` (its record read once a message, through the
/// protocol's source).
fn pair_address(protocol: &HubProtocol, pool: u32) -> Result<Addr, ContractError> {
    let unknown = || ContractError::UnknownPair(pool);
    if pool as usize >= protocol.pool_count() {
        return Err(unknown());
    }
    Some(protocol.source().pair(pool)?)
        .filter(|r| !r.retired)
        .map(|r| r.address)
        .ok_or_else(unknown)
}

/// The on-chain identity of a pool token: USDm, XMS or a whitelisted asset.
fn token_info(deps: Deps, protocol: &HubProtocol, s: Symbol) -> Result<AssetInfo, ContractError> {
    let (usdm, xms) = tokens(protocol)?;
    Ok(if s == USDM {
        AssetInfo::Cw20 {
            contract: usdm.to_string(),
        }
    } else if s == XMS {
        AssetInfo::Cw20 {
            contract: xms.to_string(),
        }
    } else {
        asset_info(deps, protocol, s)?
    })
}

/// Runs a treasury operation for governance.
pub fn treasury_op(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    msg: TreasuryMsg,
) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    let (usdm, _) = tokens(&ctx.protocol)?;
    require_governor(&ctx.protocol, &info.sender, "run treasury operations")?;
    let governor = Account::new(info.sender.as_str());
    let hub = env.contract.address.to_string();
    let mut external = None;
    let op = match msg {
        TreasuryMsg::ProvideLiquidity { pool, asset_amount } => TreasuryOp::ProvideLiquidity {
            pool,
            asset_amount: amount(asset_amount),
        },
        TreasuryMsg::WithdrawLiquidity { pool, shares } => TreasuryOp::WithdrawLiquidity {
            pool,
            shares: amount(shares),
        },
        TreasuryMsg::Allocate {
            strategy,
            asset,
            amount: a,
        } => TreasuryOp::Allocate {
            strategy: deps.api.addr_validate(&strategy)?.to_string(),
            asset: symbol(&asset)?,
            amount: amount(a),
        },
        TreasuryMsg::Report {
            strategy,
            asset,
            balance,
        } => TreasuryOp::Report {
            strategy,
            asset: symbol(&asset)?,
            balance: amount(balance),
        },
        TreasuryMsg::Grant {
            asset,
            amount: a,
            recipient,
            memo,
        } => TreasuryOp::Grant {
            asset: symbol(&asset)?,
            amount: amount(a),
            recipient: Account::new(deps.api.addr_validate(&recipient)?.as_str()),
            memo,
        },
        TreasuryMsg::ExternalGovernance {
            contract,
            msg,
            description,
            tokens: used,
        } => {
            let contract = deps.api.addr_validate(&contract)?;
            forbid_protocol_target(deps, env, &ctx.protocol, &contract)?;
            external = Some(WasmMsg::Execute {
                contract_addr: contract.to_string(),
                msg,
                funds: vec![],
            });
            TreasuryOp::ExternalGovernance {
                target: contract.to_string(),
                action: description,
                tokens: used
                    .iter()
                    .map(|t| Ok((symbol(&t.symbol)?, amount(t.amount))))
                    .collect::<Result<_, ContractError>>()?,
            }
        }
    };
    let receipt = ctx.run(|p, now| p.treasury_op(&governor, op, now))?;
    let mut msgs: Vec<CosmosMsg> = Vec::new();
    for event in &receipt.events {
        match event {
            Event::TreasuryLiquidityProvided {
                pool,
                asset,
                asset_amount,
                usdm_minted,
                shares,
            } => {
                let pair = pair_address(&ctx.protocol, *pool)?;
                let p = ctx.protocol.pool(*pool)?;
                let asset_side = p.side(*asset)?;
                let mut max = [Uint128::zero(); 2];
                max[asset_side] = uint(*asset_amount);
                max[1 - asset_side] = uint(*usdm_minted);
                msgs.push(mint(&usdm, &hub, uint(*usdm_minted))?);
                msgs.push(approve(&usdm, pair.as_str(), uint(*usdm_minted))?);
                let mut funds = vec![];
                match token_info(deps, &ctx.protocol, *asset)? {
                    AssetInfo::Native { denom } => funds.push(Coin {
                        denom,
                        amount: uint(*asset_amount),
                    }),
                    AssetInfo::Cw20 { contract } => msgs.push(approve(
                        &Addr::unchecked(contract),
                        pair.as_str(),
                        uint(*asset_amount),
                    )?),
                }
                msgs.push(
                    WasmMsg::Execute {
                        contract_addr: pair.to_string(),
                        msg: to_json_binary(&PairMsg::ProvideLiquidity {
                            max,
                            min_shares: uint(*shares),
                        })?,
                        funds,
                    }
                    .into(),
                );
            }
            Event::TreasuryLiquidityWithdrawn {
                pool,
                asset,
                asset_amount,
                usdm_burned,
                shares,
            } => {
                let pair = pair_address(&ctx.protocol, *pool)?;
                let asset_side = ctx.protocol.pool(*pool)?.side(*asset)?;
                let mut min = [Uint128::zero(); 2];
                min[asset_side] = uint(*asset_amount);
                min[1 - asset_side] = uint(*usdm_burned);
                msgs.push(
                    WasmMsg::Execute {
                        contract_addr: pair.to_string(),
                        msg: to_json_binary(&PairMsg::WithdrawLiquidity {
                            shares: uint(*shares),
                            min,
                        })?,
                        funds: vec![],
                    }
                    .into(),
                );
                msgs.push(burn(&usdm, uint(*usdm_burned))?);
            }
            Event::StrategyAllocated {
                strategy,
                asset,
                amount: a,
            } => {
                msgs.push(token_info(deps, &ctx.protocol, *asset)?.transfer(strategy, uint(*a))?);
            }
            Event::GrantPaid {
                asset,
                amount: a,
                recipient,
                ..
            } => {
                msgs.push(
                    token_info(deps, &ctx.protocol, *asset)?
                        .transfer(recipient.as_str(), uint(*a))?,
                );
            }
            _ => {}
        }
    }
    if let Some(m) = external {
        msgs.push(m.into());
    }
    ctx.events.extend(receipt.events);
    ctx.finish("treasury", msgs)
}

/// External governance acts on other protocols, never on the hub, its governance contract,
/// its tokens, collateral or pairs: a message there could move treasury tokens outside the
/// protocol's books.
fn forbid_protocol_target(
    deps: Deps,
    env: &Env,
    protocol: &HubProtocol,
    contract: &Addr,
) -> Result<(), ContractError> {
    let forbidden = |what: &str| {
        ContractError::BadToken(format!(
            "external governance cannot target {what} ({contract})"
        ))
    };
    if contract == env.contract.address {
        return Err(forbidden("the hub itself"));
    }
    let hub = protocol.source().hub()?;
    if hub.governance.as_ref() == Some(contract) {
        return Err(forbidden("the hub's governance contract"));
    }
    if hub.usdm.as_ref() == Some(contract) || hub.xms.as_ref() == Some(contract) {
        return Err(forbidden("a protocol token"));
    }
    if let Some(i) = TOKEN_ASSET.may_load(deps.storage, contract.as_str())? {
        let symbol = protocol.config().assets[usize::from(i)];
        return Err(forbidden(&format!("the {symbol} collateral token")));
    }
    for id in 0..protocol.pool_count() as u32 {
        if protocol.source().pair(id)?.address == *contract {
            return Err(forbidden("a registered pair"));
        }
    }
    // A pair of the accepted code that is not registered (any more: a retired pool's slot may
    // have gone to another pair) could still hold treasury allowances or fees.
    if let Some(code) = hub.pair_code {
        let target = deps.querier.query_wasm_contract_info(contract)?;
        if deps.querier.query_wasm_code_info(target.code_id)?.checksum == code {
            return Err(forbidden("a Mars Swap pair of the accepted code"));
        }
    }
    Ok(())
}

/// Moves a pair's protocol fees into the treasury: the hub sweeps them and burns the USDm part.
pub fn sweep_pool_fees(deps: Deps, env: &Env, pool: u32) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    let pair = pair_address(&ctx.protocol, pool)?;
    let msgs = sweep(&mut ctx, pool, &pair)?;
    ctx.finish("sweep_pool_fees", msgs)
}

/// Sweeps pool `pool` (at `pair`) in the core and returns the messages that move the tokens:
/// the pair's `SweepFees`, then burns of the USDm (and of XMS unless it is treasury collateral).
pub fn sweep(ctx: &mut Ctx, pool: u32, pair: &Addr) -> Result<Vec<CosmosMsg>, ContractError> {
    let (usdm, xms) = tokens(&ctx.protocol)?;
    let fees = ctx.apply(|p, now| p.sweep_pool_fees(pool, now))?;
    let tokens_of_pool = ctx.protocol.pool(pool)?.tokens;
    let mut msgs: Vec<CosmosMsg> = vec![WasmMsg::Execute {
        contract_addr: pair.to_string(),
        msg: to_json_binary(&PairMsg::SweepFees {})?,
        funds: vec![],
    }
    .into()];
    for (token, fee) in tokens_of_pool.into_iter().zip(fees) {
        if fee.is_zero() {
            continue;
        }
        if token == USDM {
            msgs.push(burn(&usdm, uint(fee))?);
        } else if token == XMS && ctx.protocol.find_asset(XMS).is_none() {
            msgs.push(burn(&xms, uint(fee))?);
        }
    }
    Ok(msgs)
}

/// A strategy returns native tokens (funds) to the treasury.
pub fn return_native(deps: Deps, env: &Env, info: &MessageInfo) -> Result<Outcome, ContractError> {
    let coin = cw_utils::one_coin(info)?;
    let not_whitelisted =
        || ContractError::BadToken(format!("{} is not a whitelisted denom", coin.denom));
    let index = TOKEN_ASSET
        .may_load(deps.storage, coin.denom.as_str())?
        .ok_or_else(not_whitelisted)?;
    let ctx = load(deps, env)?;
    let asset = ctx.protocol.config().assets[usize::from(index)];
    native_payment(deps, &ctx.protocol, info, asset)?;
    return_from_strategy(ctx, &info.sender, asset, coin.amount)
}

/// Tokens a strategy returned: recorded as a recall of that strategy's position.
pub fn return_from_strategy(
    mut ctx: Ctx,
    strategy: &Addr,
    asset: Symbol,
    returned: Uint128,
) -> Result<Outcome, ContractError> {
    // The strategy is authenticated by its address: the tokens came from it.
    let name = strategy.to_string();
    ctx.apply(|p, now| p.strategy_returned(name, asset, amount(returned), now))?;
    ctx.finish("return_from_strategy", vec![])
}
