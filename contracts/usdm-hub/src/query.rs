//! Queries: the protocol loaded as of this block (pairs mirrored, epochs rolled) and asked.

use crate::context::load;
use crate::convert::{amount, decimal, symbol, uint, usd, usdm};
use crate::error::ContractError;
use crate::state::{ASSETS, PAIRS, TOKENS};
use cosmwasm_std::{to_json_binary, Binary, Decimal, Deps, Env, Order};
use usdm_core::ids::Account;
use usdm_core::mint::MintRequest;
use usdm_core::redeem::RedeemRequest;
use usdm_interface::hub::{
    AssetEntry, ConfigResponse, MaxDepositResponse, MintQuoteResponse, PairInfo, PendingRedemption,
    PendingResponse, PositionResponse, PriceResponse, QueryMsg, RedeemQuoteResponse,
    SuppliesResponse, SupplyCapResponse, TreasuryResponse,
};

/// Answers a query.
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    let ctx = load(deps, &env)?;
    let p = &ctx.protocol;
    let now = ctx.now;
    Ok(match msg {
        QueryMsg::Config {} => {
            let tokens = TOKENS.load(deps.storage)?;
            let mut assets = Vec::new();
            for config in p.assets().iter() {
                let info = ASSETS.load(deps.storage, config.symbol.as_str())?;
                assets.push(AssetEntry {
                    symbol: config.symbol.to_string(),
                    tier: config.tier.number(),
                    decimals: config.decimals,
                    info,
                });
            }
            let pairs = PAIRS.may_load(deps.storage)?.unwrap_or_default();
            let g = p.governance();
            to_json_binary(&ConfigResponse {
                usdm_token: tokens.usdm.map(|a| a.to_string()),
                xms_token: tokens.xms.map(|a| a.to_string()),
                governor: g.governor.to_string(),
                pending_governor: g.pending_governor.as_ref().map(|a| a.to_string()),
                feeders: g.feeders.iter().map(|f| f.to_string()).collect(),
                policy: format!("{:?}", p.policy().kind()).to_lowercase(),
                mint_ratio: decimal(p.policy().mint_ratio()),
                redeem_ratio: decimal(p.policy().redeem_ratio()),
                assets,
                pairs: pairs
                    .into_iter()
                    .map(|(id, a)| {
                        let tokens = p
                            .pool(id)
                            .map(|pool| pool.tokens.map(|t| t.to_string()))
                            .unwrap_or_default();
                        PairInfo {
                            pool: id,
                            address: a.to_string(),
                            tokens,
                        }
                    })
                    .collect(),
                paused: g.pauses.iter().map(|t| t.to_string()).collect(),
                params: params(p.params()),
                pair_code: crate::state::PAIR_CODE.may_load(deps.storage)?.flatten(),
            })?
        }
        QueryMsg::Price { symbol: s } => {
            let q = p.price(symbol(&s)?, now)?;
            to_json_binary(&PriceResponse {
                spot: Decimal::raw(q.spot.raw()),
                twap: Decimal::raw(q.twap.raw()),
            })?
        }
        QueryMsg::Treasury {} => {
            let v = p.valuation(now)?;
            let fees = p.treasury().fee_totals();
            let positions = v
                .positions
                .iter()
                .enumerate()
                .map(|(i, pos)| PositionResponse {
                    symbol: pos.symbol.to_string(),
                    tier: pos.tier.number(),
                    idle: uint(pos.idle),
                    in_strategies: uint(pos.in_strategies),
                    in_pools: uint(pos.in_pools),
                    escrow: uint(p.treasury().holding(i).escrow),
                    value: usd(pos.value),
                })
                .collect();
            to_json_binary(&TreasuryResponse {
                total_value: usd(v.total),
                by_tier: v.by_tier.iter().map(|t| usd(*t)).collect(),
                positions,
                backing_ratio: p.backing_ratio(now)?.map(|m| Decimal::raw(m.raw())),
                mint_fees: usd(fees.mint),
                redeem_fees: usd(fees.redeem),
            })?
        }
        QueryMsg::SupplyCap {} => {
            let s = p.cap_status(now)?;
            to_json_binary(&SupplyCapResponse {
                epoch: s.epoch,
                seconds_to_next_epoch: s.seconds_to_next_epoch,
                average_xms_mcap: s.average_mcap.map(usd),
                supply_cap: s.supply_cap.map(usdm),
                circulating_usdm: usdm(s.circulating_usdm),
                headroom: usdm(s.headroom),
            })?
        }
        QueryMsg::MaxDeposit { asset } => to_json_binary(&MaxDepositResponse {
            max_deposit: p.max_deposit(symbol(&asset)?, now)?.map(uint),
        })?,
        QueryMsg::QuoteMint { asset, amount: a } => {
            let req = MintRequest::collateral(
                symbol(&asset)?,
                amount(a),
                usdm_core::units::Amount::new(u128::MAX),
                usdm_core::units::Amount::ZERO,
            );
            let q = p.quote_mint(&req, now)?;
            to_json_binary(&MintQuoteResponse {
                cr: decimal(q.cr),
                xms_in: uint(q.xms_in),
                usdm_out: uint(q.usdm_out),
                fee: usd(q.fee),
            })?
        }
        QueryMsg::QuoteRedeem { usdm: u, asset } => {
            let req = RedeemRequest::new(amount(u), asset.as_deref().map(symbol).transpose()?);
            let q = p.quote_redeem(&req, now)?;
            to_json_binary(&RedeemQuoteResponse {
                cr: decimal(q.cr),
                collateral_out: uint(q.collateral_out),
                xms_out: uint(q.xms_out),
                fee: usd(q.fee),
            })?
        }
        QueryMsg::PendingRedemptions { owner } => {
            let owner = owner.map(Account::new);
            let redemptions = p
                .redemptions()
                .iter()
                .filter(|r| owner.as_ref().is_none_or(|o| &r.owner == o))
                .map(|r| PendingRedemption {
                    id: r.id,
                    owner: r.owner.to_string(),
                    asset: r.asset.map(|a| a.to_string()),
                    collateral: uint(r.collateral),
                    xms: uint(r.xms),
                    ready_at: r.ready_at,
                })
                .collect();
            to_json_binary(&PendingResponse { redemptions })?
        }
        QueryMsg::Supplies {} => {
            let owned = p.protocol_owned_usdm(now)?;
            to_json_binary(&SuppliesResponse {
                usdm: uint(p.supply().usdm),
                circulating_usdm: uint(p.supply().usdm.saturating_sub(owned)),
                protocol_owned_usdm: uint(owned),
                xms: uint(p.supply().xms),
                circulating_xms: uint(p.circulating_xms()),
            })?
        }
        QueryMsg::State {} => to_json_binary(&to_json_binary(p)?)?,
    })
}

/// All whitelisted symbols with their on-chain identity (for tests and tools).
pub fn asset_infos(deps: Deps) -> Result<Vec<(String, usdm_interface::AssetInfo)>, ContractError> {
    Ok(ASSETS
        .range(deps.storage, None, None, Order::Ascending)
        .collect::<Result<_, _>>()?)
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
    }
}
