//! The global invariants of SPEC 11, checked by tests after every operation (and by every entry
//! point when the `sanity` feature is on).

use crate::error::{Error, Result};
use crate::ids::XMS;
use crate::protocol::Protocol;
use crate::ratio::RatioPolicy;
use crate::units::Amount;

fn violated(msg: String) -> Error {
    Error::InvariantViolated(msg)
}

fn add(a: Amount, b: Amount) -> Option<u128> {
    a.raw().checked_add(b.raw())
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// Checks every global invariant and names the first that fails:
    /// - USDm supply = minted - burned, and protocol-owned USDm <= supply;
    /// - XMS supply = genesis + minted - burned, and treasury XMS <= XMS supply;
    /// - for each asset, custody (balance + escrow) = received - paid: the recorded balances
    ///   equal the tokens the protocol holds;
    /// - pending redemptions are fully funded: escrow per asset = collateral owed;
    /// - the Frax ratios (global, and redemption's if held apart) lie within [min_cr, 1];
    /// - the bookkeeping is consistent: parameters within bounds, one holding and one feed per
    ///   whitelisted asset, pending redemptions ordered by id, epoch times in order, and every
    ///   pool's shares adding up.
    pub fn check_invariants(&self) -> Result<()> {
        self.config
            .params
            .validate()
            .map_err(|e| violated(format!("parameters: {e}")))?;
        let n = self.asset_count();
        if self.holdings.len() != n || self.assets.len() != n || self.config.asset_feeds.len() != n
        {
            return Err(violated(format!(
                "{n} assets but {} configurations, {} holdings and {} feed links",
                self.assets.len(),
                self.holdings.len(),
                self.config.asset_feeds.len()
            )));
        }
        if self.feeds.len() != self.config.feeds.len() || self.rings.len() != self.feeds.len() {
            return Err(violated(
                "feeds, their symbols and their histories disagree".into(),
            ));
        }
        if self.pools.len() != self.config.pools as usize
            || self.pool_rings.len() != self.pools.len()
        {
            return Err(violated("pools and their histories disagree".into()));
        }
        let s = &self.books.supply;
        if add(s.usdm, s.usdm_burned) != Some(s.usdm_minted.raw()) {
            return Err(violated(format!(
                "USDm supply {} != minted {} - burned {}",
                s.usdm.raw(),
                s.usdm_minted.raw(),
                s.usdm_burned.raw()
            )));
        }
        if self
            .protocol_owned_usdm(self.clock.last_time)
            .is_ok_and(|owned| owned > s.usdm)
        {
            return Err(violated("protocol-owned USDm exceeds USDm supply".into()));
        }
        let xms_in = add(s.xms_genesis, s.xms_minted);
        if xms_in != add(s.xms, s.xms_burned) {
            return Err(violated(format!(
                "XMS supply {} != genesis {} + minted {} - burned {}",
                s.xms.raw(),
                s.xms_genesis.raw(),
                s.xms_minted.raw(),
                s.xms_burned.raw()
            )));
        }
        let mut owed = vec![Amount::ZERO; n];
        for r in self.redemptions.iter() {
            if let Some(symbol) = r.asset {
                let i = self.find_asset(symbol).ok_or_else(|| {
                    violated(format!("redemption {} owes unknown asset {symbol}", r.id))
                })?;
                owed[i] = owed[i]
                    .checked_add(r.collateral, "owed")
                    .map_err(|_| violated("owed collateral overflows".into()))?;
            } else if !r.collateral.is_zero() {
                return Err(violated(format!(
                    "redemption {} owes collateral of no asset",
                    r.id
                )));
            }
        }
        for (i, (config, h)) in self
            .asset_configs()?
            .into_iter()
            .zip(self.holdings()?)
            .enumerate()
        {
            let custody = h
                .custody()
                .ok_or_else(|| violated("custody overflows".into()))?;
            if Some(custody) != h.received.raw().checked_sub(h.paid.raw()).map(Amount::new) {
                return Err(violated(format!(
                    "{}: custody {} != received {} - paid {}",
                    config.symbol,
                    custody.raw(),
                    h.received.raw(),
                    h.paid.raw()
                )));
            }
            // Only with every pending redemption at hand can escrow be checked against them.
            if self.redemptions.is_complete() && h.escrow != owed[i] {
                return Err(violated(format!(
                    "{}: escrow {} != collateral owed to pending redemptions {}",
                    config.symbol,
                    h.escrow.raw(),
                    owed[i].raw()
                )));
            }
            if config.symbol == XMS && h.custody().is_none_or(|c| c > s.xms) {
                return Err(violated("the protocol holds more XMS than exists".into()));
            }
        }
        if let RatioPolicy::Frax { cr, redeem_cr, .. } = self.books.policy {
            for r in std::iter::once(cr).chain(redeem_cr) {
                if r < self.config.params.frax.min_cr {
                    return Err(violated(format!(
                        "Frax ratio {r} below min_cr {}",
                        self.config.params.frax.min_cr
                    )));
                }
            }
        }
        self.check_bookkeeping()
    }

    fn check_bookkeeping(&self) -> Result<()> {
        let mut last = None;
        for r in self.redemptions.iter() {
            if last.is_some_and(|l| r.id <= l) || r.id >= self.books.next_redemption_id {
                return Err(violated(format!(
                    "pending redemption {} out of order",
                    r.id
                )));
            }
            last = Some(r.id);
        }
        let m = &self.clock.mintage;
        let epoch_end = m.epoch_start.saturating_add(m.length);
        if m.accrued_until < m.epoch_start || m.accrued_until >= epoch_end.max(m.epoch_start + 1) {
            return Err(violated(format!(
                "epoch {} accrued to t={} outside [{}, {})",
                m.epoch, m.accrued_until, m.epoch_start, epoch_end
            )));
        }
        if m.covered > m.accrued_until - m.epoch_start {
            return Err(violated("epoch covers more time than has passed".into()));
        }
        for pool in self.pools()? {
            let held = pool
                .shares
                .values()
                .try_fold(0u128, |acc, a| acc.checked_add(a.raw()))
                .ok_or_else(|| violated(format!("pool {}: shares overflow", pool.id)))?;
            let locked = if pool.total_shares.is_zero() {
                0
            } else {
                crate::swap::MINIMUM_LIQUIDITY
            };
            // A mirror lists only some holders; its shares must still fit within the total.
            let fits = match held.checked_add(locked) {
                Some(sum) if pool.mirror => sum <= pool.total_shares.raw(),
                Some(sum) => sum == pool.total_shares.raw(),
                None => false,
            };
            if !fits {
                return Err(violated(format!(
                    "pool {}: shares held {held} + locked {locked} != total",
                    pool.id
                )));
            }
            // An empty pool has no reserves; a funded one has both (the locked minimum keeps
            // them above zero for ever).
            let consistent = if pool.total_shares.is_zero() {
                pool.reserves.iter().all(|r| r.is_zero())
            } else {
                pool.reserves.iter().all(|r| !r.is_zero())
            };
            if !consistent {
                return Err(violated(format!(
                    "pool {}: shares and reserves disagree on whether it is funded",
                    pool.id
                )));
            }
            for side in 0..2 {
                let inside = pool.reserves[side]
                    .raw()
                    .checked_add(pool.protocol_fees[side].raw());
                let flows = pool.received[side].raw().checked_sub(pool.paid[side].raw());
                if inside.is_none() || inside != flows {
                    return Err(violated(format!(
                        "pool {} {}: reserves + fees != received - paid",
                        pool.id, pool.tokens[side]
                    )));
                }
                let supply = if pool.tokens[side] == crate::ids::USDM {
                    Some(self.books.supply.usdm)
                } else if pool.tokens[side] == XMS {
                    Some(self.books.supply.xms)
                } else {
                    None
                };
                if supply.is_some_and(|s| inside.is_some_and(|i| i > s.raw())) {
                    return Err(violated(format!(
                        "pool {} holds more {} than exists",
                        pool.id, pool.tokens[side]
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::asset::example_assets;
    use crate::error::Error;
    use crate::ids::Account;
    use crate::params::Preset;
    use crate::protocol::{Genesis, Protocol};
    use crate::time::BlockTime;
    use crate::units::Amount;

    fn protocol() -> Protocol {
        let g = Genesis::new(Preset::Mars, Account::new("gov"), BlockTime::new(1, 0))
            .with_assets(example_assets())
            .with_xms_supply(Amount::new(1_000));
        Protocol::genesis(g).unwrap().value
    }

    /// The checker must be able to fail: corrupt each invariant in turn.
    #[test]
    fn each_corruption_is_detected() {
        let fresh = protocol();
        fresh.check_invariants().unwrap();
        type Corruption = Box<dyn Fn(&mut Protocol)>;
        let corruptions: Vec<(&str, Corruption)> = vec![
            (
                "USDm supply",
                Box::new(|p| p.books.supply.usdm = Amount::new(1)),
            ),
            (
                "XMS supply",
                Box::new(|p| p.books.supply.xms = Amount::new(999)),
            ),
            (
                "custody",
                Box::new(|p| p.holdings.get_mut(0).unwrap().balance = Amount::new(5)),
            ),
            (
                "escrow",
                Box::new(|p| {
                    let h = p.holdings.get_mut(0).unwrap();
                    h.escrow = Amount::new(5);
                    h.received = Amount::new(5);
                }),
            ),
            (
                "pool flows",
                Box::new(|p| {
                    let mut pool = crate::swap::Pool::new(
                        0,
                        [crate::ids::USDM, crate::ids::XMS],
                        [18, 18],
                        600,
                    );
                    pool.reserves = [Amount::new(5), Amount::new(5)];
                    pool.total_shares = Amount::new(crate::swap::MINIMUM_LIQUIDITY);
                    p.pools.push(pool);
                    p.pool_rings.push(Default::default());
                    p.config.pools += 1;
                }),
            ),
            (
                "pool shares",
                Box::new(|p| {
                    let mut pool = crate::swap::Pool::new(
                        0,
                        [crate::ids::USDM, crate::ids::XMS],
                        [18, 18],
                        600,
                    );
                    pool.total_shares = Amount::new(7);
                    p.pools.push(pool);
                    p.pool_rings.push(Default::default());
                    p.config.pools += 1;
                }),
            ),
            (
                "more XMS than exists",
                Box::new(|p| {
                    let i = p.find_asset(crate::ids::XMS).unwrap();
                    let h = p.holdings.get_mut(i).unwrap();
                    h.balance = Amount::new(5_000);
                    h.received = Amount::new(5_000);
                }),
            ),
        ];
        for (what, corrupt) in corruptions {
            let mut p = fresh.clone();
            corrupt(&mut p);
            let err = p.check_invariants().unwrap_err();
            assert!(matches!(err, Error::InvariantViolated(_)), "{what}: {err}");
        }
    }
}
