//! How a protocol token exists on chain.

use cosmwasm_schema::cw_serde;

/// A token on chain: a native bank denom or a cw20 contract. Collateral is trusted only by the
/// denom or contract recorded here when it was whitelisted.
#[cw_serde]
pub enum AssetInfo {
    /// A native bank denom (`"uusdc"`, `"ibc/..."`).
    Native {
        /// The denom.
        denom: String,
    },
    /// A cw20 token contract.
    Cw20 {
        /// The contract address.
        contract: String,
    },
}

impl AssetInfo {
    /// A message sending `amount` of this token from the calling contract to `recipient`.
    pub fn transfer(
        &self,
        recipient: &str,
        amount: cosmwasm_std::Uint128,
    ) -> cosmwasm_std::StdResult<cosmwasm_std::CosmosMsg> {
        Ok(match self {
            AssetInfo::Native { denom } => cosmwasm_std::BankMsg::Send {
                to_address: recipient.to_string(),
                amount: vec![cosmwasm_std::Coin {
                    denom: denom.clone(),
                    amount,
                }],
            }
            .into(),
            AssetInfo::Cw20 { contract } => cosmwasm_std::WasmMsg::Execute {
                contract_addr: contract.clone(),
                msg: cosmwasm_std::to_json_binary(&cw20::Cw20ExecuteMsg::Transfer {
                    recipient: recipient.to_string(),
                    amount,
                })?,
                funds: vec![],
            }
            .into(),
        })
    }

    /// The denom, if native.
    pub fn denom(&self) -> Option<&str> {
        match self {
            AssetInfo::Native { denom } => Some(denom),
            AssetInfo::Cw20 { .. } => None,
        }
    }

    /// The cw20 contract, if a cw20.
    pub fn cw20(&self) -> Option<&str> {
        match self {
            AssetInfo::Cw20 { contract } => Some(contract),
            AssetInfo::Native { .. } => None,
        }
    }
}
