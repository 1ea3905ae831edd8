//! Minting: collateral in (native funds or a cw20 Send), XMS burned with `BurnFrom` below
//! ratio 1, USDm minted to the caller.

use crate::context::{burn_from, load, mint, tokens, Ctx, Outcome};
use crate::convert::{amount, symbol, uint};
use crate::error::ContractError;
use crate::execute::native_payment;
use cosmwasm_std::{Addr, Deps, Env, MessageInfo, Uint128};
use usdm_core::ids::{Account, Symbol};
use usdm_core::mint::MintRequest;

/// Mint with native collateral sent as funds.
pub fn mint_native(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    asset: String,
    max_xms_in: Uint128,
    min_usdm_out: Uint128,
) -> Result<Outcome, ContractError> {
    let asset = symbol(&asset)?;
    let ctx = load(deps, env)?;
    let coin = native_payment(deps, &ctx.protocol, info, asset)?;
    mint_with(
        ctx,
        &info.sender,
        asset,
        coin.amount,
        max_xms_in,
        min_usdm_out,
    )
}

/// Mint with `collateral` of `asset` already received by the hub (funds or a cw20 Send).
pub fn mint_with(
    mut ctx: Ctx,
    minter: &Addr,
    asset: Symbol,
    collateral: Uint128,
    max_xms_in: Uint128,
    min_usdm_out: Uint128,
) -> Result<Outcome, ContractError> {
    let (usdm, xms) = tokens(&ctx.protocol)?;
    let request = MintRequest::collateral(
        asset,
        amount(collateral),
        amount(max_xms_in),
        amount(min_usdm_out),
    );
    let caller = Account::new(minter.as_str());
    let q = ctx.apply(|p, now| p.mint(&caller, &request, now))?;
    let mut msgs = Vec::new();
    if !q.xms_in.is_zero() {
        msgs.push(burn_from(&xms, minter.as_str(), uint(q.xms_in))?);
    }
    msgs.push(mint(&usdm, minter.as_str(), uint(q.usdm_out))?);
    ctx.finish("mint", msgs)
}
