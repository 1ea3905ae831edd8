//! Redemption: USDm arrives with a cw20 Send and is burned; what is owed is collected later,
//! collateral transferred and XMS minted to the owner.

use crate::context::{asset_info, burn, load, mint, tokens, Ctx, Outcome};
use crate::convert::{amount, symbol, uint};
use crate::error::ContractError;
use cosmwasm_std::{Addr, Deps, Env, Uint128};
use usdm_core::ids::Account;
use usdm_core::redeem::RedeemRequest;

/// Redeem `usdm_in` USDm the hub has just received from `owner`.
pub fn redeem(
    mut ctx: Ctx,
    owner: &Addr,
    usdm_in: Uint128,
    asset: Option<String>,
    min_collateral_out: Uint128,
    min_xms_out: Uint128,
) -> Result<Outcome, ContractError> {
    let (usdm, _) = tokens(&ctx.protocol)?;
    let request = RedeemRequest {
        usdm_in: amount(usdm_in),
        asset: asset.as_deref().map(symbol).transpose()?,
        min_collateral_out: amount(min_collateral_out),
        min_xms_out: amount(min_xms_out),
    };
    let caller = Account::new(owner.as_str());
    let pending = ctx.apply(|p, now| p.redeem(&caller, &request, now))?;
    let msgs = vec![burn(&usdm, usdm_in)?];
    Ok(ctx
        .finish("redeem", msgs)?
        .attribute("redemption_id", pending.id.to_string()))
}

/// Pay out a pending redemption to its owner (anyone may trigger it).
pub fn collect(deps: Deps, env: &Env, id: u64) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    let (_, xms) = tokens(&ctx.protocol)?;
    let paid = ctx.apply(|p, now| p.collect(id, now))?;
    let mut msgs = Vec::new();
    if let Some(asset) = paid.asset.filter(|_| !paid.collateral.is_zero()) {
        msgs.push(
            asset_info(deps, &ctx.protocol, asset)?
                .transfer(paid.owner.as_str(), uint(paid.collateral))?,
        );
    }
    if !paid.xms.is_zero() {
        msgs.push(mint(&xms, paid.owner.as_str(), uint(paid.xms))?);
    }
    ctx.finish("collect", msgs)
}
