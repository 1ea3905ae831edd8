//! Test suite helper: a protocol plus the token wallets that live outside it, with one method
//! per user action, so each test reads as a story and every step can be checked for token
//! conservation (the protocol's records against the tokens actually moved).
#![allow(dead_code, clippy::needless_range_loop)]

pub mod lazy;

use std::collections::BTreeMap;
use usdm_core::prelude::*;

/// Seconds per block in tests.
pub const BLOCK_SECONDS: u64 = 3;
/// Where tests start.
pub const START: BlockTime = BlockTime::new(100, 1_700_000_000);

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

pub fn amt(s: &str, decimals: u8) -> Amount {
    Amount::parse(s, decimals).unwrap()
}

pub fn usdm(s: &str) -> Amount {
    amt(s, 18)
}

pub fn price(s: &str) -> Price {
    Price::parse(s).unwrap()
}

pub fn ratio(s: &str) -> Ratio {
    Ratio::parse(s).unwrap()
}

pub fn usd(s: &str) -> Usd {
    Usd::parse(s).unwrap()
}

/// Runs one core operation through [`Suite::core`]: the closure is written once and compiled
/// for both kinds of protocol (held whole in memory, and fetching its parts from storage).
#[macro_export]
macro_rules! run_core {
    ($suite:expr, $what:expr, |$p:ident| $body:expr) => {
        $suite.core($what, |$p| $body, |$p| $body)
    };
}

/// A protocol and the world around it.
pub struct Suite {
    pub p: Protocol,
    pub gov: Account,
    pub feeder: Account,
    /// The protocol's own account: the tokens it really holds.
    pub protocol_account: Account,
    pub now: BlockTime,
    /// Last posted price per token, re-posted by [`Suite::advance`] to keep feeds fresh.
    pub prices: BTreeMap<Symbol, Price>,
    pub wallets: BTreeMap<Account, BTreeMap<Symbol, Amount>>,
    pub events: Vec<Event>,
    /// Also run every operation the chain adapter's way, on the state stored in parts, and
    /// assert the same outcome (see [`lazy`]); on unless a test turns it off (soak runs do).
    pub lazy: bool,
    /// The parts the last operation loaded when run that way.
    pub last_loads: Vec<PartKey>,
}

impl Suite {
    /// The example assets under `preset`, 100M XMS held by "market", feeds authorised.
    pub fn new(preset: Preset) -> Self {
        Self::with_genesis(
            Genesis::new(preset, Account::new("gov"), START)
                .with_assets(example_assets())
                .with_feeder(Account::new("feeder"))
                .with_xms_supply(amt("100000000", 18)),
        )
    }

    pub fn with_genesis(g: Genesis) -> Self {
        let xms = g.xms_supply;
        let start = g.start;
        let receipt = Protocol::genesis(g).unwrap();
        let mut s = Suite {
            p: receipt.value,
            gov: Account::new("gov"),
            feeder: Account::new("feeder"),
            protocol_account: Account::new("protocol"),
            now: start,
            prices: BTreeMap::new(),
            wallets: BTreeMap::new(),
            events: receipt.events,
            lazy: true,
            last_loads: Vec::new(),
        };
        s.credit(&Account::new("market"), XMS, xms);
        s.check();
        s
    }

    pub fn balance(&self, who: &Account, symbol: Symbol) -> Amount {
        self.wallets
            .get(who)
            .and_then(|w| w.get(&symbol))
            .copied()
            .unwrap_or(Amount::ZERO)
    }

    fn credit(&mut self, who: &Account, symbol: Symbol, amount: Amount) {
        let w = self
            .wallets
            .entry(who.clone())
            .or_default()
            .entry(symbol)
            .or_insert(Amount::ZERO);
        *w = w.checked_add(amount, "wallet").unwrap();
    }

    fn debit(&mut self, who: &Account, symbol: Symbol, amount: Amount) {
        let w = self
            .wallets
            .entry(who.clone())
            .or_default()
            .entry(symbol)
            .or_insert(Amount::ZERO);
        *w = w
            .checked_sub(amount, "wallet")
            .expect("test wallet overdrawn");
    }

    /// Hands `who` tokens from outside the system (a faucet for collateral).
    pub fn give(&mut self, who: &str, symbol: &str, amount: &str) {
        let s = sym(symbol);
        let d = self.decimals(s);
        self.credit(&Account::new(who), s, amt(amount, d));
    }

    /// Moves XMS from the "market" account to `who`.
    pub fn give_xms(&mut self, who: &str, amount: &str) {
        let a = amt(amount, 18);
        self.debit(&Account::new("market"), XMS, a);
        self.credit(&Account::new(who), XMS, a);
    }

    /// Runs a core operation on the whole protocol and, when [`Suite::lazy`] is on, the chain
    /// adapter's way on the same state stored in parts: both must give the same answer (events
    /// included) and leave the same state. `whole` and `parts` are the same operation (the
    /// [`run_core!`] macro writes it once) on the two kinds of protocol.
    pub fn core<T: std::fmt::Debug>(
        &mut self,
        what: &str,
        mut whole: impl FnMut(&mut Protocol) -> Result<T>,
        mut parts: impl FnMut(&mut lazy::Lazy) -> Result<T>,
    ) -> Result<T> {
        if !self.lazy {
            return whole(&mut self.p);
        }
        let mut stored = lazy::Stored::of(&self.p);
        let answer = whole(&mut self.p);
        let from_parts = stored.run(&mut parts);
        assert_eq!(
            format!("{answer:?}"),
            format!("{from_parts:?}"),
            "{what}: run on stored parts, the operation answered differently"
        );
        stored.assert_holds(&self.p, what);
        self.last_loads = stored.loads();
        answer
    }

    pub fn decimals(&self, s: Symbol) -> u8 {
        if s == XMS || s == USDM {
            return 18;
        }
        self.p.require_asset(s).unwrap().1.decimals
    }

    /// Posts a price at the current block.
    pub fn set_price(&mut self, symbol: &str, p: &str) {
        let s = sym(symbol);
        let pr = price(p);
        let (feeder, now) = (self.feeder.clone(), self.now);
        let r = run_core!(self, "post_price", |p| {
            p.post_price(&feeder, s, pr, now.seconds, now)
        })
        .unwrap();
        self.prices.insert(s, pr);
        self.events.extend(r.events);
        self.check();
    }

    /// Posts several prices.
    pub fn set_prices(&mut self, prices: &[(&str, &str)]) {
        for (s, p) in prices {
            self.set_price(s, p);
        }
    }

    /// Advances `blocks` blocks, re-posting every known price so feeds stay fresh.
    pub fn advance(&mut self, blocks: u64) {
        self.now = self.now.advance(blocks, BLOCK_SECONDS);
        let feeder = self.feeder.clone();
        for (s, p) in self.prices.clone() {
            let now = self.now;
            let r = run_core!(self, "post_price", |q| {
                q.post_price(&feeder, s, p, now.seconds, now)
            })
            .unwrap();
            self.events.extend(r.events);
        }
        self.check();
    }

    /// Advances at least `seconds`, in blocks, re-posting prices once at the end.
    pub fn advance_seconds(&mut self, seconds: u64) {
        self.advance(seconds.div_ceil(BLOCK_SECONDS));
    }

    /// Advances past the next epoch boundary so the cap reflects the current market cap.
    pub fn roll_epoch(&mut self) {
        let e = self.p.params().epoch_seconds;
        self.advance_seconds(e);
    }

    /// Applies a governance action as governance.
    pub fn govern(&mut self, action: GovAction) {
        let (gov, now) = (self.gov.clone(), self.now);
        let r = run_core!(self, "govern", |p| p.govern(&gov, action.clone(), now)).unwrap();
        self.events.extend(r.events);
        self.check();
    }

    /// Sets every tier's mint and redeem fee to zero (the SPEC's worked examples).
    pub fn zero_fees(&mut self) {
        for tier in Tier::ALL {
            self.govern(GovAction::SetParam {
                change: ParamChange::TierMintFee {
                    tier,
                    fee: Ratio::ZERO,
                },
            });
            self.govern(GovAction::SetParam {
                change: ParamChange::TierRedeemFee {
                    tier,
                    fee: Ratio::ZERO,
                },
            });
        }
    }

    /// Mints with `amount` whole tokens of `asset` (burning at most all XMS `who` has).
    pub fn mint(&mut self, who: &str, asset: &str, amount: &str) -> Result<MintQuote> {
        let a = sym(asset);
        let d = self.decimals(a);
        let who_acc = Account::new(who);
        let max_xms = self.balance(&who_acc, XMS);
        self.mint_request(
            who,
            &MintRequest::collateral(a, amt(amount, d), max_xms, Amount::ZERO),
        )
    }

    /// Submits a mint request; on success moves the tokens the quote says.
    pub fn mint_request(&mut self, who: &str, req: &MintRequest) -> Result<MintQuote> {
        let who = Account::new(who);
        let before = self.p.clone();
        let now = self.now;
        let r = match run_core!(self, "mint", |p| p.mint(&who, req, now)) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(self.p, before, "a refused mint changed the state: {e}");
                return Err(e);
            }
        };
        let q = r.value;
        if let MintInput::Collateral { asset, .. } = req.input {
            self.debit(&who, asset, q.collateral_in);
            self.credit(&self.protocol_account.clone(), asset, q.collateral_in);
        }
        self.debit(&who, XMS, q.xms_in);
        self.credit(&who, USDM, q.usdm_out);
        self.events.extend(r.events);
        self.check();
        Ok(q)
    }

    /// Redeems `usdm_amount` USDm, asking for `asset` collateral.
    pub fn redeem(
        &mut self,
        who: &str,
        usdm_amount: &str,
        asset: Option<&str>,
    ) -> Result<PendingRedemption> {
        self.redeem_request(who, &RedeemRequest::new(usdm(usdm_amount), asset.map(sym)))
    }

    pub fn redeem_request(&mut self, who: &str, req: &RedeemRequest) -> Result<PendingRedemption> {
        let who = Account::new(who);
        let before = self.p.clone();
        let now = self.now;
        let r = match run_core!(self, "redeem", |p| p.redeem(&who, req, now)) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(
                    self.p, before,
                    "a refused redemption changed the state: {e}"
                );
                return Err(e);
            }
        };
        self.debit(&who, USDM, req.usdm_in);
        self.events.extend(r.events);
        self.check();
        Ok(r.value)
    }

    /// Collects redemption `id`, paying its owner.
    pub fn collect(&mut self, id: u64) -> Result<PendingRedemption> {
        let before = self.p.clone();
        let now = self.now;
        let r = match run_core!(self, "collect", |p| p.collect(id, now)) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(self.p, before, "a refused collect changed the state: {e}");
                return Err(e);
            }
        };
        let pr = r.value.clone();
        if let Some(asset) = pr.asset {
            self.debit(&self.protocol_account.clone(), asset, pr.collateral);
            self.credit(&pr.owner, asset, pr.collateral);
        }
        self.credit(&pr.owner, XMS, pr.xms);
        self.events.extend(r.events);
        self.check();
        Ok(pr)
    }

    /// Redeems then waits out the delay and collects.
    pub fn redeem_and_collect(
        &mut self,
        who: &str,
        usdm_amount: &str,
        asset: Option<&str>,
    ) -> PendingRedemption {
        let pending = self.redeem(who, usdm_amount, asset).unwrap();
        self.advance(self.p.params().redemption_delay);
        self.collect(pending.id).unwrap()
    }

    /// The wallet that holds a pool's tokens.
    pub fn pool_account(pool: PoolId) -> Account {
        Account::new(format!("pool:{pool}"))
    }

    /// The wallet that holds a strategy's tokens.
    pub fn strategy_account(name: &str) -> Account {
        Account::new(format!("strategy:{name}"))
    }

    /// Governance creates a pool; returns its id.
    pub fn create_pool(&mut self, a: &str, b: &str) -> PoolId {
        self.govern(GovAction::CreatePool {
            tokens: [sym(a), sym(b)],
        });
        match self.events.last() {
            Some(Event::PoolCreated { pool, .. }) => *pool,
            other => panic!("creating a pool emitted {other:?}"),
        }
    }

    fn pool_tokens(&self, pool: PoolId) -> ([Symbol; 2], [u8; 2]) {
        let p = self.p.pool(pool).unwrap();
        (p.tokens, p.decimals)
    }

    /// `who` adds liquidity of at most `amounts` (whole tokens, pool order).
    pub fn add_liquidity(
        &mut self,
        who: &str,
        pool: PoolId,
        amounts: [&str; 2],
    ) -> Result<AddQuote> {
        let (_, decimals) = self.pool_tokens(pool);
        let max = [amt(amounts[0], decimals[0]), amt(amounts[1], decimals[1])];
        self.add_liquidity_raw(who, pool, max)
    }

    pub fn add_liquidity_raw(
        &mut self,
        who: &str,
        pool: PoolId,
        max: [Amount; 2],
    ) -> Result<AddQuote> {
        let (tokens, _) = self.pool_tokens(pool);
        let who = Account::new(who);
        let before = self.p.clone();
        let now = self.now;
        let r = match run_core!(self, "add_liquidity", |p| {
            p.add_liquidity(&who, pool, max, Amount::ZERO, now)
        }) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(self.p, before, "a refused add changed the state: {e}");
                return Err(e);
            }
        };
        for side in 0..2 {
            self.debit(&who, tokens[side], r.value.amounts[side]);
            self.credit(
                &Self::pool_account(pool),
                tokens[side],
                r.value.amounts[side],
            );
        }
        self.events.extend(r.events);
        self.check();
        Ok(r.value)
    }

    /// `who` burns `shares` of `pool`.
    pub fn remove_liquidity(
        &mut self,
        who: &str,
        pool: PoolId,
        shares: Amount,
    ) -> Result<[Amount; 2]> {
        let (tokens, _) = self.pool_tokens(pool);
        let who = Account::new(who);
        let before = self.p.clone();
        let now = self.now;
        let r = match run_core!(self, "remove_liquidity", |p| {
            p.remove_liquidity(&who, pool, shares, [Amount::ZERO; 2], now)
        }) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(self.p, before, "a refused remove changed the state: {e}");
                return Err(e);
            }
        };
        for side in 0..2 {
            self.debit(&Self::pool_account(pool), tokens[side], r.value[side]);
            self.credit(&who, tokens[side], r.value[side]);
        }
        self.events.extend(r.events);
        self.check();
        Ok(r.value)
    }

    /// `who` sells `amount` whole tokens of `token_in` into `pool`.
    pub fn swap(
        &mut self,
        who: &str,
        pool: PoolId,
        token_in: &str,
        amount: &str,
    ) -> Result<SwapQuote> {
        let d = self.decimals(sym(token_in));
        self.swap_raw(who, pool, sym(token_in), amt(amount, d))
    }

    pub fn swap_raw(
        &mut self,
        who: &str,
        pool: PoolId,
        token_in: Symbol,
        amount_in: Amount,
    ) -> Result<SwapQuote> {
        let (tokens, _) = self.pool_tokens(pool);
        let who = Account::new(who);
        let req = SwapRequest {
            pool,
            token_in,
            amount_in,
            min_out: Amount::ZERO,
        };
        let before = self.p.clone();
        let now = self.now;
        let r = match run_core!(self, "swap", |p| p.swap(&who, &req, now)) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(self.p, before, "a refused swap changed the state: {e}");
                return Err(e);
            }
        };
        let q = r.value;
        self.debit(&who, tokens[q.side_in], q.amount_in);
        self.credit(&Self::pool_account(pool), tokens[q.side_in], q.amount_in);
        self.debit(
            &Self::pool_account(pool),
            tokens[1 - q.side_in],
            q.amount_out,
        );
        self.credit(&who, tokens[1 - q.side_in], q.amount_out);
        self.events.extend(r.events);
        self.check();
        Ok(q)
    }

    /// Sweeps a pool's protocol fees: treasury assets to the protocol, USDm and stray XMS burned.
    pub fn sweep(&mut self, pool: PoolId) -> [Amount; 2] {
        let (tokens, _) = self.pool_tokens(pool);
        let now = self.now;
        let r = run_core!(self, "sweep_pool_fees", |p| p.sweep_pool_fees(pool, now)).unwrap();
        for side in 0..2 {
            let fee = r.value[side];
            self.debit(&Self::pool_account(pool), tokens[side], fee);
            if self.p.find_asset(tokens[side]).is_some() {
                self.credit(&self.protocol_account.clone(), tokens[side], fee);
            }
        }
        self.events.extend(r.events);
        self.check();
        r.value
    }

    /// Runs a treasury operation as governance and moves the tokens it says it moved.
    pub fn treasury_op(&mut self, op: TreasuryOp) -> Result<()> {
        let before = self.p.clone();
        let (gov, now) = (self.gov.clone(), self.now);
        let r = match run_core!(self, "treasury_op", |p| p.treasury_op(
            &gov,
            op.clone(),
            now
        )) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(
                    self.p, before,
                    "a refused treasury operation changed the state: {e}"
                );
                return Err(e);
            }
        };
        let protocol = self.protocol_account.clone();
        for e in &r.events {
            match e {
                Event::TreasuryLiquidityProvided {
                    pool,
                    asset,
                    asset_amount,
                    usdm_minted,
                    ..
                } => {
                    self.debit(&protocol, *asset, *asset_amount);
                    self.credit(&Self::pool_account(*pool), *asset, *asset_amount);
                    self.credit(&Self::pool_account(*pool), USDM, *usdm_minted);
                }
                Event::TreasuryLiquidityWithdrawn {
                    pool,
                    asset,
                    asset_amount,
                    usdm_burned,
                    ..
                } => {
                    self.debit(&Self::pool_account(*pool), *asset, *asset_amount);
                    self.credit(&protocol, *asset, *asset_amount);
                    self.debit(&Self::pool_account(*pool), USDM, *usdm_burned);
                }
                Event::StrategyAllocated {
                    strategy,
                    asset,
                    amount,
                } => {
                    self.debit(&protocol, *asset, *amount);
                    self.credit(&Self::strategy_account(strategy), *asset, *amount);
                }
                Event::StrategyRecalled {
                    strategy,
                    asset,
                    amount,
                } => {
                    self.debit(&Self::strategy_account(strategy), *asset, *amount);
                    self.credit(&protocol, *asset, *amount);
                }
                Event::StrategyReported {
                    strategy,
                    asset,
                    previous,
                    reported,
                    ..
                } => {
                    // The strategy earned (or lost) the difference outside the protocol.
                    let acct = Self::strategy_account(strategy);
                    if reported > previous {
                        self.credit(&acct, *asset, reported.saturating_sub(*previous));
                    } else {
                        self.debit(&acct, *asset, previous.saturating_sub(*reported));
                    }
                }
                Event::GrantPaid {
                    asset,
                    amount,
                    recipient,
                    ..
                } => {
                    self.debit(&protocol, *asset, *amount);
                    self.credit(recipient, *asset, *amount);
                }
                _ => {}
            }
        }
        self.events.extend(r.events);
        self.check();
        Ok(())
    }

    /// `who` recollateralizes with `amount` whole tokens of `asset`.
    pub fn recollateralize(&mut self, who: &str, asset: &str, amount: &str) -> Result<FraxTrade> {
        let a = sym(asset);
        let amount = amt(amount, self.decimals(a));
        let acct = Account::new(who);
        let before = self.p.clone();
        let now = self.now;
        let r = match run_core!(self, "recollateralize", |p| {
            p.recollateralize(&acct, a, amount, Amount::ZERO, now)
        }) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(
                    self.p, before,
                    "a refused recollateralization changed the state: {e}"
                );
                return Err(e);
            }
        };
        self.debit(&acct, a, r.value.collateral);
        self.credit(&self.protocol_account.clone(), a, r.value.collateral);
        self.credit(&acct, XMS, r.value.xms);
        self.events.extend(r.events);
        self.check();
        Ok(r.value)
    }

    /// `who` buys back collateral `asset` with `xms` whole XMS.
    pub fn buyback(&mut self, who: &str, asset: &str, xms: &str) -> Result<FraxTrade> {
        let a = sym(asset);
        let acct = Account::new(who);
        let before = self.p.clone();
        let now = self.now;
        let xms = amt(xms, 18);
        let r = match run_core!(self, "buyback", |p| p.buyback(
            &acct,
            a,
            xms,
            Amount::ZERO,
            now
        )) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(self.p, before, "a refused buyback changed the state: {e}");
                return Err(e);
            }
        };
        self.debit(&acct, XMS, r.value.xms);
        self.debit(&self.protocol_account.clone(), a, r.value.collateral);
        self.credit(&acct, a, r.value.collateral);
        self.events.extend(r.events);
        self.check();
        Ok(r.value)
    }

    /// The protocol's invariants plus conservation between the protocol's records and the
    /// tokens that moved in the wallets.
    pub fn check(&self) {
        self.p.check_invariants().unwrap();
        let total = |s: Symbol| -> u128 {
            self.wallets
                .values()
                .map(|w| w.get(&s).map_or(0, |a| a.raw()))
                .sum()
        };
        assert_eq!(
            total(USDM),
            self.p.supply().usdm.raw(),
            "USDm in wallets != USDm supply"
        );
        // XMS: wallets (incl. the protocol account's XMS collateral) == supply.
        assert_eq!(
            total(XMS),
            self.p.supply().xms.raw(),
            "XMS in wallets != XMS supply"
        );
        for pool in self.p.pools().unwrap() {
            for side in 0..2 {
                let held = self.balance(&Self::pool_account(pool.id), pool.tokens[side]);
                let recorded = pool.reserves[side].raw() + pool.protocol_fees[side].raw();
                assert_eq!(
                    held.raw(),
                    recorded,
                    "pool {} {}: tokens held != reserves + fees",
                    pool.id,
                    pool.tokens[side]
                );
            }
        }
        for s in self.p.strategies() {
            assert_eq!(
                self.balance(&Self::strategy_account(&s.name), s.asset),
                s.reported,
                "strategy {}: tokens held != reported",
                s.name
            );
        }
        for (config, h) in self
            .p
            .asset_configs()
            .unwrap()
            .into_iter()
            .zip(self.p.holdings().unwrap())
        {
            assert_eq!(
                self.balance(&self.protocol_account, config.symbol),
                h.custody().unwrap(),
                "{}: tokens held != recorded custody",
                config.symbol
            );
        }
    }

    /// The Frax suite with fees zeroed and the ratio set to `cr`.
    pub fn frax_at(cr: &str) -> Self {
        let mut s = Suite::new(Preset::Frax);
        s.zero_fees();
        s.govern(GovAction::SetCollateralRatio { cr: ratio(cr) });
        s
    }
}

/// A soak run: generates sequences with `generate` and runs each with `run` (which checks the
/// invariants after every operation and panics on a violation) until `USDM_SOAK_OPS`
/// operations (default `default_ops`) have run; prints what ran. Deterministic for a given
/// `USDM_SOAK_SEED`.
pub fn soak<T: std::fmt::Debug>(
    name: &str,
    default_ops: u64,
    generate: impl proptest::strategy::Strategy<Value = Vec<T>>,
    mut run: impl FnMut(&[T]),
) {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let budget: u64 = std::env::var("USDM_SOAK_OPS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default_ops);
    let seed: u64 = std::env::var("USDM_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261201);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let started = std::time::Instant::now();
    let (mut ops, mut sequences) = (0u64, 0u64);
    while ops < budget {
        let seq = generate.new_tree(&mut runner).unwrap().current();
        run(&seq);
        ops += seq.len() as u64;
        sequences += 1;
    }
    println!(
        "soak {name}: {ops} operations in {sequences} sequences, invariants and conservation checked after each: 0 violations, {:.1} s (seed {seed})",
        started.elapsed().as_secs_f64()
    );
}
