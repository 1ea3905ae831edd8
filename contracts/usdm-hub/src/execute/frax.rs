//! Frax recollateralization (collateral in, XMS minted) and buyback (XMS burned, collateral out).

use crate::context::{asset_info, burn, finish, load, mint, tokens, Ctx};
use crate::convert::{amount, symbol, uint};
use crate::error::ContractError;
use crate::execute::native_payment;
use cosmwasm_std::{Addr, DepsMut, Env, MessageInfo, Response, Uint128};
use usdm_core::ids::{Account, Symbol};

/// Recollateralize with native collateral sent as funds.
pub fn recollateralize_native(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    asset: String,
    min_xms_out: Uint128,
) -> Result<Response, ContractError> {
    let asset = symbol(&asset)?;
    let ctx = load(deps.as_ref(), &env)?;
    let coin = native_payment(deps.as_ref(), &ctx.protocol, &info, asset)?;
    recollateralize_with(deps, ctx, &info.sender, asset, coin.amount, min_xms_out)
}

/// Recollateralize with collateral already received.
pub fn recollateralize_with(
    deps: DepsMut,
    mut ctx: Ctx,
    caller: &Addr,
    asset: Symbol,
    collateral: Uint128,
    min_xms_out: Uint128,
) -> Result<Response, ContractError> {
    let (_, xms) = tokens(deps.as_ref())?;
    let who = Account::new(caller.as_str());
    let trade = ctx.apply(deps.as_ref(), |p, now| {
        p.recollateralize(&who, asset, amount(collateral), amount(min_xms_out), now)
    })?;
    let msgs = vec![mint(&xms, caller.as_str(), uint(trade.xms))?];
    finish(deps, ctx, "recollateralize", msgs)
}

/// Buy back collateral with XMS the hub has just received (burned).
pub fn buyback(
    deps: DepsMut,
    mut ctx: Ctx,
    caller: &Addr,
    xms_in: Uint128,
    asset: String,
    min_collateral_out: Uint128,
) -> Result<Response, ContractError> {
    let (_, xms) = tokens(deps.as_ref())?;
    let asset = symbol(&asset)?;
    let who = Account::new(caller.as_str());
    let trade = ctx.apply(deps.as_ref(), |p, now| {
        p.buyback(&who, asset, amount(xms_in), amount(min_collateral_out), now)
    })?;
    let msgs = vec![
        burn(&xms, xms_in)?,
        asset_info(deps.as_ref(), &ctx.protocol, asset)?
            .transfer(caller.as_str(), uint(trade.collateral))?,
    ];
    finish(deps, ctx, "buyback", msgs)
}
