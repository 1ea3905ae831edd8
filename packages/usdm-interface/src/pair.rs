//! The Mars Swap pair contract's messages.

use crate::asset::AssetInfo;
use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Decimal, Uint128};
use cw20::Cw20ReceiveMsg;

/// One side of a pair.
#[cw_serde]
pub struct PairToken {
    /// Protocol symbol (`USDm`, `XMS`, `USDC`, ...).
    pub symbol: String,
    /// Decimals of its base unit.
    pub decimals: u8,
    /// Where it lives on chain.
    pub info: AssetInfo,
}

/// Instantiates a constant-product pair.
#[cw_serde]
pub struct InstantiateMsg {
    /// The two tokens.
    pub tokens: [PairToken; 2],
    /// Who receives the protocol's 0.05% of swap fees (the hub), and may sweep them.
    pub fee_recipient: String,
    /// Checkpoint spacing for TWAPs: the window the hub averages over, in seconds.
    pub twap_window: u64,
}

/// Contract migration (no state changes in this version).
#[cw_serde]
pub struct MigrateMsg {}

/// Pair actions.
#[cw_serde]
pub enum ExecuteMsg {
    /// Deposit at most `max` (pool token order): native tokens as funds, cw20 tokens taken with
    /// `TransferFrom` (approve the pair first). Mints at least `min_shares` shares.
    ProvideLiquidity {
        /// Most of each token.
        max: [Uint128; 2],
        /// Least shares accepted.
        min_shares: Uint128,
    },
    /// Burn shares for the reserves they claim.
    WithdrawLiquidity {
        /// Shares to burn.
        shares: Uint128,
        /// Least of each token accepted.
        min: [Uint128; 2],
    },
    /// Sell a native token sent as funds.
    Swap {
        /// Least accepted out.
        min_out: Uint128,
    },
    /// cw20 hook: sell the cw20 token sent (see [`ReceiveMsg`]).
    Receive(Cw20ReceiveMsg),
    /// Fee recipient only: send the accrued protocol fees to it.
    SweepFees {},
}

/// What a cw20 `Send` to the pair asks for.
#[cw_serde]
pub enum ReceiveMsg {
    /// Sell the tokens sent.
    Swap {
        /// Least accepted out.
        min_out: Uint128,
    },
}

/// Pair queries.
#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    /// Tokens, reserves, shares and fees.
    #[returns(PoolResponse)]
    Pool {},
    /// The two tokens with their on-chain identity (a JSON array of two).
    #[returns((PairToken, PairToken))]
    Tokens {},
    /// Tokens, fee recipient and TWAP window: what the hub checks before trusting a pair.
    #[returns(PairConfigResponse)]
    Config {},
    /// Shares held by an address.
    #[returns(Uint128)]
    Shares {
        /// The provider.
        address: String,
    },
    /// What selling `amount` of `offer` would give now.
    #[returns(SimulationResponse)]
    Simulate {
        /// Symbol of the token sold.
        offer: String,
        /// Base units sold.
        amount: Uint128,
    },
    /// Spot and time-weighted price of `symbol` in units of the other token.
    #[returns(TwapResponse)]
    Twap {
        /// The token priced.
        symbol: String,
        /// Seconds to average over.
        window: u64,
    },
}

/// Response to `Config`.
#[cw_serde]
pub struct PairConfigResponse {
    /// The two tokens.
    pub tokens: [PairToken; 2],
    /// Who receives and may sweep protocol fees.
    pub fee_recipient: String,
    /// TWAP checkpoint window in seconds.
    pub twap_window: u64,
}

/// Response to `Pool`.
#[cw_serde]
pub struct PoolResponse {
    /// Symbols.
    pub tokens: [String; 2],
    /// Reserves.
    pub reserves: [Uint128; 2],
    /// All shares, including the locked minimum.
    pub total_shares: Uint128,
    /// Protocol fees not yet swept.
    pub protocol_fees: [Uint128; 2],
}

/// Response to `Simulate`.
#[cw_serde]
pub struct SimulationResponse {
    /// Amount out.
    pub amount_out: Uint128,
    /// Whole fee, in the token sold.
    pub fee: Uint128,
    /// The protocol's part of it.
    pub protocol_fee: Uint128,
}

/// Response to `Twap`.
#[cw_serde]
pub struct TwapResponse {
    /// Price from reserves now.
    pub spot: Decimal,
    /// Time-weighted average over at least the window.
    pub twap: Decimal,
}

/// The pair's storage, which the hub reads directly (raw queries, no contract call): the pool
/// without its providers (`shares` kept empty) and without its price histories, each
/// checkpoint under its own key, and each provider's shares under theirs. Part of the pair's
/// interface: changing it is a breaking change for the hub.
pub mod layout {
    use cosmwasm_std::{Addr, Uint128};
    use cw_storage_plus::{Item, Map};
    use usdm_core::prices::Checkpoint;
    use usdm_core::swap::Pool;

    /// The pool: tokens, reserves, total shares, protocol fees, the two price heads, the TWAP
    /// window its checkpoints are spaced for.
    pub const POOL: Item<Pool> = Item::new("pool");
    /// Checkpoints by (side, ring slot).
    pub const CHECKPOINTS: Map<(u8, u8), Checkpoint> = Map::new("checkpoints");
    /// Liquidity shares by provider.
    pub const SHARES: Map<&Addr, Uint128> = Map::new("shares");
}
