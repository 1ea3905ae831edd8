//! Price posts, the Frax controller and epoch pokes.

use crate::context::{load, Outcome};
use crate::convert::{price, symbol};
use crate::error::ContractError;
use cosmwasm_std::{Decimal, Deps, Env, MessageInfo};
use usdm_core::ids::Account;

/// A feeder posts a price.
pub fn post_price(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    token: String,
    value: Decimal,
    observed_at: u64,
) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    let (feeder, token, value) = (
        Account::new(info.sender.as_str()),
        symbol(&token)?,
        price(value)?,
    );
    ctx.apply(|p, now| p.post_price(&feeder, token, value, observed_at, now))?;
    ctx.finish("post_price", vec![])
}

/// Anyone runs the Frax controller.
pub fn refresh(deps: Deps, env: &Env) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    ctx.apply(|p, now| p.refresh_ratio(now))?;
    ctx.finish("refresh_ratio", vec![])
}

/// Anyone rolls epochs up to now.
pub fn poke(deps: Deps, env: &Env) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    ctx.apply(|p, now| p.poke(now))?;
    ctx.finish("poke", vec![])
}
