//! Writes the hub's JSON schemas to `schema/` (run from the contract's directory:
//! `cargo run --bin usdm-hub-schema`).

use cosmwasm_schema::write_api;
use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    write_api! {
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
}
