//! The protocol state machine: genesis, the common step every operation begins with (time check
//! and lazy epoch roll), price posting, the Frax refresh, and read-only queries.
//!
//! Minting, redemption and governance live in their own modules as further `impl Protocol`
//! blocks. Every operation follows the same shape: `begin` (pure), validate and compute
//! (pure), then mutate and `finish`. A refused operation returns before the first mutation, so
//! the state is exactly as it was.

use crate::asset::AssetConfig;
use crate::breakers::Breakers;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::fees::FeeTotals;
use crate::governance::{Governance, PauseTarget};
use crate::ids::{Account, Symbol, USDM, XMS};
use crate::params::{Params, PolicyKind, Preset};
use crate::prices::{Feed, PriceQuote};
use crate::ramp::SupportRamp;
use crate::ratio::{RatioPolicy, Refresh};
use crate::state::{Books, Clock, Config, InMemory, PartSource, Parts, Redemptions, Ring, Tracked};
use crate::supply_cap::{CapStatus, Mintage};
use crate::swap::Pool;
use crate::time::BlockTime;
use crate::treasury::Holding;
use crate::units::{Amount, SupportRatio};

/// Everything needed to start a deployment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Genesis {
    /// Ratio policy, fixed for the deployment's life.
    pub policy: PolicyKind,
    /// Initial parameters.
    pub params: Params,
    /// First governance identity.
    pub governor: Account,
    /// Identities allowed to post prices.
    pub feeders: Vec<Account>,
    /// Assets whitelisted at launch.
    pub assets: Vec<AssetConfig>,
    /// XMS already in circulation at launch (distributed outside the protocol).
    pub xms_supply: Amount,
    /// The launch block.
    pub start: BlockTime,
}

impl Genesis {
    /// A deployment of `preset` with no assets, no feeders and no XMS yet.
    pub fn new(preset: Preset, governor: Account, start: BlockTime) -> Self {
        Genesis {
            policy: preset.policy(),
            params: preset.params(),
            governor,
            feeders: Vec::new(),
            assets: Vec::new(),
            xms_supply: Amount::ZERO,
            start,
        }
    }

    /// With these assets whitelisted.
    pub fn with_assets(mut self, assets: Vec<AssetConfig>) -> Self {
        self.assets = assets;
        self
    }

    /// With this feeder authorised.
    pub fn with_feeder(mut self, feeder: Account) -> Self {
        self.feeders.push(feeder);
        self
    }

    /// With this much XMS in circulation.
    pub fn with_xms_supply(mut self, xms: Amount) -> Self {
        self.xms_supply = xms;
        self
    }
}

/// Token supplies and their lifetime flows, so that `supply = genesis + minted - burned` can be
/// checked after every operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Supply {
    /// Total USDm.
    pub usdm: Amount,
    /// Lifetime USDm minted.
    pub usdm_minted: Amount,
    /// Lifetime USDm burned.
    pub usdm_burned: Amount,
    /// Total XMS.
    pub xms: Amount,
    /// XMS at genesis.
    pub xms_genesis: Amount,
    /// Lifetime XMS minted (by redemptions).
    pub xms_minted: Amount,
    /// Lifetime XMS burned (by mints).
    pub xms_burned: Amount,
}

/// The support ratio in force and the ramp moving it: what a front end shows next to the cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SupportRatioStatus {
    /// The ratio in force now (the next epoch's cap uses the ratio at its own start).
    pub ratio: SupportRatio,
    /// The running ramp (its target `to` and its `end`), if any.
    pub ramp: Option<SupportRamp>,
}

/// The result of an operation and the events it emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt<T> {
    /// What the operation produced.
    pub value: T,
    /// What changed, in order.
    pub events: Vec<Event>,
}

/// The state every operation starts from: the block, the epoch state rolled to it, and the
/// events produced so far. Built without touching the protocol.
#[derive(Debug)]
pub(crate) struct Step {
    pub now: BlockTime,
    pub mintage: Mintage,
    pub events: Vec<Event>,
}

/// The whole protocol state, in the parts of [`crate::state`]: in memory every part is present;
/// an adapter's protocol fetches each part from its source `S` the first time it is read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(bound(serialize = "", deserialize = "S: Default"))]
pub struct Protocol<S = InMemory> {
    pub(crate) config: Tracked<Config>,
    pub(crate) clock: Tracked<Clock>,
    pub(crate) books: Tracked<Books>,
    /// Each whitelisted asset's configuration, in `config.assets` order.
    pub(crate) assets: Parts<AssetConfig>,
    /// The treasury's holding of each asset.
    pub(crate) holdings: Parts<Holding>,
    /// Each feed's head, in `config.feeds` order.
    pub(crate) feeds: Parts<Feed>,
    /// Each feed's checkpoints.
    pub(crate) rings: Vec<Ring>,
    /// Mars Swap pools, by id.
    pub(crate) pools: Parts<Pool>,
    /// Each pool's two price histories.
    pub(crate) pool_rings: Vec<[Ring; 2]>,
    pub(crate) redemptions: Redemptions,
    /// Where parts not yet in memory come from (see [`crate::state`]).
    #[serde(skip)]
    pub(crate) source: S,
}

impl Protocol {
    /// Starts a deployment. Refuses invalid parameters and duplicate or invalid assets.
    pub fn genesis(g: Genesis) -> Result<Receipt<Protocol>> {
        g.params.validate()?;
        let epoch_seconds = g.params.epoch_seconds;
        let mut p = Protocol {
            config: Tracked::new(Config {
                params: g.params,
                governance: Governance::new(g.governor.clone()),
                assets: Vec::new(),
                feeds: vec![XMS, USDM],
                asset_feeds: Vec::new(),
                pools: 0,
                strategies: Vec::new(),
                support_ramp: None,
            }),
            clock: Tracked::new(Clock {
                mintage: Mintage::genesis(g.start.seconds, epoch_seconds),
                last_time: g.start,
            }),
            books: Tracked::new(Books {
                supply: Supply {
                    xms: g.xms_supply,
                    xms_genesis: g.xms_supply,
                    ..Supply::default()
                },
                policy: RatioPolicy::new(g.policy),
                breakers: Breakers::default(),
                unattributed_fees: FeeTotals::default(),
                next_redemption_id: 0,
            }),
            assets: Parts::default(),
            holdings: Parts::default(),
            feeds: Parts::default(),
            rings: vec![Ring::default(), Ring::default()],
            pools: Parts::default(),
            pool_rings: Vec::new(),
            redemptions: Redemptions::default(),
            source: InMemory,
        };
        p.feeds.push(Feed::new(XMS));
        p.feeds.push(Feed::new(USDM));
        let mut events = vec![Event::Genesis {
            policy: g.policy,
            governor: g.governor,
            xms_supply: g.xms_supply,
        }];
        for asset in g.assets {
            p.check_new_asset(&asset)?;
            events.push(p.add_asset(asset));
        }
        if g.feeders.len() > crate::state::MAX_FEEDERS {
            return Err(Error::TooMany {
                what: "feeders",
                max: crate::state::MAX_FEEDERS,
            });
        }
        for feeder in g.feeders {
            if p.config.governance.feeders.insert(feeder.clone()) {
                events.push(Event::FeederAdded { feeder });
            }
        }
        p.assert_sanity("genesis");
        Ok(Receipt { value: p, events })
    }
}

impl<S: PartSource> Protocol<S> {
    /// Adds an asset already checked with [`Protocol::check_new_asset`].
    pub(crate) fn add_asset(&mut self, asset: AssetConfig) -> Event {
        let event = Event::AssetWhitelisted {
            symbol: asset.symbol,
            decimals: asset.decimals,
            tier: asset.tier,
        };
        let feed = match self.config.feeds.iter().position(|s| *s == asset.symbol) {
            Some(i) => i,
            None => {
                self.config.feeds.push(asset.symbol);
                self.feeds.push(Feed::new(asset.symbol));
                self.rings.push(Ring::default());
                self.config.feeds.len() - 1
            }
        };
        self.config.asset_feeds.push(feed as u16);
        self.config.assets.push(asset.symbol);
        self.assets.push(asset);
        self.holdings.push(Holding::default());
        event
    }

    // ---- the common step ---------------------------------------------------------------

    /// Checks `now` is not earlier than the last operation and rolls the epoch state to it,
    /// without changing anything.
    pub(crate) fn begin(&self, now: BlockTime) -> Result<Step> {
        if !now.is_not_before(self.clock.last_time) {
            return Err(Error::TimeWentBackwards {
                last: self.clock.last_time,
                now,
            });
        }
        let (mintage, roll) = self.clock.mintage.advanced(
            now.seconds,
            || self.mcap_sample(self.clock.mintage.accrued_until),
            self.config.params.epoch_seconds,
            |t| self.support_ratio_at(t),
        )?;
        let mut events: Vec<Event> = roll.map(Event::EpochRolled).into_iter().collect();
        // A ramp completes by itself: the first operation at or after its end reports it.
        if let Some(ramp) = self.config.support_ramp {
            if self.clock.last_time.seconds < ramp.end && ramp.end <= now.seconds {
                events.push(Event::SupportRampCompleted {
                    ratio: ramp.to,
                    at: ramp.end,
                });
            }
        }
        Ok(Step {
            now,
            mintage,
            events,
        })
    }

    /// The support ratio in force at `t`: the running ramp's line, else the parameter (which
    /// is a ramp's target from the moment it starts, so a finished ramp needs no clean-up).
    pub fn support_ratio_at(&self, t: u64) -> SupportRatio {
        match self.config.support_ramp {
            Some(ramp) if t < ramp.end => ramp.ratio_at(t),
            _ => self.config.params.xms_support_ratio,
        }
    }

    /// The ramp still running at `t`, if any.
    pub(crate) fn ramp_running_at(&self, t: u64) -> Option<SupportRamp> {
        self.config.support_ramp.filter(|r| t < r.end)
    }

    /// Commits the step's time and epoch state, records the market cap the operation leaves
    /// behind (integrated by the next operation), and returns the step's events.
    pub(crate) fn finish(&mut self, step: Step, operation: &'static str) -> Vec<Event> {
        let sample = self.mcap_sample(step.now.seconds);
        self.clock.mintage = step.mintage;
        self.clock.mintage.sample = Some(sample);
        self.clock.last_time = step.now;
        self.assert_sanity(operation);
        step.events
    }

    #[inline]
    pub(crate) fn assert_sanity(&self, _operation: &'static str) {
        #[cfg(feature = "sanity")]
        if self.redemptions.is_complete() {
            if let Err(e) = self.check_invariants() {
                panic!("sanity: {e} after {_operation}");
            }
        }
    }

    /// Rolls epochs up to `now` without doing anything else (a keeper's poke; also what the
    /// first operation after a boundary does implicitly).
    pub fn poke(&mut self, now: BlockTime) -> Result<Receipt<()>> {
        let step = self.begin(now)?;
        Ok(Receipt {
            value: (),
            events: self.finish(step, "poke"),
        })
    }

    // ---- ratio policy ------------------------------------------------------------------

    /// Runs the Frax controller: anyone may call it once per cooldown.
    pub fn refresh_ratio(&mut self, now: BlockTime) -> Result<Receipt<Refresh>> {
        if self
            .config
            .governance
            .pauses
            .is_paused(PauseTarget::Refresh)
        {
            return Err(Error::RefreshPaused);
        }
        if self.books.policy.kind() != PolicyKind::Frax {
            return Err(Error::NotFraxPolicy {
                operation: "refresh",
            });
        }
        let mut step = self.begin(now)?;
        let usdm = self.price_quote(USDM, now)?.twap;
        let (policy, refresh) =
            self.books
                .policy
                .refreshed(usdm, now.seconds, &self.config.params.frax)?;
        self.books.policy = policy;
        step.events.push(Event::RatioRefreshed(refresh));
        Ok(Receipt {
            value: refresh,
            events: self.finish(step, "refresh_ratio"),
        })
    }

    // ---- queries -----------------------------------------------------------------------

    /// Current parameters.
    pub fn params(&self) -> &Params {
        &self.config.params
    }

    /// The ratio policy and its state.
    pub fn policy(&self) -> &RatioPolicy {
        &self.books.policy
    }

    /// Governance identities and pauses.
    pub fn governance(&self) -> &Governance {
        &self.config.governance
    }

    /// Token supplies and flows.
    pub fn supply(&self) -> &Supply {
        &self.books.supply
    }

    /// Circuit-breaker state (used capacity), meaningful when breakers are on.
    pub fn breakers(&self) -> &Breakers {
        &self.books.breakers
    }

    /// Pending redemptions (all of them in memory; those loaded for an adapter).
    pub fn redemptions(&self) -> &Redemptions {
        &self.redemptions
    }

    /// The block of the latest operation.
    pub fn last_time(&self) -> BlockTime {
        self.clock.last_time
    }

    /// The epoch state as of the latest operation (not rolled to any later time).
    pub fn mintage(&self) -> &Mintage {
        &self.clock.mintage
    }

    /// Spot and TWAP of a token at `now`.
    pub fn price(&self, symbol: Symbol, now: BlockTime) -> Result<PriceQuote> {
        self.price_quote(symbol, now)
    }

    /// The support ratio at `now`, and the ramp moving it, if one is running.
    pub fn support_ratio(&self, now: BlockTime) -> SupportRatioStatus {
        SupportRatioStatus {
            ratio: self.support_ratio_at(now.seconds),
            ramp: self.ramp_running_at(now.seconds),
        }
    }

    /// The supply cap, circulating USDm and headroom at `now` (epochs rolled as they would be).
    pub fn cap_status(&self, now: BlockTime) -> Result<CapStatus> {
        let step = self.begin(now)?;
        Ok(step
            .mintage
            .status(now.seconds, self.circulating_usdm(now)?))
    }
}
