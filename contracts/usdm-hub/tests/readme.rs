//! Every JSON example in the deployment guide (`docs/deploying.md`) is a valid message of the contract it
//! is for (the hub's, or the governance contract's), so the guide cannot drift from the
//! interface.

use usdm_interface::hub::{ExecuteMsg, InstantiateMsg, QueryMsg, ReceiveMsg};

fn blocks(kind: &str) -> Vec<String> {
    let readme = include_str!("../../../docs/deploying.md");
    let fence = format!("```json {kind}\n");
    readme
        .split(fence.as_str())
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn readme_examples_are_valid_messages() {
    let mut count = 0;
    for b in blocks("instantiate") {
        cosmwasm_std::from_json::<InstantiateMsg>(b.as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {b}"));
        count += 1;
    }
    for b in blocks("execute") {
        cosmwasm_std::from_json::<ExecuteMsg>(b.as_bytes()).unwrap_or_else(|e| panic!("{e}: {b}"));
        count += 1;
    }
    for b in blocks("receive") {
        cosmwasm_std::from_json::<ReceiveMsg>(b.as_bytes()).unwrap_or_else(|e| panic!("{e}: {b}"));
        count += 1;
    }
    for b in blocks("query") {
        cosmwasm_std::from_json::<QueryMsg>(b.as_bytes()).unwrap_or_else(|e| panic!("{e}: {b}"));
        count += 1;
    }
    let mut governance = 0;
    for b in blocks("governance") {
        cosmwasm_std::from_json::<usdm_interface::governance::ExecuteMsg>(b.as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {b}"));
        governance += 1;
    }
    for b in blocks("governance-instantiate") {
        cosmwasm_std::from_json::<usdm_interface::governance::InstantiateMsg>(b.as_bytes())
            .unwrap_or_else(|e| panic!("{e}: {b}"));
        governance += 1;
    }
    assert!(count >= 15, "only {count} hub examples found");
    assert!(
        governance >= 5,
        "only {governance} governance examples found"
    );
}
