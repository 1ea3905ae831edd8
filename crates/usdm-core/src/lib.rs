//! # usdm-core
//!
//! The USDm stablecoin and XMS share-token protocol (the Mars Ecosystem design, with Frax-style
//! fractional minting) as a deterministic state machine: no I/O, no clock, no randomness, no
//! floating point. Every operation takes explicit time ([`BlockTime`]) and returns typed
//! results and [`Event`]s, or a typed [`Error`] with the state untouched.
//!
//! Map from `SPEC.md` to modules:
//!
//! | SPEC | module |
//! |---|---|
//! | 1 arithmetic | [`math`], [`units`] |
//! | 2 assets and tiers | [`asset`], [`treasury`] |
//! | 3 prices | [`prices`], [`pricing`] |
//! | 4 minting | [`mint`] |
//! | 5 redeeming | [`redeem`] |
//! | 6 mintage control | [`supply_cap`], [`ramp`] (a governed ramp of the support ratio) |
//! | 7 ratio policy | [`ratio`], [`params`] (presets), [`frax_extras`] |
//! | 8 fees | [`fees`] |
//! | 9 treasury operations | [`treasury_ops`], [`treasury`] |
//! | 10 Mars Swap | [`swap`] |
//! | 11 governance, breakers, invariants | [`governance`], [`breakers`], [`invariants`] |
//! | (storage) the state in parts, for adapters that load only what an operation touches | [`state`] |
//!
//! ```
//! use usdm_core::prelude::*;
//!
//! let gov = Account::new("gov");
//! let start = BlockTime::new(1, 0);
//! let genesis = Genesis::new(Preset::Mars, gov.clone(), start)
//!     .with_assets(example_assets())
//!     .with_feeder(gov.clone())
//!     .with_xms_supply(Amount::parse("100000000", 18).unwrap());
//! let mut p = Protocol::genesis(genesis).unwrap().value;
//! p.post_price(&gov, XMS, Price::parse("2.5").unwrap(), 0, start).unwrap();
//! // Minting fails closed until an epoch has an average XMS market cap.
//! let usdc = Symbol::new("USDC").unwrap();
//! p.post_price(&gov, usdc, Price::ONE_DOLLAR, 0, start).unwrap();
//! let mint = MintRequest::collateral(usdc, Amount::parse("1000", 6).unwrap(), Amount::ZERO, Amount::ZERO);
//! assert!(p.mint(&gov, &mint, start).is_err());
//! // One epoch (180 s) later the cap is $250M / 250% = $100M.
//! let later = BlockTime::new(61, 180);
//! p.post_price(&gov, usdc, Price::ONE_DOLLAR, 180, later).unwrap();
//! let receipt = p.mint(&gov, &mint, later).unwrap();
//! assert_eq!(receipt.value.usdm_out, Amount::parse("998", 18).unwrap()); // 0.20% fee
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Errors are built lazily (`ok_or_else`) even when cheap: an eagerly built `Error` is dropped
// on every successful call, which measurably costs on the mint and redeem hot paths.
#![allow(clippy::unnecessary_lazy_evaluations)]

pub mod asset;
pub mod breakers;
pub mod error;
pub mod events;
pub mod fees;
pub mod frax_extras;
pub mod governance;
pub mod ids;
pub mod invariants;
pub mod math;
pub mod mint;
pub mod params;
pub mod prices;
pub mod pricing;
pub mod protocol;
pub mod ramp;
pub mod ratio;
pub mod redeem;
pub mod state;
pub mod supply_cap;
pub mod swap;
pub mod time;
pub mod treasury;
pub mod treasury_ops;
pub mod units;

pub use error::{Error, Result};
pub use events::Event;
pub use protocol::{Genesis, Protocol, Receipt};
pub use time::BlockTime;

/// The names most users need.
pub mod prelude {
    pub use crate::asset::{example_assets, AssetConfig, AssetUpdate, PriceSource, Tier};
    pub use crate::breakers::BreakerParams;
    pub use crate::error::{Error, Result};
    pub use crate::events::Event;
    pub use crate::frax_extras::{CollateralStatus, FraxTrade};
    pub use crate::governance::{GovAction, PauseTarget};
    pub use crate::ids::{Account, Symbol, USDM, XMS};
    pub use crate::math::Rounding;
    pub use crate::mint::{MintInput, MintQuote, MintRequest};
    pub use crate::params::{ParamChange, Params, PolicyKind, Preset};
    pub use crate::prices::PriceQuote;
    pub use crate::protocol::{Genesis, Protocol, Receipt, Supply, SupportRatioStatus};
    pub use crate::ramp::{RampLimits, SupportRamp};
    pub use crate::redeem::{PendingRedemption, RedeemQuote, RedeemRequest};
    pub use crate::state::{Books, Change, Clock, Config, Part, PartKey};
    pub use crate::supply_cap::CapStatus;
    pub use crate::swap::{treasury_account, AddQuote, Pool, PoolId, SwapQuote, SwapRequest};
    pub use crate::time::BlockTime;
    pub use crate::treasury::{Holding, Position, Valuation};
    pub use crate::treasury_ops::TreasuryOp;
    pub use crate::units::{Amount, Multiple, Price, Quantity, Ratio, SupportRatio, Usd};
}

/// The guides' examples that are Rust (`docs/integrating.md`, "Using the library"), compiled
/// and run as doctests so that they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/integrating.md")]
pub struct ReadmeDoctests;
