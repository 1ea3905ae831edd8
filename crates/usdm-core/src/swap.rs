//! Mars Swap (SPEC 10): constant-product pools (x · y = k) for any pair of protocol tokens, a
//! 0.30% swap fee of which 0.25% stays with liquidity providers and 0.05% goes to the protocol,
//! liquidity shares, min-out limits, and cumulative prices for TWAPs.
//!
//! All math is exact integer arithmetic in base units, rounded against the trader and the
//! liquidity provider: amounts out round down, amounts in round up, fees round up. The first
//! deposit locks [`MINIMUM_LIQUIDITY`] shares forever, so the share price of an empty pool
//! cannot be inflated to steal later deposits.

use crate::error::{Error, Result};
use crate::ids::{Account, Symbol};
use crate::math::{mul_div, Rounding};
use crate::prices::Feed;
use crate::units::{Amount, Price, Quantity, Ratio, WAD};
use ethnum::U256;
use std::collections::BTreeMap;

/// Shares locked forever by the first deposit (as in Uniswap v2).
pub const MINIMUM_LIQUIDITY: u128 = 1_000;
/// The whole swap fee: 0.30% of the amount in.
pub const SWAP_FEE: Ratio = Ratio::bps(30);
/// The protocol's part of the swap fee: 0.05% of the amount in (the rest, 0.25%, stays in the
/// reserves for liquidity providers).
pub const PROTOCOL_FEE: Ratio = Ratio::bps(5);
/// Decimals of liquidity shares.
pub const SHARE_DECIMALS: u8 = 18;

/// A pool's id: its position in the protocol's pool list.
pub type PoolId = u32;

/// The checkpoints a pool change records, per side: a ring slot and the checkpoint, if due.
pub type Checkpoints = [Option<(u8, crate::prices::Checkpoint)>; 2];

/// The account that holds the treasury's liquidity shares.
pub fn treasury_account() -> Account {
    TREASURY.clone()
}

/// The same, borrowed: hot paths use it, since every clone of the one shared account touches a
/// reference count that all threads of a simulation share.
#[inline]
pub(crate) fn treasury_ref() -> &'static Account {
    &TREASURY
}

static TREASURY: std::sync::LazyLock<Account> =
    std::sync::LazyLock::new(|| Account::new("treasury"));

/// A constant-product pool.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pool {
    /// Id.
    pub id: PoolId,
    /// The two tokens.
    pub tokens: [Symbol; 2],
    /// Their decimals.
    pub decimals: [u8; 2],
    /// Reserves, in base units.
    pub reserves: [Amount; 2],
    /// Protocol fees accrued and not yet swept to the treasury (held by the pool, not reserves).
    pub protocol_fees: [Amount; 2],
    /// All shares, including the locked minimum.
    pub total_shares: Amount,
    /// Shares by holder (the locked minimum belongs to nobody).
    pub shares: BTreeMap<Account, Amount>,
    /// Cumulative price of each token in units of the other (for TWAPs).
    pub prices: [Feed; 2],
    /// Lifetime tokens received, per side (so `reserves + protocol_fees = received - paid`
    /// can be checked).
    pub received: [Amount; 2],
    /// Lifetime tokens paid out, per side.
    pub paid: [Amount; 2],
    /// True for a mirror of a pool held elsewhere (a chain's pair contract) whose `shares` map
    /// lists only the holders the mirror needs, not every provider.
    #[serde(default)]
    pub mirror: bool,
    /// The TWAP window its checkpoints are spaced for (one every `twap_window / 16` seconds,
    /// covering two windows), fixed when the pool is created. The protocol may average over
    /// a shorter window, never a longer one while the pool prices a token.
    pub twap_window: u64,
    /// Retired by governance: no longer trades, prices or counts in treasury value; liquidity
    /// can still be withdrawn, and a new pool of the same tokens may be created.
    #[serde(default)]
    pub retired: bool,
}

/// The outcome of a swap, computed before anything changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SwapQuote {
    /// Index (0 or 1) of the token sold.
    pub side_in: usize,
    /// Amount sold.
    pub amount_in: Amount,
    /// Amount bought.
    pub amount_out: Amount,
    /// Whole fee (0.30%, rounded up), in the token sold.
    pub fee: Amount,
    /// Of which the protocol's part (0.05%, rounded down), removed from the reserves.
    pub protocol_fee: Amount,
    /// Reserves after the swap.
    pub reserves_after: [Amount; 2],
}

/// The outcome of adding liquidity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AddQuote {
    /// Amounts actually deposited (at most the amounts offered, at the pool's ratio).
    pub amounts: [Amount; 2],
    /// Shares minted to the depositor.
    pub shares: Amount,
    /// Shares locked forever (first deposit only).
    pub locked: Amount,
}

/// The pure swap formula: exact-in on reserves `(reserve_in, reserve_out)`. Returns the amount
/// out, the whole fee and the protocol's part.
pub fn swap_math(
    reserve_in: Amount,
    reserve_out: Amount,
    amount_in: Amount,
) -> Result<(Amount, Amount, Amount)> {
    if amount_in.is_zero() {
        return Err(Error::ZeroAmount {
            what: "swap amount",
        });
    }
    if reserve_in.is_zero() || reserve_out.is_zero() {
        return Err(Error::EmptyPool);
    }
    let a = amount_in.raw();
    let fee =
        mul_div(a, SWAP_FEE.raw(), WAD, Rounding::Up).ok_or_else(|| Error::Overflow("swap fee"))?;
    let protocol_fee = mul_div(a, PROTOCOL_FEE.raw(), WAD, Rounding::Down)
        .ok_or_else(|| Error::Overflow("swap fee"))?;
    let effective = a - fee;
    let denominator = reserve_in
        .raw()
        .checked_add(effective)
        .ok_or_else(|| Error::Overflow("pool reserve"))?;
    let out = mul_div(reserve_out.raw(), effective, denominator, Rounding::Down)
        .ok_or_else(|| Error::Overflow("swap output"))?;
    Ok((
        Amount::new(out),
        Amount::new(fee),
        Amount::new(protocol_fee),
    ))
}

/// The price of one whole `token 0` in `token 1` units, 18 decimals, from reserves (at least
/// one wei, saturating at the top).
fn reserve_price(r0: Amount, r1: Amount, d0: u8, d1: u8) -> Option<Price> {
    if r0.is_zero() || r1.is_zero() {
        return None;
    }
    let exp = 18i32 + i32::from(d0) - i32::from(d1);
    let raw = if exp >= 0 {
        let scale = U256::from(10u8).pow(exp as u32);
        U256::from(r1.raw())
            .checked_mul(scale)
            .map(|n| n / U256::from(r0.raw()))
    } else {
        let scale = U256::from(10u8).pow((-exp) as u32);
        Some(U256::from(r1.raw()) / (U256::from(r0.raw()) * scale))
    };
    let raw = raw.map_or(u128::MAX, |v| u128::try_from(v).unwrap_or(u128::MAX));
    Price::new(raw.max(1)).ok()
}

impl Pool {
    /// An empty pool of `tokens` with `decimals`, recording checkpoints for `twap_window`.
    pub fn new(id: PoolId, tokens: [Symbol; 2], decimals: [u8; 2], twap_window: u64) -> Self {
        Pool {
            id,
            tokens,
            decimals,
            reserves: [Amount::ZERO; 2],
            protocol_fees: [Amount::ZERO; 2],
            total_shares: Amount::ZERO,
            shares: BTreeMap::new(),
            prices: [Feed::new(tokens[0]), Feed::new(tokens[1])],
            received: [Amount::ZERO; 2],
            paid: [Amount::ZERO; 2],
            mirror: false,
            twap_window,
            retired: false,
        }
    }

    /// True for a mirror of a chain's pair (its liquidity lives at the pair) and for a pool
    /// with no shares, reserves or fees left.
    pub fn holds_nothing(&self) -> bool {
        self.mirror
            || (self.total_shares.is_zero()
                && self.reserves.iter().all(|r| r.is_zero())
                && self.protocol_fees.iter().all(|f| f.is_zero()))
    }

    /// Refuses a retired pool for anything but withdrawing liquidity.
    pub fn require_active(&self) -> Result<()> {
        if self.retired {
            return Err(Error::PoolRetired {
                pool: self.id,
                tokens: self.name(),
            });
        }
        Ok(())
    }

    /// The side (0 or 1) of `symbol`, if the pool holds it (for scans over pools, where
    /// building an error for every pool that does not would cost more than the scan).
    #[inline]
    pub fn position(&self, symbol: Symbol) -> Option<usize> {
        self.tokens.iter().position(|t| *t == symbol)
    }

    /// The side (0 or 1) of `symbol`, or an error naming the pool's tokens.
    pub fn side(&self, symbol: Symbol) -> Result<usize> {
        self.position(symbol).ok_or_else(|| Error::NotInPool {
            symbol,
            pool: self.id,
            tokens: format!("{}/{}", self.tokens[0], self.tokens[1]),
        })
    }

    /// The pool's name, `A/B`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.tokens[0], self.tokens[1])
    }

    /// Shares held by `who`.
    pub fn shares_of(&self, who: &Account) -> Amount {
        self.shares.get(who).copied().unwrap_or(Amount::ZERO)
    }

    /// The spot price of one whole token on `side` in units of the other token.
    pub fn spot_price(&self, side: usize) -> Option<Price> {
        let o = 1 - side;
        reserve_price(
            self.reserves[side],
            self.reserves[o],
            self.decimals[side],
            self.decimals[o],
        )
    }

    /// Spot and TWAP of the token on `side` in units of the other, over `window` seconds
    /// (none for an empty pool), and how many seconds back the TWAP reaches (see
    /// [`Feed::twap`]). `history` holds that side's checkpoints.
    pub fn price_quote(
        &self,
        side: usize,
        now: u64,
        window: u64,
        history: &(impl crate::prices::History + ?Sized),
    ) -> Result<Option<(crate::prices::PriceQuote, u64)>> {
        let Some(spot) = self.spot_price(side) else {
            return Ok(None);
        };
        let t = self.prices[side].twap(now, window, history)?;
        if now < self.prices[side].posted_at {
            // Asked about a time before the pool last moved: the reserves of then are gone,
            // the average up to then is what is known.
            return Ok(t
                .price
                .map(|p| (crate::prices::PriceQuote::flat(p), t.covered)));
        }
        let twap = t.price.unwrap_or(spot);
        Ok(Some((crate::prices::PriceQuote { spot, twap }, t.covered)))
    }

    /// What selling `amount_in` of `token_in` would give now.
    pub fn quote_swap(&self, token_in: Symbol, amount_in: Amount) -> Result<SwapQuote> {
        let side_in = self.side(token_in)?;
        let side_out = 1 - side_in;
        let (amount_out, fee, protocol_fee) =
            swap_math(self.reserves[side_in], self.reserves[side_out], amount_in)?;
        if amount_out.is_zero() {
            return Err(Error::OutputTooSmall {
                what: "tokens from the swap",
            });
        }
        let mut reserves_after = self.reserves;
        reserves_after[side_in] = reserves_after[side_in]
            .checked_add(amount_in.saturating_sub(protocol_fee), "pool reserve")?;
        reserves_after[side_out] =
            reserves_after[side_out].checked_sub(amount_out, "pool reserve")?;
        Ok(SwapQuote {
            side_in,
            amount_in,
            amount_out,
            fee,
            protocol_fee,
            reserves_after,
        })
    }

    /// What depositing at most `max` would deposit and mint now: the first deposit sets the
    /// ratio and locks [`MINIMUM_LIQUIDITY`]; later deposits follow the reserves' ratio and
    /// round the amounts taken up and the shares minted down.
    pub fn quote_add(&self, max: [Amount; 2]) -> Result<AddQuote> {
        if max[0].is_zero() || max[1].is_zero() {
            return Err(Error::ZeroAmount {
                what: "liquidity amount",
            });
        }
        if self.total_shares.is_zero() {
            let root = crate::math::isqrt(U256::from(max[0].raw()) * U256::from(max[1].raw()));
            let root = u128::try_from(root).map_err(|_| Error::Overflow("liquidity shares"))?;
            if root <= MINIMUM_LIQUIDITY {
                return Err(Error::OutputTooSmall {
                    what: "liquidity shares (first deposit too small)",
                });
            }
            return Ok(AddQuote {
                amounts: max,
                shares: Amount::new(root - MINIMUM_LIQUIDITY),
                locked: Amount::new(MINIMUM_LIQUIDITY),
            });
        }
        let [r0, r1] = self.reserves.map(Amount::raw);
        let t = self.total_shares.raw();
        let overflow = || Error::Overflow("liquidity amounts");
        // Take all of the binding side; the other in the pool's ratio, rounded up.
        let need1 = mul_div(max[0].raw(), r1, r0, Rounding::Up).ok_or_else(overflow)?;
        let amounts = if need1 <= max[1].raw() {
            [max[0].raw(), need1]
        } else {
            [
                mul_div(max[1].raw(), r0, r1, Rounding::Up)
                    .ok_or_else(overflow)?
                    .min(max[0].raw()),
                max[1].raw(),
            ]
        };
        let s0 = mul_div(amounts[0], t, r0, Rounding::Down).ok_or_else(overflow)?;
        let s1 = mul_div(amounts[1], t, r1, Rounding::Down).ok_or_else(overflow)?;
        let shares = s0.min(s1);
        if shares == 0 {
            return Err(Error::OutputTooSmall {
                what: "liquidity shares",
            });
        }
        Ok(AddQuote {
            amounts: amounts.map(Amount::new),
            shares: Amount::new(shares),
            locked: Amount::ZERO,
        })
    }

    /// What burning `shares` would pay now (rounded down).
    pub fn quote_remove(&self, shares: Amount) -> Result<[Amount; 2]> {
        if shares.is_zero() {
            return Err(Error::ZeroAmount {
                what: "liquidity shares",
            });
        }
        let t = self.total_shares.raw();
        let out = |r: Amount| {
            mul_div(shares.raw(), r.raw(), t, Rounding::Down)
                .map(Amount::new)
                .ok_or_else(|| Error::Overflow("liquidity withdrawal"))
        };
        Ok([out(self.reserves[0])?, out(self.reserves[1])?])
    }

    /// The claim of `shares` on each reserve, rounded down (zero for an empty pool).
    pub fn claim(&self, shares: Amount) -> [Amount; 2] {
        if self.total_shares.is_zero() || shares.is_zero() {
            return [Amount::ZERO; 2];
        }
        self.quote_remove(shares).unwrap_or([Amount::ZERO; 2])
    }

    /// Refuses if `who` holds fewer than `shares`.
    pub fn require_shares(&self, who: &Account, shares: Amount) -> Result<()> {
        let held = self.shares_of(who);
        if held < shares {
            return Err(Error::InsufficientShares {
                pool: self.id,
                requested: Box::new(Quantity::new(
                    shares,
                    SHARE_DECIMALS,
                    crate::ids::Symbol::lit("LP"),
                )),
                held: Box::new(Quantity::new(
                    held,
                    SHARE_DECIMALS,
                    crate::ids::Symbol::lit("LP"),
                )),
            });
        }
        Ok(())
    }

    /// Takes the accrued protocol fees out of the pool (to be sent to the protocol).
    pub fn take_protocol_fees(&mut self) -> Result<[Amount; 2]> {
        let fees = self.protocol_fees;
        let paid = [
            self.paid[0].checked_add(fees[0], "pool outflow")?,
            self.paid[1].checked_add(fees[1], "pool outflow")?,
        ];
        self.paid = paid;
        self.protocol_fees = [Amount::ZERO; 2];
        Ok(fees)
    }

    /// Records new reserves in the cumulative prices (the old prices accrue up to `now`).
    /// The `apply_*` methods are public for adapters that hold a pool on its own, outside a
    /// [`crate::protocol::Protocol`] (the chain's pair contract); quote first, then apply.
    ///
    /// Returns, per side, the checkpoint to store in that side's history if one is due, with
    /// its ring slot.
    #[must_use = "recorded checkpoints must be stored in the pool's histories"]
    pub fn sync_prices(&mut self, now: u64) -> Checkpoints {
        let mut out = [None; 2];
        for (side, slot) in out.iter_mut().enumerate() {
            if let Some(p) = self.spot_price(side) {
                *slot = self.prices[side].apply_post(p, now, now, self.twap_window);
            }
        }
        out
    }

    /// Applies a swap quoted with [`Pool::quote_swap`] at `now`; returns the checkpoints due.
    pub fn apply_swap(&mut self, q: &SwapQuote, now: u64) -> Result<Checkpoints> {
        let fees =
            self.protocol_fees[q.side_in].checked_add(q.protocol_fee, "pool protocol fees")?;
        let received = self.received[q.side_in].checked_add(q.amount_in, "pool inflow")?;
        let paid = self.paid[1 - q.side_in].checked_add(q.amount_out, "pool outflow")?;
        self.received[q.side_in] = received;
        self.paid[1 - q.side_in] = paid;
        self.protocol_fees[q.side_in] = fees;
        self.reserves = q.reserves_after;
        Ok(self.sync_prices(now))
    }

    /// Applies a deposit quoted with [`Pool::quote_add`] for `who` at `now`; returns the
    /// checkpoints due.
    pub fn apply_add(&mut self, who: &Account, q: &AddQuote, now: u64) -> Result<Checkpoints> {
        let r0 = self.reserves[0].checked_add(q.amounts[0], "pool reserve")?;
        let r1 = self.reserves[1].checked_add(q.amounts[1], "pool reserve")?;
        let total = self
            .total_shares
            .checked_add(q.shares, "pool shares")?
            .checked_add(q.locked, "pool shares")?;
        let held = self.shares_of(who).checked_add(q.shares, "pool shares")?;
        let received = [
            self.received[0].checked_add(q.amounts[0], "pool inflow")?,
            self.received[1].checked_add(q.amounts[1], "pool inflow")?,
        ];
        self.received = received;
        self.reserves = [r0, r1];
        self.total_shares = total;
        self.shares.insert(who.clone(), held);
        Ok(self.sync_prices(now))
    }

    /// Applies a withdrawal of `shares` paying `amounts` to `who` at `now` (both checked);
    /// returns the checkpoints due.
    pub fn apply_remove(
        &mut self,
        who: &Account,
        shares: Amount,
        amounts: [Amount; 2],
        now: u64,
    ) -> Result<Checkpoints> {
        let r0 = self.reserves[0].checked_sub(amounts[0], "pool reserve")?;
        let r1 = self.reserves[1].checked_sub(amounts[1], "pool reserve")?;
        let held = self.shares_of(who).checked_sub(shares, "pool shares")?;
        let total = self.total_shares.checked_sub(shares, "pool shares")?;
        let paid = [
            self.paid[0].checked_add(amounts[0], "pool outflow")?,
            self.paid[1].checked_add(amounts[1], "pool outflow")?,
        ];
        self.paid = paid;
        self.reserves = [r0, r1];
        self.total_shares = total;
        if held.is_zero() {
            self.shares.remove(who);
        } else {
            self.shares.insert(who.clone(), held);
        }
        Ok(self.sync_prices(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: u128) -> Amount {
        Amount::new(n)
    }

    fn pool() -> Pool {
        Pool::new(0, [Symbol::lit("USDm"), Symbol::lit("USDC")], [18, 6], 600)
    }

    #[test]
    fn swap_fee_is_thirty_bps_with_five_to_the_protocol() {
        let (out, fee, pfee) = swap_math(a(1_000_000), a(1_000_000), a(10_000)).unwrap();
        assert_eq!(fee, a(30));
        assert_eq!(pfee, a(5));
        // 1e6 * 9970 / (1e6 + 9970) = 9871.58..., rounded down.
        assert_eq!(out, a(9_871));
    }

    #[test]
    fn fees_round_against_the_trader() {
        // 0.3% of 1 is 0.003: the whole fee rounds up to 1, the protocol's share down to 0.
        let (out, fee, pfee) = swap_math(a(1_000), a(1_000), a(1)).unwrap();
        assert_eq!((out, fee, pfee), (a(0), a(1), a(0)));
        assert_eq!(swap_math(a(0), a(1), a(1)), Err(Error::EmptyPool));
        assert_eq!(
            swap_math(a(1), a(1), a(0)),
            Err(Error::ZeroAmount {
                what: "swap amount"
            })
        );
    }

    #[test]
    fn first_deposit_locks_the_minimum() {
        let p = pool();
        let q = p.quote_add([a(4_000_000), a(4_000_000)]).unwrap();
        assert_eq!(q.shares, a(4_000_000 - MINIMUM_LIQUIDITY));
        assert_eq!(q.locked, a(MINIMUM_LIQUIDITY));
        assert!(matches!(
            p.quote_add([a(1_000), a(1_000)]),
            Err(Error::OutputTooSmall { .. })
        ));
    }

    #[test]
    fn later_deposits_follow_the_ratio_and_round_against_the_depositor() {
        let mut p = pool();
        let first = p.quote_add([a(2_000_000), a(1_000_000)]).unwrap();
        let _ = p.apply_add(&Account::new("lp"), &first, 0).unwrap();
        let q = p.quote_add([a(1_000), a(1_000)]).unwrap();
        assert_eq!(q.amounts, [a(1_000), a(500)]);
        let q = p.quote_add([a(1_001), a(1_000)]).unwrap();
        assert_eq!(q.amounts, [a(1_001), a(501)], "the other side rounds up");
        let out = p.quote_remove(first.shares).unwrap();
        assert!(
            out[0] < a(2_000_000) && out[1] < a(1_000_000),
            "locked shares keep a remainder"
        );
    }

    #[test]
    fn reserve_prices_account_for_decimals() {
        let mut p = pool();
        let q = p.quote_add([a(1_000 * WAD), a(1_000_000_000)]).unwrap(); // 1,000 USDm, 1,000 USDC
        let _ = p.apply_add(&Account::new("lp"), &q, 0).unwrap();
        assert_eq!(p.spot_price(0), Some(Price::ONE_DOLLAR));
        assert_eq!(p.spot_price(1), Some(Price::ONE_DOLLAR));
    }

    #[test]
    fn isqrt_is_exact() {
        for n in [0u128, 1, 2, 3, 4, 15, 16, 17, 1 << 100, u128::MAX] {
            let r = crate::math::isqrt(U256::from(n));
            assert!(
                r * r <= U256::from(n) && (r + 1) * (r + 1) > U256::from(n),
                "{n}"
            );
        }
        let big = U256::MAX;
        let r = crate::math::isqrt(big);
        assert!(r * r <= big);
    }
}

/// A swap request: sell exactly `amount_in` of `token_in` for at least `min_out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SwapRequest {
    /// The pool.
    pub pool: PoolId,
    /// The token sold.
    pub token_in: Symbol,
    /// Amount sold, in base units.
    pub amount_in: Amount,
    /// The least accepted out.
    pub min_out: Amount,
}

impl<S: crate::state::PartSource> crate::protocol::Protocol<S> {
    /// The pool `id`, or an error listing the pools.
    pub fn pool(&self, id: PoolId) -> Result<&Pool> {
        if id as usize >= self.pools.len() {
            return Err(Error::UnknownPool {
                pool: id,
                known: if self.pools.is_empty() {
                    "none".into()
                } else {
                    format!("0 to {}", self.pools.len() - 1)
                },
            });
        }
        use crate::state::{Part, PartKey};
        let fetch = || {
            self.fetch(PartKey::Pool(id), |p| match p {
                Part::Pool(pool) => Some(*pool),
                _ => None,
            })
        };
        self.pools
            .get_or_fetch(id as usize, fetch)
            .unwrap_or_else(|| Err(Error::NotLoaded(PartKey::Pool(id))))
    }

    /// Number of pools (ids `0..pool_count`).
    pub fn pool_count(&self) -> usize {
        self.pools.len()
    }

    /// Every pool, by id.
    pub fn pools(&self) -> Result<Vec<&Pool>> {
        (0..self.pools.len() as PoolId)
            .map(|id| self.pool(id))
            .collect()
    }

    pub(crate) fn pool_mut(&mut self, id: PoolId) -> Result<&mut Pool> {
        self.pool(id)?;
        self.pools
            .get_mut(id as usize)
            .ok_or_else(|| Error::NotLoaded(crate::state::PartKey::Pool(id)))
    }

    /// Stores the checkpoints a change of pool `id` recorded.
    pub(crate) fn record_pool_checkpoints(&mut self, id: PoolId, c: Checkpoints) {
        for (side, c) in c.into_iter().enumerate() {
            if let Some((slot, c)) = c {
                self.pool_rings[id as usize][side].record(slot, c);
            }
        }
    }

    /// The active pool trading `a` against `b`, if one exists.
    pub fn find_pool(&self, a: Symbol, b: Symbol) -> Result<Option<&Pool>> {
        for id in 0..self.pools.len() as PoolId {
            let p = self.pool(id)?;
            if !p.retired && ((p.tokens == [a, b]) || (p.tokens == [b, a])) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// Decimals of a token a pool may hold: USDm, XMS or a whitelisted asset.
    pub(crate) fn pool_token_decimals(&self, symbol: Symbol) -> Result<Option<u8>> {
        if symbol == crate::ids::USDM || symbol == crate::ids::XMS {
            return Ok(Some(18));
        }
        match self.find_asset(symbol) {
            Some(i) => Ok(Some(self.asset(i)?.decimals)),
            None => Ok(None),
        }
    }

    /// Checks a new pool of `tokens` could be created; returns its decimals.
    pub(crate) fn check_new_pool(&self, tokens: [Symbol; 2]) -> Result<[u8; 2]> {
        let pair = format!("{}/{}", tokens[0], tokens[1]);
        if tokens[0] == tokens[1] {
            return Err(Error::BadPool {
                pair,
                reason: "the two tokens must differ",
            });
        }
        if self.find_pool(tokens[0], tokens[1])?.is_some() {
            return Err(Error::BadPool {
                pair,
                reason: "a pool for this pair exists already",
            });
        }
        if self.free_pool_slot()?.is_none() {
            return Err(Error::TooMany {
                what: "live pools (retire one to free its slot)",
                max: crate::state::MAX_POOLS,
            });
        }
        let d0 = self.pool_token_decimals(tokens[0])?;
        let d1 = self.pool_token_decimals(tokens[1])?;
        match (d0, d1) {
            (Some(a), Some(b)) => Ok([a, b]),
            _ => Err(Error::BadPool {
                pair,
                reason: "pool tokens must be USDm, XMS or whitelisted assets",
            }),
        }
    }

    /// Where a new pool goes: the slot of the first retired pool with nothing left in it (a
    /// retired pool holds nothing of the treasury's and prices nothing; a chain's mirror holds
    /// nothing at all, its providers withdraw at the pair), else a new slot while there are
    /// fewer than [`MAX_POOLS`](crate::state::MAX_POOLS); `None` when every slot is taken.
    /// Reusing slots keeps what every valuation reads bounded however many pairs come and go.
    fn free_pool_slot(&self) -> Result<Option<PoolId>> {
        for id in 0..self.pools.len() as PoolId {
            let pool = self.pool(id)?;
            if pool.retired && pool.holds_nothing() {
                return Ok(Some(id));
            }
        }
        Ok((self.pools.len() < crate::state::MAX_POOLS).then_some(self.pools.len() as PoolId))
    }

    /// Adds a pool already checked with `check_new_pool`, in the slot `free_pool_slot` names;
    /// returns its id.
    pub(crate) fn add_pool(&mut self, tokens: [Symbol; 2], decimals: [u8; 2]) -> Result<PoolId> {
        let id = self.free_pool_slot()?.ok_or(Error::TooMany {
            what: "live pools (retire one to free its slot)",
            max: crate::state::MAX_POOLS,
        })?;
        let window = self.config.params.twap_window;
        let pool = Pool::new(id, tokens, decimals, window);
        if id as usize == self.pools.len() {
            self.pools.push(pool);
            self.pool_rings.push(Default::default());
            self.config.pools = self.pools.len() as u32;
        } else {
            // The old pool's checkpoints stay in the ring, out of reach: the new pool's
            // history cursor starts empty, and its own records overwrite them.
            *self.pool_mut(id)? = pool;
        }
        Ok(id)
    }

    /// Replaces pool `id` with `state`, for adapters whose pools live elsewhere (a chain's pair
    /// contract): the protocol then prices and values the pool exactly as one of its own.
    /// `state` must be the same pair; the caller maps the treasury's liquidity holder to
    /// [`treasury_account`]. Call [`poke`](crate::protocol::Protocol::poke) first so that time
    /// up to now is accrued at the previously known price.
    pub fn sync_pool(&mut self, id: PoolId, mut state: Pool) -> Result<()> {
        let current = self.pool(id)?;
        current.require_active()?;
        if state.tokens != current.tokens || state.decimals != current.decimals {
            return Err(Error::BadPool {
                pair: state.name(),
                reason: "the synced state is not the registered pair",
            });
        }
        state.id = id;
        state.mirror = true;
        state.retired = false;
        *self.pool_mut(id)? = state;
        Ok(())
    }

    /// What [`swap`](crate::protocol::Protocol::swap) would do now.
    pub fn quote_swap(&self, request: &SwapRequest) -> Result<SwapQuote> {
        let pool = self.pool(request.pool)?;
        pool.require_active()?;
        let q = pool.quote_swap(request.token_in, request.amount_in)?;
        if q.amount_out < request.min_out {
            let out = pool.tokens[1 - q.side_in];
            let d = pool.decimals[1 - q.side_in];
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::new(q.amount_out, d, out)),
                min: Box::new(Quantity::new(request.min_out, d, out)),
            });
        }
        Ok(q)
    }

    /// Sells `amount_in` of `token_in` into a pool. The caller owes the amount in and receives
    /// the amount out (adapters move the tokens).
    pub fn swap(
        &mut self,
        trader: &Account,
        request: &SwapRequest,
        now: crate::time::BlockTime,
    ) -> Result<crate::protocol::Receipt<SwapQuote>> {
        let mut step = self.begin(now)?;
        let q = self.quote_swap(request)?;
        // `apply_swap` checks every new value before it assigns any.
        let pool = self.pool_mut(request.pool)?;
        let checkpoints = pool.apply_swap(&q, now.seconds)?;
        let tokens = pool.tokens;
        self.record_pool_checkpoints(request.pool, checkpoints);
        step.events.push(crate::events::Event::Swapped {
            trader: trader.clone(),
            pool: request.pool,
            token_in: tokens[q.side_in],
            amount_in: q.amount_in,
            token_out: tokens[1 - q.side_in],
            amount_out: q.amount_out,
            fee: q.fee,
            protocol_fee: q.protocol_fee,
        });
        Ok(crate::protocol::Receipt {
            value: q,
            events: self.finish(step, "swap"),
        })
    }

    /// Deposits at most `max` (in pool token order) for at least `min_shares` shares.
    pub fn add_liquidity(
        &mut self,
        provider: &Account,
        pool: PoolId,
        max: [Amount; 2],
        min_shares: Amount,
        now: crate::time::BlockTime,
    ) -> Result<crate::protocol::Receipt<AddQuote>> {
        let mut step = self.begin(now)?;
        let p = self.pool(pool)?;
        p.require_active()?;
        let q = p.quote_add(max)?;
        if q.shares < min_shares {
            return Err(Error::SlippageExceeded {
                out: Box::new(Quantity::new(q.shares, SHARE_DECIMALS, Symbol::lit("LP"))),
                min: Box::new(Quantity::new(min_shares, SHARE_DECIMALS, Symbol::lit("LP"))),
            });
        }
        // `apply_add` checks every new value before it assigns any.
        let checkpoints = self.pool_mut(pool)?.apply_add(provider, &q, now.seconds)?;
        self.record_pool_checkpoints(pool, checkpoints);
        step.events.push(crate::events::Event::LiquidityAdded {
            provider: provider.clone(),
            pool,
            amounts: q.amounts,
            shares: q.shares,
        });
        Ok(crate::protocol::Receipt {
            value: q,
            events: self.finish(step, "add_liquidity"),
        })
    }

    /// Burns `shares` for the reserves they claim, at least `min` (in pool token order).
    pub fn remove_liquidity(
        &mut self,
        provider: &Account,
        pool: PoolId,
        shares: Amount,
        min: [Amount; 2],
        now: crate::time::BlockTime,
    ) -> Result<crate::protocol::Receipt<[Amount; 2]>> {
        let mut step = self.begin(now)?;
        let p = self.pool(pool)?;
        p.require_shares(provider, shares)?;
        let out = p.quote_remove(shares)?;
        for side in 0..2 {
            if out[side] < min[side] {
                return Err(Error::SlippageExceeded {
                    out: Box::new(Quantity::new(out[side], p.decimals[side], p.tokens[side])),
                    min: Box::new(Quantity::new(min[side], p.decimals[side], p.tokens[side])),
                });
            }
        }
        // `apply_remove` checks every new value before it assigns any.
        let checkpoints = self
            .pool_mut(pool)?
            .apply_remove(provider, shares, out, now.seconds)?;
        self.record_pool_checkpoints(pool, checkpoints);
        step.events.push(crate::events::Event::LiquidityRemoved {
            provider: provider.clone(),
            pool,
            amounts: out,
            shares,
        });
        Ok(crate::protocol::Receipt {
            value: out,
            events: self.finish(step, "remove_liquidity"),
        })
    }

    /// Moves a pool's accrued protocol fees to the protocol: whitelisted assets into the
    /// treasury, USDm (and XMS if it is not whitelisted) burned. Anyone may call it.
    pub fn sweep_pool_fees(
        &mut self,
        pool: PoolId,
        now: crate::time::BlockTime,
    ) -> Result<crate::protocol::Receipt<[Amount; 2]>> {
        let mut step = self.begin(now)?;
        let mut p = self.pool(pool)?.clone();
        let fees = p.take_protocol_fees()?;
        let tokens = p.tokens;
        // Compute every new value first.
        let mut supply = self.books.supply;
        let mut holdings = Vec::new();
        for side in 0..2 {
            let (token, fee) = (tokens[side], fees[side]);
            if fee.is_zero() {
                continue;
            }
            if let Some(i) = self.find_asset(token) {
                let mut h = *self.holding(i)?;
                h.balance = h.balance.checked_add(fee, "treasury balance")?;
                h.received = h.received.checked_add(fee, "treasury inflow")?;
                holdings.push((i, h));
            } else if token == crate::ids::USDM {
                supply.usdm = supply.usdm.checked_sub(fee, "USDm supply")?;
                supply.usdm_burned = supply.usdm_burned.checked_add(fee, "USDm burned")?;
            } else {
                supply.xms = supply.xms.checked_sub(fee, "XMS supply")?;
                supply.xms_burned = supply.xms_burned.checked_add(fee, "XMS burned")?;
            }
        }
        self.books.supply = supply;
        for (i, h) in holdings {
            self.set_holding(i, h)?;
        }
        *self.pool_mut(pool)? = p;
        step.events.push(crate::events::Event::PoolFeesSwept {
            pool,
            amounts: fees,
        });
        Ok(crate::protocol::Receipt {
            value: fees,
            events: self.finish(step, "sweep_pool_fees"),
        })
    }
}
