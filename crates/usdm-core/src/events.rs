//! Typed events: every state change reports what happened, so adapters can turn it into chain
//! attributes, the simulator into metrics, and auditors into a trail.

use crate::asset::{AssetUpdate, PriceSource, Tier};
use crate::frax_extras::FraxTrade;
use crate::governance::PauseTarget;
use crate::ids::{Account, Symbol};
use crate::params::{ParamChange, PolicyKind};
use crate::ratio::Refresh;
use crate::supply_cap::EpochRoll;
use crate::units::{Amount, Price, Ratio, Usd};

/// Something that changed the protocol state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The protocol was created.
    Genesis {
        /// Policy chosen for the deployment.
        policy: PolicyKind,
        /// First governance identity.
        governor: Account,
        /// XMS in circulation at launch.
        xms_supply: Amount,
    },
    /// An asset joined the whitelist.
    AssetWhitelisted {
        /// Symbol.
        symbol: Symbol,
        /// Decimals.
        decimals: u8,
        /// Tier.
        tier: Tier,
    },
    /// An asset's configuration changed.
    AssetUpdated {
        /// Symbol.
        symbol: Symbol,
        /// What changed.
        update: AssetUpdate,
    },
    /// A feeder posted a price.
    PricePosted {
        /// Token.
        symbol: Symbol,
        /// New price.
        price: Price,
        /// When the feeder observed it.
        observed_at: u64,
    },
    /// One or more epochs ended and a new supply cap was fixed.
    EpochRolled(EpochRoll),
    /// USDm was minted.
    Minted {
        /// Who minted.
        minter: Account,
        /// Collateral asset, if any (none for algorithmic mints).
        asset: Option<Symbol>,
        /// Collateral deposited, in the asset's base units.
        collateral_in: Amount,
        /// XMS burned.
        xms_burned: Amount,
        /// USDm created.
        usdm_out: Amount,
        /// Fee kept by the treasury.
        fee: Usd,
        /// Collateral ratio used.
        cr: Ratio,
    },
    /// USDm was burned and a redemption recorded.
    RedemptionRequested {
        /// Redemption id.
        id: u64,
        /// Who will be paid.
        owner: Account,
        /// Collateral asset, if any.
        asset: Option<Symbol>,
        /// USDm burned.
        usdm_burned: Amount,
        /// Collateral owed.
        collateral_owed: Amount,
        /// XMS to be minted.
        xms_owed: Amount,
        /// Fee kept by the treasury.
        fee: Usd,
        /// Collateral ratio used.
        cr: Ratio,
        /// First block at which it may be collected.
        ready_at: u64,
    },
    /// A redemption was paid out.
    RedemptionCollected {
        /// Redemption id.
        id: u64,
        /// Who was paid.
        owner: Account,
        /// Collateral asset, if any.
        asset: Option<Symbol>,
        /// Collateral paid.
        collateral_paid: Amount,
        /// XMS minted to the owner.
        xms_minted: Amount,
    },
    /// Governance created a Mars Swap pool.
    PoolCreated {
        /// Its id.
        pool: u32,
        /// Its tokens.
        tokens: [Symbol; 2],
    },
    /// Governance retired a Mars Swap pool.
    PoolRetired {
        /// Its id.
        pool: u32,
    },
    /// A token's price source changed.
    PriceSourceSet {
        /// The token.
        symbol: Symbol,
        /// The new source.
        source: PriceSource,
    },
    /// A trader swapped in a pool.
    Swapped {
        /// Who.
        trader: Account,
        /// The pool.
        pool: u32,
        /// Token sold.
        token_in: Symbol,
        /// Amount sold.
        amount_in: Amount,
        /// Token bought.
        token_out: Symbol,
        /// Amount bought.
        amount_out: Amount,
        /// Whole fee (in the token sold).
        fee: Amount,
        /// The protocol's part of it.
        protocol_fee: Amount,
    },
    /// Liquidity was added to a pool.
    LiquidityAdded {
        /// Who.
        provider: Account,
        /// The pool.
        pool: u32,
        /// Amounts deposited, in pool token order.
        amounts: [Amount; 2],
        /// Shares minted.
        shares: Amount,
    },
    /// Liquidity was removed from a pool.
    LiquidityRemoved {
        /// Who.
        provider: Account,
        /// The pool.
        pool: u32,
        /// Amounts paid, in pool token order.
        amounts: [Amount; 2],
        /// Shares burned.
        shares: Amount,
    },
    /// A pool's protocol fees went to the protocol.
    PoolFeesSwept {
        /// The pool.
        pool: u32,
        /// Amounts, in pool token order.
        amounts: [Amount; 2],
    },
    /// The treasury added protocol-owned liquidity.
    TreasuryLiquidityProvided {
        /// The pool.
        pool: u32,
        /// The treasury asset paired.
        asset: Symbol,
        /// How much of it.
        asset_amount: Amount,
        /// USDm minted into the pool (protocol-owned).
        usdm_minted: Amount,
        /// Shares received.
        shares: Amount,
    },
    /// The treasury withdrew protocol-owned liquidity.
    TreasuryLiquidityWithdrawn {
        /// The pool.
        pool: u32,
        /// The treasury asset.
        asset: Symbol,
        /// How much came back.
        asset_amount: Amount,
        /// USDm burned.
        usdm_burned: Amount,
        /// Shares burned.
        shares: Amount,
    },
    /// Tokens went to a yield strategy.
    StrategyAllocated {
        /// Strategy.
        strategy: String,
        /// Asset.
        asset: Symbol,
        /// Amount.
        amount: Amount,
    },
    /// Tokens came back from a yield strategy.
    StrategyRecalled {
        /// Strategy.
        strategy: String,
        /// Asset.
        asset: Symbol,
        /// Amount.
        amount: Amount,
    },
    /// A strategy's balance was reported.
    StrategyReported {
        /// Strategy.
        strategy: String,
        /// Asset.
        asset: Symbol,
        /// Balance before.
        previous: Amount,
        /// Balance now.
        reported: Amount,
        /// Cost basis.
        allocated: Amount,
    },
    /// A grant was paid.
    GrantPaid {
        /// Asset.
        asset: Symbol,
        /// Amount.
        amount: Amount,
        /// Recipient.
        recipient: Account,
        /// Why.
        memo: String,
    },
    /// Governance acted with treasury tokens on another protocol.
    ExternalGovernanceRecorded {
        /// The contract or protocol.
        target: String,
        /// What was done.
        action: String,
        /// Treasury tokens whose weight was used.
        tokens: Vec<(Symbol, Amount)>,
    },
    /// Collateral was added below the target, for XMS plus bonus.
    Recollateralized {
        /// Who.
        caller: Account,
        /// Collateral asset.
        asset: Symbol,
        /// Amounts.
        trade: FraxTrade,
    },
    /// Excess collateral was bought with XMS (burned).
    BoughtBack {
        /// Who.
        caller: Account,
        /// Collateral asset.
        asset: Symbol,
        /// Amounts.
        trade: FraxTrade,
    },
    /// The Frax controller ran.
    RatioRefreshed(Refresh),
    /// Governance set the Frax collateral ratio directly.
    CollateralRatioSet {
        /// Ratio before.
        old: Ratio,
        /// Ratio after.
        new: Ratio,
    },
    /// Governance held redemption at a ratio of its own (`None`: back to the global ratio).
    RedemptionRatioSet {
        /// The redemption ratio before.
        old: Ratio,
        /// The ratio redemption is held at after, if any.
        new: Option<Ratio>,
    },
    /// A parameter changed.
    ParamChanged {
        /// New value.
        change: ParamChange,
        /// Previous value.
        previous: ParamChange,
    },
    /// Governance started a support-ratio ramp.
    SupportRampStarted {
        /// The ramp: from, to, start and end.
        ramp: crate::ramp::SupportRamp,
    },
    /// Governance stopped a ramp; the ratio stays where the ramp had reached.
    SupportRampStopped {
        /// The ratio in force from now on.
        ratio: crate::units::SupportRatio,
        /// The target the ramp was heading for.
        target: crate::units::SupportRatio,
    },
    /// A ramp reached its target (reported by the first operation at or after its end).
    SupportRampCompleted {
        /// The ratio now in force: the ramp's target.
        ratio: crate::units::SupportRatio,
        /// When it was reached.
        at: u64,
    },
    /// Something was paused.
    Paused {
        /// What.
        target: PauseTarget,
    },
    /// Something was unpaused.
    Unpaused {
        /// What.
        target: PauseTarget,
    },
    /// A feeder was authorised.
    FeederAdded {
        /// Feeder.
        feeder: Account,
    },
    /// A feeder was removed.
    FeederRemoved {
        /// Feeder.
        feeder: Account,
    },
    /// A governance transfer was proposed.
    GovernorProposed {
        /// Current governor.
        current: Account,
        /// Proposed successor.
        candidate: Account,
    },
    /// A pending governance transfer was withdrawn.
    GovernorProposalCancelled {
        /// The withdrawn candidate.
        candidate: Account,
    },
    /// The candidate accepted governance.
    GovernorAccepted {
        /// Previous governor.
        previous: Account,
        /// New governor.
        governor: Account,
    },
}

impl Event {
    /// The event's name, as in its serialized `event` tag (`"minted"`, `"epoch_rolled"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Genesis { .. } => "genesis",
            Event::AssetWhitelisted { .. } => "asset_whitelisted",
            Event::AssetUpdated { .. } => "asset_updated",
            Event::PricePosted { .. } => "price_posted",
            Event::EpochRolled(..) => "epoch_rolled",
            Event::Minted { .. } => "minted",
            Event::RedemptionRequested { .. } => "redemption_requested",
            Event::RedemptionCollected { .. } => "redemption_collected",
            Event::PoolCreated { .. } => "pool_created",
            Event::PoolRetired { .. } => "pool_retired",
            Event::PriceSourceSet { .. } => "price_source_set",
            Event::Swapped { .. } => "swapped",
            Event::LiquidityAdded { .. } => "liquidity_added",
            Event::LiquidityRemoved { .. } => "liquidity_removed",
            Event::PoolFeesSwept { .. } => "pool_fees_swept",
            Event::TreasuryLiquidityProvided { .. } => "treasury_liquidity_provided",
            Event::TreasuryLiquidityWithdrawn { .. } => "treasury_liquidity_withdrawn",
            Event::StrategyAllocated { .. } => "strategy_allocated",
            Event::StrategyRecalled { .. } => "strategy_recalled",
            Event::StrategyReported { .. } => "strategy_reported",
            Event::GrantPaid { .. } => "grant_paid",
            Event::ExternalGovernanceRecorded { .. } => "external_governance_recorded",
            Event::Recollateralized { .. } => "recollateralized",
            Event::BoughtBack { .. } => "bought_back",
            Event::RatioRefreshed(..) => "ratio_refreshed",
            Event::CollateralRatioSet { .. } => "collateral_ratio_set",
            Event::RedemptionRatioSet { .. } => "redemption_ratio_set",
            Event::ParamChanged { .. } => "param_changed",
            Event::SupportRampStarted { .. } => "support_ramp_started",
            Event::SupportRampStopped { .. } => "support_ramp_stopped",
            Event::SupportRampCompleted { .. } => "support_ramp_completed",
            Event::Paused { .. } => "paused",
            Event::Unpaused { .. } => "unpaused",
            Event::FeederAdded { .. } => "feeder_added",
            Event::FeederRemoved { .. } => "feeder_removed",
            Event::GovernorProposed { .. } => "governor_proposed",
            Event::GovernorProposalCancelled { .. } => "governor_proposal_cancelled",
            Event::GovernorAccepted { .. } => "governor_accepted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_matches_the_serialized_tag() {
        let e = Event::FeederAdded {
            feeder: Account::new("f"),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["event"], e.kind());
        let roll = Event::EpochRolled(EpochRoll {
            epoch: 1,
            started_at: 0,
            skipped: 0,
            average_mcap: None,
            supply_cap: None,
            support_ratio: crate::units::SupportRatio::bps(25_000),
        });
        assert_eq!(serde_json::to_value(&roll).unwrap()["event"], roll.kind());
    }
}
