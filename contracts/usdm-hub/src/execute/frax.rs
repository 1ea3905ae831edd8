//! Frax recollateralization (collateral in, XMS minted) and buyback (XMS burned, collateral out).

use crate::context::{asset_info, burn, load, mint, tokens, Ctx, Outcome};
use crate::convert::{amount, symbol, uint};
use crate::error::ContractError;
use crate::execute::native_payment;
use cosmwasm_std::{Addr, Deps, Env, MessageInfo, Uint128};
use usdm_core::ids::{Account, Symbol};

/// Recollateralize with native collateral sent as funds.
pub fn recollateralize_native(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    asset: String,
    min_xms_out: Uint128,
) -> Result<Outcome, ContractError> {
    let asset = symbol(&asset)?;
    let ctx = load(deps, env)?;
    let coin = native_payment(deps, &ctx.protocol, info, asset)?;
    recollateralize_with(ctx, &info.sender, asset, coin.amount, min_xms_out)
}

/// Recollateralize with collateral already received.
pub fn recollateralize_with(
    mut ctx: Ctx,
    caller: &Addr,
    asset: Symbol,
    collateral: Uint128,
    min_xms_out: Uint128,
) -> Result<Outcome, ContractError> {
    let (_, xms) = tokens(&ctx.protocol)?;
    let who = Account::new(caller.as_str());
    let trade = ctx.apply(|p, now| {
        p.recollateralize(&who, asset, amount(collateral), amount(min_xms_out), now)
    })?;
    let msgs = vec![mint(&xms, caller.as_str(), uint(trade.xms))?];
    ctx.finish("recollateralize", msgs)
}

/// Buy back collateral with XMS the hub has just received (burned).
pub fn buyback(
    mut ctx: Ctx,
    caller: &Addr,
    xms_in: Uint128,
    asset: String,
    min_collateral_out: Uint128,
) -> Result<Outcome, ContractError> {
    let (_, xms) = tokens(&ctx.protocol)?;
    let asset = symbol(&asset)?;
    let who = Account::new(caller.as_str());
    let trade = ctx
        .apply(|p, now| p.buyback(&who, asset, amount(xms_in), amount(min_collateral_out), now))?;
    let msgs = vec![
        burn(&xms, xms_in)?,
        asset_info(ctx.deps(), &ctx.protocol, asset)?
            .transfer(caller.as_str(), uint(trade.collateral))?,
    ];
    ctx.finish("buyback", msgs)
}
