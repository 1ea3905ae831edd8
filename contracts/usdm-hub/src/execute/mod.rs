//! One module per family of execute messages.

pub mod apply;
pub mod frax;
pub mod governance;
pub mod mint;
pub mod prices;
pub mod receive;
pub mod redeem;
pub mod tokens;
pub mod treasury;

use crate::context::asset_info;
use crate::error::ContractError;
use cosmwasm_std::{Coin, Deps, MessageInfo};
use usdm_core::ids::Symbol;
use usdm_core::state::PartSource;
use usdm_core::Protocol;
use usdm_interface::AssetInfo;

/// The single coin sent for `symbol`, checked against the denom recorded for it.
pub(crate) fn native_payment<S: PartSource>(
    deps: Deps,
    protocol: &Protocol<S>,
    info: &MessageInfo,
    symbol: Symbol,
) -> Result<Coin, ContractError> {
    match asset_info(deps, protocol, symbol)? {
        AssetInfo::Native { denom } => {
            let coin = cw_utils::one_coin(info)?;
            if coin.denom != denom {
                return Err(ContractError::WrongDenom {
                    asset: symbol.to_string(),
                    expected: denom,
                    got: coin.denom,
                });
            }
            Ok(coin)
        }
        AssetInfo::Cw20 { .. } => Err(ContractError::WrongAssetKind {
            asset: symbol.to_string(),
            kind: "a cw20 token",
            how: "send it with the token's Send and a hub ReceiveMsg",
        }),
    }
}
