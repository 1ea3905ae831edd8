//! Governance (SPEC 11): one governance identity with a two-step transfer, feeder identities
//! that may only post prices, validated parameter changes, whitelisting, and pauses.

use crate::asset::{AssetConfig, AssetUpdate, PriceSource};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::{Account, Symbol};
use crate::params::ParamChange;
use crate::protocol::{Protocol, Receipt};
use crate::ramp::SupportRamp;
use crate::ratio::RatioPolicy;
use crate::time::BlockTime;
use crate::units::{Ratio, SupportRatio};
use std::collections::BTreeSet;
use std::fmt;

/// What can be paused.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PauseTarget {
    /// All minting.
    Mint,
    /// Minting with one asset.
    MintAsset(Symbol),
    /// Redemption (requests; collection of what is already owed stays open).
    Redeem,
    /// The Frax ratio controller.
    Refresh,
    /// Governance's treasury operations.
    TreasuryOps,
    /// Frax recollateralization.
    Recollateralize,
    /// Frax buyback.
    Buyback,
}

impl fmt::Display for PauseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PauseTarget::Mint => f.write_str("mint"),
            PauseTarget::MintAsset(s) => write!(f, "mint with {s}"),
            PauseTarget::Redeem => f.write_str("redeem"),
            PauseTarget::Refresh => f.write_str("ratio refresh"),
            PauseTarget::TreasuryOps => f.write_str("treasury operations"),
            PauseTarget::Recollateralize => f.write_str("recollateralization"),
            PauseTarget::Buyback => f.write_str("buyback"),
        }
    }
}

/// The set of things currently paused.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pauses {
    paused: BTreeSet<PauseTarget>,
}

impl Pauses {
    /// Whether `target` is paused.
    #[inline]
    pub fn is_paused(&self, target: PauseTarget) -> bool {
        !self.paused.is_empty() && self.paused.contains(&target)
    }

    /// Everything paused.
    pub fn iter(&self) -> impl Iterator<Item = &PauseTarget> {
        self.paused.iter()
    }
}

/// Who governs and who feeds prices, and what is paused.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Governance {
    /// The governance identity.
    pub governor: Account,
    /// A proposed successor that has not accepted yet.
    pub pending_governor: Option<Account>,
    /// Identities allowed to post prices.
    pub feeders: BTreeSet<Account>,
    /// Current pauses.
    pub pauses: Pauses,
}

impl Governance {
    /// `governor` in charge, no feeders, nothing paused.
    pub fn new(governor: Account) -> Self {
        Governance {
            governor,
            pending_governor: None,
            feeders: BTreeSet::new(),
            pauses: Pauses::default(),
        }
    }

    /// Refuses `caller` unless it is the governor.
    pub fn require_governor(&self, caller: &Account, action: &'static str) -> Result<()> {
        if caller != &self.governor {
            return Err(Error::Unauthorized {
                caller: caller.clone(),
                action,
                required: "governance",
            });
        }
        Ok(())
    }
}

/// A governance action.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovAction {
    /// Propose a successor; they must accept.
    ProposeGovernor {
        /// The successor.
        candidate: Account,
    },
    /// Withdraw a pending proposal.
    CancelGovernorProposal,
    /// Authorise a feeder.
    AddFeeder {
        /// Feeder.
        feeder: Account,
    },
    /// Remove a feeder.
    RemoveFeeder {
        /// Feeder.
        feeder: Account,
    },
    /// Whitelist an asset.
    WhitelistAsset {
        /// Its configuration.
        config: AssetConfig,
    },
    /// Change an asset's configuration.
    UpdateAsset {
        /// The asset.
        symbol: Symbol,
        /// The changes.
        update: AssetUpdate,
    },
    /// Change a parameter.
    SetParam {
        /// The change.
        change: ParamChange,
    },
    /// Create a Mars Swap pool for two tokens (USDm, XMS or whitelisted assets).
    CreatePool {
        /// The pair.
        tokens: [Symbol; 2],
    },
    /// Retire a pool: it stops trading, pricing and counting in treasury value, and a new pool
    /// of the same tokens may be created. Refused while it prices a token, the treasury holds
    /// shares in it, or it holds unswept protocol fees.
    RetirePool {
        /// The pool.
        pool: crate::swap::PoolId,
    },
    /// Set where a token's price comes from (a feed, or a pool holding it).
    SetPriceSource {
        /// The token.
        symbol: Symbol,
        /// The source.
        source: PriceSource,
    },
    /// Set the Frax global collateral ratio directly (Frax policy only; within [min_cr, 1]).
    SetCollateralRatio {
        /// The new ratio.
        cr: Ratio,
    },
    /// Hold redemption at a ratio of its own, apart from the global ratio minting uses (Frax
    /// policy only; within [min_cr, 1]); `None` returns redemption to the global ratio. Iron
    /// Finance minted at its 70% target and redeemed at its 75% effective ratio.
    SetRedemptionRatio {
        /// The redemption ratio, or `None` for the global ratio.
        cr: Option<Ratio>,
    },
    /// Move the XMS support ratio from where it is to `to` in a straight line over `seconds`,
    /// within the ramp limits; each epoch's cap uses the line's value at the epoch's start.
    /// Refused while another ramp runs.
    StartSupportRamp {
        /// The target ratio.
        to: SupportRatio,
        /// How long the ramp takes, in seconds.
        seconds: u64,
    },
    /// Stop the running ramp: the ratio stays where the ramp has reached.
    StopSupportRamp,
    /// Pause something.
    Pause {
        /// What.
        target: PauseTarget,
    },
    /// Unpause something.
    Unpause {
        /// What.
        target: PauseTarget,
    },
}

impl GovAction {
    fn name(&self) -> &'static str {
        match self {
            GovAction::ProposeGovernor { .. } => "propose a new governor",
            GovAction::CancelGovernorProposal => "cancel a governor proposal",
            GovAction::AddFeeder { .. } => "add a feeder",
            GovAction::RemoveFeeder { .. } => "remove a feeder",
            GovAction::WhitelistAsset { .. } => "whitelist an asset",
            GovAction::UpdateAsset { .. } => "update an asset",
            GovAction::SetParam { .. } => "change a parameter",
            GovAction::SetCollateralRatio { .. } => "set the collateral ratio",
            GovAction::SetRedemptionRatio { .. } => "set the redemption ratio",
            GovAction::CreatePool { .. } => "create a pool",
            GovAction::RetirePool { .. } => "retire a pool",
            GovAction::SetPriceSource { .. } => "set a price source",
            GovAction::StartSupportRamp { .. } => "start a support-ratio ramp",
            GovAction::StopSupportRamp => "stop a support-ratio ramp",
            GovAction::Pause { .. } => "pause",
            GovAction::Unpause { .. } => "unpause",
        }
    }
}

impl<S: crate::state::PartSource> Protocol<S> {
    /// Applies a governance action from `caller`, who must be the governor.
    pub fn govern(
        &mut self,
        caller: &Account,
        action: GovAction,
        now: BlockTime,
    ) -> Result<Receipt<()>> {
        self.config
            .governance
            .require_governor(caller, action.name())?;
        let mut step = self.begin(now)?;
        let event =
            match action {
                GovAction::ProposeGovernor { candidate } => {
                    self.config.governance.pending_governor = Some(candidate.clone());
                    Event::GovernorProposed {
                        current: self.config.governance.governor.clone(),
                        candidate,
                    }
                }
                GovAction::CancelGovernorProposal => {
                    let candidate = self
                        .config
                        .governance
                        .pending_governor
                        .take()
                        .ok_or_else(|| Error::NoPendingGovernor)?;
                    Event::GovernorProposalCancelled { candidate }
                }
                GovAction::AddFeeder { feeder } => {
                    if self.config.governance.feeders.contains(&feeder) {
                        return Err(Error::FeederState {
                            feeder,
                            present: true,
                        });
                    }
                    if self.config.governance.feeders.len() >= crate::state::MAX_FEEDERS {
                        return Err(Error::TooMany {
                            what: "feeders",
                            max: crate::state::MAX_FEEDERS,
                        });
                    }
                    self.config.governance.feeders.insert(feeder.clone());
                    Event::FeederAdded { feeder }
                }
                GovAction::RemoveFeeder { feeder } => {
                    if !self.config.governance.feeders.remove(&feeder) {
                        return Err(Error::FeederState {
                            feeder,
                            present: false,
                        });
                    }
                    Event::FeederRemoved { feeder }
                }
                GovAction::WhitelistAsset { config } => {
                    self.check_new_asset(&config)?;
                    self.add_asset(config)
                }
                GovAction::UpdateAsset { symbol, update } => {
                    let (index, config) = self.require_asset(symbol)?;
                    let next = update.applied_to(config)?;
                    self.replace_asset(index, next)?;
                    Event::AssetUpdated { symbol, update }
                }
                GovAction::SetParam { change } => {
                    if let (ParamChange::XmsSupportRatio(_), Some(ramp)) =
                        (&change, self.ramp_running_at(now.seconds))
                    {
                        return Err(Error::RampRefused {
                            reason: format!(
                                "a ramp to {} runs until {}; stop it before setting the ratio",
                                ramp.to, ramp.end
                            ),
                        });
                    }
                    let (next, previous) = self.config.params.with_change(&change)?;
                    if let ParamChange::TwapWindow(window) = change {
                        self.check_pool_windows(window)?;
                    }
                    // A raised floor lifts a Frax ratio that now sits below it, at once.
                    if let RatioPolicy::Frax {
                        cr,
                        last_refresh,
                        redeem_cr,
                    } = self.books.policy
                    {
                        let lifted = |r: Ratio| r.max(next.frax.min_cr);
                        if cr < next.frax.min_cr {
                            step.events.push(Event::CollateralRatioSet {
                                old: cr,
                                new: next.frax.min_cr,
                            });
                        }
                        if let Some(old) = redeem_cr.filter(|r| *r < next.frax.min_cr) {
                            step.events.push(Event::RedemptionRatioSet {
                                old,
                                new: Some(next.frax.min_cr),
                            });
                        }
                        self.books.policy = RatioPolicy::Frax {
                            cr: lifted(cr),
                            last_refresh,
                            redeem_cr: redeem_cr.map(lifted),
                        };
                    }
                    if let ParamChange::XmsSupportRatio(_) = change {
                        // A finished ramp's record goes with the ratio it set.
                        self.config.support_ramp = None;
                    }
                    self.config.params = next;
                    Event::ParamChanged { change, previous }
                }
                GovAction::CreatePool { tokens } => {
                    let decimals = self.check_new_pool(tokens)?;
                    let pool = self.add_pool(tokens, decimals)?;
                    Event::PoolCreated { pool, tokens }
                }
                GovAction::RetirePool { pool } => {
                    self.check_retire_pool(pool)?;
                    self.pool_mut(pool)?.retired = true;
                    Event::PoolRetired { pool }
                }
                GovAction::SetPriceSource { symbol, source } => {
                    let index = self.require_feed_index(symbol)?;
                    self.check_price_source(symbol, source)?;
                    let mut feed = self.feed(index)?.clone();
                    feed.source = source;
                    let asset = match self.find_asset(symbol) {
                        Some(i) => {
                            let mut config = self.asset(i)?.clone();
                            config.price_source = source;
                            Some((i, config))
                        }
                        None => None,
                    };
                    *self.feeds.get_mut(index).ok_or_else(|| {
                        Error::NotLoaded(crate::state::PartKey::Feed(index as u16))
                    })? = feed;
                    if let Some((i, config)) = asset {
                        self.replace_asset(i, config)?;
                    }
                    Event::PriceSourceSet { symbol, source }
                }
                GovAction::SetCollateralRatio { cr } => {
                    let RatioPolicy::Frax {
                        cr: old,
                        last_refresh,
                        redeem_cr,
                    } = self.books.policy
                    else {
                        return Err(Error::NotFraxPolicy {
                            operation: "set the collateral ratio",
                        });
                    };
                    self.check_frax_ratio("collateral ratio", cr)?;
                    self.books.policy = RatioPolicy::Frax {
                        cr,
                        last_refresh,
                        redeem_cr,
                    };
                    Event::CollateralRatioSet { old, new: cr }
                }
                GovAction::SetRedemptionRatio { cr: new } => {
                    let RatioPolicy::Frax {
                        cr,
                        last_refresh,
                        redeem_cr: old,
                    } = self.books.policy
                    else {
                        return Err(Error::NotFraxPolicy {
                            operation: "set the redemption ratio",
                        });
                    };
                    if let Some(r) = new {
                        self.check_frax_ratio("redemption ratio", r)?;
                    }
                    self.books.policy = RatioPolicy::Frax {
                        cr,
                        last_refresh,
                        redeem_cr: new,
                    };
                    Event::RedemptionRatioSet {
                        old: old.unwrap_or(cr),
                        new,
                    }
                }
                GovAction::StartSupportRamp { to, seconds } => {
                    if let Some(ramp) = self.ramp_running_at(now.seconds) {
                        return Err(Error::RampRefused {
                            reason: format!(
                                "a ramp to {} runs until {}; one ramp at a time (stop it first)",
                                ramp.to, ramp.end
                            ),
                        });
                    }
                    let from = self.support_ratio_at(now.seconds);
                    let ramp = SupportRamp::start_after(
                        self.config.support_ramp.as_ref(),
                        from,
                        to,
                        now.seconds,
                        seconds,
                        &self.config.params.support_ramp,
                    )?;
                    self.config.params.xms_support_ratio = to;
                    self.config.support_ramp = Some(ramp);
                    Event::SupportRampStarted { ramp }
                }
                GovAction::StopSupportRamp => {
                    let ramp =
                        self.ramp_running_at(now.seconds)
                            .ok_or_else(|| Error::RampRefused {
                                reason: "no ramp is running".into(),
                            })?;
                    let ratio = ramp.ratio_at(now.seconds);
                    self.config.params.xms_support_ratio = ratio;
                    // Kept, ended where it stopped: a ramp started next may continue its chain.
                    self.config.support_ramp = Some(ramp.stopped_at(now.seconds));
                    Event::SupportRampStopped {
                        ratio,
                        target: ramp.to,
                    }
                }
                GovAction::Pause { target } => {
                    self.check_pause_target(target)?;
                    self.config.governance.pauses.paused.insert(target);
                    Event::Paused { target }
                }
                GovAction::Unpause { target } => {
                    self.check_pause_target(target)?;
                    self.config.governance.pauses.paused.remove(&target);
                    Event::Unpaused { target }
                }
            };
        step.events.push(event);
        Ok(Receipt {
            value: (),
            events: self.finish(step, "govern"),
        })
    }

    /// Refuses a Frax ratio below min_cr (a `Ratio` is at most 100% by construction).
    fn check_frax_ratio(&self, name: &'static str, cr: Ratio) -> Result<()> {
        if cr < self.config.params.frax.min_cr {
            return Err(Error::InvalidParameter {
                name,
                value: cr.to_percent(),
                accepted: "min_cr to 100%",
            });
        }
        Ok(())
    }

    /// Refuses a TWAP window that a pool pricing a token cannot cover.
    fn check_pool_windows(&self, window: u64) -> Result<()> {
        for pool in self.pools()?.into_iter().filter(|p| !p.retired) {
            if let Some(symbol) = self.priced_by(pool.id)? {
                self.check_window_covered(pool, symbol, window)?;
            }
        }
        Ok(())
    }

    /// Refuses to retire a pool that something still depends on.
    fn check_retire_pool(&self, pool: crate::swap::PoolId) -> Result<()> {
        let p = self.pool(pool)?;
        p.require_active()?;
        let in_use = |reason: String| Error::PoolInUse {
            pool,
            tokens: p.name(),
            reason,
        };
        if let Some(symbol) = self.priced_by(pool)? {
            return Err(in_use(format!(
                "it prices {symbol}; set {symbol}'s price source to a feed or another pool first"
            )));
        }
        let shares = p.shares_of(&crate::swap::treasury_account());
        if !shares.is_zero() {
            return Err(in_use(format!(
                "the treasury holds {} of its liquidity shares; withdraw them first",
                crate::units::Quantity::new(shares, crate::swap::SHARE_DECIMALS, Symbol::lit("LP"))
            )));
        }
        if p.protocol_fees.iter().any(|f| !f.is_zero()) {
            return Err(in_use(
                "it holds unswept protocol fees; sweep them first".into(),
            ));
        }
        Ok(())
    }

    fn check_pause_target(&self, target: PauseTarget) -> Result<()> {
        if let PauseTarget::MintAsset(symbol) = target {
            if self.find_asset(symbol).is_none() {
                return Err(Error::UnknownAsset {
                    symbol,
                    known: self.asset_symbols_list(),
                });
            }
        }
        Ok(())
    }

    /// The proposed successor takes over governance.
    pub fn accept_governor(&mut self, caller: &Account, now: BlockTime) -> Result<Receipt<()>> {
        match &self.config.governance.pending_governor {
            None => return Err(Error::NoPendingGovernor),
            Some(candidate) if candidate != caller => {
                return Err(Error::Unauthorized {
                    caller: caller.clone(),
                    action: "accept governance",
                    required: "the proposed governor",
                })
            }
            Some(_) => {}
        }
        let mut step = self.begin(now)?;
        let previous = std::mem::replace(&mut self.config.governance.governor, caller.clone());
        self.config.governance.pending_governor = None;
        step.events.push(Event::GovernorAccepted {
            previous,
            governor: caller.clone(),
        });
        Ok(Receipt {
            value: (),
            events: self.finish(step, "accept_governor"),
        })
    }
}
