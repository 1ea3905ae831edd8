//! The committed JSON schemas are the messages' current schemas (regenerate with
//! `cd contracts/mars-swap-pair && cargo run --bin mars-swap-pair-schema`).

use cosmwasm_schema::generate_api;
use usdm_interface::pair::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

#[test]
fn committed_schema_is_current() {
    let api = generate_api! {
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    }
    .render();
    let current = api.to_string().unwrap() + "\n";
    let committed = include_str!("../schema/mars-swap-pair.json");
    assert!(current == committed, "schema/mars-swap-pair.json is stale: run `cargo run --bin mars-swap-pair-schema` in contracts/mars-swap-pair");
}
