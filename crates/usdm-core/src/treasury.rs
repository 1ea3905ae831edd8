//! The treasury (SPEC 2 and 9): what it holds of each whitelisted asset, idle, in yield
//! strategies and in Mars Swap liquidity; what it owes to pending redemptions; its value and
//! composition by tier; the backing ratio; and the per-asset share cap.

use crate::asset::{AssetIndex, Tier};
use crate::error::{Error, Result};
use crate::fees::FeeTotals;
use crate::ids::{Symbol, USDM, XMS};
use crate::math::Rounding;
use crate::protocol::Protocol;
use crate::state::PartKey;
use crate::swap::{Pool, PoolId};
use crate::time::BlockTime;
use crate::units::{Amount, Multiple, Price, Quantity, Ratio, Usd, WAD};
use ethnum::U256;

/// The treasury's tokens of one asset held in the protocol's own account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holding {
    /// Idle tokens backing the protocol (available to redemptions and treasury operations).
    pub balance: Amount,
    /// Tokens owed to pending redemptions, held until collected (not counted in value).
    pub escrow: Amount,
    /// Lifetime tokens received into the protocol's account.
    pub received: Amount,
    /// Lifetime tokens paid out of it.
    pub paid: Amount,
    /// Fees accrued on operations in this asset.
    pub fees: FeeTotals,
}

impl Holding {
    /// Tokens in custody: what the protocol's account must hold of this asset.
    pub fn custody(&self) -> Option<Amount> {
        self.balance
            .raw()
            .checked_add(self.escrow.raw())
            .map(Amount::new)
    }
}

/// Tokens placed with a named yield strategy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Strategy {
    /// The strategy's name.
    pub name: String,
    /// The asset placed.
    pub asset: Symbol,
    /// Tokens allocated and not yet recalled (cost basis).
    pub allocated: Amount,
    /// The strategy's last reported balance (allocation plus yield, or minus losses): what
    /// counts in treasury value.
    pub reported: Amount,
}

/// One asset's place in the treasury.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// The asset.
    pub symbol: Symbol,
    /// Its tier.
    pub tier: Tier,
    /// Idle tokens.
    pub idle: Amount,
    /// Tokens in yield strategies (as last reported).
    pub in_strategies: Amount,
    /// The treasury's claim on pool reserves plus unswept pool fees.
    pub in_pools: Amount,
    /// Value of all three at the spot price.
    pub value: Usd,
}

/// Treasury value at spot prices, in total and by tier and asset.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Valuation {
    /// Total value.
    pub total: Usd,
    /// Value per tier, tier 1 first.
    pub by_tier: [Usd; 5],
    /// Every asset's position, in registry order.
    pub positions: Vec<Position>,
}

impl Valuation {
    /// Each tier's share of the total (zero when the treasury is empty).
    pub fn tier_shares(&self) -> [Ratio; 5] {
        let mut out = [Ratio::ZERO; 5];
        if self.total.is_zero() {
            return out;
        }
        for (i, v) in self.by_tier.iter().enumerate() {
            let raw =
                crate::math::mul_div(v.raw(), WAD, self.total.raw(), Rounding::Down).unwrap_or(0);
            out[i] = Ratio::new(raw).unwrap_or(Ratio::ONE);
        }
        out
    }
}

/// Value by tier in a fixed order, for reports.
pub fn tier_rows(valuation: &Valuation) -> impl Iterator<Item = (Tier, Usd)> + '_ {
    Tier::ALL
        .into_iter()
        .map(|t| (t, valuation.by_tier[t.index()]))
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// The treasury's holding of the asset at `index`.
    #[inline]
    pub fn holding(&self, index: AssetIndex) -> Result<&Holding> {
        let fetch = || {
            self.fetch(PartKey::Holding(index as u16), |p| match p {
                crate::state::Part::Holding(h) => Some(h),
                _ => None,
            })
        };
        self.holdings
            .get_or_fetch(index, fetch)
            .unwrap_or_else(|| Err(Error::NotLoaded(PartKey::Holding(index as u16))))
    }

    /// Replaces the holding of the asset at `index` (computed and checked beforehand).
    pub(crate) fn set_holding(&mut self, index: AssetIndex, h: Holding) -> Result<()> {
        self.holding(index)?;
        let slot = self
            .holdings
            .get_mut(index)
            .ok_or_else(|| Error::NotLoaded(PartKey::Holding(index as u16)))?;
        *slot = h;
        Ok(())
    }

    /// Every holding, in whitelist order.
    pub fn holdings(&self) -> Result<Vec<&Holding>> {
        (0..self.asset_count()).map(|i| self.holding(i)).collect()
    }

    /// Fee totals over all assets and unattributed operations.
    pub fn fee_totals(&self) -> Result<FeeTotals> {
        let mut t = self.books.unattributed_fees;
        for h in self.holdings()? {
            t.mint = Usd::new(t.mint.raw().saturating_add(h.fees.mint.raw()));
            t.redeem = Usd::new(t.redeem.raw().saturating_add(h.fees.redeem.raw()));
        }
        Ok(t)
    }

    /// Yield-strategy positions.
    pub fn strategies(&self) -> &[Strategy] {
        &self.config.strategies
    }

    /// The strategy position `(name, asset)`, if any.
    pub fn strategy(&self, name: &str, asset: Symbol) -> Option<&Strategy> {
        self.config
            .strategies
            .iter()
            .find(|s| s.name == name && s.asset == asset)
    }

    /// Tokens of `asset` in all strategies, as last reported.
    pub fn in_strategies(&self, asset: Symbol) -> Result<Amount> {
        self.config
            .strategies
            .iter()
            .filter(|s| s.asset == asset)
            .try_fold(Amount::ZERO, |acc, s| {
                acc.checked_add(s.reported, "strategy balances")
            })
    }
}

/// Which price a valuation uses: spot for reports (SPEC 2, "current prices"); the lower of
/// spot and TWAP where a higher value would favour the caller; the higher where a lower value
/// would. The share cap mixes the two (see `share_position`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceMode {
    /// The latest price.
    Spot,
    /// min(spot, TWAP).
    Low,
    /// max(spot, TWAP).
    High,
    /// What no swap in this block can move: a feed's latest post, a pool-priced token's TWAP.
    Oracle,
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// The price of the whitelisted asset at `index` in `mode`.
    fn asset_price(&self, index: AssetIndex, now: u64, mode: PriceMode) -> Result<Price> {
        match mode {
            PriceMode::Spot => self.asset_spot(index, now),
            PriceMode::Low => Ok(self.asset_quote(index, BlockTime::new(0, now))?.receive()),
            PriceMode::High => Ok(self.asset_quote(index, BlockTime::new(0, now))?.payout()),
            PriceMode::Oracle => self.oracle_price_at(self.asset_feed(index), now),
        }
    }

    /// The USD price of a pool token in `mode`: USDm is the protocol's unit ($1); XMS and
    /// assets follow their price sources.
    fn token_price(&self, symbol: Symbol, now: u64, mode: PriceMode) -> Result<Price> {
        if symbol == USDM {
            return Ok(Price::ONE_DOLLAR);
        }
        match self.find_asset(symbol) {
            Some(i) => self.asset_price(i, now, mode),
            None if mode == PriceMode::Oracle => {
                self.oracle_price_at(self.require_feed_index(symbol)?, now)
            }
            None => {
                let q = self.price_quote(symbol, BlockTime::new(0, now))?;
                Ok(match mode {
                    PriceMode::Spot | PriceMode::Oracle => q.spot,
                    PriceMode::Low => q.receive(),
                    PriceMode::High => q.payout(),
                })
            }
        }
    }

    /// A pool's reserves at the oracle prices in `mode`: the reserves `(r0*, r1*)` with the
    /// same `k = r0 * r1` whose ratio matches the oracle price. Swaps cannot move them, so
    /// nothing valued from them can be manipulated through the pool (only `k`, which grows
    /// with fees, moves them). Fails only if a fair reserve exceeds 128 bits.
    pub fn fair_reserves(&self, pool: &Pool, now: u64, mode: PriceMode) -> Result<[Amount; 2]> {
        let fit = |v: U256| {
            u128::try_from(v)
                .map(Amount::new)
                .map_err(|_| Error::Overflow("fair pool reserves"))
        };
        let [r0, r1] = self.fair_reserves_wide(pool, now, mode)?;
        Ok([fit(r0)?, fit(r1)?])
    }

    /// [`Protocol::fair_reserves`] in 256 bits: `r0* = sqrt(r0 * r1 * p1 * s0 / (p0 * s1))`
    /// (`s` the decimal scales) has a 512-bit intermediate, so every pool the types can hold is
    /// valued; both reserves round down.
    fn fair_reserves_wide(&self, pool: &Pool, now: u64, mode: PriceMode) -> Result<[U256; 2]> {
        if pool.total_shares.is_zero() {
            return Ok([U256::ZERO; 2]);
        }
        let p0 = self.token_price(pool.tokens[0], now, mode)?.raw();
        let p1 = self.token_price(pool.tokens[1], now, mode)?.raw();
        let scale = |d: u8| crate::math::pow10(d).ok_or_else(|| Error::Overflow("pool decimals"));
        let (s0, s1) = (scale(pool.decimals[0])?, scale(pool.decimals[1])?);
        let [r0, r1] = pool.reserves.map(Amount::raw);
        let fair0 = crate::math::wide::isqrt_of_quotient(&[r0, r1, p1, s0], &[p0, s1])
            .ok_or_else(|| Error::Overflow("fair pool reserves"))?;
        if fair0 == U256::ZERO {
            return Ok([U256::ZERO; 2]);
        }
        let fair1 = U256::from(r0) * U256::from(r1) / fair0;
        Ok([fair0, fair1])
    }

    /// What `shares` of `pool` claim of its `side` at fair reserves, rounded down.
    fn fair_claim(
        &self,
        pool: &Pool,
        shares: Amount,
        side: usize,
        now: u64,
        mode: PriceMode,
    ) -> Result<Amount> {
        if shares.is_zero() {
            return Ok(Amount::ZERO);
        }
        let fair = self.fair_reserves_wide(pool, now, mode)?;
        crate::math::wide::mul_div_256(
            shares.raw(),
            fair[side],
            pool.total_shares.raw(),
            Rounding::Down,
        )
        .and_then(|c| u128::try_from(c).ok())
        .map(Amount::new)
        .ok_or(Error::Overflow("pool claim"))
    }

    /// The treasury's claim on pool reserves of `symbol` at fair reserves, plus unswept
    /// protocol fees in it.
    fn pool_claims(&self, symbol: Symbol, now: u64, mode: PriceMode) -> Result<Amount> {
        let me = crate::swap::treasury_ref();
        let mut total = Amount::ZERO;
        for id in 0..self.pools.len() {
            let pool = self.pool(id as PoolId)?;
            let Some(side) = pool.position(symbol) else {
                continue;
            };
            let claim = self.fair_claim(pool, pool.shares_of(me), side, now, mode)?;
            total = total.checked_add(claim, "pool claims")?;
            total = total.checked_add(pool.protocol_fees[side], "pool claims")?;
        }
        Ok(total)
    }

    /// Everything the treasury holds of the asset at `index`: idle, in strategies, in pools.
    fn position_amounts(
        &self,
        index: AssetIndex,
        now: u64,
        mode: PriceMode,
    ) -> Result<(Amount, Amount, Amount)> {
        let symbol = self.asset(index)?.symbol;
        let idle = self.holding(index)?.balance;
        let strategies = if self.config.strategies.is_empty() {
            Amount::ZERO
        } else {
            self.in_strategies(symbol)?
        };
        let pools = if self.pools.is_empty() {
            Amount::ZERO
        } else {
            self.pool_claims(symbol, now, mode)?
        };
        Ok((idle, strategies, pools))
    }

    /// One asset's position and its value in `mode`, rounded as asked.
    fn position_value(
        &self,
        index: AssetIndex,
        now: u64,
        mode: PriceMode,
        rounding: Rounding,
    ) -> Result<(Position, Usd)> {
        let config = self.asset(index)?;
        let (idle, in_strategies, in_pools) = self.position_amounts(index, now, mode)?;
        let amount = idle
            .checked_add(in_strategies, "treasury position")?
            .checked_add(in_pools, "treasury position")?;
        let value = if amount.is_zero() {
            Usd::ZERO
        } else {
            self.asset_price(index, now, mode)?
                .value_of(amount, config.decimals, rounding)?
        };
        let position = Position {
            symbol: config.symbol,
            tier: config.tier,
            idle,
            in_strategies,
            in_pools,
            value,
        };
        Ok((position, value))
    }

    /// Treasury value (rounded down), by tier and asset, in `mode`: idle balances, strategy
    /// balances and the treasury's claims on pools at fair reserves. USDm in pools is not
    /// counted: protocol-owned USDm is excluded from circulating USDm instead.
    pub fn valuation_in(&self, now: BlockTime, mode: PriceMode) -> Result<Valuation> {
        let mut total = Usd::ZERO;
        let mut by_tier = [Usd::ZERO; 5];
        let mut positions = Vec::with_capacity(self.asset_count());
        for index in 0..self.asset_count() {
            let (position, value) =
                self.position_value(index, now.seconds, mode, Rounding::Down)?;
            total = total.checked_add(value, "treasury value")?;
            let tier = &mut by_tier[position.tier.index()];
            *tier = tier.checked_add(value, "tier value")?;
            positions.push(position);
        }
        Ok(Valuation {
            total,
            by_tier,
            positions,
        })
    }

    /// Treasury value at fresh spot prices, by tier and asset (see [`Protocol::valuation_in`]).
    /// Fails closed, naming the feed, if a needed price is missing or stale.
    pub fn valuation(&self, now: BlockTime) -> Result<Valuation> {
        self.valuation_in(now, PriceMode::Spot)
    }

    /// What the share cap is computed from, valued so that no price that moves inside one
    /// transaction can loosen it: the asset at `index` at the higher of spot and TWAP (held
    /// value rounded up), every other asset at the lower (rounded down). Returns the treasury
    /// value, the value held of the asset, and the asset's higher price, at which the deposit
    /// itself is valued. A pool-priced token pumped for one block therefore leaves the cap as
    /// it was, or tighter.
    pub(crate) fn share_position(
        &self,
        index: AssetIndex,
        now: BlockTime,
    ) -> Result<(Usd, Usd, Price)> {
        let now = now.seconds;
        let mut total = Usd::ZERO;
        let mut held = Usd::ZERO;
        let simple = self.config.strategies.is_empty() && self.pools.is_empty();
        for i in 0..self.asset_count() {
            let mode = if i == index {
                PriceMode::High
            } else {
                PriceMode::Low
            };
            let amount = if simple {
                self.holding(i)?.balance
            } else {
                let (idle, strategies, pools) = self.position_amounts(i, now, mode)?;
                idle.checked_add(strategies, "treasury position")?
                    .checked_add(pools, "treasury position")?
            };
            if amount.is_zero() {
                continue;
            }
            let decimals = self.asset(i)?.decimals;
            let price = self.asset_price(i, now, mode)?;
            total = total.checked_add(
                price.value_of(amount, decimals, Rounding::Down)?,
                "treasury value",
            )?;
            if i == index {
                held = price.value_of(amount, decimals, Rounding::Up)?;
            }
        }
        let high = self.asset_price(index, now, PriceMode::High)?;
        Ok((total, held, high))
    }

    /// The largest deposit of `symbol` the share cap accepts now; `None` means unlimited.
    pub fn max_deposit(&self, symbol: Symbol, now: BlockTime) -> Result<Option<Amount>> {
        let (index, config) = self.require_asset(symbol)?;
        let share = self.config.params.max_share(config);
        if share.is_one() {
            return Ok(None);
        }
        let (total, held, price) = self.share_position(index, now)?;
        let max_value = share_cap::max_deposit_value(held, total, share).unwrap_or(Usd::ZERO);
        Ok(Some(share_cap::max_deposit_amount(
            max_value,
            price,
            config.decimals,
        )))
    }

    /// Refuses a deposit of `amount` of the asset at `index` that would lift it above its
    /// maximum share of treasury value, naming the largest deposit that would be accepted.
    pub(crate) fn check_share_cap(
        &self,
        index: AssetIndex,
        amount: Amount,
        now: BlockTime,
    ) -> Result<()> {
        let config = self.asset(index)?;
        let share = self.config.params.max_share(config);
        if share.is_one() {
            return Ok(());
        }
        let (total, held, price) = self.share_position(index, now)?;
        let deposit = price.value_of(amount, config.decimals, Rounding::Up)?;
        if share_cap::accepts(held, total, deposit, share) {
            return Ok(());
        }
        let max_value = share_cap::max_deposit_value(held, total, share).unwrap_or(Usd::ZERO);
        let symbol = config.symbol;
        Err(Error::ShareCapExceeded {
            symbol,
            max_share: share,
            requested: Box::new(Quantity::new(amount, config.decimals, symbol)),
            max_deposit: Box::new(Quantity::new(
                share_cap::max_deposit_amount(max_value, price, config.decimals),
                config.decimals,
                symbol,
            )),
        })
    }

    /// USDm the protocol owns (SPEC 6): the treasury's claim on USDm in pools, at fair
    /// reserves priced low (so a higher claim, which would leave more room to mint, is never
    /// assumed), plus unswept pool fees in USDm. Excluded from circulating USDm.
    pub fn protocol_owned_usdm(&self, now: BlockTime) -> Result<Amount> {
        if self.pools.is_empty() {
            return Ok(Amount::ZERO);
        }
        self.pool_claims(USDM, now.seconds, PriceMode::Low)
    }

    /// USDm in circulation: total supply minus protocol-owned USDm. Fails closed if a pool
    /// holding treasury liquidity cannot be priced.
    pub fn circulating_usdm(&self, now: BlockTime) -> Result<Usd> {
        Ok(Usd::from_usdm(
            self.books
                .supply
                .usdm
                .saturating_sub(self.protocol_owned_usdm(now)?),
        ))
    }

    /// XMS in circulation at `now`: total supply minus what the protocol holds (idle and
    /// escrowed treasury XMS, XMS in strategies, the treasury's claims on XMS in pools and
    /// unswept XMS fees). Pool claims are valued at fair reserves, which no swap can move.
    /// Saturates rather than overflows.
    pub fn circulating_xms(&self, now: u64) -> Result<Amount> {
        self.xms_outside(Some(now))
    }

    /// At least the XMS in circulation, without a price: what the treasury holds in pools is
    /// not subtracted. A bound for checks that only need one (an XMS burn cannot exceed it), so
    /// that they do not need the prices of every token paired with XMS.
    pub(crate) fn circulating_xms_at_most(&self) -> Result<Amount> {
        self.xms_outside(None)
    }

    /// XMS supply less what the protocol holds; the treasury's pool claims at fair reserves at
    /// `claims_at`, or left out with `None`.
    fn xms_outside(&self, claims_at: Option<u64>) -> Result<Amount> {
        let mut held = match self.find_asset(XMS) {
            Some(i) => self.holding(i)?.custody().map_or(u128::MAX, Amount::raw),
            None => 0,
        };
        if !self.config.strategies.is_empty() {
            held = held.saturating_add(self.in_strategies(XMS).map_or(u128::MAX, |a| a.raw()));
        }
        let me = crate::swap::treasury_ref();
        for id in 0..self.pools.len() {
            let pool = self.pool(id as PoolId)?;
            let Some(side) = pool.position(XMS) else {
                continue;
            };
            // At fair reserves: a swap on the pair moves its live reserves (and would move
            // circulating XMS, the market cap and the next supply cap) but not these.
            let claim = match claims_at {
                Some(now) => {
                    self.fair_claim(pool, pool.shares_of(me), side, now, PriceMode::Oracle)?
                }
                None => Amount::ZERO,
            };
            held = held
                .saturating_add(claim.raw())
                .saturating_add(pool.protocol_fees[side].raw());
        }
        Ok(self.books.supply.xms.saturating_sub(Amount::new(held)))
    }

    /// Treasury value divided by circulating USDm (`None` with no USDm in circulation).
    pub fn backing_ratio(&self, now: BlockTime) -> Result<Option<Multiple>> {
        let value = self.valuation(now)?.total;
        Ok(Multiple::of(value, self.circulating_usdm(now)?))
    }
}

/// The share cap of SPEC 2 in exact integers.
///
/// A deposit worth `x` of an asset worth `held` in a treasury worth `total` is accepted iff
/// `(held + x) / (total + x) <= share`, i.e. `(held + x) * WAD <= share * (total + x)`. Both this
/// check and the largest acceptable deposit are computed in 256-bit integers without rounding,
/// so the largest deposit reported is always accepted and one unit more never is.
pub mod share_cap {
    use super::*;

    /// Whether a deposit worth `deposit` keeps the asset within `share`.
    pub fn accepts(held: Usd, total: Usd, deposit: Usd, share: Ratio) -> bool {
        if share.is_one() {
            return true;
        }
        let lhs = (U256::from(held.raw()) + U256::from(deposit.raw())) * U256::from(WAD);
        let rhs = U256::from(share.raw()) * (U256::from(total.raw()) + U256::from(deposit.raw()));
        lhs <= rhs
    }

    /// The largest deposit value accepted now; `None` means unlimited (share of 100%).
    pub fn max_deposit_value(held: Usd, total: Usd, share: Ratio) -> Option<Usd> {
        if share.is_one() {
            return None;
        }
        let room = U256::from(share.raw()) * U256::from(total.raw());
        let used = U256::from(held.raw()) * U256::from(WAD);
        if room <= used {
            return Some(Usd::ZERO);
        }
        let x = (room - used) / U256::from(WAD - share.raw());
        Some(Usd::new(u128::try_from(x).unwrap_or(u128::MAX)))
    }

    /// The largest deposit in base units of a token at `price` with `decimals`: the deposit is
    /// valued rounding up, so the amount is rounded down and is itself accepted.
    pub fn max_deposit_amount(max_value: Usd, price: Price, decimals: u8) -> Amount {
        price
            .amount_for(max_value, decimals, Rounding::Down)
            .unwrap_or(Amount::new(u128::MAX))
    }
}

/// Refuses to pay out more than the treasury holds idle of an asset.
pub(crate) fn require_available(
    holding: &Holding,
    requested: Amount,
    symbol: Symbol,
    decimals: u8,
) -> Result<()> {
    if requested > holding.balance {
        return Err(Error::InsufficientTreasury {
            requested: Box::new(Quantity::new(requested, decimals, symbol)),
            available: Box::new(Quantity::new(holding.balance, decimals, symbol)),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::share_cap::*;
    use super::*;

    fn usd(n: u128) -> Usd {
        Usd::dollars(n)
    }

    #[test]
    fn share_cap_formula_matches_the_spec() {
        // Treasury $1,000 with $100 of BTC, BTC max 50%: x <= (0.5*1000 - 100)/(1-0.5) = 800.
        let max = max_deposit_value(usd(100), usd(1_000), Ratio::bps(5_000)).unwrap();
        assert_eq!(max, usd(800));
        assert!(accepts(usd(100), usd(1_000), max, Ratio::bps(5_000)));
        assert!(!accepts(
            usd(100),
            usd(1_000),
            Usd::new(max.raw() + 1),
            Ratio::bps(5_000)
        ));
    }

    #[test]
    fn full_share_is_unlimited_and_over_share_is_zero() {
        assert_eq!(max_deposit_value(usd(5), usd(10), Ratio::ONE), None);
        assert!(accepts(usd(5), usd(10), usd(1_000_000), Ratio::ONE));
        assert_eq!(
            max_deposit_value(usd(60), usd(100), Ratio::bps(5_000)),
            Some(Usd::ZERO)
        );
        assert_eq!(
            max_deposit_value(Usd::ZERO, Usd::ZERO, Ratio::bps(5_000)),
            Some(Usd::ZERO)
        );
        assert!(!accepts(
            Usd::ZERO,
            Usd::ZERO,
            Usd::new(1),
            Ratio::bps(5_000)
        ));
    }

    #[test]
    fn max_amount_is_accepted_when_valued_rounding_up() {
        let price = Price::parse("30000.123456789").unwrap();
        let max_value = max_deposit_value(usd(100), usd(1_000), Ratio::bps(1_500)).unwrap();
        let amount = max_deposit_amount(max_value, price, 8);
        let value_up = price.value_of(amount, 8, Rounding::Up).unwrap();
        assert!(accepts(usd(100), usd(1_000), value_up, Ratio::bps(1_500)));
        let one_more = price
            .value_of(Amount::new(amount.raw() + 1), 8, Rounding::Up)
            .unwrap();
        assert!(!accepts(usd(100), usd(1_000), one_more, Ratio::bps(1_500)));
    }
}
