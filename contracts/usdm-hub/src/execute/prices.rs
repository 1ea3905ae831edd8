//! Price posts, the Frax controller and epoch pokes.

use crate::context::{finish, load};
use crate::convert::{price, symbol};
use crate::error::ContractError;
use cosmwasm_std::{Decimal, DepsMut, Env, MessageInfo, Response};
use usdm_core::ids::Account;

/// A feeder posts a price.
pub fn post_price(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    token: String,
    value: Decimal,
    observed_at: u64,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut ctx = load(deps.as_ref(), &env)?;
    let (feeder, token, value) = (
        Account::new(info.sender.as_str()),
        symbol(&token)?,
        price(value)?,
    );
    ctx.apply(deps.as_ref(), |p, now| {
        p.post_price(&feeder, token, value, observed_at, now)
    })?;
    finish(deps, ctx, "post_price", vec![])
}

/// Anyone runs the Frax controller.
pub fn refresh(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut ctx = load(deps.as_ref(), &env)?;
    ctx.apply(deps.as_ref(), |p, now| p.refresh_ratio(now))?;
    finish(deps, ctx, "refresh_ratio", vec![])
}

/// Anyone rolls epochs up to now.
pub fn poke(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut ctx = load(deps.as_ref(), &env)?;
    ctx.apply(deps.as_ref(), |p, now| p.poke(now))?;
    finish(deps, ctx, "poke", vec![])
}
