//! The pair's errors.

use cosmwasm_std::StdError;
use cw_utils::PaymentError;

/// Why the pair refused a message.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ContractError {
    /// A CosmWasm standard error.
    #[error(transparent)]
    Std(#[from] StdError),
    /// The protocol core refused (the message says why and what would be accepted).
    #[error(transparent)]
    Core(#[from] usdm_core::Error),
    /// Funds were wrong.
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// Only the fee recipient may do this.
    #[error("only the fee recipient may sweep fees")]
    Unauthorized,
    /// A cw20 hook from a contract that is not one of the pair's tokens.
    #[error("cw20 {sender} is not one of this pair's tokens ({tokens})")]
    UntrustedToken {
        /// The calling contract.
        sender: String,
        /// The pair's tokens.
        tokens: String,
    },
    /// Native funds that do not match what the message needs.
    #[error("{0}")]
    WrongFunds(String),
}
