//! The `usdm-governance` contract's messages: governance actions and treasury operations, which
//! the governor sends here rather than to the hub. The contract runs the hub's own code for
//! them (the protocol core included) on its view of the hub's storage, read through raw
//! queries, and asks the hub to apply the outcome (`usdm_interface::hub::ExecuteMsg::Apply`).
//! Apart from the hub because these rarely used surfaces would not fit in it with room to
//! spare under a chain's code-size limit.

use crate::asset::AssetInfo;
use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Binary, Checksum, Decimal, Uint128};

/// A whitelisted asset: its protocol symbol and settings, and where it lives on chain.
#[cw_serde]
pub struct AssetMsg {
    /// Protocol symbol (1-16 letters, digits, `.`, `_`, `-`).
    pub symbol: String,
    /// Decimals of its base unit.
    pub decimals: u8,
    /// Volatility tier, 1 (stablecoins) to 5 (XMS).
    pub tier: u8,
    /// The native denom or cw20 contract.
    pub info: AssetInfo,
    /// Override of the tier's maximum share of treasury value.
    pub max_share: Option<Decimal>,
    /// Override of the tier's mint fee.
    pub mint_fee: Option<Decimal>,
    /// Override of the tier's redeem fee.
    pub redeem_fee: Option<Decimal>,
}

/// Instantiates the governance contract of one hub.
#[cw_serde]
pub struct InstantiateMsg {
    /// The hub it governs (which then registers it with `register_governance`).
    pub hub: String,
}

/// Contract migration (no state changes in this version).
#[cw_serde]
pub struct MigrateMsg {}

/// Governance's messages.
#[cw_serde]
pub enum ExecuteMsg {
    /// Governance actions (the hub's governor only).
    Govern(GovMsg),
    /// The proposed governor accepts.
    AcceptGovernor {},
    /// Treasury operations (the hub's governor only).
    TreasuryOp(TreasuryMsg),
}

/// Governance contract queries.
#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// The hub it governs.
    #[returns(ConfigResponse)]
    Config {},
}

/// Response to `Config`.
#[cw_serde]
pub struct ConfigResponse {
    /// The hub.
    pub hub: String,
}

/// A per-asset override: a value, or back to the tier default.
#[cw_serde]
pub enum Override {
    /// Use this value.
    Set {
        /// The value.
        value: Decimal,
    },
    /// Use the tier's default.
    TierDefault {},
}

/// Something that can be paused: `"mint"`, or `{"mint_asset": "BTC"}`.
#[cw_serde]
pub enum PauseMsg {
    /// All minting.
    Mint,
    /// Minting with one asset (its symbol).
    MintAsset(String),
    /// Redemption requests.
    Redeem,
    /// The Frax controller.
    Refresh,
    /// Treasury operations.
    TreasuryOps,
    /// Frax recollateralization.
    Recollateralize,
    /// Frax buyback.
    Buyback,
}

/// A parameter change (see the core's `ParamChange` for bounds): `{"twap_window": 900}`.
#[cw_serde]
pub enum ParamMsg {
    /// Epoch length in seconds (from the next epoch): seconds, 10 to 86,400.
    EpochSeconds(u64),
    /// XMS support ratio (2.5 = 250%): the multiple, 1 to 100 (100% to 10,000%).
    XmsSupportRatio(Decimal),
    /// Maximum price age in seconds: seconds a price stays fresh.
    MaxPriceAge(u64),
    /// TWAP window in seconds: seconds averaged over.
    TwapWindow(u64),
    /// Redemption delay in blocks: blocks, 1 to 100,000.
    RedemptionDelay(u64),
    /// The least USDm one redemption may burn: in USDm base units, above 0 and at most 10,000 USDm.
    MinRedemption(Uint128),
    /// A tier's maximum share.
    TierMaxShare {
        /// Tier, 1 to 5.
        tier: u8,
        /// Share of treasury value, 0 to 1.
        value: Decimal,
    },
    /// A tier's mint fee.
    TierMintFee {
        /// Tier, 1 to 5.
        tier: u8,
        /// Fee, at most 10%.
        value: Decimal,
    },
    /// A tier's redeem fee.
    TierRedeemFee {
        /// Tier, 1 to 5.
        tier: u8,
        /// Fee, at most 10%.
        value: Decimal,
    },
    /// Frax step: how far one refresh moves the ratio.
    CrStep(Decimal),
    /// Frax dead band: distance from $1 within which a refresh leaves the ratio alone.
    PriceBand(Decimal),
    /// Frax cooldown in seconds: seconds between refreshes, 60 to 604,800.
    RefreshCooldown(u64),
    /// Frax floor: lowest ratio the controller may reach.
    MinCr(Decimal),
    /// Frax recollateralization bonus: bonus on the XMS paid for recollateralization.
    BonusRate(Decimal),
    /// Redemption outflow breaker per epoch (share of circulating USDm; none = off): share per epoch; none turns the breaker off.
    BreakerRedemptionOutflow(Option<Decimal>),
    /// XMS-minted breaker per epoch (share of XMS supply; none = off): share per epoch; none turns the breaker off.
    BreakerXmsMinted(Option<Decimal>),
    /// The most a support-ratio ramp may move a day, as a share of its starting ratio: share a day, above 0 and at most 1 (default 0.1).
    RampMaxDailyChange(Decimal),
    /// The shortest support-ratio ramp: seconds, 3,600 to 2,592,000 (default 86,400).
    RampMinSeconds(u64),
    /// How the XMS a redemption mints is priced. The hub accepts only `protocol_favouring`:
    /// `twap` (Iron Finance's rule) exists in the core to study its failure: the rule.
    RedemptionSharePricing(SharePricingMsg),
}

/// How the XMS a redemption mints is priced.
#[cw_serde]
pub enum SharePricingMsg {
    /// max(spot, TWAP): the default, and the only rule the hub accepts.
    ProtocolFavouring,
    /// The TWAP alone: refused (it pays out more XMS than it should while XMS rises).
    Twap,
}

/// Governance actions.
#[cw_serde]
pub enum GovMsg {
    /// One time: the USDm and XMS cw20 tokens, instantiated with the hub as their minter (no
    /// cap, 18 decimals, no USDm yet, the XMS supply the hub was instantiated with). A hub
    /// upgraded from 0.1 or 0.2 has its tokens already.
    RegisterTokens {
        /// The USDm token.
        usdm: String,
        /// The XMS token.
        xms: String,
    },
    /// Propose a successor (two-step: they accept).
    ProposeGovernor {
        /// The proposed governor, who must accept.
        candidate: String,
    },
    /// Withdraw a proposal.
    CancelGovernorProposal {},
    /// Authorise a feeder.
    AddFeeder {
        /// The feeder's address.
        feeder: String,
    },
    /// Remove a feeder.
    RemoveFeeder {
        /// The feeder's address.
        feeder: String,
    },
    /// Whitelist an asset.
    WhitelistAsset {
        /// The asset, its settings and where it lives.
        asset: AssetMsg,
    },
    /// Change an asset's overrides and flags.
    UpdateAsset {
        /// The asset.
        symbol: String,
        /// New max-share override.
        max_share: Option<Override>,
        /// New mint-fee override.
        mint_fee: Option<Override>,
        /// New redeem-fee override.
        redeem_fee: Option<Override>,
        /// Whether it may be deposited to mint.
        mint_enabled: Option<bool>,
        /// Whether redemptions may pay it out.
        redeem_enabled: Option<bool>,
    },
    /// Change a parameter.
    SetParam {
        /// The parameter and its new value.
        param: ParamMsg,
    },
    /// Frax: set the collateral ratio directly.
    SetCollateralRatio {
        /// The new ratio, within the Frax bounds.
        cr: Decimal,
    },
    /// Register a Mars Swap pair contract. The hub checks that it runs the accepted pair code
    /// (`set_pair_code`), its tokens (USDm, XMS or whitelisted assets, with the protocol's
    /// contracts, denoms and decimals), that the hub is its fee recipient, that its TWAP window
    /// covers the protocol's (at most 4 times it), and that it has no admin other than the hub
    /// (so its code cannot be swapped later).
    RegisterPair {
        /// The pair contract's address.
        pair: String,
    },
    /// Accept pairs running this code (its checksum) for registration from now on, or none.
    /// Pairs registered already are not affected.
    SetPairCode {
        /// The code's checksum (hex), as `wasmd query wasm code-info` reports it.
        checksum: Option<Checksum>,
    },
    /// Retire a registered pair's pool and stop mirroring it; its protocol fees are swept in
    /// the same message. Refused while the pool prices a token or the treasury holds shares in
    /// it. The pair may be registered again later, as a new pool.
    UnregisterPair {
        /// The pool id the hub gave the pair.
        pool: u32,
    },
    /// Price a token from a registered pool (`pool`) or from feed posts (`None`).
    SetPriceSource {
        /// The token to price.
        symbol: String,
        /// A registered pool, or none for feed posts.
        pool: Option<u32>,
    },
    /// Move the XMS support ratio from where it is to `to` in a straight line over `seconds`
    /// (at least `ramp_min_seconds`, at most a year, and no faster than `ramp_max_daily_change`
    /// of the current ratio a day). Each epoch's cap uses the ratio on the line at the epoch's
    /// start. One ramp at a time; `set_param` of the ratio is refused while it runs.
    StartSupportRamp {
        /// The target multiple (4 = 400%), 1 to 100.
        to: Decimal,
        /// The ramp's length in seconds.
        seconds: u64,
    },
    /// Stop the running ramp: the ratio stays where the ramp has reached.
    StopSupportRamp {},
    /// Pause something.
    Pause {
        /// What to pause.
        target: PauseMsg,
    },
    /// Unpause something.
    Unpause {
        /// What to unpause.
        target: PauseMsg,
    },
}

/// A token amount named by symbol.
#[cw_serde]
pub struct TokenAmount {
    /// Symbol.
    pub symbol: String,
    /// Base units.
    pub amount: Uint128,
}

/// Governance's treasury operations.
#[cw_serde]
pub enum TreasuryMsg {
    /// Pair up to `asset_amount` of the pool's treasury asset with newly minted USDm of equal
    /// oracle value in a registered USDm pair (only near the oracle price).
    ProvideLiquidity {
        /// The registered pair's pool id.
        pool: u32,
        /// Most of the treasury asset to pair, in base units.
        asset_amount: Uint128,
    },
    /// Burn treasury shares of a pair: the asset returns, the USDm is burned.
    WithdrawLiquidity {
        /// The registered pair's pool id.
        pool: u32,
        /// Treasury liquidity shares to burn.
        shares: Uint128,
    },
    /// Send idle tokens to a strategy (the strategy's address is its name).
    Allocate {
        /// The strategy, named by its address.
        strategy: String,
        /// Asset symbol.
        asset: String,
        /// Base units to send.
        amount: Uint128,
    },
    /// Record a strategy's current balance.
    Report {
        /// The strategy, named by its address.
        strategy: String,
        /// Asset symbol.
        asset: String,
        /// What the strategy holds now, in base units.
        balance: Uint128,
    },
    /// Pay a grant.
    Grant {
        /// Asset symbol.
        asset: String,
        /// Base units to pay.
        amount: Uint128,
        /// Who receives it.
        recipient: String,
        /// Why, for the record.
        memo: String,
    },
    /// Execute a governance-approved message on another contract, acting with the weight of
    /// treasury-held tokens, and record it.
    ExternalGovernance {
        /// The contract.
        contract: String,
        /// The message to execute.
        msg: Binary,
        /// What it does, for the record.
        description: String,
        /// Treasury tokens whose weight is used.
        tokens: Vec<TokenAmount>,
    },
}
