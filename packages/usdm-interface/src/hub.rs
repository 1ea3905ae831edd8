//! The hub contract's messages.

use crate::asset::AssetInfo;
use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Binary, Checksum, Decimal, Uint128};
use cw20::Cw20ReceiveMsg;

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

/// Instantiates the hub. Then instantiate the USDm and XMS cw20 tokens with this hub as
/// minter (XMS with `xms_supply` in initial balances) and call `RegisterTokens`.
#[cw_serde]
pub struct InstantiateMsg {
    /// Governance address.
    pub governor: String,
    /// Addresses allowed to post prices.
    pub feeders: Vec<String>,
    /// `mars` (default design), `mars-guarded` (with circuit breakers) or `frax`.
    pub preset: String,
    /// Assets whitelisted at launch.
    pub assets: Vec<AssetMsg>,
    /// XMS in circulation at launch: the XMS token's initial supply.
    pub xms_supply: Uint128,
    /// The code (its checksum, as the chain reports it) of the Mars Swap pairs the hub may
    /// register; none until governance sets one with `set_pair_code`.
    #[serde(default)]
    pub pair_code: Option<Checksum>,
}

/// Contract migration (no state changes in this version).
#[cw_serde]
pub struct MigrateMsg {}

/// Hub actions.
#[cw_serde]
pub enum ExecuteMsg {
    /// One time, governance only: the USDm and XMS cw20 tokens whose minter is this hub.
    RegisterTokens {
        /// The USDm token.
        usdm: String,
        /// The XMS token.
        xms: String,
    },
    /// Mint USDm with native collateral sent as funds (exactly one coin of the asset's denom).
    /// Below ratio 1 the XMS to burn is taken with `BurnFrom`: approve the hub first.
    Mint {
        /// Collateral symbol.
        asset: String,
        /// Most XMS to burn.
        max_xms_in: Uint128,
        /// Least USDm accepted.
        min_usdm_out: Uint128,
    },
    /// cw20 hook: mint with cw20 collateral, redeem USDm, recollateralize, buy back, or return
    /// tokens from a strategy (see [`ReceiveMsg`]).
    Receive(Cw20ReceiveMsg),
    /// Pay out a pending redemption to its owner once its delay has passed (anyone may call).
    Collect {
        /// Redemption id.
        id: u64,
    },
    /// Feeders only: post a price.
    PostPrice {
        /// Token symbol (an asset, `XMS` or `USDm`).
        symbol: String,
        /// USD per whole token.
        price: Decimal,
        /// When the feeder observed it (unix seconds, not after the block time).
        observed_at: u64,
    },
    /// Run the Frax ratio controller (anyone, once per cooldown).
    RefreshRatio {},
    /// Roll epochs up to now.
    Poke {},
    /// Frax: add native collateral (funds) while below target, for XMS plus a bonus.
    Recollateralize {
        /// Collateral symbol.
        asset: String,
        /// Least XMS accepted.
        min_xms_out: Uint128,
    },
    /// Move a pair's accrued protocol fees into the treasury (anyone may call).
    SweepPoolFees {
        /// Pool id.
        pool: u32,
    },
    /// A strategy returns native tokens (funds) to the treasury; the sender is the strategy.
    ReturnFromStrategy {},
    /// Governance actions.
    Govern(GovMsg),
    /// The proposed governor accepts.
    AcceptGovernor {},
    /// Governance's treasury operations.
    TreasuryOp(TreasuryMsg),
}

/// What a cw20 `Send` to the hub asks for. The token sent is identified by the sending
/// contract, which must be the one recorded for the asset.
#[cw_serde]
pub enum ReceiveMsg {
    /// Mint with this cw20 collateral (or XMS as tier-5 collateral).
    Mint {
        /// Most XMS to burn (taken with `BurnFrom` below ratio 1).
        max_xms_in: Uint128,
        /// Least USDm accepted.
        min_usdm_out: Uint128,
    },
    /// Redeem the USDm sent.
    Redeem {
        /// Collateral to receive (required above ratio 0).
        asset: Option<String>,
        /// Least collateral accepted.
        min_collateral_out: Uint128,
        /// Least XMS accepted.
        min_xms_out: Uint128,
    },
    /// Frax: add this cw20 collateral while below target.
    Recollateralize {
        /// Least XMS accepted.
        min_xms_out: Uint128,
    },
    /// Frax: buy excess collateral with the XMS sent (burned).
    Buyback {
        /// Collateral symbol to receive.
        asset: String,
        /// Least collateral accepted.
        min_collateral_out: Uint128,
    },
    /// A strategy returns these cw20 tokens to the treasury.
    ReturnFromStrategy {},
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

/// Something that can be paused.
#[cw_serde]
pub enum PauseMsg {
    /// All minting.
    Mint {},
    /// Minting with one asset.
    MintAsset {
        /// The asset.
        symbol: String,
    },
    /// Redemption requests.
    Redeem {},
    /// The Frax controller.
    Refresh {},
    /// Treasury operations.
    TreasuryOps {},
    /// Frax recollateralization.
    Recollateralize {},
    /// Frax buyback.
    Buyback {},
}

/// A parameter change (see the core's `ParamChange` for bounds).
#[cw_serde]
pub enum ParamMsg {
    /// Epoch length in seconds (from the next epoch).
    EpochSeconds {
        /// Seconds, 10 to 86,400.
        value: u64,
    },
    /// XMS support ratio (2.5 = 250%).
    XmsSupportRatio {
        /// The multiple, 1 to 100 (100% to 10,000%).
        value: Decimal,
    },
    /// Maximum price age in seconds.
    MaxPriceAge {
        /// Seconds a price stays fresh.
        value: u64,
    },
    /// TWAP window in seconds.
    TwapWindow {
        /// Seconds averaged over.
        value: u64,
    },
    /// Redemption delay in blocks.
    RedemptionDelay {
        /// Blocks, 1 to 100,000.
        value: u64,
    },
    /// The least USDm one redemption may burn.
    MinRedemption {
        /// USDm base units, above 0 and at most 10,000 USDm.
        value: Uint128,
    },
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
    /// Frax step.
    CrStep {
        /// How far one refresh moves the ratio.
        value: Decimal,
    },
    /// Frax dead band.
    PriceBand {
        /// Distance from $1 within which a refresh leaves the ratio alone.
        value: Decimal,
    },
    /// Frax cooldown in seconds.
    RefreshCooldown {
        /// Seconds between refreshes, 60 to 604,800.
        value: u64,
    },
    /// Frax floor.
    MinCr {
        /// Lowest ratio the controller may reach.
        value: Decimal,
    },
    /// Frax recollateralization bonus.
    BonusRate {
        /// Bonus on the XMS paid for recollateralization.
        value: Decimal,
    },
    /// Redemption outflow breaker per epoch (share of circulating USDm; none = off).
    BreakerRedemptionOutflow {
        /// Share per epoch; none turns the breaker off.
        value: Option<Decimal>,
    },
    /// XMS-minted breaker per epoch (share of XMS supply; none = off).
    BreakerXmsMinted {
        /// Share per epoch; none turns the breaker off.
        value: Option<Decimal>,
    },
    /// The most a support-ratio ramp may move a day, as a share of its starting ratio.
    RampMaxDailyChange {
        /// Share a day, above 0 and at most 1 (default 0.1).
        value: Decimal,
    },
    /// The shortest support-ratio ramp.
    RampMinSeconds {
        /// Seconds, 3,600 to 2,592,000 (default 86,400).
        value: u64,
    },
    /// How the XMS a redemption mints is priced. The hub accepts only `protocol_favouring`:
    /// `twap` (Iron Finance's rule) exists in the core to study its failure.
    RedemptionSharePricing {
        /// The rule.
        value: SharePricingMsg,
    },
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

/// Hub queries.
#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// Tokens, pairs, assets, governance, policy and parameters.
    #[returns(ConfigResponse)]
    Config {},
    /// Spot and TWAP of a token now.
    #[returns(PriceResponse)]
    Price {
        /// Token symbol.
        symbol: String,
    },
    /// Treasury value by tier and asset, backing ratio, fees.
    #[returns(TreasuryResponse)]
    Treasury {},
    /// The supply cap, circulating USDm and headroom now.
    #[returns(SupplyCapResponse)]
    SupplyCap {},
    /// The XMS support ratio in force now, and the ramp moving it, if one runs.
    #[returns(SupportRatioResponse)]
    SupportRatio {},
    /// The largest deposit of an asset the share cap accepts now (none: unlimited).
    #[returns(MaxDepositResponse)]
    MaxDeposit {
        /// Asset symbol.
        asset: String,
    },
    /// What a mint of `amount` of `asset` would give now, with every check.
    #[returns(MintQuoteResponse)]
    QuoteMint {
        /// Collateral symbol.
        asset: String,
        /// Collateral in base units.
        amount: Uint128,
    },
    /// What redeeming `usdm` would give now, with every check.
    #[returns(RedeemQuoteResponse)]
    QuoteRedeem {
        /// USDm to burn, in base units.
        usdm: Uint128,
        /// Collateral to receive (none: XMS only, at ratio 0).
        asset: Option<String>,
    },
    /// Pending redemptions, oldest first: all, or one owner's; a page at a time.
    #[returns(PendingResponse)]
    PendingRedemptions {
        /// Only this owner's (none: all).
        owner: Option<String>,
        /// Ids after this one (the last id of the previous page).
        start_after: Option<u64>,
        /// At most this many (default 30, at most 100).
        limit: Option<u32>,
    },
    /// Supplies and protocol-owned USDm.
    #[returns(SuppliesResponse)]
    Supplies {},
}

/// Redemptions a page of `pending_redemptions` holds when no limit is given.
pub const DEFAULT_PAGE: u32 = 30;
/// The most a page holds.
pub const MAX_PAGE: u32 = 100;

/// A registered pair.
#[cw_serde]
pub struct PairInfo {
    /// Pool id in the protocol.
    pub pool: u32,
    /// Pair contract.
    pub address: String,
    /// Its tokens.
    pub tokens: [String; 2],
}

/// An asset's on-chain identity.
#[cw_serde]
pub struct AssetEntry {
    /// Symbol.
    pub symbol: String,
    /// Tier.
    pub tier: u8,
    /// Decimals.
    pub decimals: u8,
    /// Where it lives.
    pub info: AssetInfo,
}

/// Response to `Config`.
#[cw_serde]
pub struct ConfigResponse {
    /// USDm token, once registered.
    pub usdm_token: Option<String>,
    /// XMS token, once registered.
    pub xms_token: Option<String>,
    /// Governance address.
    pub governor: String,
    /// Proposed successor.
    pub pending_governor: Option<String>,
    /// Feeders.
    pub feeders: Vec<String>,
    /// `mars` or `frax` policy.
    pub policy: String,
    /// Current mint and redeem ratios.
    pub mint_ratio: Decimal,
    /// Redeem ratio.
    pub redeem_ratio: Decimal,
    /// Whitelisted assets.
    pub assets: Vec<AssetEntry>,
    /// Registered pairs.
    pub pairs: Vec<PairInfo>,
    /// Paused targets, as text.
    pub paused: Vec<String>,
    /// All parameters.
    pub params: ParamsResponse,
    /// The pair code accepted for registration (`set_pair_code`).
    pub pair_code: Option<Checksum>,
}

/// Every protocol parameter (the fields of `ParamMsg`, with the same units and bounds).
#[cw_serde]
pub struct ParamsResponse {
    /// Epoch length in seconds.
    pub epoch_seconds: u64,
    /// XMS support ratio (2.5 = 250%); while a ramp runs, its target (the ratio in force is
    /// the `support_ratio` query's).
    pub xms_support_ratio: Decimal,
    /// Seconds a price stays fresh.
    pub max_price_age: u64,
    /// TWAP window in seconds.
    pub twap_window: u64,
    /// Blocks between `redeem` and `collect`.
    pub redemption_delay: u64,
    /// The least USDm one redemption may burn (base units).
    pub min_redemption: Uint128,
    /// Maximum share of treasury value per tier, tier 1 first.
    pub tier_max_share: Vec<Decimal>,
    /// Mint fee per tier.
    pub tier_mint_fee: Vec<Decimal>,
    /// Redeem fee per tier.
    pub tier_redeem_fee: Vec<Decimal>,
    /// Frax: how far one refresh moves the ratio.
    pub cr_step: Decimal,
    /// Frax: dead band around $1.
    pub price_band: Decimal,
    /// Frax: seconds between refreshes.
    pub refresh_cooldown: u64,
    /// Frax: lowest ratio the controller may reach.
    pub min_cr: Decimal,
    /// Frax: recollateralization bonus.
    pub bonus_rate: Decimal,
    /// Breaker: USDm redeemed per epoch as a share of circulating USDm (none: off).
    pub breaker_redemption_outflow: Option<Decimal>,
    /// Breaker: XMS minted per epoch as a share of its supply (none: off).
    pub breaker_xms_minted: Option<Decimal>,
    /// The most a support-ratio ramp may move a day, as a share of the lower of its ends.
    pub ramp_max_daily_change: Decimal,
    /// The shortest support-ratio ramp, in seconds.
    pub ramp_min_seconds: u64,
}

/// Response to `Price`.
#[cw_serde]
pub struct PriceResponse {
    /// Latest price.
    pub spot: Decimal,
    /// Time-weighted average.
    pub twap: Decimal,
}

/// One asset's place in the treasury.
#[cw_serde]
pub struct PositionResponse {
    /// Symbol.
    pub symbol: String,
    /// Tier.
    pub tier: u8,
    /// Idle tokens.
    pub idle: Uint128,
    /// In strategies.
    pub in_strategies: Uint128,
    /// In pools.
    pub in_pools: Uint128,
    /// Owed to pending redemptions.
    pub escrow: Uint128,
    /// Value in USD.
    pub value: Decimal,
}

/// Response to `Treasury`.
#[cw_serde]
pub struct TreasuryResponse {
    /// Total value in USD.
    pub total_value: Decimal,
    /// Value per tier, tier 1 first.
    pub by_tier: Vec<Decimal>,
    /// Positions.
    pub positions: Vec<PositionResponse>,
    /// Treasury value / circulating USDm (none with no USDm in circulation).
    pub backing_ratio: Option<Decimal>,
    /// Mint fees kept (USD).
    pub mint_fees: Decimal,
    /// Redeem fees kept (USD).
    pub redeem_fees: Decimal,
}

/// Response to `SupplyCap`.
#[cw_serde]
pub struct SupplyCapResponse {
    /// Current epoch.
    pub epoch: u64,
    /// Seconds to the next epoch.
    pub seconds_to_next_epoch: u64,
    /// Previous epoch's average XMS market cap (USD).
    pub average_xms_mcap: Option<Decimal>,
    /// This epoch's cap (USDm).
    pub supply_cap: Option<Uint128>,
    /// Circulating USDm.
    pub circulating_usdm: Uint128,
    /// What may still be minted this epoch.
    pub headroom: Uint128,
}

/// Response to `SupportRatio`.
#[cw_serde]
pub struct SupportRatioResponse {
    /// The ratio in force now (2.5 = 250%); the next epoch's cap uses the ratio at its start.
    pub ratio: Decimal,
    /// The running ramp, if any.
    pub ramp: Option<SupportRampInfo>,
}

/// A support-ratio ramp: a straight line from `from` at `start` to `to` at `end`.
#[cw_serde]
pub struct SupportRampInfo {
    /// The ratio it started from.
    pub from: Decimal,
    /// The target.
    pub to: Decimal,
    /// When it started (unix seconds).
    pub start: u64,
    /// When it reaches the target (unix seconds).
    pub end: u64,
}

/// Response to `MaxDeposit`.
#[cw_serde]
pub struct MaxDepositResponse {
    /// Largest deposit accepted now; none means unlimited.
    pub max_deposit: Option<Uint128>,
}

/// Response to `QuoteMint`.
#[cw_serde]
pub struct MintQuoteResponse {
    /// Ratio used.
    pub cr: Decimal,
    /// XMS to burn.
    pub xms_in: Uint128,
    /// USDm out.
    pub usdm_out: Uint128,
    /// Fee kept (USD).
    pub fee: Decimal,
}

/// Response to `QuoteRedeem`.
#[cw_serde]
pub struct RedeemQuoteResponse {
    /// Ratio used.
    pub cr: Decimal,
    /// Collateral out.
    pub collateral_out: Uint128,
    /// XMS out.
    pub xms_out: Uint128,
    /// Fee kept (USD).
    pub fee: Decimal,
}

/// A pending redemption.
#[cw_serde]
pub struct PendingRedemption {
    /// Id.
    pub id: u64,
    /// Owner.
    pub owner: String,
    /// Collateral asset.
    pub asset: Option<String>,
    /// Collateral owed.
    pub collateral: Uint128,
    /// XMS owed.
    pub xms: Uint128,
    /// First collectable block height.
    pub ready_at: u64,
}

/// Response to `PendingRedemptions`.
#[cw_serde]
pub struct PendingResponse {
    /// Pending redemptions, oldest first.
    pub redemptions: Vec<PendingRedemption>,
    /// The `start_after` of the next page, if there may be one.
    pub next: Option<u64>,
}

/// Response to `Supplies`.
#[cw_serde]
pub struct SuppliesResponse {
    /// Total USDm.
    pub usdm: Uint128,
    /// Circulating USDm.
    pub circulating_usdm: Uint128,
    /// Protocol-owned USDm.
    pub protocol_owned_usdm: Uint128,
    /// Total XMS.
    pub xms: Uint128,
    /// Circulating XMS.
    pub circulating_xms: Uint128,
}
