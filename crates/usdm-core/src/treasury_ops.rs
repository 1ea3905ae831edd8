//! Treasury operations (SPEC 9), governance only, each recorded as an event:
//! protocol-owned liquidity in Mars Swap, yield strategies, grants, and external governance.
//!
//! Protocol-owned liquidity pairs a treasury asset with newly minted USDm of equal oracle value,
//! and only while the pool's price is within [`MAX_POOL_DEVIATION`] of the oracle's, so the
//! protocol never adds liquidity at a manipulated price. The USDm it holds in pools is excluded
//! from circulating USDm; withdrawing burns it again.

use crate::asset::{AssetIndex, PriceSource};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::governance::PauseTarget;
use crate::ids::{Account, Symbol, USDM};
use crate::math::{mul_div, Rounding};
use crate::protocol::{Protocol, Receipt};
use crate::swap::{treasury_account, PoolId};
use crate::time::BlockTime;
use crate::treasury::{require_available, Strategy};
use crate::units::{Amount, Ratio, WAD};

/// The furthest a pool's price may be from the oracle's for the treasury to add liquidity: 1%.
pub const MAX_POOL_DEVIATION: Ratio = Ratio::bps(100);
/// Longest strategy name (long enough for a 32-byte bech32 contract address).
pub const MAX_NAME_LEN: usize = 128;
/// Longest grant memo or external-governance description.
pub const MAX_MEMO_LEN: usize = 512;

/// A treasury operation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreasuryOp {
    /// Pair up to `asset_amount` of the pool's treasury asset with newly minted USDm of equal
    /// oracle value in a USDm pool.
    ProvideLiquidity {
        /// The pool (USDm and a whitelisted asset).
        pool: PoolId,
        /// Most of the asset to deposit.
        asset_amount: Amount,
    },
    /// Burn treasury liquidity shares: the asset returns to the treasury, the USDm is burned.
    WithdrawLiquidity {
        /// The pool.
        pool: PoolId,
        /// Shares to burn.
        shares: Amount,
    },
    /// Place idle tokens with a named yield strategy.
    Allocate {
        /// Strategy name.
        strategy: String,
        /// Asset.
        asset: Symbol,
        /// Amount.
        amount: Amount,
    },
    /// Take tokens back from a strategy.
    Recall {
        /// Strategy name.
        strategy: String,
        /// Asset.
        asset: Symbol,
        /// Amount.
        amount: Amount,
    },
    /// Record a strategy's current balance (its yield or loss counts in treasury value).
    Report {
        /// Strategy name.
        strategy: String,
        /// Asset.
        asset: Symbol,
        /// The strategy's balance now.
        balance: Amount,
    },
    /// Pay a grant.
    Grant {
        /// Asset.
        asset: Symbol,
        /// Amount.
        amount: Amount,
        /// Who receives it.
        recipient: Account,
        /// Why.
        memo: String,
    },
    /// Record governance acting with treasury-held tokens on another protocol (on chain: a
    /// governance-approved message to another contract).
    ExternalGovernance {
        /// The contract or protocol acted on.
        target: String,
        /// What was done (the message or a description of it).
        action: String,
        /// Treasury tokens whose weight was used.
        tokens: Vec<(Symbol, Amount)>,
    },
}

fn check_text(name: &'static str, text: &str, max: usize) -> Result<()> {
    if text.trim().is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(Error::InvalidParameter {
            name,
            value: text.chars().take(40).collect(),
            accepted: "non-empty printable text within the length limit",
        });
    }
    Ok(())
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// Runs a treasury operation for `caller`, who must be the governor.
    pub fn treasury_op(
        &mut self,
        caller: &Account,
        op: TreasuryOp,
        now: BlockTime,
    ) -> Result<Receipt<()>> {
        self.config
            .governance
            .require_governor(caller, "run treasury operations")?;
        self.treasury_step(now, |p| p.treasury_event(op, now))
    }

    /// A strategy returned `amount` of `asset` to the treasury: a recall of its position. The
    /// adapter authenticates the strategy (a chain's hub: the sender of the tokens, whose name
    /// the strategy is). Paused with the treasury operations.
    pub fn strategy_returned(
        &mut self,
        strategy: String,
        asset: Symbol,
        amount: Amount,
        now: BlockTime,
    ) -> Result<Receipt<()>> {
        self.treasury_step(now, |p| p.recall(strategy, asset, amount))
    }

    /// The common step of a treasury operation: refused while paused, then `op` between the
    /// operation's begin and finish.
    fn treasury_step(
        &mut self,
        now: BlockTime,
        op: impl FnOnce(&mut Self) -> Result<Event>,
    ) -> Result<Receipt<()>> {
        if self
            .config
            .governance
            .pauses
            .is_paused(PauseTarget::TreasuryOps)
        {
            return Err(Error::TreasuryOpsPaused);
        }
        let mut step = self.begin(now)?;
        let event = op(self)?;
        step.events.push(event);
        Ok(Receipt {
            value: (),
            events: self.finish(step, "treasury_op"),
        })
    }

    /// The event of treasury operation `op`, its changes made.
    fn treasury_event(&mut self, op: TreasuryOp, now: BlockTime) -> Result<Event> {
        Ok(match op {
            TreasuryOp::ProvideLiquidity { pool, asset_amount } => {
                self.provide_liquidity(pool, asset_amount, now)?
            }
            TreasuryOp::WithdrawLiquidity { pool, shares } => {
                self.withdraw_liquidity(pool, shares, now)?
            }
            TreasuryOp::Allocate {
                strategy,
                asset,
                amount,
            } => self.allocate(strategy, asset, amount)?,
            TreasuryOp::Recall {
                strategy,
                asset,
                amount,
            } => self.recall(strategy, asset, amount)?,
            TreasuryOp::Report {
                strategy,
                asset,
                balance,
            } => self.report(strategy, asset, balance)?,
            TreasuryOp::Grant {
                asset,
                amount,
                recipient,
                memo,
            } => self.grant(asset, amount, recipient, memo)?,
            TreasuryOp::ExternalGovernance {
                target,
                action,
                tokens,
            } => {
                check_text("target", &target, MAX_NAME_LEN * 2)?;
                check_text("action", &action, MAX_MEMO_LEN)?;
                for (symbol, amount) in &tokens {
                    let (i, config) = self.require_asset(*symbol)?;
                    require_available(self.holding(i)?, *amount, *symbol, config.decimals)?;
                }
                Event::ExternalGovernanceRecorded {
                    target,
                    action,
                    tokens,
                }
            }
        })
    }

    /// The pool's USDm side and its whitelisted asset, or why the pool cannot hold protocol
    /// liquidity.
    fn liquidity_pool(&self, pool: PoolId) -> Result<(usize, AssetIndex)> {
        let p = self.pool(pool)?;
        p.require_active()?;
        let bad = |reason| Error::BadPool {
            pair: p.name(),
            reason,
        };
        let usdm_side = p
            .side(USDM)
            .map_err(|_| bad("protocol liquidity pairs USDm with a treasury asset"))?;
        let asset = p.tokens[1 - usdm_side];
        let index = self
            .find_asset(asset)
            .ok_or_else(|| bad("the other token is not a whitelisted treasury asset"))?;
        Ok((usdm_side, index))
    }

    fn provide_liquidity(
        &mut self,
        pool: PoolId,
        asset_amount: Amount,
        now: BlockTime,
    ) -> Result<Event> {
        let (usdm_side, index) = self.liquidity_pool(pool)?;
        let asset_side = 1 - usdm_side;
        let config = self.asset(index)?.clone();
        if asset_amount.is_zero() {
            return Err(Error::ZeroAmount {
                what: "liquidity amount",
            });
        }
        require_available(
            self.holding(index)?,
            asset_amount,
            config.symbol,
            config.decimals,
        )?;
        if config.price_source != PriceSource::Feed {
            return Err(Error::BadPriceSource {
                symbol: config.symbol,
                reason: "protocol liquidity needs a feed price, independent of any pool",
            });
        }
        let oracle = self.asset_spot(index, now.seconds)?;
        let p = self.pool(pool)?;
        if let Some(pool_price) = p.spot_price(asset_side) {
            let gap = pool_price.raw().abs_diff(oracle.raw());
            let allowed =
                mul_div(oracle.raw(), MAX_POOL_DEVIATION.raw(), WAD, Rounding::Down).unwrap_or(0);
            if gap > allowed {
                return Err(Error::PoolPriceOffOracle {
                    asset: config.symbol,
                    pool_price,
                    oracle,
                    max_deviation: MAX_POOL_DEVIATION,
                });
            }
        }
        let usdm_value = oracle.value_of(asset_amount, config.decimals, Rounding::Down)?;
        let mut max = [Amount::ZERO; 2];
        max[asset_side] = asset_amount;
        max[usdm_side] = usdm_value.to_usdm();
        let q = p.quote_add(max)?;
        let (used_asset, minted) = (q.amounts[asset_side], q.amounts[usdm_side]);
        let mut h = *self.holding(index)?;
        h.balance = h.balance.checked_sub(used_asset, "treasury balance")?;
        h.paid = h.paid.checked_add(used_asset, "treasury outflow")?;
        let mut supply = self.books.supply;
        supply.usdm = supply.usdm.checked_add(minted, "USDm supply")?;
        supply.usdm_minted = supply.usdm_minted.checked_add(minted, "USDm minted")?;
        // `apply_add` checks every new value before it assigns any.
        let checkpoints = self
            .pool_mut(pool)?
            .apply_add(&treasury_account(), &q, now.seconds)?;
        self.record_pool_checkpoints(pool, checkpoints);
        self.set_holding(index, h)?;
        self.books.supply = supply;
        Ok(Event::TreasuryLiquidityProvided {
            pool,
            asset: config.symbol,
            asset_amount: used_asset,
            usdm_minted: minted,
            shares: q.shares,
        })
    }

    fn withdraw_liquidity(
        &mut self,
        pool: PoolId,
        shares: Amount,
        now: BlockTime,
    ) -> Result<Event> {
        let (usdm_side, index) = self.liquidity_pool(pool)?;
        let asset_side = 1 - usdm_side;
        let p = self.pool(pool)?;
        p.require_shares(&treasury_account(), shares)?;
        let out = p.quote_remove(shares)?;
        let asset = p.tokens[asset_side];
        let (asset_back, burned) = (out[asset_side], out[usdm_side]);
        let mut h = *self.holding(index)?;
        h.balance = h.balance.checked_add(asset_back, "treasury balance")?;
        h.received = h.received.checked_add(asset_back, "treasury inflow")?;
        let mut supply = self.books.supply;
        supply.usdm = supply.usdm.checked_sub(burned, "USDm supply")?;
        supply.usdm_burned = supply.usdm_burned.checked_add(burned, "USDm burned")?;
        let checkpoints =
            self.pool_mut(pool)?
                .apply_remove(&treasury_account(), shares, out, now.seconds)?;
        self.record_pool_checkpoints(pool, checkpoints);
        self.set_holding(index, h)?;
        self.books.supply = supply;
        Ok(Event::TreasuryLiquidityWithdrawn {
            pool,
            asset,
            asset_amount: asset_back,
            usdm_burned: burned,
            shares,
        })
    }

    fn strategy_index(&self, name: &str, asset: Symbol) -> Result<usize> {
        self.config
            .strategies
            .iter()
            .position(|s| s.name == name && s.asset == asset)
            .ok_or_else(|| Error::UnknownStrategy {
                name: name.to_string(),
                asset,
            })
    }

    fn allocate(&mut self, strategy: String, asset: Symbol, amount: Amount) -> Result<Event> {
        check_text("strategy name", &strategy, MAX_NAME_LEN)?;
        let (index, config) = self.require_asset(asset)?;
        if amount.is_zero() {
            return Err(Error::ZeroAmount { what: "allocation" });
        }
        require_available(self.holding(index)?, amount, asset, config.decimals)?;
        let mut h = *self.holding(index)?;
        h.balance = h.balance.checked_sub(amount, "treasury balance")?;
        h.paid = h.paid.checked_add(amount, "treasury outflow")?;
        let position = match self.strategy_index(&strategy, asset) {
            Ok(i) => {
                let s = &self.config.strategies[i];
                Some((
                    i,
                    s.allocated.checked_add(amount, "strategy")?,
                    s.reported.checked_add(amount, "strategy")?,
                ))
            }
            Err(_) if self.config.strategies.len() >= crate::state::MAX_STRATEGIES => {
                return Err(Error::TooMany {
                    what: "strategy positions",
                    max: crate::state::MAX_STRATEGIES,
                })
            }
            Err(_) => None,
        };
        self.set_holding(index, h)?;
        match position {
            Some((i, allocated, reported)) => {
                let s = &mut self.config.strategies[i];
                s.allocated = allocated;
                s.reported = reported;
            }
            None => self.config.strategies.push(Strategy {
                name: strategy.clone(),
                asset,
                allocated: amount,
                reported: amount,
            }),
        }
        Ok(Event::StrategyAllocated {
            strategy,
            asset,
            amount,
        })
    }

    fn recall(&mut self, strategy: String, asset: Symbol, amount: Amount) -> Result<Event> {
        let i = self.strategy_index(&strategy, asset)?;
        let (index, config) = self.require_asset(asset)?;
        if amount.is_zero() {
            return Err(Error::ZeroAmount { what: "recall" });
        }
        let s = &self.config.strategies[i];
        if amount > s.reported {
            return Err(Error::InsufficientTreasury {
                requested: Box::new(crate::units::Quantity::new(amount, config.decimals, asset)),
                available: Box::new(crate::units::Quantity::new(
                    s.reported,
                    config.decimals,
                    asset,
                )),
            });
        }
        let reported = s.reported.checked_sub(amount, "strategy")?;
        let allocated = s.allocated.saturating_sub(amount);
        let mut h = *self.holding(index)?;
        h.balance = h.balance.checked_add(amount, "treasury balance")?;
        h.received = h.received.checked_add(amount, "treasury inflow")?;
        self.set_holding(index, h)?;
        if reported.is_zero() && allocated.is_zero() {
            self.config.strategies.remove(i);
        } else {
            let s = &mut self.config.strategies[i];
            s.reported = reported;
            s.allocated = allocated;
        }
        Ok(Event::StrategyRecalled {
            strategy,
            asset,
            amount,
        })
    }

    fn report(&mut self, strategy: String, asset: Symbol, balance: Amount) -> Result<Event> {
        let i = self.strategy_index(&strategy, asset)?;
        let s = &mut self.config.strategies[i];
        let previous = std::mem::replace(&mut s.reported, balance);
        Ok(Event::StrategyReported {
            strategy,
            asset,
            previous,
            reported: balance,
            allocated: s.allocated,
        })
    }

    fn grant(
        &mut self,
        asset: Symbol,
        amount: Amount,
        recipient: Account,
        memo: String,
    ) -> Result<Event> {
        check_text("memo", &memo, MAX_MEMO_LEN)?;
        let (index, config) = self.require_asset(asset)?;
        if amount.is_zero() {
            return Err(Error::ZeroAmount { what: "grant" });
        }
        require_available(self.holding(index)?, amount, asset, config.decimals)?;
        let mut h = *self.holding(index)?;
        h.balance = h.balance.checked_sub(amount, "treasury balance")?;
        h.paid = h.paid.checked_add(amount, "treasury outflow")?;
        self.set_holding(index, h)?;
        Ok(Event::GrantPaid {
            asset,
            amount,
            recipient,
            memo,
        })
    }
}
