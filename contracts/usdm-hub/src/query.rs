//! Queries: the protocol as of this block (epochs rolled as the next operation would roll
//! them), its parts loaded as each answer needs them.

use crate::context::load;
use crate::convert::{amount, decimal, symbol, uint, usd, usdm};
use crate::error::ContractError;
use crate::state::{redemptions, ASSET_INFO};
use cosmwasm_std::{to_json_binary, Addr, Binary, Decimal, Deps, Env, Order};
use cw_storage_plus::Bound;
use usdm_core::mint::MintRequest;
use usdm_core::prices::HISTORY_LEN;
use usdm_core::redeem::RedeemRequest;
use usdm_core::state::HistoryId;
use usdm_core::Protocol;
use usdm_interface::hub::{
    AssetEntry, ConfigResponse, MaxDepositResponse, MintQuoteResponse, PairInfo, PendingRedemption,
    PendingResponse, PositionResponse, PriceResponse, QueryMsg, RedeemQuoteResponse,
    SuppliesResponse, SupplyCapResponse, SupportRampInfo, SupportRatioResponse, TreasuryResponse,
    DEFAULT_PAGE, MAX_PAGE,
};

/// Answers a query.
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    let mut ctx = load(deps, &env)?;
    Ok(match msg {
        QueryMsg::Config {} => {
            let p = &ctx.protocol;
            let hub = p.source().hub()?;
            let mut assets = Vec::new();
            for i in 0..p.asset_count() {
                let config = p.asset(i)?;
                assets.push(AssetEntry {
                    symbol: config.symbol.to_string(),
                    tier: config.tier.number(),
                    decimals: config.decimals,
                    info: ASSET_INFO.load(deps.storage, i as u16)?,
                });
            }
            let mut pairs = Vec::new();
            for id in 0..p.pool_count() as u32 {
                let r = p.source().pair(id)?;
                if !r.retired {
                    pairs.push(PairInfo {
                        pool: id,
                        address: r.address.to_string(),
                        tokens: r.tokens.map(|t| t.to_string()),
                    });
                }
            }
            let g = p.governance();
            to_json_binary(&ConfigResponse {
                usdm_token: hub.usdm.map(|a| a.to_string()),
                xms_token: hub.xms.map(|a| a.to_string()),
                governance: hub.governance.map(|a| a.to_string()),
                governor: g.governor.to_string(),
                pending_governor: g.pending_governor.as_ref().map(|a| a.to_string()),
                feeders: g.feeders.iter().map(|f| f.to_string()).collect(),
                policy: match p.policy().kind() {
                    usdm_core::params::PolicyKind::Mars => "mars",
                    usdm_core::params::PolicyKind::Frax => "frax",
                }
                .to_string(),
                mint_ratio: decimal(p.policy().mint_ratio()),
                redeem_ratio: decimal(p.policy().redeem_ratio()),
                assets,
                pairs,
                paused: g.pauses.iter().map(|t| t.to_string()).collect(),
                params: params(p.params()),
                pair_code: hub.pair_code,
            })?
        }
        QueryMsg::Price { symbol: s } => {
            let s = symbol(&s)?;
            let q = ctx.run(|p, now| p.price(s, now))?;
            to_json_binary(&PriceResponse {
                spot: Decimal::raw(q.spot.raw()),
                twap: Decimal::raw(q.twap.raw()),
            })?
        }
        QueryMsg::Treasury {} => {
            let (v, escrow, backing, fees) = ctx.run(|p, now| {
                let v = p.valuation(now)?;
                let escrow: Vec<_> = p.holdings()?.iter().map(|h| h.escrow).collect();
                Ok((v, escrow, p.backing_ratio(now)?, p.fee_totals()?))
            })?;
            let positions = v
                .positions
                .iter()
                .zip(escrow)
                .map(|(pos, escrow)| PositionResponse {
                    symbol: pos.symbol.to_string(),
                    tier: pos.tier.number(),
                    idle: uint(pos.idle),
                    in_strategies: uint(pos.in_strategies),
                    in_pools: uint(pos.in_pools),
                    escrow: uint(escrow),
                    value: usd(pos.value),
                })
                .collect();
            to_json_binary(&TreasuryResponse {
                total_value: usd(v.total),
                by_tier: v.by_tier.iter().map(|t| usd(*t)).collect(),
                positions,
                backing_ratio: backing.map(|m| Decimal::raw(m.raw())),
                mint_fees: usd(fees.mint),
                redeem_fees: usd(fees.redeem),
            })?
        }
        QueryMsg::SupplyCap {} => {
            let s = ctx.run(|p, now| p.cap_status(now))?;
            to_json_binary(&SupplyCapResponse {
                epoch: s.epoch,
                seconds_to_next_epoch: s.seconds_to_next_epoch,
                average_xms_mcap: s.average_mcap.map(usd),
                supply_cap: s.supply_cap.map(usdm),
                circulating_usdm: usdm(s.circulating_usdm),
                headroom: usdm(s.headroom),
            })?
        }
        QueryMsg::SupportRatio {} => {
            // The ratio and the ramp live in the config part: nothing to load.
            let s = ctx.protocol.support_ratio(ctx.now);
            let dec = |r: usdm_core::units::SupportRatio| Decimal::raw(r.raw());
            to_json_binary(&SupportRatioResponse {
                ratio: dec(s.ratio),
                ramp: s.ramp.map(|r| SupportRampInfo {
                    from: dec(r.from),
                    to: dec(r.to),
                    start: r.start,
                    end: r.end,
                }),
            })?
        }
        QueryMsg::MaxDeposit { asset } => {
            let s = symbol(&asset)?;
            to_json_binary(&MaxDepositResponse {
                max_deposit: ctx.run(|p, now| p.max_deposit(s, now))?.map(uint),
            })?
        }
        QueryMsg::QuoteMint { asset, amount: a } => {
            let req = MintRequest::collateral(
                symbol(&asset)?,
                amount(a),
                usdm_core::units::Amount::new(u128::MAX),
                usdm_core::units::Amount::ZERO,
            );
            let q = ctx.run(|p, now| p.quote_mint(&req, now))?;
            to_json_binary(&MintQuoteResponse {
                cr: decimal(q.cr),
                xms_in: uint(q.xms_in),
                usdm_out: uint(q.usdm_out),
                fee: usd(q.fee),
            })?
        }
        QueryMsg::QuoteRedeem { usdm: u, asset } => {
            let req = RedeemRequest::new(amount(u), asset.as_deref().map(symbol).transpose()?);
            let q = ctx.run(|p, now| p.quote_redeem(&req, now))?;
            to_json_binary(&RedeemQuoteResponse {
                cr: decimal(q.cr),
                collateral_out: uint(q.collateral_out),
                xms_out: uint(q.xms_out),
                fee: usd(q.fee),
            })?
        }
        QueryMsg::PendingRedemptions {
            owner,
            start_after,
            limit,
        } => to_json_binary(&pending(deps, owner, start_after, limit)?)?,
        QueryMsg::Supplies {} => {
            let (supply, owned, circulating_xms) = ctx.run(|p, now| {
                Ok((
                    *p.supply(),
                    p.protocol_owned_usdm(now)?,
                    p.circulating_xms(now.seconds)?,
                ))
            })?;
            to_json_binary(&SuppliesResponse {
                usdm: uint(supply.usdm),
                circulating_usdm: uint(supply.usdm.saturating_sub(owned)),
                protocol_owned_usdm: uint(owned),
                xms: uint(supply.xms),
                circulating_xms: uint(circulating_xms),
            })?
        }
    })
}

/// A page of pending redemptions, from the store (by id, or through the owner index).
fn pending(
    deps: Deps,
    owner: Option<String>,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<PendingResponse, ContractError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
    let start = start_after.map(Bound::exclusive);
    let map = redemptions();
    let page: Vec<usdm_core::redeem::PendingRedemption> = match owner {
        Some(owner) => map
            .idx
            .owner
            .prefix(owner)
            .range(deps.storage, start, None, Order::Ascending)
            .take(limit)
            .map(|r| r.map(|(_, v)| v))
            .collect::<Result<_, _>>()?,
        None => map
            .range(deps.storage, start, None, Order::Ascending)
            .take(limit)
            .map(|r| r.map(|(_, v)| v))
            .collect::<Result<_, _>>()?,
    };
    let next = (page.len() == limit)
        .then(|| page.last().map(|r| r.id))
        .flatten();
    Ok(PendingResponse {
        redemptions: page
            .into_iter()
            .map(|r| PendingRedemption {
                id: r.id,
                owner: r.owner.to_string(),
                asset: r.asset.map(|a| a.to_string()),
                collateral: uint(r.collateral),
                xms: uint(r.xms),
                ready_at: r.ready_at,
            })
            .collect(),
        next,
    })
}

/// The whole protocol in memory, every part loaded from the hub's storage and its pairs' (for
/// tests, audits and migrations; an operation never needs it all).
pub fn whole_state(deps: Deps, hub: &Addr) -> Result<Protocol, ContractError> {
    let p = crate::store::load_protocol(deps, hub.clone())?;
    // Read every part once, so the protocol holds them all.
    for i in 0..p.asset_count() {
        p.asset(i)?;
        p.holding(i)?;
    }
    let mut histories = Vec::new();
    for i in 0..p.config().feeds.len() {
        histories.push((HistoryId::Feed(i as u16), p.feed(i)?.history));
    }
    for id in 0..p.pool_count() as u32 {
        let pool = p.pool(id)?;
        for side in 0..2u8 {
            histories.push((
                HistoryId::Pool(id, side),
                pool.prices[usize::from(side)].history,
            ));
        }
    }
    // The checkpoints each history's cursor says exist.
    for (h, cursor) in histories {
        for seq in cursor.next - u64::from(cursor.len)..cursor.next {
            p.checkpoint(h, (seq % HISTORY_LEN as u64) as u8)?;
        }
    }
    let mut p = p.with_source(usdm_core::state::InMemory);
    let all: Vec<usdm_core::redeem::PendingRedemption> = redemptions()
        .range(deps.storage, None, None, Order::Ascending)
        .map(|r| r.map(|(_, v)| v))
        .collect::<Result<_, _>>()?;
    p.set_all_redemptions(all);
    Ok(p)
}

/// The core's parameters in the interface's units.
fn params(p: &usdm_core::params::Params) -> usdm_interface::hub::ParamsResponse {
    let d = |r: usdm_core::units::Ratio| decimal(r);
    usdm_interface::hub::ParamsResponse {
        epoch_seconds: p.epoch_seconds,
        xms_support_ratio: Decimal::raw(p.xms_support_ratio.raw()),
        max_price_age: p.max_price_age,
        twap_window: p.twap_window,
        redemption_delay: p.redemption_delay,
        min_redemption: uint(p.min_redemption),
        tier_max_share: p.max_share.iter().copied().map(d).collect(),
        tier_mint_fee: p.fees.mint.iter().copied().map(d).collect(),
        tier_redeem_fee: p.fees.redeem.iter().copied().map(d).collect(),
        cr_step: d(p.frax.cr_step),
        price_band: d(p.frax.price_band),
        refresh_cooldown: p.frax.refresh_cooldown,
        min_cr: d(p.frax.min_cr),
        bonus_rate: d(p.frax.bonus_rate),
        breaker_redemption_outflow: p.breakers.redemption_outflow.map(d),
        breaker_xms_minted: p.breakers.xms_minted.map(d),
        ramp_max_daily_change: d(p.support_ramp.max_daily_change),
        ramp_min_seconds: p.support_ramp.min_seconds,
    }
}
