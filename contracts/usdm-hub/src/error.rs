//! The hub's errors.

use cosmwasm_std::StdError;
use cw_utils::PaymentError;

/// Why the hub refused a message. Protocol refusals carry the core's message, which names
/// what was wrong and what would be accepted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ContractError {
    /// A CosmWasm standard error.
    #[error(transparent)]
    Std(#[from] StdError),
    /// The protocol core refused.
    #[error(transparent)]
    Core(#[from] usdm_core::Error),
    /// Funds were wrong (none, several coins, ...).
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// Only governance may do this.
    #[error("{sender} may not {action}: only governance may")]
    Unauthorized {
        /// Who tried.
        sender: String,
        /// What.
        action: &'static str,
    },
    /// A setting that exists in the core only to study a failure.
    #[error("{what} is refused on chain: {why}; accepted: {accepted}")]
    UnsafeSetting {
        /// The setting.
        what: &'static str,
        /// Why it is unsafe.
        why: &'static str,
        /// What the hub accepts instead.
        accepted: &'static str,
    },
    /// USDm and XMS are not registered yet.
    #[error("the USDm and XMS tokens are not registered yet (governance: register_tokens)")]
    TokensNotRegistered,
    /// The tokens and the governance contract are registered once.
    #[error("the governance contract {0} is already registered; a hub registers it once (its admin can migrate the governance contract's code)")]
    AlreadyRegistered(String),
    /// A governance contract the hub will not trust.
    #[error("governance contract {contract}: {reason}")]
    BadGovernance {
        /// The contract.
        contract: String,
        /// Why, and what is accepted.
        reason: String,
    },
    /// A token that does not fit the protocol (wrong minter, wrong supply, ...).
    #[error("token setup: {0}")]
    BadToken(String),
    /// A cw20 hook from a contract that is not a whitelisted token.
    #[error("cw20 contract {sender} is not a whitelisted token; accepted: {accepted}")]
    UntrustedToken {
        /// The calling contract.
        sender: String,
        /// The cw20 contracts trusted.
        accepted: String,
    },
    /// Funds of a denom other than the asset's.
    #[error("{asset} is the native denom {expected}, but {got} was sent")]
    WrongDenom {
        /// The asset.
        asset: String,
        /// Its denom.
        expected: String,
        /// What came.
        got: String,
    },
    /// A native operation for a cw20 asset, or the reverse.
    #[error("{asset} is {kind}: {how}")]
    WrongAssetKind {
        /// The asset.
        asset: String,
        /// What it is.
        kind: &'static str,
        /// How to send it instead.
        how: &'static str,
    },
    /// A cw20 hook message this token cannot carry.
    #[error("{token} cannot be sent with {message}")]
    WrongHook {
        /// The token.
        token: &'static str,
        /// The message.
        message: &'static str,
    },
    /// A pair that does not fit the protocol.
    #[error("pair {pair}: {reason}")]
    BadPair {
        /// The pair.
        pair: String,
        /// Why.
        reason: String,
    },
    /// Only a registered pair may do this.
    #[error("no registered pair with pool id {0}")]
    UnknownPair(u32),
    /// Only the registered governance contract may apply what governance decided.
    #[error("{sender} may not apply governance outcomes: only the registered governance contract ({expected}) may")]
    NotGovernance {
        /// Who tried.
        sender: String,
        /// The registered governance contract, or "none registered yet".
        expected: String,
    },
    /// A message the governance contract may not have the hub send.
    #[error("governance may not have the hub send {what}")]
    ForbiddenMessage {
        /// What it asked for.
        what: &'static str,
    },
    /// A write the governance contract may not make.
    #[error("governance may not write storage key {key}: only the protocol's parts and the hub's records (pending redemptions and the contract version are the hub's own)")]
    ForbiddenWrite {
        /// The key, in hex.
        key: String,
    },
}
