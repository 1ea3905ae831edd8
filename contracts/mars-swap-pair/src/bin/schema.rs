//! Writes the pair's JSON schemas to `schema/` (run from the contract's directory:
//! `cargo run --bin mars-swap-pair-schema`).

use cosmwasm_schema::write_api;
use usdm_interface::pair::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
