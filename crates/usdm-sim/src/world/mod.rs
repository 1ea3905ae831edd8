//! The simulated world: the real protocol (`usdm-core`), the market around it and the agents,
//! stepped one block at a time.
//!
//! A [`Setup`] is built once per scenario, preset and parameter set: it runs a deterministic
//! warm-up (genesis, first prices, the starting USDm minted from the scenario's collateral mix,
//! the two Mars Swap pools seeded, the USDm price switched to its pool once the pool's history
//! covers the TWAP window). Every Monte Carlo path then starts from a clone of it, so paths
//! differ only by their random numbers.

mod arbitrage;
mod execute;

use arbitrage::Arbitrageur;

use crate::agents::farmers::Farmers;
pub use crate::agents::holders::Cohort;
use crate::agents::holders::RunningHolders;
use crate::agents::momentum::MomentumSellers;
use crate::agents::premium::PremiumSellers;
use crate::agents::retail::Retail;
use crate::convert::{amount, dollars, fraction, price, share_of, tokens, usd};
use crate::market::{ExoPrice, XmsMarket, XmsMarketParams};
use crate::metrics::{PathMetrics, RefusalKind, Snapshot};
use crate::rng::Rng;
use crate::scenario::{Condition, EventKind, Scenario};
use std::collections::VecDeque;
use std::sync::Arc;
use usdm_core::prelude::*;

/// The stablecoin every agent uses as cash.
pub const USDC: Symbol = Symbol::lit("USDC");
/// Bitcoin (tier 2).
pub const BTC: Symbol = Symbol::lit("BTC");
/// Ether (tier 3).
pub const ETH: Symbol = Symbol::lit("ETH");

/// The USDm/USDC pool: USDm's market price.
pub const USDM_POOL: PoolId = 0;
/// The XMS/USDm pool.
pub const XMS_POOL: PoolId = 1;

/// Why a simulation could not run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario cannot be set up (with what to change).
    #[error("cannot set up scenario '{scenario}': {reason}")]
    Setup {
        /// The scenario.
        scenario: String,
        /// What is wrong and what would work.
        reason: String,
    },
    /// An invariant failed during a checked run: a bug in the protocol or the simulator.
    #[error("path {path}, block {block}: {message}")]
    Invariant {
        /// The path.
        path: u64,
        /// The block.
        block: u64,
        /// What failed.
        message: String,
    },
    /// The run was stopped by its caller before it finished.
    #[error("the run was interrupted")]
    Cancelled,
}

/// The accounts agents act from (the core records owners; the simulator holds the wallets).
#[derive(Clone, Debug)]
pub struct Accounts {
    /// Governance.
    pub gov: Account,
    /// The price feeder (the keeper).
    pub oracle: Account,
    /// The arbitrageur.
    pub arb: Account,
    /// The cohorts of USDm holders (one account: the core only needs an owner).
    pub holders: Account,
    /// The whale.
    pub whale: Account,
    /// Retail traders.
    pub retail: Account,
    /// The liquidity provider of both pools.
    pub lp: Account,
}

impl Accounts {
    fn new() -> Self {
        Accounts {
            gov: Account::new("governance"),
            oracle: Account::new("oracle"),
            arb: Account::new("arbitrageur"),
            holders: Account::new("holders"),
            whale: Account::new("whale"),
            retail: Account::new("retail"),
            lp: Account::new("lp"),
        }
    }
}

/// What the agents hold outside the protocol, in exact base units for the protocol's tokens
/// (so the simulator can check that every USDm and XMS is somewhere) and in dollars for cash.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wallets {
    /// The arbitrageur's USDm.
    pub arb_usdm: Amount,
    /// The arbitrageur's XMS.
    pub arb_xms: Amount,
    /// The arbitrageur's cash in dollars (USDC it can spend).
    pub arb_cash: f64,
    /// The whale's USDm.
    pub whale_usdm: Amount,
    /// Retail traders' USDm.
    pub retail_usdm: Amount,
    /// USDm held by people who never act in the scenario.
    pub passive_usdm: Amount,
    /// USDm the holders are waiting to redeem (refused by a breaker; retried every block).
    pub holders_queue: Amount,
    /// The momentum sellers' XMS.
    pub seller_xms: Amount,
    /// The farmers' XMS (`[agents.farmers]`).
    pub farmer_xms: Amount,
    /// XMS held outside the simulation's agents (the external market's float).
    pub outside_xms: Amount,
}

/// Mixed into the seed for the farmers' own random stream.
const FARMERS_STREAM: u64 = 0xFA4_3E45;

/// Blocks agents wait after a circuit breaker refuses them before asking again (capacity
/// unlocks continuously; asking every block would only burn gas).
pub const BREAKER_BACKOFF: u64 = 10;

/// Where a pending redemption's payout goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The arbitrageur (payout sold, cash kept).
    Arbitrageur,
    /// A running holder (payout sold, cash leaves).
    Holders,
    /// The whale (likewise).
    Whale,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    id: u64,
    owner: Owner,
    ready_at: u64,
}

/// A whale leaving over a number of blocks.
#[derive(Clone, Copy, Debug, PartialEq)]
struct WhaleExit {
    per_block: Amount,
    remaining: Amount,
    redeem_share: f64,
}

/// The starting point of every path: a warmed-up protocol and the agents' holdings.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// The preset the protocol runs.
    pub preset: Preset,
    /// Parameter changes applied on top of the scenario's (a sweep's point).
    pub overrides: Vec<ParamChange>,
    protocol: Protocol,
    start: BlockTime,
    wallets: Wallets,
    holders_usdm: Amount,
    accounts: Accounts,
    /// Pool sides: `[USDm side, USDC side]` of the USDm pool, `[XMS side, USDm side]` of the
    /// XMS pool.
    sides: [[usize; 2]; 2],
}

/// Run options for one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Check the protocol's invariants and the simulator's token conservation after every
    /// block (slow; for tests and debugging).
    pub check_invariants: bool,
    /// Keep the sampled time series (the outcome is always kept).
    pub keep_series: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            check_invariants: false,
            keep_series: true,
        }
    }
}

fn setup_err(s: &Scenario, reason: impl Into<String>) -> SimError {
    SimError::Setup {
        scenario: s.name.clone(),
        reason: reason.into(),
    }
}

/// `file:line` of the first line of the scenario's source that sets `key` (the file alone if
/// none does), for errors found only when the scenario is set up.
fn located(s: &Scenario, key: &str) -> String {
    match s
        .source
        .lines()
        .position(|l| l.trim_start().starts_with(key))
    {
        Some(i) => format!("{}:{}", s.file, i + 1),
        None => s.file.clone(),
    }
}

/// The four assets of every simulated treasury.
pub fn sim_assets() -> Vec<AssetConfig> {
    vec![
        AssetConfig::new(USDC, 6, Tier::Stablecoin),
        AssetConfig::new(BTC, 8, Tier::DigitalGold),
        AssetConfig::new(ETH, 18, Tier::Layer1),
        AssetConfig::new(XMS, 18, Tier::ProtocolToken),
    ]
}

/// Decimals of the simulated assets.
pub fn decimals_of(symbol: Symbol) -> u8 {
    if symbol == USDC {
        6
    } else if symbol == BTC {
        8
    } else {
        18
    }
}

impl Setup {
    /// Warms up `scenario` under `preset` with `overrides` applied after the scenario's own
    /// parameters.
    pub fn new(
        scenario: Arc<Scenario>,
        preset: Preset,
        overrides: &[ParamChange],
    ) -> Result<Setup, SimError> {
        let s = &*scenario;
        let acc = Accounts::new();
        let core = |what: &str, e: Error| setup_err(s, format!("{what}: {e}"));
        let exo = |sym: &str| s.prices.get(sym).map_or(1.0, |p| p.price);
        let feeds: [(Symbol, f64); 4] = [
            (USDC, 1.0),
            (BTC, exo("BTC")),
            (ETH, exo("ETH")),
            (XMS, s.xms_price),
        ];
        let mut now = BlockTime::new(1, 1_000_000);
        let mut params = preset.params();
        // The starting supply is minted under the loosest support ratio; the preset's ratio (or
        // the scenario's own) applies from the first epoch of the run (a protocol that grew
        // under looser rules and then tightened them starts with its cap binding).
        params.xms_support_ratio = SupportRatio::MIN;
        // Pools record checkpoints for the TWAP window they are created with, and a window
        // longer than a price-source pool's is refused: a scenario's window applies from
        // genesis, before the pools exist.
        for change in s.params.iter().chain(overrides) {
            if let ParamChange::TwapWindow(w) = change {
                params.twap_window = *w;
            }
        }
        let xms_supply = amount(s.xms_supply, 18);
        let genesis = Genesis {
            params,
            ..Genesis::new(preset, acc.gov.clone(), now)
                .with_assets(sim_assets())
                .with_feeder(acc.oracle.clone())
                .with_xms_supply(xms_supply)
        };
        let mut p = Protocol::genesis(genesis)
            .map_err(|e| core("genesis", e))?
            .value;
        let post_all = |p: &mut Protocol, now: BlockTime, with_usdm: bool| -> Result<(), Error> {
            for (symbol, x) in feeds {
                p.post_price(&acc.oracle, symbol, price(x), now.seconds, now)?;
            }
            if with_usdm {
                p.post_price(&acc.oracle, USDM, Price::ONE_DOLLAR, now.seconds, now)?;
            }
            Ok(())
        };
        let advance = |p: &mut Protocol,
                       now: &mut BlockTime,
                       blocks: u64,
                       with_usdm: bool|
         -> Result<(), Error> {
            let mut left = blocks;
            while left > 0 {
                let step = left.min(s.feed_interval);
                *now = now.advance(step, s.block_seconds);
                left -= step;
                post_all(p, *now, with_usdm)?;
            }
            Ok(())
        };
        post_all(&mut p, now, true).map_err(|e| core("first prices", e))?;
        let epoch_blocks = p.params().epoch_seconds.div_ceil(s.block_seconds);
        advance(&mut p, &mut now, epoch_blocks + 1, true).map_err(|e| core("first epoch", e))?;

        // The starting supply: collateral worth `usdm_supply`, deposited in rounds so that
        // every capped tier stays within its share of the growing treasury.
        let cap = p
            .cap_status(now)
            .map_err(|e| core("supply cap", e))?
            .headroom;
        if s.usdm_supply > crate::convert::usd(cap) {
            return Err(setup_err(
                s,
                format!(
                    "protocol.usdm_supply {} exceeds what the XMS market cap ({} x ${}) supports even at a 100% support ratio; lower usdm_supply or raise xms_supply or xms_price",
                    s.usdm_supply, s.xms_supply, s.xms_price
                ),
            ));
        }
        let mut wallets = Wallets {
            outside_xms: xms_supply,
            ..Wallets::default()
        };
        let mut minted = Amount::ZERO;
        const ROUNDS: u32 = 20;
        for _ in 0..ROUNDS {
            for (name, share) in &s.collateral {
                let mut symbol = Symbol::new(name).map_err(|e| core("collateral", e))?;
                // Under Frax XMS is not collateral: its share of the mix is held as USDC.
                if symbol == XMS && p.policy().kind() == PolicyKind::Frax {
                    symbol = USDC;
                }
                let px = feeds.iter().find(|f| f.0 == symbol).map_or(1.0, |f| f.1);
                let value = s.usdm_supply * share / f64::from(ROUNDS);
                let a = amount(value / px, decimals_of(symbol));
                if a.is_zero() {
                    continue;
                }
                if symbol == XMS {
                    wallets.outside_xms = wallets
                        .outside_xms
                        .checked_sub(a, "XMS float")
                        .map_err(|e| core("XMS collateral", e))?;
                }
                let mint = |p: &mut Protocol, a: Amount| {
                    p.mint(
                        &acc.lp,
                        &MintRequest::collateral(symbol, a, Amount::ZERO, Amount::ZERO),
                        now,
                    )
                };
                let q = match mint(&mut p, a) {
                    // A share exactly at the tier's cap lands a few base units over it, from
                    // rounding the other deposits down: deposit what the cap accepts.
                    Err(Error::ShareCapExceeded { max_deposit, .. })
                        if max_deposit.amount.raw() >= a.raw() - a.raw() / 1_000_000 =>
                    {
                        mint(&mut p, max_deposit.amount)
                    }
                    other => other,
                }
                .map_err(|e| match e {
                    Error::ShareCapExceeded { max_share, .. } => setup_err(
                        s,
                        format!(
                            "{}: protocol.collateral: {name} = {share} is above its tier's cap of {max_share} of treasury value; lower it to at most {}",
                            located(s, "collateral"),
                            fraction(max_share)
                        ),
                    ),
                    e => core(&format!("minting the starting supply with {name}"), e),
                })?
                .value;
                minted = Amount::new(minted.raw() + q.usdm_out.raw());
            }
        }

        // Pools: the LP seeds both from the minted USDm and brings USDC and XMS.
        let supply = tokens(minted, 18);
        let usdm0 = amount(supply * s.usdm_pool_depth, 18);
        let xms_mcap = s.xms_supply * s.xms_price;
        // The XMS pool's USDm side: a share of XMS's market cap, but never more than a tenth of
        // the USDm there is (a small stablecoin cannot fund a deep pool for a large token).
        let xms_pool_usd = (xms_mcap * s.xms_pool_depth).min(supply * 0.1);
        let usdm1 = amount(xms_pool_usd, 18);
        let xms1 = amount(xms_pool_usd / s.xms_price, 18);
        let whale_total: f64 = s
            .events
            .iter()
            .map(|e| match &e.kind {
                EventKind::WhaleExit { usdm, .. } => *usdm,
                _ => 0.0,
            })
            .sum();
        let whale = amount(whale_total, 18);
        let holders = amount(supply * s.holders.share, 18);
        let retail = amount(supply * 0.02, 18);
        let allocated = [usdm0, usdm1, whale, holders, retail]
            .iter()
            .map(|a| a.raw())
            .sum::<u128>();
        if allocated > minted.raw() {
            return Err(setup_err(
                s,
                format!(
                    "the starting {supply:.0} USDm cannot cover the USDm pool ({:.0}), the XMS pool ({:.0}), the whales ({whale_total:.0}), the holders ({:.0}) and retail ({:.0}); lower market.usdm_pool_depth, market.xms_pool_depth, agents.holders.share or the whale exits",
                    tokens(usdm0, 18),
                    tokens(usdm1, 18),
                    tokens(holders, 18),
                    tokens(retail, 18)
                ),
            ));
        }
        wallets.passive_usdm = Amount::new(minted.raw() - allocated);
        wallets.whale_usdm = whale;
        wallets.retail_usdm = retail;
        wallets.outside_xms = wallets
            .outside_xms
            .checked_sub(xms1, "XMS float")
            .map_err(|e| core("XMS pool", e))?;
        let sellers = amount(tokens(wallets.outside_xms, 18) * s.xms_holders.share, 18);
        wallets.seller_xms = sellers;
        wallets.outside_xms = wallets.outside_xms.saturating_sub(sellers);
        let farmers = amount(tokens(wallets.outside_xms, 18) * s.farmers.share, 18);
        wallets.farmer_xms = farmers;
        wallets.outside_xms = wallets.outside_xms.saturating_sub(farmers);
        wallets.arb_cash = s.arbitrageurs.capital;

        let gov = |p: &mut Protocol, action: GovAction, now: BlockTime| {
            p.govern(&acc.gov, action, now).map(|_| ())
        };
        gov(
            &mut p,
            GovAction::CreatePool {
                tokens: [USDM, USDC],
            },
            now,
        )
        .map_err(|e| core("USDm pool", e))?;
        gov(
            &mut p,
            GovAction::CreatePool {
                tokens: [XMS, USDM],
            },
            now,
        )
        .map_err(|e| core("XMS pool", e))?;
        let side = |p: &Protocol, pool: PoolId, symbol: Symbol| -> Result<usize, SimError> {
            p.pool(pool)
                .and_then(|x| x.side(symbol))
                .map_err(|e| core("pool", e))
        };
        let sides = [
            [side(&p, USDM_POOL, USDM)?, side(&p, USDM_POOL, USDC)?],
            [side(&p, XMS_POOL, XMS)?, side(&p, XMS_POOL, USDM)?],
        ];
        let mut max0 = [Amount::ZERO; 2];
        max0[sides[0][0]] = usdm0;
        max0[sides[0][1]] = amount(tokens(usdm0, 18), 6);
        let mut max1 = [Amount::ZERO; 2];
        max1[sides[1][0]] = xms1;
        max1[sides[1][1]] = usdm1;
        p.add_liquidity(&acc.lp, USDM_POOL, max0, Amount::ZERO, now)
            .map_err(|e| core("seeding the USDm pool", e))?;
        p.add_liquidity(&acc.lp, XMS_POOL, max1, Amount::ZERO, now)
            .map_err(|e| core("seeding the XMS pool", e))?;
        // Whatever the pools did not take (rounding) stays with the passive holders and the
        // float.
        for (pool, usdm_side, offered) in [
            (USDM_POOL, sides[0][0], usdm0),
            (XMS_POOL, sides[1][1], usdm1),
        ] {
            let taken = p.pool(pool).map_err(|e| core("pool", e))?.reserves[usdm_side];
            wallets.passive_usdm =
                Amount::new(wallets.passive_usdm.raw() + offered.raw() - taken.raw());
        }
        let xms_taken = p.pool(XMS_POOL).map_err(|e| core("pool", e))?.reserves[sides[1][0]];
        wallets.outside_xms = Amount::new(wallets.outside_xms.raw() + xms1.raw() - xms_taken.raw());

        gov(
            &mut p,
            GovAction::SetPriceSource {
                symbol: USDM,
                source: PriceSource::Pool { pool: USDM_POOL },
            },
            now,
        )
        .map_err(|e| core("USDm price source", e))?;
        // The preset's support ratio, then the scenario's parameters, then the overrides.
        let preset_ratio = ParamChange::XmsSupportRatio(preset.params().xms_support_ratio);
        for change in std::iter::once(&preset_ratio)
            .chain(&s.params)
            .chain(overrides)
        {
            gov(
                &mut p,
                GovAction::SetParam {
                    change: change.clone(),
                },
                now,
            )
            .map_err(|e| core(&format!("parameter {change:?}"), e))?;
        }
        // A preset that holds the ratios fixed (`iron`): set them and pause the controller, now
        // that the starting supply is minted (fully collateralised, as the warm-up mints it).
        if let Some(cr) = preset.fixed_collateral_ratio() {
            for action in [
                GovAction::SetCollateralRatio { cr },
                GovAction::SetRedemptionRatio {
                    cr: preset.fixed_redemption_ratio(),
                },
                GovAction::Pause {
                    target: PauseTarget::Refresh,
                },
            ] {
                gov(&mut p, action, now).map_err(|e| core("the preset's fixed ratio", e))?;
            }
        }
        // Let the pool's history cover the TWAP window and the new parameters take effect.
        let params = p.params();
        let warm = params
            .twap_window
            .max(2 * params.epoch_seconds)
            .div_ceil(s.block_seconds)
            + 1;
        advance(&mut p, &mut now, warm, false).map_err(|e| core("warm-up", e))?;
        p.check_invariants().map_err(|e| core("after warm-up", e))?;
        Ok(Setup {
            preset,
            overrides: overrides.to_vec(),
            protocol: p,
            start: now,
            wallets,
            holders_usdm: holders,
            accounts: acc,
            sides,
            scenario,
        })
    }

    /// The protocol as every path starts it.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// The block the run starts at.
    pub fn start(&self) -> BlockTime {
        self.start
    }
}

/// Cached fees and thresholds agents trade on (refreshed when governance acts).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Costs {
    pub mint_fee: f64,
    pub redeem_fee: f64,
    pub swap_fee: f64,
}

/// One path: the protocol, the market and the agents, at one block.
pub struct World {
    /// The protocol (the real one).
    pub p: Protocol,
    pub(crate) setup: Arc<Setup>,
    /// This path's own copy of the scenario: every block takes a handle on it, and a handle on
    /// the copy all paths share would bounce its reference count between the cores.
    scenario: Arc<Scenario>,
    pub(crate) acc: Accounts,
    /// The path's index.
    pub path: u64,
    /// Blocks since the start of the run.
    pub block: u64,
    /// The current block.
    pub now: BlockTime,
    pub(crate) rng: Rng,
    pub(crate) btc: ExoPrice,
    pub(crate) eth: ExoPrice,
    /// The external XMS market.
    pub xms: XmsMarket,
    /// Current BTC, ETH and XMS market prices.
    pub(crate) px: [f64; 3],
    /// The agents' wallets.
    pub wallets: Wallets,
    /// The stablecoin holders who run.
    pub holders: RunningHolders,
    /// USDm the premium sellers still hold (they sell it for good).
    pub(crate) premium_left: Amount,
    /// The momentum sellers' memory of the price.
    pub(crate) momentum: MomentumSellers,
    /// The premium sellers' decision rule.
    pub(crate) premium: PremiumSellers,
    /// The share-token farmers (their own random stream, so turning them on or changing them
    /// leaves every other draw of the path as it was: common random numbers).
    pub farmers: Farmers,
    /// Retail flow.
    pub(crate) retail: Retail,
    whale: Option<WhaleExit>,
    pending: VecDeque<Pending>,
    next_event: usize,
    /// Conditional events past their earliest block, waiting for their condition.
    armed: Vec<usize>,
    pub(crate) costs: Costs,
    /// Redemptions wait until this block after a breaker refusal.
    pub(crate) breaker_backoff_until: u64,
    /// The arbitrageur's timers.
    pub(crate) arb: Arbitrageur,
    pub(crate) sides: [[usize; 2]; 2],
    /// What the path has measured so far.
    pub metrics: PathMetrics,
    options: RunOptions,
    /// XMS supply at the start (tokens).
    pub xms0: f64,
}

impl World {
    /// Path `path` of `setup`, drawing its randomness from `seed`.
    pub fn new(setup: Arc<Setup>, seed: u64, path: u64, options: RunOptions) -> World {
        let s = setup.scenario.clone();
        let mut rng = Rng::new(seed, path);
        let btc = ExoPrice::new(s.prices["BTC"].clone(), s.block_seconds);
        let eth = ExoPrice::new(s.prices["ETH"].clone(), s.block_seconds);
        let xms0 = tokens(setup.protocol.supply().xms, 18);
        let xms = XmsMarket::new(
            ExoPrice::new(s.prices["XMS"].clone(), s.block_seconds),
            XmsMarketParams {
                s0: xms0,
                depth: s.xms_market_depth,
                elasticity: s.dilution_elasticity,
                half_life_blocks: s.xms_resilience,
                permanence: s.impact_permanence,
                floor_depth: s.xms_floor_depth,
            },
        );
        // Heterogeneous holders: log-normal sizes, thresholds spread over the scenario's range.
        let holders =
            RunningHolders::new(&s.holders, setup.holders_usdm, s.block_seconds, &mut rng);
        let px = [btc.price(0), eth.price(0), xms.price(0, xms0)];
        let farmers = Farmers::new(
            &s.farmers,
            tokens(setup.wallets.farmer_xms, 18),
            px[2],
            &mut Rng::new(seed ^ FARMERS_STREAM, path),
        );
        let mut w = World {
            p: setup.protocol.clone(),
            acc: setup.accounts.clone(),
            path,
            block: 0,
            now: setup.start,
            rng,
            btc,
            eth,
            xms,
            px,
            wallets: setup.wallets.clone(),
            holders,
            premium_left: share_of(setup.wallets.passive_usdm, s.premium_sellers.share),
            momentum: MomentumSellers::new(&s.xms_holders, px[2]),
            premium: PremiumSellers::new(&s.premium_sellers),
            farmers,
            retail: Retail::new(
                s.retail_volatility,
                tokens(
                    setup
                        .protocol
                        .pool(USDM_POOL)
                        .expect("the simulator holds every pool")
                        .reserves[setup.sides[0][0]],
                    18,
                ),
                s.block_seconds,
            ),
            whale: None,
            pending: VecDeque::new(),
            next_event: 0,
            armed: Vec::new(),
            costs: Costs::default(),
            breaker_backoff_until: 0,
            arb: Arbitrageur::default(),
            sides: setup.sides,
            metrics: PathMetrics::new(&s, options.keep_series),
            options,
            xms0,
            scenario: Arc::new((*setup.scenario).clone()),
            setup,
        };
        w.refresh_costs();
        w
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.setup.scenario
    }

    pub(crate) fn refresh_costs(&mut self) {
        // The arbitrageur mints with USDC (or burns XMS alone at ratio 0) and redemptions at
        // ratio 0 name no asset, so they pay XMS's fee.
        let fees = &self.p.params().fees;
        let algorithmic = self.p.policy().mint_ratio().is_zero();
        let xms_only = self.p.policy().redeem_ratio().is_zero();
        self.costs = Costs {
            mint_fee: crate::convert::fraction(if algorithmic {
                fees.tier_mint_fee(Tier::ProtocolToken)
            } else {
                fees.tier_mint_fee(Tier::Stablecoin)
            }),
            redeem_fee: crate::convert::fraction(if xms_only {
                fees.tier_redeem_fee(Tier::ProtocolToken)
            } else {
                fees.tier_redeem_fee(Tier::Stablecoin)
            }),
            swap_fee: 0.003,
        };
    }

    /// USDm's price in the USDm/USDC pool.
    /// Pool `id` (the simulator holds every part of the protocol in memory).
    #[inline]
    pub(crate) fn pool(&self, id: PoolId) -> &Pool {
        self.p.pool(id).expect("the simulator holds every pool")
    }

    /// USDm's price in USDC in the USDm/USDC pool (the peg the agents watch).
    #[inline]
    pub fn usdm_price(&self) -> f64 {
        let pool = self.pool(USDM_POOL);
        let [u, c] = self.sides[0];
        tokens(pool.reserves[c], 6) / tokens(pool.reserves[u], 18).max(1e-18)
    }

    /// XMS supply in tokens.
    #[inline]
    pub fn xms_supply(&self) -> f64 {
        tokens(self.p.supply().xms, 18)
    }

    /// USDm supply in tokens.
    #[inline]
    pub fn usdm_supply(&self) -> f64 {
        tokens(self.p.supply().usdm, 18)
    }

    /// The external XMS market price now.
    #[inline]
    pub fn xms_price(&self) -> f64 {
        self.px[2]
    }

    /// Records a refused protocol call by kind.
    pub(crate) fn refused(&mut self, e: &Error) {
        self.metrics.refusal(RefusalKind::of(e), e);
    }

    /// Runs the whole path.
    pub fn run(mut self) -> Result<PathMetrics, SimError> {
        let blocks = self.setup.scenario.blocks;
        self.sample();
        for _ in 0..blocks {
            self.step()?;
        }
        let (xms, usdm) = (self.xms_supply(), self.usdm_supply());
        self.metrics.finish(self.xms0, xms, usdm);
        self.metrics.outcome.path = self.path;
        Ok(self.metrics)
    }

    /// One block.
    pub fn step(&mut self) -> Result<(), SimError> {
        // Plain copies of what every block reads: no reference count touched per block.
        let (block_seconds, feed_interval, sample_every, blocks) = {
            let s = &self.scenario;
            (s.block_seconds, s.feed_interval, s.sample_every, s.blocks)
        };
        self.block += 1;
        self.now = self.now.advance(1, block_seconds);
        let b = self.block;
        self.btc.step(&mut self.rng, b);
        self.eth.step(&mut self.rng, b);
        self.xms.step(&mut self.rng, b);
        self.px = [
            self.btc.now(),
            self.eth.now(),
            self.xms.price(b, self.xms_supply()),
        ];
        while self.next_event < self.scenario.events.len()
            && self.scenario.events[self.next_event].at <= b
        {
            let i = self.next_event;
            self.next_event += 1;
            if self.scenario.events[i].when.is_some() {
                self.armed.push(i);
            } else {
                let s = self.scenario.clone();
                self.apply_event(&s.events[i].kind);
            }
        }
        if !self.armed.is_empty() {
            let s = self.scenario.clone();
            self.fire_conditions(&s);
        }
        if b % feed_interval == 0 {
            self.post_feeds();
        }
        self.collect_matured();
        if matches!(self.p.policy().kind(), PolicyKind::Frax) {
            self.frax_keeper();
        }
        let minute = (60 / block_seconds).max(1);
        if b % minute == 0 {
            self.retail();
        }
        // Arbitrage bots act first in a block (they watch the mempool); people follow.
        self.arbitrage();
        self.xms_pool_arbitrage();
        self.whale_step();
        self.holders_step();
        self.premium_sellers_step();
        self.xms_sellers_step();
        self.farmers_step();
        let p0 = self.usdm_price();
        let breaker_bound = self.block < self.breaker_backoff_until;
        self.metrics.observe_block(p0, block_seconds, breaker_bound);
        if b % sample_every == 0 || b == blocks {
            self.sample();
        }
        if self.options.check_invariants {
            self.check()?;
        }
        Ok(())
    }

    /// Fires the armed conditional events whose condition holds now.
    fn fire_conditions(&mut self, s: &Scenario) {
        let (xms, usdm) = (self.px[2], self.usdm_price());
        let mut k = 0;
        while k < self.armed.len() {
            let e = &s.events[self.armed[k]];
            let holds = match e.when {
                Some(Condition::XmsPriceBelow(x)) => xms < x,
                Some(Condition::XmsMcapBelow(x)) => xms * self.xms_supply() < x,
                Some(Condition::UsdmPriceBelow(x)) => usdm < x,
                None => true,
            };
            if holds {
                self.armed.swap_remove(k);
                self.apply_event(&e.kind);
            } else {
                k += 1;
            }
        }
    }

    fn apply_event(&mut self, event: &EventKind) {
        let action = match event {
            EventKind::WhaleExit {
                usdm,
                blocks,
                redeem_share,
            } => {
                let pending = self.whale.map_or(0, |w| w.remaining.raw());
                let free = self.wallets.whale_usdm.raw() - pending;
                let total = amount(*usdm, 18).raw().min(free);
                self.whale = Some(WhaleExit {
                    per_block: Amount::new(total / u128::from((*blocks).max(1))),
                    remaining: Amount::new(pending + total),
                    redeem_share: *redeem_share,
                });
                self.metrics
                    .note(self.block, format!("a whale starts selling {usdm:.0} USDm"));
                return;
            }
            EventKind::ConfidenceShock { threshold_scale } => {
                self.holders.scale_fear(*threshold_scale);
                self.metrics.note(
                    self.block,
                    format!("confidence shock: holders' thresholds x{threshold_scale}"),
                );
                return;
            }
            EventKind::SetParam(change) => GovAction::SetParam {
                change: change.clone(),
            },
            EventKind::SetCollateralRatio(cr) => GovAction::SetCollateralRatio { cr: *cr },
            EventKind::Pause(target, true) => GovAction::Pause { target: *target },
            EventKind::Pause(target, false) => GovAction::Unpause { target: *target },
            EventKind::StartSupportRamp { to, seconds } => GovAction::StartSupportRamp {
                to: *to,
                seconds: *seconds,
            },
            EventKind::StopSupportRamp => GovAction::StopSupportRamp,
        };
        let label = match event {
            EventKind::SetParam(change) => format!("set {change}"),
            EventKind::SetCollateralRatio(cr) => format!("set the collateral ratio to {cr}"),
            EventKind::Pause(target, true) => format!("pause {target}"),
            EventKind::Pause(target, false) => format!("unpause {target}"),
            EventKind::StartSupportRamp { to, seconds } => format!(
                "ramp the support ratio to {to} over {}",
                crate::convert::duration(*seconds)
            ),
            EventKind::StopSupportRamp => "stop the support-ratio ramp".into(),
            _ => format!("{action:?}"),
        };
        match self.p.govern(&self.acc.gov, action, self.now) {
            Ok(_) => self
                .metrics
                .note(self.block, format!("governance: {label}")),
            Err(e) => {
                self.metrics
                    .note(self.block, format!("governance refused {label}: {e}"));
                self.refused(&e);
            }
        }
        self.refresh_costs();
    }

    /// The keeper posts every feed at its market price.
    fn post_feeds(&mut self) {
        let posts = [
            (USDC, 1.0),
            (BTC, self.px[0]),
            (ETH, self.px[1]),
            (XMS, self.px[2]),
        ];
        for (symbol, x) in posts {
            if let Err(e) = self.p.post_price(
                &self.acc.oracle,
                symbol,
                price(x),
                self.now.seconds,
                self.now,
            ) {
                self.refused(&e);
            }
        }
    }

    /// The keeper runs the Frax controller whenever its cooldown allows.
    fn frax_keeper(&mut self) {
        let due = self
            .p
            .policy()
            .next_refresh_at(&self.p.params().frax)
            .is_none_or(|at| at <= self.now.seconds);
        if due && !self.p.governance().pauses.is_paused(PauseTarget::Refresh) {
            match self.p.refresh_ratio(self.now) {
                Ok(_) => self.refresh_costs(),
                Err(e) => self.refused(&e),
            }
        }
    }

    /// Redeems `usdm` for `owner`, choosing the collateral with the most free value when the
    /// ratio pays collateral, and taking what a breaker or the treasury allows when the whole
    /// is refused. Returns `(redeemed, refused by a breaker)`: the rest was refused for good
    /// (a pause, an empty treasury) and the caller sells it instead.
    pub(crate) fn redeem_for(&mut self, owner: Owner, usdm: Amount) -> (Amount, Amount) {
        // Not worth a transaction below one USDm.
        if usdm.raw() < 10u128.pow(18) {
            return (Amount::ZERO, Amount::ZERO);
        }
        if self.block < self.breaker_backoff_until {
            return (Amount::ZERO, usdm);
        }
        let asset = self.redemption_asset();
        let account = match owner {
            Owner::Arbitrageur => self.acc.arb.clone(),
            Owner::Holders => self.acc.holders.clone(),
            Owner::Whale => self.acc.whale.clone(),
        };
        let mut request = RedeemRequest::new(usdm, asset);
        let mut by_breaker = false;
        for _ in 0..3 {
            match self.p.redeem(&account, &request, self.now) {
                Ok(r) => {
                    let pending = r.value;
                    self.metrics.redeemed(tokens(request.usdm_in, 18));
                    self.pending.push_back(Pending {
                        id: pending.id,
                        owner,
                        ready_at: pending.ready_at,
                    });
                    let rest = Amount::new(usdm.raw() - request.usdm_in.raw());
                    if by_breaker {
                        self.breaker_backoff_until = self.block + BREAKER_BACKOFF;
                    }
                    return if by_breaker {
                        (request.usdm_in, rest)
                    } else {
                        (request.usdm_in, Amount::ZERO)
                    };
                }
                Err(e) => {
                    self.refused(&e);
                    // Take what the breaker or the treasury allows now, if anything.
                    let (requested, available) = match &e {
                        Error::CircuitBreaker {
                            requested,
                            available,
                            ..
                        } => {
                            by_breaker = true;
                            (requested.amount, available.amount)
                        }
                        Error::InsufficientTreasury {
                            requested,
                            available,
                        } => (requested.amount, available.amount),
                        _ => break,
                    };
                    let scale = available.raw() as f64 / requested.raw().max(1) as f64;
                    let smaller = share_of(request.usdm_in, scale * 0.999);
                    // Not worth a transaction below one USDm.
                    if smaller.raw() < 10u128.pow(18) {
                        break;
                    }
                    request.usdm_in = smaller;
                }
            }
        }
        if by_breaker {
            self.breaker_backoff_until = self.block + BREAKER_BACKOFF;
            (Amount::ZERO, usdm)
        } else {
            (Amount::ZERO, Amount::ZERO)
        }
    }

    /// The collateral asset with the most free value in the treasury.
    pub(crate) fn richest_collateral(&self) -> Symbol {
        let mut best = (USDC, -1.0);
        for (symbol, px) in [(USDC, 1.0), (BTC, self.px[0]), (ETH, self.px[1])] {
            if let Some(index) = self.p.find_asset(symbol) {
                let h = self
                    .p
                    .holding(index)
                    .expect("the simulator holds every part");
                let value = tokens(h.balance, decimals_of(symbol)) * px;
                if value > best.1 {
                    best = (symbol, value);
                }
            }
        }
        best.0
    }

    /// The keeper collects every matured redemption; owners sell what they receive.
    fn collect_matured(&mut self) {
        while let Some(front) = self.pending.front().copied() {
            if front.ready_at > self.now.height {
                break;
            }
            match self.p.collect(front.id, self.now) {
                Ok(r) => {
                    self.pending.pop_front();
                    let paid = r.value;
                    let xms = paid.xms;
                    self.metrics.xms_minted(tokens(xms, 18));
                    let collateral_usd = match paid.asset {
                        Some(symbol) => {
                            tokens(paid.collateral, decimals_of(symbol)) * self.market_price(symbol)
                        }
                        None => 0.0,
                    };
                    let xms_usd = self.sell_xms_outside(xms);
                    if front.owner == Owner::Arbitrageur {
                        self.wallets.arb_cash += collateral_usd + xms_usd;
                    }
                }
                // Keep it and try again next block: what is owed stays owed.
                Err(e) => {
                    self.refused(&e);
                    break;
                }
            }
        }
    }

    /// Sells `xms` (just received from the protocol) on the external market; the XMS joins the
    /// market's float. Returns the dollars received.
    pub(crate) fn sell_xms_outside(&mut self, xms: Amount) -> f64 {
        if xms.is_zero() {
            return 0.0;
        }
        self.wallets.outside_xms =
            Amount::new(self.wallets.outside_xms.raw().saturating_add(xms.raw()));
        let supply = self.xms_supply();
        let usd = self.xms.sell(tokens(xms, 18), self.block, supply);
        self.px[2] = self.xms.price(self.block, supply);
        usd
    }

    /// Swaps on a pool for an agent; `None` (and a recorded refusal) if refused.
    pub(crate) fn swap(
        &mut self,
        pool: PoolId,
        token_in: Symbol,
        amount_in: Amount,
    ) -> Option<SwapQuote> {
        // Nobody trades less than a hundredth of a token.
        if tokens(amount_in, decimals_of(token_in)) < 0.01 {
            return None;
        }
        let request = SwapRequest {
            pool,
            token_in,
            amount_in,
            min_out: Amount::ZERO,
        };
        match self.p.swap(&self.acc.retail, &request, self.now) {
            Ok(r) => Some(r.value),
            Err(e) => {
                self.refused(&e);
                None
            }
        }
    }

    /// The whale sells its slice every block until its exit is done; the share it redeems
    /// waits when a breaker refuses it, and is sold when redemption is refused for good.
    fn whale_step(&mut self) {
        let Some(mut w) = self.whale else { return };
        let slice = Amount::new(w.per_block.raw().min(w.remaining.raw()));
        let wanted = share_of(slice, w.redeem_share);
        let to_redeem = if self.redemption_beats_pool(wanted) {
            wanted
        } else {
            Amount::ZERO
        };
        let (redeemed, wait) = self.redeem_for(Owner::Whale, to_redeem);
        let to_sell = Amount::new(slice.raw() - redeemed.raw() - wait.raw());
        let sold = self
            .swap(USDM_POOL, USDM, to_sell)
            .map_or(Amount::ZERO, |q| q.amount_in);
        let gone = redeemed.raw() + sold.raw();
        // Holders see the whale leave: it counts among recent exits.
        self.holders.saw_exit(tokens(Amount::new(gone), 18));
        self.wallets.whale_usdm = Amount::new(self.wallets.whale_usdm.raw() - gone);
        w.remaining = Amount::new(w.remaining.raw() - gone);
        self.whale = if w.remaining.is_zero() || gone == 0 && wait.is_zero() {
            None
        } else {
            Some(w)
        };
    }

    /// Records a metrics sample (the expensive measurements happen only here).
    fn sample(&mut self) {
        let snapshot = self.snapshot();
        let block_seconds = self.scenario().block_seconds;
        self.metrics.sample(self.block, block_seconds, snapshot);
    }

    /// Every USDm and XMS is somewhere, and the protocol's invariants hold.
    fn check(&self) -> Result<(), SimError> {
        let fail = |message: String| SimError::Invariant {
            path: self.path,
            block: self.block,
            message,
        };
        self.p
            .check_invariants()
            .map_err(|e| fail(format!("protocol invariant: {e}")))?;
        let w = &self.wallets;
        let in_pool = |pool: PoolId, side: usize| {
            let x = self.pool(pool);
            x.reserves[side].raw() + x.protocol_fees[side].raw()
        };
        let usdm_held = w.arb_usdm.raw()
            + w.whale_usdm.raw()
            + w.retail_usdm.raw()
            + w.passive_usdm.raw()
            + w.holders_queue.raw()
            + self.holders.held()
            + in_pool(USDM_POOL, self.sides[0][0])
            + in_pool(XMS_POOL, self.sides[1][1]);
        let supply = self.p.supply();
        if usdm_held != supply.usdm.raw() {
            return Err(fail(format!(
                "USDm held by agents and pools ({usdm_held}) differs from the supply ({})",
                supply.usdm.raw()
            )));
        }
        let xms_index = self.p.find_asset(XMS).expect("XMS is whitelisted");
        let treasury_xms = self
            .p
            .holding(xms_index)
            .map_err(|e| fail(e.to_string()))?
            .custody()
            .map_or(u128::MAX, |a| a.raw());
        let xms_held = w.arb_xms.raw()
            + w.seller_xms.raw()
            + w.farmer_xms.raw()
            + w.outside_xms.raw()
            + in_pool(XMS_POOL, self.sides[1][0])
            + treasury_xms;
        if xms_held != supply.xms.raw() {
            return Err(fail(format!(
                "XMS held by agents, pools and the treasury ({xms_held}) differs from the supply ({})",
                supply.xms.raw()
            )));
        }
        if !w.arb_cash.is_finite() {
            return Err(fail("the arbitrageur's cash is not a number".into()));
        }
        Ok(())
    }

    /// Current price of an asset held by the treasury, for agents' valuations.
    pub(crate) fn market_price(&self, symbol: Symbol) -> f64 {
        if symbol == BTC {
            self.px[0]
        } else if symbol == ETH {
            self.px[1]
        } else if symbol == XMS {
            self.px[2]
        } else {
            1.0
        }
    }

    /// The oracle's XMS price the protocol uses now (spot), in dollars.
    pub(crate) fn xms_oracle(&self) -> f64 {
        self.p
            .price(XMS, self.now)
            .map_or(self.px[2], |q| dollars(q.spot))
    }
}

impl World {
    /// Measures the world now (the interval flows are filled in by
    /// [`crate::metrics::PathMetrics::sample`]): the engine reads itself, so the metrics only
    /// hold numbers and know nothing of the world.
    pub fn snapshot(&self) -> Snapshot {
        let w = self;
        let now = w.now;
        let p = &w.p;
        let cap = p.cap_status(now).ok();
        let valuation = p.valuation(now).ok();
        let circulating = cap.map_or(f64::NAN, |c| usd(c.circulating_usdm));
        let treasury_value = valuation.as_ref().map_or(f64::NAN, |v| usd(v.total));
        let mut tiers = [f64::NAN; 5];
        if let Some(v) = &valuation {
            for (t, value) in tiers.iter_mut().zip(v.by_tier) {
                *t = usd(value);
            }
        }
        let xms_pool = w.pool(XMS_POOL);
        let [xs, us] = w.sides[1];
        let xms_pool_price = tokens(xms_pool.reserves[us], 18)
            / tokens(xms_pool.reserves[xs], 18).max(1e-18)
            * w.usdm_price();
        let xms_supply = w.xms_supply();
        Snapshot {
            block: w.block,
            hours: (w.block * w.scenario().block_seconds) as f64 / 3600.0,
            usdm_price: w.usdm_price(),
            xms_price: w.xms_price(),
            xms_pool_price,
            xms_oracle: p.price(XMS, now).map_or(f64::NAN, |q| dollars(q.spot)),
            usdm_supply: w.usdm_supply(),
            circulating_usdm: circulating,
            supply_cap: cap.and_then(|c| c.supply_cap).map_or(f64::NAN, usd),
            headroom: cap.map_or(f64::NAN, |c| usd(c.headroom)),
            xms_supply,
            xms_mcap: xms_supply * w.xms_price(),
            treasury_value,
            tiers,
            backing: if circulating > 0.0 {
                treasury_value / circulating
            } else {
                f64::NAN
            },
            mint_cr: fraction(p.policy().mint_ratio()),
            redeem_cr: fraction(p.policy().redeem_ratio()),
            arb_cash: w.wallets.arb_cash,
            arb_usdm: tokens(w.wallets.arb_usdm, 18),
            ..Snapshot::default()
        }
    }
}
