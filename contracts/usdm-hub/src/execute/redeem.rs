//! Redemption: USDm arrives with a cw20 Send and is burned; what is owed is collected later,
//! collateral transferred and XMS minted to the owner.

use crate::context::{asset_info, burn, finish, load, mint, tokens, Ctx};
use crate::convert::{amount, symbol, uint};
use crate::error::ContractError;
use cosmwasm_std::{Addr, DepsMut, Env, Response, Uint128};
use usdm_core::ids::Account;
use usdm_core::redeem::RedeemRequest;

/// Redeem `usdm_in` USDm the hub has just received from `owner`.
#[allow(clippy::too_many_arguments)]
pub fn redeem(
    deps: DepsMut,
    mut ctx: Ctx,
    owner: &Addr,
    usdm_in: Uint128,
    asset: Option<String>,
    min_collateral_out: Uint128,
    min_xms_out: Uint128,
) -> Result<Response, ContractError> {
    let (usdm, _) = tokens(deps.as_ref())?;
    let request = RedeemRequest {
        usdm_in: amount(usdm_in),
        asset: asset.as_deref().map(symbol).transpose()?,
        min_collateral_out: amount(min_collateral_out),
        min_xms_out: amount(min_xms_out),
    };
    let caller = Account::new(owner.as_str());
    let pending = ctx.apply(deps.as_ref(), |p, now| p.redeem(&caller, &request, now))?;
    let msgs = vec![burn(&usdm, usdm_in)?];
    Ok(finish(deps, ctx, "redeem", msgs)?.add_attribute("redemption_id", pending.id.to_string()))
}

/// Pay out a pending redemption to its owner (anyone may trigger it).
pub fn collect(deps: DepsMut, env: Env, id: u64) -> Result<Response, ContractError> {
    let (_, xms) = tokens(deps.as_ref())?;
    let mut ctx = load(deps.as_ref(), &env)?;
    let paid = ctx.apply(deps.as_ref(), |p, now| p.collect(id, now))?;
    let mut msgs = Vec::new();
    if let Some(asset) = paid.asset.filter(|_| !paid.collateral.is_zero()) {
        msgs.push(
            asset_info(deps.as_ref(), &ctx.protocol, asset)?
                .transfer(paid.owner.as_str(), uint(paid.collateral))?,
        );
    }
    if !paid.xms.is_zero() {
        msgs.push(mint(&xms, paid.owner.as_str(), uint(paid.xms))?);
    }
    finish(deps, ctx, "collect", msgs)
}
