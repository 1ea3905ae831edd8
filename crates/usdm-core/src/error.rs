//! Every way an operation can be refused. Each variant carries what the caller needs to fix the
//! request: the headroom left, the amount required, the stale feed and its age.
//!
//! A refused operation leaves the protocol state exactly as it was.

use crate::ids::{Account, Symbol};
use crate::math::DecimalError;
use crate::time::BlockTime;
use crate::units::{Price, Quantity, Ratio, Usd};

/// Why the protocol refused an operation or an input.
///
/// Token quantities are boxed so that `Result<T, Error>` stays small on the hot path, where
/// errors are the exception.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // ---- input -------------------------------------------------------------------------
    /// A subtraction would go below zero; nothing was changed.
    #[error("{0} would go below zero")]
    Underflow(&'static str),
    /// A number could not be parsed.
    #[error("bad number: {0}")]
    BadNumber(#[from] DecimalError),
    /// A computation exceeded the representable range; nothing was changed.
    #[error("arithmetic overflow computing {0}")]
    Overflow(&'static str),
    /// An amount that must be positive was zero.
    #[error("{what} must be greater than zero")]
    ZeroAmount {
        /// Which amount.
        what: &'static str,
    },
    /// A ratio outside [0, 1].
    #[error("ratio {value} is outside [0, 1]")]
    RatioOutOfRange {
        /// The refused value, as a decimal fraction.
        value: String,
    },
    /// A parameter outside its accepted range.
    #[error("invalid {name} = {value}; accepted: {accepted}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Refused value.
        value: String,
        /// What would be accepted.
        accepted: &'static str,
    },
    /// A symbol with characters or a length the core does not accept.
    #[error("invalid asset symbol '{0}': use 1 to 16 ASCII letters, digits, '.', '_' or '-'")]
    InvalidSymbol(String),
    /// Operations must be applied in block order.
    #[error("time went backwards: last operation at {last}, this one at {now}")]
    TimeWentBackwards {
        /// The latest block already applied.
        last: BlockTime,
        /// The refused block.
        now: BlockTime,
    },

    // ---- assets ------------------------------------------------------------------------
    /// The symbol is not a whitelisted asset (or, for prices, not a known token).
    #[error("unknown asset {symbol}; whitelisted: {known}")]
    UnknownAsset {
        /// The refused symbol.
        symbol: Symbol,
        /// The symbols that would be accepted, comma-separated.
        known: String,
    },
    /// Whitelisting a symbol twice.
    #[error("asset {symbol} is already whitelisted")]
    AssetAlreadyListed {
        /// The symbol.
        symbol: Symbol,
    },
    /// USDm cannot back itself.
    #[error("USDm cannot be whitelisted as collateral for itself")]
    UsdmAsCollateral,
    /// The asset's configuration disables minting with it.
    #[error("minting with {symbol} is disabled for this asset")]
    MintDisabled {
        /// The asset.
        symbol: Symbol,
    },
    /// Under the Frax policy XMS is the share token that fractional mints burn; held by the
    /// treasury it would back nothing (collateral value excludes it), so it is not collateral.
    #[error("XMS is not accepted as collateral under the Frax policy (it is the share token fractional mints burn); deposit a collateral asset")]
    ShareTokenNotCollateral,
    /// The asset's configuration disables redeeming into it.
    #[error("redeeming into {symbol} is disabled for this asset")]
    RedeemDisabled {
        /// The asset.
        symbol: Symbol,
    },

    // ---- prices ------------------------------------------------------------------------
    /// A price of zero was offered.
    #[error("price must be greater than zero")]
    ZeroPrice,
    /// An operation needs a price that was never posted.
    #[error("no price has been posted for {symbol}")]
    MissingPrice {
        /// The token.
        symbol: Symbol,
    },
    /// An operation needs a price older than `max_price_age`.
    #[error("price of {symbol} is stale: {age}s old, at most {max_age}s accepted")]
    StalePrice {
        /// The token.
        symbol: Symbol,
        /// Seconds since the feeder observed it.
        age: u64,
        /// The accepted maximum.
        max_age: u64,
    },
    /// A feeder posted an observation time after the current block.
    #[error("price of {symbol} observed at t={observed_at}s is in the future (block time {now}s)")]
    PriceFromFuture {
        /// The token.
        symbol: Symbol,
        /// The posted observation time.
        observed_at: u64,
        /// The block time.
        now: u64,
    },
    /// A feeder posted an observation older than the one already held.
    #[error("price of {symbol} observed at t={observed_at}s is older than the current one (t={latest}s)")]
    PriceOutOfOrder {
        /// The token.
        symbol: Symbol,
        /// The posted observation time.
        observed_at: u64,
        /// The observation time already held.
        latest: u64,
    },

    // ---- mint --------------------------------------------------------------------------
    /// Minting is paused globally.
    #[error("minting is paused by governance (redemption stays open)")]
    MintPaused,
    /// Minting with this asset is paused.
    #[error("minting with {symbol} is paused by governance")]
    AssetMintPaused {
        /// The asset.
        symbol: Symbol,
    },
    /// The mint input does not fit the current collateral ratio.
    #[error("{reason} at collateral ratio {cr}")]
    WrongMintInput {
        /// The ratio in force.
        cr: Ratio,
        /// What is wrong and what to send instead.
        reason: &'static str,
    },
    /// The mint needs more XMS than the caller allowed.
    #[error("mint needs {required} to be burned but at most {max} was allowed")]
    XmsLimitExceeded {
        /// XMS the mint requires.
        required: Box<Quantity>,
        /// The caller's limit.
        max: Box<Quantity>,
    },
    /// The output is below the caller's minimum.
    #[error("output {out} is below the minimum {min} you accepted")]
    SlippageExceeded {
        /// What the operation would give.
        out: Box<Quantity>,
        /// The caller's minimum.
        min: Box<Quantity>,
    },
    /// The output would round to nothing.
    #[error("amount too small: it would give 0 {what}")]
    OutputTooSmall {
        /// The output token.
        what: &'static str,
    },
    /// The deposit would push the asset above its maximum share of treasury value.
    #[error(
        "deposit of {requested} would lift {symbol} above its {max_share} share of treasury value; \
         at most {max_deposit} is accepted now"
    )]
    ShareCapExceeded {
        /// The asset.
        symbol: Symbol,
        /// Its maximum share.
        max_share: Ratio,
        /// The refused deposit.
        requested: Box<Quantity>,
        /// The largest deposit that would be accepted.
        max_deposit: Box<Quantity>,
    },
    /// The mint would lift circulating USDm above the epoch's supply cap.
    #[error(
        "mint of {} USDm exceeds this epoch's supply cap of {} USDm; headroom left: {} USDm",
        requested.to_decimal(), cap.to_decimal(), headroom.to_decimal()
    )]
    SupplyCapExceeded {
        /// USDm the mint would create.
        requested: Usd,
        /// The epoch's cap.
        cap: Usd,
        /// What may still be minted this epoch.
        headroom: Usd,
    },
    /// No supply cap is known yet, so minting fails closed.
    #[error("no supply cap for epoch {epoch}: {reason}; minting resumes after an epoch with a fresh XMS price")]
    NoSupplyCap {
        /// The current epoch.
        epoch: u64,
        /// Why there is no average market cap.
        reason: &'static str,
    },

    // ---- redeem ------------------------------------------------------------------------
    /// Redemption is paused.
    #[error("redemption is paused by governance")]
    RedeemPaused,
    /// A redemption at a positive ratio must name the collateral wanted.
    #[error("redemption at collateral ratio {cr} pays collateral: name the asset to receive")]
    AssetRequired {
        /// The ratio in force.
        cr: Ratio,
    },
    /// The treasury holds less of the asset than the redemption would pay.
    #[error("treasury holds {available} but the redemption needs {requested}; nothing was burned")]
    InsufficientTreasury {
        /// What the redemption would pay.
        requested: Box<Quantity>,
        /// What the treasury holds, not counting collateral owed to pending redemptions.
        available: Box<Quantity>,
    },
    /// More tokens burned than exist in circulation.
    #[error("{requested} is more than the {supply} in circulation")]
    ExceedsSupply {
        /// What the operation would burn.
        requested: Box<Quantity>,
        /// What circulates.
        supply: Box<Quantity>,
    },
    /// No pending redemption with that id.
    #[error("no pending redemption with id {id}")]
    UnknownRedemption {
        /// The id asked for.
        id: u64,
    },
    /// Collecting before the redemption delay has passed.
    #[error("redemption {id} can be collected from block {ready_at}; this is block {height} ({} blocks to wait)", ready_at - height)]
    RedemptionNotReady {
        /// The redemption.
        id: u64,
        /// First block at which it can be collected.
        ready_at: u64,
        /// The current block.
        height: u64,
    },

    // ---- ratio policy ------------------------------------------------------------------
    /// The Frax controller is paused.
    #[error("collateral ratio refresh is paused by governance")]
    RefreshPaused,
    /// The Frax controller was called too soon.
    #[error("collateral ratio refresh is cooling down until t={next_at}s ({} s from now)", next_at - now)]
    RefreshCooldown {
        /// Earliest time of the next refresh.
        next_at: u64,
        /// The current time.
        now: u64,
    },
    /// The operation only exists under the Frax policy.
    #[error("this deployment uses the Mars ratio policy; {operation} needs the Frax policy")]
    NotFraxPolicy {
        /// The refused operation.
        operation: &'static str,
    },

    // ---- governance --------------------------------------------------------------------
    /// The caller lacks the role the operation needs.
    #[error("{caller} is not allowed to {action}: only {required} may")]
    Unauthorized {
        /// Who called.
        caller: Account,
        /// What they tried.
        action: &'static str,
        /// Who may.
        required: &'static str,
    },
    /// Accepting governance when nobody was proposed.
    #[error("no governance transfer is pending")]
    NoPendingGovernor,
    /// A support-ratio ramp that is out of its limits, or starts or stops at the wrong time.
    #[error("support-ratio ramp: {reason}")]
    RampRefused {
        /// What was wrong and what would be accepted.
        reason: String,
    },
    /// Adding a feeder twice, or removing one that is not there.
    #[error("{feeder} is {}", if *present { "already a feeder" } else { "not a feeder" })]
    FeederState {
        /// The feeder.
        feeder: Account,
        /// Whether it is currently a feeder.
        present: bool,
    },

    // ---- Mars Swap ---------------------------------------------------------------------
    /// No pool with that id.
    #[error("no pool with id {pool}; pools: {known}")]
    UnknownPool {
        /// The id asked for.
        pool: u32,
        /// Existing pools, `id: A/B`.
        known: String,
    },
    /// A pool for this pair exists already, or the pair is not a pair.
    #[error("cannot create pool {pair}: {reason}")]
    BadPool {
        /// The pair asked for.
        pair: String,
        /// Why not.
        reason: &'static str,
    },
    /// A redemption smaller than the minimum governance set.
    #[error("redemption of {requested} is below the minimum of {minimum}")]
    BelowMinimumRedemption {
        /// What was asked.
        requested: Box<Quantity>,
        /// The least accepted.
        minimum: Box<Quantity>,
    },
    /// A bounded collection is full.
    #[error("at most {max} {what}")]
    TooMany {
        /// What is full.
        what: &'static str,
        /// Its bound.
        max: usize,
    },
    /// A part of the state the operation needs is neither in memory nor to be had from the
    /// protocol's source (see `state`): a broken adapter or corrupted storage.
    #[error("internal: {0} is not loaded")]
    NotLoaded(crate::state::PartKey),
    /// The pool was retired by governance: only withdrawing liquidity remains.
    #[error("pool {pool} ({tokens}) is retired: it no longer trades, prices or takes liquidity; withdraw liquidity only")]
    PoolRetired {
        /// The pool.
        pool: u32,
        /// Its pair.
        tokens: String,
    },
    /// The pool cannot be retired while something depends on it.
    #[error("pool {pool} ({tokens}) cannot be retired: {reason}")]
    PoolInUse {
        /// The pool.
        pool: u32,
        /// Its pair.
        tokens: String,
        /// What depends on it, and what to do first.
        reason: String,
    },
    /// A TWAP window longer than a price-source pool's checkpoints cover.
    #[error("TWAP window {window}s: pool {pool} ({tokens}), which prices {symbol}, records checkpoints for a {pool_window}s window and cannot cover it; price {symbol} by a feed or by a pool with a window of at least {window}s first")]
    TwapWindowUncovered {
        /// The window asked for.
        window: u64,
        /// The pool.
        pool: u32,
        /// Its pair.
        tokens: String,
        /// The token it prices.
        symbol: Symbol,
        /// The pool's own checkpoint window.
        pool_window: u64,
    },
    /// The token is not one of the pool's two.
    #[error("{symbol} is not in pool {pool} ({tokens})")]
    NotInPool {
        /// The token.
        symbol: Symbol,
        /// The pool.
        pool: u32,
        /// Its tokens.
        tokens: String,
    },
    /// The pool has no liquidity.
    #[error("the pool has no liquidity yet")]
    EmptyPool,
    /// A pool price whose history does not yet cover the TWAP window is not trusted.
    #[error("price of {symbol} from pool {pool}: its history covers {covered}s of the {window}s TWAP window; it is used once the window is covered")]
    PoolTooYoung {
        /// The token.
        symbol: Symbol,
        /// The pool.
        pool: u32,
        /// Seconds of history.
        covered: u64,
        /// The window.
        window: u64,
    },
    /// Burning more liquidity shares than held.
    #[error("pool {pool}: {requested} shares requested but {held} held")]
    InsufficientShares {
        /// The pool.
        pool: u32,
        /// Shares asked for.
        requested: Box<Quantity>,
        /// Shares held.
        held: Box<Quantity>,
    },
    /// A price source that is not usable: a pool that does not hold the token, a chain of
    /// pools too long (or circular), or a feed post for a pool-priced token.
    #[error("price source of {symbol}: {reason}")]
    BadPriceSource {
        /// The token.
        symbol: Symbol,
        /// What is wrong.
        reason: &'static str,
    },

    // ---- treasury operations -----------------------------------------------------------
    /// Treasury operations are paused.
    #[error("treasury operations are paused by governance")]
    TreasuryOpsPaused,
    /// The pool's price is too far from the oracle's to add protocol liquidity at.
    #[error(
        "{asset} trades at {} USDm in the pool, more than {max_deviation} away from its oracle \
         price {oracle}; protocol liquidity is added only near the oracle price",
        pool_price.to_decimal()
    )]
    PoolPriceOffOracle {
        /// The asset paired with USDm.
        asset: Symbol,
        /// The asset's price in the pool, in USDm.
        pool_price: Price,
        /// The asset's oracle price.
        oracle: Price,
        /// The accepted deviation.
        max_deviation: Ratio,
    },
    /// No strategy position with that name and asset.
    #[error("no strategy '{name}' holds {asset}")]
    UnknownStrategy {
        /// The strategy.
        name: String,
        /// The asset.
        asset: Symbol,
    },

    // ---- Frax extras --------------------------------------------------------------------
    /// Recollateralization or buyback is paused.
    #[error("{0} is paused by governance")]
    FraxOpPaused(&'static str),
    /// Collateral already covers the ratio: nothing to recollateralize.
    #[error("no recollateralization needed: collateral value {collateral} already covers the target {target}")]
    NoShortfall {
        /// Treasury collateral value.
        collateral: Usd,
        /// Ratio x circulating USDm.
        target: Usd,
    },
    /// Collateral does not exceed the ratio: nothing to buy back.
    #[error("no excess collateral to buy back: collateral value {collateral} is within the target {target}")]
    NoExcess {
        /// Treasury collateral value.
        collateral: Usd,
        /// Ratio x circulating USDm.
        target: Usd,
    },
    /// The recollateralization or buyback is larger than the shortfall or excess allows.
    #[error("{operation} of {requested} exceeds what is open; at most {max} is accepted now")]
    FraxOpTooLarge {
        /// Which operation.
        operation: &'static str,
        /// What was offered.
        requested: Box<Quantity>,
        /// The largest accepted now.
        max: Box<Quantity>,
    },

    // ---- circuit breakers -----------------------------------------------------------------
    /// A circuit breaker refused the redemption.
    #[error(
        "{breaker} circuit breaker: {requested} requested, {available} available now (limit {capacity} per epoch); {}",
        match retry_in {
            Some(s) => format!("enough capacity returns in {s} s"),
            None => "it exceeds a whole epoch's limit: split it".to_string(),
        }
    )]
    CircuitBreaker {
        /// Which breaker.
        breaker: &'static str,
        /// What the redemption needs.
        requested: Box<Quantity>,
        /// What is available now.
        available: Box<Quantity>,
        /// The per-epoch capacity.
        capacity: Box<Quantity>,
        /// Seconds until enough capacity has unlocked, if it ever will.
        retry_in: Option<u64>,
    },

    // ---- migration ---------------------------------------------------------------------
    /// A stored state of an earlier version that cannot be migrated (see
    /// [`crate::state::legacy`]).
    #[error("the legacy state cannot be migrated: {0}")]
    LegacyState(String),

    // ---- invariants --------------------------------------------------------------------
    /// A global invariant does not hold: a bug, never a user error.
    #[error("invariant violated: {0}")]
    InvariantViolated(String),
}

impl Error {
    /// Whether this says the state itself could not be read (a part missing from memory or
    /// from the adapter's storage), as opposed to a refusal: callers that turn a refusal into
    /// "no answer" (an unpriceable pool leg, say) must still pass these on.
    pub fn is_state_failure(&self) -> bool {
        matches!(self, Error::NotLoaded(_) | Error::InvariantViolated(_))
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
