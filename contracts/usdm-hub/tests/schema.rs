//! The committed JSON schemas are the messages' current schemas (regenerate with
//! `cd contracts/usdm-hub && cargo run --bin usdm-hub-schema`).

use cosmwasm_schema::generate_api;
use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

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
    let committed = include_str!("../schema/usdm-hub.json");
    assert!(
        current == committed,
        "schema/usdm-hub.json is stale: run `cargo run --bin usdm-hub-schema` in contracts/usdm-hub"
    );
}
