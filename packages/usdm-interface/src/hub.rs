//! The hub contract's messages.

use crate::asset::AssetInfo;
use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Binary, Checksum, Decimal, Uint128};
use cw20::Cw20ReceiveMsg;

/// Instantiates the hub. Then instantiate the `usdm-governance` contract for this hub and call
/// `register_governance`; instantiate the USDm and XMS cw20 tokens with this hub as minter (XMS
/// with `xms_supply` in initial balances) and register them through the governance contract
/// (`register_tokens`); whitelist the assets through it too.
#[cw_serde]
pub struct InstantiateMsg {
    /// Governance address.
    pub governor: String,
    /// Addresses allowed to post prices.
    pub feeders: Vec<String>,
    /// `mars` (default design), `mars-guarded` (with circuit breakers) or `frax`.
    pub preset: String,
    /// XMS in circulation at launch: the XMS token's initial supply.
    pub xms_supply: Uint128,
    /// The code (its checksum, as the chain reports it) of the Mars Swap pairs the hub may
    /// register; none until governance sets one with `set_pair_code`.
    #[serde(default)]
    pub pair_code: Option<Checksum>,
    /// The code (its checksum) the governance contract must run: `register_governance` accepts
    /// only a contract of this code whose admin is the hub's own (or none), since the hub
    /// applies whatever that contract decides.
    pub governance_code: Checksum,
}

/// Contract migration. From 0.1 or 0.2 (through `usdm-hub-migrator`) to this version it names
/// the governance contract's code, as `InstantiateMsg::governance_code`; otherwise it may
/// change it (the hub's admin decides, as for the hub's own code).
#[cw_serde]
#[derive(Default)]
pub struct MigrateMsg {
    /// The code the governance contract must run (see `InstantiateMsg::governance_code`).
    #[serde(default)]
    pub governance_code: Option<Checksum>,
}

/// Hub actions.
#[cw_serde]
pub enum ExecuteMsg {
    /// One time, governance only: the `usdm-governance` contract instantiated for this hub
    /// (running `governance_code`, under no admin but the hub's), through which governance
    /// acts from then on, the tokens' registration first (`register_tokens`).
    RegisterGovernance {
        /// The governance contract.
        contract: String,
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
    /// The registered governance contract only: what a governance action or treasury
    /// operation it ran decided, for the hub to store and send.
    Apply(ApplyMsg),
}

/// What a governance action or treasury operation run by the `usdm-governance` contract
/// decided: the writes it made to its view of the hub's storage, the messages the hub sends
/// (with the hub's tokens and authority), and the events and attributes of the hub's response.
#[cw_serde]
pub struct ApplyMsg {
    /// Storage writes, in order.
    pub writes: Vec<StorageWrite>,
    /// Messages the hub sends, in order.
    pub messages: Vec<HubMsg>,
    /// Attributes of the hub's response.
    pub attributes: Vec<cosmwasm_std::Attribute>,
    /// Events of the hub's response.
    pub events: Vec<cosmwasm_std::Event>,
}

/// One storage write: a value, or a removal.
#[cw_serde]
pub struct StorageWrite {
    /// The key.
    pub key: Binary,
    /// The value; none removes the key.
    pub value: Option<Binary>,
}

/// A message the hub sends for governance.
#[cw_serde]
pub enum HubMsg {
    /// Send native tokens.
    Send {
        /// Recipient.
        to: String,
        /// Coins.
        amount: Vec<cosmwasm_std::Coin>,
    },
    /// Execute a contract.
    Execute {
        /// The contract.
        contract: String,
        /// The message.
        msg: Binary,
        /// Coins sent with it.
        funds: Vec<cosmwasm_std::Coin>,
    },
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
    /// The governance contract (governance actions and treasury operations go there), once
    /// registered.
    pub governance: Option<String>,
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
