//! Governance actions: the core checks the caller and validates every change; the hub adds the
//! on-chain side (asset identities, pair contracts).

use crate::context::{load, require_governor, tokens, Ctx, Outcome};
use crate::convert::{asset_config, override_change, param, pause, ratio, support_ratio, symbol};
use crate::error::ContractError;
use crate::state::{PairRecord, ASSETS, ASSET_INFO, HUB, PAIRS, TOKEN_ASSET};
use cosmwasm_std::{Addr, Deps, Env, MessageInfo};
use usdm_core::asset::{AssetUpdate, PriceSource};
use usdm_core::governance::GovAction;
use usdm_core::ids::{Account, USDM, XMS};
use usdm_interface::governance::AssetMsg;
use usdm_interface::governance::GovMsg;
use usdm_interface::pair::{PairConfigResponse, QueryMsg as PairQuery};
use usdm_interface::AssetInfo;

/// Validates an asset's on-chain identity and checks no other asset uses it.
pub fn check_asset_info(
    deps: Deps,
    registered: &crate::state::Hub,
    msg: &AssetMsg,
) -> Result<AssetInfo, ContractError> {
    let info = match &msg.info {
        AssetInfo::Native { denom } if denom.trim().is_empty() => {
            return Err(ContractError::BadToken(format!(
                "{}: empty denom",
                msg.symbol
            )))
        }
        AssetInfo::Native { denom } => AssetInfo::Native {
            denom: denom.clone(),
        },
        AssetInfo::Cw20 { contract } => AssetInfo::Cw20 {
            contract: deps.api.addr_validate(contract)?.to_string(),
        },
    };
    if let AssetInfo::Cw20 { contract } = &info {
        if [&registered.usdm, &registered.xms]
            .iter()
            .any(|t| t.as_ref().is_some_and(|t| t.as_str() == contract))
        {
            return Err(ContractError::BadToken(format!(
                "{}: the USDm and XMS tokens cannot be collateral under another name",
                msg.symbol
            )));
        }
    }
    if let Some(other) = TOKEN_ASSET.may_load(deps.storage, token_key(&info))? {
        let other = ASSETS.load(deps.storage, other)?.symbol;
        return Err(ContractError::BadToken(format!(
            "{} is already whitelisted as {other}",
            msg.symbol
        )));
    }
    Ok(info)
}

/// The key of a token in `TOKEN_ASSET`: its denom or its contract address.
pub fn token_key(info: &AssetInfo) -> &str {
    match info {
        AssetInfo::Native { denom } => denom,
        AssetInfo::Cw20 { contract } => contract,
    }
}

/// With a newly whitelisted asset's on-chain identity recorded (its configuration is the
/// core's part, written with the operation's changes).
pub fn record_asset(
    outcome: Outcome,
    index: u16,
    info: &AssetInfo,
    indexed: bool,
) -> Result<Outcome, ContractError> {
    let outcome = outcome.set(ASSET_INFO.key(index), info)?;
    if indexed {
        return outcome.set(TOKEN_ASSET.key(token_key(info)), &index);
    }
    Ok(outcome)
}

/// Runs a governance message from `info.sender`.
pub fn govern(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
    msg: GovMsg,
) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    // Refuse others before any on-chain work (querying a pair, validating an asset); the core
    // checks again.
    require_governor(&ctx.protocol, &info.sender, "govern")?;
    let caller = Account::new(info.sender.as_str());
    let mut new_asset = None;
    let mut new_pair = None;
    let action = match msg {
        GovMsg::RegisterTokens { usdm, xms } => {
            return crate::execute::tokens::register_tokens(ctx, env, usdm, xms)
        }
        GovMsg::ProposeGovernor { candidate } => GovAction::ProposeGovernor {
            candidate: Account::new(deps.api.addr_validate(&candidate)?.as_str()),
        },
        GovMsg::CancelGovernorProposal {} => GovAction::CancelGovernorProposal,
        GovMsg::AddFeeder { feeder } => GovAction::AddFeeder {
            feeder: Account::new(deps.api.addr_validate(&feeder)?.as_str()),
        },
        GovMsg::RemoveFeeder { feeder } => GovAction::RemoveFeeder {
            feeder: Account::new(feeder),
        },
        GovMsg::WhitelistAsset { asset } => {
            let config = asset_config(&asset)?;
            let on_chain = if config.symbol == XMS {
                // XMS as tier-5 collateral lives at the XMS token (set at registration).
                match tokens(&ctx.protocol) {
                    Ok((_, xms)) => AssetInfo::Cw20 {
                        contract: xms.to_string(),
                    },
                    Err(_) => asset.info.clone(),
                }
            } else {
                check_asset_info(deps, &ctx.protocol.source().hub()?, &asset)?
            };
            new_asset = Some((on_chain, config.symbol != XMS));
            GovAction::WhitelistAsset { config }
        }
        GovMsg::UpdateAsset {
            symbol: s,
            max_share,
            mint_fee,
            redeem_fee,
            mint_enabled,
            redeem_enabled,
        } => GovAction::UpdateAsset {
            symbol: symbol(&s)?,
            update: AssetUpdate {
                max_share: override_change(max_share)?,
                mint_fee: override_change(mint_fee)?,
                redeem_fee: override_change(redeem_fee)?,
                mint_enabled,
                redeem_enabled,
            },
        },
        GovMsg::SetParam { param: p } => GovAction::SetParam { change: param(p)? },
        GovMsg::SetCollateralRatio { cr } => GovAction::SetCollateralRatio { cr: ratio(cr)? },
        GovMsg::RegisterPair { pair } => {
            let pair = deps.api.addr_validate(&pair)?;
            let bad = |reason: String| ContractError::BadPair {
                pair: pair.to_string(),
                reason,
            };
            let info = deps.querier.query_wasm_contract_info(&pair)?;
            let code = deps.querier.query_wasm_code_info(info.code_id)?;
            match ctx.protocol.source().hub()?.pair_code {
                None => {
                    return Err(bad(
                        "no pair code is accepted yet; governance sets it with set_pair_code"
                            .into(),
                    ))
                }
                Some(accepted) if accepted != code.checksum => {
                    return Err(bad(format!(
                        "it runs code {} (id {}), not the accepted pair code {accepted}",
                        code.checksum, info.code_id
                    )))
                }
                Some(_) => {}
            }
            if info
                .admin
                .as_ref()
                .is_some_and(|a| *a != env.contract.address)
            {
                return Err(bad(format!(
                    "its admin {} could replace its code; instantiate it with no admin",
                    info.admin.unwrap_or_else(|| Addr::unchecked(""))
                )));
            }
            let config: PairConfigResponse = deps
                .querier
                .query_wasm_smart(&pair, &PairQuery::Config {})?;
            if config.fee_recipient != env.contract.address.as_str() {
                return Err(bad(format!(
                    "its fee recipient is {}, not this hub",
                    config.fee_recipient
                )));
            }
            // The pair's checkpoints must cover the protocol's window; a much longer one
            // would stretch the span averaged beyond it.
            let window = ctx.protocol.params().twap_window;
            if config.twap_window < window || config.twap_window > window.saturating_mul(4) {
                return Err(bad(format!(
                    "its TWAP window is {}s; accepted: the protocol's {window}s to 4 times it",
                    config.twap_window
                )));
            }
            let (usdm, xms) = tokens(&ctx.protocol)?;
            let mut symbols = [USDM; 2];
            for (i, t) in config.tokens.iter().enumerate() {
                let s = symbol(&t.symbol)?;
                let (expected, decimals) = if s == USDM {
                    (
                        AssetInfo::Cw20 {
                            contract: usdm.to_string(),
                        },
                        18,
                    )
                } else if s == XMS {
                    (
                        AssetInfo::Cw20 {
                            contract: xms.to_string(),
                        },
                        18,
                    )
                } else {
                    let i = ctx
                        .protocol
                        .find_asset(s)
                        .ok_or_else(|| bad(format!("{s} is not a whitelisted asset")))?;
                    (
                        ASSET_INFO.load(deps.storage, i as u16)?,
                        ctx.protocol.asset(i)?.decimals,
                    )
                };
                if t.info != expected {
                    let show = |i: &AssetInfo| match i {
                        AssetInfo::Native { denom } => format!("the native denom {denom}"),
                        AssetInfo::Cw20 { contract } => format!("the cw20 {contract}"),
                    };
                    return Err(bad(format!(
                        "its {s} is {}, but the protocol's {s} is {}",
                        show(&t.info),
                        show(&expected)
                    )));
                }
                if t.decimals != decimals {
                    return Err(bad(format!(
                        "its {s} has {} decimals, the protocol's {decimals}",
                        t.decimals
                    )));
                }
                symbols[i] = s;
            }
            for id in 0..ctx.protocol.pool_count() as u32 {
                let r = ctx.protocol.source().pair(id)?;
                if r.address == pair && !r.retired {
                    return Err(bad("it is already registered".into()));
                }
            }
            new_pair = Some(PairRecord {
                address: pair,
                tokens: symbols,
                decimals: [config.tokens[0].decimals, config.tokens[1].decimals],
                twap_window: config.twap_window,
                retired: false,
            });
            GovAction::CreatePool { tokens: symbols }
        }
        GovMsg::SetPairCode { checksum } => {
            let mut hub = ctx.protocol.source().hub()?;
            hub.pair_code = checksum;
            let shown = checksum.map_or_else(|| "none".to_string(), |c| c.to_hex());
            return Ok(ctx
                .finish("govern", vec![])?
                .set(HUB.key().to_vec(), &hub)?
                .attribute("pair_code", shown));
        }
        GovMsg::UnregisterPair { pool } => {
            return unregister_pair(ctx, &caller, pool);
        }
        GovMsg::SetPriceSource { symbol: s, pool } => GovAction::SetPriceSource {
            symbol: symbol(&s)?,
            source: pool.map_or(PriceSource::Feed, |pool| PriceSource::Pool { pool }),
        },
        GovMsg::StartSupportRamp { to, seconds } => GovAction::StartSupportRamp {
            to: support_ratio(to)?,
            seconds,
        },
        GovMsg::StopSupportRamp {} => GovAction::StopSupportRamp,
        GovMsg::Pause { target } => GovAction::Pause {
            target: pause(target)?,
        },
        GovMsg::Unpause { target } => GovAction::Unpause {
            target: pause(target)?,
        },
    };
    ctx.apply(|p, now| p.govern(&caller, action, now))?;
    let new_pool = ctx.events.iter().find_map(|e| match e {
        usdm_core::Event::PoolCreated { pool, .. } => Some(*pool),
        _ => None,
    });
    let index = ctx.protocol.asset_count() as u16;
    let mut outcome = ctx.finish("govern", vec![])?;
    if let Some((on_chain, indexed)) = new_asset {
        outcome = record_asset(outcome, index - 1, &on_chain, indexed)?;
    }
    if let (Some(record), Some(id)) = (new_pair, new_pool) {
        outcome = outcome.set(PAIRS.key(id), &record)?;
    }
    Ok(outcome)
}

/// Retires a pair's pool in the core, then forgets the pair: unswept protocol fees are swept
/// first, in the same message; the core refuses while the pool prices a token or the treasury
/// holds shares in it. The pair may be registered again later, as a new pool.
fn unregister_pair(mut ctx: Ctx, caller: &Account, pool: u32) -> Result<Outcome, ContractError> {
    let unknown = || ContractError::UnknownPair(pool);
    if pool as usize >= ctx.protocol.pool_count() {
        return Err(unknown());
    }
    let mut record = Some(ctx.protocol.source().pair(pool)?)
        .filter(|r| !r.retired)
        .ok_or_else(unknown)?;
    let unswept = ctx.run(|p, _| Ok(p.pool(pool)?.protocol_fees.iter().any(|f| !f.is_zero())))?;
    let mut msgs = Vec::new();
    if unswept {
        msgs = crate::execute::treasury::sweep(&mut ctx, pool, &record.address)?;
    }
    ctx.apply(|p, now| p.govern(caller, GovAction::RetirePool { pool }, now))?;
    record.retired = true;
    Ok(ctx
        .finish("govern", msgs)?
        .set(PAIRS.key(pool), &record)?
        .attribute("unregistered_pool", pool.to_string()))
}

/// The proposed governor accepts.
pub fn accept_governor(
    deps: Deps,
    env: &Env,
    info: &MessageInfo,
) -> Result<Outcome, ContractError> {
    let mut ctx = load(deps, env)?;
    let caller = Account::new(info.sender.as_str());
    ctx.apply(|p, now| p.accept_governor(&caller, now))?;
    ctx.finish("accept_governor", vec![])
}
